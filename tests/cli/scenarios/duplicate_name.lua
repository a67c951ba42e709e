local a = natsim.host{ name = "a" }
local b = natsim.host{ name = "a" }
