natsim.experiment{
  pairs = 2, versions = { "v0.9" },
  population = { { model = "full_cone", weight = 1 } },
  birthday = { ports = 0 },
}
