-- Two real hosts of one name: refused before any namespace is made.
natsim.host{ name = "a", exec = { "true" } }
natsim.host{ name = "a", exec = { "true" } }
