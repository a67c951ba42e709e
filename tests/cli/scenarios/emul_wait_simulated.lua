-- wait is for real hosts only.
natsim.host{ name = "a" }:wait("1s")
