#!/usr/bin/env bash
# Wrong input is refused, never defaulted (issue 15): each bad input exits 2
# with FILE:LINE (the line of the offending field where the script's text
# shows it) and the name of what was wrong; good input still runs.
# usage: strict_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
export EXPECT_TIMEOUT=120 # nothing here should run long: a default run would

t=tests/cli/scenarios
m=tests/cli/models

# natsim.experiment: every field type-checked, at the field's line.
expect "versions as a string" 2 "strict_versions_string.lua:5: natsim.experiment: field 'versions': expected a list of 1 to 8 names from v0.7, v0.8, v0.9.* \(a list even for one: \{ \"v0.9\" \}\), got \"v0.9\"" -- "$natsim" run $t/strict_versions_string.lua --quiet
expect "sub-table field type" 2 "strict_field_type.lua:7: natsim.experiment: workload: field 'messages': expected an integer from 1 to 100000, got \"50\"" -- "$natsim" run $t/strict_field_type.lua --quiet
expect "population entry named" 2 "strict_population_entry.lua:7: natsim.experiment: population\[2\] \(\"sym\"\): field 'weight': expected a number" -- "$natsim" run $t/strict_population_entry.lua --quiet
expect "duplicate class names" 2 "strict_duplicate_class.lua:7: natsim.experiment: population\[2\] \(\"home\"\): the class name \"home\" is also entry 1's" -- "$natsim" run $t/strict_duplicate_class.lua --quiet
expect "bad version in the list" 2 "experiment_bad_version.lua:1: natsim.experiment: field 'versions': entry 1: expected a version name from v0.7" -- "$natsim" run $t/experiment_bad_version.lua --quiet

# Durations need a unit where seconds are not the field's unit.
expect "link.delay = 20" 2 "strict_delay_bare.lua:7: natsim.experiment: link: field 'delay': expected a duration with a unit, such as \"20ms\" or \"5s\" .*got 20$" -- "$natsim" run $t/strict_delay_bare.lua --quiet
expect "natsim.nat link delay = 5" 2 "strict_nat_link.lua:6: natsim.nat: link: field 'delay': expected a duration with a unit" -- "$natsim" run $t/strict_nat_link.lua
expect "port_range min > max (inline)" 2 "strict_port_range.lua:2: natsim.nat: model: field 'port_range': min 40000 is above max 20000" -- "$natsim" run $t/strict_port_range.lua
expect "port_range min > max (model file)" 2 "bad_port_range.lua:5: field 'port_range': min 40000 is above max 20000" -- "$natsim" classify $m/bad_port_range.lua

# --set: declared, typed parameters (natsim.param); unknown or unparsable
# values are errors naming the parameters the scenario takes.
expect "param defaults" 0 "^pairs=1000 integer loss=0 integer quic=true label=x versions=v0.8\+v0.9$" -- "$natsim" run $t/strict_params.lua
expect "param values typed" 0 "^pairs=5 integer loss=1 integer quic=false label=hi versions=v0.7$" -- "$natsim" run $t/strict_params.lua --set pairs=5 --set loss=1 --set quic=false --set label=hi --set versions=v0.7
expect "param list" 0 "versions=v0.7\+v0.9$" -- "$natsim" run $t/strict_params.lua --set versions=v0.7,v0.9
expect "--set pairz=5" 2 "strict_params.lua: --set pairz=5: the scenario has no such parameter \(its parameters: pairs, loss, quic, label, versions\)" -- "$natsim" run $t/strict_params.lua --set pairz=5
expect "--set pairs=abc" 2 "strict_params.lua:2: natsim.param 'pairs': --set pairs=abc: expected an integer$" -- "$natsim" run $t/strict_params.lua --set pairs=abc
expect "--set loss=2%" 2 "strict_params.lua:3: natsim.param 'loss': --set loss=2%: expected an integer from 0 to 1$" -- "$natsim" run $t/strict_params.lua --set loss=2%
expect "--set loss=0.5 on an integer" 2 "--set loss=0.5: expected an integer from 0 to 1 \(the default is an integer" -- "$natsim" run $t/strict_params.lua --set loss=0.5
expect "--set quic=yes" 2 "natsim.param 'quic': --set quic=yes: expected true or false" -- "$natsim" run $t/strict_params.lua --set quic=yes
expect "--set versions=v0.7," 2 "natsim.param 'versions': --set versions=v0.7,: expected a comma-separated list of a string" -- "$natsim" run $t/strict_params.lua --set versions=v0.7,
expect "legacy natsim.params" 0 "^legacy	7$" -- "$natsim" run $t/strict_legacy_params.lua --set pairs=7
expect "legacy natsim.params, unknown key" 2 "strict_legacy_params.lua: --set pairz=7: the scenario has no such parameter \(its parameters: pairs\)" -- "$natsim" run $t/strict_legacy_params.lua --set pairz=7
# The shipped scenarios: refused before anything runs.
expect "roadmap --set pairz=5" 2 "roadmap.lua:[0-9]+: natsim.experiment: --set pairz=5: the scenario has no such parameter \(its parameters: pairs, versions, loss, punch_attempts, predict, spacing\)" -- "$natsim" run scenarios/roadmap.lua --set pairz=5 --quiet
expect "roadmap --set pairs=abc" 2 "roadmap.lua:[0-9]+: natsim.param 'pairs': --set pairs=abc: expected an integer of at least 1$" -- "$natsim" run scenarios/roadmap.lua --set pairs=abc --quiet
expect "roadmap --set loss=2%" 2 "roadmap.lua:[0-9]+: natsim.param 'loss': --set loss=2%: expected a number from 0 to 1$" -- "$natsim" run scenarios/roadmap.lua --set loss=2% --quiet
for s in hard_nat path_events short_lifetime; do
  expect "$s --set pairz=5" 2 "$s.lua:[0-9]+: natsim.experiment: --set pairz=5: the scenario has no such parameter \(its parameters: pairs" -- "$natsim" run scenarios/$s.lua --set pairz=5 --quiet
