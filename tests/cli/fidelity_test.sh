#!/usr/bin/env bash
# Protocol fidelity (issue 16): the feasibility oracle agrees with the
# stack on chains of NATs that port prediction sees through; ICE selects a
# relayed pair promptly when no direct pair can work; at 5% loss on every
# link no direct connection is missed, none fails, and v0.9 goes direct at
# least as often as v0.8 (the roadmap population at 100 pairs; its
# gateway-load targets are for a loss-free network and are not checked).
# usage: fidelity_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
export EXPECT_TIMEOUT=300

t=tests/cli/scenarios
expect "fidelity: prediction through a port-preserving NAT" 0 "checks: 10 passed, 0 failed" -- "$natsim" run $t/predict_chain.lua --quiet
expect "fidelity: relay selected within 3 s" 0 "checks: 3 passed, 0 failed" -- "$natsim" run $t/relay_select.lua --quiet

"$natsim" run scenarios/roadmap.lua --set pairs=100 --set loss=0.05 --set versions=v0.8,v0.9 \
  --quiet > "$tmp/loss.out" 2>&1
expect "fidelity: loss 5%: both versions measured" 0 "checks: [0-9]+ passed" -- cat "$tmp/loss.out"
absent "fidelity: loss 5%: nothing missed, failed or unverified" \
  "FAIL v0\.[89]: (no missed direct|reliability|every connection)" -- cat "$tmp/loss.out"
rate() { awk -v v="$1" '$1 == v && $2 ~ /%$/ { sub("%", "", $2); print $2; exit }' "$tmp/loss.out"; }
expect "fidelity: loss 5%: v0.9 direct at least as often as v0.8" 0 "^ok" -- \
  awk -v a="$(rate v0.8)" -v b="$(rate v0.9)" 'BEGIN { print (a != "" && b != "" && b + 0 >= a + 0) ? "ok " a " " b : "no " a " " b }'

echo "fidelity: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
