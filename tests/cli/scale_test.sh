#!/bin/bash
# Scale (issue 19): an attempt's record does not depend on how many attempts
# share its run; --jobs 1, 2 and 3 and --shard K/3 + natsim merge write the
# same results (events aside), with and without loss, in a mixed run too;
# merge refuses shards that do not make one run.
# usage: scale_test.sh NATSIM SOURCE_DIR
. "$2/tests/support/expect.sh"
expect_cli_setup "$1" "$2"

s=scenarios/roadmap.lua
small=(--set pairs=24 --quiet)

# Attempt i's record is the same in a run of 12 pairs and one of 24.
"$natsim" run $s --set pairs=12 --quiet --jobs 1 --attempts "$tmp/a12.jsonl" >/dev/null 2>&1
"$natsim" run $s "${small[@]}" --jobs 1 --attempts "$tmp/a24.jsonl" --out "$tmp/j1" \
  --junit "$tmp/j1.xml" >/dev/null 2>&1
expect "records of attempts 0-11 do not depend on the pair count" 0 "" -- bash -c \
  "cmp <(sort '$tmp/a12.jsonl') <(grep -E '\"attempt\": ([0-9]|1[01]),' '$tmp/a24.jsonl' | sort)"

# An attempt's peers stop at its end, and a shard simulates to its own last
# attempt's end: the first 12 attempts of 1200 cost what a run of 12 does,
# the same events (not those of 12 attempts kept alive for the other 1188's
# 6 s of starts), and the servers count the same traffic.
"$natsim" run $s --set pairs=12 --set versions=v0.8 --quiet --jobs 1 --out "$tmp/e12" >/dev/null 2>&1
"$natsim" run $s --set pairs=1200 --set versions=v0.8 --quiet --shard 0/100 --out "$tmp/e1200" \
  >/dev/null 2>&1
expect "a shard of 12 attempts of 1200 runs the events of a run of 12" 0 "" -- python3 -c '
import json, sys
a = json.load(open(sys.argv[1]))["parts"][0]["part"]
b = json.load(open(sys.argv[2]))["versions"][0]
print(a["events"], b["events"])
sys.exit(0 if a["events"] == b["events"] else 1)' "$tmp/e1200/results.json" "$tmp/e12/results.json"

# Past 32767 pairs a side's public address would have been the core
# router's (side 65537: 198.18.0.0 + 65537 = 198.19.0.1) and attempt 32768
# failed; the plan steps over it.
"$natsim" run $s --set pairs=100000 --set versions=v0.9 --quiet --shard 1310/4000 \
  --attempts "$tmp/a32768.jsonl" --out "$tmp/s32768" >/dev/null 2>&1
expect "attempt 32768 of 100000 goes direct" 0 '"attempt": 32768, .*"outcome": "direct"' -- \
  cat "$tmp/a32768.jsonl"
expect "shard 1310 of 4000 holds attempts 32750-32774" 0 "^25 " -- wc -l "$tmp/a32768.jsonl"
absent "attempts 32750-32774: none failed" '"outcome": "failed"' -- cat "$tmp/a32768.jsonl"

# --jobs: the same results and records for every N.
for j in 2 3; do
  "$natsim" run $s "${small[@]}" --jobs $j --attempts "$tmp/a24-$j.jsonl" --out "$tmp/j$j" \
    --junit "$tmp/j$j.xml" >/dev/null 2>&1
  same_results "--jobs $j writes what --jobs 1 does" "$tmp/j1" "$tmp/j$j"
  expect "--jobs $j: the same records, in order" 0 "" -- cmp "$tmp/a24.jsonl" "$tmp/a24-$j.jsonl"
  expect "--jobs $j: the same JUnit XML" 0 "" -- cmp "$tmp/j1.xml" "$tmp/j$j.xml"
done

