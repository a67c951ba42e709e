-- path_events.lua: QUIC connections whose direct path breaks in the middle
-- of a transfer. Each attempt starts relayed, migrates to the direct path
-- that punching (v0.8) or ICE (v0.9) finds, and 2.5 s into a 5 s transfer
-- the initiator's home NAT
--   rebind:     forgets its mappings and gives the next packets new ports
--               (a NAT rebinding), or
--   blackhole:  drops everything to and from the other peer's address (the
--               direct path dies; the gateway and TURN still answer).
-- The QUIC client sees the path stall (three probe timeouts without a
-- packet from the other side), migrates back to the relay and keeps its
-- streams: every byte must arrive, once and in order.
-- Each event runs with both ways of moving to the direct path (peer.h):
-- QUIC migration (upgrade = "migrate") and path switching beneath QUIC
-- (upgrade = "switch"), where each side sees the stall itself and sends
-- its packets through the relay from then on.
--
--   natsim run scenarios/path_events.lua [--set pairs=N] [--out DIR]

local pairs_n = natsim.param("pairs", 100, { min = 1 })

-- Every peer behind NATs that punching and ICE open directly, filtering by
-- address and port so that a rebound port is not let in.
local population = {
  { name = "port_restricted_cone", model = "port_restricted_cone", weight = 1 },
  { name = "linux_conntrack",      model = "linux_conntrack",      weight = 1 },
  { name = "cgn_eim",              model = "port_restricted_cone", weight = 1,
    behind = "cgn_eim" },
}

local function run(what, upgrade)
  return natsim.experiment{
    pairs = pairs_n, versions = { "v0.8", "v0.9" }, population = population,
    upgrade = upgrade,
    workload = { messages = 50, size = 500, over = "5s" },
    disrupt = what and { what = what, after = "2500ms" } or nil,
    settle = "20s",
  }
end

print(string.format("%-9s %-5s %-7s %8s %9s %8s %8s %9s %6s %9s %8s",
                    "event", "", "upgrade", "attempts", "verified", "migrated", "fellback",
                    "relayed", "failed", "resent", "mig ms"))
for _, what in ipairs({ "none", "rebind", "blackhole" }) do
 for _, upgrade in ipairs({ "migrate", "switch" }) do
  local r = run(what ~= "none" and what or nil, upgrade)
  for _, v in ipairs(r.versions) do
    print(string.format("%-9s %-5s %-7s %8d %9d %8d %8d %9d %6d %9d %8.1f", what, v.name,
                        v.upgrade, v.attempts, v.data_verified, v.migrations, v.fell_back,
                        v.relayed, v.failed, v.retransmitted, v.migration_ms.p50))
    local tag = what .. " " .. v.name .. " " .. upgrade .. ": "
    natsim.check(tag .. "every byte arrives (data_verified = connected = attempts)",
                 v.data_verified == v.connected and v.connected == v.attempts and
                 v.data_errors == 0)
    if upgrade == "migrate" then
      natsim.check(tag .. "every connection moved to the direct path", v.migrations >= v.attempts)
    else
      natsim.check(tag .. "no connection migrated: the paths switch beneath QUIC",
                   v.migrations == 0 and v.upgrade == "switch")
    end
    if what == "none" then
      natsim.check(tag .. "all stay direct", v.direct == v.attempts and v.fell_back == 0)
    else
      natsim.check(tag .. "every connection fell back to the relay without closing",
                   v.fell_back == v.attempts and v.relayed == v.attempts)
      natsim.check(tag .. "what was lost on the dead path was sent again", v.retransmitted > 0)
    end
  end
 end
end
