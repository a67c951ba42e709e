#!/bin/bash
# bench/targets.sh: every scale target of issue 19 beside its goal, measured
# in one run (docs/scale.md, "Measuring"):
#   - the roadmap (3 versions x 1000 pairs) with --jobs 2 in <= 30 s, its
#     results the same as --jobs 1's (bench/scale.sh runs both);
#   - us per ns-3 event at 4000 pairs <= 1.2x that at 250, and wall ~ N^k
#     with k <= 1.05 from 250 to 8000 pairs (least squares on log-log;
#     each size's fastest of --rounds runs);
#   - natsim's wall per application message <= 3x plain ns-3's in the same
#     topology (bench/bare_ns3), per version;
#   - peak RSS per pair <= 200 KB, per version, from runs at two sizes.
# Before each run of the scaling series a probe (the same version at
# --probe pairs, small enough to live in the caches) measures how fast the
# machine is at that moment: shared machines slow down in spells, which
# bend k. The probes' spread is printed without a goal beside k. A small
# spread does not prove a quiet machine: other machines sharing the last
# cache level slow large runs and not the probe.
# Each round also runs the ratio's larger size (4000) with attempts spaced
# wider, so that no more are at work at once than in the first size's run
# (250): an attempt of the roadmap lasts 26 s, so 26 s / 250 = 104 ms
# apart. Its us per event against the first size's, printed without a
# goal, tells a cost that grows with the pairs in the run (an O(N) or
# O(log N) path) from one that grows with the pairs at work at once (the
# memory they touch outgrowing the caches).
# Prints the figures, then one table: target, goal, measured, pass/miss
# ("*": not at the goal's sizes, so indicative only). Not a test: exits 0
# whatever the figures; 2 when an option is wrong or a run fails.
#
# usage: bench/targets.sh [--quick | --tiny] [--natsim BIN] [--bare BIN]
#          [--sizes N,N,...] [--rounds R] [--mem A,B] [--pairs N]
#          [--scale-version V] [--probe N] [--work DIR]
#   default: sizes 250,500,1000,2000,4000,8000 in 2 rounds; memory at
#            500,2000; the roadmap at 1000 pairs (13 to 26 minutes here)
#   --quick: sizes 250,500,1000 in 1 round; memory at 250,1000; the roadmap at 250
#   --tiny:  sizes 20,40 in 1 round; memory at 20,40; the roadmap at 20;
#            probes of 10 pairs (the smoke test)
#   --natsim, --bare: the binaries (default build/natsim, build/bare_ns3)
#   --sizes: the scaling series, at least two sizes, ascending
#   --rounds: run the series R times over (1 to 9), each size's fastest
#           run counting: other work on a shared machine only adds time
#   --mem:   the two sizes of the memory and per-message figures, A < B
#   --pairs: the roadmap's pairs for the --jobs figures
#   --scale-version: the version the scaling series runs (default v0.9)
#   --probe: the pairs of the probe run before each run of the series
#           (default 50)
#   --work: keep every run's files in DIR and reuse the figures already
#           there (a run cut short goes on where it stopped; empty DIR
#           when the binaries change); default: a temporary folder
cd "$(dirname "$0")/.." || exit 2
natsim=build/natsim
bare=build/bare_ns3
sizes=250,500,1000,2000,4000,8000
rounds=2
mem=500,2000
pairs=1000
scale_version=v0.9
probe=50
work=
versions=(v0.7 v0.8 v0.9)
goal_wall=30
goal_event=1.2
goal_exp=1.05
goal_msg=3
goal_kb=200
attempt_s=26 # one roadmap attempt: 1 s to register, 20 s settle, 5 s of messages

# The usage lines of this file's header.
usage() {
  sed -n 's/^# \{0,1\}//;/^usage:/,/binaries change/p' "$0"
}

die() {
  echo "targets.sh: $*" >&2
  exit 2
}

