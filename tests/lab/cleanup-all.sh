#!/bin/bash
# cleanup-all.sh - remove every leftover of lab(s) with a given prefix: the
# lab's recorded processes and state (via labctl.py down), then any network
# namespace named PREFIX-* (its processes killed first), whoever made it.
#
#   tests/lab/cleanup-all.sh PREFIX       namespaces PREFIX-*, state of PREFIX
#   tests/lab/cleanup-all.sh 'PREFIX*'    every lab whose prefix starts with PREFIX
#
# Safe to run any time, also when nothing is left (exit 0). Needs root.
set -u
here=$(cd "$(dirname "$0")" && pwd)
state_root=${SF_LAB_STATE_DIR:-/run/starfail-lab}

if [ $# -ne 1 ] || ! [[ $1 =~ ^[a-z][a-z0-9]{0,11}\*?$ ]]; then
	echo "usage: $0 PREFIX | 'PREFIX*'   (PREFIX: a-z then a-z0-9, at most 12 chars)" >&2
	exit 2
fi
if [ "$(id -u)" -ne 0 ]; then
	echo "cleanup-all.sh: needs root" >&2
	exit 1
fi

pattern=$1
base=${pattern%\*}
prefixes=()
if [ "$pattern" != "$base" ]; then
	# every prefix starting with base: from state directories and namespace names
	for d in "$state_root"/"$base"*; do
		[ -d "$d" ] && prefixes+=("$(basename "$d")")
	done
	while read -r ns _; do
		p=${ns%%-*}
		[[ $ns == *-* && $p == "$base"* ]] && prefixes+=("$p")
	done < <(ip netns list)
	mapfile -t prefixes < <(printf '%s\n' "${prefixes[@]}" | sort -u | grep .)
else
	prefixes=("$base")
fi

rc=0
for p in "${prefixes[@]}"; do
	[[ $p =~ ^[a-z][a-z0-9]{0,11}$ ]] || continue
	/usr/bin/python3 "$here/labctl.py" down --prefix "$p" || rc=1
	while read -r ns _; do
		[[ $ns == "$p"-* ]] || continue
		pids=$(ip netns pids "$ns" 2>/dev/null)
		[ -n "$pids" ] && kill -TERM $pids 2>/dev/null
		for _ in 1 2 3 4 5 6 7 8 9 10; do
			pids=$(ip netns pids "$ns" 2>/dev/null)
			[ -z "$pids" ] && break
			sleep 0.1
		done
		[ -n "$pids" ] && kill -KILL $pids 2>/dev/null
		if ip netns del "$ns"; then
			echo "removed stray namespace $ns"
		else
			rc=1
		fi
	done < <(ip netns list)
	rm -rf "${state_root:?}/$p"
done
exit $rc
