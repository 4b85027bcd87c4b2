#!/bin/sh
# bench/size.sh BUILD_DIR - size of the stripped binaries (x86_64 here; a
# MIPS/ARM build is of the same order) and the shared libraries they need,
# against the earlier Go implementation's 24 MB binary
# (shared/reference/peer-failover-behaviour.md §7.5).
set -eu
build=${1:-build}
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
total=0
for b in starfaild starfailctl; do
	cp "$build/$b" "$tmp/$b"
	strip "$tmp/$b"
	sz=$(stat -c %s "$tmp/$b")
	total=$((total + sz))
	printf '%-12s %8d bytes stripped (%s build)\n' "$b" "$sz" "$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")"
done
echo "shared libraries of starfaild (from the distribution, as on OpenWrt):"
ldd "$build/starfaild" | awk '{print "  " $1}' | grep -v -e linux-vdso -e ld-linux
awk -v t="$total" 'BEGIN { printf "both binaries: %d bytes; ratio to the Go binary (24 MB) = %.4f (%.0fx smaller)\n", t, t / 24e6, 24e6 / t }'
