-- PCP (RFC 6887): a symmetric NAT with random ports that grants explicit
-- mappings goes direct with everyone under v0.9; without PCP the same NAT
-- facing another symmetric one needs TURN.
local r = natsim.experiment{
  pairs = 40, versions = { "v0.9" },
  population = {
    { name = "symmetric", model = "symmetric", weight = 1 },
    { name = "symmetric_pcp", model = "symmetric_pcp", weight = 1 },
  },
  workload = { messages = 10, size = 200, over = "1s" }, settle = "20s", predict = 16,
}
local v = r.versions[1]
for _, c in ipairs(v.matrix) do
  print(string.format("%s x %s: %d attempts, %d direct, %d via TURN, %d failed, %d missed",
                      c.a, c.b, c.attempts, c.direct, c.turn, c.failed, c.missed_direct))
  local pcp = c.a == "symmetric_pcp" or c.b == "symmetric_pcp"
  natsim.check(c.a .. " x " .. c.b, pcp and c.direct == c.attempts or (not pcp and c.turn == c.attempts))
end
natsim.check("nothing missed or failed", v.missed_direct == 0 and v.failed == 0)
