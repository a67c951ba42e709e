#!/usr/bin/env bash
# Sets up, builds and runs every test: once in a normal build (build/), and
# once with AddressSanitizer and UndefinedBehaviorSanitizer (build-asan/).
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

bash scripts/setup.sh --test

bash scripts/build.sh build
ctest --test-dir build --output-on-failure -j"$jobs"

bash scripts/build.sh build-asan -DNATSIM_SANITIZE=ON
ASAN_OPTIONS=detect_leaks=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
  ctest --test-dir build-asan --output-on-failure -j"$jobs"
