#!/bin/sh
# bench/daemon_cost.sh BUILD_DIR - RSS and CPU seconds of starfaild over a
# 60 s run with 4 members in the lab, probe bytes/day per member, and the
# CPU of the same probes sent as ping processes (see bench/daemon_cost.py).
set -eu
exec /usr/bin/python3 "$(dirname "$0")/daemon_cost.py" "${1:-build}" --seconds "${SF_COST_SECONDS:-60}"
