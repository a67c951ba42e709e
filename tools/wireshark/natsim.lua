-- natsim.lua: a Wireshark dissector for natsim's gateway protocol
-- (docs/gateway-protocol.md): the frames peers and the gateway exchange,
-- and the PUNCH, PUNCH_ACK and DATA frames peers exchange directly. RELAY
-- and DATA payloads that carry QUIC go to Wireshark's QUIC dissector; STUN
-- and TURN on the peers' port go to Wireshark's STUN dissector.
--
-- Load it with `wireshark -X lua_script:tools/wireshark/natsim.lua` (or
-- tshark), or copy it into Wireshark's personal Lua plugins folder.
--
-- The frame layouts are data: BODIES lists each type's fields in order,
-- FIELDS says how each field is read. A new field is a line in FIELDS and
-- a name in its type's BODIES entry. A body is read by its length: its
-- fields must fill it exactly, and a body shorter than its fields or with
-- bytes after them is marked malformed (gwproto.c refuses both).

local PORTS = { 7000, 4000 } -- the gateway's port and the peers' (experiment/xrun.h)
local HEADER = 14            -- "NG", version, type, length, counter
local TAG = 16               -- truncated HMAC-SHA256 after the body

local p = Proto("natsim_gw", "natsim gateway protocol")

local TYPE_NAMES = {
  [1] = "REGISTER", [2] = "REGISTERED", [3] = "KEEPALIVE", [4] = "CONNECT",
  [5] = "SESSION", [6] = "RELAY", [7] = "REPORT", [8] = "ERROR", [9] = "PUNCH",
  [10] = "PUNCH_ACK", [11] = "DATA", [12] = "CANDIDATE",
}
local CANDIDATE_TYPES = { [0] = "host", [1] = "srflx", [2] = "prflx", [3] = "relay",
                          [4] = "birthday-probing hint" }
local OUTCOMES = { [1] = "direct", [2] = "relayed" }
local ERROR_CODES = { [1] = "not registered (no longer sent)", [2] = "unknown peer",
                      [3] = "no such session" }
local FAMILIES = { [4] = "IPv4", [6] = "IPv6" }
local CONN_KINDS = { [1] = "message", [2] = "acknowledgement" }

-- How each body field is read: kind is u8, u32, u64, bytes (size given),
-- addr (family, port, IP), str8 (1-byte length, then text) or payload (the
-- rest of the body: QUIC or conn frames); names label values; info: the
-- field shows in the Info column.
local FIELDS = {
  peer_id      = { kind = "u32", label = "Peer id", info = true },
  epoch        = { kind = "u64", label = "Epoch", info = true },
  capabilities = { kind = "u8", label = "Capabilities", hex = true, info = true },
  foundation   = { kind = "u32", label = "Foundation", hex = true },
  other_caps   = { kind = "u8", label = "Other peer's capabilities", hex = true },
  target       = { kind = "u32", label = "Target peer id", info = true },
  session      = { kind = "u64", label = "Session id", hex = true, info = true },
  other        = { kind = "u32", label = "Other peer id", info = true },
  sender       = { kind = "u32", label = "Sender id", info = true },
  address      = { kind = "addr", label = "Address", info = true },
  punch_delay  = { kind = "u32", label = "Punch delay (ms)" },
  initiator    = { kind = "u8", label = "Initiator" },
  nonce        = { kind = "bytes", size = 12, label = "Nonce (AES-128-GCM)" },
  sealed_key   = { kind = "bytes", size = 32,
                   label = "Session key, sealed (AES-128-GCM ciphertext and tag)" },
  outcome      = { kind = "u8", label = "Outcome", names = OUTCOMES, info = true },
  code         = { kind = "u8", label = "Error code", names = ERROR_CODES, info = true },
  detail       = { kind = "u32", label = "Detail" },
  round        = { kind = "u32", label = "Round", info = true },
  cand_type    = { kind = "u8", label = "Candidate type", names = CANDIDATE_TYPES, info = true },
  priority     = { kind = "u32", label = "Priority" },
  ufrag        = { kind = "str8", label = "ICE ufrag" },
  password     = { kind = "str8", label = "ICE password" },
  payload      = { kind = "payload", label = "Payload" },
}

