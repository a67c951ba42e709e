-- hard_nat.lua: the NAT pairs the classic techniques find hard, and what
-- each version achieves on them beside what is theoretically reachable.
-- For each pair of NAT classes: the direct rate achieved, the rate the
-- feasibility oracle (harness/feasible.c) says the technique can reach on
-- those NATs (port prediction for sequential allocators, PCP mappings,
-- hairpinning, and for v0.9 birthday-paradox probing of random allocators),
-- and the probing cost per attempt: path probes sent by both sides (punches
-- for v0.8; ICE connectivity checks, birthday openings and probes for v0.9)
-- and the time from the connect call to both sides on the direct path.
--
--   natsim run scenarios/hard_nat.lua [--seed N] [--set pairs=N] [--set predict=N]
--        [--set bday_ports=N] [--set bday_probes=K] [--set bday_interval=MS]
--
-- Birthday probing (ice.h): a symmetric NAT with random ports facing one
-- that maps endpoint-independently. The hard side opens bday_ports sockets
-- (m = bday_ports + 1 mappings toward the other side), the easy side sends
-- up to bday_probes probes to random ports: each attempt succeeds with
-- probability 1 - (1 - m/64512)^k, so the theoretical rate is a probability
-- and the achieved count is checked against it statistically: an exact
-- two-sided binomial test at the 5% level (neither tail beyond 2.5%).
-- Deterministic techniques must achieve exactly their theoretical rate.

local pairs_n = natsim.param("pairs", 400, { min = 1 })
local predict = natsim.param("predict", 16, { min = 0, max = 32 })
local bday_ports = natsim.param("bday_ports", 256, { min = 1, max = 1024 })
local bday_probes = natsim.param("bday_probes", 1024, { min = 1 })
local bday_interval = natsim.param("bday_interval", 2.0, { min = 0 }) -- ms
local r = natsim.experiment{
  pairs = pairs_n,
  versions = { "v0.8", "v0.9" },
  population = {
    { name = "port_restricted", model = "port_restricted_cone", weight = 1 },
    { name = "sym_sequential", model = "symmetric", weight = 1 },
    { name = "sym_random", model = "linux_masquerade_random", weight = 1 },
    { name = "sym_random_pcp", model = "symmetric_pcp", weight = 1 },
    { name = "cgn", model = "port_restricted_cone", behind = "carrier_grade", weight = 1 },
  },
  workload = { messages = 10, size = 200, over = "1s" },
  settle = "20s",
  predict = predict,
  birthday = { ports = bday_ports, probes = bday_probes, interval = bday_interval .. "ms" },
}

-- For k successes in n trials of probability p: P(X <= k) and P(X >= k).
local function binomial_tails(k, n, p)
  local le, ge, term = 0, 0, (1 - p) ^ n -- P(X = 0)
  for i = 0, n do
    if i <= k then le = le + term end
    if i >= k then ge = ge + term end
    term = term * (n - i) / (i + 1) * p / (1 - p) -- P(X = i + 1)
  end
  return le, ge
end

print(string.format("Hard NAT pairs: %d attempts per version, seed %d\n", r.versions[1].attempts,
                    natsim.seed()))
for _, v in ipairs(r.versions) do
  print(string.format("%s (%s)", v.name, v.strategy))
  print(string.format("  %-15s %-15s %8s %9s %11s %7s %12s %10s", "", "", "attempts", "achieved",
                      "theoretical", "TURN", "probes/att", "direct ms"))
  table.sort(v.matrix, function(x, y) return x.a .. x.b < y.a .. y.b end)
  for _, c in ipairs(v.matrix) do
    local achieved, theory = c.direct / c.attempts, c.expected_direct / c.attempts
    local chance = c.expected_direct - c.feasible > 1e-9 -- birthday probing: a probability
    print(string.format("  %-15s %-15s %8d %8.0f%% %10.0f%%%s %6d %12.1f %10.0f", c.a, c.b,
                        c.attempts, 100 * achieved, 100 * theory, chance and "*" or " ", c.turn,
                        c.probes_per_attempt, c.direct_ms_mean))
    local name = string.format("%s %s x %s: achieved the theoretical rate", v.name, c.a, c.b)
    if chance then
      local le, ge = binomial_tails(c.direct, c.attempts, theory)
      natsim.check(name, le >= 0.025 and ge >= 0.025,
                   string.format("%d of %d direct, theoretical %.1f%%: P(X <= %d) = %.3f, P(X >= %d) = %.3f",
                                 c.direct, c.attempts, 100 * theory, c.direct, le, c.direct, ge))
    else
      natsim.check(name, c.direct == c.feasible,
                   string.format("%d direct, %d feasible", c.direct, c.feasible))
    end
  end
  natsim.check(v.name .. ": all connected, data intact", v.failed == 0 and v.data_errors == 0)
  print()
end
print("* birthday probing: the theoretical rate is a probability per attempt")
