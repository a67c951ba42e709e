#!/usr/bin/env bash
# Protocol fidelity (issue 16): the feasibility oracle agrees with the
# stack on chains of NATs that port prediction sees through; ICE selects a
# relayed pair promptly when no direct pair can work.
# usage: fidelity_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
export EXPECT_TIMEOUT=300

t=tests/cli/scenarios
expect "fidelity: prediction through a port-preserving NAT" 0 "checks: 10 passed, 0 failed" -- "$natsim" run $t/predict_chain.lua --quiet
expect "fidelity: relay selected within 3 s" 0 "checks: 3 passed, 0 failed" -- "$natsim" run $t/relay_select.lua --quiet

echo "fidelity: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
