local h = natsim.host{ name = "h" }
natsim.experiment{ population = { { model = "full_cone", weight = 1 } }, pairs = 2 }
