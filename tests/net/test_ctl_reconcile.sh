#!/bin/sh
# test_ctl_reconcile.sh DRIVER - the route controller puts back what others
# remove (controller.h, "Reconciliation"), against the real kernel:
# `ip route flush table`, `ip rule del` of one of its rules, its route
# replaced by a foreign one, a stray route of its protocol at another
# metric, an address removed and re-added, a link down
# and up; the state says drifted while it cannot repair, and applied once it
# has; a second instance in the same namespace is refused and removes
# nothing; a route of its protocol of over 256 bytes is swept. Prints the
# measured repair times.
DRV=${1:?usage: test_ctl_reconcile.sh path/to/sfnet_drv}
. "$(dirname "$0")/lib.sh"
setup_topology
OUT=$(mktemp /tmp/sfn-rec.XXXXXX)
trap 'cleanup; [ -n "$KEEP" ] || rm -f "$OUT" "$OUT".*' EXIT
TABLE=7373
# what netifd does on ifup: addresses kept over a link down
inr sysctl -qw net.ipv6.conf.$RA.keep_addr_on_down=1

our4() { inr ip route show table $TABLE | grep -q "default via 10.201.1.1 dev $RA proto 73"; }
our6() { inr ip -6 route show table $TABLE | grep -q "default via fd00:201:1::1 dev $RA proto 73"; }
rules() { [ "$(inr ip rule show | grep -c 'proto 73')" = 2 ] && [ "$(inr ip -6 rule show | grep -c 'proto 73')" = 2 ]; }
all_ours() { our4 && our6 && rules; }
# wait_ms BOUND_MS COMMAND...: poll every 10 ms; prints the time taken, fails after BOUND_MS
wait_ms() {
	_b=$1; shift
	_t0=$(now_ms)
	while ! "$@"; do
		[ $(($(now_ms) - _t0)) -gt "$_b" ] && { echo "timeout"; return 1; }
		sleep 0.01
	done
	echo $(($(now_ms) - _t0))
}
states() { grep -c "^state .*new=$1" "$OUT.run"; }

bg_in "$NS_R" "$DRV" ctl -t 40000 apply a=$RA run >"$OUT.run" 2>&1
DRV_PID=$!
for i in $(seq 100); do grep -q running "$OUT.run" && break; sleep 0.05; done
check "driver running with our routes and rules" all_ours

# 1. ip route flush table 7373
d0=$(states drifted)
inr ip route flush table $TABLE
ms=$(wait_ms 1000 all_ours)
echo "repair after 'ip route flush table $TABLE': $ms ms"
check "flush: routes back within 1 s ($ms ms)" [ "$ms" != timeout ]
sleep 0.2
check "flush: a drift was reported" [ "$(states drifted)" -gt "$d0" ]
check "flush: and the state is applied again" sh -c "grep '^state' $OUT.run | tail -n 1 | grep -q new=applied"

# 2. one of our rules deleted
inr ip rule del pref 32001
ms=$(wait_ms 1000 all_ours)
echo "repair after 'ip rule del pref 32001': $ms ms"
check "rule del: rule back within 1 s ($ms ms)" [ "$ms" != timeout ]

# 3. our route replaced by someone else's in our table
inr ip route replace default via 10.201.2.1 dev "$RB" table $TABLE proto static metric 1
ms=$(wait_ms 1000 our4)
echo "repair after a foreign route replaced ours: $ms ms"
check "replaced: ours back within 1 s ($ms ms)" [ "$ms" != timeout ]
inr ip route del default via 10.201.2.1 dev "$RB" table $TABLE proto static metric 1 2>/dev/null

# 3b. a default route of our protocol in our table with another metric (a
# leftover of another route_metric, or put there by hand): it is not ours
# as wanted; decided: removed (protocol 73 is Starfail's, the sweep would
# remove it too), then the state converges - no repair loop
sleep 0.2
d0=$(states drifted)
inr ip route add default via 10.201.2.1 dev "$RB" table $TABLE proto 73 metric 5
inr ip -6 route add default via fd00:201:2::1 dev "$RB" table $TABLE proto 73 metric 5
no_stray() { ! inr ip route show table $TABLE | grep -q "metric 5" && ! inr ip -6 route show table $TABLE | grep -q "metric 5"; }
stray_gone() { no_stray && all_ours; }
ms=$(wait_ms 1000 stray_gone)
echo "stray proto 73 default routes (metric 5) removed: $ms ms"
check "stray: removed within 1 s, ours intact ($ms ms)" [ "$ms" != timeout ]
sleep 0.3
ip -n "$NS_R" monitor route >"$OUT.mon" 2>&1 &
MON=$!
s0=$(grep -c "^state" "$OUT.run")
sleep 2
kill $MON; wait $MON 2>/dev/null
ev=$(grep -c "table $TABLE" "$OUT.mon")
st=$(($(grep -c "^state" "$OUT.run") - s0))
echo "stray: in the 2 s after: $ev route changes in table $TABLE, $st state changes"
check "stray: no repair loop (0 route changes, 0 state changes in 2 s)" [ "$ev.$st" = 0.0 ]
check "stray: exactly one drift reported" [ "$(states drifted)" = $((d0 + 1)) ]
check "stray: and the state is applied again" sh -c "grep '^state' $OUT.run | tail -n 1 | grep -q new=applied"

