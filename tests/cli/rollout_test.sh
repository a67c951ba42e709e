#!/usr/bin/env bash
# Mixed-version rollouts and the cost model (issue 18): natsim.experiment's
# mix and cost tables with errors naming the field; a mix where every pair
# keeps its data and a v0.7 peer relays; version pairs and the cost table
# with the roadmap's claims in results.json, report.md and report.html;
# the results reader refusing version pairs that do not add up and a
# negative cost; scenarios/rollout.lua at a small size, each step against
# the theory.
# usage: rollout_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
export EXPECT_TIMEOUT=300

t=tests/cli/scenarios
bad() { # bad CASE PATTERN: mix_bad.lua's case is refused with PATTERN
  expect "mix/cost: $1" 2 "mix_bad.lua:[0-9]+: natsim.experiment: $2" -- "$natsim" run $t/mix_bad.lua --set case="$1"
}
bad sum "field 'mix': the shares must sum to 1 \(within 1e-9\), got 1.1"
bad key "field 'mix': keys are versions \(v0.7, v0.8, v0.9, v0.9-migrate\), got v0.6"
bad range "mix: field 'v0.7': expected a number from 0 to 1, got 1.5"
bad type "mix: field 'v0.7': expected a number from 0 to 1, got \"half\""
bad versions "field 'versions': no value with 'mix'"
bad targets "field 'targets': no value with 'mix'"
bad upgrade "field 'upgrade': with 'mix', \"migrate\" or \"switch\" for every peer, not a table by version"
bad peers "cost: field 'peers': expected a number from 1 to 1e\+12, got 0"
bad length "cost: field 'session_length': expected a duration with a unit"
bad unknown "cost: unknown field \"price\""

expect "mix: every pair verified, v0.7 relays, pairs add up" 0 "checks: [0-9]+ passed, 0 failed" -- "$natsim" run $t/mix_cost.lua --quiet --out "$tmp/mc"
j="$tmp/mc/results.json"
expect "mix: named by its shares" 0 '"name": "v0.7 25% \+ v0.8 25% \+ v0.9 50%"' -- cat "$j"
expect "mix: shares in results" 0 '"mix": \{ *"v0.7": 0.25, *"v0.8": 0.25, *"v0.9": 0.5 *\}' -- tr -d '\n' < "$j"
expect "mix: version pairs in results" 0 '"version_pairs": \[ *\{ *"a": "v0.[789]", *"b": "v0.[789]", *"attempts": [0-9]+' -- tr -d '\n' < "$j"
expect "cost: in results" 0 '"cost": \{ *"gateway_bytes_per_session": [0-9.e+]+,.*"total_usd_month": [0-9.e+]+' -- tr -d '\n' < "$j"
expect "cost: keepalives per peer-hour" 0 '"keepalives_per_peer_hour": 240,' -- cat "$j"
expect "report.md: by version pair" 0 "### v0.7 25% \+ v0.8 25% \+ v0.9 50% by version pair" -- cat "$tmp/mc/report.md"
expect "report.md: the cost table" 0 "\| v0.8 \| [0-9.]+ \| 0.0 \| [0-9.]+ \| 0.00 \| [0-9.]+ \| -[0-9.]+% \|" -- cat "$tmp/mc/report.md"
expect "report.md: the claims" 0 "\| v0.9 \| STUN/TURN at \\\$25-50 per month \| \\\$[0-9.]+ \| (PASS|\*\*FAIL\*\*) \|" -- cat "$tmp/mc/report.md"
expect "report.html: by version pair" 0 "<h2>By version pair</h2>" -- cat "$tmp/mc/report.html"
expect "report.html: the claims" 0 "<td class=\"l\">gateway bandwidth -80% vs v0.7</td><td>-[0-9.]+%</td><td class=\"l (met|miss)\">(PASS|FAIL)</td>" -- cat "$tmp/mc/report.html"

# The reader checks what it reads.
python3 - "$j" "$tmp/sum.json" "$tmp/neg.json" "$tmp/html.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
m = r["versions"][-1]
m["version_pairs"][0]["direct"] += 1
json.dump(r, open(sys.argv[2], "w"))
r = json.load(open(sys.argv[1]))
r["versions"][0]["cost"]["turn_gb_month"] = -1
json.dump(r, open(sys.argv[3], "w"))
r = json.load(open(sys.argv[1]))
r["versions"][-1]["version_pairs"][0]["a"] = "<img src=x onerror=alert(1)>"
json.dump(r, open(sys.argv[4], "w"))
PY
expect "reader: version pairs must add up" 2 "versions\[3\]\.version_pairs\[0\]\.attempts: expected direct \+ relayed \+ failed" -- "$natsim" report "$tmp/sum.json" --out "$tmp/r1"
expect "reader: no negative cost" 2 "versions\[0\]\.cost\.turn_gb_month: expected a non-negative number, got -1" -- "$natsim" report "$tmp/neg.json" --out "$tmp/r2"
expect "report.html: version names escaped" 0 "" -- "$natsim" report "$tmp/html.json" --out "$tmp/r3"
absent "report.html: no markup from the file" "<img src=x" -- cat "$tmp/r3/report.html"

expect "rollout.lua: every step as the theory says" 0 "checks: 30 passed, 0 failed" -- "$natsim" run scenarios/rollout.lua --set pairs=16 --out "$tmp/ro"
cp "$tmp/out" "$tmp/ro.txt"
expect "rollout.lua: the table" 0 "v0.8->v0.9   50%  [0-9.]+% +\[ *[0-9.]+%, *[0-9.]+%\]  [0-9.]+% +\[ *[0-9.]+%, *[0-9.]+%\]  PASS" -- cat "$tmp/ro.txt"
expect "rollout.lua: by version pair" 0 "v0.7->v0.8   50%  v0.7\+v0.7 [0-9]+: 0/[0-9]+/0" -- cat "$tmp/ro.txt"
expect "rollout.lua: report.md by version pair" 0 "### v0.8 50% \+ v0.9 50% by version pair" -- cat "$tmp/ro/report.md"
expect "rollout.lua: a step must be a share" 2 "steps: entry 2: expected a share from 0 to 1, got \"2\"" -- "$natsim" run scenarios/rollout.lua --set pairs=2 --set steps=0,2,1

echo "rollout: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
