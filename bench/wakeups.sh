#!/bin/sh
# bench/wakeups.sh BUILD_DIR - voluntary context switches per second of
# starfaild probing one member, with and without an unrelated 5/s pinger on
# the member's device, raw and ping sockets (see bench/wakeups.py).
# SF_WAKE_SECONDS sets the length of each period (default 20);
# SF_WAKE_BASE=OTHER_BUILD_DIR measures another build first (before/after).
set -eu
exec /usr/bin/python3 "$(dirname "$0")/wakeups.py" "${1:-build}" --seconds "${SF_WAKE_SECONDS:-20}" \
	${SF_WAKE_BASE:+--base "$SF_WAKE_BASE"}
