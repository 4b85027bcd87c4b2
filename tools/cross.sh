#!/bin/sh
# tools/cross.sh - cross builds with Debian's cross compilers and multiarch
# -dev packages (cmake/toolchains/ARCH.cmake); the unit tests of each run
# under qemu-user (CMAKE_CROSSCOMPILING_EMULATOR: no binfmt needed).
#
#   tools/cross.sh deps ARCH...            add the dpkg architectures and
#                                          install what is missing (apt-get)
#   tools/cross.sh test [--ubsan] ARCH...  build-cross-ARCH: build the unit
#                                          tests (ctest label unit: cmocka tests
#                                          and fuzz corpus replays), run them;
#                                          then the rpcd plugin test against
#                                          this ARCH's daemon, both under qemu
#   tools/cross.sh size ARCH[:arm]...      build-size-ARCH: starfaild and
#                                          starfailctl as OpenWrt builds the
#                                          package (below), no tests; print
#                                          stripped sizes (and compressed:
#                                          xz as squashfs, gzip as jffs2 and
#                                          the .ipk) and NEEDED libraries
#   tools/cross.sh where ARCH[:arm]        the bytes each stage library adds
#                                          (tools/size-map.py; a size build
#                                          without LTO)
#   tools/cross.sh features ARCH[:arm]     what each build option costs:
#                                          stripped starfaild of each variant
#                                          (ARCH host: this machine, with MQTT
#                                          and the webhook)
#
# The size builds are what the OpenWrt package builds: MinSizeRel (-Os),
# SF_HELP_TEXT off, SF_LTO on (PKG_BUILD_FLAGS:=lto), OpenWrt's default hardening of a package (include/
# hardening.mk: -fstack-protector, _FORTIFY_SOURCE=1, full RELRO) and no PIE:
# Debian's gcc makes PIEs by default, OpenWrt's only for packages that set
# PKG_ASLR_PIE_REGULAR:=1 (or with CONFIG_PKG_ASLR_PIE_ALL). SIZE_PIE=1
# measures a PIE (Debian's default; ~20 KB more on armhf).
#
# ARCH: armhf (ARMv7, Thumb-2 by default; armhf:arm = ARM mode), arm64,
# mipsel, s390x (64-bit big-endian: Debian 12 has no big-endian MIPS).
# --ubsan: UndefinedBehaviorSanitizer (SF_UBSAN) in the unit tests.
# JOBS: parallel compile and test jobs (default 2).
set -eu
cd "$(dirname "$0")/.."
JOBS=${JOBS:-2}

triplet() {
	case "$1" in
		armhf) echo arm-linux-gnueabihf ;;
		arm64) echo aarch64-linux-gnu ;;
		mipsel) echo mipsel-linux-gnu ;;
		s390x) echo s390x-linux-gnu ;;
		*) echo "cross: unknown architecture '$1' (armhf arm64 mipsel s390x)" >&2; return 1 ;;
	esac
}

qemu_of() {
	case "$1" in
		armhf) echo qemu-arm ;;
		arm64) echo qemu-aarch64 ;;
		*) echo "qemu-$1" ;;
	esac
}

# Tests that qemu-user (Debian 12: 7.2) runs wrongly, skipped on that
# architecture with the reason printed: "ARCH TEST REASON" (ARCH * = every one).
SKIPS="mipsel test_probe_lo qemu-mipsel returns the host's errno from SO_ERROR (ECONNREFUSED 111, not MIPS's 146): a refused TCP probe reads as lost
mipsel test_starlink_collector qemu-mipsel returns the host's errno from SO_ERROR: a refused dish connection reads as another error
* test_ctl_mwan3 its stand-in ubus/uci/hotplug-call/mwan3 is a target binary the controller execs as a child: qemu-user without binfmt_misc cannot run it
* test_sim_cell it execs starfail-tracegen, a target binary: qemu-user without binfmt_misc cannot run it
* test_wifi_collector qemu-user 7.2 opens no NETLINK_GENERIC socket (protocol 16: Protocol not supported), so nl80211 cannot be asked"

