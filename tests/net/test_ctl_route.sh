#!/bin/sh
# test_ctl_route.sh DRIVER - the route controller against the real kernel:
# installs, replaces and removes its own default routes (IPv4 and IPv6) and
# ip rules, wins over the netifd-like routes of the main table (even their
# metric 0), never touches them, and cleans up leftovers after a SIGKILL.
DRV=${1:?usage: test_ctl_route.sh path/to/sfnet_drv}
. "$(dirname "$0")/lib.sh"
setup_topology
OUT=$(mktemp /tmp/sfn-ctl.XXXXXX)
trap 'cleanup; [ -n "$KEEP" ] || rm -f "$OUT" "$OUT".*' EXIT
TABLE=7373

# netifd uses metric 0 by default: make the preferred system route metric 0
inr ip route replace default via 10.201.1.1 dev "$RA" metric 0 proto static
inr ip route del default via 10.201.1.1 dev "$RA" metric 10 proto static
# other people's things that must survive: a static route, a foreign rule
inr ip route add 203.0.113.0/24 via 10.201.2.1 dev "$RB" proto static
inr ip rule add pref 1000 fwmark 0x99 lookup 99
snap() {
	{ inr ip route show table main; inr ip -6 route show table main | grep -v "^fe80\|expires";
	  inr ip rule show | grep -v "proto 73\|lookup $TABLE\|suppress_prefixlength 0"; } > "$1"
}
snap "$OUT.before"
dev_for() { inr ip -o route get "$1" | sed -n 's/.* dev \([^ ]*\).*/\1/p'; }
dev6_for() { inr ip -o -6 route get "$1" | sed -n 's/.* dev \([^ ]*\).*/\1/p'; }

check "system route uses uplink A before Starfail" [ "$(dev_for $TARGET4)" = "$RA" ]

# 1. route through B although A has metric 0 in main
inr "$DRV" ctl apply b=$RB keep >"$OUT.1" 2>&1
check "apply b succeeded" grep -q "apply member=b dev=$RB rc=0" "$OUT.1"
check "our IPv4 default via B in table $TABLE, proto 73" \
	sh -c "ip netns exec $NS_R ip route show table $TABLE | grep -q 'default via 10.201.2.1 dev $RB proto 73'"
check "our IPv6 default via B in table $TABLE" \
	sh -c "ip netns exec $NS_R ip -6 route show table $TABLE | grep -q 'default via fd00:201:2::1 dev $RB proto 73'"
check "rule: main without defaults" sh -c "ip netns exec $NS_R ip rule | grep -q '^32000:.*lookup main suppress_prefixlength 0 proto 73'"
check "rule: our table" sh -c "ip netns exec $NS_R ip rule | grep -q '^32001:.*lookup $TABLE proto 73'"
check "IPv4 traffic goes through B" [ "$(dev_for $TARGET4)" = "$RB" ]
check "IPv6 traffic goes through B" [ "$(dev6_for $TARGET6)" = "$RB" ]
check "specific main routes still win (LAN/static)" [ "$(dev_for 10.201.1.77)" = "$RA" ]
check "a probe bound to A still leaves through A" \
	sh -c "ip netns exec $NS_R ip -o route get $TARGET4 oif $RA | grep -q 'dev $RA'"
snap "$OUT.after1"
check "main table and foreign rules untouched" cmp -s "$OUT.before" "$OUT.after1"

# 2. switch to A: replaced, not added
inr "$DRV" ctl apply a=$RA keep >"$OUT.2" 2>&1
check "switch to a succeeded" grep -q "rc=0" "$OUT.2"
check "exactly one IPv4 default of ours" [ "$(inr ip route show table $TABLE | grep -c default)" = 1 ]
check "and it goes via A" sh -c "ip netns exec $NS_R ip route show table $TABLE | grep -q 'via 10.201.1.1 dev $RA'"
check "IPv4 traffic goes through A" [ "$(dev_for $TARGET4)" = "$RA" ]

# 3. no usable member: ours removed, system routes used
inr "$DRV" ctl apply none keep >"$OUT.3" 2>&1
check "apply none: our table is empty" [ -z "$(inr ip route show table $TABLE)" ]
check "apply none: traffic falls back to the system default (A, metric 0)" [ "$(dev_for $TARGET4)" = "$RA" ]

# 4. members whose device has no address/route, or does not exist: refused
#    with a message naming the member, routes left as they were
inr ip link add sfnc$ID type veth peer name sfnd$ID
inr ip link set sfnc$ID up
inr ip link set sfnd$ID up
inr "$DRV" ctl apply a=$RA apply c=sfnc$ID apply d=sfnmissing$ID keep >"$OUT.4" 2>&1
check "member without address/route refused" grep -q 'member=c .*rc=-1 error="member c: device sfnc'"$ID"' has no usable' "$OUT.4"
check "missing device refused" grep -q 'member=d .*rc=-1 error="member d' "$OUT.4"
check "routes left via A" sh -c "ip netns exec $NS_R ip route show table $TABLE | grep -q 'via 10.201.1.1 dev $RA'"

# 5. crash: SIGKILL while holding routes, then a new start removes leftovers
bg_in "$NS_R" "$DRV" ctl apply b=$RB hold >"$OUT.5" 2>&1
for i in $(seq 50); do grep -q holding "$OUT.5" && break; sleep 0.05; done
kill -9 $!
wait $! 2>/dev/null
check "after SIGKILL our route is still there" sh -c "ip netns exec $NS_R ip route show table $TABLE | grep -q default"
inr "$DRV" ctl clean >"$OUT.6" 2>&1
check "restart + stop: no route of ours left" [ -z "$(inr ip route show table all proto 73; inr ip -6 route show table all proto 73)" ]
check "restart + stop: no rule of ours left" [ -z "$(inr ip rule show | grep "proto 73\|lookup $TABLE"; inr ip -6 rule show | grep "proto 73\|lookup $TABLE")" ]
snap "$OUT.after"
check "main table and foreign rules untouched at the end" cmp -s "$OUT.before" "$OUT.after"

# 6. main-table mode: never replaces a route with our metric
inr ip route replace default via 10.201.2.1 dev "$RB" metric 5 proto static
inr "$DRV" ctl -n 254 -m 5 apply a=$RA keep >"$OUT.7" 2>&1
check "main mode: metric clash refused with a message" grep -q "route_metric already used" "$OUT.7"
check "main mode: the foreign metric-5 route is intact" \
	sh -c "ip netns exec $NS_R ip route show | grep -q 'default via 10.201.2.1 dev $RB proto static metric 5'"
inr ip route del default via 10.201.2.1 dev "$RB" metric 5 proto static
inr ip route del default via 10.201.1.1 dev "$RA" metric 0 proto static
inr ip route add default via 10.201.1.1 dev "$RA" metric 10 proto static
inr "$DRV" ctl -n 254 -m 1 apply b=$RB keep >"$OUT.8" 2>&1
check "main mode: our metric-1 route wins" [ "$(dev_for $TARGET4)" = "$RB" ]
inr "$DRV" ctl -n 254 -m 1 clean >/dev/null 2>&1
check "main mode: cleaned" [ -z "$(inr ip route show proto 73)" ]
check "main mode: netifd-like routes still there" \
	sh -c "ip netns exec $NS_R ip route show | grep -q 'default via 10.201.1.1 dev $RA proto static metric 10'"
finish
