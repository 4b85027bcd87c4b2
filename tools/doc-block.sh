#!/bin/sh
# doc-block.sh DOC WHAT SCRIPT MODE CMD... - replace the generated block of
# DOC (between "<!-- BEGIN GENERATED WHAT (tools/SCRIPT) -->" and
# "<!-- END GENERATED WHAT -->") by the output of CMD. MODE --check only
# compares: exit 1 when DOC is out of date. Used by gen-config-doc.sh and
# gen-metrics-doc.sh (ctest docs_config, docs_metrics).
set -eu
doc=$1 what=$2 script=$3 mode=$4
shift 4
name=docs/$(basename "$doc")
begin="<!-- BEGIN GENERATED $what (tools/$script) -->"
end="<!-- END GENERATED $what -->"
tmp=$(mktemp)
trap 'rm -f "$tmp" "$tmp.new"' EXIT
"$@" > "$tmp"
grep -qxF "$begin" "$doc" && grep -qxF "$end" "$doc" || {
	echo "$name lacks the generated-block markers" >&2
	exit 1
}
awk -v b="$begin" -v e="$end" -v f="$tmp" '
	$0 == b { print; while ((getline l < f) > 0) print l; skip = 1; next }
	$0 == e { skip = 0 }
	!skip { print }' "$doc" > "$tmp.new"
if [ "$mode" = "--check" ]; then
	if ! cmp -s "$doc" "$tmp.new"; then
		echo "$name is out of date: run tools/$script" >&2
		diff "$doc" "$tmp.new" | head -20 >&2
		exit 1
	fi
	echo "$name matches the code's tables"
else
	cp "$tmp.new" "$doc"
fi
