#!/bin/sh
# grid.sh BUILD_DIR [--long|--default-long] [--seeds N] [--first-seed K] [--set OPT=VAL]...
#
# The healthy traces over the probing grid the daemon may run at: 1, 2 and 3
# targets per round, primary rounds every 500, 1000, 1500 and 2000 ms
# (standby 5 s, fast confirmation rounds after a fully lost round), seeds
# K..K+N-1 (default 1..5), three traffic models: healthy_noisy (wired, 1 % loss,
# +-30 ms), healthy_starlink (1.5 % background loss plus slot-boundary losses
# and spikes) and healthy_starlink_lossy (3 % background loss plus the
# same). Prints switches summed over the seeds per grid point and model and
# the primary's extra probe bytes per day spent on suspicion (adaptive
# evidence, as the daemon does it: tracegen's default), and exits 1 when any
# point switched (the goal is 0 everywhere).
#
# Then the fault goals of issue 9 at every grid point (both members at the
# point's cadence: after a switch the failed member is probed at the primary
# cadence), seeds as above: recurring obstruction for an hour <= 2 switches,
# none false; flapping (10 s bad / 10 s good) <= 2 switches; congestion ramp
# switched before its loss passes 5 % (15 s after the onset). Exit 1 when one
# is missed. The pure loss ramp (0 -> 20 % over 60 s; goal: before 10 %, 30
# s) is printed with the share of runs that met it, not asserted: at these
# probe budgets it is at the statistical limit (docs/ENGINE.md section 11).
#
#   (default)       1 h traces              ~10 s
#   --default-long  24 h traces at the daemon's defaults (3 targets, 1.5 s)
#                   only, plus the 1 h grid  ~20 s
#   --long          24 h traces at every grid point   ~3-4 min (bench only)
set -eu
build=$1
shift
mode=short
seeds=5
first=1
sets=""
while [ $# -gt 0 ]; do
	case $1 in
	--long) mode=long ;;
	--default-long) mode=default-long ;;
	--seeds) seeds=$2; shift ;;
	--first-seed) first=$2; shift ;;
	--set) sets="$sets --set $2"; shift ;;
	*) echo "grid.sh: unknown argument $1" >&2; exit 2 ;;
	esac
	shift
done
tmp=$(mktemp -d "${TMPDIR:-/tmp}/sf-grid.XXXXXX")
trap 'rm -rf "$tmp"' EXIT INT TERM
rc=0
run_point() {	# targets round_ms hours
	tg=$1 r=$2 h=$3
	line=$(printf '%-7s %-8s %-4s' "$tg" "$r" "${h}h")
	for model in healthy_noisy healthy_starlink healthy_starlink_lossy; do
		sw=0 worst=0
		s=$first
		while [ "$s" -lt $((first + seeds)) ]; do
			if [ "$h" = 24 ]; then
				"$build/starfail-tracegen" --seed "$s" --long --cadence "$tg,$r" "$tmp" \
					"${model}_24h" 2>"$tmp/extra"
				t="$tmp/${model}_24h.trace"
			else
				"$build/starfail-tracegen" --seed "$s" --cadence "$tg,$r" "$tmp" "${model}_1h" \
					2>"$tmp/extra"
				t="$tmp/${model}_1h.trace"
			fi
			# the primary's (first member's) extra bytes per day on suspicion
			head -1 "$tmp/extra" | sed -n 's/.*extra_bytes_per_day=\([0-9]*\).*/\1/p' >>"$tmp/bytes.$model"
			# shellcheck disable=SC2086
			n=$("$build/starfail-sim" --quiet $sets "$t" | awk '$1 == "starfail" { print $3 }')
			rm -f "$t"
			sw=$((sw + n))
			[ "$n" -gt "$worst" ] && worst=$n
			s=$((s + 1))
		done
		[ "$sw" -gt 0 ] && rc=1
		kb=$(awk -v h="$h" '{ s += $1; n++ } END { printf "%.0f", n ? s / n / 1000 * h / 24 : 0 }' \
			"$tmp/bytes.$model")
		rm -f "$tmp/bytes.$model"
		line="$line $(printf '%-24s' "$sw (max $worst) +${kb}kB")"
	done
	echo "$line"
}