# A comma-separated list of whole numbers >= 1, ascending, at least two.
check_sizes() {
  local what=$1 list=$2
  awk -v l="$list" 'BEGIN {
    n = split(l, a, ",")
    if (n < 2) exit 1
    for (i = 1; i <= n; i++) {
      if (a[i] !~ /^[1-9][0-9]*$/) exit 1
      if (i > 1 && a[i] + 0 <= a[i - 1] + 0) exit 1
    }
  }' || die "$what: expected at least two whole numbers >= 1, ascending, comma-separated; got '$list'"
}

while [ $# -gt 0 ]; do
  case $1 in
    --quick) sizes=250,500,1000 rounds=1 mem=250,1000 pairs=250 ;;
    --tiny) sizes=20,40 rounds=1 mem=20,40 pairs=20 probe=10 ;;
    --natsim | --bare | --sizes | --rounds | --mem | --pairs | --scale-version | --probe | --work)
      [ $# -ge 2 ] || die "$1 needs a value"
      case $1 in
        --natsim) natsim=$2 ;;
        --bare) bare=$2 ;;
        --sizes) sizes=$2 ;;
        --rounds) rounds=$2 ;;
        --mem) mem=$2 ;;
        --pairs) pairs=$2 ;;
        --scale-version) scale_version=$2 ;;
        --probe) probe=$2 ;;
        --work) work=$2 ;;
      esac
      shift ;;
    -h | --help)
      usage
      exit 0 ;;
    *) die "unknown option '$1' (bench/targets.sh --help lists them)" ;;
  esac
  shift
