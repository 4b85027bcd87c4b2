#!/bin/sh
# test_flows_daemon.sh STARFAILD STARFAILCTL - the real daemon with the
# route controller moves only the flows of the uplink it leaves: a UDP flow
# from a LAN client NATed out via A; A is blackholed; once starfaild has
# switched to B its flows are deleted (event `flows`), so the flow's next
# packets arrive from B's address, while a flow pinned to B by an ip rule
# keeps its conntrack entry; on failback B's flow_failback 'move' brings the
# flow back to A's address. Prints the times.
SFD=${1:?usage: test_flows_daemon.sh starfaild starfailctl}
CTL=${2:?usage: test_flows_daemon.sh starfaild starfailctl}
DRV=$(dirname "$SFD")/sfct_drv
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || { echo "SKIP: no nft"; exit $SKIP; }
setup_topology
NS_C=sfn-c-$ID RC=sfnrc$ID CR=sfncr$ID
OUT=$(mktemp /tmp/sfn-flowsd.XXXXXX)
trap 'cleanup; ip netns del $NS_C 2>/dev/null; [ -n "$KEEP" ] || rm -f "$OUT" "$OUT".*' EXIT
lan_client_setup || exit 1
inr nft -f - <<NFT || { echo "SKIP: nftables NAT not available in this kernel"; exit $SKIP; }
table ip sfn_nat {
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname { "$RA", "$RB" } masquerade
	}
}
NFT
# flow 2 is pinned to B by a rule of its own (a VPN, a policy route)
inr ip rule add ipproto udp dport 5002 lookup 102 pref 100
inr ip route add default via 10.201.2.1 dev "$RB" table 102
lines() { grep -c "^from $2 " "$1" 2>/dev/null || true; }
grows() { [ "$(lines "$1" "$2")" -gt "$3" ]; }
ct_packets() { inr cat /proc/net/nf_conntrack | grep "dport=$1 " | head -n 1 | grep -o 'packets=[0-9]*' | head -n 1 | cut -d= -f2; }
via() { inr ip route show table 7373 2>/dev/null | grep -q "default via $1 "; }
wait_for() {
	_b=$1; shift
	_t0=$(now_ms)
	while ! "$@"; do
		[ $(($(now_ms) - _t0)) -gt "$_b" ] && { echo timeout; return 1; }
		sleep 0.02
	done
	echo $(($(now_ms) - _t0))
}

cat >"$OUT.conf" <<CONF
config starfail 'main'
	option api_socket '$OUT.sock'
	option poll_interval_ms '500'
	option route_ipv6 '0'
	option restore_window_ms '3000'
	option cooldown_ms '2000'
	option min_uptime_ms '1000'
config member 'a'
	option device '$RA'
	option priority '1'
	list probe_targets '$TARGET4'
config member 'b'
	option device '$RB'
	option priority '2'
	option flow_failback 'move'
	list probe_targets '$TARGET4'
CONF
for p in 5001 5002; do
	bg_in "$NS_A" "$DRV" sink $TARGET4 $p >"$OUT.a$p"
	bg_in "$NS_B" "$DRV" sink $TARGET4 $p >"$OUT.b$p"
done
bg_in "$NS_R" "$SFD" -config "$OUT.conf" >"$OUT.log" 2>&1
ms=$(wait_for 20000 via 10.201.1.1)
check "starfaild routes via A ($ms ms)" [ "$ms" != timeout ]
bg_in "$NS_C" "$DRV" udp 40001 $TARGET4 5001 20 100000
bg_in "$NS_C" "$DRV" udp 40002 $TARGET4 5002 20 100000
ms=$(wait_for 3000 grows "$OUT.a5001" 10.201.1.2 5)
check "flow 1 out via A with A's address ($ms ms)" [ "$ms" != timeout ]
ms=$(wait_for 3000 grows "$OUT.b5002" 10.201.2.2 5)
check "flow 2 pinned to B ($ms ms)" [ "$ms" != timeout ]
p2=$(ct_packets 5002)

impair "$NS_A"
t0=$(now_ms)
ms=$(wait_for 30000 via 10.201.2.1)
echo "failover to B $ms ms after the blackhole"
check "starfaild switched to B ($ms ms)" [ "$ms" != timeout ]
b0=$(lines "$OUT.b5001" 10.201.2.2)
ms2=$(wait_for 2000 grows "$OUT.b5001" 10.201.2.2 "$b0")
echo "flow 1 from B's address $(( $(now_ms) - t0 )) ms after the blackhole"
check "failover: flow 1 arrives from B's address" [ "$ms2" != timeout ]
sleep 0.5
p2b=$(ct_packets 5002)
check "failover: flow 2's entry untouched (packets $p2 -> $p2b)" [ -n "$p2" ] && [ -n "$p2b" ] && [ "$p2b" -gt "$p2" ]
"$CTL" -s "$OUT.sock" events 100 >"$OUT.ev" 2>&1
grep flows "$OUT.ev"
check "failover: a flows event for a with what it deleted" grep -q "flows .*failover.* a .*deleted=[1-9]" "$OUT.ev"

unimpair "$NS_A"
ms=$(wait_for 30000 via 10.201.1.1)
echo "failback to A $ms ms after the blackhole ended"
check "starfaild failed back to A ($ms ms)" [ "$ms" != timeout ]
a0=$(lines "$OUT.a5001" 10.201.1.2)
ms2=$(wait_for 2000 grows "$OUT.a5001" 10.201.1.2 "$a0")
check "failback (b: flow_failback move): flow 1 back from A's address" [ "$ms2" != timeout ]
"$CTL" -s "$OUT.sock" events 100 >"$OUT.ev" 2>&1
check "failback: a flows event for b" grep -q "flows .*failback.* b " "$OUT.ev"
finish
