-- A NAT model as a class of peers in natsim.experiment; every attempt must
-- connect. doc_test.sh: the documented model (model.lua, beside this file);
-- model_env_test.sh: --set model=../models/env_hooks.lua.
local model = natsim.param("model", "model.lua")
local r = natsim.experiment{
  population = { { name = "doc", model = model, weight = 1 } },
  pairs = 3,
  versions = { "v0.8" },
  workload = { messages = 2, size = 100, over = "100ms" },
  settle = "2s",
}
local v = r.versions[1]
natsim.check("every attempt connected", v.connected == v.attempts,
             v.connected .. " of " .. v.attempts)
