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
# exits 1 when any point switched (the goal is 0 everywhere).
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
				"$build/starfail-tracegen" --seed "$s" --long --cadence "$tg,$r" "$tmp" "${model}_24h"
				t="$tmp/${model}_24h.trace"
			else
				"$build/starfail-tracegen" --seed "$s" --cadence "$tg,$r" "$tmp" "${model}_1h"
				t="$tmp/${model}_1h.trace"
			fi
			# shellcheck disable=SC2086
			n=$("$build/starfail-sim" --quiet $sets "$t" | awk '$1 == "starfail" { print $3 }')
			rm -f "$t"
			sw=$((sw + n))
			[ "$n" -gt "$worst" ] && worst=$n
			s=$((s + 1))
		done
		[ "$sw" -gt 0 ] && rc=1
		line="$line $(printf '%-24s' "$sw (max/seed $worst)")"
	done
	echo "$line"
}
echo "healthy traces over the grid: switches summed over seeds $first..$((first + seeds - 1)) (goal 0)"
printf '%-7s %-8s %-4s %-24s %-24s %-24s\n' targets round_ms len healthy_noisy healthy_starlink \
	healthy_starlink_lossy
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
exit $rc
