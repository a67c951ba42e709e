#!/usr/bin/env bash
# Many machines with Slurm (issue 19, docs/scale.md): a single-node Slurm
# started here on localhost (munged, slurmctld and slurmd, their key,
# sockets, state, logs and slurm.conf in a temporary folder, on free
# ports) runs scripts/slurm/submit.sh: 3 shards as a job array, then the
# merge job, write what one `natsim run` writes (events aside); a shard
# that fails cancels the merge job instead of leaving it pending; when
# sbatch refuses (an unknown SBATCH_PARTITION) submit.sh exits 2;
# natsim.sbatch refuses task ids other than 0 to N-1. Every daemon and job
# is gone afterwards, on every exit path.
# Skipped (77) with the reason and the daemons' logs when Slurm cannot
# start here (not root, slurm-wlm or munge missing: scripts/setup.sh --test).
# usage: slurm_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/recipes.sh" "$@"
d=$tmp/slurm
pids=()
names=()

# skip WHY: exit 77 with the reason and the tails of the daemons' output
# (in the foreground they print what they log, and errors before a log).
skip() {
  echo "slurm: skipped: $1"
  local f
  for f in "$d"/log/*.out; do
    [ -s "$f" ] || continue
    echo "--- $f"
    tail -n 15 "$f"
  done
  exit 77
}

# ours: the processes that carry this test's SLURM_CONF (the daemons, job
# steps and jobs they started), one pid a line; the search itself does not.
ours() {
  env -u SLURM_CONF grep -lsx --null-data "SLURM_CONF=$d/slurm.conf" /proc/[0-9]*/environ |
    env -u SLURM_CONF sed -n 's,^/proc/\([0-9]*\)/environ$,\1,p'
}

