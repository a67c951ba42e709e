#!/usr/bin/env bash
# Captures Wireshark can read (issue 16): tshark, with natsim's dissector
# (tools/wireshark/natsim.lua), reads the captures of a small experiment
# (v0.8 and v0.9), of a v0.9 attempt through TURN, of a hand-built world
# behind a NAT, and frames made by hand, and finds no malformed packet, no
# bad UDP length and no Lua error; STUN, TURN, QUIC, and gateway frames in
# the layout of issue 17 (REGISTER with its epoch, SESSION with its nonce
# and sealed key, CANDIDATE, PUNCH, RELAY and DATA carrying QUIC, DATA
# inside TURN Send and Data indications and ChannelData) are all there; a
# body longer or shorter than its fields is malformed. Skipped (77) when
# tshark is not installed (scripts/setup.sh --test installs it).
# usage: pcap_tshark_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
export EXPECT_TIMEOUT=300

for tool in tshark mergecap text2pcap; do
  if ! command -v $tool >/dev/null; then
    echo "pcap_tshark: skipped: $tool is not installed (Debian package tshark)"
    exit 77
  fi
done
dissector=tools/wireshark/natsim.lua

# The fields the checks read, a packet a line, tab-separated: $1 the
# capture, into $2. Columns: 1 protocols, 2 natsim frame type, 3 STUN
# type, 4 session's peers, 5 bad UDP length, 6 zero UDP length, 7
# malformed, 8 Lua error, 9 UDP length, 10 IP total length, 11 IP header
# length, 12 conn frame kind, 13 counter, 14 epoch, 15 nonce, 16 sealed
# session key, 17 REPORT's outcome.
fields() {
  tshark -r "$1" -X lua_script:$dissector -T fields -E occurrence=f -e frame.protocols \
    -e natsim_gw.type -e stun.type -e natsim_gw.session.peers -e udp.length.bad \
    -e udp.length.bad_zero -e _ws.malformed -e _ws.lua.error -e udp.length -e ip.len \
    -e ip.hdr_len -e natsim_gw.conn.kind -e natsim_gw.counter -e natsim_gw.epoch \
    -e natsim_gw.nonce -e natsim_gw.sealed_key -e natsim_gw.outcome >"$2" 2>"$2.err"
}

# expect_count NAME WANT FILE AWK-CONDITION: how many lines of FILE match
# the condition (on tab-separated columns) matches the regex WANT.
expect_count() {
  expect "$1" 0 "$2" -- awk -F'\t' "$4 { n++ } END { print n + 0 }" "$3"
}

# What no capture may hold.
check_clean() {
  expect_count "$2: packets" "^[1-9][0-9]*$" "$1" 'NF > 0'
  expect_count "$2: no malformed packet" "^0$" "$1" '$7 != ""'
  expect_count "$2: no bad UDP length" "^0$" "$1" '$5 != "" || $6 != ""'
  expect_count "$2: UDP lengths fill the IP packets" "^0$" "$1" '$9 != $10 - $11'
  expect_count "$2: no Lua error" "^0$" "$1" '$8 != ""'
}

