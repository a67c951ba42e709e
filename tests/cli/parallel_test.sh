#!/usr/bin/env bash
# Many machines with GNU parallel (issue 19, docs/scale.md): the recipes
# (scripts/parallel/run.sh, scripts/slurm/submit.sh) print their usage
# with --help and refuse bad arguments before anything runs (exit 2,
# naming what was expected). run.sh on this machine alone (the ssh login
# ":", no ssh) runs 3 shards and merges them
# into what one `natsim run` writes (events aside), with the shared output
# folder and with --return; a failing shard stops it before the merge.
# As root with sshd and rsync, --return over ssh to an sshd the test starts
# on loopback, whose host writes into a tmpfs only it sees: the shards come
# back, merged, and are removed there.
# Skipped (77) when GNU parallel is not installed (scripts/setup.sh --test).
# usage: parallel_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/recipes.sh" "$@"
run=scripts/parallel/run.sh
submit=scripts/slurm/submit.sh
echo ":" >"$tmp/hosts"

# --help: each recipe's usage.
expect "run.sh --help" 0 "^usage: run.sh \[--return\] HOSTS SCENARIO OUTDIR SHARDS" -- bash $run --help
expect "submit.sh -h" 0 "^usage: submit.sh SCENARIO OUTDIR SHARDS" -- bash $submit -h

# Bad arguments: both recipes, before parallel or sbatch is needed.
expect "run.sh: too few arguments" 2 "run.sh: expected \[--return\] HOSTS SCENARIO OUTDIR SHARDS .*got 3 arguments" -- \
  bash $run "$tmp/hosts" $s "$tmp/x"
expect "run.sh: no hosts file" 2 "run.sh: HOSTS: expected a readable ssh login file .*got '$tmp/nope'" -- \
  bash $run "$tmp/nope" $s "$tmp/x" 3
printf '# none\n\n' >"$tmp/empty"
expect "run.sh: no host in the file" 2 "HOSTS: expected at least one host" -- \
  bash $run "$tmp/empty" $s "$tmp/x" 3
expect "run.sh: no scenario" 2 "SCENARIO: expected a readable scenario file, got 'nope.lua'" -- \
  bash $run "$tmp/hosts" nope.lua "$tmp/x" 3
for bad in 0 -1 x 4097 1.5; do
  expect "run.sh: $bad shards" 2 "SHARDS: expected a whole number from 1 to 4096, got '$bad'" -- \
    bash $run "$tmp/hosts" $s "$tmp/x" "$bad"
done
expect "run.sh: --out is the recipe's" 2 "expected --seed N, --set K=V, --max-instructions N or --quiet .*got '--out'" -- \
  bash $run "$tmp/hosts" $s "$tmp/x" 3 --out y
expect "run.sh: --set without a value" 2 "option '--set': expected a value after it" -- \
  bash $run "$tmp/hosts" $s "$tmp/x" 3 --set
expect "run.sh: no natsim binary" 2 "NATSIM: expected the natsim binary .*got '$tmp/nope'" -- \
  env NATSIM="$tmp/nope" bash $run "$tmp/hosts" $s "$tmp/x" 3
expect "submit.sh: too few arguments" 2 "submit.sh: expected SCENARIO OUTDIR SHARDS .*got 2 arguments" -- \
  bash $submit $s "$tmp/x"
expect "submit.sh: bad shards" 2 "submit.sh: SHARDS: expected a whole number from 1 to 4096, got 'three'" -- \
  bash $submit $s "$tmp/x" three
expect "submit.sh: --junit would be written by every shard" 2 "submit.sh: natsim run arguments: expected .*got '--junit'" -- \
  bash $submit $s "$tmp/x" 3 --junit j.xml
mkdir "$tmp/bin"
ln -s "$(command -v dirname)" "$tmp/bin/"
expect "submit.sh: no sbatch" 2 "submit.sh: sbatch: expected Slurm's client on PATH" -- \
  env PATH="$tmp/bin" "$BASH" $submit $s "$tmp/x" 3
expect "nothing was made for bad arguments" 0 "" -- test ! -e "$tmp/x"

if ! command -v parallel >/dev/null; then
  echo "parallel: skipped: GNU parallel is not installed (Debian package parallel)"
  exit 77
fi

# 3 shards on ":" (this machine) merged: what one process writes.
expect "run.sh: 3 shards on this machine, merged" 0 "checks: [0-9]+ passed, 0 failed" -- \
  bash $run "$tmp/hosts" $s "$tmp/p" 3 "${small[@]}"
