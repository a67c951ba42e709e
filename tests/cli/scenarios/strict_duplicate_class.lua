-- Two population entries of the same name cannot be told apart in results.
natsim.experiment{
  pairs = 2,
  versions = { "v0.8" },
  population = {
    { name = "home", model = "full_cone", weight = 1 },
    { name = "home", model = "symmetric", weight = 1 },
  },
}
