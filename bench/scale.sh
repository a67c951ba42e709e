#!/bin/bash
# bench/scale.sh: the roadmap's wall time with --jobs 1 and --jobs 2 side by
# side (default batches), and --jobs 2 with one simulation per worker
# (--batch 1000000, as before batches), the speed-up, and the issue-19 goal
# (<= 30 s for 3 versions x 1000 pairs with --jobs 2 on a 2-core machine).
# Also checks the three runs wrote the same results (events aside). Beside
# each wall time, the 1-minute load average when the run ended: on a shared
# machine, --jobs 2 gets two cores only when nothing else wants them.
# Prints figures; not a test.
# Exits 2 when a run fails with an error (natsim's exit status 2).
# bench/targets.sh reads the rows "2 WALL LOAD" and "results.json identical ...".
# usage: bench/scale.sh [NATSIM] [PAIRS] [VERSIONS]
#   NATSIM: the binary (default build/natsim); PAIRS: default 1000;
#   VERSIONS: comma-separated (default v0.7,v0.8,v0.9: the goal's three)
natsim=${1:-build/natsim}
pairs=${2:-1000}
versions=${3:-v0.7,v0.8,v0.9}
goal=30
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# wall JOBS [BATCH]: runs the roadmap (with --batch BATCH), prints its
# wall seconds and the load average when it ended; exits 2 when natsim
# fails with an error (a missed target, status 1, is a result, not an
# error).
wall() {
  local start end rc load tag=$1${2:+-b$2}
  start=$(date +%s.%N)
  "$natsim" run scenarios/roadmap.lua --set pairs="$pairs" --set versions="$versions" \
    --quiet --jobs "$1" ${2:+--batch "$2"} --out "$tmp/j$tag" >"$tmp/j$tag.txt" 2>&1
  rc=$?
  end=$(date +%s.%N)
  if [ "$rc" -gt 1 ]; then
    echo "scale.sh: natsim --jobs $1 ${2:+--batch $2 }failed (exit $rc):" >&2
    tail -5 "$tmp/j$tag.txt" >&2
    exit 2
  fi
  read -r load _ </proc/loadavg
  awk -v a="$start" -v b="$end" -v l="$load" 'BEGIN { printf "%.3f %s\n", b - a, l }'
}

r=$(wall 1) || exit 2
read -r w1 l1 <<<"$r"
r=$(wall 2) || exit 2
read -r w2 l2 <<<"$r"
r=$(wall 2 1000000) || exit 2
read -r w2one l2one <<<"$r"
same=no
if cmp -s <(grep -v events "$tmp/j1/results.json") <(grep -v events "$tmp/j2/results.json") &&
  cmp -s <(grep -v events "$tmp/j1/results.json") <(grep -v events "$tmp/j2-b1000000/results.json")
then
  same=yes
fi
printf 'roadmap, %s pairs, versions %s, %s cores\n' "$pairs" "$versions" "$(nproc)"
printf '%-10s %10s %6s\n' "jobs" "wall (s)" "load"
printf '%-10s %10.1f %6s\n' 1 "$w1" "$l1" 2 "$w2" "$l2"
printf '%-10s %10.1f %6s   (--batch 1000000: one simulation per worker)\n' 2 "$w2one" "$l2one"
awk -v a="$w1" -v b="$w2" 'BEGIN { printf "speed-up --jobs 2 / --jobs 1: %.2fx\n", a / b }'
note=""
[ "$pairs" = 1000 ] || note=", but this run has $pairs pairs"
awk -v w="$w2" -v g="$goal" -v n="$note" \
  'BEGIN { printf "goal: --jobs 2 <= %d s at 1000 pairs: %.1f s (%.2f of the goal)%s\n", g, w, w / g, n }'
printf 'results.json identical (events aside): %s\n' "$same"
