#!/bin/bash
# bench/targets.sh in its tiniest mode (issue 19): every target's row is
# printed with a measured number and a verdict, every figure of the runs
# is a number; wrong options are refused. Checks the printing, not the
# goals (this machine's figures are noise at 20 pairs).
# usage: targets_test.sh NATSIM SOURCE_DIR BARE_NS3
. "$2/tests/support/expect.sh"
expect_cli_setup "$1" "$2"
bare=$3
b=(bash bench/targets.sh --natsim "$natsim" --bare "$bare")

num='[0-9]+(\.[0-9]+)?'
bash bench/targets.sh --tiny --natsim "$natsim" --bare "$bare" >"$tmp/table" 2>"$tmp/err"
rc=$?
expect "targets.sh --tiny exits 0" 0 "" -- test "$rc" = 0
[ "$rc" = 0 ] || sed 's/^/  | /' "$tmp/err"

# row NAME REGEX: one line of the table matches REGEX, ending in a verdict.
row() {
  expect "$1" 0 "" -- grep -Eq -- "$2 +(pass|miss)\*?$" "$tmp/table"
}
row "roadmap --jobs 2 wall" "^roadmap 3 x 20 pairs, --jobs 2 +<= 30 s +$num s"
row "roadmap --jobs 2 = --jobs 1" "^roadmap --jobs 2 results = --jobs 1 +identical +(yes|no)"
row "us per event" "^us/event 40 vs 20 pairs \(v0\.9\) +<= 1\.2x +${num}x \($num -> $num us\)"
row "wall exponent" "^wall ~ N\^k, 20\.\.40 pairs +k <= 1\.05 +k = -?$num"
for v in v0.7 v0.8 v0.9; do
  row "us per message $v" "^us/message ${v//./\\.} vs bare, 40 pairs +<= 3x +${num}x \($num vs $num us\)"
  row "RSS per pair $v" "^peak RSS per pair ${v//./\\.}, 20\.\.40 +<= 200 KB +-?$num KB"
done
expect "the cost per event's exponent" 0 "" -- grep -Eq -- \
  "^\(us/event ~ N\^k, 20\.\.40\) +- +k = -?$num +-$" "$tmp/table"
expect "events per pair" 0 "" -- grep -Eq -- \
  "^\(events per pair, 20\.\.40\) +- +[-+]$num% \([0-9]+ -> [0-9]+\) +-$" "$tmp/table"
expect "bare ns-3's RSS per pair" 0 "" -- grep -Eq -- "^\(bare ns-3 RSS per pair, 20\.\.40\) +- +-?$num KB +-$" \
  "$tmp/table"
expect "spaced wider" 0 "" -- grep -Eq -- \
  "^\(40 pairs 1300 ms apart, vs 20\) +- +${num}x \($num -> $num us\) +-$" "$tmp/table"
expect "the probes' spread" 0 "" -- grep -Eq -- \
  "^\(probes, 10 pairs, all rounds\) +- +$num\.\.$num us/event \(\+[0-9]+%\) +-$" "$tmp/table"
# The figures behind the table: 2 scaling rows (pairs, events, wall, cpu,
# us/event by each, load, the probe's us/event), 8 per-version rows (and
# RSS, messages), all numbers.
expect "scaling rows are numbers" 0 "^2$" -- bash -c \
  "sed -n '/^scaling:/,/^\$/p' '$tmp/table' | grep -Ec '^ +(20|40) +[0-9]+( +$num){6}$'"
expect "per-version rows are numbers" 0 "^8$" -- bash -c \
  "grep -Ec '^(v0\.[789]|bare) +(20|40) +[0-9]+( +$num){2} +[0-9]+ +[1-9][0-9]*( +$num){3}$' '$tmp/table'"
# bare ns-3 delivers every message it sends.
expect "bare ns-3 delivers all" 0 "^pairs=3 messages=300 delivered=300 size=500 events=[0-9]+ wall_s=$num rss_kb=[0-9]+$" \
  -- "$bare" --pairs 3

