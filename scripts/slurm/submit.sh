#!/bin/bash
# submit.sh: runs a scenario as SHARDS shards on a Slurm cluster, then merges
# them (docs/scale.md, "Many machines"). Submits natsim.sbatch as a job array
# of SHARDS tasks, each writing OUTDIR/shard-K, and merge.sbatch after them
# all (afterok; cancelled if a shard fails), which writes OUTDIR/results.json,
# report.md, report.html and junit.xml as one `natsim run` would. Slurm's
# output goes to OUTDIR/log/. Prints the two job ids.
# Every node must see the natsim binary ($NATSIM, else natsim on PATH, else
# this checkout's build/natsim), the scenario (with its NAT models) and
# OUTDIR at the same paths as here, and the jobs run in this folder: a
# shared file system. Slurm's SBATCH_* variables (SBATCH_PARTITION,
# SBATCH_TIMELIMIT, ...) reach both submissions.
# usage: submit.sh SCENARIO OUTDIR SHARDS [NATSIM_RUN_ARGS...]
#   NATSIM_RUN_ARGS: --seed N, --set K=V, --max-instructions N, --quiet
# exit status: 0 when both are submitted, 2 for bad arguments or when
# sbatch refuses.
set -u
here=$(cd "$(dirname "$0")" && pwd)
shards_me=submit.sh
source "$here/../lib/shards.sh" || exit 2
shards_help "$0" "${1:-}"

if [ $# -lt 3 ]; then
  shards_fail "expected SCENARIO OUTDIR SHARDS [NATSIM_RUN_ARGS...], got $# arguments"
fi
scenario=$1
out=$2
n=$3
shift 3
shards_scenario "$scenario"
shards_count "$n"
shards_run_args "$@"
shards_natsim
command -v sbatch >/dev/null ||
  shards_fail "sbatch: expected Slurm's client on PATH (Debian package slurm-client), got none"
# Task ids go up to MaxArraySize - 1 (Slurm's default: 1001, ids 0-1000).
max=$(scontrol show config 2>/dev/null | awk '$1 == "MaxArraySize" { print $3 }')
if [[ $max =~ ^[0-9]+$ ]] && [ "$n" -gt "$max" ]; then
  why="this cluster's MaxArraySize (task ids 0 to $((max - 1)))"
  shards_fail "SHARDS: expected at most $max, $why, got $n; raise MaxArraySize or run fewer shards"
fi
shards_outdir "$out/log"

array=$(sbatch --parsable --array=0-$((n - 1)) --output="$out/log/shard-%a.out" \
  "$here/natsim.sbatch" "$natsim" "$out" "$scenario" "$@") ||
  shards_fail "sbatch refused the shards' job array (its message is above)"
array=${array%%;*}
merge=$(sbatch --parsable --dependency=afterok:"$array" --kill-on-invalid-dep=yes \
  --output="$out/log/merge.out" "$here/merge.sbatch" "$natsim" "$out" "$n") ||
  shards_fail "sbatch refused the merge job (its message is above; cancel job $array)"
merge=${merge%%;*}
echo "shards: job $array ($n tasks)"
echo "merge: job $merge -> $out/results.json"