done
check_sizes --sizes "$sizes"
check_sizes --mem "$mem"
[ "$(awk -F, '{ print NF }' <<<"$mem")" = 2 ] || die "--mem: expected two sizes A,B; got '$mem'"
[[ $rounds =~ ^[1-9]$ ]] || die "--rounds: expected a whole number from 1 to 9, got '$rounds'"
[[ $pairs =~ ^[1-9][0-9]*$ ]] || die "--pairs: expected a whole number >= 1, got '$pairs'"
[[ $probe =~ ^[1-9][0-9]*$ ]] || die "--probe: expected a whole number >= 1, got '$probe'"
[ -x "$natsim" ] || die "--natsim: '$natsim' is not an executable (build it first)"
[ -x "$bare" ] || die "--bare: '$bare' is not an executable (cmake --build build --target bare_ns3)"
[ -x /usr/bin/time ] || die "/usr/bin/time is missing (Debian package time): it measures peak RSS"
mem_a=${mem%,*}
mem_b=${mem#*,}
if [ -n "$work" ]; then
  mkdir -p "$work" || die "--work: cannot make '$work'"
  tmp=$work
else
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
fi

# --- runs ---------------------------------------------------------------------

# A run's figures (a .fig file) are one line:
#   events wall_s rss_kb messages cpu_s load attempts verified
# cpu_s: user + system seconds; load: the 1-minute load average at its end
# (on a loaded machine wall outgrows CPU time); bare ns-3's attempts and
# verified are its messages.

# timed BASE COMMAND...: runs COMMAND, its output into BASE.txt, its peak
# RSS (KB) and CPU seconds into BASE.use as "rss_kb cpu_s load"; returns
# its exit status.
timed() {
  local base=$1 rc
  shift
  /usr/bin/time -o "$base.time" -f '%M %U %S' "$@" >"$base.txt" 2>&1
  rc=$?
  tail -1 "$base.time" | awk -v l="$(cut -d' ' -f1 /proc/loadavg)" '{ print $1, $2 + $3, l }' \
    >"$base.use"
  return $rc
}

# run_natsim VERSION PAIRS [ROUND]: the roadmap scenario for one version,
# --jobs 1, as one simulation (--batch past the pairs: how one simulation
# scales, not how batches hide it), once (later calls reuse it), into
# $tmp/VERSION-PAIRS.fig (round 1) or $tmp/VERSION-PAIRS-rROUND.fig.
run_natsim() {
  local base="$tmp/$1-$2"
  [ "${3:-1}" -gt 1 ] && base="$base-r$3"
  [ -s "$base.fig" ] && return 0
  echo "targets.sh: natsim $1, $2 pairs${3:+, round $3}" >&2
  run_one "$base" "$1" "$2"
}

# run_spaced ROUND: the ratio's larger size with attempts spaced_ms apart,
# once per round, into $tmp/spaced-PAIRS-rROUND.fig.
run_spaced() {
  local base
  base=$(spaced_round_fig "$(ratio_hi)" "$1")
  base=${base%.fig}
  [ -s "$base.fig" ] && return 0
  echo "targets.sh: natsim $scale_version, $(ratio_hi) pairs $(spaced_ms) ms apart, round $1" >&2
  run_one "$base" "$scale_version" "$(ratio_hi)" "$(spaced_ms)"
}

# spaced_ms: how far apart attempts start for no more to be at work at
# once than in the first size's run: attempt_s / first pairs, in whole ms.
spaced_ms() {
  echo $((attempt_s * 1000 / ${sizes%%,*}))
}

# ratio_lo, ratio_hi: the sizes of the us-per-event ratio: 250 and 4000
# when the series has them, else its first and last.
ratio_lo() {
  if [[ ,$sizes, == *,250,* ]]; then echo 250; else echo "${sizes%%,*}"; fi
}
ratio_hi() {
  if [[ ,$sizes, == *,4000,* ]]; then echo 4000; else echo "${sizes##*,}"; fi
}

# run_probe PAIRS ROUND: the probe run just before the scaling series' run
# at PAIRS in ROUND, into $tmp/probe-PAIRS-rROUND.fig. Skipped when that
# run is done already (--work): a probe counts only right before its run.
run_probe() {
  local base="$tmp/probe-$1-r$2"
  [ -s "$base.fig" ] || [ -s "$(round_fig "$1" "$2")" ] && return 0
  echo "targets.sh: probe, $probe pairs, before $1 pairs, round $2" >&2
  run_one "$base" "$scale_version" "$probe"
}

# warm_up: one probe, not counted, before the first: the first run of a
# benchmark here took twice the usual probe's time, whatever the cause
# (the files' cache, the CPU's clock, the host's scheduler), and no probe
# should measure that.
warm_up() {
  [ -s "$tmp/warm-up.fig" ] && return 0
  echo "targets.sh: warm-up, $probe pairs" >&2
  run_one "$tmp/warm-up" "$scale_version" "$probe"
}

# run_one BASE VERSION PAIRS [SPACING_MS]: one run of the roadmap (its
# attempts SPACING_MS apart; default: the roadmap's), its figures in BASE.fig.
run_one() {
  local base=$1 v=$2 n=$3 rc spacing=()
  [ -n "${4:-}" ] && spacing=(--set spacing="$4ms")
  timed "$base" "$natsim" run scenarios/roadmap.lua --set pairs="$n" --set versions="$v" \
    "${spacing[@]}" --quiet --jobs 1 --batch 1000000 --out "$base"
  rc=$?
  if [ "$rc" -gt 1 ]; then
    tail -5 "$base.txt" >&2
    die "natsim $v at $n pairs failed (exit $rc)"
  fi
  local ev
  ev=$(sed -n 's/^natsim: .* s virtual, \([0-9]*\) events, \([0-9.]*\) s wall.*/\1 \2/p' "$base.txt")
  [ -n "$ev" ] || die "natsim $v at $n pairs printed no events and wall"
  local m rss cpu load msgs att ver
  m=$(messages "$base/results.json") || exit 2
  read -r rss cpu load <"$base.use"
  read -r msgs att ver <<<"$m"
  echo "$ev $rss $msgs $cpu $load $att $ver" >"$base.fig"
}

# messages RESULTS: "messages attempts verified" of a one-version run. Each
# verified attempt delivered every message of the workload, once, both
# ways: messages = 2 x workload messages x verified (a failed attempt's
# messages are not counted; with every attempt verified, this is all).
messages() {
  local per att ver
  per=$(json_int "$1" messages)
  att=$(json_int "$1" attempts)
  ver=$(json_int "$1" data_verified)
  [ -n "$per" ] && [ -n "$att" ] && [ -n "$ver" ] || die "$1: no workload messages, attempts or data_verified"
  echo "$((2 * per * ver)) $att $ver"
}

# json_int FILE KEY: the first whole number written for KEY (results.json
# has one key a line; in a one-version run the first is the config's or
# the version's).
json_int() {
  sed -n "s/^ *\"$2\": \([0-9]*\),\{0,1\}$/\1/p" "$1" | head -1
}

# run_bare PAIRS: bench/bare_ns3 with the workload of the scaling series'
# first run (the roadmap's), once, into $tmp/bare-PAIRS.fig (messages:
# those delivered).
run_bare() {
  local n=$1 base="$tmp/bare-$1" res="$tmp/$scale_version-${sizes%%,*}/results.json"
  [ -s "$base.fig" ] && return 0
  echo "targets.sh: bare ns-3, $n pairs" >&2
  timed "$base" "$bare" --pairs "$n" --messages "$(json_int "$res" messages)" \
    --size "$(json_int "$res" size)" --over-ms "$(($(json_int "$res" over_s) * 1000))"
  if [ $? -ne 0 ]; then
    cat "$base.txt" >&2
    die "bare_ns3 at $n pairs failed"
  fi
  local rss cpu load
  read -r rss cpu load <"$base.use"
  awk -v r="$rss" -v c="$cpu" -v l="$load" '{
      for (i = 1; i <= NF; i++) {
        split($i, kv, "=")
        f[kv[1]] = kv[2]
      }
    }
    END { print f["events"], f["wall_s"], r, f["delivered"], c, l, f["delivered"], f["delivered"] }' \
    "$base.txt" >"$base.fig"
}

