-- An experiment whose rare class's NAT model fails at run time: with
-- --batch, the worker whose simulation meets it first fails, and natsim
-- stops with that model's error (scale_test.sh).
natsim.experiment{
  pairs = 40,
  versions = { "v0.7" },
  population = {
    { name = "fine", model = "full_cone", weight = 15 },
    { name = "fails", model = "../models/hook_fails.lua", weight = 1 },
  },
}
