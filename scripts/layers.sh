#!/usr/bin/env bash
# Prints the dependency graph between natsim's folders, from the includes
# of their sources: "FROM -> TO (N includes)". The build enforces the same
# graph (each folder is a library that sees only the include directories of
# the layers below it); this shows it.
set -euo pipefail
cd "$(dirname "$0")/.."
folders=(src results nat sim lua experiment classify report emul scenario sweep real cli)
declare -A owner
for d in "${folders[@]}"; do
  for h in "$d"/*.h; do
    [ -e "$h" ] && owner[$(basename "$h")]=$d
  done
done
for d in "${folders[@]}"; do
  { grep -ho '#include "[^"]*"' "$d"/*.c "$d"/*.h "$d"/*.cc 2>/dev/null || true; } |
    sed 's/#include "\(.*\)"/\1/' | while read -r h; do
      to=${owner[$h]:-}
      if [ -n "$to" ] && [ "$to" != "$d" ]; then echo "$d -> $to"; fi
    done
done | sort | uniq -c | awk '{printf "%-11s -> %-11s (%d includes)\n", $2, $4, $1}'