# fig FILE FIELD: field FIELD (from 1) of a .fig file.
fig() {
  awk -v k="$2" '{ print $k }' "$1"
}

# --- figures ------------------------------------------------------------------

# The scaling series: events, wall and us per event at each size, from
# each size's fastest round. Rounds run the whole series over, so a spell
# of load elsewhere on the machine falls on one run of a size, not all.
scaling() {
  local n r
  warm_up
  for r in $(seq 1 "$rounds"); do
    for n in ${sizes//,/ }; do
      run_probe "$n" "$r"
      run_natsim "$scale_version" "$n" "$r"
    done
    run_spaced "$r"
  done
  printf '\nscaling: %s, --jobs 1, each size the fastest of %d round(s); probe: us/event\n' \
    "$scale_version" "$rounds"
  printf '         of %d pairs just before it (-: none)\n' "$probe"
  printf '%8s %12s %10s %10s %10s %10s %6s %7s\n' pairs events "wall (s)" "cpu (s)" "us/event" \
    "cpu us/ev" load probe
  for n in ${sizes//,/ }; do
    awk -v n="$n" -v p="$(probe_us "$n")" '{ printf "%8d %12d %10.1f %10.1f %10.2f %10.2f %6.1f %7s\n",
      n, $1, $2, $5, $2 * 1e6 / $1, $5 * 1e6 / $1, $6, p }' "$(series_fig "$n")"
  done
  printf 'and %d pairs %d ms apart (no more at once than %d), the fastest of %d round(s):\n' \
    "$(ratio_hi)" "$(spaced_ms)" "${sizes%%,*}" "$rounds"
  awk -v n="$(ratio_hi)" '{ printf "%8d %12d %10.1f %10.1f %10.2f %10.2f %6.1f %7s\n",
    n, $1, $2, $5, $2 * 1e6 / $1, $5 * 1e6 / $1, $6, "-" }' "$(spaced_fig)"
}

