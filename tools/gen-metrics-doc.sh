#!/bin/sh
# Regenerate the metric tables of docs/METRICS.md from the code's metric
# descriptor tables (build/sf-metrics-doc). With --check, only compare:
# exit 1 when the document is out of date (run by ctest as docs_metrics).
set -eu
build=${1:-build}
mode=${2:-write}
doc=$(dirname "$0")/../docs/METRICS.md
begin='<!-- BEGIN GENERATED METRICS (tools/gen-metrics-doc.sh) -->'
end='<!-- END GENERATED METRICS -->'
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.new"' EXIT
"$build/sf-metrics-doc" > "$tmp"
grep -qxF "$begin" "$doc" && grep -qxF "$end" "$doc" || {
	echo "docs/METRICS.md lacks the generated-block markers" >&2
	exit 1
}
awk -v b="$begin" -v e="$end" -v f="$tmp" '
	$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
	$0 == e { skip = 0 }
	!skip { print }' "$doc" > "$tmp.new"
if [ "$mode" = "--check" ]; then
	if ! cmp -s "$doc" "$tmp.new"; then
		echo "docs/METRICS.md is out of date: run tools/gen-metrics-doc.sh $build" >&2
		diff "$doc" "$tmp.new" | head -20 >&2
		exit 1
	fi
	echo "docs/METRICS.md matches the metric tables"
else
	cp "$tmp.new" "$doc"
fi