# --batch: a version's attempts as simulations of at most N attempts, each in
# a worker, --jobs at a time (with --jobs 1 too); the same results and
# records, in order, as one simulation of all (--batch 24 here).
"$natsim" run $s "${small[@]}" --jobs 1 --batch 24 --attempts "$tmp/a24-b24.jsonl" --out "$tmp/b24" \
  >/dev/null 2>&1
"$natsim" run $s "${small[@]}" --jobs 1 --batch 5 --attempts "$tmp/a24-b5.jsonl" --out "$tmp/b5" \
  >"$tmp/b5.txt" 2>&1
"$natsim" run $s "${small[@]}" --jobs 2 --batch 7 --attempts "$tmp/a24-b7.jsonl" --out "$tmp/b7" \
  >/dev/null 2>&1
same_results "--batch 24 writes what --jobs 1 does" "$tmp/j1" "$tmp/b24"
same_results "--jobs 1 --batch 5 (5 simulations) writes what one does" "$tmp/j1" "$tmp/b5"
same_results "--jobs 2 --batch 7 (4 simulations) writes what one does" "$tmp/j1" "$tmp/b7"
for b in 5 7; do
  expect "--batch $b: the same records, in order" 0 "" -- cmp "$tmp/a24.jsonl" "$tmp/a24-b$b.jsonl"
done
expect "--batch 5: 5 simulations' events summed" 0 "" -- python3 -c '
import json, sys
one = json.load(open(sys.argv[1]))["versions"][0]["events"]
five = json.load(open(sys.argv[2]))["versions"][0]["events"]
sys.exit(0 if five > one else 1)' "$tmp/j1/results.json" "$tmp/b5/results.json"
expect "--batch with --shard: refused" 2 "--batch: not with --shard" -- \
  "$natsim" run $s "${small[@]}" --batch 5 --shard 0/2 --out "$tmp/bs"
expect "--batch with --pcap: refused" 2 "--batch: not with --pcap or --emulate" -- \
  "$natsim" run $s "${small[@]}" --batch 5 --pcap "$tmp/bp"
expect "--batch 0: refused" 2 "batch" -- "$natsim" run $s "${small[@]}" --batch 0
# A worker whose simulation fails (a rare class's NAT model raises an
# error): natsim stops with that error, naming the worker's attempts (the
# first failing share in attempt order), and starts no further share.
expect "--batch: a failing share stops the run" 2 \
  "the worker of attempts 4-7: .*hook_fails.lua: allocate_port: .*ran out of ideas" -- \
  "$natsim" run tests/cli/scenarios/batch_fail.lua --jobs 2 --batch 4 --quiet
expect "the same scenario in one simulation: the same error" 2 "allocate_port: .*ran out of ideas" -- \
  "$natsim" run tests/cli/scenarios/batch_fail.lua --jobs 1 --batch 40 --quiet

# natsim merge takes as many shards as --shard makes (SHARD_MAX, 4096), not
# only 256: a 257-pair run as 257 shards of one attempt each.
mkdir -p "$tmp/m257"
seq 0 256 | xargs -P 2 -I{} "$natsim" run $s --set pairs=257 --set versions=v0.7 --quiet \
  --shard {}/257 --out "$tmp/m257/s{}" >/dev/null 2>&1
"$natsim" run $s --set pairs=257 --set versions=v0.7 --quiet --jobs 2 --out "$tmp/one257" \
  >/dev/null 2>&1
expect "257 shards merge" 0 "checks: [0-9]+ passed, 0 failed" -- \
  "$natsim" merge "$tmp"/m257/s*/results.json --out "$tmp/m257/m" --quiet
same_results "257 shards merged write what one run does" "$tmp/one257" "$tmp/m257/m"

# Past 64 attempts in a worker (certificate serial numbers grew a byte at
# 128 issued, so QUIC's wire bytes differed): still the same.
v07=(--set pairs=70 --set versions=v0.7 --quiet)
"$natsim" run $s "${v07[@]}" --jobs 1 --out "$tmp/v1" >/dev/null 2>&1
"$natsim" run $s "${v07[@]}" --jobs 2 --out "$tmp/v2" >/dev/null 2>&1
same_results "--jobs 2 at 70 pairs writes what --jobs 1 does" "$tmp/v1" "$tmp/v2"