# 4. address removed and added again on the uplink
sleep 0.2
inr ip addr del 10.201.1.2/24 dev "$RA"
sleep 0.3
check "addr del: our IPv4 route is gone (the kernel removed it)" sh -c "! ip netns exec $NS_R ip route show table $TABLE | grep -q 'via 10.201.1.1'"
check "addr del: the state says drifted" sh -c "grep '^state' $OUT.run | tail -n 1 | grep -q new=drifted"
inr ip addr add 10.201.1.2/24 dev "$RA"
ms=$(wait_ms 1000 all_ours)
echo "repair after address delete + re-add: $ms ms after the re-add"
check "addr re-add: routes back within 1 s ($ms ms)" [ "$ms" != timeout ]

# 5. link down and up (the kernel removes IPv4 routes silently)
sleep 0.2
inr ip link set "$RA" down
sleep 0.5
check "link down: our route is gone" sh -c "! ip netns exec $NS_R ip route show table $TABLE | grep -q 'via 10.201.1.1'"
check "link down: the state says drifted (waiting)" sh -c "grep '^state' $OUT.run | tail -n 1 | grep -q 'new=drifted.*waiting'"
inr ip link set "$RA" up
ms=$(wait_ms 1000 all_ours)
echo "repair after link down/up: $ms ms after the link came up"
check "link up: routes back within 1 s ($ms ms)" [ "$ms" != timeout ]
sleep 0.2
check "link up: the state is applied again" sh -c "grep '^state' $OUT.run | tail -n 1 | grep -q new=applied"

# 6. a second instance is refused and removes nothing
inr "$DRV" ctl init >"$OUT.second" 2>&1
rc=$?
check "second instance refused (rc $rc)" [ "$rc" -ne 0 ]
check "with a message naming the first one's pid" grep -q "another starfaild (pid [0-9]*) already manages" "$OUT.second"
check "and the first one's routes and rules are intact" all_ours

kill -TERM $DRV_PID
wait $DRV_PID 2>/dev/null
check "after the first one stops: nothing of ours left" \
	[ -z "$(inr ip route show table all proto 73; inr ip -6 route show table all proto 73; inr ip rule | grep 'proto 73')" ]
# 7. a route of our protocol whose message is over 256 bytes (nexthops and
# metrics) is swept as well (init and stop): none is skipped
inr ip route add 10.99.0.0/24 proto 73 table 7374 mtu 1400 advmss 1300 window 1000 rtt 10 rttvar 5 \
	ssthresh 3 cwnd 5 initcwnd 5 initrwnd 5 reordering 3 hoplimit 64 rto_min 10 quickack 1 features ecn \
	congctl cubic nexthop via 10.201.1.1 dev "$RA" nexthop via 10.201.2.1 dev "$RB" \
	nexthop via 10.201.1.3 dev "$RA" nexthop via 10.201.2.3 dev "$RB"
check "a big route of protocol 73 is in place" sh -c "ip netns exec $NS_R ip route show table 7374 | grep -q 10.99.0.0"
inr "$DRV" ctl init >"$OUT.big" 2>&1
check "swept: the big route is gone after init and stop" \
	sh -c "! ip netns exec $NS_R ip route show table 7374 | grep -q 10.99.0.0"

# 8. main mode with route_metric 0 (IPv6 keeps it as 1024): ours is recognised
# as ours, no drift, no repair loop over 2 s (via RB: the link down of 5.
# took the static default routes via RA away)
inr "$DRV" ctl -n 254 -m 0 -t 2000 apply b=$RB run >"$OUT.main" 2>&1
check "main, metric 0: no drift in 2 s" [ "$(grep -c '^state .*new=drifted' "$OUT.main")" = 0 ]
check "main, metric 0: the state is applied" sh -c "grep '^state' $OUT.main | tail -n 1 | grep -q new=applied"
check "main, metric 0: nothing of ours left after stop" \
	[ -z "$(inr ip route show table all proto 73; inr ip -6 route show table all proto 73)" ]

grep "^state" "$OUT.run" | sed 's/^/  /'
finish
