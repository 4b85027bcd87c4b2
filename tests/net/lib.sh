# tests/net/lib.sh - shared setup of the namespace tests (sourced).
#
# Topology, every name carries the prefix sfn and this run's id:
#
#   ns R (the router, runs the module under test)
#     ra<id> 10.201.1.2/24 fd00:201:1::2/64 <-veth-> ar<id> 10.201.1.1 in ns A
#     rb<id> 10.201.2.2/24 fd00:201:2::2/64 <-veth-> br<id> 10.201.2.1 in ns B
#   A and B both hold the same "internet" target on lo:
#     198.51.100.1/32 and 2001:db8:ffff::1/128
#   R's main table has netifd-like default routes (proto static): via A
#   metric 10, via B metric 20 (IPv4 and IPv6).
#
# Exit code 77 = skipped (not root or no netns support). Cleanup runs on
# every exit (trap), also after failures.

SKIP=77
ID=$(( $$ % 100000 ))
NS_R=sfn-r-$ID NS_A=sfn-a-$ID NS_B=sfn-b-$ID
RA=sfnra$ID AR=sfnar$ID RB=sfnrb$ID BR=sfnbr$ID
TARGET4=198.51.100.1 TARGET6=2001:db8:ffff::1
BG_PIDS=""
FAILS=0

[ "$(id -u)" = 0 ] || { echo "SKIP: needs root"; exit $SKIP; }
command -v ip >/dev/null || { echo "SKIP: no iproute2"; exit $SKIP; }

# safe under set -e (bench/probe.sh): no command here may fail
cleanup() {
	for p in $BG_PIDS; do kill -9 "$p" 2>/dev/null || true; done
	wait 2>/dev/null || true
	for n in $NS_R $NS_A $NS_B; do ip netns del "$n" 2>/dev/null || true; done
	return 0
}
trap 'cleanup' EXIT
trap 'exit 1' INT TERM

inr() { ip netns exec "$NS_R" "$@"; }
ina() { ip netns exec "$NS_A" "$@"; }
inb() { ip netns exec "$NS_B" "$@"; }

# run "$@" in namespace $1 in the background; killed by cleanup
bg_in() {
	_ns=$1; shift
	ip netns exec "$_ns" "$@" &
	BG_PIDS="$BG_PIDS $!"
}

ok() { echo "ok - $*"; }
fail() { echo "FAIL - $*"; FAILS=$((FAILS + 1)); }
check() { # check "description" command...
	d=$1; shift
	if "$@"; then ok "$d"; else fail "$d"; fi
}
now_ms() { date +%s%3N; }

setup_topology() {
	ip netns add "$NS_R" || { echo "SKIP: cannot create network namespaces"; exit $SKIP; }
	ip netns add "$NS_A" && ip netns add "$NS_B" || exit 1
	for n in "$NS_R" "$NS_A" "$NS_B"; do
		ip -n "$n" link set lo up
		# no DAD: link-local addresses usable at once, no 1 s of silence
		ip netns exec "$n" sysctl -qw net.ipv6.conf.all.accept_dad=0 net.ipv6.conf.default.accept_dad=0
	done
	ip link add "$RA" netns "$NS_R" type veth peer name "$AR" netns "$NS_A" || exit 1
	ip link add "$RB" netns "$NS_R" type veth peer name "$BR" netns "$NS_B" || exit 1
	inr sysctl -qw net.ipv6.conf.$RA.accept_dad=0 net.ipv6.conf.$RB.accept_dad=0
	ina sysctl -qw net.ipv6.conf.$AR.accept_dad=0
	inb sysctl -qw net.ipv6.conf.$BR.accept_dad=0
	ip -n "$NS_R" addr add 10.201.1.2/24 dev "$RA"
	ip -n "$NS_R" addr add fd00:201:1::2/64 dev "$RA" nodad
	ip -n "$NS_R" addr add 10.201.2.2/24 dev "$RB"
	ip -n "$NS_R" addr add fd00:201:2::2/64 dev "$RB" nodad
	ip -n "$NS_A" addr add 10.201.1.1/24 dev "$AR"
	ip -n "$NS_A" addr add fd00:201:1::1/64 dev "$AR" nodad
	ip -n "$NS_B" addr add 10.201.2.1/24 dev "$BR"
	ip -n "$NS_B" addr add fd00:201:2::1/64 dev "$BR" nodad
	for n in "$NS_A" "$NS_B"; do
		ip -n "$n" addr add $TARGET4/32 dev lo
		ip -n "$n" addr add $TARGET6/128 dev lo nodad
	done
	ip -n "$NS_R" link set "$RA" up
	ip -n "$NS_R" link set "$RB" up
	ip -n "$NS_A" link set "$AR" up
	ip -n "$NS_B" link set "$BR" up
	ip -n "$NS_R" route add default via 10.201.1.1 dev "$RA" metric 10 proto static
	ip -n "$NS_R" route add default via 10.201.2.1 dev "$RB" metric 20 proto static
	ip -n "$NS_R" -6 route add default via fd00:201:1::1 dev "$RA" metric 10 proto static
	ip -n "$NS_R" -6 route add default via fd00:201:2::1 dev "$RB" metric 20 proto static
	# wait until no address is tentative any more (at most 3 s)
	for _i in $(seq 30); do
		_t=$(for n in "$NS_R" "$NS_A" "$NS_B"; do ip -n "$n" -6 addr show tentative; done)
		[ -z "$_t" ] && break
		sleep 0.1
	done
	# warm up neighbour discovery on fresh veths (first resolution takes ~1 s),
	# so that the tests measure the probes, not the kernel's warm-up
	for d in "$RA" "$RB"; do
		inr ping -6 -c 1 -W 3 -I "$d" $TARGET6 >/dev/null 2>&1 &
		inr ping -c 1 -W 3 -I "$d" $TARGET4 >/dev/null 2>&1 &
	done
	wait
}

# blackhole: drop everything addressed to the target inside uplink ns $1
# A LAN client namespace $NS_C behind the router: veth $RC (router side,
# 10.210.0.1) - $CR (client, 10.210.0.2, default route via the router);
# forwarding and conntrack accounting on in the router.
lan_client_setup() {
	ip netns add "$NS_C" || return 1
	ip -n "$NS_C" link set lo up
	ip link add "$RC" netns "$NS_R" type veth peer name "$CR" netns "$NS_C" || return 1
	ip -n "$NS_R" addr add 10.210.0.1/24 dev "$RC"
	ip -n "$NS_C" addr add 10.210.0.2/24 dev "$CR"
	ip -n "$NS_R" link set "$RC" up
	ip -n "$NS_C" link set "$CR" up
	ip -n "$NS_C" route add default via 10.210.0.1
	inr sysctl -qw net.ipv4.ip_forward=1
	inr sysctl -qw net.netfilter.nf_conntrack_acct=1 2>/dev/null
	return 0
}

impair() {
	ip netns exec "$1" nft -f - <<NFT
table inet sfn_impair {
	chain input {
		type filter hook input priority 0; policy accept;
		ip daddr $TARGET4 drop
		ip6 daddr $TARGET6 drop
	}
}
NFT
}
unimpair() { ip netns exec "$1" nft delete table inet sfn_impair 2>/dev/null; }

# field NAME from the last line matching PATTERN in FILE
field() { grep -- "$2" "$3" | tail -n 1 | tr ' ' '\n' | sed -n "s/^$1=//p" | tr -d '"'; }

finish() {
	if [ "$FAILS" -gt 0 ]; then echo "$FAILS check(s) failed"; exit 1; fi
	echo "all checks passed"
	exit 0
}
