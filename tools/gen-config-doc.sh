#!/bin/sh
# Regenerate the option tables of docs/CONFIGURATION.md from the code's
# option tables (starfaild --print-options). With --check, only compare:
# exit 1 when the document is out of date (run by ctest as docs_config).
set -eu
build=${1:-build}
here=$(dirname "$0")
exec sh "$here/doc-block.sh" "$here/../docs/CONFIGURATION.md" OPTIONS gen-config-doc.sh "${2:-write}" \
	"$build/starfaild" --print-options
