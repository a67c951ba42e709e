#!/usr/bin/env bash
# natsim.nat refused by the world after its model is loaded releases the
# model once (issue 17: a Lua registry reference was released twice on
# world_nat's error paths). Run under the sanitizers (build-asan), a double
# release is a use after free.
# usage: nat_release_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
EXPECT_TIMEOUT=60

expect "refused NATs release their models once" 0 "checks: 1 passed, 0 failed" -- "$natsim" run tests/cli/scenarios/nat_error_release.lua
absent "no sanitizer report" "AddressSanitizer|runtime error" -- "$natsim" run tests/cli/scenarios/nat_error_release.lua

echo "nat_release: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
