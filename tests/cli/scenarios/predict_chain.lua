-- Port prediction through a chain of NATs (issue 16): a port-preserving
-- cone keeps each port it is given, so inside a symmetric NAT with
-- sequential ports (cone_then_sym) or outside one (sym_then_cone) it is
-- transparent to prediction, and the feasibility oracle must say so.
-- Every pair with a port-restricted side is feasible by prediction and
-- must go direct.
local r = natsim.experiment{
  pairs = natsim.param("pairs", 24, { min = 1 }),
  versions = { "v0.9" },
  population = {
    { name = "port_restricted", model = "port_restricted_cone", weight = 1 },
    { name = "cone_then_sym", model = "port_restricted_cone", behind = "symmetric", weight = 1 },
    { name = "sym_then_cone", model = "symmetric", behind = "port_restricted_cone", weight = 1 },
  },
  workload = { messages = 4, size = 200, over = "1s" },
  predict = 16,
}
local v = r.versions[1]
for _, c in ipairs(v.matrix) do
  local mixed = (c.a == "port_restricted") ~= (c.b == "port_restricted")
  natsim.check(string.format("%s x %s: direct as feasible", c.a, c.b), c.direct == c.feasible,
               string.format("%d direct, %d feasible", c.direct, c.feasible))
  if mixed then
    natsim.check(string.format("%s x %s: all feasible", c.a, c.b), c.feasible == c.attempts,
                 string.format("%d feasible of %d", c.feasible, c.attempts))
  end
end
natsim.check("missed_direct is 0", v.missed_direct == 0, tostring(v.missed_direct))
natsim.check("all connected, data intact", v.failed == 0 and v.data_errors == 0)
