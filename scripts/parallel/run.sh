#!/bin/bash
# run.sh: runs a scenario as SHARDS shards on the hosts of an ssh login file
# with GNU parallel, then merges them here
# (docs/scale.md, "Many machines"). Shard K runs
# `natsim run SCENARIO --shard K/SHARDS --out OUTDIR/shard-K NATSIM_RUN_ARGS...`
# on some host, in this folder; then `natsim merge` writes OUTDIR/results.json,
# report.md, report.html and junit.xml as one `natsim run` would.
# Every host must have the natsim binary ($NATSIM, else natsim on PATH,
# else this checkout's build/natsim), this folder and the scenario (with its
# NAT models) at the same paths as here. OUTDIR is either shared too (the
# default) or, with --return, each shard's files are copied back from its
# host by parallel (rsync) and removed there.
# HOSTS: parallel's --sshloginfile: a line a host, ":" for this machine
# without ssh; a host runs a shard per CPU at once (a shard is one
# process), or N with "N/user@host".
# usage: run.sh [--return] HOSTS SCENARIO OUTDIR SHARDS [NATSIM_RUN_ARGS...]
#   NATSIM_RUN_ARGS: --seed N, --set K=V, --max-instructions N, --quiet
# exit status: natsim merge's (0, or 1 when a check fails); 2 for bad
# arguments or when a shard fails (no merge then).
set -u
here=$(cd "$(dirname "$0")" && pwd)
shards_me=run.sh
source "$here/../lib/shards.sh" || exit 2
shards_help "$0" "${1:-}"

back=0
if [ "${1:-}" = "--return" ]; then
  back=1
  shift
fi
if [ $# -lt 4 ]; then
  shards_fail "expected [--return] HOSTS SCENARIO OUTDIR SHARDS [NATSIM_RUN_ARGS...], got $# arguments"
fi
hosts=$1
scenario=$2
out=$3
n=$4
shift 4
[ -f "$hosts" ] && [ -r "$hosts" ] ||
  shards_fail "HOSTS: expected a readable ssh login file (a line a host), got '$hosts'"
grep -qv '^[[:space:]]*\(#\|$\)' "$hosts" ||
  shards_fail "HOSTS: expected at least one host in '$hosts', got none"
shards_scenario "$scenario"
shards_count "$n"
shards_run_args "$@"
shards_natsim
command -v parallel >/dev/null ||
  shards_fail "parallel: expected GNU parallel on PATH (Debian package parallel), got none"
shards_outdir "$out"
out=$(cd "$out" && pwd)
# --return: a shard's files come back to the same paths here and are
# removed there (parallel removes files, and then folders left empty).
transfer=()
if [ $back -eq 1 ]; then
  for f in results.json report.md report.html; do
    transfer+=(--return "$out/shard-{}/$f")
  done
  transfer+=(--cleanup)
fi

# The command a host runs, quoted once here; {} is the shard index. A
# shard's table (its share alone) is dropped; errors show, tagged.
cmd=$(printf '%q ' cd "$PWD")
cmd+="&& $(printf '%q ' "$natsim" run "$scenario" --shard "{}/$n" --out "$out/shard-{}" "$@")"
cmd="${cmd//'\{\}'/'{}'} >/dev/null"
if ! parallel --will-cite --sshloginfile "$hosts" --halt now,fail=1 \
  --tag --tagstring "shard {}" "${transfer[@]}" "$cmd" ::: $(seq 0 $((n - 1))); then
  shards_fail "a shard failed (its output is above): not merged"
fi
files=()
for ((k = 0; k < n; k++)); do
  files+=("$out/shard-$k/results.json")
done
exec "$natsim" merge "${files[@]}" --out "$out" --junit "$out/junit.xml"
