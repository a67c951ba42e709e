-- natsim.nat refused by the world after its model is loaded (a name
-- already taken): the model, with a scripted allocator holding a Lua
-- reference (inline) or a Lua state of its own (a model file), is released
-- once. Refused calls are caught, so the script goes on and the world is
-- freed at the end with the NATs that were made.
local s = natsim.host{ name = "s", addr = "203.0.113.1" }
local inline = {
  mapping = "endpoint-independent",
  filtering = "endpoint-independent",
  allocate_port = function(req) return req.internal_port end,
}
local file = "../models/env_hooks.lua"
local refused = 0
for _, model in ipairs({ inline, file }) do
  local ok = pcall(natsim.nat, { name = "s", model = model })
  if not ok then refused = refused + 1 end
end
local n = natsim.nat{ name = "n", model = file }
local h = natsim.host{ name = "h", behind = n }
local sock = h:udp(5000)
natsim.at(1, function() sock:send(s, 9, "x") end)
collectgarbage()
natsim.run(2)
natsim.check("both natsim.nat calls refused", refused == 2, refused .. " refused")
print("released once")
