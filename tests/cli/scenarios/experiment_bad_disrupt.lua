natsim.experiment{
  pairs = 2, versions = { "v0.8" },
  population = { { model = "full_cone", weight = 1 } },
  disrupt = { what = "reboot", after = "1s" },
}
