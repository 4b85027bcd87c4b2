#!/bin/sh
# tools/test-summary.sh BUILD ASAN_BUILD FUZZ_BUILD [CROSS_BUILD...] - the
# closing line of `make test`, run only after every step passed: ctest
# results of the builds (from their ctest*.log), the fuzzers that ran and
# the qemu-user unit-test runs of the cross builds.
set -eu
count() {	# $1: a build dir -> "total skipped" over its ctest*.log (one per ctest run)
	t=0 s=0
	for log in "$1"/ctest*.log; do
		[ -f "$log" ] || continue
		n=$(sed -n 's/.*tests passed, [0-9]* tests* failed out of \([0-9]*\).*/\1/p' "$log" | tail -1)
		k=$(grep -c '(Skipped)\|\*\*\*Skipped' "$log" || true)
		t=$((t + ${n:-0})) s=$((s + ${k:-0}))
	done
	echo "$t $s"
}
b=$1 a=$2 fz=$3
shift 3
xt=0 xs=0 xl=""
for x in "$@"; do
	read -r t s <<EOT
$(count "$x")
EOT
	xt=$((xt + t)) xs=$((xs + s)) xl="$xl, ${x#build-cross-} $t"
done
set -- "$b" "$a" "$fz"
read -r rt rs <<EOT
$(count "$1")
EOT
read -r at as <<EOT
$(count "$2")
EOT
f=$(ls "$3"/fuzz_* 2>/dev/null | wc -l)
echo "make test: release build $rt tests ($rs skipped), asan build $at tests ($as skipped), $f fuzzers${xl:+, qemu-user unit tests$xl}"
echo "$((rt - rs + at - as + f + xt - xs)) passed, 0 failed, $((rs + as + xs)) skipped"
