#!/usr/bin/env python3
"""tools/size-map.py MAP [--objects] - where the bytes of a linked binary go.

Reads a GNU ld map file (-Wl,-Map=FILE; tools/cross.sh size writes one per
binary) and prints the bytes each static library (or, with --objects, each
object file) contributes after --gc-sections, per output section: text
(.text), rodata (.rodata, string literals included), relro (.data.rel.ro:
tables of pointers, relocated at load in a PIE), data (.data), bss (.bss; RAM
only, not on flash). Shared libraries cost nothing here: only NEEDED entries
and PLT slots.
"""
import re
import sys
from collections import defaultdict

COLS = ("text", "rodata", "relro", "data", "bss")


def column(out_section):
    if out_section.startswith(".text"):
        return "text"
    if out_section.startswith(".rodata"):
        return "rodata"
    if out_section.startswith(".data.rel.ro"):
        return "relro"
    if out_section.startswith(".data"):
        return "data"
    if out_section.startswith(".bss"):
        return "bss"
    return None


def owner(path, objects):
    m = re.match(r"(?:.*/)?([^/(]+)\(([^)]+)\)$", path)
    if m:	# libfoo.a(bar.o)
        return f"{m.group(1)}({m.group(2)})" if objects else m.group(1)
    if "/gcc-cross/" in path or "/lib/" in path or "/usr/" in path:
        return "(crt, libgcc)"
    return path.rsplit("/", 1)[-1] if not objects else path


def main():
    args = [a for a in sys.argv[1:] if not a.startswith("--")]
    objects = "--objects" in sys.argv
    if len(args) != 1:
        sys.exit(__doc__)
    sizes = defaultdict(lambda: defaultdict(int))
    out = None
    pending = None	# an input section name whose address/size/file wrap
    started = False
    with open(args[0], errors="replace") as f:
        for line in f:
            if not started:
                started = line.startswith("Linker script and memory map")
                continue
            m = re.match(r"^(\.[\w.]+)\s", line)
            if m:
                out = column(m.group(1))
                continue
            if out is None:
                continue
            m = re.match(r"^ (\S+)\s*$", line)
            if m:
                pending = m.group(1)
                continue
            m = re.match(r"^ (\S+)?\s+0x[0-9a-f]+\s+0x([0-9a-f]+)\s+(\S.*)$", line)
            if m and (m.group(1) or pending):
                if m.group(1) and m.group(1).startswith("*"):
                    continue
                sizes[owner(m.group(3).strip(), objects)][out] += int(m.group(2), 16)
            pending = None
    rows = sorted(sizes.items(), key=lambda kv: -sum(kv[1][c] for c in COLS[:4]))
    print(f"{'':34s}" + "".join(f"{c:>9s}" for c in COLS) + f"{'flash':>9s}")
    tot = defaultdict(int)
    for name, s in rows:
        flash = sum(s[c] for c in COLS[:4])
        for c in COLS:
            tot[c] += s[c]
        print(f"{name[:34]:34s}" + "".join(f"{s[c]:9d}" for c in COLS) + f"{flash:9d}")
    print(f"{'total':34s}" + "".join(f"{tot[c]:9d}" for c in COLS) +
          f"{sum(tot[c] for c in COLS[:4]):9d}")


if __name__ == "__main__":
    main()
