#!/usr/bin/env python3
"""tools/cfg-help-wrap.py [--check] [FILE...] - option rows' help as CFG_HELP("...").

The rows of a `struct cfg_option` table (src/types/cfgtab.h) are positional:
{ name, type, offset, min, max, def, enum_names, unit, help }. A string
literal there always reaches the binary; wrapped in CFG_HELP() it does not
when SF_HELP_TEXT is off (router packages). This rewrites the ninth element
of every row that is not wrapped yet (idempotent); --check only lists them
and exits 1. Without FILEs: every .c under src/.
"""
import pathlib
import re
import sys

TABLE = re.compile(r"struct\s+cfg_option\s+\w+\s*\[\s*\]\s*=\s*\{")
HELP_POS = 8


def skip_literal(s, i):
    """s[i] is a quote: index just past the literal."""
    q = s[i]
    i += 1
    while s[i] != q:
        i += 2 if s[i] == "\\" else 1
    return i + 1


def skip_comment(s, i):
    if s.startswith("//", i):
        return s.index("\n", i)
    return s.index("*/", i) + 2


def code(s, i):
    """Yield (index, char) of s from i on, string and char literals and
    comments left out."""
    while i < len(s):
        if s[i] in "\"'":
            i = skip_literal(s, i)
        elif s.startswith(("/*", "//"), i):
            i = skip_comment(s, i)
        else:
            yield i, s[i]
            i += 1


def rows(s, start):
    """Yield (begin, end) of each top-level { ... } row of the table whose
    opening brace is at start - 1; stops at the table's closing brace."""
    depth = 0
    for i, c in code(s, start):
        if depth == 0:
            if c == "{":
                b, depth = i, 1
            elif c == "}":
                return
        elif c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
            if depth == 0:
                yield b, i


def elements(s, b, e):
    """(begin, end) of each comma-separated element of the row s[b..e]."""
    out = []
    depth = 0
    el = b + 1
    for i, c in code(s, b + 1):
        if i >= e:
            break
        if c in "({[":
            depth += 1
        elif c in ")}]":
            depth -= 1
        elif c == "," and depth == 0:
            out.append((el, i))
            el = i + 1
    out.append((el, e))
    return out


def process(path, check):
    s = path.read_text()
    edits = []	# (begin, end) of help elements to wrap
    for m in TABLE.finditer(s):
        for b, e in rows(s, m.end()):
            els = elements(s, b, e)
            if len(els) <= HELP_POS:
                continue	# CFG_OPT_END and other short rows
            hb, he = els[HELP_POS]
            text = s[hb:he]
            lead = len(text) - len(text.lstrip())
            trail = len(text) - len(text.rstrip())
            hb, he = hb + lead, he - trail
            if s[hb:he].startswith("CFG_HELP(") or s[hb:he] == "NULL":
                continue
            edits.append((hb, he))
    if check:
        for hb, _ in edits:
            print(f"{path}:{s.count(chr(10), 0, hb) + 1}: help without CFG_HELP()")
        return len(edits)
    for hb, he in reversed(edits):
        s = s[:hb] + "CFG_HELP(" + s[hb:he] + ")" + s[he:]
    if edits:
        path.write_text(s)
        print(f"{path}: {len(edits)} rows wrapped")
    return 0


def main():
    check = "--check" in sys.argv
    files = [pathlib.Path(a) for a in sys.argv[1:] if not a.startswith("--")]
    if not files:
        root = pathlib.Path(__file__).resolve().parent.parent
        files = sorted((root / "src").rglob("*.c"))
    bad = sum(process(f, check) for f in files)
    sys.exit(1 if bad else 0)


if __name__ == "__main__":
    main()
