-- A link loss out of range on line 2.
local n = natsim.nat{ name = "n", model = "full_cone", link = { loss = 2 } }
