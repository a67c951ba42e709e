natsim.experiment{ population = { { model = "full_cone", weight = 1 } }, pairs = 2, settle = "170h" }
