#!/bin/bash
# scripts/layers.sh --check: the headers as they are pass; a header named
# like a system one, two headers of one name, and a cc that finds nothing
# are each refused. Runs on a copy of the headers, never on the sources.
# usage: layers_test.sh SOURCE_DIR
src=$1
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
. "$src/tests/support/expect.sh"

# A copy of the script and of every folder's headers, in $tmp/tree.
t=$tmp/tree
mkdir -p "$t/scripts"
cp "$src/scripts/layers.sh" "$t/scripts/"
for h in "$src"/*/*.h "$src"/tests/support/*.h; do
  d=$(dirname "${h#"$src"/}")
  mkdir -p "$t/$d"
  cp "$h" "$t/$d/"
done

expect "the headers as they are" 0 "" -- bash "$t/scripts/layers.sh" --check
touch "$t/sim/link.h"
expect "a header like glibc's" 1 "sim/link.h: c already has a header <link.h>" -- \
  bash "$t/scripts/layers.sh" --check
rm "$t/sim/link.h"
cp "$t/sim/flat.h" "$t/nat/flat.h"
expect "two of one name" 1 "nat/flat.h and sim/flat.h: two headers named flat.h|sim/flat.h and nat/flat.h: two headers named flat.h" -- \
  bash "$t/scripts/layers.sh" --check
rm "$t/nat/flat.h"
mkdir "$tmp/bin"
printf '#!/bin/sh\nexit 1\n' >"$tmp/bin/cc"
chmod +x "$tmp/bin/cc"
expect "no working cc" 2 "cc cannot preprocess" -- env PATH="$tmp/bin:$PATH" bash "$t/scripts/layers.sh" --check
expect "a wrong option" 2 "usage: scripts/layers.sh \[--check\]" -- bash "$t/scripts/layers.sh" --chek

echo "layers: $passed passed, $failed failed"
[ "$failed" -eq 0 ]
