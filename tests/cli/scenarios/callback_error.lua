-- A timer callback with a runtime error on line 4.
local s = natsim.host{ name = "s" }
natsim.at(1, function()
  local t = nil; return t.field
end)
natsim.run(2)
