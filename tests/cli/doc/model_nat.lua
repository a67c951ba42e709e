-- doc_test.sh: the documented model (model.lua, beside this file) on a NAT
-- in a plain scenario: two inside hosts, their mappings interleaved, to
-- three remote ports each; every packet must get through the NAT.
local s = natsim.host{ name = "s", addr = "203.0.113.1" }
local n = natsim.nat{ name = "nat", model = "model.lua" }
local got = 0
for p = 1, 3 do
  s:udp(9 + p):on_receive(function() got = got + 1 end)
end
for h = 1, 2 do
  local host = natsim.host{ name = "h" .. h, behind = n }
  local sock = host:udp(5000)
  for p = 1, 3 do
    natsim.at(p * 0.1 + h * 0.01, function() sock:send(s, 9 + p, "x") end)
  end
end
natsim.run(2)
natsim.check("every packet through the NAT", got == 6, got .. " of 6")
