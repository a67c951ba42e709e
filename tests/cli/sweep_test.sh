#!/usr/bin/env bash
# natsim sweep (issue 19): the documented example of docs/sweep.md runs;
# its table, JSON and CSV agree with the runs' own results.json (means and
# t intervals recomputed here); --jobs 1 and --jobs 2 write the same bytes;
# the plots are well-formed SVG; one seed has no interval; two swept
# parameters give a plot per value of the second; wrong grids and failed
# runs are refused with the reason.
# usage: sweep_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
EXPECT_TIMEOUT=300

# The documented example, with its --out moved to the scratch folder.
line=$(grep -o 'natsim sweep scenarios/roadmap\.lua .* --out out/sweep$' docs/sweep.md)
if [ -z "$line" ]; then
  echo "FAIL docs/sweep.md has no example 'build/natsim sweep scenarios/roadmap.lua ... --out out/sweep'"
  exit 1
fi
read -r -a args <<<"${line#natsim sweep }"
unset 'args[${#args[@]}-1]' # out/sweep: the folders below take its place
"$natsim" sweep "${args[@]}" "$tmp/j1" --jobs 1 --quiet >"$tmp/j1.txt" 2>&1
rc1=$?
"$natsim" sweep "${args[@]}" "$tmp/j2" --jobs 2 --quiet >"$tmp/j2.txt" 2>&1
rc2=$?
expect "the example runs (exit 0 or 1)" 0 "" -- test "$rc1" -le 1
expect "--jobs 2 exits as --jobs 1" 0 "" -- test "$rc1" -eq "$rc2"
for f in sweep.md sweep.json sweep.csv plots/direct.svg plots/gateway_load.svg; do
  expect "--jobs 1 and --jobs 2 write the same $f" 0 "" -- cmp "$tmp/j1/$f" "$tmp/j2/$f"
