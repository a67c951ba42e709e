-- nat_behaviour.lua: observe each classic NAT model from outside, the way
-- RFC 4787 defines its behaviour, and check it against the definition.
--
-- For each NAT, a client behind it talks to a public server that owns two
-- addresses and two ports. From what the server observes and what gets
-- back in, the scenario derives the NAT's mapping, filtering, port
-- allocation, hairpinning and mapping lifetime, prints one table row per
-- NAT, and records a check for each. `natsim run` exits non-zero if any
-- check fails. The last row is NAT444: a home NAT behind carrier-grade NAT.

local EI, AD, APD = "endpoint-independent", "address-dependent",
                    "address-and-port-dependent"

local rows = {
  { nat = "full_cone",            mapping = EI,  filtering = EI },
  { nat = "restricted_cone",      mapping = EI,  filtering = AD },
  { nat = "port_restricted_cone", mapping = EI,  filtering = APD },
  { nat = "symmetric",            mapping = APD, filtering = APD },
  -- NAT444: both map endpoint-independently and filter by address and
  -- port, so the pair does too; the CGN's random ports are what is seen.
  { nat = "port_restricted_cone", cgn = "carrier_grade",
    mapping = EI, filtering = APD },
}

-- The public server: two addresses, two ports on each.
local A1, A2, P1, P2 = "203.0.113.10", "203.0.113.20", 3478, 3479
local server = natsim.host{ name = "server", addrs = { A1, A2 } }
local seen = {}   -- payload -> {ip, port} the server saw it come from
local srv = {}
for _, a in ipairs{ A1, A2 } do
  for _, p in ipairs{ P1, P2 } do
    local s = server:udp{ addr = a, port = p }
    s:on_receive(function(data, ip, port) seen[data] = { ip = ip, port = port } end)
    srv[a .. ":" .. p] = s
  end
end

local function reply(from, tag, to)
  local m = seen[to]
  if m then srv[from]:send(m.ip, m.port, tag) end
end

local function same(a, b) return a and b and a.ip == b.ip and a.port == b.port end

-- Builds one row's NATs and hosts, and schedules its probes.
local function setup(i, row)
  local model = natsim.model(row.nat)
  local outer = model
  local cgn
  if row.cgn then
    outer = natsim.model(row.cgn)
    cgn = natsim.nat{ name = "cgn" .. i, model = row.cgn, lan = "100.64.0.0/10" }
  end
  row.label = row.cgn and (row.nat .. " behind " .. row.cgn) or row.nat
  row.nat_node = natsim.nat{ name = "nat" .. i, model = row.nat, behind = cgn }
  row.outer_node = cgn or row.nat_node
  row.lifetime = math.min(model.mapping_lifetime, outer.mapping_lifetime)
  row.hairpinning = outer.hairpinning
  -- What the outside sees of ports is the outermost NAT's doing, unless it
  -- preserves them; then it is the inner one's.
  local alloc = outer.allocation ~= "preserve" and outer or model
  row.allocation = alloc.allocation
  row.stride = alloc.stride

  local client = natsim.host{ name = "client" .. i, behind = row.nat_node }
  local peer = natsim.host{ name = "peer" .. i, behind = row.nat_node }
  local got = {}
  local function sock(host, port)
    local s = host:udp(port)
    s:on_receive(function(data) got[data] = true end)
    return s
  end
  local c0, c1, c2, c3 = sock(client, 5000), sock(client, 5001),
                         sock(client, 5002), sock(client, 5003)
  local p0 = sock(peer, 6000)
  row.got = got
  local public = (cgn or row.nat_node).addr
  local t = function(s) return i .. ":" .. s end

  -- Unsolicited: nothing may come in before the client has sent.
  natsim.at(0.5, function() srv[A1 .. ":" .. P1]:send(public, 5000, t"unsolicited") end)
  -- Mapping: one local port to three destinations.
  natsim.at(1, function()
    c0:send(A1, P1, t"m11"); c0:send(A1, P2, t"m12"); c0:send(A2, P1, t"m21")
  end)
  -- Filtering: a fresh mapping that has only sent to A1:P1 ...
  natsim.at(3, function() c1:send(A1, P1, t"filt") end)
  -- ... is then probed from A1:P1 (control), A1:P2 and A2:P1.
  natsim.at(4, function()
    reply(A1 .. ":" .. P1, t"f11", t"filt")
    reply(A1 .. ":" .. P2, t"f12", t"filt")
    reply(A2 .. ":" .. P1, t"f21", t"filt")
  end)
  -- Hairpinning: the peer learns its mapping, the client opens toward it,
  -- then the peer sends to the client's mapped address.
  natsim.at(5, function() p0:send(A1, P1, t"peer") end)
  natsim.at(6, function()
    local m = seen[t"peer"]
    if m then c0:send(m.ip, m.port, t"open") end
  end)
  natsim.at(7, function()
    local m = seen[t"m11"]
    if m then p0:send(m.ip, m.port, t"hairpin") end
  end)
  -- Lifetime: two idle mappings, answered just before and just after it.
  natsim.at(10, function() c2:send(A1, P1, t"exp"); c3:send(A1, P1, t"live") end)
  natsim.at(10 + row.lifetime - 1, function() reply(A1 .. ":" .. P1, t"live-reply", t"live") end)
  natsim.at(10 + row.lifetime + 1, function() reply(A1 .. ":" .. P1, t"exp-reply", t"exp") end)
