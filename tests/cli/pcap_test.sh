#!/usr/bin/env bash
# Packet capture (issue 16): --pcap captures experiments (their servers and
# attempts) and hand-built worlds, into files named after nodes and devices
# and listed in DIR/manifest.json; --pcap-attempts chooses attempts by
# number, range or class pair; bad selections are refused; capturing does
# not change the results. (pcap_tshark_test.sh reads the captures.)
# usage: pcap_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
export EXPECT_TIMEOUT=120

s=tests/cli/scenarios/pcap.lua

# Attempt numbers captured for version $2 in folder $1, one per line.
captured() {
  ls "$1" | sed -n "s/^natsim-$2-a\([0-9]*\)-.*/\1/p" | sort -un
}

# Attempts of v0.8 whose classes include $1, from the attempts file, one per line.
with_class() {
  grep '"version": "v0.8"' "$tmp/att.jsonl" | grep "\"classes\": \[[^]]*\"$1\"" |
    sed 's/.*"attempt": \([0-9]*\),.*/\1/' | sort -un
}

expect "capture an experiment" 0 "v0.9: 6 attempts" -- "$natsim" run $s --quiet --pcap "$tmp/all" --json "$tmp/with.json" --attempts "$tmp/att.jsonl"
expect "the same run without capture" 0 "v0.9: 6 attempts" -- "$natsim" run $s --quiet --jobs 1 --json "$tmp/without.json"
expect "capture changes no result" 0 "" -- cmp "$tmp/with.json" "$tmp/without.json"
expect "the servers' files" 0 "" -- ls "$tmp/all/natsim-v0.9-gateway-uplink.pcap" "$tmp/all/natsim-v0.9-core-to-gateway.pcap" "$tmp/all/natsim-v0.9-stun-uplink.pcap" "$tmp/all/natsim-v0.9-turn-uplink.pcap" "$tmp/all/natsim-v0.8-gateway-uplink.pcap"
expect "a peer's files" 0 "" -- ls "$tmp/all/natsim-v0.8-a0-peer1-uplink.pcap" "$tmp/all/natsim-v0.8-a0-nat1-to-peer1.pcap" "$tmp/all/natsim-v0.8-a0-nat1-uplink.pcap" "$tmp/all/natsim-v0.8-a0-core-to-nat1.pcap"
expect "every attempt of both versions" 0 "^0 1 2 3 4 5 / 0 1 2 3 4 5$" -- bash -c "echo \$(ls $tmp/all | sed -n 's/^natsim-v0.8-a\([0-9]*\)-.*/\1/p' | sort -un) / \$(ls $tmp/all | sed -n 's/^natsim-v0.9-a\([0-9]*\)-.*/\1/p' | sort -un)"
files=$(ls "$tmp/all" | grep -c '\.pcap$')
expect "the manifest lists every file" 0 "^$files$" -- grep -c '"file": "natsim-.*\.pcap"' "$tmp/all/manifest.json"
for f in $(ls "$tmp/all" | grep '\.pcap$' | head -40); do
  grep -q "\"file\": \"$f\"" "$tmp/all/manifest.json" || { failed=$((failed + 1)); echo "FAIL manifest: no $f"; }
done
expect "its attempt, role, device" 0 '"attempt": 2, "node": "peer6", "role": "peer-b", "device": "uplink", "link_to": "nat6"' -- bash -c "grep -A6 '\"file\": \"natsim-v0.9-a2-peer6-uplink.pcap\"' $tmp/all/manifest.json | sed 1,2d | tr -d '\n' | tr -s ' ' | sed 's/^ //; s/,\$//'"
expect "a server's entry" 0 '"attempt": null, "node": "turn", "role": "turn", "device": "uplink", "link_to": "core", "addresses": \[ "198.51.100.30" \]' -- bash -c "grep -A9 '\"file\": \"natsim-v0.9-turn-uplink.pcap\"' $tmp/all/manifest.json | sed 1,2d | tr -d '\n' | tr -s ' ' | sed 's/^ //'"

