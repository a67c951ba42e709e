local n = natsim.nat{ name = "n", model = "no_such_model" }
