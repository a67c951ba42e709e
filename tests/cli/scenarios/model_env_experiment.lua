-- A NAT model's hooks inside natsim.experiment: the model environment
-- (math.random, string methods, print) as in plain scenarios and classify.
local r = natsim.experiment{
  population = { { name = "env", model = "../models/env_hooks.lua", weight = 1 } },
  pairs = 3,
  versions = { "v0.8" },
  workload = { messages = 2, size = 100, over = "100ms" },
  settle = "2s",
}
local v = r.versions[1]
natsim.check("every attempt connected", v.connected == v.attempts,
             v.connected .. " of " .. v.attempts)
