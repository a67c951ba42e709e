-- doc_test.sh: the documented model (model.lua, beside this file) as a
-- class of peers in natsim.experiment; every attempt must connect.
local r = natsim.experiment{
  population = { { name = "doc", model = "model.lua", weight = 1 } },
  pairs = 3,
  versions = { "v0.8" },
  workload = { messages = 2, size = 100, over = "100ms" },
  settle = "2s",
}
local v = r.versions[1]
natsim.check("every attempt connected", v.connected == v.attempts,
             v.connected .. " of " .. v.attempts)
