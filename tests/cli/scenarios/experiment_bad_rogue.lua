natsim.experiment{
  pairs = 2, versions = { "v0.8" }, transport = "messages", rogue = 0.5,
  population = { { model = "full_cone", weight = 1 } },
}
