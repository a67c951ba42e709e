natsim.experiment{ population = { { model = "full_cone", weight = 1 } }, pairs = 2,
                   versions = { "v0.8" }, targets = { ["v0.8"] = { direct = 95 } } }