# MQTT (libmosquitto) and the webhook (libcurl) are left out of the cross
# builds: both need libssl3:ARCH, and Debian 12's foreign architectures lag
# the host's security update of it (seen: libssl3 3.0.22 on amd64, 3.0.20 on
# s390x), which Multi-Arch: same refuses to co-install. Their code is plain
# C over those libraries, built and tested in the host builds.

deps() {
	sudo=""
	[ "$(id -u)" -eq 0 ] || sudo=sudo
	added=""
	missing=""
	for a in "$@"; do
		t=$(triplet "$a")
		if ! dpkg --print-foreign-architectures | grep -qx "$a"; then
			$sudo dpkg --add-architecture "$a"
			added=1
		fi
		# libc6-dev-ARCH-cross to link; libc6:ARCH (the multiarch runtime
		# with its loader in /lib) to run under qemu, with the libraries
		for p in "gcc-$t" "libc6-dev-$a-cross" "libc6:$a" "libev-dev:$a" "libjson-c-dev:$a" \
			"libmnl-dev:$a" "libnghttp2-dev:$a" "libprotobuf-c-dev:$a" "libcmocka-dev:$a"; do
			dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || missing="$missing $p"
		done
	done
	dpkg-query -W -f='${Status}' qemu-user 2>/dev/null | grep -q "ok installed" || missing="$missing qemu-user"
	[ -n "$missing" ] || [ -n "$added" ] || return 0
	echo "cross: installing:$missing"
	export DEBIAN_FRONTEND=noninteractive
	$sudo apt-get update -qq
	[ -z "$missing" ] && return 0
	# shellcheck disable=SC2086 # one word per package
	$sudo apt-get install -y -qq --no-install-recommends $missing >/dev/null
}

test_arch() {	# $1 arch, $2 ON|OFF (UBSan)
	a=$1
	b=build-cross-$a
	q=$(qemu_of "$a")
	mkdir -p "$b"
	cmake -S . -B "$b" -DCMAKE_TOOLCHAIN_FILE="cmake/toolchains/$a.cmake" \
		-DCMAKE_BUILD_TYPE=RelWithDebInfo -DSF_UBSAN="$2" -DSF_MQTT=OFF -DSF_WEBHOOK=OFF >"$b/configure.log" 2>&1 ||
		{ cat "$b/configure.log"; return 1; }
	cmake --build "$b" -j "$JOBS" --target sf_unit_tests starfaild starfailctl >"$b/build.log" 2>&1 ||
		{ grep -B2 -A8 -E 'error|Error' "$b/build.log" | head -60; return 1; }
	skip=$(echo "$SKIPS" | awk -v a="$a" '$1 == a || $1 == "*" { printf "%s%s", s, $2; s = "|" }')
	echo "$SKIPS" | awk -v a="$a" '$1 == a || $1 == "*" { t = $2; $1 = ""; $2 = ""; sub(/^  /, ""); print "cross " a ": " t " skipped: " $0 }'
	rc=0
	(cd "$b" && SF_QEMU=$q UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		ctest -L unit ${skip:+-E "^($skip)\$"} -j "$JOBS" --timeout 300 --output-on-failure \
		-O ctest.log >ctest.out 2>&1) || rc=1
	grep -E "tests passed|tests failed" "$b/ctest.out" | sed "s/^/cross $a: /"
	[ "$rc" -eq 0 ] || { cat "$b/ctest.out"; return 1; }
	# the real daemon and the rpcd plugin of this architecture, under qemu
	# too: tests/pkg/test_rpcd.py with SF_BUILD at wrappers that exec them
	w=$(pwd)/$b/qemu-wrap
	mkdir -p "$w"
	for bin in starfaild starfailctl; do
		printf '#!/bin/sh\nexec %s %s "$@"\n' "$q" "$(pwd)/$b/$bin" >"$w/$bin"
		chmod 755 "$w/$bin"
	done
	SF_BUILD=$w UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
		/usr/bin/python3 tests/pkg/test_rpcd.py >"$b/rpcd.out" 2>&1 ||
		{ cat "$b/rpcd.out"; return 1; }
	echo "cross $a: rpcd plugin and daemon: $(tail -n 1 "$b/rpcd.out") ($(grep -c ' ok$' "$b/rpcd.out") tests)"
	# what the tests skipped by themselves (cmocka skip() after print_message)
	awk -v a="$a" '/^[0-9]+\/[0-9]+ Test: / { t = $3 } /^skipped: / { print "cross " a ": " t " (one case) " $0 }' \
		"$b/Testing/Temporary/LastTest.log"
}

