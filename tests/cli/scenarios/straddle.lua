-- 20 full-cone pairs go direct every time: 100%, 95% Wilson interval
-- [83.9%, 100%]. A target of 90% is met, and lies inside the interval; one
-- of 80% is met and does not.
local r = natsim.experiment{
  pairs = 20, versions = { "v0.8" },
  population = { { model = "full_cone", weight = 1 } },
  workload = { messages = 2, size = 100, over = "200ms" },
  targets = { ["v0.8"] = { direct = 0.9, reliability = 0.8 } },
}
for _, t in ipairs(r.versions[1].targets) do
  print(string.format("%s %s %g: ok %s, ci [%.3f, %.3f], straddles %s", t.metric, t.op, t.target,
                      tostring(t.ok), t.ci[1], t.ci[2], tostring(t.straddles)))
end
