#!/bin/sh
# fuzz/run.sh <builddir> <seconds> - run every fuzz_* binary built in
# <builddir> for <seconds> each, seeded with fuzz/corpus/<name>/ (copied to a
# temporary directory so runs do not grow the repository). Fails when any
# fuzzer finds a crash, leak or timeout; the reproducer is kept in
# <builddir>/fuzz-artifacts/<name>/.
set -eu
build=${1:?usage: fuzz/run.sh <builddir> <seconds>}
seconds=${2:-30}
here=$(cd "$(dirname "$0")" && pwd)
work=$(mktemp -d "${TMPDIR:-/tmp}/sf-fuzz.XXXXXX")
trap 'rm -rf "$work"' EXIT INT TERM

found=0
rc=0
for bin in "$build"/fuzz_*; do
	[ -f "$bin" ] && [ -x "$bin" ] || continue
	found=1
	name=$(basename "$bin")
	name=${name#fuzz_}
	corpus="$work/$name"
	mkdir -p "$corpus" "$build/fuzz-artifacts/$name"
	if [ -d "$here/corpus/$name" ]; then
		cp -R "$here/corpus/$name/." "$corpus/"
	fi
	echo "=== fuzz_$name: ${seconds}s, seeds: $(ls "$corpus" | wc -l)"
	if "$bin" -max_total_time="$seconds" -timeout=10 -rss_limit_mb=512 \
		-print_final_stats=1 -artifact_prefix="$build/fuzz-artifacts/$name/" \
		"$corpus" >"$work/$name.log" 2>&1; then
		grep -E '^(stat::number_of_executed_units|stat::peak_rss_mb|#[0-9]+.*DONE)' \
			"$work/$name.log" || true
	else
		echo "fuzz_$name FAILED:"
		tail -n 40 "$work/$name.log"
		rc=1
	fi
done
[ "$found" = 1 ] || { echo "no fuzz_* binaries in $build"; exit 1; }
exit $rc
