#!/usr/bin/env bash
# Doc tests: every fenced ```lua block of docs/lua-api.md, docs/emulation.md and README.md
# runs. A block is a scenario (natsim run, from the source folder) unless
# the line before it says <!-- doc-test: model --> (natsim classify, then
# on a NAT in tests/cli/doc/model_nat.lua and as a class of peers in
# tests/cli/doc/model_experiment.lua), <!-- doc-test: emulate --> (a
# scenario with real hosts: natsim run --emulate, skipped with the reason
# when this machine cannot run them) or <!-- doc-test: fragment --> (not
# runnable alone: only counted). Any other marker is an error.
# usage: doc_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
EXPECT_TIMEOUT=120
docs="docs/lua-api.md docs/emulation.md README.md"

# extract DOC: writes each lua block of DOC to $tmp/blocks/N.lua and a line
# "N KIND DOC:LINE" per block to stdout; "0 bad DOC:LINE WHY" for a marker
# that is unknown or not followed by a lua block.
extract() {
  awk -v doc="$1" -v dir="$tmp/blocks" -v first="$2" '
    function flush_marker(why) {
      if (marker != "") print "0 bad " doc ":" mline " " why
      marker = ""
    }
    inblock && /^```/ { inblock = 0; close(file); next }
    inblock { print > file; next }
    /^```lua[ \t]*$/ {
      n++
      kind = marker != "" ? marker : "scenario"
      marker = ""
      file = dir "/" (first + n) ".lua"
      printf "" > file
      print (first + n) " " kind " " doc ":" NR
      inblock = 1
      next
    }
    /^<!-- doc-test: [a-z]+ -->$/ {
      flush_marker("a marker with no lua block after it")
      marker = $3
      mline = NR
      if (marker != "scenario" && marker != "model" && marker != "fragment" && marker != "emulate")
        flush_marker("unknown kind \"" $3 "\" (scenario, model, emulate or fragment)")
      next
    }
    /^[ \t]*<!--.*doc-test/ { print "0 bad " doc ":" NR " a marker not of the form <!-- doc-test: KIND -->"; next }
    /^[ \t]*$/ { next }
    { flush_marker("a marker with no lua block right after it") }
    END { flush_marker("a marker with no lua block after it") }
  ' "$1"
}

mkdir -p "$tmp/blocks" "$tmp/model"
: >"$tmp/list"
for d in $docs; do
  extract "$d" "$(wc -l <"$tmp/list")" >>"$tmp/list"
done

# Whether real hosts can run here (natsim emul-clean says why not).
emul_why=$("$natsim" emul-clean 2>&1 >/dev/null) && emul_why=""

blocks=0
while read -r n kind where; do
  case $kind in
  scenario)
    blocks=$((blocks + 1))
    expect "$where: scenario" 0 "" -- "$natsim" run "$tmp/blocks/$n.lua" --quiet
    ;;
  model)
    blocks=$((blocks + 1))
    cp "$tmp/blocks/$n.lua" "$tmp/model/model.lua"
    cp tests/cli/doc/model_nat.lua tests/cli/doc/model_experiment.lua "$tmp/model/"
    expect "$where: model in classify" 0 " match" -- "$natsim" classify "$tmp/model/model.lua"
    expect "$where: model on a NAT" 0 "checks: 1 passed, 0 failed" -- \
      "$natsim" run "$tmp/model/model_nat.lua" --quiet
    expect "$where: model in an experiment" 0 "checks: 1 passed, 0 failed" -- \
      "$natsim" run "$tmp/model/model_experiment.lua" --quiet
    ;;
  emulate)
    blocks=$((blocks + 1))
    if [ -n "$emul_why" ]; then
      echo "skipped $where: $emul_why"
    else
      expect "$where: emulated scenario" 0 "" -- "$natsim" run --emulate "$tmp/blocks/$n.lua" --quiet
    fi
    ;;
  fragment)
    blocks=$((blocks + 1))
    ;;
  bad)
    failed=$((failed + 1))
    echo "FAIL $where"
    ;;
  esac
done <"$tmp/list"

# The docs have lua blocks, and this script finds them all.
total=$(cat $docs | grep -c '^```lua')
if [ "$blocks" -ne "$total" ] || [ "$total" -lt 2 ]; then
  failed=$((failed + 1))
  echo "FAIL found $blocks lua blocks of $total"
fi

echo "doc tests: $blocks blocks, $passed passed, $failed failed"
[ "$failed" -eq 0 ]
