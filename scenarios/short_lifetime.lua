-- short_lifetime.lua: NATs that drop idle mappings after 8 s, and a
-- workload with 10 s of silence between messages. With the default 15 s
-- keepalive a punched direct path dies in the gaps; with keepalive =
-- "discover" each peer's NAT lifetime is measured first (RFC 5780 lifetime
-- discovery) and paths are kept alive at half of it.
--
--   natsim run scenarios/short_lifetime.lua [--set pairs=N]

local pairs_n = natsim.param("pairs", 50, { min = 1 })
local function run(keepalive)
  return natsim.experiment{
    pairs = pairs_n, versions = { "v0.8", "v0.9" }, keepalive = keepalive,
    population = { { name = "short_lived", model = "short_lived", weight = 1 } },
    workload = { messages = 4, size = 200, over = "40s" },
    settle = "20s",
  }
end

local rows = {}
for _, k in ipairs({ "default", "discover" }) do
  local r = run(k == "discover" and "discover" or nil)
  for _, v in ipairs(r.versions) do
    rows[#rows + 1] = { k, v }
  end
end
print(string.format("%-9s %-6s %10s %8s %8s %8s %7s", "keepalive", "", "interval", "attempts",
                    "direct", "relayed", "failed"))
for _, row in ipairs(rows) do
  local k, v = row[1], row[2]
  print(string.format("%-9s %-6s %9.1fs %8d %8d %8d %7d", k, v.name, v.keepalive_s.short_lived,
                      v.attempts, v.direct, v.relayed, v.failed))
  if k == "discover" then
    natsim.check(v.name .. ": sized keepalives keep every connection", v.failed == 0 and
                 v.data_errors == 0 and v.direct == v.attempts)
  end
end