done

# Seeds: 0 to 2^63 - 1.
expect "--seed 2^63" 2 "^natsim run: option '--seed': expected a non-negative integer up to 9223372036854775807 .2.63 - 1., got '9223372036854775808'$" -- "$natsim" run $t/random.lua --seed 9223372036854775808
expect "--seed 2^64" 2 "option '--seed': expected a non-negative integer up to 9223372036854775807 .2.63 - 1., got '18446744073709551616'$" -- "$natsim" run $t/random.lua --seed 18446744073709551616
expect "--seed 2^63 - 1" 0 "^random	[0-9]+$" -- "$natsim" run $t/random.lua --seed 9223372036854775807

# Unwritable output paths: refused before the run (nothing printed by it).
for o in out pcap json junit; do
  expect "--$o unwritable" 2 "^natsim: --$o /dev/null/x: cannot write there: Not a directory$" -- "$natsim" run $t/random.lua --$o /dev/null/x
  absent "--$o unwritable: no run" "^random" -- "$natsim" run $t/random.lua --$o /dev/null/x
done
expect "--json to a folder" 2 "^natsim: --json $tmp: cannot write there: Is a directory$" -- "$natsim" run $t/random.lua --json "$tmp"
expect "--pcap writable" 0 "^random" -- "$natsim" run $t/random.lua --pcap "$tmp/pcap"
expect "--pcap wrote" 0 "natsim-" -- ls "$tmp/pcap"
expect "--json probe leaves no file" 2 "No such file" -- ls "$tmp/absent.json" "$tmp/pcap/.natsim-"*
"$natsim" run $t/random.lua --json "$tmp/absent.json" --out "$tmp/absent" --seed 9223372036854775807 >/dev/null 2>&1
expect "--json and --out still written" 0 "\"seed\": 9223372036854775807" -- cat "$tmp/absent.json" "$tmp/absent/results.json"

# Error values that are not messages: a message with a location.
expect "error({}) in a callback" 2 "^natsim: tests/cli/scenarios/strict_error_table.lua:4: error raised with a table value, not a message$" -- "$natsim" run $t/strict_error_table.lua
expect "error(nil) in a callback" 2 "^natsim: tests/cli/scenarios/strict_error_nil.lua:4: error raised with a nil value, not a message$" -- "$natsim" run $t/strict_error_nil.lua
expect "error object at the top" 2 "^natsim: tests/cli/scenarios/strict_error_top.lua:2: error raised with a table value, not a message$" -- "$natsim" run $t/strict_error_top.lua
expect "error({}) in allocate_port" 2 "allocate_port: tests/cli/scenarios/../models/hook_error_table.lua:6: error raised with a table value, not a message$" -- "$natsim" run $t/hook_model.lua --set model=hook_error_table
for s in strict_error_table strict_error_nil strict_error_top; do
  absent "$s: never (null)" "\(null\)" -- "$natsim" run $t/$s.lua
done
absent "hook_error_table: never (null)" "\(null\)" -- "$natsim" run $t/hook_model.lua --set model=hook_error_table

echo "strict: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
