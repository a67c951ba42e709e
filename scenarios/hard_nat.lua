-- hard_nat.lua: the NAT pairs the classic techniques find hard, and what
-- each version achieves on them beside what is theoretically reachable.
-- For each pair of NAT classes: the direct rate achieved, the rate the
-- feasibility oracle (harness/feasible.c) says the technique can reach on
-- those NATs (port prediction for sequential allocators, PCP mappings,
-- hairpinning), and the probing cost per attempt: path probes sent by both
-- sides (punches for v0.8, ICE connectivity checks for v0.9) and the time
-- from the connect call to both sides on the direct path.
--
--   natsim run scenarios/hard_nat.lua [--seed N] [--set pairs=N] [--set predict=N]
--
-- Not covered yet: birthday-paradox probing for random allocators, so a
-- symmetric NAT with random ports facing another NAT that filters by port
-- is theoretically out of reach here (rate 0) and goes through TURN.

local p = natsim.params
local r = natsim.experiment{
  pairs = tonumber(p.pairs or "400"),
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
  predict = tonumber(p.predict or "16"),
}

print(string.format("Hard NAT pairs: %d attempts per version, seed %d\n", r.versions[1].attempts,
                    natsim.seed()))
for _, v in ipairs(r.versions) do
  print(string.format("%s (%s)", v.name, v.strategy))
  print(string.format("  %-15s %-15s %8s %9s %11s %7s %12s %10s", "", "", "attempts", "achieved",
                      "theoretical", "TURN", "probes/att", "direct ms"))
  table.sort(v.matrix, function(x, y) return x.a .. x.b < y.a .. y.b end)
  for _, c in ipairs(v.matrix) do
    local achieved, theory = c.direct / c.attempts, c.feasible / c.attempts
    print(string.format("  %-15s %-15s %8d %8.0f%% %10.0f%% %7d %12.1f %10.0f", c.a, c.b,
                        c.attempts, 100 * achieved, 100 * theory, c.turn, c.probes_per_attempt,
                        c.direct_ms_mean))
    natsim.check(string.format("%s %s x %s: achieved the theoretical rate", v.name, c.a, c.b),
                 c.direct == c.feasible, string.format("%d direct, %d feasible", c.direct, c.feasible))
  end
  natsim.check(v.name .. ": all connected, data intact", v.failed == 0 and v.data_errors == 0)
  print()
end