OW_CFLAGS="-fstack-protector -D_FORTIFY_SOURCE=1"
OW_LDFLAGS="-Wl,-z,now -Wl,-z,relro"

# size_build ARCH[:arm] DIR [cmake -D...]: starfaild and starfailctl in DIR
size_build() {
	a=${1%%:*}
	flags=$OW_CFLAGS
	ldflags=$OW_LDFLAGS
	case "$1" in *:arm) flags="-marm $flags" ;; esac
	b=$2
	shift 2
	if [ "${SIZE_PIE:-0}" = 1 ]; then
		flags="-fpie $flags" ldflags="-pie $ldflags"
	else
		flags="-fno-pie $flags" ldflags="-no-pie $ldflags"
	fi
	tc=""
	[ "$a" = host ] || tc="-DCMAKE_TOOLCHAIN_FILE=cmake/toolchains/$a.cmake"
	mkdir -p "$b"
	# shellcheck disable=SC2086 # $tc: no word or one
	cmake -S . -B "$b" $tc -DCMAKE_BUILD_TYPE=MinSizeRel -DSF_TESTS=OFF -DSF_LINK_MAP=ON \
		-DCMAKE_C_FLAGS="$flags" -DCMAKE_EXE_LINKER_FLAGS="$ldflags" "$@" >"$b/configure.log" 2>&1 ||
		{ cat "$b/configure.log"; return 1; }
	cmake --build "$b" -j "$JOBS" --target starfaild starfailctl >"$b/build.log" 2>&1 ||
		{ grep -B2 -A8 -E 'error|Error' "$b/build.log" | head -40; return 1; }
}

tool() {	# $1 arch, $2 tool: the target's binutils
	if [ "$1" = host ]; then echo "$2"; else echo "$(triplet "$1")-$2"; fi
}

stripped() {	# $1 arch, $2 binary: bytes after strip as OpenWrt strips (and .comment, .note, MIPS .pdr)
	"$(tool "$1" strip)" --strip-all -R .comment -R .note -R .pdr -o "$2.stripped" "$2"
	stat -c %s "$2.stripped"
}

# the package's default: every option but MQTT and the webhook (see above) on, texts off
SIZE_ARGS="-DSF_MQTT=OFF -DSF_WEBHOOK=OFF -DSF_HELP_TEXT=OFF -DSF_LTO=ON"

size_dir() {	# $1 arch or arch:arm
	mode=""
	case "$1" in *:arm) mode=-arm ;; esac
	echo "build-size-${1%%:*}$mode"
}

size_arch() {	# $1 arch or arch:arm
	a=${1%%:*}
	tag=$a
	case "$1" in *:arm) tag="$a (-marm)" ;; esac
	b=$(size_dir "$1")
	# shellcheck disable=SC2086 # one word per argument
	size_build "$1" "$b" $SIZE_ARGS
	for bin in starfaild starfailctl; do
		needed=$("$(tool "$a" readelf)" -d "$b/$bin" | sed -n 's/.*Shared library: \[\(.*\)\]/\1/p' | tr '\n' ' ')
		sz=$(stripped "$a" "$b/$bin")
		# compressed as on flash: squashfs (xz) of an image, jffs2/ubifs
		# overlay or the .ipk (zlib) of an opkg install
		xz=$(xz -9e --check=none -c "$b/$bin.stripped" | wc -c)
		gz=$(gzip -9 -c "$b/$bin.stripped" | wc -c)
		printf '%-12s %-11s %8d bytes stripped (xz %d, gzip %d)  NEEDED: %s\n' "$tag" "$bin" "$sz" "$xz" "$gz" "$needed"
	done
}

