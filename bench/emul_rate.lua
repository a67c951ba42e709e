-- How many packets a second the real-time scheduler keeps up with
-- (docs/emulation.md). `natsim run --emulate bench/emul_rate.lua --set
-- rate=N [--set real=true]`: for 2 s, N datagrams a second go to a
-- simulated sink on the core, through a simulated full-cone NAT, from a
-- simulated host, or (real=true) from a real one (python3 in a namespace,
-- through the TAP device). Prints what arrived and how late the run ended:
-- wall time beyond the 2 s of virtual time is time the scheduler fell
-- behind.
local rate = natsim.param("rate", 10000, { min = 1, max = 1000000 })
local real = natsim.param("real", false)
local seconds = 2

local sink = natsim.host{ name = "sink", addr = "203.0.113.50" }
local got = 0
sink:udp(9000):on_receive(function() got = got + 1 end)
local nat = natsim.nat{ name = "nat", model = "full_cone" }

local sender
if real then
  local script = string.format([[
import socket, time
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
rate, seconds = %d, %d
start = time.monotonic()
sent = 0
while sent < rate * seconds:
    due = int((time.monotonic() - start) * rate) + 1
    while sent < min(due, rate * seconds):
        s.sendto(b"x" * 64, ("203.0.113.50", 9000))
        sent += 1
    time.sleep(0.0005)
]], rate, seconds)
  sender = natsim.host{ name = "sender", behind = nat, exec = { "python3", "-c", script } }
else
  local h = natsim.host{ name = "sender", behind = nat }
  local s = h:udp()
  local per_ms = rate / 1000
  local due = 0
  local function tick()
    due = due + per_ms
    while due >= 1 do
      s:send("203.0.113.50", 9000, string.rep("x", 64))
      due = due - 1
    end
    if natsim.now() < seconds then natsim.after("1ms", tick) end
  end
  natsim.after("1ms", tick)
end

if real then sender:wait(tostring(seconds + 1) .. "s") else natsim.run(seconds + 0.05) end
print(string.format("rate %d/s: %d of %d arrived", rate, got, rate * seconds))
natsim.check("ran", true)