done
expect "the same eight plots" 0 "" -- diff <(cd "$tmp/j1/plots" && ls) <(cd "$tmp/j2/plots" && ls)
expect "eight plots, one per rate" 0 "" -- test "$(ls "$tmp/j1/plots" | wc -l)" -eq 8
for f in "$tmp"/j1/plots/*.svg; do
  expect "$(basename "$f") is well-formed XML" 0 "" -- xmllint --noout "$f"
done
expect "a plot has axes' labels, ticks, a legend and error bars" 0 "" -- \
  grep -q '>loss</text>' "$tmp/j1/plots/direct.svg"
expect "two seeds: error bars" 0 "" -- grep -Eq 'M[0-9.]+ [0-9.]+ L[0-9.]+ [0-9.]+ M' "$tmp/j1/plots/direct.svg"
expect "the legend names v0.9" 0 "" -- grep -q '>v0.9</text>' "$tmp/j1/plots/direct.svg"
expect "the stdout names the outputs" 0 "" -- grep -q "4 runs (2 points x 2 seeds)" "$tmp/j1.txt"

# The figures against the runs' own results.json, recomputed here.
expect "sweep.json, .md and .csv agree with the runs' results" 0 "" -- python3 - "$tmp/j1" "$rc1" <<'PY'
import csv, json, math, os, sys
d, rc = sys.argv[1], int(sys.argv[2])
s = json.load(open(os.path.join(d, "sweep.json")))
T975 = {1: 12.706205}
def rates(v):
    a = v["attempts"]
    return {"direct": v["direct"] / a, "relayed": v["relayed"] / a, "turn": v["turn"] / a,
            "failed": v["failed"] / a, "connected": v["connected"] / a,
            "reliability": v["data_verified"] / a, "missed_direct": v["missed_direct"] / a,
            "gateway_load": v["gateway_load"]}
assert s["schema"] == "natsim-sweep/1"
assert s["seeds"] == [1, 2], s["seeds"]
assert [p["name"] for p in s["params"] if p["swept"]] == ["loss"]
assert len(s["rows"]) == 4, len(s["rows"])
md = open(os.path.join(d, "sweep.md")).read()
rows = list(csv.DictReader(open(os.path.join(d, "sweep.csv"))))
assert len(rows) == 4
any_failed = False
for row, c in zip(s["rows"], rows):
    vals = {k: [] for k in row["rates"]}
    failed = 0
    for run in row["runs"]:
        r = json.load(open(os.path.join(d, run["dir"], "results.json")))
        assert r["seed"] == run["seed"]
        assert r["params"]["loss"] == row["point"]["loss"]
        v = [x for x in r["versions"] if x["name"] == row["version"]][0]
        want_exit = 0 if all(ch["ok"] for ch in r["checks"]) else 1
        assert run["exit"] == want_exit, (run, want_exit)
        failed += want_exit
        for k, x in rates(v).items():
            assert abs(run["rates"][k] - x) < 1e-9, (k, run["rates"][k], x)
            vals[k].append(x)
    any_failed = any_failed or failed > 0
    assert row["checks_failed"] == failed
    for k, xs in vals.items():
        n = len(xs)
        mean = sum(xs) / n
        sd = math.sqrt(sum((x - mean) ** 2 for x in xs) / (n - 1))
        half = T975[n - 1] * sd / math.sqrt(n)
        got = row["rates"][k]
        assert abs(got["mean"] - mean) < 1e-8, (k, got, mean)
        assert abs(got["half"] - half) < 1e-5, (k, got, half)
        assert abs(float(c[k + "_mean"]) - mean) < 1e-8
        assert abs(float(c[k + "_half"]) - half) < 1e-5
        cell = "%.4f +- %.4f" % (mean, half)
        line = "| %s | %s | %d of 2 |" % (row["point"]["loss"], row["version"], failed)
        assert any(l.startswith(line) and cell in l for l in md.splitlines()), (line, cell)
assert rc == (1 if any_failed else 0), (rc, any_failed)
PY

# One seed, two swept parameters: no interval, a plot per value of the second.
"$natsim" sweep scenarios/roadmap.lua --set pairs=6 --set loss=0,0.05 --set versions=v0.8,v0.9 \
  --seeds 3 --out "$tmp/one" --quiet >"$tmp/one.txt" 2>&1
expect "one seed, two swept: exit 0 or 1" 0 "" -- test $? -le 1
expect "one seed: no CI in the table" 0 "" -- grep -q "no CI (1 seed)" "$tmp/one/sweep.md"
expect "one seed: null halves in the JSON" 0 "" -- python3 -c '
import json, sys
s = json.load(open(sys.argv[1]))
assert len(s["rows"]) == 4
assert all(r["rates"][k]["half"] is None and r["rates"][k]["low"] is None for r in s["rows"] for k in r["rates"])
assert [r["point"] for r in s["rows"]][:2] == [{"loss": "0", "versions": "v0.8"}, {"loss": "0", "versions": "v0.9"}]
' "$tmp/one/sweep.json"
expect "one seed: an empty half in the CSV" 0 "" -- grep -q '^0,v0.8,v0.8,1,[01],[0-9.]*,,' "$tmp/one/sweep.csv"
expect "a plot per value of the second parameter" 0 "" -- \
  test -f "$tmp/one/plots/direct_versions=v0.8.svg" -a -f "$tmp/one/plots/direct_versions=v0.9.svg"
expect "its runs in nested folders" 0 "" -- test -f "$tmp/one/runs/loss=0.05/versions=v0.9/seed-3/results.json"
expect "the second parameter's plot is well-formed" 0 "" -- xmllint --noout "$tmp/one/plots/failed_versions=v0.9.svg"
absent "one seed: no error bar" 'M[0-9.]+ [0-9.]+ L[0-9.]+ [0-9.]+ M' -- cat "$tmp/one/plots/direct_versions=v0.8.svg"
mkdir -p "$tmp/cat/plots"
touch "$tmp/cat/plots/stale_x=1.svg"
expect "categorical x: the version names are ticks" 0 "" -- \
  bash -c "'$natsim' sweep scenarios/roadmap.lua --set pairs=4 --set versions=v0.8,v0.9 --out '$tmp/cat' --quiet >/dev/null 2>&1; [ \$? -le 1 ] && grep -q '>v0.8</text>' '$tmp/cat/plots/direct.svg' && xmllint --noout '$tmp/cat/plots/direct.svg'"
expect "an earlier sweep's plots are removed" 0 "" -- test ! -e "$tmp/cat/plots/stale_x=1.svg"

# Wrong grids: refused before anything runs.
s=scenarios/roadmap.lua
expect "--set without =" 2 "option '--set': expected KEY=VALUE, got 'loss'" -- "$natsim" sweep $s --set loss --out "$tmp/e"
expect "an empty list" 2 "--set 'loss': expected a value between the commas, got an empty one" -- "$natsim" sweep $s --set loss= --out "$tmp/e"
expect "an empty list item" 2 "--set 'loss': expected a value between the commas" -- "$natsim" sweep $s --set loss=0,,1 --out "$tmp/e"
expect "a value twice" 2 "--set 'loss': the value '0' is given twice" -- "$natsim" sweep $s --set loss=0,0 --out "$tmp/e"
expect "a parameter twice" 2 "--set 'loss': the parameter is given twice" -- "$natsim" sweep $s --set loss=0 --set loss=1,2 --out "$tmp/e"
expect "--seeds 5-1" 2 "--seeds: expected N, A-B with A <= B, or a comma-separated list of them .*got '5-1'" -- "$natsim" sweep $s --seeds 5-1 --out "$tmp/e"
expect "--seeds x" 2 "--seeds: expected N, A-B .*got 'x'" -- "$natsim" sweep $s --seeds x --out "$tmp/e"
expect "--seeds 1-" 2 "got '1-'" -- "$natsim" sweep $s --seeds 1- --out "$tmp/e"
expect "--seeds 1,,2" 2 "got '1,,2'" -- "$natsim" sweep $s --seeds 1,,2 --out "$tmp/e"
expect "a seed twice" 2 "--seeds: the seed 3 is given twice" -- "$natsim" sweep $s --seeds 1-3,3 --out "$tmp/e"
expect "too many seeds" 2 "--seeds: more than 1000 seeds" -- "$natsim" sweep $s --seeds 1-5000 --out "$tmp/e"
expect "no --out" 2 "needs --out DIR" -- "$natsim" sweep $s --set loss=0,1
expect "no scenario" 2 "needs one scenario" -- "$natsim" sweep --set loss=0,1 --out "$tmp/e"
long=$(printf 'x%.0s' {1..300})
expect "run folders too long" 2 "a run's folder would be longer than 1199 bytes" -- \
  "$natsim" sweep $s --set "a=$long,1" --set "b=$long,1" --set "c=$long,1" --set "d=$long,1" --out "$tmp/e"
expect "nothing ran for a wrong grid" 0 "" -- test ! -e "$tmp/e/runs"

# A run that fails: named, with its stderr's last lines; exit 2.
expect "a failed run is named with its stderr" 2 \
  "the run of point pairs=0 with seed 1 failed \(exit 2\); .*runs/pairs=0/seed-1/stderr.txt ends:" \
  -- "$natsim" sweep $s --set pairs=0,2 --fix versions=v0.8 --out "$tmp/bad" --jobs 2 --quiet
cp "$tmp/out" "$tmp/bad.txt"
expect "and its stderr's line is in the message" 0 "" -- \
  grep -q "| natsim: scenarios/roadmap.lua:.*natsim.param 'pairs': --set pairs=0: expected an integer of at least 1" "$tmp/bad.txt"
expect "no table after a failed run" 0 "" -- test ! -e "$tmp/bad/sweep.md"

echo "sweep: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
