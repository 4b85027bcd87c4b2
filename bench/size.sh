#!/bin/sh
# bench/size.sh BUILD_DIR - size of the stripped binaries: the host build,
# then each router architecture whose Debian cross compiler is installed,
# built as the OpenWrt package builds them (tools/cross.sh size: -Os, LTO,
# no help texts, OpenWrt's default hardening, no PIE), with the shared
# libraries each needs; then where the bytes go on armhf (per stage
# library) and what each build option costs there (tools/cross.sh where,
# features; SIZE_FEATURES=0 leaves the option builds out).
# Goal (issue 12): starfaild <= 150 KB (153600 B) stripped on armhf, in
# both Thumb-2 and ARM mode: not reachable with this feature set (the floor
# is in docs/DEPLOYMENT.md, "Sizes"); the goal proposed there, <= 256 KB
# Thumb-2 and <= 320 KB ARM as packaged, is checked too. Baseline: the earlier Go implementation's
# 24 MB binary (shared/reference/peer-failover-behaviour.md §7.5).
set -eu
build=${1:-build}
here=$(dirname "$0")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
total=0
for b in starfaild starfailctl; do
	strip -R .comment -o "$tmp/$b" "$build/$b"
	sz=$(stat -c %s "$tmp/$b")
	total=$((total + sz))
	printf '%-12s %8d bytes stripped (host, %s build)\n' "$b" "$sz" \
		"$(sed -n 's/^CMAKE_BUILD_TYPE:STRING=//p' "$build/CMakeCache.txt")"
done
echo "shared libraries of starfaild (from the distribution, as on OpenWrt):"
ldd "$build/starfaild" | awk '{print "  " $1}' | grep -v -e linux-vdso -e ld-linux
awk -v t="$total" 'BEGIN { printf "both binaries: %d bytes; ratio to the Go binary (24 MB) = %.4f (%.0fx smaller)\n", t, t / 24e6, 24e6 / t }'

echo "router architectures (as the OpenWrt package builds them, stripped):"
out="$tmp/cross.txt"
for a in armhf armhf:arm arm64 mipsel s390x; do
	case "${a%%:*}" in
		armhf) cc=arm-linux-gnueabihf-gcc ;;
		arm64) cc=aarch64-linux-gnu-gcc ;;
		mipsel) cc=mipsel-linux-gnu-gcc ;;
		s390x) cc=s390x-linux-gnu-gcc ;;
	esac
	if ! command -v "$cc" >/dev/null 2>&1; then
		echo "  ${a%%:*}: $cc not installed (tools/cross.sh deps ${a%%:*})"
		continue
	fi
	"$here/../tools/cross.sh" size "$a" | tee -a "$out" | sed 's/^/  /'
done
# the goal, checked on what was measured
awk '/^armhf/ && / starfaild / {
	mode = ($2 == "(-marm)") ? "ARM" : "Thumb-2"
	for (i = 1; i <= NF; i++) if ($i == "bytes") sz = $(i - 1)
	printf "goal starfaild <= 153600 B on armhf %s: %d B (%.1f KB) %s\n", mode, sz, sz / 1024,
		sz <= 153600 ? "met" : "NOT met"
	# the goal proposed in docs/DEPLOYMENT.md (Sizes) for this feature set
	lim = (mode == "ARM") ? 327680 : 262144
	printf "goal starfaild <= %d B (%d KB) on armhf %s, as packaged: %s\n", lim, lim / 1024, mode,
		sz <= lim ? "met" : "NOT met"
}' "$out"
n=$(/usr/bin/python3 "$here/../tools/cfg-help-wrap.py" --check | wc -l) || true
[ "$n" -eq 0 ] || echo "note: $n option rows keep their help text without SF_HELP_TEXT: wrap them with tools/cfg-help-wrap.py"
if command -v arm-linux-gnueabihf-gcc >/dev/null 2>&1; then
	"$here/../tools/cross.sh" where armhf | sed 's/^/  /'
	[ "${SIZE_FEATURES:-1}" = 0 ] || "$here/../tools/cross.sh" features armhf | sed 's/^/  /'
fi