# The arithmetic, on stand-ins for natsim and bare_ns3 with known figures:
# N pairs take 1000 N events and N / 100 s (10 us an event, wall ~ N^1),
# or N / 200 s with attempts spaced (--set spacing), but twice that in a
# slow spell of the machine: calls 1 to 11, that is --version, the
# warm-up, the scaling series' first round (a probe, then a run, at each
# of 100, 200 and 400 pairs, then 400 pairs spaced) and the second
# round's probe and run at 100 pairs. So the second round counts at 200
# and 400 pairs and spaced, and no round is fast at 100: k = 0.5, the
# probes 10 or 20 us an event, spaced 5. v0.8 verifies one attempt fewer;
# bare ns-3 takes N / 1000 s. Each call of the natsim stand-in adds a
# line to $CALLS.
cat >"$tmp/natsim" <<'FAKE'
#!/bin/bash
echo "$*" >>"$CALLS"
while [ $# -gt 0 ]; do
  case $1 in
    --set) case $2 in pairs=*) n=${2#pairs=} ;; versions=*) v=${2#versions=} ;; spacing=*) spaced=1 ;; esac ;;
    --out) out=$2 ;;
  esac
  shift
done
verified=$n
[ "$v" = v0.8 ] && verified=$((n - 1))
mkdir -p "$out"
printf '{\n  "config": {\n    "messages": 50,\n    "size": 500,\n    "over_s": 5,\n' >"$out/results.json"
printf '  "versions": [\n      "attempts": %d,\n      "data_verified": %d,\n' "$n" "$verified" \
  >>"$out/results.json"
per=100
[ -n "$spaced" ] && per=200
[ "$(wc -l <"$CALLS")" -le 11 ] && per=$((per / 2))
echo "natsim: 1.000 s virtual, $((1000 * n)) events, $(awk -v n="$n" -v p="$per" 'BEGIN { print n / p }') s wall" >&2
FAKE
cat >"$tmp/bare" <<'FAKE'
#!/bin/bash
n=$2
echo "pairs=$n messages=$((100 * n)) delivered=$((100 * n)) size=500 events=$((500 * n)) wall_s=$(awk -v n="$n" 'BEGIN { print n / 1000 }') rss_kb=1000"
FAKE
chmod +x "$tmp/natsim" "$tmp/bare"
export CALLS="$tmp/calls"
fake=(bash bench/targets.sh --natsim "$tmp/natsim" --bare "$tmp/bare" --sizes 100,200,400 --mem 20,40
  --pairs 20 --work "$tmp/work")
"${fake[@]}" >"$tmp/fake" 2>"$tmp/fake.err"
expect "stand-ins: us per event" 0 "" -- grep -Eq \
  '^us/event 400 vs 100 pairs \(v0\.9\) +<= 1\.2x +0\.50x \(20\.00 -> 10\.00 us\) +pass\*$' "$tmp/fake"
expect "stand-ins: exponent" 0 "" -- grep -Eq '^wall ~ N\^k, 100\.\.400 pairs +k <= 1\.05 +k = 0\.500 +pass\*$' \
  "$tmp/fake"
expect "stand-ins: exponent of the cost per event" 0 "" -- grep -Eq \
  '^\(us/event ~ N\^k, 100\.\.400\) +- +k = -0\.500 +-$' "$tmp/fake"
expect "stand-ins: the probes' spread" 0 "" -- grep -Eq \
  '^\(probes, 50 pairs, all rounds\) +- +10\.00\.\.20\.00 us/event \(\+100%\) +-$' "$tmp/fake"
expect "stand-ins: each size's probe" 0 "^3$" -- bash -c \
  "grep -Ec '^ +(100 +100000 +2\.0 .* 20\.00|200 +200000 +2\.0 .* 10\.00|400 +400000 +4\.0 .* 10\.00)$' '$tmp/fake'"
expect "stand-ins: spaced wider, against the first size" 0 "" -- grep -Eq \
  '^\(400 pairs 260 ms apart, vs 100\) +- +0\.25x \(20\.00 -> 5\.00 us\) +-$' "$tmp/fake"
expect "stand-ins: the spaced run's figures" 0 "" -- grep -Eq \
  '^ +400 +400000 +2\.0 +[0-9.]+ +5\.00 +[0-9.]+ +[0-9.]+ +-$' "$tmp/fake"
