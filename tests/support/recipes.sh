# recipes.sh: what the tests of the many-machine recipes share
# (tests/cli/parallel_test.sh, slurm_test.sh; docs/scale.md). Source it
# with the test's arguments (NATSIM SOURCE_DIR): it sources expect.sh and
# sets up as expect_cli_setup does; the recipes take natsim from $NATSIM;
# $s and $small are the run they shard (20 pairs of v0.9: seconds).
source "$(dirname "${BASH_SOURCE[0]}")/expect.sh"
expect_cli_setup "$@"
export EXPECT_TIMEOUT=120
export NATSIM=$natsim
s=scenarios/roadmap.lua
small=(--set pairs=20 --set versions=v0.9 --quiet)

# merged_as_one NAME DIR: DIR, a recipe's output of the small run in 3
# shards, holds what one process writes (events aside): the results, the
# reports, the JUnit XML; and shard 2's results are kept.
merged_as_one() {
  if [ ! -d "$tmp/one" ]; then
    "$natsim" run $s "${small[@]}" --jobs 1 --out "$tmp/one" --junit "$tmp/one/junit.xml" \
      >/dev/null 2>&1
  fi
  same_results "$1: merged shards write what one run does" "$tmp/one" "$2"
  expect "$1: the same JUnit XML" 0 "" -- cmp "$tmp/one/junit.xml" "$2/junit.xml"
  expect "$1: shard 2 of 3 kept" 0 '"count": 3' -- grep -A2 '"shard"' "$2/shard-2/results.json"
}
