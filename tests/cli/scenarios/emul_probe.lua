-- A real `natsim probe` behind a simulated NAT (behind a simulated CGN too
-- with --set behind=MODEL), against a simulated RFC 5780 STUN server: what
-- it finds must be what the models say (emul_test.sh; natsim run --emulate).
local model = natsim.param("model", "full_cone")
local behind = natsim.param("behind", "")

local stun = natsim.host{ name = "stun", addrs = { "203.0.113.10", "203.0.113.20" } }
stun:serve_stun()
local outer = behind ~= "" and natsim.nat{ name = "cgn", model = behind, lan = "100.64.0.0/10" } or nil
local nat = natsim.nat{ name = "nat", model = model, behind = outer }
local alice = natsim.host{ name = "alice", behind = nat,
  exec = { "natsim", "probe", "--stun", "203.0.113.10:3478", "--json", "--rto", "100" } }

local r = alice:wait("60s")
io.write(r.stdout)

-- What the NATs should look like from outside: the stricter of the two.
local rank = { ["endpoint-independent"] = 1, ["address-dependent"] = 2,
               ["address-and-port-dependent"] = 3 }
local function stricter(a, b)
  if b and rank[b] > rank[a] then return b end
  return a
end
local want_mapping = stricter(nat.model.mapping, outer and outer.model.mapping)
local want_filtering = stricter(nat.model.filtering, outer and outer.model.filtering)

natsim.check("probe exited 0", r.exited and r.status == 0,
             string.format("exited %s, status %s, stderr %q", r.exited, r.status, r.stderr))
local mapping = r.stdout:match('"mapping": "([^"]+)"')
local filtering = r.stdout:match('"filtering": "([^"]+)"')
natsim.check("mapping as the model", mapping == want_mapping,
             string.format("probe %s, model %s", mapping, want_mapping))
natsim.check("filtering as the model", filtering == want_filtering,
             string.format("probe %s, model %s", filtering, want_filtering))
