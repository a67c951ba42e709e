-- A sane scripted NAT: runs under a small instruction budget.
local s = natsim.host{ name = "s", addr = "203.0.113.1" }
local n = natsim.nat{ name = "n", model = "../models/scripted.lua" }
local h = natsim.host{ name = "h", behind = n }
local sock = h:udp(5000)
natsim.at(1, function() sock:send(s, 9, "x") end)
natsim.run(2)
print("reached")
