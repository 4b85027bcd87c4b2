#!/bin/sh
# tests/isolate.sh CMD [ARG...] - run one network test (ctest labels net and
# lab) in a network namespace and a mount namespace of its own, so that two
# such tests can run at once: each sees only its own interfaces, routes,
# nftables tables, sysctls and named namespaces (a private /run/netns), and
# its own sysfs (the /sys/class/net of its namespace). Nothing it does
# reaches the host's network. Exit status is the command's own (77 = skip).
#
# Run directly, without isolation, when not root or when unshare(1) is
# missing (the tests then skip themselves), or when SF_NO_ISOLATE is set.
if [ "$(id -u)" != 0 ] || [ -n "$SF_NO_ISOLATE" ] || ! command -v unshare >/dev/null 2>&1; then
	exec "$@"
fi
mkdir -p /run/netns
exec unshare --net --mount --propagation private -- sh -c '
	mount -t tmpfs -o mode=0755 sf-netns /run/netns || { echo "isolate: cannot mount /run/netns" >&2; exit 1; }
	umount -l /sys 2>/dev/null
	mount -t sysfs sf-sysfs /sys || { echo "isolate: cannot mount sysfs" >&2; exit 1; }
	ip link set lo up || exit 1
	SF_ISOLATED=1 exec "$@"' sf-isolate "$@"
