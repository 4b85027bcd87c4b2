#!/bin/sh
# lint.sh BUILD_DIR - eslint over luci-app-starfail's views, with LuCI's
# globals declared (package/luci-app-starfail/eslint.config.js). eslint is
# the version package-lock.json pins, installed by `npm ci` into
# BUILD_DIR/luci-lint (again only when the lock file changed). Fails on any
# error; then checks that the same config refuses tests/luci/lint_bad.js
# (markup sink, undeclared global, unused variable), so the lint can fail.
set -eu
repo=$(cd "$(dirname "$0")/../.." && pwd)
app=$repo/package/luci-app-starfail
out=$(mkdir -p "$1/luci-lint" && cd "$1/luci-lint" && pwd)
if ! command -v npm >/dev/null 2>&1; then
	echo "lint: npm not found (tools/deps.sh installs it)" >&2
	exit 1
fi
if ! cmp -s "$app/package-lock.json" "$out/package-lock.json" || [ ! -x "$out/node_modules/.bin/eslint" ]; then
	cp "$app/package.json" "$app/package-lock.json" "$out/"
	(cd "$out" && npm ci --no-audit --no-fund --loglevel=error) || { echo "lint: npm ci failed" >&2; exit 1; }
fi
cp "$app/eslint.config.js" "$out/eslint.config.js"
cd "$repo"
echo "eslint $("$out/node_modules/.bin/eslint" --version) over package/luci-app-starfail/htdocs"
"$out/node_modules/.bin/eslint" --max-warnings 0 -c "$out/eslint.config.js" package/luci-app-starfail/htdocs
echo "views: no lint errors"
if "$out/node_modules/.bin/eslint" -c "$out/eslint.config.js" tests/luci/lint_bad.js >"$out/bad.log" 2>&1; then
	echo "lint: tests/luci/lint_bad.js passed, but must not" >&2
	exit 1
fi
for rule in no-restricted-properties no-undef no-unused-vars; do
	grep -q "$rule" "$out/bad.log" || { echo "lint: $rule not reported for lint_bad.js:" >&2; cat "$out/bad.log" >&2; exit 1; }
done
echo "lint_bad.js refused: innerHTML, an undeclared global, an unused variable"
