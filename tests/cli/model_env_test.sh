#!/usr/bin/env bash
# NAT models' hooks get one environment in a plain scenario, in natsim
# classify and in natsim.experiment (scenario/model.c): the safe libraries
# (math.random, string methods), print to stderr, no io or os, and
# math.random seeded from (scenario seed, NAT name).
# usage: model_env_test.sh NATSIM SOURCE_DIR
set -u
here=$(cd "$(dirname "$0")" && pwd)
source "$here/../support/expect.sh"
expect_cli_setup "$@"
EXPECT_TIMEOUT=60
t=tests/cli/scenarios
m=tests/cli/models

# same NAME FILE1 FILE2: the two files are the same.
same() {
  if cmp -s "$2" "$3"; then
    passed=$((passed + 1))
  else
    failed=$((failed + 1))
    echo "FAIL $1:"
    diff "$2" "$3" | sed 's/^/  | /'
  fi
}

# hook_lines FILE COMMAND...: the lines the model's hooks printed (stderr).
hook_lines() {
  local out=$1
  shift
  "$@" 2>&1 >/dev/null | grep '^env_hooks: ' >"$out"
}

# A plain scenario: the hooks run (assertions inside: io, os, debug,
# require, dofile and loadfile are nil) while the scenario keeps io and os.
expect "scenario: hooks in the model environment" 0 "^home ports [0-9]+(,[0-9]+){4}$" -- \
  "$natsim" run $t/model_env.lua
expect "scenario: its own io and os" 0 "checks: 2 passed, 0 failed" -- "$natsim" run $t/model_env.lua
absent "scenario: print in a hook goes to stderr" "env_hooks" -- \
  sh -c '"$@" 2>/dev/null' sh "$natsim" run $t/model_env.lua
expect "scenario: print in a hook goes to stderr" 0 "^env_hooks: host 2 port 4001 -> [0-9]+$" -- \
  sh -c '"$@" >/dev/null' sh "$natsim" run $t/model_env.lua
"$natsim" run $t/model_env.lua 2>/dev/null | grep '^home ports' >"$tmp/ports1"
"$natsim" run $t/model_env.lua 2>/dev/null | grep '^home ports' >"$tmp/ports2"
same "scenario: the same seed, the same ports" "$tmp/ports1" "$tmp/ports2"
"$natsim" run $t/model_env_more.lua 2>/dev/null | grep '^home ports' >"$tmp/ports3"
same "scenario: another NAT built first leaves the ports alone" "$tmp/ports1" "$tmp/ports3"
"$natsim" run $t/model_env.lua --seed 2 2>/dev/null | grep '^home ports' >"$tmp/ports4"
if cmp -s "$tmp/ports1" "$tmp/ports4" || [ ! -s "$tmp/ports4" ]; then
  failed=$((failed + 1))
  echo "FAIL scenario: another seed, other ports: $(cat "$tmp/ports4")"
else
  passed=$((passed + 1))
fi

# natsim classify: the same environment.
expect "classify: hooks in the model environment" 0 "^env_hooks +APD/APD/scripted .* match$" -- \
  "$natsim" classify $m/env_hooks.lua
hook_lines "$tmp/c1" "$natsim" classify $m/env_hooks.lua
hook_lines "$tmp/c2" "$natsim" classify $m/env_hooks.lua
expect "classify: print in a hook goes to stderr" 0 "env_hooks: host 2 port" -- cat "$tmp/c1"
same "classify: the same ports twice" "$tmp/c1" "$tmp/c2"

# natsim.experiment: the same environment (it used to have no libraries).
expect "experiment: hooks in the model environment" 0 "checks: 1 passed, 0 failed" -- \
  "$natsim" run tests/cli/doc/model_experiment.lua --set model=../models/env_hooks.lua
hook_lines "$tmp/x1" "$natsim" run tests/cli/doc/model_experiment.lua --set model=../models/env_hooks.lua
hook_lines "$tmp/x2" "$natsim" run tests/cli/doc/model_experiment.lua --set model=../models/env_hooks.lua
expect "experiment: print in a hook goes to stderr" 0 "env_hooks: host 2 port" -- cat "$tmp/x1"
same "experiment: the same ports twice" "$tmp/x1" "$tmp/x2"

# os (and io) are nil inside a hook: the error names it and the model.
expect "hook: os is nil" 2 "env_os.lua: .*global 'os'" -- "$natsim" classify $m/env_os.lua

echo "model environment: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
