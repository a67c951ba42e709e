-- A coroutine that yields across callbacks: 100000 instructions a callback.
local s = natsim.host{ name = "s" }
local co = coroutine.wrap(function()
  while true do
    for i = 1, 1000 do end
    coroutine.yield()
  end
end)
natsim.at(1, function() for i = 1, 100 do co() end end)
natsim.at(1.5, function() for i = 1, 100 do co() end end)
natsim.run(2)
print("reached")