# spaced_fig: the .fig of the spaced run's fastest round.
spaced_fig() {
  spaced_round_fig "$(ratio_hi)" "$(fastest_round spaced_round_fig "$(ratio_hi)")"
}

# spaced_round_fig N R: the .fig of the spaced run at N pairs in round R.
spaced_round_fig() {
  echo "$tmp/spaced-$1-r$2.fig"
}

# probe_us N: us per event of the probe before size N's counted run, or -.
probe_us() {
  local f
  f="$tmp/probe-$1-r$(series_round "$1").fig"
  if [ -s "$f" ]; then
    awk '{ printf "%.2f", $2 * 1e6 / $1 }' "$f"
  else
    echo -
  fi
}

# The probes' us per event, lowest and highest, and the spread between.
probe_spread() {
  local f
  for f in "$tmp"/probe-*.fig; do
    [ -s "$f" ] && awk '{ printf "%.4f\n", $2 * 1e6 / $1 }' "$f"
  done | sort -g | awk 'NR == 1 { lo = $1 } { hi = $1 } END {
      if (NR == 0) print "no probes (runs from an earlier --work)"
      else printf "%.2f..%.2f us/event (+%.0f%%)", lo, hi, (hi / lo - 1) * 100
    }'
}

# series_round N: the round of size N's fastest run in the scaling series.
series_round() {
  fastest_round round_fig "$1"
}

# fastest_round FIG_OF N: the round R (1 to --rounds) whose run, the .fig
# "FIG_OF N R" names, took the least wall.
fastest_round() {
  local r best=1
  for r in $(seq 2 "$rounds"); do
    if awk -v a="$(fig "$("$1" "$2" "$r")" 2)" -v b="$(fig "$("$1" "$2" "$best")" 2)" \
      'BEGIN { exit !(a < b) }'; then
      best=$r
    fi
  done
  echo "$best"
}

# round_fig N R: the .fig of size N's run in round R of the scaling series.
round_fig() {
  if [ "$2" -gt 1 ]; then
    echo "$tmp/$scale_version-$1-r$2.fig"
  else
    echo "$tmp/$scale_version-$1.fig"
  fi
}

# series_fig N: the .fig of size N's fastest round in the scaling series.
series_fig() {
  round_fig "$1" "$(series_round "$1")"
}

# us per event at size N of the scaling series.
us_per_event() {
  awk '{ printf "%.4f", $2 * 1e6 / $1 }' "$(series_fig "$1")"
}

# The exponent k of wall ~ N^k: least squares on (ln N, ln wall); with
# "per-event", of us/event ~ N^k instead.
exponent() {
  local n
  for n in ${sizes//,/ }; do
    if [ "${1:-}" = per-event ]; then
      echo "$n $(us_per_event "$n")"
    else
      echo "$n $(fig "$(series_fig "$n")" 2)"
    fi
  done | awk '{
      x = log($1)
      y = log($2)
      sx += x
      sy += y
      sxx += x * x
      sxy += x * y
      m++
    }
    END { printf "%.3f", (m * sxy - sx * sy) / (m * sxx - sx * sx) }'
}

# Memory and cost per message of every version at both --mem sizes.
per_version() {
  local v
  run_bare "$mem_a"
  run_bare "$mem_b"
  printf '\nper version, --jobs 1, at %s and %s pairs (natsim; bare ns-3 last)\n' "$mem_a" "$mem_b"
  printf '%-8s %6s %11s %9s %9s %9s %9s %9s %9s %5s\n' version pairs events "wall (s)" \
    "cpu (s)" "RSS (KB)" messages "us/msg" "cpu us/m" load
  for v in "${versions[@]}" bare; do
    for n in $mem_a $mem_b; do
      [ "$v" = bare ] || run_natsim "$v" "$n"
      awk -v v="$v" -v n="$n" '{ printf "%-8s %6d %11d %9.1f %9.1f %9d %9d %9.1f %9.1f %5.1f\n",
        v, n, $1, $2, $5, $3, $4, $2 * 1e6 / $4, $5 * 1e6 / $4, $6 }' "$(fig_file "$v" "$n")"
    done
  done
  unverified
}

