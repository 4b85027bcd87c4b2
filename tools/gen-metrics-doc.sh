#!/bin/sh
# Regenerate the metric tables of docs/METRICS.md from the code's metric
# descriptor tables (build/sf-metrics-doc). With --check, only compare:
# exit 1 when the document is out of date (run by ctest as docs_metrics).
set -eu
build=${1:-build}
here=$(dirname "$0")
exec sh "$here/doc-block.sh" "$here/../docs/METRICS.md" METRICS gen-metrics-doc.sh "${2:-write}" \
	"$build/sf-metrics-doc"
