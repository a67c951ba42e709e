-- Under --emulate an experiment still runs in virtual time (as fast and
-- with the same results as without), and a real host made after it runs
-- in real time.
local r = natsim.experiment{
  pairs = 10, versions = { "v0.8" },
  population = { { name = "prc", model = "port_restricted_cone", weight = 1 } },
  workload = { messages = 5, size = 100, over = "1s" },
}
natsim.check("the experiment: all direct", r.versions[1].direct == 10, tostring(r.versions[1].direct))
local ok = natsim.host{ name = "after", exec = { "sh", "-c", "exit 3" } }:wait("5s")
natsim.check("a real host after it", ok.exited and ok.status == 3, tostring(ok.status))
