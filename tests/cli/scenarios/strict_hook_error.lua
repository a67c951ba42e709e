-- A scripted NAT whose allocate_port raises an error object.
local s = natsim.host{ name = "s", addr = "203.0.113.1" }
local n = natsim.nat{ name = "n", model = "../models/hook_error_table.lua" }
local h = natsim.host{ name = "h", behind = n }
local sock = h:udp(5000)
natsim.at(1, function() sock:send(s, 9, "x") end)
natsim.run(2)
