-- model_env.lua with another NAT of the same model built first: NAT home's
-- ports must not change (a NAT's seed is (scenario seed, its name) alone).
MORE_NATS = true
dofile((debug.getinfo(1, "S").source:match("^@(.*/)") or "") .. "model_env.lua")
