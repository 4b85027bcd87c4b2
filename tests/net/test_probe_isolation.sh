#!/bin/sh
# test_probe_isolation.sh DRIVER - probe isolation (issue 13, defect 8), on
# both ICMP socket paths: raw sockets with the echo-id BPF filter (the
# namespace's default net.ipv4.ping_group_range "1 0" refuses ping sockets)
# and ping sockets (range opened inside R's namespace; it is per-netns).
#   1. unrelated pingers on the member's device (IPv4 and IPv6, 5/s each)
#      never reach the prober: nothing ignored, nothing bad, no loss;
#   2. spoofed replies with our id, seq and source but another payload are
#      rejected and counted (bad_payload); exact copies are duplicates, not
#      "bad"; a foreign id is filtered before the prober;
#   3. with the kernel's own replies dropped, spoofed replies carrying the
#      wrong payload do not keep the dead uplink alive.
DRV=${1:?usage: test_probe_isolation.sh path/to/sfnet_drv}
. "$(dirname "$0")/lib.sh"
command -v ping >/dev/null || { echo "SKIP: no ping"; exit $SKIP; }
setup_topology
OUT=$(mktemp /tmp/sfn-iso.XXXXXX)
trap 'cleanup; [ -n "$KEEP" ] || rm -f "$OUT" "$OUT".*' EXIT

for mode in raw ping; do
	if [ $mode = ping ]; then
		inr sysctl -qw net.ipv4.ping_group_range="0 2147483647"
	else
		inr sysctl -qw net.ipv4.ping_group_range="1 0"
	fi

	# 1. unrelated pingers on the member's device
	inr ping -q -I "$RA" -i 0.2 -c 12 10.201.1.1 >"$OUT.ping4" 2>&1 &
	P4=$!
	inr ping -6 -q -I "$RA" -i 0.2 -c 12 fd00:201:1::1 >"$OUT.ping6" 2>&1 &
	P6=$!
	inr "$DRV" probe -t 2000 -i 200 -T 300 a=$RA=$TARGET4,icmp:$TARGET6 >"$OUT.$mode.1" 2>>"$OUT.log"
	wait $P4 $P6
	S="summary member=a "
	check "$mode: ICMP socket kind is $mode" [ "$(field icmp_socket "$S" "$OUT.$mode.1")" = $mode ]
	check "$mode: the pingers ran (12 replies each)" grep -q "12 received" "$OUT.ping4"
	check "$mode: ... also over IPv6" grep -q "12 received" "$OUT.ping6"
	check "$mode: pingers' replies never reached the prober (ignored=$(field ignored "$S" "$OUT.$mode.1"))" \
		[ "$(field ignored "$S" "$OUT.$mode.1")" = 0 ]
	check "$mode: nothing bad or duplicate" [ "$(field bad "$S" "$OUT.$mode.1")/$(field dup "$S" "$OUT.$mode.1")" = 0/0 ]
	check "$mode: no loss" [ "$(field loss_pct "$S" "$OUT.$mode.1")" = "0.0" ]
	check "$mode: ids from kernel entropy" [ "$(field rand_weak "$S" "$OUT.$mode.1")" = 0 ]

	# 2. spoofed: foreign id, wrong payload, bad checksum, exact copy
	bg_in "$NS_A" "$DRV" spoof -t 3000 fpcd 5 >"$OUT.$mode.sp2"
	sleep 0.2
	inr "$DRV" probe -t 1500 -i 200 -T 300 a=$RA=$TARGET4 >"$OUT.$mode.2" 2>>"$OUT.log"
	sleep 0.1
	n=$(sed -n 's/^spoofed requests=//p' "$OUT.$mode.sp2")
	bp=$(field bad_payload "$S" "$OUT.$mode.2")
	dup=$(field dup "$S" "$OUT.$mode.2")
	bad=$(field bad "$S" "$OUT.$mode.2")
	check "$mode: spoofer answered 5 requests ($n)" [ "${n:-0}" = 5 ]
	check "$mode: wrong payload rejected and counted ($bp = 5)" [ "${bp:-0}" = 5 ]
	check "$mode: exact copies counted as duplicates ($dup = 5)" [ "${dup:-0}" = 5 ]
	check "$mode: foreign id filtered (ignored $(field ignored "$S" "$OUT.$mode.2") = 0)" \
		[ "$(field ignored "$S" "$OUT.$mode.2")" = 0 ]
	if [ $mode = raw ]; then
		# the raw socket sees packets before the kernel checks the checksum
		check "raw: bad checksums counted as bad, duplicates not ($bad = 5)" [ "${bad:-0}" = 5 ]
	else
		# the kernel drops bad checksums before the ping socket
		check "ping: duplicates not counted as bad ($bad = 0)" [ "${bad:-1}" = 0 ]
	fi
	check "$mode: no loss under spoofing" [ "$(field loss_pct "$S" "$OUT.$mode.2")" = "0.0" ]

	# 3. dead uplink (the kernel's echo replies dropped), spoofed wrong payloads
	ina nft -f - <<NFT
table inet sfn_noreply {
	chain output {
		type filter hook output priority 0; policy accept;
		icmp type echo-reply meta mark != 42 drop
	}
}
NFT
	bg_in "$NS_A" "$DRV" spoof -t 3000 p 5 >"$OUT.$mode.sp3"
	sleep 0.2
	inr "$DRV" probe -t 1500 -i 200 -T 200 a=$RA=$TARGET4 >"$OUT.$mode.3" 2>>"$OUT.log"
	sleep 0.1
	ina nft delete table inet sfn_noreply
	bp=$(field bad_payload "$S" "$OUT.$mode.3")
	check "$mode: spoofed payloads rejected ($bp >= 5)" [ "${bp:-0}" -ge 5 ]
	check "$mode: the dead uplink stays dead (rounds_up 0)" [ "$(field rounds_up "$S" "$OUT.$mode.3")" = 0 ]
	check "$mode: loss 100" [ "$(field loss_pct "$S" "$OUT.$mode.3")" = "100.0" ]
done

grep -q "AddressSanitizer\|runtime error" "$OUT.log" && fail "sanitizer report"
finish
