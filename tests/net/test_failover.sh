#!/bin/sh
# test_failover.sh DRIVER - probes + link monitor + route controller
# together (the driver's "failover" mode: route through the first member
# whose link is usable and whose last round was up). Measures how long the
# default route takes to move when the primary is blackholed and when it
# loses carrier, at the production cadence (interval 1000 ms, timeout 500
# ms); checks nothing of ours is left after stop.
DRV=${1:?usage: test_failover.sh path/to/sfnet_drv}
. "$(dirname "$0")/lib.sh"
setup_topology
OUT=$(mktemp /tmp/sfn-fo.XXXXXX)
trap 'cleanup; [ -n "$KEEP" ] || rm -f "$OUT" "$OUT".*' EXIT
TABLE=7373
dev_for() { inr ip -o route get "$1" | sed -n 's/.* dev \([^ ]*\).*/\1/p'; }

# wait (up to 4 s) for a "switch" line to member $1 after time T; print delay
switch_delay() {
	for i in $(seq 160); do
		l=$(awk -v t="$T" -v m="member=$1" '$1 == "switch" && $0 ~ m { split($2, a, "="); if (a[2] >= t) { print a[2] - t; exit } }' "$OUT")
		[ -n "$l" ] && { echo "$l"; return; }
		sleep 0.025
	done
	echo 99999
}

bg_in "$NS_R" "$DRV" failover -t 30000 -i 1000 -T 500 a=$RA=$TARGET4,icmp:$TARGET6 b=$RB=$TARGET4,icmp:$TARGET6 >"$OUT" 2>"$OUT.log"
DRVPID=$!
for i in $(seq 40); do grep -q "switch .*member=a" "$OUT" && break; sleep 0.05; done
sleep 1.2
check "starts on member a" [ "$(dev_for $TARGET4)" = "$RA" ]

T=$(now_ms); impair "$NS_A"
D=$(switch_delay b)
echo "measured: blackhole on a -> default route via b in $D ms"
check "blackhole: route moved within 2 s ($D ms; worst case interval + timeout = 1500)" [ "$D" -lt 2000 ]
check "blackhole: traffic goes through b" [ "$(dev_for $TARGET4)" = "$RB" ]
check "blackhole: IPv6 traffic goes through b" \
	sh -c "ip netns exec $NS_R ip -o -6 route get $TARGET6 | grep -q 'dev $RB'"

T=$(now_ms); unimpair "$NS_A"
D=$(switch_delay a)
echo "measured: a healthy again -> back on a in $D ms"
check "recovery: back on a" [ "$(dev_for $TARGET4)" = "$RA" ]

sleep 1.1	# the kernel rate-limits carrier events to one per second
T=$(now_ms); ina ip link set "$AR" down
D=$(switch_delay b)
echo "measured: carrier loss on a -> default route via b in $D ms"
# 55 ms when the kernel reports at once; its linkwatch may add up to 1 s
# when another link event happened on the host in the last second (other
# tests make veths at the same time), and a loaded machine adds some more
check "carrier loss: switched within 500 ms + linkwatch delay ($D ms)" [ "$D" -lt 2000 ]
ina ip link set "$AR" up

T=$(now_ms); impair "$NS_A"; impair "$NS_B"
D=$(switch_delay none)
echo "measured: all uplinks blackholed -> Starfail routes removed in $D ms"
check "all down: our table emptied, system routes in charge" [ -z "$(inr ip route show table $TABLE)" ]
check "all down: main default routes intact" [ "$(inr ip route show default | grep -c 'proto static')" = 2 ]
unimpair "$NS_A"; unimpair "$NS_B"

kill -TERM $DRVPID
wait $DRVPID
check "stop: no route of ours left" [ -z "$(inr ip route show table all proto 73; inr ip -6 route show table all proto 73)" ]
check "stop: no rule of ours left" [ -z "$(inr ip rule show | grep 'proto 73'; inr ip -6 rule show | grep 'proto 73')" ]
grep -q "AddressSanitizer\|runtime error" "$OUT.log" && fail "sanitizer report"
finish
