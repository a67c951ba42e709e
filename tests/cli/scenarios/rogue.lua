-- rogue.lua: a share of responders show certificates from a foreign CA
-- (same name, other key). Their attempts must fail, with the certificate
-- as the reason; everyone else connects.
local r = natsim.experiment{
  pairs = 40, versions = { "v0.8" }, rogue = 0.25,
  population = { { name = "full_cone", model = "full_cone", weight = 1 } },
  workload = { messages = 5, size = 100, over = "500ms" },
  settle = "5s",
}
local v = r.versions[1]
print(string.format("rogue %d failed %d certificate %d verified %d connected %d", v.rogue, v.failed,
                    v.failures.certificate, v.data_verified, v.connected))
print("example: " .. (v.failure_examples.certificate or "none"))
natsim.check("some responders are rogues", v.rogue > 0 and v.rogue < v.attempts)
natsim.check("every rogue attempt failed on its certificate",
             v.failures.certificate == v.rogue and v.failed == v.rogue)
natsim.check("everyone else connected and verified", v.data_verified == v.attempts - v.rogue)
