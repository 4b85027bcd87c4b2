#!/bin/sh
# test_flows.sh DRIVER - flows of a dead uplink move, the others stay
# (src/control/conntrack.c), against the real kernel: conntrack, nftables
# masquerade and mwan3-like marking (connmark restored, fwmark -> one table
# per uplink, one rule choosing the mark of new flows) in the router
# namespace. A UDP flow from a LAN client goes out via A; A is blackholed
# and new flows are sent to B; after the flush of A's flows (NAT address
# and mark) the flow's next packets arrive in the internet namespace from
# B's address, while a flow pinned to B by a port rule keeps its conntrack
# entry (packet counter not reset). On failback each flow_failback policy
# does what it says: keep and metered (B not metered) leave the flow on B,
# move and metered (B metered) bring it back to A. Prints the times.
DRV=${1:?usage: test_flows.sh path/to/sfct_drv}
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || { echo "SKIP: no nft"; exit $SKIP; }
setup_topology
NS_C=sfn-c-$ID RC=sfnrc$ID CR=sfncr$ID
OUT=$(mktemp /tmp/sfn-flows.XXXXXX)
trap 'cleanup; ip netns del $NS_C 2>/dev/null; [ -n "$KEEP" ] || rm -f "$OUT" "$OUT".*' EXIT
inc() { ip netns exec "$NS_C" "$@"; }

lan_client_setup || exit 1
[ -r /proc/net/nf_conntrack ] || inr modprobe nf_conntrack 2>/dev/null
# one table per uplink behind fwmark rules, as mwan3 has them
inr ip rule add fwmark 0x100/0x3f00 lookup 101 pref 2001
inr ip rule add fwmark 0x200/0x3f00 lookup 102 pref 2002
inr ip route add default via 10.201.1.1 dev "$RA" table 101
inr ip route add default via 10.201.2.1 dev "$RB" table 102
inr nft -f - <<NFT >/dev/null 2>&1 || { echo "SKIP: nftables NAT/ct not available in this kernel"; exit $SKIP; }
table ip sfn_probe {
	chain p {
		type nat hook postrouting priority srcnat;
		ct mark 0x1 masquerade
	}
}
NFT
inr nft delete table ip sfn_probe
inr nft -f - <<NFT || { echo "FAIL - the test's nftables ruleset"; exit 1; }
table ip sfn_m3 {
	chain choose {
		ct mark set 0x100
	}
	chain classify {
		udp dport 5002 ct mark set 0x200 return
		jump choose
	}
	chain pre {
		type filter hook prerouting priority mangle; policy accept;
		iifname "$RC" ct mark and 0x3f00 == 0x0 jump classify
		iifname "$RC" meta mark set ct mark and 0x3f00
	}
	chain post {
		type nat hook postrouting priority srcnat; policy accept;
		oifname { "$RA", "$RB" } masquerade
	}
}
NFT
policy() { inr nft flush chain ip sfn_m3 choose && inr nft add rule ip sfn_m3 choose ct mark set "$1"; }
lines() { grep -c "^from $2 " "$1" 2>/dev/null || true; }
# packets counter of the conntrack entry of the flow to port $1
ct_packets() { inr cat /proc/net/nf_conntrack | grep "dport=$1 " | head -n 1 | grep -o 'packets=[0-9]*' | head -n 1 | cut -d= -f2; }
# wait_for MS COMMAND...: poll every 10 ms; prints the time taken or "timeout"
wait_for() {
	_b=$1; shift
	_t0=$(now_ms)
	while ! "$@"; do
		[ $(($(now_ms) - _t0)) -gt "$_b" ] && { echo timeout; return 1; }
		sleep 0.01
	done
	echo $(($(now_ms) - _t0))
}
grows() { [ "$(lines "$1" "$2")" -gt "$3" ]; }

for p in 5001 5002; do
	bg_in "$NS_A" "$DRV" sink $TARGET4 $p >"$OUT.a$p"
	bg_in "$NS_B" "$DRV" sink $TARGET4 $p >"$OUT.b$p"
done
sleep 0.2
bg_in "$NS_C" "$DRV" udp 40001 $TARGET4 5001 20 100000
bg_in "$NS_C" "$DRV" udp 40002 $TARGET4 5002 20 100000

ms=$(wait_for 2000 grows "$OUT.a5001" 10.201.1.2 5)
check "flow 1 goes out via A with A's address ($ms ms)" [ "$ms" != timeout ]
ms=$(wait_for 2000 grows "$OUT.b5002" 10.201.2.2 5)
check "flow 2 is pinned to B with B's address ($ms ms)" [ "$ms" != timeout ]

# failover: A blackholed, new flows to B; the old flow stays pinned until flushed
failover() {
	impair "$NS_A"
	policy 0x200
	sleep 0.3
	b0=$(lines "$OUT.b5001" 10.201.2.2)
	q0=$(lines "$OUT.b5002" 10.201.2.2)
	p2=$(ct_packets 5002)
	inr "$DRV" leave addr4=10.201.1.2 mark=0x100/0x3f00 flush=dead dead=1 >"$OUT.leave"
	cat "$OUT.leave"
	ms=$(wait_for 1000 grows "$OUT.b5001" 10.201.2.2 "$b0")
	sleep 0.3
	p2b=$(ct_packets 5002)
	q1=$(lines "$OUT.b5002" 10.201.2.2)
}
failover
check "failover: flow 1 pinned to dead A before the flush" [ "$b0" -eq 0 ]
check "failover: only A's flow deleted" grep -q "flush=yes .*matched=1 deleted=1 failed=0" "$OUT.leave"
echo "failover: flow 1's next packets from B's address $ms ms after the flush"
check "failover: flow 1 arrives from B's address ($ms ms)" [ "$ms" != timeout ]
check "failover: flow 2's conntrack entry untouched (packets $p2 -> $p2b)" \
	[ -n "$p2" ] && [ -n "$p2b" ] && [ "$p2b" -gt "$((p2 + 5))" ]
check "failover: flow 2 kept arriving from B's address ($q0 -> $q1)" [ "$q1" -gt "$((q0 + 5))" ]

# failback to A with each flow_failback policy of B
for case in keep:0:stay metered:0:stay metered:1:move move:0:move; do
	pol=${case%%:*} rest=${case#*:} met=${rest%%:*} want=${case##*:}
	unimpair "$NS_A"
	policy 0x100
	sleep 0.2
	a0=$(lines "$OUT.a5001" 10.201.1.2)
	b0=$(lines "$OUT.b5001" 10.201.2.2)
	inr "$DRV" leave addr4=10.201.2.2 mark=0x200/0x3f00 flush=dead dead=0 policy=$pol metered=$met >"$OUT.leave"
	sleep 0.4
	a1=$(lines "$OUT.a5001" 10.201.1.2)
	b1=$(lines "$OUT.b5001" 10.201.2.2)
	if [ "$want" = move ]; then
		check "failback $pol (metered=$met): flows of B deleted" grep -q "flush=yes" "$OUT.leave"
		check "failback $pol (metered=$met): flow 1 back on A ($a0 -> $a1 from A, $b0 -> $b1 from B)" \
			[ "$a1" -gt "$((a0 + 5))" ]
	else
		check "failback $pol (metered=$met): nothing deleted" grep -q "flush=no" "$OUT.leave"
		check "failback $pol (metered=$met): flow 1 stays on B ($b0 -> $b1 from B, $a0 -> $a1 from A)" \
			[ "$b1" -gt "$((b0 + 5))" ] && [ "$a1" -eq "$a0" ]
	fi
	failover >/dev/null	# flow 1 back on B for the next case
done
finish
