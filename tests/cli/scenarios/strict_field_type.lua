-- A field of a sub-table with the wrong type names the field and its line.
natsim.experiment{
  pairs = 2,
  population = { { name = "fc", model = "full_cone", weight = 1 } },
  versions = { "v0.8" },
  workload = {
    messages = "50",
  },
}
