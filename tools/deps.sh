#!/bin/sh
# Install the Debian packages listed in tools/debian-packages.txt that are missing.
# (The cross compilers and foreign-architecture packages: tools/cross.sh deps ARCH...)
# Needs root (or sudo) only when something is missing.
set -eu
here=$(dirname "$0")
missing=$(grep -v '^#' "$here/debian-packages.txt" | while read -r p; do
	[ -n "$p" ] || continue
	# npm: also present as a command from a nodejs build that bundles it
	[ "$p" = npm ] && command -v npm >/dev/null 2>&1 && continue
	dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "ok installed" || printf ' %s' "$p"
done)
[ -z "$missing" ] && exit 0
echo "deps: installing:$missing"
SUDO=""
[ "$(id -u)" -ne 0 ] && SUDO=sudo
export DEBIAN_FRONTEND=noninteractive
$SUDO apt-get update -qq
# shellcheck disable=SC2086
$SUDO apt-get install -y -qq --no-install-recommends $missing >/dev/null
