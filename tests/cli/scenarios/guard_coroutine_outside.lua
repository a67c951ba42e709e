-- A coroutine made by the main chunk loops for ever inside a callback.
local s = natsim.host{ name = "s" }
local co = coroutine.create(function() while true do end end)
natsim.at(1, function() coroutine.resume(co) end)
natsim.run(2)
print("not reached")
