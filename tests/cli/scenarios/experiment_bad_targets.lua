natsim.experiment{ population = { { model = "full_cone", weight = 1 } }, pairs = 2,
                   targets = { ["v1.0"] = { direct = 0.9 } } }
