-- A socket's on_receive callback that never returns.
local a = natsim.host{ name = "a", addr = "203.0.113.1" }
local b = natsim.host{ name = "b", addr = "203.0.113.2" }
local sa = a:udp(5000)
local sb = b:udp(6000)
sb:on_receive(function(data, ip, port)
  local n = 0
  while true do n = n + 1 end
end)
natsim.at(1, function() sa:send(b, 6000, "x") end)
natsim.run(2)
print("not reached")
