-- A real host without --emulate: refused, naming the field and the switch.
natsim.host{ name = "alice", exec = { "true" } }
