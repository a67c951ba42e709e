-- A scenario with a syntax error on line 3.
local h = natsim.host{ name = "h" }
local x = = 1
