#!/usr/bin/env bash
# Sets up, builds, and runs the main job: the NAT behaviour scenario, with
# its results written to out/. Extra arguments go to `natsim run`.
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh build
./build/natsim run scenarios/nat_behaviour.lua --out out/nat_behaviour "$@"
