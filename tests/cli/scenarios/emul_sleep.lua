-- A real host that writes its pid to $NATSIM_PIDFILE and then sleeps for
-- five minutes, waited for up to ten: emul_test.sh stops natsim under it
-- (SIGTERM, SIGINT, SIGKILL) and looks at what is left.
local nat = natsim.nat{ name = "nat", model = "full_cone" }
local sleeper = natsim.host{ name = "sleeper", behind = nat,
  exec = { "sh", "-c", 'echo $$ > "$NATSIM_PIDFILE"; exec sleep 300' } }
sleeper:wait("10min")
