-- Two real programs: `natsim serve stun` with RFC 5780's two addresses on
-- the public side, and `natsim probe` behind a simulated NAT (--set
-- model=NAME): the probe finds what the model says.
local model = natsim.param("model", "port_restricted_cone")

local server = natsim.host{ name = "stun", addrs = { "203.0.113.10", "203.0.113.20" },
  exec = { "natsim", "serve", "stun", "--listen", "203.0.113.10:3478",
           "--alt", "203.0.113.20:3479" } }
local nat = natsim.nat{ name = "nat", model = model }
local alice = natsim.host{ name = "alice", behind = nat,
  exec = { "natsim", "probe", "--stun", "203.0.113.10:3478", "--json", "--rto", "100" } }

local r = alice:wait("60s")
io.write(r.stdout)
natsim.check("probe exited 0", r.exited and r.status == 0, r.stderr)
natsim.check("mapping as the model", r.stdout:match('"mapping": "([^"]+)"') == nat.model.mapping)
natsim.check("filtering as the model",
             r.stdout:match('"filtering": "([^"]+)"') == nat.model.filtering)
local s = server:wait("0s")
natsim.check("the server still runs", not s.exited, s.stderr)
