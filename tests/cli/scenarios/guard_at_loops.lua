-- A natsim.at callback that never returns.
local s = natsim.host{ name = "s" }
natsim.at(1, function()
  while true do end
end)
natsim.run(2)
print("not reached")
