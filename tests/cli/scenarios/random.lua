-- Randomness flows from the seed: math.random, random NAT ports, link loss.
local s = natsim.host{ name = "s", addr = "203.0.113.1" }
local n = natsim.nat{ name = "n", model = "carrier_grade", link = { loss = 0.3 } }
local h = natsim.host{ name = "h", behind = n }
local srv = s:udp(9)
local ports = {}
srv:on_receive(function(data, ip, port) ports[#ports + 1] = port end)
for i = 1, 20 do
  local c = h:udp(4000 + i)
  natsim.at(i * 0.1, function() c:send(s, 9, "x") end)
end
natsim.run(5)
print("random", math.random(1000000))
print("ports", table.concat(ports, ","))
