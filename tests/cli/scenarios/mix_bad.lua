-- Wrong mix and cost tables, one per --set case=... (rollout_test.sh).
local case = natsim.param("case", "sum")
local bad = {
  sum = { mix = { ["v0.7"] = 0.5, ["v0.9"] = 0.6 } },
  key = { mix = { ["v0.6"] = 1 } },
  range = { mix = { ["v0.7"] = 1.5, ["v0.9"] = -0.5 } },
  type = { mix = { ["v0.7"] = "half", ["v0.9"] = 0.5 } },
  versions = { mix = { ["v0.7"] = 1 }, versions = { "v0.7" } },
  targets = { mix = { ["v0.7"] = 1 }, targets = { ["v0.7"] = { direct = 0 } } },
  upgrade = { mix = { ["v0.9"] = 1 }, upgrade = { ["v0.9"] = "migrate" } },
  peers = { cost = { peers = 0 } },
  length = { cost = { session_length = 600 } },
  unknown = { cost = { price = 1 } },
}
local e = {
  pairs = 2,
  population = { { model = "full_cone", weight = 1 } },
}
for k, v in pairs(assert(bad[case], "no such case")) do e[k] = v end
natsim.experiment(e)
