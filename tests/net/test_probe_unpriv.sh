#!/bin/sh
# test_probe_unpriv.sh TEST_PROBE_LO - the prober without privileges: runs
# the loopback prober test as nobody in a fresh namespace whose
# net.ipv4.ping_group_range allows unprivileged ICMP ("ping") sockets, so
# the fallback from raw to ping sockets (kernel-chosen echo id) is exercised.
BIN=${1:?usage: test_probe_unpriv.sh path/to/test_probe_lo}
[ "$(id -u)" = 0 ] || { echo "SKIP: needs root to set up"; exit 77; }
command -v setpriv >/dev/null || { echo "SKIP: no setpriv"; exit 77; }
NS=sfn-u-$(( $$ % 100000 ))
trap 'ip netns del "$NS" 2>/dev/null' EXIT
ip netns add "$NS" || { echo "SKIP: no network namespaces"; exit 77; }
ip -n "$NS" link set lo up
ip netns exec "$NS" sysctl -qw net.ipv4.ping_group_range="0 2147483647" || exit 1
OUT=$(ip netns exec "$NS" setpriv --reuid 65534 --regid 65534 --clear-groups "$BIN" 2>&1)
rc=$?
echo "$OUT" | grep -E "^\[ *(OK|FAILED|SKIPPED|PASSED) *\]"
[ $rc -eq 0 ] || exit 1
# every test must have run, none skipped for lack of sockets
echo "$OUT" | grep -q "SKIPPED" && { echo "FAIL: skipped: no ping socket"; exit 1; }
# all that ran passed (8 tests today: a count that only grows)
n=$(echo "$OUT" | sed -n 's/^\[==========\] \([0-9]*\) test(s) run\./\1/p')
if [ -z "$n" ] || [ "$n" -lt 8 ]; then echo "FAIL: ${n:-no} tests ran"; exit 1; fi
echo "$OUT" | grep -q "PASSED.* $n test" || exit 1
echo "unprivileged probes: all checks passed"
