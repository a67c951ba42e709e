natsim.experiment{ population = { { model = "full_cone", weight = 1 } }, pairs = 2,
                   upgrade = { ["v1.0"] = "switch" } }
