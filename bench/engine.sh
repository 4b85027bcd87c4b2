#!/bin/sh
# bench/engine.sh BUILD_DIR - the decision engine against the peers' baselines.
#
# Generates the seeded trace corpus (24 h healthy traces included) and runs
# every trace through Starfail's engine and the mwan3, RutOS and
# pfSense/dpinger baselines in one pass, so all figures come from the same
# samples. Prints per trace and policy: detection delay (s, from the fault's
# onset; negative = left before an announced fault), switches, false
# switches, seconds spent on a truly bad uplink, and the delay ratio
# ours/baseline. Then the engine's speed on a 24 h trace.
set -eu
build=${1:-build}
for b in starfail-sim starfail-tracegen; do
	if [ ! -x "$build/$b" ]; then
		echo "bench engine: $build/$b missing (build first)" >&2
		exit 1
	fi
done
out="$build/bench-traces"
rm -rf "$out"
mkdir -p "$out"
"$build/starfail-tracegen" --seed 1 --long "$out"
echo "engine vs baselines, default settings, seed 1 (docs/ENGINE.md explains every column)"
"$build/starfail-sim" --policy all --table "$out"/*.trace
echo
echo "engine speed (starfail policy only):"
for t in healthy_starlink_24h healthy_noisy_24h; do
	"$build/starfail-sim" --quiet "$out/$t.trace" | head -1
done