# With loss on every access link: still the same.
"$natsim" run $s "${small[@]}" --set loss=0.03 --jobs 1 --out "$tmp/l1" >/dev/null 2>&1
"$natsim" run $s "${small[@]}" --set loss=0.03 --jobs 3 --out "$tmp/l3" >/dev/null 2>&1
same_results "--jobs 3 with loss writes what --jobs 1 does" "$tmp/l1" "$tmp/l3"

# A mixed run (each side's version drawn per attempt; version pairs and the
# cost summed from the parts): --jobs 1, --jobs 2 and two shards merged
# write the same results and print the same.
mix=tests/cli/scenarios/mix_cost.lua
"$natsim" run $mix --quiet --jobs 1 --json "$tmp/mix1.json" --out "$tmp/mix1" >"$tmp/mix1.txt" 2>&1
"$natsim" run $mix --quiet --jobs 2 --json "$tmp/mix2.json" --out "$tmp/mix2" >"$tmp/mix2.txt" 2>&1
expect "a mixed run has version pairs" 0 '"version_pairs"' -- cat "$tmp/mix1.json"
same_results "mixed: --jobs 2 writes what --jobs 1 does" "$tmp/mix1" "$tmp/mix2"
expect "mixed: --jobs 2's --json is --jobs 1's, events aside" 0 "" -- bash -c \
  "cmp <(grep -v events '$tmp/mix1.json') <(grep -v events '$tmp/mix2.json')"
expect "mixed: --jobs 2 prints what --jobs 1 does" 0 "" -- bash -c \
  "cmp <(grep -v -E 'events|wall' '$tmp/mix1.txt') <(grep -v -E 'events|wall' '$tmp/mix2.txt')"
for k in 0 1; do
  expect "mixed: shard $k of 2 runs" 0 "" -- "$natsim" run $mix --quiet --shard $k/2 --out "$tmp/ms$k"
done
expect "mixed: merge" 0 "checks: [0-9]+ passed, 0 failed" -- "$natsim" merge "$tmp/ms0/results.json" \
  "$tmp/ms1/results.json" --out "$tmp/mm" --quiet
same_results "mixed: merged shards write what one run does" "$tmp/mix1" "$tmp/mm"
python3 - "$tmp/ms0/results.json" "$tmp/mbad.json" <<'PY'
import json, sys
r = json.load(open(sys.argv[1]))
p = [e for e in r["parts"] if e["version"] == "mix"][0]["part"]
p["attempts"][0][22] = 7  # version_a: a version the mix does not hold
json.dump(r, open(sys.argv[2], "w"))
PY
expect "mixed: a part's attempt of a version not in the mix" 2 "attempt 0: classes [0-9], [0-9] and versions 7, [0-9] are not the population's" -- \
  "$natsim" merge "$tmp/mbad.json" "$tmp/ms1/results.json" --out "$tmp/mbad"

# --shard K/3 then natsim merge: the same as one run.
for k in 0 1 2; do
  expect "shard $k of 3 runs" 0 "" -- "$natsim" run $s "${small[@]}" --shard $k/3 --out "$tmp/s$k"
done
expect "a shard's results keep its parts" 0 '"count": 3' -- grep -A2 '"shard"' "$tmp/s1/results.json"
expect "merge" 0 "checks: [0-9]+ passed, 0 failed" -- "$natsim" merge "$tmp/s2/results.json" \
  "$tmp/s0/results.json" "$tmp/s1/results.json" --out "$tmp/m" --junit "$tmp/m.xml" --quiet
same_results "merged shards write what one run does" "$tmp/j1" "$tmp/m"
expect "merged shards: the same JUnit XML" 0 "" -- cmp "$tmp/j1.xml" "$tmp/m.xml"

