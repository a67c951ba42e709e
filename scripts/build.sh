#!/usr/bin/env bash
# Configures and builds natsim into build/ (or the folder given), after setup.
# Extra arguments go to cmake's configure step, e.g. -DNATSIM_SANITIZE=ON.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/setup.sh
dir=${1:-build}
shift || true
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo "$@" >/dev/null
cmake --build "$dir" -j"$(nproc)"
