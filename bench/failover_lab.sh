#!/bin/sh
# bench/failover_lab.sh BUILD_DIR - benchmark P1: impairment of the primary
# uplink -> kernel default route moved and first lan ping answered via the
# backup, real starfaild in the network lab (needs root; prints "skipped"
# otherwise). Figures and goals: see bench/failover_lab.py. About 2 minutes.
set -eu
build=${1:-build}
# runs per case: $SF_BENCH_RUNS (default 10)
exec /usr/bin/python3 "$(dirname "$0")/failover_lab.py" "$build"
