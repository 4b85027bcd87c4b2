#!/usr/bin/env python3
"""check-arch.py LIB.a... - the stages use only what docs/ARCHITECTURE.md allows.

Reads the allowed arrows from the ```arrows block of docs/ARCHITECTURE.md and
checks them twice:
  * includes: every "header.h" a file of src/<stage>/ includes must belong to
    its own stage or to a stage it may use;
  * symbols: every symbol a stage library (libsf<stage>.a, as given) leaves
    undefined and another stage library defines must come from a stage it may
    use; the engine may leave undefined only what libc, libm (and the compiler's
    runtime: libgcc, sanitizers) define.
Exit 0 when both hold, 1 with one line per violation otherwise.
"""
import os
import re
import subprocess
import sys

# SF_ARCH_ROOT: another tree to check (the self-test breaks a copy on purpose)
ROOT = os.environ.get("SF_ARCH_ROOT") or os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
SRC = os.path.join(ROOT, "src")
LIB_STAGE = {"sfcore": "daemon"}	# libsf<stage>.a, but src/ itself is sfcore
RUNTIME_PREFIXES = ("__asan", "__ubsan", "__sanitizer", "__lsan", "__sancov", "__msan")


def arrows():
    text = open(os.path.join(ROOT, "docs", "ARCHITECTURE.md")).read()
    m = re.search(r"```arrows\n(.*?)```", text, re.S)
    if not m:
        sys.exit("check-arch: no ```arrows block in docs/ARCHITECTURE.md")
    allowed = {}
    for line in m.group(1).splitlines():
        line = line.split("#")[0].strip()
        if not line:
            continue
        stage, _, uses = line.partition(":")
        allowed[stage.strip()] = set(uses.replace("->", " ").replace(",", " ").split())
    return allowed


def stage_of(path):
    rel = os.path.relpath(path, SRC).split(os.sep)
    return rel[0] if len(rel) > 1 else "daemon"


def check_includes(allowed, errors):
    owner = {}
    for dirpath, _, files in os.walk(SRC):
        for f in files:
            if f.endswith(".h"):
                owner.setdefault(f, set()).add(stage_of(os.path.join(dirpath, f)))
    owner.setdefault("dish.pb-c.h", set()).add("collect")	# generated into the build dir
    for dirpath, _, files in os.walk(SRC):
        for f in files:
            if not f.endswith((".c", ".h")):
                continue
            path = os.path.join(dirpath, f)
            st = stage_of(path)
            if st not in allowed:
                errors.append(f"{os.path.relpath(path, ROOT)}: stage '{st}' has no line in the arrows block")
                continue
            for n, line in enumerate(open(path, errors="replace"), 1):
                m = re.match(r'\s*#\s*include\s+"([^"]+)"', line)
                if not m:
                    continue
                h = os.path.basename(m.group(1))
                stages = owner.get(h)
                if not stages:
                    errors.append(f"{os.path.relpath(path, ROOT)}:{n}: includes unknown header {h}")
                elif not stages & (allowed[st] | {st}):
                    errors.append(f"{os.path.relpath(path, ROOT)}:{n}: stage '{st}' includes {h} "
                                  f"of stage '{'/'.join(sorted(stages))}', not allowed")


def nm(args):
    out = subprocess.run(["nm"] + args, capture_output=True, text=True)
    if out.returncode != 0:
        sys.exit(f"check-arch: nm {' '.join(args)} failed: {out.stderr.strip()}")
    return out.stdout


def lib_symbols(path):
    defined, undefined = set(), set()
    for line in nm(["-g", path]).splitlines():
        parts = line.split()
        if len(parts) == 2 and parts[0] in ("U", "w"):
            undefined.add(parts[1])
        elif len(parts) == 3 and parts[1] not in ("U", "w"):
            defined.add(parts[2])
    return defined, undefined - defined


def system_symbols():
    names = set()
    libs = []
    for name in ("libc.so.6", "libm.so.6"):
        p = subprocess.run(["cc", "-print-file-name=" + name], capture_output=True, text=True).stdout.strip()
        libs.append(p)
    for p in libs:
        if not os.path.isabs(p) or not os.path.exists(p):
            sys.exit(f"check-arch: cannot find {p}")
        for line in nm(["-D", "--defined-only", p]).splitlines():
            parts = line.split()
            if len(parts) == 3:
                names.add(parts[2].split("@")[0])
    gcc = subprocess.run(["cc", "-print-libgcc-file-name"], capture_output=True, text=True).stdout.strip()
    if os.path.exists(gcc):
        for line in nm(["--defined-only", gcc]).splitlines():
            parts = line.split()
            if len(parts) == 3:
                names.add(parts[2])
    return names


def check_symbols(paths, allowed, errors):
    libs = {}
    for path in paths:
        m = re.fullmatch(r"lib(sf\w+)\.a", os.path.basename(path))
        if not m:
            sys.exit(f"check-arch: {path} is not a libsf<stage>.a")
        st = LIB_STAGE.get(m.group(1), m.group(1)[2:])
        libs[st] = lib_symbols(path)
    if "engine" not in libs or "daemon" not in libs:
        sys.exit("check-arch: libsfengine.a and libsfcore.a must be among the libraries")
    owner = {}
    for st, (defined, _) in libs.items():
        for s in defined:
            owner[s] = st
    for st, (_, undefined) in libs.items():
        if st not in allowed:
            errors.append(f"lib of stage '{st}' has no line in the arrows block")
            continue
        for s in sorted(undefined):
            o = owner.get(s)
            if o and o != st and o not in allowed[st]:
                errors.append(f"stage '{st}' uses {s} of stage '{o}', not allowed")
    sysnames = system_symbols()
    for s in sorted(libs["engine"][1]):
        if s.startswith(RUNTIME_PREFIXES) or s.split("@")[0] in sysnames:
            continue
        errors.append(f"engine references {s}, which is not in libc or libm")
    return len(libs)


def main():
    if len(sys.argv) < 3:
        sys.exit("usage: check-arch.py LIB.a...")
    allowed = arrows()
    errors = []
    check_includes(allowed, errors)
    n = check_symbols(sys.argv[1:], allowed, errors)
    for e in errors:
        print("check-arch:", e)
    if errors:
        return 1
    print(f"check-arch: {n} stage libraries and their includes follow the arrows of docs/ARCHITECTURE.md")
    return 0


if __name__ == "__main__":
    sys.exit(main())