where_arch() {	# $1 arch or arch:arm: bytes per library of the size build
	# without LTO: its map names only the link-time partitions
	b=$(size_dir "$1")-nolto
	# shellcheck disable=SC2086 # one word per argument
	size_build "$1" "$b" $SIZE_ARGS -DSF_LTO=OFF
	echo "starfaild on $1 without LTO ($b/starfaild.map): bytes per library after --gc-sections"
	/usr/bin/python3 tools/size-map.py "$b/starfaild.map"
}

features_arch() {	# $1 arch or arch:arm
	a=${1%%:*}
	base="-DSF_STARLINK=ON -DSF_PROMETHEUS=ON -DSF_MQTT=ON -DSF_WEBHOOK=ON -DSF_HELP_TEXT=OFF -DSF_LTO=ON"
	[ "$a" = host ] || base="-DSF_STARLINK=ON -DSF_PROMETHEUS=ON -DSF_MQTT=OFF -DSF_WEBHOOK=OFF -DSF_HELP_TEXT=OFF -DSF_LTO=ON"
	d=$(size_dir "$1")-feat
	ref=""
	echo "starfaild on $1, stripped, by build option (the package default first):"
	variants="default: no-starlink:-DSF_STARLINK=OFF no-prometheus:-DSF_PROMETHEUS=OFF"
	[ "$a" = host ] && variants="$variants no-mqtt:-DSF_MQTT=OFF no-webhook:-DSF_WEBHOOK=OFF"
	variants="$variants help-text:-DSF_HELP_TEXT=ON no-lto:-DSF_LTO=OFF"
	variants="$variants minimal:-DSF_STARLINK=OFF,-DSF_PROMETHEUS=OFF,-DSF_MQTT=OFF,-DSF_WEBHOOK=OFF"
	for v in $variants; do
		name=${v%%:*}
		args=$(echo "${v#*:}" | tr ',' ' ')
		# shellcheck disable=SC2086 # one word per argument
		size_build "$1" "$d-$name" $base $args
		sz=$(stripped "$a" "$d-$name/starfaild")
		[ -n "$ref" ] || ref=$sz
		printf '  %-14s %8d bytes  %+7d  %s\n' "$name" "$sz" $((sz - ref)) "${args:-$base}"
	done
	# shellcheck disable=SC2086 # one word per argument
	SIZE_PIE=1 size_build "$1" "$d-pie" $base
	sz=$(stripped "$a" "$d-pie/starfaild")
	printf '  %-14s %8d bytes  %+7d  %s\n' pie "$sz" $((sz - ref)) "-fpie -pie (Debian's default)"
}

[ "$#" -ge 1 ] || { sed -n '2,34p' "$0"; exit 2; }
cmd=$1
shift
case "$cmd" in
	deps) deps "$@" ;;
	test)
		ubsan=OFF
		if [ "${1:-}" = --ubsan ]; then ubsan=ON; shift; fi
		for a in "$@"; do
			triplet "$a" >/dev/null
			t0=$(date +%s)
			test_arch "$a" "$ubsan"
			echo "cross $a: $(( $(date +%s) - t0 )) s (UBSan $ubsan)"
		done ;;
	size) for a in "$@"; do size_arch "$a"; done ;;
	where) for a in "$@"; do where_arch "$a"; done ;;
	features) for a in "$@"; do features_arch "$a"; done ;;
	*) echo "cross: unknown command '$cmd'" >&2; exit 2 ;;
esac
