#!/usr/bin/env bash
# The one option parser (cli/options.c): every command has --help on stdout
# (exit 0) and words its option errors alike on stderr (exit 2), each
# followed by the hint "(natsim CMD --help lists the options)".
# usage: options_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
# Nothing here should open a socket or run a simulation for long.
EXPECT_TIMEOUT=20

# stdout NAME STATUS PATTERN -- COMMAND...: as expect, on stdout alone.
stdout() {
  local name=$1 status=$2 pattern=$3
  shift 4
  expect "$name" "$status" "$pattern" -- sh -c '"$@" 2>/dev/null' sh "$@"
}

s=tests/cli/scenarios/random.lua
b=reports/baselines/roadmap.json

# The top level: the commands, the version, unknown commands and options.
stdout "natsim --help" 0 "^usage: natsim COMMAND" -- "$natsim" --help
for c in run classify regress report serve probe turn-check sweep; do
  expect "natsim --help lists $c" 0 "^  $c " -- "$natsim" --help
done
expect "natsim --version" 0 "^natsim [0-9]+\.[0-9]+\.[0-9]+$" -- "$natsim" --version
expect "natsim unknown command" 2 "^natsim: unknown command 'fly'$" -- "$natsim" fly
expect "natsim unknown option" 2 "^natsim: unknown option '--fly'$" -- "$natsim" --fly
expect "natsim hint" 2 "^\(natsim --help lists the commands\)$" -- "$natsim" fly

# Every command: -h and --help print its usage on stdout and exit 0.
for c in run classify regress report serve probe turn-check sweep; do
  stdout "$c --help" 0 "^usage: natsim $c" -- "$natsim" $c --help
  stdout "$c -h" 0 "^usage: natsim $c" -- "$natsim" $c -h
  stdout "$c --help lists --help" 0 "^  -h, --help +this text" -- "$natsim" $c --help
  expect "$c unknown option" 2 "^natsim $c: unknown option '--fast'$" -- "$natsim" $c --fast
  expect "$c hint" 2 "^\(natsim $c --help lists the options\)$" -- "$natsim" $c --fast
  absent "$c errors stay off stdout" "." -- sh -c '"$@" 2>/dev/null' sh "$natsim" $c --fast
done
stdout "serve stun --help" 0 "^usage: natsim serve stun" -- "$natsim" serve stun --help

# A value missing at the end of the line.
expect "run missing value" 2 "^natsim run: option '--seed' needs a value$" -- "$natsim" run $s --seed
expect "classify missing value" 2 "^natsim classify: option '--behind' needs a value$" -- "$natsim" classify --behind
expect "regress missing value" 2 "^natsim regress: option '--baseline' needs a value$" -- "$natsim" regress $s --baseline
expect "report missing value" 2 "^natsim report: option '--out' needs a value$" -- "$natsim" report x.json --out
expect "serve missing value" 2 "^natsim serve: option '--listen' needs a value$" -- "$natsim" serve stun --listen
expect "probe missing value" 2 "^natsim probe: option '--stun' needs a value$" -- "$natsim" probe --stun
expect "turn-check missing value" 2 "^natsim turn-check: option '--user' needs a value$" -- "$natsim" turn-check --server 127.0.0.1:1 --user

