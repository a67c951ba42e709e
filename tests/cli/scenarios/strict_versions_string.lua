-- versions must be a list: a string is refused (it once ran v0.7 and v0.8).
natsim.experiment{
  pairs = 2,
  population = { { name = "fc", model = "full_cone", weight = 1 } },
  versions = "v0.9",
}