# A note for each natsim run of the table whose attempts were not all
# verified: its messages count the verified attempts' alone.
unverified() {
  local v n
  for v in "${versions[@]}"; do
    for n in $mem_a $mem_b; do
      awk -v v="$v" -v n="$n" '$8 < $7 {
        printf "note: %s at %d pairs: %d of %d attempts verified; messages are theirs\n", v, n, $8, $7
      }' "$(fig_file "$v" "$n")"
    done
  done
}

# The .fig file of version V (or "bare") at N pairs.
fig_file() {
  if [ "$1" = bare ]; then
    echo "$tmp/bare-$2.fig"
  else
    echo "$tmp/$1-$2.fig"
  fi
}

# KB per pair of V: the peak RSS's growth from --mem A to B over B - A.
kb_per_pair() {
  awk -v a="$(fig "$(fig_file "$1" "$mem_a")" 3)" -v b="$(fig "$(fig_file "$1" "$mem_b")" 3)" \
    -v d="$((mem_b - mem_a))" 'BEGIN { printf "%.1f", (b - a) / d }'
}

# us per message of V at --mem B.
us_per_msg() {
  awk '{ printf "%.4f", $2 * 1e6 / $4 }' "$(fig_file "$1" "$mem_b")"
}

# --- the table ----------------------------------------------------------------

# verdict OK EXACT: pass or miss, starred when not at the goal's sizes.
verdict() {
  local v=miss
  [ "$1" = 1 ] && v=pass
  [ "$2" = 1 ] || v="$v*"
  echo "$v"
}

# row TARGET GOAL MEASURED OK EXACT
row() {
  printf '%-36s %-12s %-34s %s\n' "$1" "$2" "$3" "$(verdict "$4" "$5")"
}

# le X Y: 1 when X <= Y, else 0.
le() {
  awk -v x="$1" -v y="$2" 'BEGIN { print (x <= y) ? 1 : 0 }'
}

# The roadmap with --jobs 1 and 2: bench/scale.sh, its figures kept in
# $tmp/scale-PAIRS.txt (and reused).
roadmap() {
  local out="$tmp/scale-$pairs.txt"
  if [ ! -s "$out" ]; then
    echo "targets.sh: roadmap, $pairs pairs, --jobs 1 and 2 (bench/scale.sh)" >&2
    bash bench/scale.sh "$natsim" "$pairs" v0.7,v0.8,v0.9 >"$out.part" || die "bench/scale.sh failed"
    mv "$out.part" "$out"
  fi
  printf '\n'
  cat "$out"
}

roadmap_rows() {
  local w2 same exact=0
  w2=$(awk '$1 == 2 && NF == 3 { print $2 }' "$tmp/scale-$pairs.txt")
  same=$(sed -n 's/^results.json identical (events aside): //p' "$tmp/scale-$pairs.txt")
  [ -n "$w2" ] && [ -n "$same" ] || die "bench/scale.sh printed no --jobs 2 wall or identity"
  [ "$pairs" = 1000 ] && exact=1
  row "roadmap 3 x $pairs pairs, --jobs 2" "<= $goal_wall s" "$w2 s" "$(le "$w2" "$goal_wall")" $exact
  row "roadmap --jobs 2 results = --jobs 1" "identical" "$same" "$([ "$same" = yes ] && echo 1)" 1
}

