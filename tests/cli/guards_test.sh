#!/usr/bin/env bash
# Guarded runs and per-attempt records (issue 15): hooks and callbacks that
# never return are stopped by the instruction watchdog (exit 2, file:line);
# natsim.run and natsim.experiment are refused inside callbacks; the clock
# cannot overflow; --attempts writes a JSON line per attempt; the progress
# line shows attempts started, connected and finished, and the version.
# usage: guards_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
export EXPECT_TIMEOUT=120 # a hang fails (exit 124) instead of stalling ctest

t=tests/cli/scenarios
m=tests/cli/models
budget="ran over its budget of 100000000 Lua instructions without returning"

# Loops that never end: in allocate_port, in natsim.at, in on_receive.
expect "allocate_port loops (run)" 2 "hook_loops.lua:6: allocate_port $budget" -- "$natsim" run $t/hook_model.lua --set model=hook_loops
expect "allocate_port loops, catching errors" 2 "hook_loops_pcall.lua:[0-9]+: allocate_port $budget" -- "$natsim" run $t/hook_model.lua --set model=hook_loops_pcall
expect "allocate_port loops (experiment)" 2 "guard_experiment_hook.lua:2: natsim.experiment: .*hook_loops.lua:6: allocate_port $budget" -- "$natsim" run $t/guard_experiment_hook.lua --quiet
expect "allocate_port loops (classify)" 2 "hook_loops.lua:6: allocate_port $budget" -- "$natsim" classify $m/hook_loops.lua
expect "natsim.at callback loops" 2 "guard_at_loops.lua:4: natsim.at callback $budget" -- "$natsim" run $t/guard_at_loops.lua
expect "on_receive callback loops" 2 "guard_receive_loops.lua:8: on_receive callback $budget" -- "$natsim" run $t/guard_receive_loops.lua
expect "coroutines that loop, made inside" 2 "guard_coroutine_loops.lua:5: natsim.at callback $budget" -- "$natsim" run $t/guard_coroutine_loops.lua
expect "a coroutine that loops, made outside" 2 "guard_coroutine_outside.lua:[34]: natsim.at callback $budget" -- "$natsim" run $t/guard_coroutine_outside.lua
expect "a coroutine's count is not charged twice" 0 "^reached$" -- "$natsim" run $t/guard_coroutine_sane.lua --max-instructions 200000
expect "the budget is an option" 2 "guard_at_loops.lua:4: natsim.at callback ran over its budget of 1000 Lua" -- "$natsim" run $t/guard_at_loops.lua --max-instructions 1000
expect "a zero budget is refused" 2 "option '--max-instructions': expected an integer from 1 to" -- "$natsim" run $t/guard_at_loops.lua --max-instructions 0
expect "a sane hook runs under a small budget" 0 "^reached$" -- "$natsim" run $t/hook_model.lua --set model=scripted --max-instructions 10000

# Runs inside callbacks, and a clock that would overflow.
expect "natsim.run inside a callback" 2 "guard_nested_run.lua:4: natsim.run called from inside natsim.at callback" -- "$natsim" run $t/guard_nested_run.lua
expect "natsim.experiment inside a callback" 2 "guard_nested_experiment.lua:3: natsim.experiment called from inside natsim.after callback" -- "$natsim" run $t/guard_nested_experiment.lua
expect "natsim.run(9.2e9) twice" 2 "guard_run_overflow.lua:3: natsim.run: 9200000000.0 s from now .* is beyond the simulator's clock" -- "$natsim" run $t/guard_run_overflow.lua

# --attempts: one line per attempt and version.
check_lines() { # NAME FILE PATTERN COUNT: COUNT lines of FILE match PATTERN
  local got
  got=$(grep -Ec -- "$3" "$2")
  if [ "$got" -eq "$4" ]; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $1: $got lines match $3 (wanted $4)"
    head -3 "$2" | sed 's/^/  | /'
  fi
}
expect "roadmap with --attempts" 0 "" -- "$natsim" run scenarios/roadmap.lua --set pairs=20 --set versions=v0.7,v0.8,v0.9 --quiet --attempts "$tmp/roadmap.jsonl"
check_lines "attempts x versions lines" "$tmp/roadmap.jsonl" "" 60
check_lines "every line a record" "$tmp/roadmap.jsonl" '^\{"schema": "natsim-attempt/1", "version": "v0\.[789]", "attempt": [0-9]+, "classes": \[.*"outcome": "(direct|relayed|failed)".*"feasible": (true|false), "missed_direct": (true|false), "path": "[a-z]+", "first_byte_ms": .*"bytes": \{"direct": [0-9]+, "relayed": [0-9]+, "turn": [0-9]+\}, "probes": [0-9]+\}$' 60
check_lines "v0.9 lines" "$tmp/roadmap.jsonl" '"version": "v0.9", "attempt": ([0-9]|1[0-9]),' 20
check_lines "v0.7 relays all" "$tmp/roadmap.jsonl" '"version": "v0.7".*"outcome": "relayed"' 20
expect "attempts of a run that misses direct paths" 0 "" -- "$natsim" run $t/guard_attempts.lua --attempts "$tmp/missed.jsonl" --json "$tmp/missed.json"
check_lines "missed direct attempts findable" "$tmp/missed.jsonl" '"version": "v0.8", "attempt": [0-5], .*"outcome": "relayed".*"feasible": true, "missed_direct": true' 6
check_lines "none missed in v0.7" "$tmp/missed.jsonl" '"version": "v0.7".*"missed_direct": true' 0
check_lines "NAT chains" "$tmp/missed.jsonl" '"nats_a": \["(full_cone|port_restricted_cone)"\], "nats_b": \["(full_cone|port_restricted_cone)"\]' 12
check_lines "results agree" "$tmp/missed.json" '"missed_direct": 6,' 1
expect "failures carry their reason" 0 "" -- "$natsim" run $t/rogue.lua --attempts "$tmp/rogue.jsonl"
check_lines "a failed attempt's reason" "$tmp/rogue.jsonl" '"outcome": "failed", "reason": "certificate", "why": "certificate refused' 14
expect "unwritable --attempts" 2 "^natsim: --attempts /nonexistent/a.jsonl: No such file or directory$" -- "$natsim" run $t/guard_attempts.lua --attempts /nonexistent/a.jsonl

# Progress on a terminal (script(1) gives one): the version of how many,
# attempts started, connected and finished, virtual time as the bar.
progress() { # PAIRS: the line's pattern after the label
  echo "\[[#.]{30}\] [0-9]+/$1 started, [0-9]+ connected, [0-9]+ finished, [0-9]+ s left"
}
expect "progress names the version" 0 "v0.8, version 1 of 1 $(progress 200)" -- script -qec "$natsim run scenarios/roadmap.lua --set versions=v0.8 --set pairs=200" /dev/null
expect "progress counts versions" 0 "v0.8, version 2 of 2 $(progress 100)" -- script -qec "$natsim run scenarios/roadmap.lua --set versions=v0.7,v0.8 --set pairs=100" /dev/null
absent "progress quiet" "started, [0-9]+ connected" -- script -qec "$natsim run scenarios/roadmap.lua --set versions=v0.8 --set pairs=200 --quiet" /dev/null

echo "guards: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
