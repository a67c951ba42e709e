natsim.experiment{ population = { { model = "full_cone", weight = 1 } }, pairs = 2, keepalive = "5s" }