# run --help says how files are named, and every file is named so.
expect "--help names the files" 0 "DIR/natsim-\[VERSION-\]\[aN-\]NODE-uplink.pcap and" -- "$natsim" run --help
expect "--help names the parent's end" 0 "DIR/natsim-\[VERSION-\]\[aN-\]PARENT-to-NODE.pcap, listed with" -- "$natsim" run --help
expect "--help names the manifest" 0 "DIR/manifest.json" -- "$natsim" run --help
expect "every file named as --help says" 0 "^0$" -- bash -c "ls $tmp/all | grep -Ev '^(manifest.json|natsim-v0\.[0-9]-(a[0-9]+-)?[a-z0-9]+-(uplink|to-[a-z0-9]+)\.pcap)\$' | wc -l"

# Names are stable for a seed: a second run writes the same files and manifest.
"$natsim" run $s --quiet --pcap "$tmp/again" >/dev/null 2>&1
expect "the same names again" 0 "" -- cmp "$tmp/all/manifest.json" "$tmp/again/manifest.json"

# Choosing attempts.
expect "a range" 0 "" -- "$natsim" run $s --quiet --pcap "$tmp/range" --pcap-attempts 1-2,4
expect "only those attempts" 0 "^1 2 4$" -- bash -c "echo \$(ls $tmp/range | sed -n 's/^natsim-v0.9-a\([0-9]*\)-.*/\1/p' | sort -un)"
expect "and the servers" 0 "" -- ls "$tmp/range/natsim-v0.9-turn-uplink.pcap"
expect "a class pair" 0 "" -- "$natsim" run $s --quiet --pcap "$tmp/sym" --pcap-attempts 'symmetric:*'
expect "the attempts with a symmetric NAT" 0 "^$(echo $(with_class symmetric))$" -- bash -c "echo \$(ls $tmp/sym | sed -n 's/^natsim-v0.8-a\([0-9]*\)-.*/\1/p' | sort -un)"
expect "a range and a class pair" 0 "" -- "$natsim" run $s --quiet --pcap "$tmp/both" --pcap-attempts '0-2,cgn:*'
expect "the attempts in both" 0 "^$(echo $(with_class cgn | awk '$1 <= 2'))$" -- bash -c "echo \$(ls $tmp/both | sed -n 's/^natsim-v0.8-a\([0-9]*\)-.*/\1/p' | sort -un)"

# Refused.
expect "--pcap-attempts alone" 2 "--pcap-attempts needs --pcap DIR" -- "$natsim" run $s --pcap-attempts 1
expect "a bad item" 2 '--pcap-attempts 1,x-2: expected N, N-M or CLASS:CLASS items separated by commas, got "x-2"' -- "$natsim" run $s --pcap "$tmp/bad" --pcap-attempts 1,x-2
expect "a backward range" 2 'got "5-3"' -- "$natsim" run $s --pcap "$tmp/bad" --pcap-attempts 5-3
expect "an empty item" 2 'got ""' -- "$natsim" run $s --pcap "$tmp/bad" --pcap-attempts 1,
expect "an unknown class" 2 '--pcap-attempts full_cone:nope: the population has no class "nope"' -- "$natsim" run $s --pcap "$tmp/bad" --pcap-attempts full_cone:nope
expect "too many attempts by default" 2 "--pcap: the experiment has 51 pairs and at most 50 attempts are captured; choose some with --pcap-attempts" -- "$natsim" run $s --pcap "$tmp/bad" --set pairs=51
expect "too many attempts chosen" 2 "--pcap-attempts: more than 50 attempts match; choose fewer" -- "$natsim" run $s --pcap "$tmp/bad" --set pairs=51 --pcap-attempts 0-60

# A hand-built world: every node, named as the script names them.
expect "a hand-built world" 0 "^random" -- "$natsim" run tests/cli/scenarios/random.lua --pcap "$tmp/hand"
expect "its files" 0 "" -- ls "$tmp/hand/natsim-h-uplink.pcap" "$tmp/hand/natsim-n-to-h.pcap" "$tmp/hand/natsim-n-uplink.pcap" "$tmp/hand/natsim-core-to-n.pcap" "$tmp/hand/natsim-s-uplink.pcap"
expect "its manifest" 0 '"experiment": "", "attempt": null, "node": "n", "role": "nat", "device": "to-h"' -- bash -c "grep -A5 '\"file\": \"natsim-n-to-h.pcap\"' $tmp/hand/manifest.json | sed 1d | tr -d '\n' | tr -s ' ' | sed 's/^ //'"

echo "pcap: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
