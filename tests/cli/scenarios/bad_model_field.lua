-- An inline NAT model with an unknown policy.
local n = natsim.nat{ name = "n", model = { mapping = "endpoint-independent",
                                            filtering = "sometimes" } }
