# shards.sh: the arguments the many-machine recipes share (scripts/slurm/,
# scripts/parallel/), checked before anything starts. Source it; each
# function prints "$shards_me: WHAT: expected ..., got ..." on stderr and
# exits 2 on bad input. $shards_me names the calling script.

# shards_fail MESSAGE: the usage error, exit 2.
shards_fail() {
  echo "$shards_me: $1" >&2
  exit 2
}

# shards_help SCRIPT ARG: with ARG -h or --help, prints SCRIPT's opening
# comment (its usage) and exits 0.
shards_help() {
  case ${2:-} in
    -h | --help) ;;
    *) return ;;
  esac
  sed -n '2,/^[^#]/s/^# \{0,1\}//p' "$1"
  exit 0
}

# shards_natsim: the natsim binary as an absolute path into $natsim:
# $NATSIM if set, else natsim on PATH, else build/natsim of this checkout.
shards_natsim() {
  local here
  here=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
  natsim=${NATSIM:-$(command -v natsim || echo "$here/build/natsim")}
  case $natsim in
    /*) ;;
    *) natsim=$PWD/$natsim ;;
  esac
  [ -f "$natsim" ] && [ -x "$natsim" ] ||
    shards_fail "NATSIM: expected the natsim binary (an executable file), got '$natsim'"
}

# shards_scenario PATH: PATH is a readable scenario file.
shards_scenario() {
  [ -f "$1" ] && [ -r "$1" ] ||
    shards_fail "SCENARIO: expected a readable scenario file, got '$1'"
}

# shards_count N: N is a shard count natsim takes (1 to 4096).
shards_count() {
  [[ $1 =~ ^[1-9][0-9]{0,3}$ ]] && [ "$1" -le 4096 ] ||
    shards_fail "SHARDS: expected a whole number from 1 to 4096, got '$1'"
}

# shards_outdir DIR: DIR is given and can be made.
shards_outdir() {
  [ -n "$1" ] || shards_fail "OUTDIR: expected a folder, got ''"
  mkdir -p "$1" 2>/dev/null || shards_fail "OUTDIR: expected a folder that can be made, got '$1'"
}

# shards_run_args ARG...: only what every shard may share: --seed N,
# --set K=V, --max-instructions N (each also as --opt=V) and --quiet.
# The recipes give --shard and --out; a file option (--json, --junit,
# --attempts, --pcap) would be written by every shard at once.
shards_run_args() {
  while [ $# -gt 0 ]; do
    case $1 in
      --seed | --set | --max-instructions)
        [ $# -ge 2 ] || shards_fail "natsim run option '$1': expected a value after it"
        shift 2
        ;;
      --seed=* | --set=* | --max-instructions=* | --quiet)
        shift
        ;;
      *)
        shards_fail "natsim run arguments: expected --seed N, --set K=V, --max-instructions N or --quiet (the recipe gives --shard and --out), got '$1'"
        ;;
    esac
  done
}
