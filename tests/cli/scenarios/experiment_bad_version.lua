natsim.experiment{ population = { { model = "full_cone", weight = 1 } }, versions = { "v9" } }
