-- rollout.lua: the roadmap rolled out, v0.7 -> v0.8 -> v0.9, in steps.
--
--   natsim run scenarios/rollout.lua [--seed N] [--out DIR] [--json FILE]
--   overrides: --set pairs=N   --set steps=0,0.25,0.5,0.75,1
--
-- What a rollout is here: two upgrades, one after the other. In the first,
-- a share s of the peers runs v0.8 and the rest v0.7; in the second, a
-- share s runs v0.9 and the rest v0.8. At each step every peer's version
-- is drawn from the seed with those shares (natsim.experiment's mix), the
-- pairs and their NATs stay those of every other step, and each pair uses
-- the best strategy both peers support, learned through the gateway: a
-- v0.7 peer relays with anyone, v0.8 punches with v0.8 and v0.9, ICE runs
-- only between two v0.9 peers.
--
-- The theory each step is checked against: a pair goes direct only if both
-- sides are new enough, and the two sides' versions are drawn apart, so
--   first upgrade:  direct(s) = s^2 * direct(v0.8)
--   second upgrade: direct(s) = s^2 * direct(v0.9) + (1 - s^2) * direct(v0.8)
-- with direct(v0.8) and direct(v0.9) measured at the steps where every peer
-- runs them (s = 1). The tolerance comes from the binomial: a step passes
-- when its 95% Wilson interval overlaps the theory's interval, the same
-- formula over the 95% Wilson intervals of the measured direct(v0.8) and
-- direct(v0.9). Every step must also keep every message (verified data,
-- no failure) and miss no pair the oracle says could go direct.

local pairs_n = natsim.param("pairs", 400, { min = 1 })
local steps = natsim.param("steps", { "0", "0.25", "0.5", "0.75", "1" })

local population = { -- the reference population of shared/DESIGN.md
  { name = "full_cone",            model = "full_cone",            weight = 15 },
  { name = "restricted_cone",      model = "restricted_cone",      weight = 37 },
  { name = "port_restricted_cone", model = "port_restricted_cone", weight = 20 },
  { name = "symmetric",            model = "symmetric",            weight = 12 },
  { name = "cgn",                  model = "port_restricted_cone", weight = 16,
    behind = "carrier_grade" },
}

local shares = {}
for i, text in ipairs(steps) do
  local s = tonumber(text)
  if not s or s < 0 or s > 1 then
    error(string.format("steps: entry %d: expected a share from 0 to 1, got %q", i, text), 0)
  end
  shares[i] = s
end
if shares[#shares] ~= 1 then
  error("steps: the last step must be 1 (the theory needs the new version's own rate)", 0)
end

-- One step: the share s on `new`, the rest on `old`, as the roadmap runs them.
local function step(old, new, s)
  local mix = { [old] = 1 - s, [new] = s }
  local r = natsim.experiment{
    pairs = pairs_n,
    mix = mix,
    population = population,
    link = { delay = "10ms" },
    workload = { messages = 50, size = 500, over = "5s" },
    punch = { delay = "100ms", interval = "50ms", attempts = 20 },
    settle = "20s",
    predict = 16,
  }
  return r.versions[1]
end

local upgrades = { { "v0.7", "v0.8" }, { "v0.8", "v0.9" } }
local runs = {}
for u, pair in ipairs(upgrades) do
  runs[u] = {}
  for i, s in ipairs(shares) do runs[u][i] = step(pair[1], pair[2], s) end
end

-- Direct rate and its 95% interval where every peer runs the new version.
local function full(u)
  local v = runs[u][#shares]
  return { v.direct_rate, v.direct_rate_ci[1], v.direct_rate_ci[2] }
end
local d8 = full(1)
local d9 = full(2)

-- The theory at share s of upgrade u: {estimate, low, high}.
local function theory(u, s)
  local t = {}
  for k = 1, 3 do
    t[k] = u == 1 and s * s * d8[k] or s * s * d9[k] + (1 - s * s) * d8[k]
  end
  return t
end

local function pct(x) return string.format("%.1f%%", 100 * x) end

print(string.format("Rollout: %d pairs a step from the reference population, seed %d\n",
                    pairs_n, natsim.seed()))
print(string.format("%-10s %5s  %-22s %-22s %-8s %8s %7s %7s %s", "upgrade", "share",
                    "direct [95% CI]", "theory [interval]", "verdict", "gateway", "relayed",
                    "failed", "missed"))
for u, pair in ipairs(upgrades) do
  for i, s in ipairs(shares) do
    local v = runs[u][i]
    local t = theory(u, s)
    local ok = v.direct_rate_ci[1] <= t[3] and t[2] <= v.direct_rate_ci[2]
    local name = pair[1] .. "->" .. pair[2]
    print(string.format("%-10s %4.0f%%  %-6s [%5s, %5s]  %-6s [%5s, %5s]  %-8s %8s %7d %7d %d",
                        name, 100 * s, pct(v.direct_rate), pct(v.direct_rate_ci[1]),
                        pct(v.direct_rate_ci[2]), pct(t[1]), pct(t[2]), pct(t[3]),
                        ok and "PASS" or "FAIL", pct(v.gateway_load), v.relayed, v.failed,
                        v.missed_direct))
    local label = string.format("%s at %g%%", name, 100 * s)
    natsim.check(label .. ": direct rate as the theory says", ok,
                 string.format("%s [%s, %s] against %s [%s, %s]", pct(v.direct_rate),
                               pct(v.direct_rate_ci[1]), pct(v.direct_rate_ci[2]), pct(t[1]),
                               pct(t[2]), pct(t[3])))
    natsim.check(label .. ": every message verified, none failed",
                 v.failed == 0 and v.data_errors == 0 and v.data_verified == v.attempts,
                 string.format("%d failed, %d with data errors, %d of %d verified", v.failed,
                               v.data_errors, v.data_verified, v.attempts))
    natsim.check(label .. ": no missed direct connection", v.missed_direct == 0,
                 v.missed_direct .. " attempts could have gone direct and did not")
  end
end

-- Where each step's pairs went, by the versions of their two peers.
print("\nby version pair (attempts: direct / relayed / failed)")
for u, pair in ipairs(upgrades) do
  for i, s in ipairs(shares) do
    local v = runs[u][i]
    table.sort(v.version_pairs, function(x, y) return x.a .. x.b < y.a .. y.b end)
    local cells = {}
    for _, c in ipairs(v.version_pairs) do
      cells[#cells + 1] = string.format("%s+%s %d: %d/%d/%d", c.a, c.b, c.attempts, c.direct,
                                        c.relayed, c.failed)
    end
    print(string.format("%-10s %4.0f%%  %s", pair[1] .. "->" .. pair[2], 100 * s,
                        table.concat(cells, "   ")))
  end
end
