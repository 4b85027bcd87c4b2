#!/bin/sh
# tools/demo.sh [BUILD_DIR] - `make demo`: a lab router with three uplinks
# (starlink with the dish emulator, mob1s1a1, wan), the real starfaild with
# its route controller, and a LAN client pinging through it, narrated step by
# step: all healthy, predictive failover on an announced dish reboot, restore
# after the window, packet loss on starlink, failover, restore. About
# 1.5 minutes; needs root. Everything lives in network namespaces prefixed
# "sfdemo" and is torn down at the end, also on Ctrl-C. See docs/DEMO.md.
set -eu
cd "$(dirname "$0")/.."
build=${1:-build}
lab=tests/lab/labctl.py

if [ "$(id -u)" != 0 ]; then
	echo "demo: needs root (it builds network namespaces): sudo make demo" >&2
	exit 1
fi
for f in starfaild starfailctl; do
	if [ ! -e "$build/$f" ]; then
		echo "demo: $build/$f is missing: build first (make)" >&2
		exit 1
	fi
done

cleanup() {
	/usr/bin/python3 "$lab" down -p sfdemo >/dev/null 2>&1 || true
}
trap cleanup EXIT
trap 'cleanup; exit 130' INT TERM HUP

/usr/bin/python3 tests/scenario/demo.py "$build"
