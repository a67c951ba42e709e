#!/usr/bin/env bash
# Prints the dependency graph between natsim's folders, from the includes
# of their sources: "FROM -> TO (N includes)". The build enforces the same
# graph (each folder is a library that sees only the include directories of
# the layers below it); this shows it.
#
# With --check it instead checks what that scheme rests on: every layer's
# include directory is on the path of the layers above, so a header is
# found by its bare name. Two headers of one name in two folders, or one
# named like a header of the system or of a library natsim builds with
# (sim/link.h and glibc's <link.h>), would each hide the other from some
# sources. It exits 1, naming each such header (2 without a working cc).
set -euo pipefail
cd "$(dirname "$0")/.."
folders=(src results nat sim lua experiment classify report emul scenario sweep real cli)

check() {
  local bad=0 flags
  flags=$(pkg-config --cflags lua5.4 cmocka gnutls libngtcp2 libngtcp2_crypto_gnutls)
  # A compiler that finds nothing would find no clash either.
  if ! echo '#include <stdio.h>' | cc -E -x c - >/dev/null 2>&1; then
    echo "layers: cc cannot preprocess #include <stdio.h>: no compiler to check with" >&2
    return 2
  fi
  declare -A seen
  for d in "${folders[@]}" tests/support; do
    for h in "$d"/*.h; do
      [ -e "$h" ] || continue
      local name
      name=$(basename "$h")
      if [ -n "${seen[$name]:-}" ]; then
        echo "layers: $h and ${seen[$name]}: two headers named $name" >&2
        bad=1
      fi
      seen[$name]=$h
      for lang in c c++; do
        # shellcheck disable=SC2086
        if echo "#include <$name>" | cc -E -x "$lang" $flags - >/dev/null 2>&1; then
          echo "layers: $h: $lang already has a header <$name>; rename it" >&2
          bad=1
          break
        fi
      done
    done
  done
  return $bad
}

case "${1:-}" in
  --check)
    check
    exit
    ;;
  "") ;;
  *)
    echo "usage: scripts/layers.sh [--check]" >&2
    exit 2
    ;;
esac

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