"$natsim" run tests/cli/scenarios/pcap.lua --quiet --set pairs=4 --pcap "$tmp/x" >/dev/null 2>&1
expect "an experiment captured" 0 "" -- ls "$tmp/x/natsim-v0.9-a0-peer1-uplink.pcap" "$tmp/x/natsim-v0.8-a0-peer1-uplink.pcap"
mergecap -w "$tmp/x.pcap" "$tmp/x"/*.pcap
fields "$tmp/x.pcap" "$tmp/x.txt"
check_clean "$tmp/x.txt" experiment
some="^[1-9][0-9]*$"
expect_count "STUN" "$some" "$tmp/x.txt" '$1 ~ /:stun/'
expect_count "TURN Allocate" "$some" "$tmp/x.txt" '$3 == "0x0003"'
expect_count "QUIC" "$some" "$tmp/x.txt" '$1 ~ /:quic/'
expect_count "REGISTER" "$some" "$tmp/x.txt" '$2 == "1"'
expect_count "SESSION" "$some" "$tmp/x.txt" '$2 == "5"'
expect_count "CANDIDATE" "$some" "$tmp/x.txt" '$2 == "12"'
expect_count "PUNCH" "$some" "$tmp/x.txt" '$2 == "9"'
expect_count "QUIC relayed by the gateway" "$some" "$tmp/x.txt" '$2 == "6" && $1 ~ /natsim_gw:quic/'
expect_count "QUIC on the direct path" "$some" "$tmp/x.txt" '$2 == "11" && $1 ~ /natsim_gw:quic/'
expect_count "sessions' peers" "$some" "$tmp/x.txt" '$4 != ""'
# The frame layout of issue 17: a counter in every header, REGISTER's
# epoch, SESSION's nonce and sealed key (12 and 32 bytes, in hex).
expect_count "every frame's counter" "^0$" "$tmp/x.txt" '$2 != "" && $13 !~ /^[1-9][0-9]*$/'
expect_count "REGISTER's epoch" "^0$" "$tmp/x.txt" '$2 == "1" && $14 != "1"'
expect_count "SESSION's nonce and sealed key" "^0$" "$tmp/x.txt" \
  '$2 == "5" && (length($15) != 24 || length($16) != 64 || $15 $16 ~ /[^0-9a-f]/)'

# Without QUIC, RELAY and DATA frames carry conn frames.
"$natsim" run tests/cli/scenarios/pcap.lua --quiet --set pairs=2 --set transport=messages --pcap "$tmp/m" >/dev/null 2>&1
mergecap -w "$tmp/m.pcap" "$tmp/m"/*.pcap
fields "$tmp/m.pcap" "$tmp/m.txt"
check_clean "$tmp/m.txt" "without QUIC"
expect_count "conn messages" "$some" "$tmp/m.txt" '$12 == "1"'
expect_count "conn acknowledgements" "$some" "$tmp/m.txt" '$12 == "2"'
expect_count "no QUIC" "^0$" "$tmp/m.txt" '$1 ~ /quic/'

# QUIC through TURN: v0.9 between two symmetric NATs without port
# prediction, where ICE selects a relayed pair (tests/cli/scenarios/
# relay_select.lua). TURN's Send and Data indications carry DATA frames
# with QUIC, and ICE's checks.
"$natsim" run tests/cli/scenarios/relay_select.lua --quiet --set pairs=1 --pcap "$tmp/r" >/dev/null 2>&1
mergecap -w "$tmp/r.pcap" "$tmp/r"/*.pcap
fields "$tmp/r.pcap" "$tmp/r.txt"
check_clean "$tmp/r.txt" "v0.9 through TURN"
expect_count "QUIC in TURN Send indications" "$some" "$tmp/r.txt" \
  '$3 == "0x0016" && $2 == "11" && $1 ~ /:stun:natsim_gw:quic$/'
expect_count "QUIC in TURN Data indications" "$some" "$tmp/r.txt" \
  '$3 == "0x0017" && $2 == "11" && $1 ~ /:stun:natsim_gw:quic$/'
expect_count "ICE checks in TURN indications" "$some" "$tmp/r.txt" \
  '$3 ~ /^0x001[67]$/ && $1 ~ /:stun:natsim_gw:stun$/'
expect_count "REPORT relayed" "$some" "$tmp/r.txt" '$2 == "7" && $17 == "2"'
tshark -X lua_script:$dissector -r "$tmp/r/natsim-v0.9-a0-peer2-uplink.pcap" >"$tmp/r2.txt" 2>/dev/null
for line in "192.168.1.2 → 198.51.100.30 +STUN 162 Binding Request user: HsAVtePw:6bpQyfxt" \
  "2.278017 +192.168.1.2 → 198.51.100.10 natsim 73 natsim REPORT peer_id=2 session=ec67880221d9d0ee outcome=relayed" \
  "2.846017 +192.168.1.2 → 198.51.100.30 +QUIC 142 natsim DATA session=ec67880221d9d0ee sender=2 \| Protected Payload \(KP0\)" \
  "198.51.100.30 → 192.168.1.2 +QUIC 138 natsim DATA session=ec67880221d9d0ee sender=1"; do
  expect "docs/traces.md, through TURN: $line" 0 "$line" -- cat "$tmp/r2.txt"
done

# Frames no run sends, made by hand (text2pcap): the dissector reads a
# body by its length, and finds frames inside TURN ChannelData.
# frame TYPE BODY: a frame in hex, counter 1 (the tag is not checked).
frame() {
  printf '4e4701%02x%04x%016x%s%s' "$1" $((${#2} / 2)) 1 "$2" 00112233445566778899aabbccddeeff
}
# channel_data HEX: in ChannelData on channel 0x4000, padded to 4 bytes
# as src/turn.c pads it.
channel_data() {
  local pad=$(((4 - ${#1} / 2 % 4) % 4))
  printf '4000%04x%s' $((${#1} / 2)) "$1"
  printf '%*s' $((pad * 2)) '' | tr ' ' 0
}
# capture PORTS FILE HEX...: a capture of one UDP packet per HEX.
capture() {
  local ports=$1 file=$2
  shift 2
  for h in "$@"; do echo "$h" | sed 's/../& /g; s/^/0000 /'; done >"$file.txt"
  text2pcap -q -u "$ports" "$file.txt" "$file" >/dev/null
}
session=ec67880221d9d0ee00000001
capture 4000,3478 "$tmp/cd.pcap" "$(channel_data "$(frame 11 "${session}01000000014142")")" \
  "$(channel_data "$(frame 11 "${session}4ae3b1e2c687cc8db49203ec7f298092105fbb31b09f89af")")"
fields "$tmp/cd.pcap" "$tmp/cd.txt"
check_clean "$tmp/cd.txt" "ChannelData"
expect_count "ChannelData: DATA carrying a conn message" "^1$" "$tmp/cd.txt" \
  '$1 ~ /:stun:natsim_gw$/ && $2 == "11" && $12 == "1"'
expect_count "ChannelData: DATA carrying QUIC" "^1$" "$tmp/cd.txt" \
  '$1 ~ /:stun:natsim_gw:quic$/ && $2 == "11"'
# PUNCH: session, sender and round (16 bytes), then one byte more, then
# two bytes short (a layout no other change touches).
capture 4000,7000 "$tmp/len.pcap" "$(frame 9 "${session}00000003")" \
  "$(frame 9 "${session}0000000307")" "$(frame 9 "${session}0000")"
fields "$tmp/len.pcap" "$tmp/len.txt"
expect_count "PUNCH of 16 bytes: not malformed" "^1$" "$tmp/len.txt" 'NR == 1 && $2 == "9" && $7 == ""'
expect_count "PUNCH of 17 and 14 bytes: malformed" "^2$" "$tmp/len.txt" 'NR > 1 && $7 != ""'
expect "the extra byte and the short body named" 0 "Body longer than its fields.*Frame shorter than its fields" \
  -- bash -c "tshark -r '$tmp/len.pcap' -X lua_script:$dissector -T fields -e _ws.expert.message 2>/dev/null | tr '\n' ' '"

# A NAT of a hand-built world rewrites every packet it forwards.
"$natsim" run tests/cli/scenarios/random.lua --pcap "$tmp/h" >/dev/null 2>&1
mergecap -w "$tmp/h.pcap" "$tmp/h"/*.pcap
fields "$tmp/h.pcap" "$tmp/h.txt"
check_clean "$tmp/h.txt" "hand-built world with a NAT"

# The example of docs/traces.md: what tshark shows for attempt 0.
"$natsim" run scenarios/roadmap.lua --set pairs=10 --set versions=v0.8,v0.9 --pcap "$tmp/traces" --pcap-attempts 0-2 --quiet >/dev/null 2>&1
tshark -X lua_script:$dissector -r "$tmp/traces/natsim-v0.9-a0-peer1-uplink.pcap" >"$tmp/v09.txt" 2>/dev/null
tshark -X lua_script:$dissector -r "$tmp/traces/natsim-v0.8-a0-peer1-uplink.pcap" >"$tmp/v08.txt" 2>/dev/null
for line in "0.000000 +192.168.1.2 → 198.51.100.10 natsim 73 natsim REGISTER peer_id=1 epoch=1 capabilities=7" \
  "0.032002 198.51.100.10 → 192.168.1.2 +natsim 71 natsim REGISTERED peer_id=1 address=198.18.0.1:4000" \
  "1.032003 198.51.100.10 → 192.168.1.2 +natsim 129 natsim SESSION session=ec67880221d9d0ee other=2 address=198.18.0.2:4000" \
  "QUIC 1272 natsim RELAY session=ec67880221d9d0ee sender=1 \| Initial, DCID=[0-9a-f]+, SCID=[0-9a-f]+, PKN: 0, CRYPTO, PADDING" \
  "natsim CANDIDATE session=ec67880221d9d0ee sender=1 cand_type=srflx address=198.18.0.1:4000" \
  "1.096033 198.51.100.30 → 192.168.1.2 +STUN 114 Allocate Success Response XOR-RELAYED-ADDRESS: 198.51.100.30:49153" \
  "1.096084 +192.168.1.2 → 198.18.0.2 +QUIC 1272 natsim DATA session=ec67880221d9d0ee sender=1 \| Protected Payload" \
  "1.170039 +192.168.1.2 → 198.51.100.10 natsim 73 natsim REPORT peer_id=1 session=ec67880221d9d0ee outcome=direct"; do
  expect "docs/traces.md, v0.9: $line" 0 "$line" -- cat "$tmp/v09.txt"
done
for line in "1.132003 +192.168.1.2 → 198.18.0.2 +natsim 76 natsim PUNCH session=ec67880221d9d0ee sender=1 round=1" \
  "1.176008 +192.168.1.2 → 198.51.100.10 natsim 73 natsim REPORT peer_id=1 session=ec67880221d9d0ee outcome=direct"; do
  expect "docs/traces.md, v0.8: $line" 0 "$line" -- cat "$tmp/v08.txt"
done
absent "docs/traces.md: no STUN in v0.8" "STUN" -- cat "$tmp/v08.txt"

echo "pcap_tshark: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
