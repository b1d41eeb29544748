#!/usr/bin/env python3
"""The rules of the production code that the compiler does not check, as curl's scripts/checksrc.pl checks
its own (docs/CODE_STYLE.md there): each failure is printed as FILE:LINE: what, and the exit status is 1.

- No call the project rules out on untrusted input: the scanf family, strtok, the ato* family, the strto*
  family (numbers are parsed by analyzer/base/strparse.h, bounded and checked), gets, sprintf and
  vsprintf (snprintf), strcat, strncat and strncpy (StrBuf, snprintf), system and popen (no shell), alloca.
- Every .c file opens, after its SPDX line, with one comment line saying what it is for.
- No function name is defined in two files (grep must find the one that runs).
- No message is split over source lines: a string literal that does not end an output line ("\\n") is
  not followed by another on the next line (a user greps the source for what they saw).
- A PCI address is held in a PciAddress (include/vfioexplain/pci_address.h), not in a char[16] of its own,
  here and in the shared headers of include/.
- No file is opened outside analyzer/base/fileio.c (issue 24): a file found rather than named is read there
  only when it is regular, never a FIFO that blocks the open or a device node whose driver acts on it, and
  every read is bounded. So the program (analyzer, cli, probes, sources) calls no libc open and no library
  call that opens a path itself, unless a comment holding "raw-open:", on that line or just above the
  statement, says why (a library given a path that was checked, a file the user named for a library that
  takes only a path).
- Every bound on input is defined in include/vfioexplain/limits.h (SQLite's discipline: one header says what
  the program accepts). A NAME_MAX defined anywhere else in the program must say why it is not such a bound
  in a comment holding "not-a-limit:", on its line or in the comment just above it.

    tests/checksrc.py SOURCE_DIR [FILE...]   (FILE...: check these instead, for the checks' own test)"""
import os
import re
import sys

PRODUCTION = ["analyzer", "probes", "sources", "cli", "tools"]
BANNED = {
    "sscanf": "parse with strparse.h", "scanf": "parse with strparse.h", "fscanf": "parse with strparse.h",
    "vsscanf": "parse with strparse.h", "strtok": "parse with strparse.h", "strtok_r": "parse with strparse.h",
    "atoi": "decimal_eat() or span_eat_digits()", "atol": "decimal_eat() or span_eat_digits()",
    "atoll": "decimal_eat() or span_eat_digits()", "atof": "no floating point from input",
    "strtol": "decimal_eat() or span_eat_digits()", "strtoul": "decimal_eat() or span_eat_digits()",
    "strtoll": "decimal_eat() or span_eat_digits()", "strtoull": "decimal_eat() or span_eat_digits()",
    "strtoimax": "decimal_eat() or span_eat_digits()", "strtoumax": "decimal_eat() or span_eat_digits()",
    "strtod": "no floating point from input", "strtof": "no floating point from input",
    "gets": "never", "sprintf": "snprintf()", "vsprintf": "vsnprintf()", "strcat": "StrBuf or snprintf()",
    "strncat": "StrBuf or snprintf()", "strncpy": "snprintf() or memcpy() with the length",
    "system": "no shell", "popen": "no shell", "alloca": "a bounded array or malloc()",
}
BANNED_RE = re.compile(r"\b(" + "|".join(sorted(BANNED, key=len, reverse=True)) + r")\s*\(")
LITERAL = r'"(?:[^"\\\n]|\\.)*"'
SPLIT_RE = re.compile(r"(" + LITERAL + r")[ \t]*\\?\n[ \t]*" + LITERAL)
ADDRESS_RE = re.compile(r"\bchar\s*\(\*\s*\w+\)\s*\[16\]|"
                        r"\bchar\s+\w*(?:addr|device|physfn|upstream|hostdev)\w*(?:\[[^\]]*\])?\[(?:static\s+)?16\]")
# The program's own files, where every open goes through fileio.c (tools/ are build-time generators).
PROGRAM = ["analyzer", "probes", "sources", "cli"]
OPENER = "analyzer/base/fileio.c"
OPEN_CALLS = ["open", "open64", "openat", "openat2", "creat", "fopen", "fopen64", "freopen", "fdopen", "opendir",
              "fdopendir", "scandir", "scandirat", "name_to_handle_at", "open_by_handle_at",
              # Library calls that open a path themselves.
              "sd_journal_open", "sd_journal_open_directory", "sd_journal_open_files", "sd_journal_open_namespace",
              "tracecmd_open", "tracecmd_open_head", "tracecmd_open_flags", "xmlReadFile", "xmlCtxtReadFile",
              "xmlParseFile", "pci_set_name_list_path"]
OPEN_RE = re.compile(r"(?<![A-Za-z0-9_.>])(?:sym_)?(" + "|".join(OPEN_CALLS) + r")\s*\(|\bSYS_openat2?\b")
LIMITS_HEADER = "include/vfioexplain/limits.h"
MAX_DEFINE_RE = re.compile(r"^[ \t]*#[ \t]*define[ \t]+(\w+_MAX)\b")
FUNCTION_RE = re.compile(r"^[A-Za-z_][^\n;=#{}()]*?\b([A-Za-z_][A-Za-z0-9_]*)\(", re.M)