scaling_rows() {
  local first=${sizes%%,*} last=${sizes##*,} lo hi u_lo u_hi ratio k exact=0
  lo=$(ratio_lo)
  hi=$(ratio_hi)
  [ "$lo" = 250 ] && [ "$hi" = 4000 ] && exact=1
  u_lo=$(us_per_event "$lo")
  u_hi=$(us_per_event "$hi")
  ratio=$(awk -v a="$u_lo" -v b="$u_hi" 'BEGIN { printf "%.2f", b / a }')
  row "us/event $hi vs $lo pairs ($scale_version)" "<= ${goal_event}x" \
    "${ratio}x ($(printf '%.2f -> %.2f us' "$u_lo" "$u_hi"))" "$(le "$ratio" "$goal_event")" $exact
  k=$(exponent)
  exact=0
  [ "$first" = 250 ] && [ "$last" = 8000 ] && exact=1
  row "wall ~ N^k, $first..$last pairs" "k <= $goal_exp" "k = $k" "$(le "$k" "$goal_exp")" $exact
  # What k is made of: the cost of an event, and the events of a pair
  # (the workload: larger populations draw a slightly different NAT mix).
  printf '%-36s %-12s %-34s %s\n' "(us/event ~ N^k, $first..$last)" "-" \
    "k = $(exponent per-event)" "-"
  printf '%-36s %-12s %-34s %s\n' "(events per pair, $first..$last)" "-" \
    "$(events_growth "$first" "$last")" "-"
  # The same ratio with no more pairs at work at once than at the first size.
  printf '%-36s %-12s %-34s %s\n' "($hi pairs $(spaced_ms) ms apart, vs $first)" "-" \
    "$(awk -v a="$(us_per_event "$first")" '{ printf "%.2fx (%.2f -> %.2f us)", $2 * 1e6 / $1 / a, a,
      $2 * 1e6 / $1 }' "$(spaced_fig)")" "-"
  # How the machine's own speed moved during the series.
  printf '%-36s %-12s %-34s %s\n' "(probes, $probe pairs, all rounds)" "-" "$(probe_spread)" "-"
}

# events_growth A B: how the events per pair change from A to B pairs.
events_growth() {
  awk -v a="$(fig "$(series_fig "$1")" 1)" -v b="$(fig "$(series_fig "$2")" 1)" \
    -v na="$1" -v nb="$2" 'BEGIN {
      printf "%+.1f%% (%.0f -> %.0f)", (b / nb) / (a / na) * 100 - 100, a / na, b / nb
    }'
}

version_rows() {
  local v bare_us nat_us ratio kb
  bare_us=$(us_per_msg bare)
  for v in "${versions[@]}"; do
    nat_us=$(us_per_msg "$v")
    ratio=$(awk -v a="$nat_us" -v b="$bare_us" 'BEGIN { printf "%.2f", a / b }')
    row "us/message $v vs bare, $mem_b pairs" "<= ${goal_msg}x" \
      "${ratio}x ($(printf '%.1f vs %.1f us' "$nat_us" "$bare_us"))" "$(le "$ratio" "$goal_msg")" 1
  done
  for v in "${versions[@]}"; do
    kb=$(kb_per_pair "$v")
    row "peak RSS per pair $v, $mem_a..$mem_b" "<= $goal_kb KB" "$kb KB" "$(le "$kb" "$goal_kb")" 1
  done
  printf '%-36s %-12s %-34s %s\n' "(bare ns-3 RSS per pair, $mem_a..$mem_b)" "-" \
    "$(kb_per_pair bare) KB" "-"
}

date -u '+targets.sh: %Y-%m-%d %H:%M UTC' >&2
printf '%s, %s cores, load %s\n' "$("$natsim" --version 2>&1 | head -1)" "$(nproc)" \
  "$(cut -d' ' -f1-3 /proc/loadavg)"
scaling
per_version
roadmap
printf '\n%-36s %-12s %-34s %s\n' target goal measured pass/miss
roadmap_rows
scaling_rows
version_rows
printf '* not at the goal'"'"'s sizes: indicative only\n'
