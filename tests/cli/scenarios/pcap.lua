-- A small experiment for the capture tests (pcap_test.sh, pcap_tshark_test.sh):
-- three classes, so --pcap-attempts can choose by class pair; a few
-- attempts of v0.8 (punching) and v0.9 (STUN, TURN, ICE), over QUIC
-- (--set transport=messages: over conn frames).
local r = natsim.experiment{
  pairs = natsim.param("pairs", 6, { min = 1 }),
  versions = natsim.param("versions", { "v0.8", "v0.9" }),
  population = {
    { name = "full_cone", model = "full_cone", weight = 1 },
    { name = "symmetric", model = "symmetric", weight = 1 },
    { name = "cgn", model = "port_restricted_cone", behind = "carrier_grade", weight = 1 },
  },
  workload = { messages = 5, size = 200, over = "1s" }, settle = "5s",
  transport = natsim.param("transport", "quic"),
}
for _, v in ipairs(r.versions) do
  print(string.format("%s: %d attempts, %d direct, %d relayed, %d failed", v.name, v.attempts,
                      v.direct, v.relayed, v.failed))
  natsim.check(v.name .. ": every attempt connects", v.failed == 0)
end
