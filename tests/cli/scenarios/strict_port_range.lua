-- port_range's min above its max is said so.
local n = natsim.nat{ name = "n", model = {
  mapping = "endpoint-independent", filtering = "endpoint-independent",
  port_range = { 40000, 20000 },
} }
