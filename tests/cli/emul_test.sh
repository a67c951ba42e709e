#!/usr/bin/env bash
# Real programs behind simulated NATs (issue 20, docs/emulation.md).
# Anywhere: a real host is refused without --emulate, and without root
# (exit 2, the reason); `natsim peer` refuses bad options; an experiment
# gives the same results with --emulate as without. As root with namespaces: a real `natsim probe`
# behind each classic NAT model and behind CGN finds what `natsim classify`
# finds in simulation, against a simulated STUN server and against a real
# `natsim serve stun`; coturn's turnutils_uclient behind a symmetric NAT
# relays through a real `natsim serve turn` with nothing lost; two real
# `natsim peer`s through a real `natsim serve gateway` go direct behind
# port-restricted cones and stay relayed behind symmetric NATs; a program
# that cannot run exits 127 with the reason;
# nothing is left after a run, after SIGTERM and SIGINT; after SIGKILL the
# program is gone and `natsim emul-clean` removes the namespace left, also
# when the killed natsim stays a zombie.
# Skipped (77) with the reason when this machine cannot run real hosts.
# usage: emul_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
export EXPECT_TIMEOUT=120
sc=tests/cli/scenarios

expect "refused without --emulate" 2 "field 'exec'.*--emulate" -- \
  "$natsim" run $sc/emul_refused.lua
if command -v setpriv >/dev/null; then
  expect "refused without root" 2 "real hosts need root" -- \
    setpriv --reuid=65534 --regid=65534 --clear-groups "$natsim" run --emulate $sc/emul_refused.lua
fi

expect "exec: a list of strings" 2 "emul_bad_exec.lua:2: natsim.host: field 'exec': expected a list of 1 to 63 strings" -- \
  "$natsim" run --emulate $sc/emul_bad_exec.lua
expect "wait: real hosts only" 2 "wait: 'a' is not a real host" -- \
  "$natsim" run --emulate $sc/emul_wait_simulated.lua
# Experiments stay in virtual time under --emulate: the same results.
# --emulate runs them in natsim itself (no --jobs workers), so the plain
# run does too: its events are then the same.
"$natsim" run $sc/same_nat.lua --jobs 1 --out "$tmp/plain" --quiet >"$tmp/plain.txt" 2>/dev/null
"$natsim" run --emulate $sc/same_nat.lua --out "$tmp/emul" --quiet >"$tmp/emul.txt" 2>/dev/null
expect "an experiment under --emulate: same results" 0 "" -- \
  cmp "$tmp/plain/results.json" "$tmp/emul/results.json"
expect "an experiment under --emulate: same output" 0 "" -- cmp "$tmp/plain.txt" "$tmp/emul.txt"

expect "natsim peer: a bad key" 2 "option '--key': expected 32 hex digits, got 'xyz'" -- \
  "$natsim" peer --gateway 192.0.2.1:7000 --id 1 --key xyz
expect "natsim peer: required options" 2 "--gateway, --id and --key are required" -- \
  "$natsim" peer --id 1

if ! "$natsim" emul-clean >"$tmp/why" 2>&1; then
  echo "emul: skipped: $(cat "$tmp/why")"
  exit 77
fi

# No namespace of ours is left, and no TAP device of ours outside one.
expect_clean() {
  expect "$1: no namespace left" 0 '^0$' -- sh -c 'ip netns list | grep -c "^natsim-" || true'
  expect "$1: no TAP device left" 0 '^0$' -- sh -c 'ip -o link | grep -c ": natsimtap" || true'
}

# The real probe's mapping, filtering and type equal classify's: $1 the
# model, $2 the CGN model in front of it (or nothing).
classify_same() {
  local model=$1 behind=${2:-} name=$1${2:+ behind $2}
  local set=() opt=()
  if [ -n "$behind" ]; then
    set=(--set behind="$behind")
    opt=(--behind "nat-models/$behind.lua")
  fi
  expect "$name: the real probe's checks" 0 'checks: 3 passed, 0 failed' -- \
    "$natsim" run --emulate $sc/emul_probe.lua --set model="$model" "${set[@]}"
  cp "$tmp/out" "$tmp/real"
  "$natsim" classify "nat-models/$model.lua" "${opt[@]}" --json >"$tmp/sim"
  for field in mapping filtering type; do
    local real sim
    real=$(grep -m1 -o "\"$field\": \"[^\"]*\"" "$tmp/real")
    sim=$(grep -m1 -o "\"$field\": \"[^\"]*\"" "$tmp/sim")
    expect "$name: $field as simulated ($sim)" 0 "" -- test -n "$real" -a "$real" = "$sim"
  done
  expect_clean "$name"
}
classify_same full_cone
classify_same restricted_cone
classify_same port_restricted_cone
classify_same symmetric
classify_same full_cone carrier_grade

# --pcap captures the real host's traffic on its simulated uplink.
expect "--pcap: a run with a real host" 0 'checks: 3 passed' -- \
  "$natsim" run --emulate $sc/emul_probe.lua --pcap "$tmp"
expect "--pcap: the real host's uplink has its packets" 0 '' -- \
  test "$(stat -c %s "$tmp/natsim-alice-uplink.pcap")" -gt 500

