#!/bin/sh
# test_check_arch.sh CHECK ENGINE_LIB UTIL_LIB CORE_LIB - the arrow check can fail:
# an engine library that calls the log and json-c, and an engine source that
# includes util's log.h, must each be refused with the reason named.
set -eu
check=$1 engine=$2 util=$3 core=$4
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT INT TERM

# 1. symbols: one more object in a copy of libsfengine.a
cat > "$tmp/bad.c" <<'C'
void sf_log(int lvl, const char *fmt, ...);
void *json_object_new_int(int v);
void engine_bad(void);
void engine_bad(void) { sf_log(0, "x"); json_object_new_int(1); }
C
cc -c -o "$tmp/bad.o" "$tmp/bad.c"
cp "$engine" "$tmp/libsfengine.a"
ar rs "$tmp/libsfengine.a" "$tmp/bad.o" 2>/dev/null
if python3 "$check" "$tmp/libsfengine.a" "$util" "$core" > "$tmp/out1" 2>&1; then
	echo "FAIL: an engine that calls sf_log and json-c passed"; cat "$tmp/out1"; exit 1
fi
grep -q "stage 'engine' uses sf_log of stage 'util'" "$tmp/out1" || { echo "FAIL: no sf_log reason"; cat "$tmp/out1"; exit 1; }
grep -q "engine references json_object_new_int" "$tmp/out1" || { echo "FAIL: no json-c reason"; cat "$tmp/out1"; exit 1; }
# the real libraries pass
python3 "$check" "$engine" "$util" "$core" > "$tmp/out0" 2>&1 || { echo "FAIL: real libraries refused"; cat "$tmp/out0"; exit 1; }

# 2. includes: a copy of the tree whose engine includes log.h
root=$(cd "$(dirname "$0")/../.." && pwd)
mkdir -p "$tmp/tree/docs"
cp -r "$root/src" "$tmp/tree/src"
cp "$root/docs/ARCHITECTURE.md" "$tmp/tree/docs/"
printf '#include "log.h"\n' >> "$tmp/tree/src/engine/engine.c"
if SF_ARCH_ROOT="$tmp/tree" python3 "$check" "$engine" "$util" "$core" > "$tmp/out2" 2>&1; then
	echo "FAIL: an engine including log.h passed"; cat "$tmp/out2"; exit 1
fi
grep -q "src/engine/engine.c:.*stage 'engine' includes log.h of stage 'util', not allowed" "$tmp/out2" ||
	{ echo "FAIL: no include reason"; cat "$tmp/out2"; exit 1; }
echo "check-arch refuses a bad engine (symbols and includes) and accepts the real one"
