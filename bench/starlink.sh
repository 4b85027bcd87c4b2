#!/bin/sh
# bench/starlink.sh BUILD_DIR - cost of one Starlink poll (CPU time, bytes,
# heap allocations; target: 0 allocations per poll after warm-up), measured
# with the real collector against tests/starlink/dish_emulator.py on
# loopback, with a fork/exec baseline measured in the same run.
set -eu
build=${1:-build}
here=$(cd "$(dirname "$0")/.." && pwd)
[ -x "$build/sl_bench" ] || { echo "starlink bench: $build/sl_bench not built (SF_STARLINK=OFF?)"; exit 0; }
out=$(mktemp)
err=$(mktemp)
/usr/bin/python3 "$here/tests/starlink/dish_emulator.py" --descriptor "$build/gen/dish.pb" \
	--port 0 --scenario healthy >"$out" 2>"$err" &
emu=$!
trap 'kill $emu 2>/dev/null; wait $emu 2>/dev/null || true; rm -f "$out" "$err"' EXIT INT TERM
i=0
while ! grep -q '^PORT ' "$out"; do
	i=$((i + 1))
	if [ $i -ge 300 ] || ! kill -0 $emu 2>/dev/null; then
		echo "starlink bench: emulator did not start:"; cat "$err"; exit 1
	fi
	sleep 0.1
done
port=$(sed -n 's/^PORT //p' "$out")
cd "$here"
"$build/sl_bench" -p "$port" -n 2000 -s 6
