-- Every version on the same few pairs, and a mix, for the cost table and
-- the version pairs in the reports (rollout_test.sh). No targets: the
-- cost claims are reported, and the run exits 0 whatever they say.
local base = {
  pairs = 12,
  population = { { model = "full_cone", weight = 1 }, { model = "symmetric", weight = 1 } },
  workload = { messages = 10, size = 500, over = "1s" },
  settle = "5s",
}
local function with(extra)
  local e = {}
  for k, v in pairs(base) do e[k] = v end
  for k, v in pairs(extra) do e[k] = v end
  return e
end
local r = natsim.experiment(with{ versions = { "v0.7", "v0.8", "v0.9" } })
for _, v in ipairs(r.versions) do
  print(string.format("%s cost: gateway %.1f GB/month, STUN/TURN $%.2f", v.name,
                      v.cost.gateway_gb_month, v.cost.stun_turn_usd_month))
end
local m = natsim.experiment(with{ mix = { ["v0.7"] = 0.25, ["v0.8"] = 0.25, ["v0.9"] = 0.5 } })
local v = m.versions[1]
natsim.check("mix: nothing failed, every message verified",
             v.failed == 0 and v.data_errors == 0 and v.data_verified == v.attempts,
             v.failed .. " failed")
local sum = 0
for _, c in ipairs(v.version_pairs) do
  sum = sum + c.attempts
  if c.a == "v0.7" then natsim.check("mix: " .. c.a .. "+" .. c.b .. " relays", c.direct == 0, "") end
end
natsim.check("mix: the version pairs add up", sum == v.attempts, sum .. " of " .. v.attempts)
