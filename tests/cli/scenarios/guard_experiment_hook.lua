-- An experiment whose NAT model's allocate_port never returns.
natsim.experiment{
  pairs = 2, versions = {"v0.8"},
  population = { { name = "loops", model = "../models/hook_loops.lua", weight = 1 } },
}
print("not reached")
