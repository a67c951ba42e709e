-- A real host whose program does not exist: it exits 127 and says why.
local r = natsim.host{ name = "ghost", exec = { "/nonexistent/natsim-test-program" } }:wait("5s")
natsim.check("exit status 127", r.exited and r.status == 127, tostring(r.status))
natsim.check("the reason on stderr", r.stderr:find("cannot run", 1, true) ~= nil, r.stderr)
