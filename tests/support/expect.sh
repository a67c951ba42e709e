# expect.sh: the checks the shell tests share. Source it after setting
# $tmp (a scratch folder), or call expect_cli_setup; it counts into $passed
# and $failed. EXPECT_TIMEOUT: seconds a command may run (default 0: no limit).
passed=0
failed=0

# expect_cli_setup NATSIM SOURCE_DIR: the arguments of a CLI test script:
# sets $natsim and $src, moves to $src, and makes $tmp, removed on exit.
expect_cli_setup() {
  natsim=$1
  src=$2
  cd "$src" || exit 1
  tmp=$(mktemp -d)
  trap 'rm -rf "$tmp"' EXIT
}

# expect NAME STATUS PATTERN -- COMMAND...: the command exits with STATUS
# and its output (stdout and stderr) matches the extended regex PATTERN.
expect() {
  local name=$1 status=$2 pattern=$3
  shift 4
  timeout "${EXPECT_TIMEOUT:-0}" "$@" >"$tmp/out" 2>&1
  local got=$?
  if [ "$got" -eq "$status" ] && { [ -z "$pattern" ] || grep -Eq -- "$pattern" "$tmp/out"; }; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: exit $got (wanted $status), output:"
    sed 's/^/  | /' "$tmp/out"
    echo "  (wanted a match for: $pattern)"
  fi
}

# absent NAME PATTERN -- COMMAND...: the output has no match for PATTERN.
absent() {
  local name=$1 pattern=$2
  shift 3
  timeout "${EXPECT_TIMEOUT:-0}" "$@" >"$tmp/out" 2>&1
  if grep -Eq -- "$pattern" "$tmp/out"; then
    failed=$((failed + 1))
    echo "FAIL $name: output matches $pattern:"
    grep -E -- "$pattern" "$tmp/out" | sed 's/^/  | /'
  else
    passed=$((passed + 1))
  fi
}

# same NAME -- COMMAND...: two runs print the same and write the same results.
same() {
  local name=$1
  shift 2
  "$@" --out "$tmp/a" >"$tmp/a.txt" 2>/dev/null
  "$@" --out "$tmp/b" >"$tmp/b.txt" 2>/dev/null
  if cmp -s "$tmp/a.txt" "$tmp/b.txt" && cmp -s "$tmp/a/results.json" "$tmp/b/results.json"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $name: two runs differ"
    diff "$tmp/a.txt" "$tmp/b.txt" | head -20
  fi
}

# same_results NAME A B: the runs written to folders A and B are the same but
# for the run's own figures: events (results.json, report.md, report.html),
# nothing else (docs/scale.md).
same_results() {
  local name=$1 a=$2 b=$3 f
  for f in results.json report.md report.html; do
    if [ ! -s "$a/$f" ] || [ ! -s "$b/$f" ]; then
      failed=$((failed + 1))
      echo "FAIL $name: $f missing"
      return
    fi
    if ! cmp -s <(grep -v 'events' "$a/$f") <(grep -v 'events' "$b/$f"); then
      failed=$((failed + 1))
      echo "FAIL $name: $f differs"
      diff <(grep -v 'events' "$a/$f") <(grep -v 'events' "$b/$f") | head -10
      return
    fi
  done
  passed=$((passed + 1))
}
