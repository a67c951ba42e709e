-- error({}) inside a callback: a message with a location, never (null).
natsim.host{ name = "s" }
natsim.at(1, function()
  error({})
end)
natsim.run(2)
