#!/bin/sh
# test_caps.sh BUILD - data caps in the real daemon (dry-run controller):
# member a (priority 1, data_cap_mb 1, alert at 50 %) and b. UDP blasts from
# the router namespace out of a's veth move its counters: data_alert at
# 50 %, data_cap at the cap; with `stop` the router uses b, and nothing when
# b goes down too; the next cycle (STARFAIL_TEST_CAPS: 40 s days) resets the
# count (data_cap_reset) and a is used again. With `avoid` a is used only
# while b is down. Prints the counted MB against the bytes the kernel saw.
B=${1:?usage: test_caps.sh BUILD}
SFD=$B/starfaild CTL=$B/starfailctl
. "$(dirname "$0")/lib.sh"
command -v nft >/dev/null || { echo "SKIP: no nft"; exit $SKIP; }
command -v python3 >/dev/null || { echo "SKIP: no python3"; exit $SKIP; }
setup_topology
OUT=$(mktemp /tmp/sfn-caps.XXXXXX)
trap 'cleanup; [ -n "$KEEP" ] || rm -f "$OUT" "$OUT".*' EXIT
DAY_S=40

# JSON status field of member $1 (key $2), or the daemon's current ($1 = -)
st() {
	"$CTL" -s "$OUT.sock" --json status 2>/dev/null | python3 -c '
import json, sys
try:
    s = json.load(sys.stdin)["result"]
except (ValueError, KeyError):
    sys.exit(0)
m, k = sys.argv[1], sys.argv[2]
if m == "-":
    print(s.get(k))
else:
    print([x for x in s["members"] if x["name"] == m][0].get(k))' "$1" "$2"
}
is() { [ "$(st "$1" "$2")" = "$3" ]; }
wait_for() {
	_b=$1; shift
	_t0=$(now_ms)
	while ! "$@"; do
		[ $(($(now_ms) - _t0)) -gt "$_b" ] && { echo timeout; return 1; }
		sleep 0.1
	done
	echo $(($(now_ms) - _t0))
}
# N datagrams of 1400 bytes out of a's veth (to A's address, port 9)
blast() {
	inr python3 -c '
import socket, sys
s = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
s.setsockopt(socket.SOL_SOCKET, 25, sys.argv[2].encode())
for _ in range(int(sys.argv[1])):
    s.sendto(b"x" * 1400, ("10.201.1.1", 9))' "$1" "$RA"
}
ctr() { echo $(( $(inr cat /sys/class/net/$RA/statistics/rx_bytes) + $(inr cat /sys/class/net/$RA/statistics/tx_bytes) )); }
# wait until at least 3 s are left before the next cycle cut of the test days
align() { while [ $(( $(date +%s) % DAY_S )) -lt 1 ] || [ $(( $(date +%s) % DAY_S )) -gt 3 ]; do sleep 0.2; done; }
has_event() { "$CTL" -s "$OUT.sock" events 200 2>/dev/null | grep -q "$1"; }

run_daemon() { # action
	cat >"$OUT.conf" <<CONF
config starfail 'main'
	option api_socket '$OUT.sock'
	option poll_interval_ms '500'
	option restore_window_ms '2000'
	option cooldown_ms '1000'
	option min_uptime_ms '500'
config member 'a'
	option device '$RA'
	option priority '1'
	list probe_targets '$TARGET4'
	option data_cap_mb '1'
	option data_cycle 'daily'
	option data_alert_pct '50'
	option data_cap_action '$1'
config member 'b'
	option device '$RB'
	option priority '2'
	list probe_targets '$TARGET4'
CONF
	STARFAIL_TEST_CAPS="300 $DAY_S" ip netns exec "$NS_R" "$SFD" -dry-run -config "$OUT.conf" \
		>"$OUT.log.$1" 2>&1 &
	SFD_PID=$!
	BG_PIDS="$BG_PIDS $SFD_PID"
	ms=$(wait_for 20000 is - current a)
	check "$1: a is primary ($ms ms)" [ "$ms" != timeout ]
}
stop_daemon() { kill "$SFD_PID"; wait "$SFD_PID" 2>/dev/null; rm -f "$OUT.sock"; }

# ---- stop ----
align
run_daemon stop
wait_for 2000 is a data_state ok >/dev/null
check "stop: state ok, cap 1 MB, cycle start on the test day" \
	[ "$(st a data_cap_mb)" = 1 ] && [ $(( $(st a data_cycle_start) % DAY_S )) = 0 ]
c0=$(ctr); u0=$(st a data_used_mb)
blast 500
ms=$(wait_for 3000 has_event "data_alert")
c1=$(ctr); sleep 0.4; u1=$(st a data_used_mb)
echo "after 500 x 1400 B: kernel +$((c1 - c0)) B, counted ${u0} -> ${u1} MB, pct $(st a data_pct)"
check "stop: data_alert event at 50 % ($ms ms)" [ "$ms" != timeout ]
check "stop: state alert, a still primary" is a data_state alert && is - current a
check "stop: counted within 2 % (+ probes) of the kernel's bytes" python3 -c "
import sys; k = ($c1 - $c0) / 1e6; d = $u1 - $u0
sys.exit(not (k * 0.98 <= d <= k * 1.02 + 0.02))"
blast 400
ms=$(wait_for 3000 is - current b)
echo "after 400 more: counted $(st a data_used_mb) MB; b primary $ms ms after the blast"
check "stop: at the cap b is primary ($ms ms)" [ "$ms" != timeout ]
check "stop: data_cap event, state capped, reason data_cap" \
	has_event "data_cap .*stop.* a " && is a data_state capped && is - reason data_cap
impair "$NS_B"
ms=$(wait_for 10000 is - current None)
check "stop: b down too: no primary, a never ($ms ms)" [ "$ms" != timeout ]
sleep 1
check "stop: still no primary" is - current None
left=$(( DAY_S - $(date +%s) % DAY_S ))
ms=$(wait_for $(( (left + 5) * 1000 )) is - current a)
echo "cycle reset: a primary again $ms ms after the wait began (cut in $left s)"
check "cycle reset: a usable again and chosen ($ms ms)" [ "$ms" != timeout ]
check "cycle reset: data_cap_reset event, state ok, count restarted" \
	has_event "data_cap_reset .*cycle_reset.* a " && is a data_state ok && \
	python3 -c "import sys; sys.exit(not float('$(st a data_used_mb)') < 0.2)"
unimpair "$NS_B"
stop_daemon

# ---- avoid ----
align
run_daemon avoid
blast 900
ms=$(wait_for 3000 is - current b)
check "avoid: at the cap b is primary ($ms ms)" [ "$ms" != timeout ]
check "avoid: data_cap event (avoid)" has_event "data_cap .*avoid.* a "
impair "$NS_B"
ms=$(wait_for 10000 is - current a)
check "avoid: b down: a, the only usable member, carries the traffic ($ms ms)" [ "$ms" != timeout ]
unimpair "$NS_B"
ms=$(wait_for 10000 is - current b)
check "avoid: b back: a is left again ($ms ms)" [ "$ms" != timeout ]
stop_daemon
finish
