#!/bin/sh
# Regenerate the option tables of docs/CONFIGURATION.md from the code's
# option tables (starfaild --print-options). With --check, only compare:
# exit 1 when the document is out of date (run by ctest as docs_config).
set -eu
build=${1:-build}
mode=${2:-write}
doc=$(dirname "$0")/../docs/CONFIGURATION.md
begin='<!-- BEGIN GENERATED OPTIONS (tools/gen-config-doc.sh) -->'
end='<!-- END GENERATED OPTIONS -->'
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.new"' EXIT
"$build/starfaild" --print-options > "$tmp"
awk -v b="$begin" -v e="$end" -v f="$tmp" '
	$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
	$0 == e { skip = 0 }
	!skip { print }' "$doc" > "$tmp.new"
if [ "$mode" = "--check" ]; then
	if ! cmp -s "$doc" "$tmp.new"; then
		echo "docs/CONFIGURATION.md is out of date: run tools/gen-config-doc.sh $build" >&2
		diff "$doc" "$tmp.new" | head -20 >&2
		exit 1
	fi
	echo "docs/CONFIGURATION.md matches the option tables"
else
	cp "$tmp.new" "$doc"
fi
