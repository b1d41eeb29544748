#!/usr/bin/env python3
"""The rules' patterns for the other tools of the benchmark, one per line.

    patterns.py rg|ere RULES_DIR OUT

vfioexplain applies a pattern to the message, after the line's prefix; ripgrep and grep see whole lines. So
the leading ^ (start of the message) is dropped: a pattern then finds in a line what vfioexplain finds in its
message, and ripgrep counts the same lines vfioexplain matches (the benchmark checks it). Named groups become
plain groups (ripgrep 13 has only (?P<name>)). For grep -E, PCRE classes become POSIX ones, (?:...) a group,
lazy quantifiers greedy ones (the same lines match). Patterns neither tool can express (look-around, branch
reset, inline flags) are left out; the count of those goes to stderr.
"""
import glob
import re
import sys

tool, rules_dir, out = sys.argv[1:4]
patterns = []
for path in sorted(glob.glob(f"{rules_dir}/*.rules")):
    for line in open(path, encoding="utf-8"):
        if line.startswith("pattern = "):
            patterns.append(line[len("pattern = "):].rstrip("\n"))

CLASS_IN_BRACKETS = {r"\d": "0-9", r"\w": "[:alnum:]_", r"\s": "[:space:]"}
CLASS_ALONE = {r"\d": "[0-9]", r"\D": "[^0-9]", r"\w": "[[:alnum:]_]", r"\W": "[^[:alnum:]_]",
               r"\s": "[[:space:]]", r"\S": "[^[:space:]]"}


def to_ere(p):
    """PCRE to POSIX ERE, or None where ERE cannot say it."""
    if re.search(r"\(\?[=!|i]|\(\?<[=!]|\\[xpPQEKAzZG]|[+*?}]\+", p):
        return None
    out, i, in_brackets = [], 0, False
    while i < len(p):
        c = p[i]
        if c == "\\" and i + 1 < len(p):
            esc = p[i:i + 2]
            if in_brackets and esc in CLASS_IN_BRACKETS:
                out.append(CLASS_IN_BRACKETS[esc])
            elif in_brackets and esc in (r"\S", r"\D", r"\W"):
                return None
            elif not in_brackets and esc in CLASS_ALONE:
                out.append(CLASS_ALONE[esc])
            elif in_brackets and esc in ("\\]", "\\\\", "\\-", "\\^"):
                return None  # POSIX brackets have no escapes
            elif in_brackets:
                out.append(esc[1])
            else:
                out.append(esc)
            i += 2
            continue
        if in_brackets:
            if c == "]" and out and not out[-1].endswith("["):
                in_brackets = False
            out.append(c)
        elif c == "[":
            in_brackets = True
            out.append(c)
            if p[i + 1:i + 2] == "^":
                out.append("^")
                i += 1
        elif p.startswith("(?:", i):
            out.append("(")
            i += 3
            continue
        elif p.startswith("(?<", i):
            i = p.index(">", i) + 1
            out.append("(")
            continue
        elif c in "*+?}" and p[i + 1:i + 2] == "?":
            out.append(c)
            i += 2
            continue
        else:
            out.append(c)
        i += 1
    return "".join(out)


kept, left_out = [], 0
for p in patterns:
    if p.startswith("^"):
        p = p[1:]
    if tool == "rg":
        q = None if re.search(r"\(\?[=!|]|\(\?<[=!]", p) else re.sub(r"\(\?<([a-z_]+)>", "(", p)
    else:
        q = to_ere(p)
    if q is None:
        left_out += 1
    else:
        kept.append(q)
with open(out, "w", encoding="utf-8") as f:
    f.write("".join(q + "\n" for q in kept))
print(f"{tool}: {len(kept)} of {len(patterns)} patterns ({left_out} left out: look-around, branch reset or "
      f"inline flags)", file=sys.stderr)
