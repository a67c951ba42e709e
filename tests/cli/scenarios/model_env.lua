-- A NAT model's hooks in a plain scenario: the model environment, and ports
-- from (seed, NAT name) alone. The scenario itself keeps io and os.
-- model_env_more.lua runs this with another NAT built first (MORE_NATS).
local s = natsim.host{ name = "s", addr = "203.0.113.1" }
if MORE_NATS then
  local other = natsim.nat{ name = "other", model = "../models/env_hooks.lua" }
  local oh = natsim.host{ name = "oh", behind = other }
  local os_ = oh:udp(4000)
  natsim.at(0.5, function() os_:send(s, 9, "x") end)
end
local n = natsim.nat{ name = "home", model = "../models/env_hooks.lua" }
local h = natsim.host{ name = "h", behind = n }
local srv = s:udp(9)
local ports = {}
srv:on_receive(function(data, ip, port)
  if ip == n.addr then ports[#ports + 1] = port end
end)
for i = 1, 5 do
  local c = h:udp(4000 + i)
  natsim.at(i * 0.1, function() c:send(s, 9, "x") end)
end
natsim.run(2)
natsim.check("the scenario keeps io and os", io ~= nil and os ~= nil)
natsim.check("five mappings", #ports == 5, #ports .. " ports")
print("home ports " .. table.concat(ports, ","))
