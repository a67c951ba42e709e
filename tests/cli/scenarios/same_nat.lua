-- Peers behind the same home NAT: ICE (v0.9) meets on the shared LAN
-- through host candidates, whatever the NAT; punching (v0.8) toward the
-- reflected address needs the NAT to map endpoint-independently and to
-- hairpin. Every pair here shares its NAT.
local r = natsim.experiment{
  pairs = 60, versions = { "v0.8", "v0.9" }, same_nat = 1,
  population = {
    { name = "full_cone", model = "full_cone", weight = 1 },
    { name = "linux_conntrack", model = "linux_conntrack", weight = 1 },
    { name = "symmetric", model = "symmetric", weight = 1 },
    { name = "cgn", model = "port_restricted_cone", behind = "carrier_grade", weight = 1 },
  },
  workload = { messages = 10, size = 200, over = "1s" }, settle = "20s",
}
for _, v in ipairs(r.versions) do
  for _, c in ipairs(v.matrix) do
    print(string.format("%s %-16s %3d attempts %3d direct %3d relayed %3d failed %3d missed",
                        v.name, c.a, c.attempts, c.direct, c.relayed, c.failed, c.missed_direct))
  end
  print(string.format("%s same NAT: %d of %d direct", v.name, v.same_nat.direct, v.same_nat.attempts))
  natsim.check(v.name .. ": every pair shares its NAT", v.same_nat.attempts == v.attempts)
  natsim.check(v.name .. ": nothing missed, lost or failed",
               v.missed_direct == 0 and v.failed == 0 and v.data_errors == 0)
end
local v8, v9 = r.versions[1], r.versions[2]
natsim.check("v0.9: all direct through host candidates", v9.direct == v9.attempts)
for _, c in ipairs(v8.matrix) do
  local hairpins = c.a == "full_cone" or c.a == "cgn" -- EIM and hairpinning all the way
  natsim.check("v0.8 " .. c.a, hairpins and c.direct == c.attempts or (not hairpins and c.direct == 0))
end
