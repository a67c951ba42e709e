-- The two ways to the direct path on the same pairs (tests/cli/upgrade_test.sh):
-- v0.9 switches beneath QUIC, v0.9-migrate migrates the QUIC connection,
-- and upgrade = {...} gives v0.8 the switch as well.
local r = natsim.experiment{
  pairs = 10, versions = { "v0.8", "v0.9", "v0.9-migrate" },
  population = { { name = "prc", model = "port_restricted_cone", weight = 1 } },
  workload = { messages = 10, size = 500, over = "1s" }, settle = "5s",
  upgrade = { ["v0.8"] = "switch" },
}
local by = {}
for _, v in ipairs(r.versions) do
  by[v.name] = v
  print(string.format("%s upgrade=%s direct=%d/%d load=%.4f on_direct_p50=%.1f migrations=%d verified=%d",
                      v.name, v.upgrade, v.direct, v.attempts, v.gateway_load, v.on_direct_ms.p50,
                      v.migrations, v.data_verified))
end
local s, m = by["v0.9"], by["v0.9-migrate"]
natsim.check("upgrades as asked", by["v0.8"].upgrade == "switch" and s.upgrade == "switch" and
             m.upgrade == "migrate")
natsim.check("every attempt direct and verified", s.direct == 10 and m.direct == 10 and
             by["v0.8"].direct == 10)
natsim.check("switching never migrates", s.migrations == 0 and by["v0.8"].migrations == 0 and
             m.migrations == 10)
natsim.check("switching reaches the direct path sooner", s.on_direct_ms.p50 < m.on_direct_ms.p50)
natsim.check("switching puts less through the gateway", s.gateway_load < m.gateway_load)
