#!/bin/sh
# Run every benchmark script bench/*.sh with the build directory as argument.
# Each prints its own figures and ratios against baselines measured in the same run.
set -eu
build=${1:-build}
here=$(dirname "$0")
rc=0
for b in "$here"/*.sh; do
	[ "$(basename "$b")" = run.sh ] && continue
	echo "=== $(basename "$b" .sh)"
	sh "$b" "$build" || { echo "bench $(basename "$b") FAILED"; rc=1; }
done
exit $rc