# Against a real `natsim serve stun` (two addresses) on the public side.
for model in restricted_cone symmetric; do
  expect "$model: a real probe, a real STUN server" 0 'checks: 4 passed, 0 failed' -- \
    "$natsim" run --emulate $sc/emul_real_stun.lua --set model=$model
  expect_clean "$model, real STUN server"
done

# Two real peers through a real gateway: direct behind port-restricted
# cones, relayed behind symmetric NATs, every message through either way.
expect "real peers behind port-restricted cones go direct" 0 'checks: 4 passed, 0 failed' -- \
  "$natsim" run --emulate $sc/emul_peers.lua --set model=port_restricted_cone --set direct=true
expect_clean "real peers, port-restricted"
expect "real peers behind symmetric NATs stay relayed" 0 'checks: 4 passed, 0 failed' -- \
  "$natsim" run --emulate $sc/emul_peers.lua --set model=symmetric --set direct=false
expect_clean "real peers, symmetric"

# coturn's client behind a symmetric NAT, through a real `natsim serve turn`.
if command -v turnutils_uclient >/dev/null; then
  expect "turnutils_uclient through serve turn behind symmetric" 0 'checks: 4 passed, 0 failed' -- \
    "$natsim" run --emulate $sc/emul_turn.lua
  expect_clean "turnutils_uclient"
else
  echo "emul: turnutils_uclient not installed (Debian package coturn): its check not run"
fi

expect "an experiment, then a real host" 0 'checks: 2 passed, 0 failed' -- \
  "$natsim" run --emulate $sc/emul_mixed.lua
expect_clean "experiment then real host"

expect "a name taken: said so" 2 "natsim.host 'a': the name 'a' is already taken" -- \
  "$natsim" run --emulate $sc/emul_duplicate.lua
expect_clean "a name taken"

expect "a missing program exits 127, saying why" 0 'checks: 2 passed' -- \
  "$natsim" run --emulate $sc/emul_missing.lua
expect_clean "missing program"

# sh -c "$gone" PID: the process has ended (a zombie counts: this container's init
# may never reap it).
gone='[ ! -e "/proc/$0" ] || grep -q "^State:.*Z" "/proc/$0/status"'

# Starts the sleeper scenario in the background: $! is natsim, and the
# sleeper's pid lands in $tmp/pid.
start_sleeper() {
  rm -f "$tmp/pid"
  NATSIM_PIDFILE=$tmp/pid "$natsim" run --emulate $sc/emul_sleep.lua >"$tmp/sleeper.out" 2>&1 &
  for _ in $(seq 100); do
    [ -s "$tmp/pid" ] && break
    sleep 0.1
  done
}

# SIGTERM and SIGINT: natsim says so, exits 2, and leaves nothing.
for sig in TERM INT; do
  start_sleeper
  pid=$!
  child=$(cat "$tmp/pid")
  kill -s $sig $pid
  wait $pid
  expect "SIG$sig: exit 2" 0 '^2$' -- echo $?
  expect "SIG$sig: said so" 0 "interrupted by SIG$sig" -- cat "$tmp/sleeper.out"
  expect "SIG$sig: the program is gone" 0 '' -- sh -c "$gone" "$child"
  expect_clean "SIG$sig"
done

# SIGKILL: the program dies with natsim (PR_SET_PDEATHSIG); the namespace
# stays until emul-clean (or the next emulated run) removes it.
start_sleeper
pid=$!
child=$(cat "$tmp/pid")
kill -s KILL $pid
wait $pid 2>/dev/null
sleep 0.2
expect "SIGKILL: the program is gone" 0 '' -- sh -c "$gone" "$child"
expect "SIGKILL: the namespace is left" 0 "^natsim-$pid-sleeper" -- ip netns list
expect "SIGKILL: emul-clean removes it" 0 'removed 1 namespace$' -- "$natsim" emul-clean
expect_clean "SIGKILL, emul-clean"
expect "emul-clean again: nothing" 0 'removed 0 namespaces' -- "$natsim" emul-clean

# A killed natsim whose parent does not reap it (a zombie, as under an
# init that never reaps) counts as gone: its parent here is a sleep.
rm -f "$tmp/pid" "$tmp/natsim.pid"
NATSIM_PIDFILE=$tmp/pid sh -c '"$0" run --emulate "$1" >/dev/null 2>&1 & echo $! >"$2"; exec sleep 60' \
  "$natsim" $sc/emul_sleep.lua "$tmp/natsim.pid" &
parent=$!
for _ in $(seq 100); do
  [ -s "$tmp/pid" ] && break
  sleep 0.1
done
zombie=$(cat "$tmp/natsim.pid")
kill -s KILL "$zombie"
sleep 0.2
expect "a zombie natsim: it is one" 0 'Z' -- grep '^State:' "/proc/$zombie/status"
expect "a zombie natsim: emul-clean removes its namespace" 0 'removed 1 namespace$' -- \
  "$natsim" emul-clean
kill "$parent"
wait "$parent" 2>/dev/null
expect_clean "a zombie natsim"

echo "emul: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