# Shards that do not make one run.
m=(merge --out "$tmp/bad")
expect "a missing shard" 2 "shard 2 of 3 is missing" -- "$natsim" "${m[@]}" "$tmp/s0/results.json" "$tmp/s1/results.json"
expect "a shard twice" 2 "s0/results.json: shard 0 of 3 is also .*s0/results.json" -- "$natsim" "${m[@]}" "$tmp/s0/results.json" "$tmp/s0/results.json" "$tmp/s1/results.json" "$tmp/s2/results.json"
expect "not a shard" 2 "j1/results.json: not a shard's results" -- "$natsim" "${m[@]}" "$tmp/j1/results.json"
"$natsim" run $s "${small[@]}" --seed 2 --shard 1/3 --out "$tmp/seed2" >/dev/null 2>&1
expect "another seed" 2 "seed2/results.json: not the same seed as .*s0/results.json" -- "$natsim" "${m[@]}" "$tmp/s0/results.json" "$tmp/seed2/results.json" "$tmp/s2/results.json"
"$natsim" run $s --set pairs=25 --quiet --shard 1/3 --out "$tmp/p25" >/dev/null 2>&1
expect "other parameters" 2 "p25/results.json: not the same parameters as" -- "$natsim" "${m[@]}" "$tmp/s0/results.json" "$tmp/p25/results.json" "$tmp/s2/results.json"
"$natsim" run $s "${small[@]}" --shard 1/2 --out "$tmp/half" >/dev/null 2>&1
expect "another shard count" 2 "half/results.json: not the same shard count as" -- "$natsim" "${m[@]}" "$tmp/s0/results.json" "$tmp/half/results.json"
expect "no such file" 2 "nope.json" -- "$natsim" "${m[@]}" "$tmp/nope.json"
echo '{"schema": "natsim-run/1", "scenario": "x", "shard": {"index": 0, "count": 1}, "parts": [{"experiment": 0, "version": "v0.7", "part": {"pairs": 2}}]}' >"$tmp/broken.json"
expect "a broken part" 2 "broken.json: parts\[0\]: lo: expected a non-negative integer" -- "$natsim" "${m[@]}" "$tmp/broken.json"
cp $s "$tmp/changed.lua"
"$natsim" run "$tmp/changed.lua" "${small[@]}" --set versions=v0.7 --shard 0/1 --out "$tmp/ch" >/dev/null 2>&1
echo "-- a change" >>"$tmp/changed.lua"
expect "a script changed since its shards ran" 2 "changed.lua changed since the shards ran" -- "$natsim" "${m[@]}" "$tmp/ch/results.json"
expect "merge needs an output" 2 "needs the shards' results.json files" -- "$natsim" merge "$tmp/s0/results.json"

# --shard and --jobs themselves.
expect "--shard K >= N" 2 "option '--shard': expected K/N with 0 <= K < N" -- "$natsim" run $s --shard 3/3 --out "$tmp/x"
expect "--shard not K/N" 2 "got '1'" -- "$natsim" run $s --shard 1 --out "$tmp/x"
expect "--shard without --out" 2 "--shard needs --out DIR" -- "$natsim" run $s --shard 0/2
expect "a shard with no attempts" 2 "shard 5 of 30 has none of the 3 attempts: use at most 3 shards" -- "$natsim" run $s --set pairs=3 --quiet --shard 5/30 --out "$tmp/x"
"$natsim" run $s --set pairs=2 --quiet --jobs 3 --out "$tmp/more-jobs" >/dev/null 2>&1
"$natsim" run $s --set pairs=2 --quiet --jobs 1 --out "$tmp/one-job" >/dev/null 2>&1
same_results "more jobs than pairs" "$tmp/one-job" "$tmp/more-jobs"
expect "--jobs 0" 2 "option '--jobs'" -- "$natsim" run $s --jobs 0

echo "scale: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