cp "$tmp/out" "$tmp/p.txt"
expect "run.sh: each shard's errors and wall time, tagged" 0 "^shard 2.*natsim: .* wall" -- cat "$tmp/p.txt"
absent "run.sh: no shard's table" "^shard [0-9].*direct P2P" -- cat "$tmp/p.txt"
merged_as_one run.sh "$tmp/p"
expect "run.sh --return: on ':' nothing to copy" 0 "--return ignored as there are no remote" -- \
  bash $run --return "$tmp/hosts" $s "$tmp/r" 3 "${small[@]}"
merged_as_one "run.sh --return" "$tmp/r"

# A shard that fails: no merge, exit 2, the shard's error shown.
expect "run.sh: a failing shard" 2 "a shard failed .*not merged" -- \
  bash $run "$tmp/hosts" $s "$tmp/f" 2 --set pairs=zero
cp "$tmp/out" "$tmp/f.txt"
expect "run.sh: the shard's error, tagged" 0 "^shard [0-9].*--set pairs=zero: expected an integer" -- \
  cat "$tmp/f.txt"
expect "run.sh: nothing merged after a failing shard" 0 "" -- test ! -e "$tmp/f/results.json"

# Over ssh with --return: an sshd of this test's own on a free loopback
# port, in a mount namespace where OUTDIR's parent is a tmpfs of its own,
# so the "remote" host writes shards this shell cannot see; parallel
# copies them back and removes them there. Root, sshd, rsync and unshare.
ssh_skip=""
[ "$(id -u)" -eq 0 ] || ssh_skip="not root"
for tool in /usr/sbin/sshd ssh ssh-keygen rsync unshare python3; do
  command -v $tool >/dev/null || ssh_skip="$tool is not installed (Debian packages openssh-server, rsync)"
done
sshd_pid=""
# stop_sshd: stops this test's sshd (its sessions end with it).
stop_sshd() {
  [ -n "$sshd_pid" ] || return 0
  kill "$sshd_pid" 2>/dev/null
  wait "$sshd_pid" 2>/dev/null
  sshd_pid=""
}
trap 'stop_sshd; rm -rf "$tmp"' EXIT
trap 'exit 130' INT TERM
k=$tmp/ssh
if [ -z "$ssh_skip" ]; then
  mkdir -p "$k" "$tmp/remote"
  ssh-keygen -q -t ed25519 -N '' -f "$k/host_key"
  ssh-keygen -q -t ed25519 -N '' -f "$k/id"
  cp "$k/id.pub" "$k/authorized_keys"
  port=$(python3 -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')
  printf '%s\n' "ListenAddress 127.0.0.1" "Port $port" "HostKey $k/host_key" \
    "AuthorizedKeysFile $k/authorized_keys" "PermitRootLogin prohibit-password" \
    "PasswordAuthentication no" "KbdInteractiveAuthentication no" "UsePAM no" \
    "StrictModes no" "PidFile $k/sshd.pid" >"$k/sshd_config"
  printf '%s\n' "Host natsimtest" "  HostName 127.0.0.1" "  Port $port" "  User root" \
    "  IdentityFile $k/id" "  IdentitiesOnly yes" "  StrictHostKeyChecking no" \
    "  UserKnownHostsFile $k/known_hosts" "  LogLevel ERROR" >"$k/config"
  # /run too: sshd wants /run/sshd, which this machine need not have.
  unshare --mount --propagation private sh -c "mount -t tmpfs tmpfs '$tmp/remote' &&
    mount -t tmpfs tmpfs /run && mkdir -m 755 /run/sshd &&
    exec /usr/sbin/sshd -D -e -f '$k/sshd_config'" >"$k/sshd.log" 2>&1 &
  sshd_pid=$!
  for i in $(seq 50); do
    ssh -F "$k/config" natsimtest true 2>/dev/null && break
    sleep 0.1
  done
  ssh -F "$k/config" natsimtest true 2>/dev/null || ssh_skip="sshd did not start: $(tail -n 3 "$k/sshd.log")"
fi
if [ -n "$ssh_skip" ]; then
  echo "parallel: over ssh: skipped: $ssh_skip"
else
  echo natsimtest >"$tmp/ssh-hosts"
  expect "run.sh --return over ssh: merged" 0 "checks: [0-9]+ passed, 0 failed" -- \
    env PARALLEL_SSH="ssh -F $k/config" bash $run --return "$tmp/ssh-hosts" $s "$tmp/remote/r" 3 "${small[@]}"
  merged_as_one "run.sh --return over ssh" "$tmp/remote/r"
  expect "run.sh --return over ssh: the host's copies removed" 0 "^empty$" -- \
    ssh -F "$k/config" natsimtest "test -z \"\$(ls -A '$tmp/remote')\" && echo empty"
  stop_sshd
  expect "the test's sshd is gone" 255 "" -- ssh -F "$k/config" -o ConnectTimeout=2 natsimtest true
fi

echo "parallel: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