end

-- Derives the behaviour from the observations.
local function observe(i, row)
  local t = function(s) return i .. ":" .. s end
  local m11, m12, m21 = seen[t"m11"], seen[t"m12"], seen[t"m21"]
  local o = {}
  if same(m11, m12) and same(m12, m21) then o.mapping = EI
  elseif same(m11, m12) then o.mapping = AD
  elseif m11 and m12 then o.mapping = APD
  else o.mapping = "?" end

  local got = row.got
  if not got[t"f11"] then o.filtering = "? (control lost)"
  elseif got[t"f21"] then o.filtering = EI
  elseif got[t"f12"] then o.filtering = AD
  else o.filtering = APD end

  -- Ports of the mappings made in order, each with the local port it came from.
  local made, prev = {}, nil
  for _, k in ipairs{ { "m11", 5000 }, { "m12", 5000 }, { "m21", 5000 },
                      { "filt", 5001 }, { "peer", 6000 } } do
    local m = seen[t(k[1])]
    if m and not same(m, prev) then made[#made + 1] = { m.port, k[2] } end
    prev = m or prev
  end
  local preserved, step = true, nil
  for j, m in ipairs(made) do
    preserved = preserved and m[1] == m[2]
    if j > 1 then
      local d = m[1] - made[j - 1][1]
      if step == nil then step = d elseif step ~= d then step = false end
    end
  end
  if #made == 0 then o.allocation = "?"
  elseif preserved then o.allocation = "preserve"
  elseif step and step > 0 and step <= 16 then o.allocation = "sequential"; o.stride = step
  else o.allocation = "random" end

  -- Behind address-and-port-dependent mapping and filtering, a hairpinned
  -- packet is filtered like any other (RFC 5780 section 4.6 notes this), so
  -- the NAT's own counter says whether it looped packets back at all.
  o.looped = row.outer_node:counters().hairpin > 0
  o.delivered = got[t"hairpin"] == true
  o.unsolicited = got[t"unsolicited"] == true
  o.live = got[t"live-reply"] == true
  o.expired = not got[t"exp-reply"]
  return o
end

for i, row in ipairs(rows) do setup(i, row) end
local longest = 0
for _, row in ipairs(rows) do longest = math.max(longest, row.lifetime) end
natsim.run(10 + longest + 5)

local short = { [EI] = "EI", [AD] = "AD", [APD] = "APD" }
local function yn(b) return b and "yes" or "no" end
print(string.format("%-44s %-8s %-9s %-14s %-8s %-10s %s", "NAT", "mapping",
                    "filtering", "ports", "hairpin", "lifetime", "verdict"))
local failed_rows = 0
for i, row in ipairs(rows) do
  local o = observe(i, row)
  local ports = o.allocation .. (o.stride and ("/" .. o.stride) or "")
  local want_ports = row.allocation .. (row.allocation == "sequential" and ("/" .. row.stride) or "")
  local name = row.label
  local ok = true
  local function check(what, pass, detail)
    natsim.check(name .. ": " .. what, pass, detail)
    ok = ok and pass
  end
  check("mapping", o.mapping == row.mapping, "saw " .. o.mapping .. ", RFC 4787 says " .. row.mapping)
  check("filtering", o.filtering == row.filtering, "saw " .. o.filtering .. ", RFC 4787 says " .. row.filtering)
  check("port allocation", ports == want_ports, "saw " .. ports .. ", model says " .. want_ports)
  check("hairpinning", o.looped == row.hairpinning,
        "saw " .. yn(o.looped) .. ", model says " .. yn(row.hairpinning))
  if o.looped and row.mapping == EI then
    check("hairpinned packet delivered", o.delivered,
          "both sides opened toward each other's mapping, yet it was filtered")
  end
  check("no unsolicited inbound", not o.unsolicited, "an unsolicited packet got in")
  check("mapping lifetime", o.live and o.expired,
        string.format("reply at %gs %s, at %gs %s", row.lifetime - 1,
                      o.live and "passed" or "was dropped", row.lifetime + 1,
                      o.expired and "was dropped" or "passed"))
  if not ok then failed_rows = failed_rows + 1 end
  print(string.format("%-44s %-8s %-9s %-14s %-8s %-10s %s", name,
                      short[o.mapping] or o.mapping, short[o.filtering] or o.filtering,
                      ports, o.delivered and "yes" or (o.looped and "filtered" or "no"),
                      string.format("%gs", row.lifetime),
                      ok and "PASS" or "FAIL"))
end

local c = natsim.counters()
print(string.format("\n%d datagrams sent, %d received, %d dropped by NATs, %d lost on links",
                    c.sent, c.received, c.nat_dropped, c.lost))
print(failed_rows == 0 and "every NAT behaves as RFC 4787 describes its type"
      or (failed_rows .. " NAT(s) do not behave as their type says"))
