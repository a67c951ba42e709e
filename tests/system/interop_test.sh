#!/usr/bin/env bash
# Interoperability with coturn (Debian package coturn), on loopback only:
# our STUN and TURN clients against coturn's server, coturn's
# turnutils_stunclient and turnutils_uclient against our servers. Every
# server is started here and stopped by its PID.
# usage: interop_test.sh NATSIM
set -u
natsim=$1
tmp=$(mktemp -d)
pids=()
cleanup() {
  for p in "${pids[@]}"; do kill "$p" 2>/dev/null; done
  wait 2>/dev/null
  rm -rf "$tmp"
}
trap cleanup EXIT
EXPECT_TIMEOUT=30
source "$(dirname "$0")/../support/expect.sh"

for tool in turnserver turnutils_stunclient turnutils_uclient; do
  if ! command -v "$tool" >/dev/null; then
    echo "FAIL: $tool is not installed (bash scripts/setup.sh --test installs coturn)"
    exit 1
  fi
done

# waits until a UDP port answers to a STUN Binding (up to 5 s)
wait_udp() {
  for _ in $(seq 50); do
    timeout 1 turnutils_stunclient -p "$2" "$1" >/dev/null 2>&1 && return 0
    sleep 0.1
  done
  echo "FAIL: nothing listens on $1:$2"
  return 1
}

# --- coturn as the server --------------------------------------------------------
turnserver -n --listening-ip=127.0.0.1 --listening-ip=127.0.0.2 --listening-port=34800 \
  --alt-listening-port=34801 --relay-ip=127.0.0.1 --min-port=50000 --max-port=50999 \
  --lt-cred-mech --user=alice:secret --realm=natsim --no-tls --no-dtls --no-tcp \
  --allow-loopback-peers --no-cli --log-file="$tmp/coturn.log" --simple-log \
  >"$tmp/coturn.out" 2>&1 &
pids+=($!)
wait_udp 127.0.0.1 34800 || exit 1
expect "turn-check against coturn" 0 "6 of 6 steps passed" -- "$natsim" turn-check --server 127.0.0.1:34800 --user alice:secret
expect "turn-check against coturn, wrong password" 1 "the allocation failed" -- "$natsim" turn-check --server 127.0.0.1:34800 --user alice:wrong --timeout 5
expect "probe against coturn (RFC 5780)" 0 "type +no NAT" -- "$natsim" probe --stun 127.0.0.1:34800
expect "probe against coturn, JSON" 0 '"filtering": "endpoint-independent"' -- "$natsim" probe --stun 127.0.0.1:34800 --json

# --- our servers, coturn's clients -------------------------------------------------
"$natsim" serve stun --listen 127.0.0.1:34810 --alt 127.0.0.2:34811 2>"$tmp/stun.log" &
stun_pid=$!
pids+=($stun_pid)
"$natsim" serve turn --listen 127.0.0.1:34820 --user alice:secret --realm natsim \
  --allow-peer 127.0.0.0/8 2>"$tmp/turn.log" &
turn_pid=$!
pids+=($turn_pid)
wait_udp 127.0.0.1 34810 || exit 1
wait_udp 127.0.0.1 34820 || exit 1
expect "turnutils_stunclient against serve stun" 0 "Other addr: : 127.0.0.2:34811" -- turnutils_stunclient -p 34810 127.0.0.1
expect "turnutils_stunclient reflexive" 0 "UDP reflexive addr: 127.0.0.1:[0-9]+" -- turnutils_stunclient -p 34810 127.0.0.1
# two clients (-y), each allocating and binding channels, 20 messages x 2
# (-m 2 clients x 2 directions = 80 messages) relayed between them by us
timeout 30 turnutils_uclient -u alice -w secret -p 34820 -y -n 20 -m 2 -l 100 127.0.0.1 >"$tmp/uclient.txt" 2>&1
expect "turnutils_uclient against serve turn" 0 "tot_send_msgs=80, tot_recv_msgs=80" -- cat "$tmp/uclient.txt"
expect "turnutils_uclient nothing lost" 0 "Total lost packets 0 " -- cat "$tmp/uclient.txt"
expect "turnutils_uclient wrong password" 255 "Cannot complete Allocation" -- turnutils_uclient -u alice -w wrong -p 34820 -y -n 1 -m 1 127.0.0.1
expect "our probe against our server" 0 "mapping +endpoint-independent" -- "$natsim" probe --stun 127.0.0.1:34810

# clean shutdown on SIGTERM, with counters
kill -TERM "$stun_pid" "$turn_pid"
wait "$stun_pid"; s1=$?
wait "$turn_pid"; s2=$?
expect "serve stun stops on SIGTERM" 0 "stopped on SIGTERM" -- sh -c "cat '$tmp/stun.log'; exit $s1"
expect "serve turn stops on SIGTERM" 0 "[1-9][0-9]* allocations.*stopped on SIGTERM" -- sh -c "tr '\n' ' ' <'$tmp/turn.log'; exit $s2"

echo "interop: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
