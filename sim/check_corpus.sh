#!/bin/sh
# check_corpus.sh BUILD_DIR [--long] - generate the seeded trace corpus into
# BUILD_DIR/traces and check that Starfail's engine meets every trace's goals
# (detection delay, switches, false switches) at default settings, plus the
# hand-made traces of tests/data/traces/ that carry goals.
set -eu
build=$1
long=${2:-}
here=$(cd "$(dirname "$0")/.." && pwd)
out="$build/traces"
rm -rf "$out"
mkdir -p "$out"
"$build/starfail-tracegen" --seed 1 $long "$out"
rc=0
for t in "$out"/*.trace "$here"/tests/data/traces/ok_*.trace; do
	[ -e "$t" ] || continue
	"$build/starfail-sim" --quiet --check "$t" || rc=1
done
exit $rc
