-- coturn's turnutils_uclient behind a simulated symmetric NAT relays
-- through a real `natsim serve turn` on the public side: two clients (-y),
-- 20 messages each way per client, relayed between them, nothing lost.
local turn = natsim.host{ name = "turn", addr = "203.0.113.30",
  exec = { "natsim", "serve", "turn", "--listen", "203.0.113.30:3478", "--user", "alice:secret" } }
local nat = natsim.nat{ name = "nat", model = "symmetric" }
local client = natsim.host{ name = "client", behind = nat,
  exec = { "turnutils_uclient", "-u", "alice", "-w", "secret", "-p", "3478", "-y",
           "-n", "20", "-m", "2", "-l", "100", "203.0.113.30" } }

natsim.run("0.5s") -- the server is up before the client's first request
local r = client:wait("30s")
io.write(r.stdout, r.stderr)
natsim.check("uclient exited 0", r.exited and r.status == 0, tostring(r.status))
natsim.check("80 sent, 80 received", r.stdout:find("tot_send_msgs=80, tot_recv_msgs=80", 1, true) ~= nil)
natsim.check("nothing lost", r.stdout:find("Total lost packets 0 ", 1, true) ~= nil)
natsim.check("through the NAT", nat:counters().out > 0, tostring(nat:counters().out))
