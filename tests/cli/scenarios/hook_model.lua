-- One packet through a scripted NAT, so its allocate_port runs once. The
-- model is tests/cli/models/MODEL.lua (--set model=MODEL); "reached" is
-- printed only when the hook returned.
local model = natsim.param("model", "scripted")
local s = natsim.host{ name = "s", addr = "203.0.113.1" }
local n = natsim.nat{ name = "n", model = "../models/" .. model .. ".lua" }
local h = natsim.host{ name = "h", behind = n }
local sock = h:udp(5000)
natsim.at(1, function() sock:send(s, 9, "x") end)
natsim.run(2)
print("reached")
