#!/usr/bin/env bash
# Real Linux NAT, in network namespaces this test makes and removes:
#   client (10.0.0.2) -- router (10.0.0.1 | 203.0.113.1, nftables) -- public
#   (203.0.113.10 and .11: natsim serve stun with RFC 5780's four sockets)
# `natsim probe` behind the router classifies the kernel's NAT, and the
# result must equal what `natsim classify` discovers for the simulated
# preset: masquerade against nat-models/linux_conntrack.lua, masquerade
# with random ports against nat-models/linux_masquerade_random.lua.
# Skips (exit 77) when namespaces cannot be made here.
# usage: netns_test.sh NATSIM SOURCE_DIR
set -u
natsim=$(realpath "$1")
cd "$2"
tag="ns$$"
pub="${tag}pub" nat="${tag}nat" cli="${tag}cli"
tmp=$(mktemp -d)
server=""
cleanup() {
  [ -n "$server" ] && kill "$server" 2>/dev/null && wait "$server" 2>/dev/null
  for n in "$pub" "$nat" "$cli"; do ip netns del "$n" 2>/dev/null; done
  rm -rf "$tmp"
}
trap cleanup EXIT

if [ "$(id -u)" -ne 0 ] || ! command -v nft >/dev/null || ! ip netns add "$pub" 2>"$tmp/err"; then
  echo "SKIP: cannot make network namespaces here (needs root, iproute2 and nftables): $(cat "$tmp/err" 2>/dev/null)"
  exit 77
fi
ip netns add "$nat" && ip netns add "$cli" || exit 1
nsx() { local ns=$1; shift; ip netns exec "$ns" "$@"; }
# veth names carry the tag: a leftover from another run cannot clash
vc="${tag}c" vni="${tag}i" vno="${tag}o" vp="${tag}p"
build() {
  set -e
  ip link add "$vc" type veth peer name "$vni"
  ip link set "$vc" netns "$cli"
  ip link set "$vni" netns "$nat"
  ip link add "$vno" type veth peer name "$vp"
  ip link set "$vno" netns "$nat"
  ip link set "$vp" netns "$pub"
  nsx "$cli" ip addr add 10.0.0.2/24 dev "$vc"
  nsx "$nat" ip addr add 10.0.0.1/24 dev "$vni"
  nsx "$nat" ip addr add 203.0.113.1/24 dev "$vno"
  nsx "$pub" ip addr add 203.0.113.10/24 dev "$vp"
  nsx "$pub" ip addr add 203.0.113.11/24 dev "$vp"
  for n in "$cli" "$nat" "$pub"; do nsx "$n" ip link set lo up; done
  nsx "$cli" ip link set "$vc" up
  nsx "$nat" ip link set "$vni" up
  nsx "$nat" ip link set "$vno" up
  nsx "$pub" ip link set "$vp" up
  nsx "$cli" ip route add default via 10.0.0.1
  nsx "$nat" sysctl -qw net.ipv4.ip_forward=1
}
if ! (build) >"$tmp/err" 2>&1; then
  echo "SKIP: cannot build the namespaces' links here: $(tail -1 "$tmp/err")"
  exit 77
fi
if ! nsx "$nat" nft add table ip probe >"$tmp/err" 2>&1; then
  echo "SKIP: nftables does not work here (no nf_tables in this kernel?): $(tail -1 "$tmp/err")"
  exit 77
fi

ip netns exec "$pub" "$natsim" serve stun --listen 203.0.113.10:3478 --alt 203.0.113.11:3479 2>"$tmp/stun.log" &
server=$!
sleep 0.5

passed=0
failed=0
# field FILE NAME: the first "NAME": "value" in a JSON file
field() { grep -o "\"$2\": \"[^\"]*\"" "$1" | head -1 | sed 's/.*: "//; s/"$//'; }
# one NAT configuration: nftables masquerade with FLAGS; the probe's
# mapping/filtering/allocation must equal classify's for MODEL
check() {
  local name=$1 flags=$2 model=$3
  nsx "$nat" nft flush ruleset
  nsx "$nat" nft -f - <<NFT
table ip nat {
  chain post {
    type nat hook postrouting priority srcnat;
    oifname "$vno" masquerade $flags
  }
}
NFT
  nsx "$cli" "$natsim" probe --stun 203.0.113.10:3478 --json --rto 100 >"$tmp/probe.json" 2>&1
  "$natsim" classify "$model" --json >"$tmp/classify.json" 2>&1
  local real sim
  real="$(field "$tmp/probe.json" mapping) $(field "$tmp/probe.json" filtering) $(field "$tmp/probe.json" allocation)"
  sim="$(field "$tmp/classify.json" mapping) $(field "$tmp/classify.json" filtering) $(field "$tmp/classify.json" allocation)"
  grep -q '"natted": true' "$tmp/probe.json" || real="$real (not translated)"
  echo "$name: real kernel: $real"
  echo "$name: simulated $(basename "$model" .lua): $sim"
  if [ "$real" != "  " ] && [ "$real" = "$sim" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: the real NAT and the preset disagree"
    sed 's/^/  | /' "$tmp/probe.json"
  fi
}

check "masquerade" "" nat-models/linux_conntrack.lua
check "masquerade random-fully" "fully-random" nat-models/linux_masquerade_random.lua

echo "netns: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
