-- A scripted NAT whose allocate_port never returns: the watchdog stops it.
local s = natsim.host{ name = "s", addr = "203.0.113.1" }
local n = natsim.nat{ name = "n", model = "../models/hook_loops.lua" }
local h = natsim.host{ name = "h", behind = n }
local sock = h:udp(5000)
natsim.at(1, function() sock:send(s, 9, "x") end)
natsim.run(2)
print("not reached")
