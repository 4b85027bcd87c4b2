#!/bin/sh
# bench/cellular.sh BUILD_DIR [SEEDS] - the engine on the cellular traces
# (sim/scenarios_cell.c, docs/ENGINE.md "Cellular traces"), default settings.
#
# Per trace and seed 1..SEEDS (default 10): switches, false switches, the
# decision delay of the Starlink fault (s), seconds on each member and
# without a primary; the switches of seed 1 with their reasons; the switch
# reasons of the hour of driving over all seeds. Then the RSRP-slope
# trigger (predict_rsrp_slope_db_per_s, off by default) at 0.5, 1 and 2
# dB/s on every cellular trace and seed: how often it fires on the cellular
# member before a failure of it (the member truly bad within 60 s: out of
# sync or losing >= 5 %), how often without one, and how often while it is
# already bad. ~3 s for 10 seeds.
set -eu
build=${1:-build}
seeds=${2:-10}
for b in starfail-sim starfail-tracegen; do
	if [ ! -x "$build/$b" ]; then
		echo "bench cellular: $build/$b missing (build first)" >&2
		exit 1
	fi
done
out="$build/bench-cell"
rm -rf "$out"
mkdir -p "$out"
traces="cellular_fade_wifi_dc bad_radio_backup_dc bad_radio_only_backup_dc cellular_drive_1h_dc"
s=1
while [ "$s" -le "$seeds" ]; do
	mkdir -p "$out/$s"
	# shellcheck disable=SC2086
	"$build/starfail-tracegen" --seed "$s" "$out/$s" $traces 2>/dev/null
	s=$((s + 1))
done

echo "cellular traces, default settings, seeds 1-$seeds: switches/false, delay of the Starlink"
echo "fault (s), seconds on each member as primary | the switches (time s, from>to: st = starlink,"
echo "lt = lte, wl = wlan; '-' = no primary)"
for t in $traces; do
	echo "  $t:"
	s=1
	while [ "$s" -le "$seeds" ]; do
		"$build/starfail-sim" --members "$out/$s/$t.trace" | awk -v s="$s" '
			$2 == "starfail" && $3 == "switch" && $4 != "-" {
				x = x sprintf(" %.1f %s>%s", substr($1, 3), substr($4, 1, 2), substr($6, 1, 2)) }
			$1 == "starfail" { sw = $3 "/" $4; d = $2 }
			$1 == "on" && $2 == "starfail:" { on = ""; for (i = 3; i <= NF; i++) on = on " " $i }
			END { printf "    seed %2d: %5s delay %4s  on:%s  |%s\n", s, sw, d, on, x }'
		s=$((s + 1))
	done
done
echo
echo "switches of seed 1 (time, from -> to, reason):"
for t in $traces; do
	echo "  $t:"
	"$build/starfail-sim" "$out/1/$t.trace" | awk '$2 == "starfail" && $3 == "switch" {
		printf "    %8s %s -> %s %s\n", substr($1, 3), $4, $6, $7 }'
done
echo
echo "cellular_drive_1h_dc, switch reasons over seeds 1-$seeds:"
s=1
while [ "$s" -le "$seeds" ]; do
	"$build/starfail-sim" "$out/$s/cellular_drive_1h_dc.trace"
	s=$((s + 1))
done | awk '$2 == "starfail" && $3 == "switch" && $4 != "-" && $6 != "-" { n[$4 "->" $6 " " $7]++ }
	END { for (k in n) printf "    %3d  %s\n", n[k], k }' | sort -k2
echo
echo "the drive with the RSRP-slope trigger on (predict_rsrp_slope_db_per_s), summed over seeds 1-$seeds:"
for slope in 0 0.5 1; do
	s=1
	while [ "$s" -le "$seeds" ]; do
		"$build/starfail-sim" --quiet --set predict_rsrp_slope_db_per_s=$slope \
			"$out/$s/cellular_drive_1h_dc.trace" | awk '$1 == "starfail" { print $3, $4, $5 }'
		s=$((s + 1))
	done | awk -v sl="$slope" '{ a += $1; b += $2; c += $3 }
		END { printf "  %3s dB/s: %3d switches, %3d false, %5.1f s on a truly bad cellular primary\n", sl, a, b, c }'
done
echo
echo "RSRP-slope trigger on the cellular member (fires = rising edges; before a failure = the"
echo "member truly bad within 60 s; 'bad' = fired while already bad), seeds 1-$seeds:"
# slope_stats LABEL TRACE...: the counts over those traces and all seeds
slope_stats() {
	label=$1
	shift
	for slope in 0.5 1 2; do
		s=1
		while [ "$s" -le "$seeds" ]; do
			for t in "$@"; do
				f="$out/$s/$t.trace"
				"$build/starfail-sim" --events --set predict_rsrp_slope_db_per_s=$slope "$f" |
					grep 'event=predict reason=predictive_signal member=lte' |
					awk '{ print "fire", substr($1, 3) * 1000 }'
				awk '$1 == "truth" && $3 == "lte" { print "truth", $2, $4 }' "$f"
				echo "end"
			done
			s=$((s + 1))
		done | awk -v slope="$slope" -v label="$label" '
			function flush(   i, j, hit) {
				for (i = 0; i < nf; i++) {
					if (state_at(fire[i]) == "bad") { during++; continue }
					hit = 0
					for (j = 0; j < nb; j++)
						if (onset[j] > fire[i] && onset[j] <= fire[i] + 60000) hit = 1
					if (hit) with++; else without++
				}
				nf = 0; nb = 0; nt = 0
			}
			function state_at(t,   k, st) {
				st = "good"
				for (k = 0; k < nt; k++) if (tt[k] <= t) st = ts[k]
				return st
			}
			$1 == "fire" { fire[nf++] = $2 }
			$1 == "truth" { tt[nt] = $2; ts[nt++] = $3; if ($3 == "bad") onset[nb++] = $2 }
			$1 == "end" { flush() }
			END {
				printf "  %-10s %3s dB/s: %3d fires: %3d before a failure, %3d without one, %3d while bad\n",
					label, slope, with + without + during, with, without, during
			}'
	done
}
# shellcheck disable=SC2086
slope_stats all $traces
slope_stats drive cellular_drive_1h_dc
