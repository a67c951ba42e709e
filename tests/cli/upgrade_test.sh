#!/usr/bin/env bash
# The two ways a session moves to the direct path (issue 18): the
# experiment option `upgrade` ("migrate", "switch", or a table of them by
# version) with errors naming the field, and v0.9 (switch) against
# v0.9-migrate on the same pairs: no migration, the direct path sooner,
# less through the gateway, every byte verified; results.json says which.
# usage: upgrade_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
export EXPECT_TIMEOUT=300

t=tests/cli/scenarios
expect "upgrade: an unknown way" 2 "upgrade_bad_name.lua:1: natsim.experiment: field 'upgrade': expected one of migrate, switch, got \"teleport\"" -- "$natsim" run $t/upgrade_bad_name.lua
expect "upgrade: keys are versions" 2 "upgrade_bad_key.lua:[0-9]+: natsim.experiment: field 'upgrade': keys are versions \(v0.7, v0.8, v0.9, v0.9-migrate\), got v1.0" -- "$natsim" run $t/upgrade_bad_key.lua
expect "upgrade: an unknown way for a version" 2 "upgrade_bad_value.lua:1: natsim.experiment: upgrade: field 'v0.9': expected one of migrate, switch, got \"jump\"" -- "$natsim" run $t/upgrade_bad_value.lua
expect "upgrade: neither a name nor a table" 2 "upgrade_bad_type.lua:1: natsim.experiment: field 'upgrade': expected \"migrate\", \"switch\" or a table of them by version, got 3" -- "$natsim" run $t/upgrade_bad_type.lua
expect "upgrade: switch against migrate" 0 "checks: 5 passed, 0 failed" -- "$natsim" run $t/upgrade_compare.lua --quiet --json "$tmp/upgrade.json" --out "$tmp/cmp"
expect "upgrade: results.json says which" 0 '"name": "v0.9-migrate".*"upgrade": "migrate"' -- tr -d '\n' < "$tmp/upgrade.json"
expect "upgrade: results.json has on_direct_ms" 0 '"on_direct_ms": \{ *"p50": [0-9.]+' -- tr -d '\n' < "$tmp/upgrade.json"
expect "upgrade: natsim report reads it" 0 "" -- "$natsim" report "$tmp/cmp/results.json" --out "$tmp/rep"
expect "upgrade: report.md shows it" 0 "\| v0.9-migrate \| quic \| 10 \| 10 \|.*\| 10 \| 0 \| migrate \| [0-9]+ / [0-9]+ \|" -- cat "$tmp/rep/report.md"
expect "upgrade: report.html shows it" 0 "<td class=\"l\">switch</td><td>[0-9]+ / [0-9]+</td><td>0</td>" -- cat "$tmp/rep/report.html"
expect "upgrade: results from before it still read" 0 "" -- "$natsim" report reports/baselines/roadmap.json --out "$tmp/old"

echo "upgrade: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
