-- ICE between two symmetric NATs with port prediction off (issue 16): no
-- direct pair can succeed, so every attempt must end on TURN, and the
-- relayed pair must be selected promptly: ICE's selected-pair time p95 at
-- most 3 s (libwebrtc's connectivity tests allow 2 s plus margin for
-- relay cells).
local r = natsim.experiment{
  pairs = natsim.param("pairs", 30, { min = 1 }),
  versions = { "v0.9" },
  population = { { name = "symmetric", model = "symmetric", weight = 1 } },
  workload = { messages = 4, size = 200, over = "1s" },
  predict = 0,
  settle = "20s",
}
local v = r.versions[1]
print(string.format("selected pair: p50 %.0f ms, p95 %.0f ms; %d of %d on TURN",
                    v.ice_nominated_ms.p50, v.ice_nominated_ms.p95, v.turn, v.attempts))
natsim.check("every attempt on TURN", v.turn == v.attempts, v.turn .. " of " .. v.attempts)
natsim.check("relay selected promptly: p95 <= 3 s", v.ice_nominated_ms.p95 <= 3000,
             string.format("p95 %.0f ms", v.ice_nominated_ms.p95))
natsim.check("all connected, data intact", v.failed == 0 and v.data_errors == 0)