# A bad value names the option, what it expected and what it got.
expect "run bad seed" 2 "^natsim run: option '--seed': expected a non-negative integer up to 9223372036854775807 .2.63 - 1., got 'abc'$" -- "$natsim" run $s --seed abc
expect "run negative seed" 2 "option '--seed': expected a non-negative integer up to 9223372036854775807 .2.63 - 1., got '-1'" -- "$natsim" run $s --seed -1
expect "run bad set" 2 "^natsim run: option '--set': expected KEY=VALUE, got 'pairs'$" -- "$natsim" run $s --set pairs
expect "run set without key" 2 "option '--set': expected KEY=VALUE, got '=3'" -- "$natsim" run $s --set =3
expect "run flag with a value" 2 "^natsim run: option '--quiet' takes no value$" -- "$natsim" run $s --quiet=yes
expect "classify bad loss" 2 "^natsim classify: option '--loss': expected a number from 0 to 1, got '2'$" -- "$natsim" classify --loss 2
expect "classify bad seed" 2 "option '--seed': expected a non-negative integer up to 9223372036854775807 .2.63 - 1., got 'x'" -- "$natsim" classify --seed x
expect "regress bad level" 2 "^natsim regress: option '--level': expected a number above 0 and below 0.5, got '0.5'$" -- "$natsim" regress --baseline $b $s --level 0.5
expect "regress bad tolerance" 2 "option '--tolerance': expected a number above 0 and below 100, got '0'" -- "$natsim" regress --baseline $b $s --tolerance 0
expect "regress bad run option" 2 "^natsim regress: option '--seed': expected a non-negative integer up to 9223372036854775807 .2.63 - 1., got 'x'$" -- "$natsim" regress --baseline $b $s --seed x
expect "serve bad address" 2 "^natsim serve: option '--listen': expected ADDR:PORT .*, got 'nowhere'$" -- "$natsim" serve stun --listen nowhere
expect "serve address without port" 2 "option '--alt': expected ADDR:PORT" -- "$natsim" serve stun --listen 127.0.0.1:3478 --alt 127.0.0.2
expect "serve bad user" 2 "^natsim serve: option '--user': expected USER:PASS, got ':pass'$" -- "$natsim" serve turn --listen 127.0.0.1:3478 --user :pass
expect "serve bad punch delay" 2 "^natsim serve: option '--punch-delay': expected an integer from 0 to 60000, got '60001'$" -- "$natsim" serve gateway --listen 127.0.0.1:3478 --peers x --punch-delay 60001
expect "probe bad server" 2 "^natsim probe: option '--stun': expected an IPv4 ADDR:PORT .*, got 'nowhere'$" -- "$natsim" probe --stun nowhere
expect "probe IPv6 server" 2 "option '--stun': expected an IPv4 ADDR:PORT .*, got '\[::1\]:3478'" -- "$natsim" probe --stun "[::1]:3478"
expect "probe bad rto" 2 "^natsim probe: option '--rto': expected an integer from 1 to 10000, got '0'$" -- "$natsim" probe --stun 127.0.0.1:3478 --rto 0
expect "turn-check bad user" 2 "^natsim turn-check: option '--user': expected USER:PASS, got 'nocolon'$" -- "$natsim" turn-check --server 127.0.0.1:1 --user nocolon
expect "turn-check bad timeout" 2 "^natsim turn-check: option '--timeout': expected an integer from 1 to 3600, got '3601'$" -- "$natsim" turn-check --server 127.0.0.1:1 --user a:b --timeout 3601
expect "--opt=value form" 2 "option '--timeout': expected an integer from 1 to 3600, got '0'" -- "$natsim" turn-check --server=127.0.0.1:1 --user=a:b --timeout=0

# Arguments each command needs, and positional arguments it does not take.
expect "run no scenario" 2 "^natsim run: no scenario given$" -- "$natsim" run
expect "run two scenarios" 2 "^natsim run: one scenario at a time \(got a.lua and b.lua\)$" -- "$natsim" run a.lua b.lua
expect "regress needs baseline" 2 "^natsim regress: needs --baseline FILE and a scenario$" -- "$natsim" regress $s
expect "report needs output" 2 "^natsim report: needs RESULTS.json, and --out DIR or --junit FILE$" -- "$natsim" report x.json
expect "serve needs listen" 2 "^natsim serve: --listen ADDR:PORT is required$" -- "$natsim" serve stun
expect "serve what" 2 "^natsim serve: what to serve\? stun, turn or gateway$" -- "$natsim" serve dns --listen 127.0.0.1:3478
expect "serve extra argument" 2 "^natsim serve: unexpected argument 'extra'$" -- "$natsim" serve stun extra --listen 127.0.0.1:3478
expect "probe extra argument" 2 "^natsim probe: unexpected argument 'extra'$" -- "$natsim" probe extra
expect "probe needs stun" 2 "^natsim probe: --stun ADDR:PORT is required$" -- "$natsim" probe --json
expect "turn-check needs a password" 2 "^natsim turn-check: --server and --user are required$" -- "$natsim" turn-check --server 127.0.0.1:1 --user alice:

echo "cli_options: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
