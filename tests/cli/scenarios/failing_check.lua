-- A scenario whose check fails: exit status 1.
natsim.check("arithmetic", 1 + 1 == 3, "1 + 1 is not 3")
natsim.check("truth", true)
