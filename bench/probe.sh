#!/bin/sh
# bench/probe.sh BUILD - figures of the network part, in network namespaces
# (root; prints SKIP otherwise):
#  1. blackhole on the primary -> default route via the backup, N trials,
#     production cadence (interval 1000 ms, timeout 500 ms): p50/p95/max
#  2. CPU per probe of the in-loop prober vs. the baseline mwan3track uses
#     (fork+exec of `ping -c 1` per probe), same target
# SFN_TRIALS=n sets the number of switch trials; SFN_SKIP_SWITCH=1 skips them.
set -eu
BUILD=${1:-build}
DRV=$(cd "$BUILD" && pwd)/sfnet_drv
[ -x "$DRV" ] || { echo "SKIP: $DRV not built"; exit 0; }
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root (network namespaces)"; exit 0; }
cd "$(dirname "$0")/.."
set +e
. tests/net/lib.sh
set -e
setup_topology
OUT=$(mktemp /tmp/sfn-bench.XXXXXX)
trap 'cleanup; rm -f "$OUT" "$OUT".*' EXIT
TRIALS=${SFN_TRIALS:-8}
[ -n "${SFN_SKIP_SWITCH:-}" ] && TRIALS=0

# 1. switch latency
bg_in "$NS_R" "$DRV" failover -t 600000 -i 1000 -T 500 a=$RA=$TARGET4 b=$RB=$TARGET4 >"$OUT" 2>/dev/null
DP=$!
sleep 1.5
: > "$OUT.d"
n=0
while [ $n -lt "$TRIALS" ]; do
	T=$(now_ms)
	impair "$NS_A"
	for i in $(seq 120); do
		l=$(awk -v t="$T" '$1 == "switch" && /member=b/ { split($2, a, "="); if (a[2] >= t) { print a[2] - t; exit } }' "$OUT")
		[ -n "$l" ] && break
		sleep 0.025
	done
	echo "${l:-99999}" >> "$OUT.d"
	unimpair "$NS_A"
	T=$(now_ms)
	for i in $(seq 120); do
		awk -v t="$T" '$1 == "switch" && /member=a/ { split($2, a, "="); if (a[2] >= t) { f=1 } } END { exit !f }' "$OUT" && break
		sleep 0.025
	done
	sleep "0.$(( (n * 137) % 10 ))"	# vary the phase against the probe schedule
	n=$((n + 1))
done
kill -TERM $DP; wait $DP || true
sort -n "$OUT.d" > "$OUT.s"
p50=$(awk '{ a[NR] = $1 } END { print a[int((NR + 1) / 2)] }' "$OUT.s")
p95=$(awk '{ a[NR] = $1 } END { i = int(NR * 0.95 + 0.999); print a[i] }' "$OUT.s")
max=$(tail -n 1 "$OUT.s")
echo "blackhole->switch (interval 1000 ms, timeout 500 ms, $TRIALS trials): p50 ${p50} ms  p95 ${p95} ms  max ${max} ms  (target: p95 <= 2000 ms)"

# 2. CPU per probe: prober vs fork+exec ping
PROBES=400
inr "$DRV" probe -t 5000 -i 50 -T 200 a=$RA=$TARGET4,$TARGET4,$TARGET4,$TARGET4 >"$OUT.p" 2>/dev/null
sent=$(grep '^summary' "$OUT.p" | sed -n 's/.* sent=\([0-9]*\).*/\1/p')
cpu=$(sed -n 's/^rusage user_ms=\([0-9]*\) sys_ms=\([0-9]*\)/\1 \2/p' "$OUT.p" | awk '{ print $1 + $2 }')
ours=$(awk -v c="$cpu" -v n="$sent" 'BEGIN { printf "%.1f", c * 1000 / n }')
[ "$cpu" = 0 ] && ours="<$(awk -v n="$sent" 'BEGIN { printf "%.1f", 1000 / n }')"
base=$(ip netns exec "$NS_R" bash -c "TIMEFORMAT='%U %S'; time (for i in \$(seq $PROBES); do ping -c 1 -W 1 -I $RA $TARGET4 >/dev/null; done)" 2>&1 | tail -n 1 | awk -v n=$PROBES '{ printf "%.1f", ($1 + $2) * 1e6 / n }')
echo "CPU per probe: prober ${ours} us ($sent probes, incl. start-up)  fork+exec ping ${base} us  ratio $(awk -v a="$base" -v b="${ours#<}" 'BEGIN { printf "%s%.0fx", (b > 0 ? "" : ">"), a / (b > 0 ? b : 1) }')"
