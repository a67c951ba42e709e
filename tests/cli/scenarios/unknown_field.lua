-- natsim.host with a misspelt field on line 3.
local s = natsim.host{ name = "s" }
local h = natsim.host{ name = "h", adr = "203.0.113.1" }
