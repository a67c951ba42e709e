-- roadmap.lua: the roadmap measured. Every version of the stack connects
-- the same pairs of peers, drawn from the reference NAT population, with
-- the same seed; each row is printed beside the roadmap's targets, with
-- PASS or FAIL in each cell, and `natsim run` exits non-zero when a target
-- is missed.
--
--   natsim run scenarios/roadmap.lua [--seed N] [--out DIR] [--json FILE]
--   overrides: --set pairs=N   --set loss=P   --set punch_attempts=N   --set predict=N
--              --set versions=v0.7,v0.8,v0.9,v0.9-migrate   --set spacing=5ms
--
-- v0.9 is ICE with STUN and TURN, plus port prediction for NATs that map
-- per destination and allocate ports sequentially (a second STUN server
-- shows the stride; --set predict=0 turns it off). Without prediction,
-- ICE's direct candidates reach the same pairs as v0.8's punching, and a
-- symmetric NAT facing a port-restricted, carrier-grade or symmetric one
-- goes through TURN; the matrix shows which pairs that leaves.
--
-- Two ways move a v0.9 session from the relay to the direct path, both
-- measured side by side: v0.9 switches paths beneath QUIC (each packet
-- takes the best path the peer has when it leaves: direct as soon as ICE
-- has a valid pair), v0.9-migrate is QUIC connection migration, allowed
-- only once the handshake is confirmed (RFC 9000 section 9), two relay
-- round trips in. v0.9-migrate has no targets: it is there for comparison.

local pairs_n = natsim.param("pairs", 1000, { min = 1 })
local versions = natsim.param("versions", { "v0.7", "v0.8", "v0.9", "v0.9-migrate" })
local loss = natsim.param("loss", 0.0, { min = 0, max = 1 })
local punch_attempts = natsim.param("punch_attempts", 20, { min = 0 })
local predict = natsim.param("predict", 16, { min = 0, max = 32 })
-- Time between two attempts' starts. Each attempt lasts about 26 s (the
-- settle time, the messages and a second to register), so up to 26 s /
-- spacing attempts are at work at once; bench/targets.sh spaces them
-- wider to hold that number fixed while the pairs grow.
local spacing = natsim.param("spacing", "5ms")

-- The reference population of shared/DESIGN.md (share of peers by NAT).
-- Carrier-grade NAT peers sit behind a home NAT behind the CGN (NAT444).
local population = {
  { name = "full_cone",            model = "full_cone",            weight = 15 },
  { name = "restricted_cone",      model = "restricted_cone",      weight = 37 },
  { name = "port_restricted_cone", model = "port_restricted_cone", weight = 20 },
  { name = "symmetric",            model = "symmetric",            weight = 12 },
  { name = "cgn",                  model = "port_restricted_cone", weight = 16,
    behind = "carrier_grade" },
}

-- The roadmap: direct share, gateway load, path hops, reliability.
-- Hops are the mean over connected attempts: a direct path is 1 hop, a
-- relayed one 2, so the target for a version that aims at a direct share d
-- is at most 1 + (1 - d) (v0.7: exactly 2).
local targets = {
  ["v0.7"] = { direct = 0.00, load = 1.00, hops = 2.0, reliability = 1.0 },
  ["v0.8"] = { direct = 0.80, load = 0.20, hops = 1.2, reliability = 1.0 },
  ["v0.9"] = { direct = 0.95, load = 0.05, hops = 1.05, reliability = 1.0 },
}

local r = natsim.experiment{
  pairs = pairs_n,
  versions = versions,
  population = population,
  link = { delay = "10ms", loss = loss },
  workload = { messages = 50, size = 500, over = "5s" },
  punch = { delay = "100ms", interval = "50ms",
            attempts = punch_attempts },
  settle = "20s", -- ICE settles for TURN only once every direct check has failed
  predict = predict,
  spacing = spacing,
  targets = targets,
}

local function pct(x) return string.format("%.1f%%", 100 * x) end
local function measured(metric, x)
  return metric == "hops_mean" and string.format("%.2f", x) or pct(x)
end
local function target(t)
  local x = t.metric == "hops_mean" and string.format("%g", t.target)
            or string.format("%g%%", 100 * t.target)
  return t.op .. x
end

-- The harness judges each version against its targets (v.targets: metric,
-- op, target, measured, ok, and for rates the 95% interval).
local columns = { "direct_rate", "gateway_load", "hops_mean", "reliability" }
-- What a version without targets measured, by metric.
local function untargeted(v, m)
  if m == "reliability" then return v.attempts > 0 and v.data_verified / v.attempts or 0 end
  return v[m]
end
local label = { direct_rate = "direct P2P", gateway_load = "gateway load", hops_mean = "hops",
                reliability = "reliability" }
print(string.format("Roadmap: %d pairs from the reference population, seed %d\n",
                    pairs_n, natsim.seed()))
print(string.format("%-12s %-22s %-22s %-22s %-20s %s", "", "direct P2P", "",
                    "gateway load", "hops", "reliability"))
print(string.format("%-12s %-22s %-22s %-22s %-20s %s", "", "measured target", "[95% CI]",
                    "measured target", "measured target", "measured target"))
