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
# daemon's defaults, ~20 s; --grid: 24 h at every grid point, ~3-5 min) with
# the extra probe bytes spent on suspicion and the fault goals over the grid,
# the effect of adaptive evidence on the detection delays, the probe bytes per
# day against the baselines', and the engine's speed on a 24 h trace.
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
echo "adaptive evidence (on by default, as in the daemon: a member the engine suspects is"
echo "probed every probe_boost_interval_ms within probe_boost_budget_kb_day), delay_s/switches"
echo "per seed 1-6, off (tracegen --adaptive 0) vs on:"
for sc in loss_step_daemon_cadence loss_step10_dc loss_ramp_dc hard_outage_daemon_cadence; do
	for mode in off on; do
		line=$(printf '  %-28s %-3s:' "$sc" "$mode")
		a=""
		[ "$mode" = off ] && a="--adaptive 0"
		for s in 1 2 3 4 5 6; do
			# shellcheck disable=SC2086
			"$build/starfail-tracegen" --seed "$s" $a "$out/adaptive" "$sc" 2>/dev/null
			line="$line $("$build/starfail-sim" --quiet "$out/adaptive/$sc.trace" |
				awk '$1 == "starfail" { print $2 "/" $3 }')"
		done
		echo "$line"
	done
done
echo
echo "probe bytes per day of the primary on the healthy 24 h traces at the daemon's defaults"
echo "(3 targets / 1.5 s = 15.2 MB/day) with the extra bytes spent on suspicion, and the ratio to"
echo "the baselines' probing (mwan3: 1 ping of 56 bytes / 10 s = 1.45 MB/day; RutOS: / 3 s ="
echo "4.84 MB/day; dpinger: 0-byte pings / 500 ms = 9.68 MB/day):"
for sc in healthy_noisy_24h healthy_starlink_24h healthy_starlink_lossy_24h; do
	"$build/starfail-tracegen" --seed 1 --long --cadence 3,1500 "$out/adaptive" "$sc" 2>&1 |
		head -1 | awk -v sc="$sc" '{
			for (i = 1; i <= NF; i++) if ($i ~ /^extra_bytes_per_day=/) { split($i, a, "="); x = a[2] }
			t = 15206400 + x
			printf "  %-28s +%4.0f kB/day (+%.1f %%) = %.2f MB/day: %.1fx mwan3, %.1fx RutOS, %.1fx dpinger\n",
				sc, x / 1000, 100 * x / 15206400, t / 1e6, t / 1451520, t / 4838400, t / 9676800 }'
	sw=$("$build/starfail-sim" --quiet "$out/adaptive/$sc.trace" | awk '$1 == "starfail" { print $3 }')
	echo "    switches: $sw"
done
rm -rf "$out/adaptive"
echo
echo "engine speed (starfail policy only):"
for t in healthy_starlink_24h healthy_noisy_24h; do
	"$build/starfail-sim" --quiet "$out/$t.trace" | head -1
done
