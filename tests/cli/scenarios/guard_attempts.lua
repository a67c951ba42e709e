-- Attempts to record: v0.8 without punches misses every feasible direct path.
natsim.experiment{
  pairs = 6, versions = {"v0.7", "v0.8"},
  punch = { attempts = 0 },
  population = {
    { name = "open", model = "full_cone", weight = 1 },
    { name = "home", model = "port_restricted_cone", weight = 1 },
  },
}
