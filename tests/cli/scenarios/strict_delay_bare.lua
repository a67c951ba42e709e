-- link.delay = 20 would be 20 s: a duration in an option table needs a unit.
natsim.experiment{
  pairs = 2,
  versions = { "v0.8" },
  population = { { name = "fc", model = "full_cone", weight = 1 } },
  link = {
    delay = 20,
  },
}
