#!/usr/bin/env bash
# Scenario and command-line tests: exit statuses, error messages naming the
# file, line or field, and reproducibility (same seed, same output).
# usage: cli_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"

t=tests/cli/scenarios
expect "help" 0 "run SCENARIO.lua" -- "$natsim" --help
expect "run help" 0 "--seed N" -- "$natsim" run --help
expect "no command" 2 "usage: natsim" -- "$natsim"
expect "unknown command" 2 "unknown command 'fly'" -- "$natsim" fly
expect "no scenario" 2 "no scenario given" -- "$natsim" run
expect "bad seed" 2 "option .--seed.: expected a non-negative integer up to 9223372036854775807 .2.63 - 1., got .x." -- "$natsim" run $t/random.lua --seed x
expect "unknown option" 2 "unknown option .--fast." -- "$natsim" run $t/random.lua --fast
expect "missing file" 2 "cannot open $t/nope.lua" -- "$natsim" run $t/nope.lua
expect "syntax error" 2 "syntax_error.lua:3:" -- "$natsim" run $t/syntax_error.lua
expect "unknown field" 2 "unknown_field.lua:3: natsim.host: unknown field \"adr\" \(accepted: name, addr" -- "$natsim" run $t/unknown_field.lua
expect "bad value" 2 "bad_value.lua:2: natsim.nat: link: field 'loss': expected a number from 0 to 1, got 2" -- "$natsim" run $t/bad_value.lua
expect "bad inline model" 2 "bad_model_field.lua:2: natsim.nat: model: field 'filtering': expected one of endpoint-independent" -- "$natsim" run $t/bad_model_field.lua
expect "missing model" 2 "missing_model.lua:1: natsim.nat: field 'model': no model file \"no_such_model\"" -- "$natsim" run $t/missing_model.lua
expect "hook error" 2 "hook_fails.lua: allocate_port: .*ran out of ideas for 192.168.1.2" -- "$natsim" run $t/hook_model.lua --set model=hook_fails
expect "hook error stops" 2 "^natsim: [0-9.]+ s virtual" -- "$natsim" run $t/hook_model.lua --set model=hook_fails
expect "callback error" 2 "callback_error.lua:4: attempt to index" -- "$natsim" run $t/callback_error.lua
expect "duplicate name" 2 "duplicate_name.lua:2: natsim.host: the name 'a' is already taken" -- "$natsim" run $t/duplicate_name.lua
expect "failing check" 1 "FAIL arithmetic: 1 \+ 1 is not 3" -- "$natsim" run $t/failing_check.lua
expect "check count" 1 "checks: 1 passed, 1 failed" -- "$natsim" run $t/failing_check.lua
expect "nat_behaviour" 0 "checks: [0-9]+ passed, 0 failed" -- "$natsim" run scenarios/nat_behaviour.lua
expect "results file" 0 "" -- "$natsim" run scenarios/nat_behaviour.lua --out "$tmp/r"
expect "results content" 0 "\"schema\": \"natsim-run/1\"" -- cat "$tmp/r/results.json"
expect "pcap" 0 "" -- "$natsim" run $t/random.lua --pcap "$tmp/pcap"
expect "pcap files" 0 "natsim-.*\.pcap" -- ls "$tmp/pcap"
awk '/^```lua/ { inside = 1; next } inside && /^```$/ { exit } inside' README.md >"$tmp/readme.lua"
expect "README example" 0 "seen you at 198.18.0.1:5000" -- "$natsim" run "$tmp/readme.lua"
same "same seed, same nat_behaviour" -- "$natsim" run scenarios/nat_behaviour.lua --seed 5
same "same seed, same random run" -- "$natsim" run $t/random.lua --seed 9
"$natsim" run $t/random.lua --seed 1 >"$tmp/s1" 2>/dev/null
"$natsim" run $t/random.lua --seed 2 >"$tmp/s2" 2>/dev/null
expect "other seed, other run" 1 "" -- cmp -s "$tmp/s1" "$tmp/s2"

