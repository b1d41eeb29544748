#!/usr/bin/env python3
# The shipped rules' literals reach Hyperscan as a database compiled when vfioexplain is built
# (tools/precompile_rules.c, which CMake runs again whenever a file of rules/ changes) and taken at run time
# only by a rule set of exactly those literals (issue 24 #11: compiled at run time, it cost 6.3 MB of the
# compiler's heap and code). Here, through the binary as installed users run it:
# - it is current: `rules check` of the source's rules says their literals' database came with the binary
#   (rules edited and the database not rebuilt with them fail here);
# - with the shipped rules, a run that reaches Hyperscan loads libhs_runtime, never libhs (the compiler and the
#   libstdc++ it needs), and answers as the portable automaton does, byte for byte;
# - a drop-in whose literal is new makes another set of literals: its database is compiled at run time (libhs
#   loaded), the drop-in's line is found, and the answers are again the automaton's, byte for byte.
# The input is every log of the corpus, read as one file: its journal JSON lines and plain lines together
# (a block holding a JSON line is read a line at a time, and still reaches Hyperscan).
#
# usage: literal_db.py BINARY SOURCE_DIR
import os
import re
import shutil
import subprocess
import sys
import tempfile

DROPIN = """[rule test-literal-db-dropin]
source = kernel
cause = not-bound-to-vfio
strength = likely
content = literal of the test's drop-in:
pattern = ^vfio-pci (?<address>[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\\.[0-7]): literal of the test's drop-in: (?:yes|no)$
explain = a drop-in rule of tests/cli/literal_db.py
versions = linux >= 5.0
origin = linux drivers/vfio/pci/vfio_pci_core.c
example = vfio-pci 0000:01:00.0: literal of the test's drop-in: yes
expect = address=0000:01:00.0
counter = vfio-pci 0000:01:00.0: literal of the test's drop-in: maybe
"""
DROPIN_LINE = b"vfio-pci 0000:6e:00.0: literal of the test's drop-in: yes\n"
LOADED = re.compile(r"file=(libhs(?:_runtime)?\.so[.0-9]*) \[\d+\];\s+dynamically loaded")


def run(binary, rules, log, scan):
    """The JSON answer of explain LOG with the rules of RULES, the prefilter as SCAN says, and the Hyperscan
    libraries the run loaded."""
    env = dict(os.environ, VFIOEXPLAIN_SCAN=scan, LD_DEBUG="files")
    p = subprocess.run([binary, "--rules", rules, "--no-probe", "--format", "json", log], env=env,
                       capture_output=True)
    if p.returncode not in (0, 1):
        sys.exit(f"FAIL: {scan} with {rules}: exit {p.returncode}\n{p.stderr.decode(errors='replace')[-2000:]}")
    return p.stdout, sorted(set(LOADED.findall(p.stderr.decode(errors="replace"))))


def check(binary, rules, log, want_libs, what):
    fails = 0
    portable, libs = run(binary, rules, log, "portable")
    if libs:
        print(f"FAIL: {what}: the portable automaton loaded {libs}")
        fails += 1
    hyperscan, libs = run(binary, rules, log, "hyperscan")
    if libs != want_libs:
        print(f"FAIL: {what}: Hyperscan loaded {libs or 'nothing'}, want {want_libs}")
        fails += 1
    if hyperscan != portable:
        print(f"FAIL: {what}: Hyperscan's answer differs from the portable automaton's "
              f"({len(hyperscan)} and {len(portable)} bytes)")
        fails += 1
    if not fails:
        print(f"ok: {what}: {', '.join(libs)} loaded, the same {len(portable)} bytes as the portable automaton")
    return fails, portable


def main():
    binary, src = sys.argv[1], sys.argv[2]
    shipped = os.path.join(src, "rules")
    fails = 0
    out = subprocess.run([binary, "rules", "check", "--rules", shipped], capture_output=True, text=True).stdout
    print(out.strip())
    if "their literals' Hyperscan database too" not in out:
        print("FAIL: the Hyperscan database built with vfioexplain is not the shipped rules' (stale: rebuild)")
        fails += 1
    with tempfile.TemporaryDirectory() as tmp:
        log = os.path.join(tmp, "corpus.log")
        with open(log, "wb") as f:
            f.write(DROPIN_LINE)
            for root, dirs, files in sorted(os.walk(os.path.join(src, "corpus"))):
                dirs.sort()
                for name in sorted(files):
                    if name.endswith(".log"):
                        with open(os.path.join(root, name), "rb") as fh:
                            text = fh.read()
                        f.write(text if text.endswith(b"\n") else text + b"\n")
        with open(log, "rb") as f:
            if not re.search(rb"(?m)^\{", f.read()):
                sys.exit("FAIL: the corpus has no journal JSON line any more: take one into the input")
        n, _ = check(binary, shipped, log, ["libhs_runtime.so.5"], "the shipped rules")
        fails += n
        rules = os.path.join(tmp, "rules")
        shutil.copytree(shipped, rules)
        with open(os.path.join(rules, "zz-test-dropin.rules"), "w") as f:
            f.write(DROPIN)
        out = subprocess.run([binary, "rules", "check", "--rules", rules], capture_output=True, text=True).stdout
        if "Hyperscan database" in out:
            print(f"FAIL: a drop-in's literal, and the database still taken as the shipped rules': {out.strip()}")
            fails += 1
        n, _ = check(binary, rules, log, ["libhs.so.5"], "a drop-in of a new literal")
        fails += n
        # Its line alone, found (in the corpus's context, a guest's log, the host's cause is not told).
        alone = os.path.join(tmp, "dropin.log")
        with open(alone, "wb") as f:
            f.write(DROPIN_LINE)
        n, answer = check(binary, rules, alone, ["libhs.so.5"], "the drop-in's line alone")
        fails += n
        if b"0000:6e:00.0" not in answer:
            print("FAIL: the drop-in's line (0000:6e:00.0) is not in the answer")
            fails += 1
    sys.exit(1 if fails else 0)


if __name__ == "__main__":
    main()
