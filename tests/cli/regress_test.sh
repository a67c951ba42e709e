#!/usr/bin/env bash
# natsim regress refuses a baseline it cannot compare (no version in
# common, another scenario text, another population), tests missed direct
# connections for a significant rise, and writes a JUnit file that agrees
# with its exit status (issue 15).
# usage: regress_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
EXPECT_TIMEOUT=120

s=scenarios/roadmap.lua
small=(--set pairs=60 --set versions=v0.8 --quiet)
"$natsim" run $s "${small[@]}" --out "$tmp/base" >/dev/null 2>&1
"$natsim" run $s "${small[@]}" --set punch_attempts=0 --out "$tmp/nopunch" >/dev/null 2>&1

# edit IN OUT PYTHON: OUT is results file IN with r changed by PYTHON.
edit() {
  python3 -c "import json, sys
r = json.load(open(sys.argv[1]))
$3
json.dump(r, open(sys.argv[2], 'w'))" "$1" "$2"
}

expect "regress records config" 0 "" -- python3 -c "import json, sys
c = json.load(open(sys.argv[1]))['config']
assert len(c['scenario_sha256']) == 64, c
assert c['params']['pairs'] == '60' and c['params']['punch_attempts'] == '20', c['params']
p = c['experiments'][0]['population']
assert [x['name'] for x in p] == ['full_cone', 'restricted_cone', 'port_restricted_cone', 'symmetric', 'cgn'], p
assert p[3]['behaviour'].startswith('mapping address-and-port-dependent'), p[3]
assert p[4]['behind'].endswith('carrier_grade.lua') and p[4]['behind_behaviour'], p[4]
assert c['experiments'][0]['links']['access']['delay_ms'] == 10, c
assert c['experiments'][0]['workload']['transport'] == 'quic', c" "$tmp/base/results.json"

expect "regress same" 0 "resolved pairs=60 versions=v0.8 .*punch_attempts=20" -- "$natsim" regress --baseline "$tmp/base/results.json" $s "${small[@]}"

# 1. No version in common: an error, not "0 regressions".
expect "regress no shared version" 2 "the baseline's versions \(v0.8\) and the run's \(v0.7\) have none in common" -- "$natsim" regress --baseline "$tmp/base/results.json" $s --set pairs=60 --set versions=v0.7 --quiet

# 2. Another scenario text under the same file name.
mkdir -p "$tmp/edited"
{ cat $s; echo "-- edited"; } >"$tmp/edited/roadmap.lua"
expect "regress other scenario text" 2 "SHA-256 [0-9a-f]{64}, $tmp/edited/roadmap.lua now has [0-9a-f]{64}: the scenario changed" -- "$natsim" regress --baseline "$tmp/base/results.json" "$tmp/edited/roadmap.lua" "${small[@]}"

# 3. Another population (the baseline's symmetric class weighed 13).
edit "$tmp/base/results.json" "$tmp/pop.json" "r['config']['experiments'][0]['population'][3]['weight'] = 13"
expect "regress other population" 2 "the population differs: experiment 1, entry 4: the baseline's is symmetric \(weight 13, symmetric.lua: mapping address-and-port-dependent.*the run's is symmetric \(weight 12," -- "$natsim" regress --baseline "$tmp/pop.json" $s "${small[@]}"

# An older baseline without config: compared by file name, with a note.
edit "$tmp/base/results.json" "$tmp/old.json" "del r['config']"
expect "regress old baseline" 0 "^note: the baseline records no configuration \(an older file\)" -- "$natsim" regress --baseline "$tmp/old.json" $s "${small[@]}"

# 4. missed_direct: one more is noise, a significant rise regresses.
edit "$tmp/nopunch/results.json" "$tmp/minus1.json" "r['versions'][0]['missed_direct'] -= 1"
"$natsim" regress --baseline "$tmp/minus1.json" $s "${small[@]}" --set punch_attempts=0 >"$tmp/plus1.txt" 2>&1
expect "regress missed direct +1" 0 "^v0.8 +missed direct +([0-9]+) of 60 +[0-9]+ of 60 +rise p=[0-9.e-]+ >= 0.05 +ok$" -- cat "$tmp/plus1.txt"
expect "regress missed direct +1 counts" 0 "^0 regressions$" -- cat "$tmp/plus1.txt"
"$natsim" regress --baseline "$tmp/base/results.json" $s "${small[@]}" --set punch_attempts=0 --junit "$tmp/junit.xml" >"$tmp/rise.txt" 2>&1
echo $? >"$tmp/rise.rc"
expect "regress missed direct rise" 0 "^v0.8 +missed direct +0 of 60 +[1-9][0-9]* of 60 +rise p=[0-9.e-]+ < 0.05 +REGRESSED$" -- cat "$tmp/rise.txt"
expect "regress missed direct rise exit" 0 "^1$" -- cat "$tmp/rise.rc"

# 5. --junit: a test case per row, failing for each REGRESSED row.
rows=$(grep -cE " (ok|REGRESSED)$" "$tmp/rise.txt")
bad=$(grep -cE " REGRESSED$" "$tmp/rise.txt")
expect "regress junit counts" 0 "tests=\"$rows\" failures=\"$bad\" errors=\"0\"" -- cat "$tmp/junit.xml"
expect "regress junit failures" 0 "^$bad$" -- grep -c "<failure " "$tmp/junit.xml"
expect "regress junit cases" 0 "^$rows$" -- grep -c "<testcase " "$tmp/junit.xml"
expect "regress junit is xml" 0 "" -- python3 -c "import sys, xml.dom.minidom; xml.dom.minidom.parse(sys.argv[1])" "$tmp/junit.xml"

echo "regress: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
