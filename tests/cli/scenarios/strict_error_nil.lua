-- error(nil) inside a callback.
natsim.host{ name = "s" }
natsim.at(1, function()
  error(nil)
end)
natsim.run(2)
