-- Two real `natsim peer`s behind two simulated NATs (--set model=NAME)
-- meet through a real `natsim serve gateway` on the public side and
-- exchange 20 messages each way; --set direct=true|false says whether the
-- session must end direct (port-restricted cones) or relayed (symmetric).
local model = natsim.param("model", "port_restricted_cone")
local want_direct = natsim.param("direct", true)

local peers = os.tmpname()
local f = assert(io.open(peers, "w"))
f:write("1 01010101010101010101010101010101\n2 02020202020202020202020202020202\n")
f:close()

natsim.host{ name = "gateway", addr = "203.0.113.40",
  exec = { "natsim", "serve", "gateway", "--listen", "203.0.113.40:7000", "--peers", peers } }
local function peer(n, extra)
  local nat = natsim.nat{ name = "nat" .. n, model = model }
  local exec = { "natsim", "peer", "--gateway", "203.0.113.40:7000", "--id", tostring(n),
                 "--key", string.rep(string.format("%02d", n), 16), "--json" }
  for _, word in ipairs(extra) do exec[#exec + 1] = word end
  return natsim.host{ name = "peer" .. n, behind = nat, exec = exec }
end
local b = peer(2, {})
natsim.run("0.3s") -- the responder registers first
local a = peer(1, { "--connect", "2" })

local ra = a:wait("30s")
local rb = b:wait("30s")
os.remove(peers)
io.write(ra.stdout, rb.stdout)
for _, r in ipairs({ ra, rb }) do
  natsim.check("a peer exchanged every message", r.exited and r.status == 0, r.stderr)
  natsim.check("direct: " .. tostring(want_direct),
               r.stdout:find('"direct": ' .. tostring(want_direct), 1, true) ~= nil, r.stdout)
end