local all_ok = true
for _, v in ipairs(r.versions) do
  local by = {}
  for _, t in ipairs(v.targets) do by[t.metric] = t end
  local cells = {}
  for _, m in ipairs(columns) do
    local t = by[m]
    if t then
      cells[#cells + 1] = string.format("%-7s %-5s %s", measured(m, t.measured), target(t),
                                        t.ok and "PASS" or "FAIL")
      natsim.check(v.name .. ": " .. label[m], t.ok,
                   measured(m, t.measured) .. " against " .. target(t))
      all_ok = all_ok and t.ok
    else
      cells[#cells + 1] = string.format("%-7s %-5s", measured(m, untargeted(v, m)), "-")
    end
  end
  print(string.format("%-12s %-22s %-22s %-22s %-20s %s", v.name, cells[1],
    string.format("[%s, %s]", pct(v.direct_rate_ci[1]), pct(v.direct_rate_ci[2])),
    cells[2], cells[3], cells[4]))
  natsim.check(v.name .. ": no missed direct connection", v.missed_direct == 0,
               v.missed_direct .. " attempts could have gone direct and did not")
  natsim.check(v.name .. ": data whole, once, in order", v.data_errors == 0,
               v.data_errors .. " attempts saw lost, repeated or reordered data")
  natsim.check(v.name .. ": every connection's data verified end to end",
               v.data_verified == v.connected,
               v.data_verified .. " of " .. v.connected .. " connections verified")
  all_ok = all_ok and v.missed_direct == 0 and v.data_errors == 0 and
           v.data_verified == v.connected
end

print(string.format("\n%-6s %16s %16s %10s", "", "first byte ms", "direct path ms", "events"))
print(string.format("%-12s %8s %7s %8s %7s", "", "p50", "p95", "p50", "p95"))
for _, v in ipairs(r.versions) do
  print(string.format("%-12s %8.1f %7.1f %8.1f %7.1f %10d", v.name, v.connect_ms.p50,
                      v.connect_ms.p95, v.direct_ms.p50, v.direct_ms.p95, v.events))
  -- Wall time differs from run to run: it goes to stderr, not the report.
  io.stderr:write(string.format("%s: %.2f s wall\n", v.name, v.wall_s))
end

print(string.format("\n%-6s %-9s %19s %19s %10s %9s %9s %9s", "", "transport", "handshake ms",
                    "migration ms", "verified", "resent", "relay KB", "direct KB"))
print(string.format("%-12s %-9s %9s %9s %9s %9s", "", "", "p50", "p95", "p50", "p95"))
for _, v in ipairs(r.versions) do
  print(string.format("%-12s %-9s %9.1f %9.1f %9.1f %9.1f %5d/%-4d %9d %9d %9d", v.name, v.transport,
                      v.handshake_ms.p50, v.handshake_ms.p95, v.migration_ms.p50,
                      v.migration_ms.p95, v.data_verified, v.connected, v.retransmitted,
                      (v.wire_bytes.relayed + v.wire_bytes.turn) // 1000,
                      v.wire_bytes.direct // 1000))
  for reason, n in pairs(v.failures) do
    if n > 0 then print(string.format("%-12s failed (%s): %d, e.g. %s", v.name, reason, n,
                                      v.failure_examples[reason])) end
  end
end

-- The two ways to the direct path: gateway load, first byte, when both
-- sides' packets first took the direct path, retransmissions, verified data.
print(string.format("\n%-12s %-8s %8s %10s %16s %10s %7s %9s", "", "upgrade", "gateway",
                    "first byte", "on direct ms", "migrations", "resent", "verified"))
print(string.format("%-12s %-8s %8s %10s %8s %7s", "", "", "load", "p50 ms", "p50", "p95"))
for _, v in ipairs(r.versions) do
  if v.upgrade ~= "none" then
    print(string.format("%-12s %-8s %8s %10.1f %8.1f %7.1f %10d %7d %5d/%-4d", v.name, v.upgrade,
                        pct(v.gateway_load), v.connect_ms.p50, v.on_direct_ms.p50,
                        v.on_direct_ms.p95, v.migrations, v.retransmitted, v.data_verified,
                        v.attempts))
  end
end

for _, v in ipairs(r.versions) do
  if v.name:sub(1, 4) == "v0.9" then
    print(string.format("\n%s ICE: first valid pair p50 %.1f ms, p95 %.1f ms; nominated p50 %.1f ms, p95 %.1f ms",
                        v.name, v.ice_check_ms.p50, v.ice_check_ms.p95, v.ice_nominated_ms.p50,
                        v.ice_nominated_ms.p95))
    print(string.format("%s servers: %d STUN requests, %d TURN allocations, %d bytes relayed by TURN",
                        v.name, v.stun_requests, v.turn_allocations, v.turn_bytes))
  end
end

-- Where the direct share is lost: v0.9's NAT pairs (else the last version's).
local last = r.versions[#r.versions]
for _, v in ipairs(r.versions) do
  if v.name == "v0.9" then last = v end
end
print(string.format("\n%s by NAT pair:", last.name))
print(string.format("  %-21s %-21s %8s %6s %7s %5s %6s %6s", "", "", "attempts", "direct",
                    "relayed", "(TURN)", "failed", "missed"))
table.sort(last.matrix, function(x, y) return x.a .. x.b < y.a .. y.b end)
for _, c in ipairs(last.matrix) do
  print(string.format("  %-21s %-21s %8d %6d %7d %6s %6d %6d", c.a, c.b, c.attempts, c.direct,
                      c.relayed, "(" .. c.turn .. ")", c.failed, c.missed_direct))
end
print(all_ok and "\nevery target met" or "\nsome targets missed")