def blank_comments_and_strings(text):
        """The text with comments and the contents of string and character literals replaced by spaces,
        newlines kept, so that offsets and line numbers stay those of the file."""
        out = []
        i, n = 0, len(text)
        while i < n:
                c = text[i]
                if text.startswith("/*", i):
                        j = text.find("*/", i + 2)
                        j = n if j < 0 else j + 2
                        out.append(re.sub(r"[^\n]", " ", text[i:j]))
                        i = j
                elif text.startswith("//", i):
                        j = text.find("\n", i)
                        j = n if j < 0 else j
                        out.append(" " * (j - i))
                        i = j
                elif c in "\"'":
                        j = i + 1
                        while j < n and text[j] != c:
                                j += 2 if text[j] == "\\" else 1
                        out.append(c + re.sub(r"[^\n]", " ", text[i + 1:j]) + c)
                        i = j + 1
                else:
                        out.append(c)
                        i += 1
        return "".join(out)


def line_of(text, offset):
        return text.count("\n", 0, offset) + 1


def function_definitions(code):
        """The names of the functions code (comments and strings blanked) defines, with their offsets."""
        for m in FUNCTION_RE.finditer(code):
                name = m.group(1)
                if name in ("if", "while", "for", "switch", "return", "sizeof"):
                        continue
                i, depth = m.end(), 1
                while i < len(code) and depth:
                        depth += {"(": 1, ")": -1}.get(code[i], 0)
                        i += 1
                rest = re.sub(r"^\s*(_[a-z_]+_(\([^)]*\))?\s*)*", "", code[i:i + 300])
                if rest.startswith("{"):
                        yield name, m.start(1)


def raw_opens(text, code):
        """The line numbers of the opens in code that no "raw-open:" comment covers: one on the line or above
        it, which covers the statement below it to its end."""
        covered = False
        for number, (line, code_line) in enumerate(zip(text.split("\n"), code.split("\n")), 1):
                covered = covered or "raw-open:" in line
                if OPEN_RE.search(code_line) and not covered:
                        yield number, line.strip()
                if re.search(r"[;{}]", code_line):
                        covered = False


def bounds_outside_limits(text):
        """The line numbers and names of the NAME_MAX defines that no "not-a-limit:" covers: on the line, or in
        the comment that ends just above it."""
        lines = text.split("\n")
        for number, line in enumerate(lines, 1):
                m = MAX_DEFINE_RE.match(line)
                if not m or "not-a-limit:" in line:
                        continue
                above, i = [], number - 2
                if i >= 0 and lines[i].rstrip().endswith("*/"):
                        while i >= 0:
                                above.append(lines[i])
                                if "/*" in lines[i]:
                                        break
                                i -= 1
                if not any("not-a-limit:" in a for a in above):
                        yield number, m.group(1)


def main():
        src = sys.argv[1]
        failures = []
        defined = {}
        files = []
        if len(sys.argv) > 2:
                files = [os.path.join(src, f) for f in sys.argv[2:]]
        for top in PRODUCTION + ["include"] if not files else []:
                for root, _, names in os.walk(os.path.join(src, top)):
                        files += [os.path.join(root, f) for f in names if f.endswith((".c", ".h"))]
        for path in sorted(files):
                rel = os.path.relpath(path, src)
                text = open(path, encoding="utf-8").read()
                code = blank_comments_and_strings(text)
                if rel != OPENER and (rel.split("/")[0] in PROGRAM or len(sys.argv) > 2):
                        for number, line in raw_opens(text, code):
                                failures.append(f"{rel}:{number}: opens a file outside {OPENER}: {line}")
                for m in BANNED_RE.finditer(code):
                        failures.append(f"{rel}:{line_of(code, m.start())}: {m.group(1)}() is ruled out: "
                                        f"{BANNED[m.group(1)]}")
                for m in ADDRESS_RE.finditer(code):
                        failures.append(f"{rel}:{line_of(code, m.start())}: a PCI address in a char[16]: "
                                        "declare it a PciAddress")
                if rel != LIMITS_HEADER and (rel.split("/")[0] in PROGRAM + ["include"] or len(sys.argv) > 2):
                        for number, name in bounds_outside_limits(text):
                                failures.append(f"{rel}:{number}: {name} defined outside {LIMITS_HEADER}: move it "
                                                "there, or say why it is no bound on input (not-a-limit:)")
                if rel.startswith("include" + os.sep):
                        continue
                for m in SPLIT_RE.finditer(text):
                        if not m.group(1).endswith('\\n"') and code[m.start()] == '"':
                                failures.append(f"{rel}:{line_of(text, m.start())}: a message split over source "
                                                "lines: join it")
                if path.endswith(".c"):
                        lines = text.split("\n")
                        if not lines[0].startswith("/* SPDX-License-Identifier:") or \
                           not (len(lines) > 1 and lines[1].startswith("/* ")):
                                failures.append(f"{rel}:2: no opening comment line saying what the file is for")
                        for name, offset in function_definitions(code):
                                if name == "main":
                                        continue
                                if name in defined and defined[name][0] != rel:
                                        failures.append(f"{rel}:{line_of(code, offset)}: {name}() is also defined "
                                                        f"at {defined[name][0]}:{defined[name][1]}")
                                defined.setdefault(name, (rel, line_of(code, offset)))
        for f in failures:
                print(f)
        print(f"checksrc: {len(files)} files, {len(failures)} problems")
        return 1 if failures else 0


if __name__ == "__main__":
        sys.exit(main())
