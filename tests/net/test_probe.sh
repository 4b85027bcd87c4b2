#!/bin/sh
# test_probe.sh DRIVER - probes of two members leave through their own
# device: the same target address is reachable through both uplinks, only
# uplink A is blackholed, and only member a sees loss. ICMPv4, ICMPv6, TCP
# and DNS probes; spoofed/corrupt replies are ignored and counted; a hard
# outage is confirmed by fast re-probes.
DRV=${1:?usage: test_probe.sh path/to/sfnet_drv}
. "$(dirname "$0")/lib.sh"
setup_topology
OUT=$(mktemp /tmp/sfn-probe.XXXXXX)
trap 'cleanup; [ -n "$KEEP" ] || rm -f "$OUT" "$OUT".*' EXIT

bg_in "$NS_A" "$DRV" dnsd $TARGET4 53 >/dev/null
bg_in "$NS_B" "$DRV" dnsd $TARGET4 53 >/dev/null
sleep 0.2
TG="$TARGET4,icmp:$TARGET6,tcp:$TARGET4:9,dns:$TARGET4"

# 1. both paths clean: every probe of both members answered; member c on
#    the same device has one dead target among three (reliability 1)
inr "$DRV" probe -t 1100 -i 200 -T 300 a=$RA=$TG b=$RB=$TG c=$RA=$TARGET4,192.0.2.99,dns:$TARGET4 \
	>"$OUT.clean" 2>"$OUT.log"
for m in a b; do
	r=$(field rounds "summary member=$m " "$OUT.clean")
	check "member $m clean: rounds ($r) >= 4" [ "${r:-0}" -ge 4 ]
	check "member $m clean: every round up" [ "$(field rounds_up "summary member=$m " "$OUT.clean")" = "$r" ]
	check "member $m clean: loss 0" [ "$(field loss_pct "summary member=$m " "$OUT.clean")" = "0.0" ]
done
check "ICMPv6, TCP and DNS probes answered" grep -q "icmp:$TARGET6=ok tcp:$TARGET4:9=ok dns:$TARGET4=ok" "$OUT.clean"

# 2. blackhole on uplink A only: a loses everything, b nothing
impair "$NS_A"
inr "$DRV" probe -t 1000 -i 200 -T 300 a=$RA=$TG b=$RB=$TG >"$OUT.imp" 2>>"$OUT.log"
check "member a impaired: loss 100" [ "$(field loss_pct "summary member=a " "$OUT.imp")" = "100.0" ]
check "member a impaired: no round up" [ "$(field rounds_up "summary member=a " "$OUT.imp")" = "0" ]
check "member b unaffected: loss 0" [ "$(field loss_pct "summary member=b " "$OUT.imp")" = "0.0" ]
unimpair "$NS_A"

# 3. one dead target among three with reliability 1: no outage, no loss
check "dead target: all rounds up" [ "$(field rounds_up "summary member=c " "$OUT.clean")" = "$(field rounds "summary member=c " "$OUT.clean")" ]
check "dead target: not counted as loss" [ "$(field loss_pct "summary member=c " "$OUT.clean")" = "0.0" ]

# 4. spoofed and corrupt echo replies arriving on the member's device: a
#    foreign id never reaches the prober (kernel filter), our id with a bad
#    checksum is counted as bad (tests/net/test_probe_isolation.sh: more)
bg_in "$NS_A" "$DRV" spoof -t 3000 fc 4 >"$OUT.spoofer"
sleep 0.2
inr "$DRV" probe -t 1000 -i 200 -T 300 a=$RA=$TARGET4 >"$OUT.spoof" 2>>"$OUT.log"
sleep 0.1
n=$(sed -n 's/^spoofed requests=//p' "$OUT.spoofer")
ign=$(field ignored "summary member=a " "$OUT.spoof")
bad=$(field bad "summary member=a " "$OUT.spoof")
check "spoofer answered requests ($n >= 4)" [ "${n:-0}" -ge 4 ]
check "foreign echo replies filtered before the prober (ignored $ign = 0)" [ "${ign:-1}" = 0 ]
check "corrupt echo replies counted as bad ($bad >= 4)" [ "${bad:-0}" -ge 4 ]
check "spoofing did not change the result" [ "$(field loss_pct "summary member=a " "$OUT.spoof")" = "0.0" ]

# 5. fast confirmation: after the blackhole, 3 lost rounds in a row come
#    quickly although the cadence is 1000 ms
bg_in "$NS_R" "$DRV" probe -t 3200 -i 1000 -T 300 a=$RA=$TARGET4 >"$OUT.fast" 2>>"$OUT.log"
P=$!
sleep 0.9
T_IMP=$(now_ms)
impair "$NS_A"
wait $P
T3=$(grep "member=a " "$OUT.fast" | grep "lost_in_row=3" | head -n 1 | tr ' ' '\n' | sed -n 's/^wall_ms=//p')
if [ -n "$T3" ]; then
	D=$((T3 - T_IMP))
	echo "measured: blackhole -> 3 lost rounds in ${D} ms (interval 1000, timeout 300)"
	# worst case: one interval until the next probe + 3 timeouts
	check "outage confirmed within interval + 3 x timeout (< 2300 ms)" [ "$D" -lt 2300 ]
else
	fail "no 3 lost rounds in a row after the blackhole"
fi
unimpair "$NS_A"

grep -q "AddressSanitizer\|runtime error" "$OUT.log" && fail "sanitizer report"
finish
