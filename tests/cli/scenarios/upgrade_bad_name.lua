natsim.experiment{ population = { { model = "full_cone", weight = 1 } }, pairs = 2,
                   versions = { "v0.9" }, upgrade = "teleport" }