# NAT behaviour discovery against every model: alone, behind CGN, with loss.
expect "classify" 0 "symmetric +APD/APD/sequential +APD/APD/sequential .* match" -- "$natsim" classify
expect "classify all match" 0 "" -- bash -c "! \"$natsim\" classify | grep -q MISMATCH"
expect "classify NAT444" 0 "full_cone +EI/APD/random +EI/APD/random" -- "$natsim" classify --behind nat-models/carrier_grade.lua
expect "classify 5% loss" 0 "port_restricted_cone +EI/APD/preserve +EI/APD/preserve" -- "$natsim" classify --loss 0.05
expect "classify NAT444 loss" 0 "restricted_cone" -- "$natsim" classify --loss 0.05 --behind nat-models/carrier_grade.lua --seed 3
expect "classify json" 0 "\"allocation\": \"sequential\"" -- "$natsim" classify --json nat-models/symmetric.lua
expect "classify json match" 0 "\"match\": true" -- "$natsim" classify --json nat-models/full_cone.lua
expect "classify lifetime" 0 "discovered 55s < lifetime <= 60s" -- "$natsim" classify --lifetime nat-models/symmetric.lua
expect "classify mismatch" 1 "wide_stride +APD/APD/sequential +APD/APD/random .*MISMATCH" -- "$natsim" classify tests/cli/models/wide_stride.lua
expect "classify bad model" 2 "bad_policy.lua:4: field 'filtering'" -- "$natsim" classify tests/cli/models/bad_policy.lua
expect "classify bad loss" 2 "option .--loss.: expected a number from 0 to 1, got .2." -- "$natsim" classify --loss 2
expect "classify help" 0 "--behind MODEL" -- "$natsim" classify --help

# Phases 1 and 2: the roadmap scenario (small here; ctest also runs it whole).
expect "roadmap" 0 "v0.8 +[0-9.]+% +>=80% PASS" -- "$natsim" run scenarios/roadmap.lua --set pairs=150 --set versions=v0.7,v0.8 --json "$tmp/roadmap.json"
expect "roadmap json" 0 "\"missed_direct\": 0" -- cat "$tmp/roadmap.json"
expect "roadmap json matrix" 0 "\"a\": \"symmetric\"" -- cat "$tmp/roadmap.json"
# Progress: a bar on a terminal (script(1) gives one), nothing with --quiet.
expect "progress bar on a terminal" 0 "v0.8, version 1 of 1 \[[#.]{30}\] [0-9]+/200 started, [0-9]+ connected, [0-9]+ finished, [0-9]+ s left" -- script -qec "$natsim run scenarios/roadmap.lua --set versions=v0.8 --set pairs=200" /dev/null
absent "progress quiet" "started, [0-9]+ connected" -- script -qec "$natsim run scenarios/roadmap.lua --set versions=v0.8 --set pairs=200 --quiet" /dev/null
expect "experiment bad targets" 2 "experiment_bad_targets.lua:2: natsim.experiment: field 'targets': keys are versions \(v0.7, v0.8, v0.9[^)]*\), got v1.0" -- "$natsim" run $t/experiment_bad_targets.lua
expect "experiment bad target value" 2 "targets\[\"v0.8\"\]: field 'direct'.*a number from 0 to 1" -- "$natsim" run $t/experiment_bad_target_value.lua
expect "experiment bad population" 2 "population\[1\]: field 'weight' is required" -- "$natsim" run $t/experiment_bad_population.lua
expect "bad --set" 2 "option .--set.: expected KEY=VALUE, got .pairs." -- "$natsim" run scenarios/roadmap.lua --set pairs

