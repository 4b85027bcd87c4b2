#!/bin/sh
# bench/engine.sh BUILD_DIR [--grid] - the decision engine against the peers' baselines.
#
# Generates the seeded trace corpus (24 h healthy traces included) and runs
# every trace through Starfail's engine and the mwan3, RutOS and
# pfSense/dpinger baselines in one pass, so all figures come from the same
# samples. Prints per trace and policy: detection delay (s, from the fault's
# onset; negative = left before an announced fault), switches, false
# switches, seconds spent on a truly bad uplink, and the delay ratio
# ours/baseline. Then the healthy traces over the probing grid (sim/grid.sh:
# 1-3 targets x 0.5-2 s rounds x seeds 1-5; 1 h traces plus 24 h at the
# daemon's defaults, ~20 s; --grid: 24 h at every grid point, ~2-4 min), and
# the engine's speed on a 24 h trace.
set -eu
build=${1:-build}
grid=${2:-}
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
if [ "$grid" = --grid ]; then
	sh "$(dirname "$0")/../sim/grid.sh" "$build" --long || echo "grid: some point switched"
else
	sh "$(dirname "$0")/../sim/grid.sh" "$build" --default-long || echo "grid: some point switched"
fi
echo
echo "suspicion-driven probing (tracegen --adaptive 300: a member the engine marks"
echo "suspect is probed every 300 ms, <= 40 extra rounds a minute), delay_s/switches per seed 1-5:"
for sc in loss_step_daemon_cadence loss_step10_dc hard_outage_daemon_cadence; do
	line="$sc:"
	for s in 1 2 3 4 5; do
		"$build/starfail-tracegen" --seed "$s" --adaptive 300 "$out/adaptive" "$sc" 2>/dev/null
		line="$line $("$build/starfail-sim" --quiet "$out/adaptive/$sc.trace" |
			awk '$1 == "starfail" { print $2 "/" $3 }')"
	done
	echo "  $line"
done
for sc in healthy_starlink_lossy_24h healthy_noisy_24h; do
	"$build/starfail-tracegen" --seed 1 --long --cadence 3,1500 --adaptive 300 "$out/adaptive" "$sc" 2>&1 |
		grep -v ' lte ' | sed 's/^/  extra probes at 3 targets \/ 1.5 s: /'
	"$build/starfail-sim" --quiet "$out/adaptive/$sc.trace" | awk '$1 == "starfail" { print "  switches: " $3 }'
done
rm -rf "$out/adaptive"
echo
echo "engine speed (starfail policy only):"
for t in healthy_starlink_24h healthy_noisy_24h; do
	"$build/starfail-sim" --quiet "$out/$t.trace" | head -1
done
