-- natsim.experiment called from inside a callback.
natsim.after(1, function()
  natsim.experiment{ pairs = 2, population = { { model = "full_cone", weight = 1 } } }
end)
natsim.run(5)
print("not reached")