expect "stand-ins: events per pair" 0 "" -- grep -Eq \
  '^\(events per pair, 100\.\.400\) +- +\+0\.0% \(1000 -> 1000\) +-$' "$tmp/fake"
expect "stand-ins: per message" 0 "" -- grep -Eq \
  '^us/message v0\.7 vs bare, 40 pairs +<= 3x +10\.00x \(100\.0 vs 10\.0 us\) +miss$' "$tmp/fake"
expect "stand-ins: verified attempts' messages" 0 "" -- grep -Eq \
  '^us/message v0\.8 vs bare, 40 pairs +<= 3x +10\.26x \(102\.6 vs 10\.0 us\) +miss$' "$tmp/fake"
expect "stand-ins: the note" 0 "" -- grep -Fqx \
  'note: v0.8 at 40 pairs: 39 of 40 attempts verified; messages are theirs' "$tmp/fake"
expect "stand-ins: a note for each such run, none for others" 0 "^2$" -- grep -c '^note:' "$tmp/fake"
expect "stand-ins: bare's RSS per pair" 0 "" -- grep -Eq \
  '^\(bare ns-3 RSS per pair, 20\.\.40\) +- +-?[0-9]+\.[0-9] KB +-$' "$tmp/fake"

# --work: --version, the warm-up, 2 x (3 probes + 3 runs + 1 spaced) + 6
# runs and the roadmap's 3 the first time; then --version alone, and the
# same figures (the first line: the load). The 21 runs measured for
# scaling (the warm-up, two rounds with their probes and spaced runs) and
# memory are one simulation each, and so is the roadmap's third run
# (--jobs 2 --batch 1000000).
expect "stand-ins: 25 calls" 0 "^25 " -- wc -l "$CALLS"
expect "stand-ins: 22 runs of one simulation" 0 "^22$" -- grep -c -- "--batch 1000000" "$CALLS"
expect "stand-ins: the series' rounds" 0 "^2$" -- bash -c "grep -v spacing '$CALLS' | grep -c 'pairs=400 '"
expect "stand-ins: spaced, once a round" 0 "^2$" -- grep -c -- "pairs=400 .*--set spacing=260ms " "$CALLS"
expect "stand-ins: a warm-up, then a probe before each run" 0 "^7$" -- grep -c -- "pairs=50 " "$CALLS"
expect "stand-ins: the warm-up first" 0 "pairs=50 " -- sed -n 2p "$CALLS"
"${fake[@]}" >"$tmp/fake2" 2>/dev/null
expect "--work: no run again" 0 "^26 " -- wc -l "$CALLS"
expect "--work: the same figures" 0 "" -- cmp <(sed 1d "$tmp/fake") <(sed 1d "$tmp/fake2")

# Refusals: exit 2, saying what was wrong.
expect "bare: bad pairs" 2 "--pairs: expected a whole number from 1 to 1000000, got '0'" -- \
  "$bare" --pairs 0
expect "bare: pairs required" 2 "--pairs is required" -- "$bare" --size 100
expect "bare: bad size" 2 "--size: expected a whole number from 1 to 1400, got '2k'" -- \
  "$bare" --pairs 2 --size 2k
expect "one size" 2 "--sizes: expected at least two whole numbers >= 1, ascending" -- \
  "${b[@]}" --sizes 250
expect "sizes not ascending" 2 "--sizes: .* got '500,250'" -- "${b[@]}" --sizes 500,250
expect "three memory sizes" 2 "--mem: expected two sizes A,B; got '1,2,3'" -- "${b[@]}" --mem 1,2,3
expect "bad pairs" 2 "--pairs: expected a whole number >= 1, got 'x'" -- "${b[@]}" --pairs x
expect "bad probe" 2 "--probe: expected a whole number >= 1, got '0'" -- "${b[@]}" --probe 0
expect "--help" 0 "^usage: bench/targets.sh \[--quick \| --tiny\]" -- "${b[@]}" --help
expect "unknown option" 2 "unknown option '--fast'" -- "${b[@]}" --fast
expect "no value" 2 "--sizes needs a value" -- "${b[@]}" --sizes
expect "no bare binary" 2 "--bare: '$tmp/none' is not an executable" -- \
  bash bench/targets.sh --natsim "$natsim" --bare "$tmp/none"

echo "targets: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
