natsim.experiment{ population = { { model = "full_cone" } }, pairs = 2 }
