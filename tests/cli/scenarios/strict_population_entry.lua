-- A bad population entry is named by its index and name.
natsim.experiment{
  pairs = 2,
  versions = { "v0.8" },
  population = {
    { name = "fc", model = "full_cone", weight = 1 },
    { name = "sym", model = "symmetric", weight = "12" },
  },
}
