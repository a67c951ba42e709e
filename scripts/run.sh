#!/usr/bin/env bash
# Sets up, builds, and runs the main job: the roadmap scenario (every
# version on 1000 pairs of the reference NAT population, beside the roadmap
# targets), writing out/roadmap/results.json, report.md, report.html (open
# it in a browser), junit.xml and versions.json.
# Extra arguments go to `natsim run` (e.g. --seed 7, --set pairs=200).
set -euo pipefail
cd "$(dirname "$0")/.."
bash scripts/build.sh build
mkdir -p out/roadmap
./build/natsim run scenarios/roadmap.lua --out out/roadmap --json out/roadmap/versions.json \
  --junit out/roadmap/junit.xml "$@"