fault_point() {	# targets round_ms
	tg=$1 r=$2
	obs=0 obs_false=0 flap=0 cong=0 ramp_ok=0 ramp_worst=0 n=0
	s=$first
	while [ "$s" -lt $((first + seeds)) ]; do
		"$build/starfail-tracegen" --seed "$s" --cadence "$tg,$r,$r" "$tmp" \
			starlink_obstruction_recurring_dc flapping_dc congestion_ramp_dc loss_ramp_dc 2>/dev/null
		# shellcheck disable=SC2086
		res=$("$build/starfail-sim" --quiet $sets "$tmp/starlink_obstruction_recurring_dc.trace" \
			"$tmp/flapping_dc.trace" "$tmp/congestion_ramp_dc.trace" "$tmp/loss_ramp_dc.trace" |
			awk '$1 == "starfail" { printf "%s %s %s ", $2, $3, $4 }')
		# shellcheck disable=SC2086
		set -- $res
		[ "$2" -gt "$obs" ] && obs=$2
		[ "$3" -gt "$obs_false" ] && obs_false=$3
		[ "$5" -gt "$flap" ] && flap=$5
		cong=$(awk -v a="$cong" -v b="$7" 'BEGIN { print (b == "-" || b > a) ? b : a }')
		ramp_ok=$(awk -v a="$ramp_ok" -v b="${10}" 'BEGIN { print a + (b != "-" && b <= 30) }')
		ramp_worst=$(awk -v a="$ramp_worst" -v b="${10}" 'BEGIN { print (b == "-" || b > a) ? b : a }')
		n=$((n + 1))
		s=$((s + 1))
	done
	bad=""
	[ "$obs" -gt 2 ] || [ "$obs_false" -gt 0 ] && bad="$bad obstruction"
	[ "$flap" -gt 2 ] && bad="$bad flapping"
	awk -v c="$cong" 'BEGIN { exit !(c == "-" || c > 15) }' && bad="$bad congestion"
	[ -n "$bad" ] && rc=1
	printf '%-7s %-8s %-18s %-12s %-18s %-26s %s\n' "$tg" "$r" "$obs (false $obs_false)" "$flap" \
		"${cong} s" "$ramp_ok/$n (worst $ramp_worst s)" "${bad:+MISSED:$bad}"
}
echo "healthy traces over the grid: switches summed over seeds $first..$((first + seeds - 1)) (goal 0)"
printf '%-7s %-8s %-4s %-24s %-24s %-24s\n' targets round_ms len healthy_noisy healthy_starlink \
	healthy_starlink_lossy
echo "(each: switches, the worst seed, the primary's extra probe bytes on suspicion over the"
echo " trace, mean of the seeds; the bucket starts full: 1/8 of probe_boost_budget_kb_day)"
for tg in 1 2 3; do
	for r in 500 1000 1500 2000; do
		if [ "$mode" = long ]; then
			run_point "$tg" "$r" 24
		else
			run_point "$tg" "$r" 1
		fi
	done
done
if [ "$mode" = default-long ]; then
	run_point 3 1500 24
fi
echo
echo "fault goals over the grid, seeds $first..$((first + seeds - 1)) (worst seed; goal)"
printf '%-7s %-8s %-18s %-12s %-18s %-26s\n' targets round_ms "obstruction (<=2)" "flap (<=2)" \
	"congestion (<=15)" "loss ramp <=30 s (report)"
for tg in 1 2 3; do
	for r in 500 1000 1500 2000; do
		fault_point "$tg" "$r"
	done
done
exit $rc