# stop: cancels this cluster's jobs, stops the daemons, then whatever of
# ours is left; waits for them all.
stop() {
  local i p
  if [ ${#pids[@]} -gt 0 ] && [ -s "$d/slurm.conf" ]; then
    timeout 10 scancel --full --quiet --user=root >/dev/null 2>&1
    for i in $(seq 20); do
      [ -z "$(timeout 5 squeue -h 2>/dev/null)" ] && break
      sleep 0.5
    done
  fi
  for p in "${pids[@]}"; do
    kill "$p" 2>/dev/null
  done
  for p in "${pids[@]}"; do
    wait "$p" 2>/dev/null
  done
  pids=()
names=()
  for p in $(ours); do
    kill -9 "$p" 2>/dev/null
  done
}
trap 'stop; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM

[ "$(id -u)" -eq 0 ] || skip "a Slurm of its own needs root (SlurmUser=root, munged)"
for tool in munged slurmctld slurmd sbatch sinfo squeue scontrol scancel python3; do
  command -v $tool >/dev/null || skip "$tool is not installed (Debian packages slurm-wlm and munge)"
done
mkdir -p "$d/munge" "$d/state" "$d/spool" "$d/log"
chmod 700 "$d" "$d/munge"
export SLURM_CONF=$d/slurm.conf

# munged with a new key, its socket, pid, seed and log here.
head -c 1024 /dev/urandom >"$d/munge/key"
chmod 400 "$d/munge/key"
munged --foreground --force --key-file="$d/munge/key" --socket="$d/munge/socket" \
  --pid-file="$d/munge/pid" --seed-file="$d/munge/seed" --log-file="$d/log/munged.log" \
  >>"$d/log/munged.out" 2>&1 &
pids+=($!)
names+=(munged)
for i in $(seq 50); do
  [ -S "$d/munge/socket" ] && break
  sleep 0.1
done
[ -S "$d/munge/socket" ] || skip "munged did not start"

# Two free ports on loopback, for slurmctld and slurmd.
read -r ctld_port d_port < <(python3 -c '
import socket
a, b = socket.socket(), socket.socket()
a.bind(("127.0.0.1", 0)); b.bind(("127.0.0.1", 0))
print(a.getsockname()[1], b.getsockname()[1])')
mem=$(awk '/^MemTotal:/ { print int($2 / 1024 * 0.9) }' /proc/meminfo)
cat >"$d/slurm.conf" <<CONF
ClusterName=natsimtest
SlurmctldHost=localhost
SlurmUser=root
SlurmdUser=root
SlurmctldPort=$ctld_port
SlurmdPort=$d_port
AuthType=auth/munge
CredType=cred/munge
AuthInfo=socket=$d/munge/socket
StateSaveLocation=$d/state
SlurmdSpoolDir=$d/spool
SlurmctldPidFile=$d/slurmctld.pid
SlurmdPidFile=$d/slurmd.pid
SlurmctldLogFile=$d/log/slurmctld.log
SlurmdLogFile=$d/log/slurmd.log
ProctrackType=proctrack/linuxproc
TaskPlugin=task/none
JobAcctGatherType=jobacct_gather/none
AccountingStorageType=accounting_storage/none
SelectType=select/cons_tres
SelectTypeParameters=CR_CPU
MpiDefault=none
MaxArraySize=8
ReturnToService=2
NodeName=localhost CPUs=$(nproc) RealMemory=$mem State=UNKNOWN
PartitionName=natsim Nodes=localhost Default=YES MaxTime=INFINITE State=UP
CONF
slurmctld -D -i >>"$d/log/slurmctld.out" 2>&1 &
pids+=($!)
names+=(slurmctld)
slurmd -D -N localhost >>"$d/log/slurmd.out" 2>&1 &
pids+=($!)
names+=(slurmd)
for i in $(seq 60); do
  [ "$(timeout 5 sinfo -h -n localhost -o %t 2>/dev/null)" = idle ] && break
  for j in "${!pids[@]}"; do
    kill -0 "${pids[$j]}" 2>/dev/null || skip "${names[$j]} stopped"
  done
  sleep 0.5
done
[ "$(timeout 5 sinfo -h -n localhost -o %t 2>/dev/null)" = idle ] ||
  skip "the node did not become idle in 30 s (sinfo: $(timeout 5 sinfo -h -o '%t %E' 2>&1))"

# wait_job ID: waits (at most 120 s) for job ID to end; writes its states
# (of every task: sorted, once each, on one line) to $tmp/state.
wait_job() {
  local i states
  for i in $(seq 240); do
    states=$(timeout 5 scontrol -o show job "$1" 2>/dev/null | grep -o 'JobState=[A-Z_]*' | sort -u)
    [ -n "$states" ] && ! grep -Eq 'PENDING|RUNNING|CONFIGURING|COMPLETING|SUSPENDED' <<<"$states" &&
      break
    sleep 0.5
  done
  echo $states >"$tmp/state"
}

# submit.sh with 3 shards, merged: what one process writes.
expect "submit.sh: 3 shards and the merge submitted" 0 "^merge: job [0-9]+ -> " -- \
  bash scripts/slurm/submit.sh $s "$tmp/sl" 3 "${small[@]}"
array=$(sed -n 's/^shards: job \([0-9]*\) .*/\1/p' "$tmp/out")
merge=$(sed -n 's/^merge: job \([0-9]*\) .*/\1/p' "$tmp/out")
wait_job "$array"
expect "the shards' array: every task completed" 0 "^JobState=COMPLETED$" -- cat "$tmp/state"
wait_job "$merge"
expect "the merge job completed" 0 "^JobState=COMPLETED$" -- cat "$tmp/state"
merged_as_one Slurm "$tmp/sl"
expect "Slurm: shard 2 of 3 ran as task 2" 0 "shard 2 of 3 on " -- cat "$tmp/sl/log/shard-2.out"
expect "Slurm: the merge's output" 0 "checks: [0-9]+ passed, 0 failed" -- cat "$tmp/sl/log/merge.out"

# A shard that fails: the merge job is cancelled, not left pending.
expect "submit.sh: a run whose shards fail" 0 "^merge: job [0-9]+ -> " -- \
  bash scripts/slurm/submit.sh $s "$tmp/bad" 2 --set pairs=zero
merge=$(sed -n 's/^merge: job \([0-9]*\) .*/\1/p' "$tmp/out")
wait_job "$merge"
expect "a failing shard cancels the merge job" 0 "^JobState=CANCELLED$" -- cat "$tmp/state"
expect "the failing shard's error in its log" 0 "--set pairs=zero: expected an integer" -- \
  cat "$tmp/bad/log/shard-0.out"
expect "nothing merged" 0 "" -- test ! -e "$tmp/bad/results.json"

# sbatch refuses (Slurm's SBATCH_* variables reach it): exit 2, why.
expect "submit.sh: sbatch refuses an unknown partition" 2 "submit.sh: sbatch refused the shards' job array" -- \
  env SBATCH_PARTITION=nope bash scripts/slurm/submit.sh $s "$tmp/np" 3 "${small[@]}"
cp "$tmp/out" "$tmp/np.txt"
expect "submit.sh: sbatch's own reason" 0 "sbatch: error: .*Invalid partition" -- cat "$tmp/np.txt"

# More shards than the cluster's job arrays take (MaxArraySize=8 above):
# refused before anything is submitted.
expect "submit.sh: 9 shards where MaxArraySize is 8" 2 \
  "SHARDS: expected at most 8, this cluster's MaxArraySize \\(task ids 0 to 7\\), got 9" -- \
  bash scripts/slurm/submit.sh $s "$tmp/big" 9 "${small[@]}"
expect "9 shards: nothing submitted" 0 "" -- test ! -e "$tmp/big/log"

# natsim.sbatch alone with task ids that are not 0 to N-1.
expect "natsim.sbatch with --array=1-2 submitted" 0 "^[0-9]+" -- sbatch --parsable --array=1-2 \
  --output="$tmp/ids-%a.out" scripts/slurm/natsim.sbatch "$natsim" "$tmp/ids" $s "${small[@]}"
ids=$(sed -n '1s/^\([0-9]*\).*/\1/p' "$tmp/out")
wait_job "$ids"
expect "natsim.sbatch with --array=1-2: its tasks fail" 0 "^JobState=FAILED$" -- cat "$tmp/state"
expect "natsim.sbatch with --array=1-2: why" 0 "expected --array=0-1 .*got ids 1 to 2 in 2 tasks" -- \
  cat "$tmp/ids-1.out"

# Nothing of this cluster is left once it is stopped.
stop
ours >"$tmp/left"
expect "no daemon, job or job step left" 0 "" -- test ! -s "$tmp/left"

echo "slurm: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
