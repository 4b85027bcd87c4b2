#!/bin/sh
# tools/test-summary.sh BUILD ASAN_BUILD FUZZ_BUILD - the closing line of
# `make test`, run only after every step passed: ctest results of both
# builds (from their ctest.log) and the fuzzers that ran.
set -eu
count() {	# $1: ctest.log -> "total skipped"
	t=$(sed -n 's/.*tests passed, [0-9]* tests* failed out of \([0-9]*\).*/\1/p' "$1" | tail -1)
	s=$(grep -c '(Skipped)\|\*\*\*Skipped' "$1" || true)
	echo "${t:-0} ${s:-0}"
}
set -- "$1" "$2" "$3"
read -r rt rs <<EOT
$(count "$1/ctest.log")
EOT
read -r at as <<EOT
$(count "$2/ctest.log")
EOT
f=$(ls "$3"/fuzz_* 2>/dev/null | wc -l)
echo "make test: release build $rt tests ($rs skipped), asan build $at tests ($as skipped), $f fuzzers"
echo "$((rt - rs + at - as + f)) passed, 0 failed, $((rs + as)) skipped"