# Reports: --out writes results.json, report.md, report.html; --junit XML;
# `natsim report` regenerates the same files from results.json; the same
# seed gives byte-identical files.
"$natsim" run scenarios/roadmap.lua --set pairs=60 --set versions=v0.8,v0.9 --out "$tmp/rep1" --junit "$tmp/rep1.xml" --quiet >/dev/null 2>&1
"$natsim" run scenarios/roadmap.lua --set pairs=60 --set versions=v0.8,v0.9 --out "$tmp/rep2" --quiet >/dev/null 2>&1
expect "report files" 0 "" -- test -s "$tmp/rep1/results.json" -a -s "$tmp/rep1/report.md" -a -s "$tmp/rep1/report.html"
expect "report transport table" 0 "\| v0.9 \| quic \| 60 \| 60 \| [0-9]+ / [0-9]+ \| [0-9]+ / [0-9]+ \| 0 \| 0 \| switch \| [0-9]+ / [0-9]+ \|" -- cat "$tmp/rep1/report.md"
"$natsim" run $t/rogue.lua --out "$tmp/rogue" --quiet >/dev/null 2>&1
expect "report failures by reason" 0 "\| v0.8 \| quic \| 26 \| 26 \|.*\| certificate 14 \|$" -- cat "$tmp/rogue/report.md"
expect "report markdown" 0 "\| v0.9 \| direct P2P \| [0-9.]+% \| \\\\>= 95% \| (met|\*\*missed\*\*)" -- cat "$tmp/rep1/report.md"
expect "report html charts" 0 "id=\"chart-heatmap-v0.9\"" -- cat "$tmp/rep1/report.html"
expect "junit" 0 "<testcase classname=\"targets\" name=\"v0.8: direct P2P &gt;= 80%\"" -- cat "$tmp/rep1.xml"
expect "same seed, same results" 0 "" -- cmp "$tmp/rep1/results.json" "$tmp/rep2/results.json"
expect "same seed, same report" 0 "" -- cmp "$tmp/rep1/report.html" "$tmp/rep2/report.html"
expect "report regenerated" 0 "" -- "$natsim" report "$tmp/rep1/results.json" --out "$tmp/rep3" --junit "$tmp/rep3.xml"
expect "report regenerated same html" 0 "" -- cmp "$tmp/rep1/report.html" "$tmp/rep3/report.html"
# A crafted results file: its strings are text in the HTML report, never markup.
sed 's/"name": "v0.7"/"name": "<img src=x onerror=alert(1)>"/' reports/baselines/roadmap.json >"$tmp/evil.json"
expect "report of a crafted file" 0 "" -- "$natsim" report "$tmp/evil.json" --out "$tmp/evil"
expect "crafted name escaped" 0 "&lt;img src=x onerror=alert\(1\)&gt;: direct rate by NAT pair" -- cat "$tmp/evil/report.html"
absent "crafted name never markup" "<img" -- cat "$tmp/evil/report.html"
expect "report regenerated same junit" 0 "" -- cmp "$tmp/rep1.xml" "$tmp/rep3.xml"
expect "report missing file" 2 "natsim report: .*nope.json: No such file" -- "$natsim" report "$tmp/nope.json" --out "$tmp/rep4"
printf '{"schema": "natsim-run/1",\n "scenario": }' >"$tmp/bad.json"
expect "report bad json" 2 "bad.json: not JSON: line 2, column 14: expected a value" -- "$natsim" report "$tmp/bad.json" --out "$tmp/rep4"
"$natsim" run scenarios/roadmap.lua --set pairs=20 --set versions=v0.8 --json "$tmp/v.json" >/dev/null 2>&1
expect "report wrong schema" 2 "schema \"natsim-results/1\" is not natsim-run/1" -- "$natsim" report "$tmp/v.json" --out "$tmp/rep4"

# Real-socket commands: bad arguments and files are refused, naming them.
printf '# id key\n1 0011223344556677889900aabbccddeeff\n' >"$tmp/peers"
expect "serve gateway bad peers file" 1 "peers:2: expected a peer id \(1 to 4294967295\) and a key of 32 hex digits" -- "$natsim" serve gateway --listen 127.0.0.1:34999 --peers "$tmp/peers"
expect "serve gateway needs peers" 2 "--peers FILE is required" -- "$natsim" serve gateway --listen 127.0.0.1:34999
expect "serve needs listen" 2 "--listen ADDR:PORT is required" -- "$natsim" serve stun
expect "serve turn needs user" 2 "--user USER:PASS is required" -- "$natsim" serve turn --listen 127.0.0.1:34999
expect "serve what" 2 "what to serve\? stun, turn or gateway" -- "$natsim" serve dns --listen 127.0.0.1:34999
expect "probe bad server" 2 "natsim probe: option .--stun.: expected an IPv4 ADDR:PORT" -- "$natsim" probe --stun nowhere
expect "turn-check bad user" 2 "natsim turn-check: option .--user.: expected USER:PASS, got .nocolon." -- "$natsim" turn-check --server 127.0.0.1:1 --user nocolon

# Regression testing against the stored roadmap baseline: a worsened
# configuration (no punching) regresses, with a readable table; a baseline
# from another scenario is refused.
# (the run must exit 1: the check below passes only then)
"$natsim" regress --baseline reports/baselines/roadmap.json scenarios/roadmap.lua --set pairs=200 --set versions=v0.8 --set punch_attempts=0 --quiet >"$tmp/worse.txt" 2>&1
expect "regress worsened" 0 "v0.8 +direct rate +90.7% \(1000\) +0.0% \(200\) +drop p=[0-9.e-]+ < 0.05 +REGRESSED" -- sh -c "cat '$tmp/worse.txt'; exit \$(( $? - 1 ))"
expect "regress worsened count" 0 "^[1-9][0-9]* regressions$" -- cat "$tmp/worse.txt"
expect "regress other scenario" 2 "the baseline is from scenario scenarios/roadmap.lua, not scenarios/nat_behaviour.lua" -- "$natsim" regress --baseline reports/baselines/roadmap.json scenarios/nat_behaviour.lua
expect "regress bad baseline" 2 "schema \"natsim-results/1\" is not natsim-run/1" -- "$natsim" regress --baseline "$tmp/v.json" scenarios/roadmap.lua
expect "regress bad level" 2 "option .--level.: expected a number above 0 and below 0.5, got .2." -- "$natsim" regress --baseline reports/baselines/roadmap.json scenarios/roadmap.lua --level 2

echo "cli: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
