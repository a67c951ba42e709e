-- A callback that loops through coroutines, each looping for ever.
local s = natsim.host{ name = "s" }
natsim.at(1, function()
  while true do
    coroutine.resume(coroutine.create(function() while true do end end))
  end
end)
natsim.run(2)
print("not reached")