local BODIES = {
  [1]  = { "peer_id", "epoch", "capabilities" },
  [2]  = { "peer_id", "address" },
  [3]  = { "peer_id" },
  [4]  = { "peer_id", "target" },
  [5]  = { "session", "other", "address", "punch_delay", "initiator", "nonce", "sealed_key",
           "other_caps" },
  [6]  = { "session", "sender", "payload" },
  [7]  = { "peer_id", "session", "outcome" },
  [8]  = { "code", "detail" },
  [9]  = { "session", "sender", "round" },
  [10] = { "session", "sender", "round" },
  [11] = { "session", "sender", "payload" },
  [12] = { "session", "sender", "cand_type", "priority", "foundation", "address", "ufrag",
           "password" },
}

-- --- protocol fields ----------------------------------------------------------

local pf = {
  magic = ProtoField.string("natsim_gw.magic", "Magic"),
  version = ProtoField.uint8("natsim_gw.version", "Version"),
  type = ProtoField.uint8("natsim_gw.type", "Type", base.DEC, TYPE_NAMES),
  length = ProtoField.uint16("natsim_gw.length", "Body length"),
  counter = ProtoField.uint64("natsim_gw.counter", "Counter (replay window)"),
  trailing = ProtoField.bytes("natsim_gw.trailing", "Bytes after the known fields"),
  tag = ProtoField.bytes("natsim_gw.tag", "Tag (HMAC-SHA256, first 16 bytes)"),
  family = ProtoField.uint8("natsim_gw.address.family", "Family", base.DEC, FAMILIES),
  port = ProtoField.uint16("natsim_gw.address.port", "Port"),
  ipv4 = ProtoField.ipv4("natsim_gw.address.ipv4", "IPv4"),
  ipv6 = ProtoField.ipv6("natsim_gw.address.ipv6", "IPv6"),
  conn_kind = ProtoField.uint8("natsim_gw.conn.kind", "conn kind", base.DEC, CONN_KINDS),
  conn_seq = ProtoField.uint32("natsim_gw.conn.sequence", "conn sequence"),
  conn_acked = ProtoField.uint32("natsim_gw.conn.acked", "conn highest in order"),
  conn_trigger = ProtoField.uint32("natsim_gw.conn.trigger", "conn triggered by"),
  conn_message = ProtoField.bytes("natsim_gw.conn.message", "conn message"),
  peers = ProtoField.string("natsim_gw.session.peers", "Session's peers"),
}

local UINT_FIELDS = { u8 = ProtoField.uint8, u32 = ProtoField.uint32, u64 = ProtoField.uint64 }

for name, f in pairs(FIELDS) do
  local abbr = "natsim_gw." .. name
  if UINT_FIELDS[f.kind] then
    local base_ = f.hex and base.HEX or base.DEC
    pf[name] = UINT_FIELDS[f.kind](abbr, f.label, base_, f.names)
  elseif f.kind == "bytes" or f.kind == "payload" then
    pf[name] = ProtoField.bytes(abbr, f.label)
  elseif f.kind == "str8" then
    pf[name] = ProtoField.string(abbr, f.label)
  elseif f.kind == "addr" then
    pf[name] = ProtoField.none(abbr, f.label)
  end
end

local short = ProtoExpert.new("natsim_gw.short", "Frame shorter than its fields",
                              expert.group.MALFORMED, expert.severity.ERROR)
local extra = ProtoExpert.new("natsim_gw.extra", "Body longer than its fields",
                              expert.group.MALFORMED, expert.severity.ERROR)
p.experts = { short, extra }

