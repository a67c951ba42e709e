-- natsim.run called from inside a callback.
local s = natsim.host{ name = "s" }
natsim.at(1, function()
  natsim.run(1)
end)
natsim.run(5)
print("not reached")