local list = {}
for _, f in pairs(pf) do list[#list + 1] = f end
p.fields = list

-- Wireshark's own dissectors, or nil where this Wireshark has none.
local function builtin(name)
  local ok, d = pcall(Dissector.get, name)
  return ok and d or nil
end
local quic = builtin("quic")
local stun = builtin("stun-udp")

-- Peers of each session, from the SESSION frames seen so far (by session
-- id in hex): what RELAY, DATA and PUNCH frames show.
local sessions = {}

-- --- readers: each returns the offset after its field, or nil when short ------

local function read_addr(tvb, off, stop, tree, f)
  if off + 3 > stop then return nil end
  local family = tvb(off, 1):uint()
  local size = family == 6 and 16 or 4
  if off + 3 + size > stop then return nil end
  local t = tree:add(pf[f], tvb(off, 3 + size))
  t:add(pf.family, tvb(off, 1))
  t:add(pf.port, tvb(off + 1, 2))
  t:add(family == 6 and pf.ipv6 or pf.ipv4, tvb(off + 3, size))
  local ip = family == 6 and tostring(tvb(off + 3, size):ipv6()) or tostring(tvb(off + 3, 4):ipv4())
  local text = ip .. ":" .. tvb(off + 1, 2):uint()
  t:append_text(": " .. text)
  return off + 3 + size, text
end

local function read_conn(tvb, tree)
  local kind = tvb(0, 1):uint()
  if kind ~= 1 and kind ~= 2 then return end
  tree:add(pf.conn_kind, tvb(0, 1))
  if kind == 1 and tvb:len() >= 5 then
    tree:add(pf.conn_seq, tvb(1, 4))
    if tvb:len() > 5 then tree:add(pf.conn_message, tvb(5)) end
  elseif kind == 2 and tvb:len() >= 9 then
    tree:add(pf.conn_acked, tvb(1, 4))
    tree:add(pf.conn_trigger, tvb(5, 4))
  end
end

-- Sessions whose payloads are QUIC (by session id in hex): those where a
-- QUIC long header (first bit set) was seen.
local quic_sessions = {}

-- A new capture file: nothing known yet.
function p.init()
  sessions = {}
  quic_sessions = {}
end

-- Whether a payload of the session is a conn frame: kind 1 (at least the
-- kind and sequence) or 2 (exactly 9 bytes), in a session not known to be
-- QUIC. ngtcp2 greases QUIC's fixed bit (RFC 9287), so a short header may
-- start with any byte.
local function is_conn(tvb, session)
  local first = tvb(0, 1):uint()
  if quic_sessions[session] or first >= 0x80 then return false end
  return (first == 1 and tvb:len() >= 5) or (first == 2 and tvb:len() == 9)
end

-- conn frames are shown here, QUIC packets go to Wireshark's QUIC
-- dissector. Returns "quic" when QUIC took it, else "conn".
local function read_payload(tvb, pinfo, tree, root, session)
  if is_conn(tvb, session) or not quic then
    read_conn(tvb, tree)
    return "conn"
  end
  if tvb(0, 1):uint() >= 0x80 then quic_sessions[session] = true end
  quic:call(tvb, pinfo, root)
  return "quic"
end

local SIZES = { u8 = 1, u32 = 4, u64 = 8 }

-- A 64-bit value as the Info column shows it: 16 hex digits or decimal.
local function u64_text(value, hex)
  if hex then return value:tohex() end
  return tostring(value)
end

-- Reads body field `name` at off (the body ends at stop; v holds the
-- values read before); returns the next offset and the field's value
-- (integers; a payload's "quic" or "conn"), or nil when short.
local function read_field(tvb, pinfo, tree, root, name, off, stop, v)
  local f = FIELDS[name]
  local size = SIZES[f.kind] or f.size
  if f.kind == "addr" then return read_addr(tvb, off, stop, tree, name) end
  if f.kind == "payload" then
    if stop == off then return stop end
    tree:add(pf[name], tvb(off, stop - off))
    return stop, read_payload(tvb(off, stop - off):tvb(), pinfo, tree, root, v.session)
  end
  if f.kind == "str8" then
    if off + 1 > stop then return nil end
    size = 1 + tvb(off, 1):uint()
    if off + size > stop then return nil end
    tree:add(pf[name], tvb(off + 1, size - 1))
    return off + size
  end
  if off + size > stop then return nil end
  tree:add(pf[name], tvb(off, size))
  if f.kind == "bytes" then return off + size end
  if f.kind == "u64" then return off + size, u64_text(tvb(off, size):uint64(), f.hex) end
  return off + size, tvb(off, size):uint()
end

-- What the Info column and the session table learn from a frame's values.
local function summary(type_, v)
  if type_ == 5 and v.session then
    sessions[v.session] = sessions[v.session] or {}
    sessions[v.session][v.other or 0] = true
  end
  local parts = {}
  for _, k in ipairs(BODIES[type_]) do
    local f = FIELDS[k]
    local value = v[k]
    if f.info and value ~= nil then
      parts[#parts + 1] = k .. "=" .. tostring(f.names and f.names[value] or value)
    end
  end
  return table.concat(parts, " ")
end

local function session_peers(tree, v)
  local known = v.session and sessions[v.session]
  if not known then return end
  local ids = {}
  for id in pairs(known) do ids[#ids + 1] = tostring(id) end
  table.sort(ids)
  if #ids > 0 then tree:add(pf.peers, table.concat(ids, ", ")):set_generated() end
end

local function is_frame(tvb)
  if tvb:len() < HEADER + TAG then return false end
  if tvb(0, 2):string() ~= "NG" or tvb(2, 1):uint() ~= 1 then return false end
  if not TYPE_NAMES[tvb(3, 1):uint()] then return false end
  return HEADER + tvb(4, 2):uint() + TAG == tvb:len()
end

-- Reads type_'s fields from HEADER to stop, the body's end; returns the
-- values read. Marks the frame when the fields do not fill the body exactly.
local function read_body(tvb, pinfo, tree, root, type_, stop)
  local off, values = HEADER, {}
  for _, name in ipairs(BODIES[type_]) do
    local next_, value = read_field(tvb, pinfo, tree, root, name, off, stop, values)
    if not next_ then
      tree:add_proto_expert_info(short)
      return values
    end
    values[name] = value
    off = next_
  end
  if off < stop then
    tree:add(pf.trailing, tvb(off, stop - off)):add_proto_expert_info(extra)
  end
  return values
end

local function dissect_frame(tvb, pinfo, root)
  local type_ = tvb(3, 1):uint()
  local stop = HEADER + tvb(4, 2):uint()
  local tree = root:add(p, tvb(), "natsim gateway protocol, " .. TYPE_NAMES[type_])
  tree:add(pf.magic, tvb(0, 2))
  tree:add(pf.version, tvb(2, 1))
  tree:add(pf.type, tvb(3, 1))
  tree:add(pf.length, tvb(4, 2))
  tree:add(pf.counter, tvb(6, 8))
  local values = read_body(tvb, pinfo, tree, root, type_, stop)
  tree:add(pf.tag, tvb(stop, TAG))
  session_peers(tree, values)
  local info = "natsim " .. TYPE_NAMES[type_] .. " " .. summary(type_, values)
  if values.payload == "quic" then
    pinfo.cols.info:prepend(info .. " | ")
  else
    pinfo.cols.protocol = "natsim"
    pinfo.cols.info = info
  end
  return tvb:len()
end

-- On natsim's ports: its frames, STUN and TURN (RFC 7983: a first byte
-- of 0 to 3), and nothing else (0: Wireshark tries the others).
function p.dissector(tvb, pinfo, root)
  if is_frame(tvb) then return dissect_frame(tvb, pinfo, root) end
  if tvb:len() >= 20 and tvb(0, 1):uint() < 4 and stun then
    return stun:call(tvb, pinfo, root)
  end
  return 0
end

-- Anywhere else (TURN relay ports, STUN Data attributes, ChannelData):
-- a datagram that is exactly one natsim frame.
local function heuristic(tvb, pinfo, root)
  if not is_frame(tvb) then return false end
  dissect_frame(tvb, pinfo, root)
  return true
end

-- Inside TURN's DATA attribute: natsim frames, and ICE's checks relayed
-- through TURN (STUN with its magic cookie), which Wireshark leaves as data.
local function in_turn(tvb, pinfo, root)
  if heuristic(tvb, pinfo, root) then return true end
  if tvb:len() < 20 or tvb(4, 4):uint() ~= 0x2112A442 or not stun then return false end
  stun:call(tvb, pinfo, root)
  return true
end

local udp_port = DissectorTable.get("udp.port")
for _, port in ipairs(PORTS) do udp_port:add(port, p) end
p:register_heuristic("udp", heuristic)
p:register_heuristic("stun", in_turn)
