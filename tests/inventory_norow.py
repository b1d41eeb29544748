#!/usr/bin/env python3
# SPDX-License-Identifier: LGPL-2.1-or-later
"""Every rule either has an inventory row or is listed, with its reason, in tests/data/inventory-norow.tsv.

  tests/inventory_norow.py SOURCE_DIR
"""
import glob
import os
import re
import sys


def main(top):
        named = set()
        for path in glob.glob(os.path.join(top, "rules", "inventory", "*.tsv")):
                with open(path, encoding="utf-8") as f:
                        for line in f:
                                cols = line.rstrip("\n").split("\t")
                                if not line.startswith("#") and len(cols) == 9:
                                        named.add(cols[7])
        rules = {}
        for path in sorted(glob.glob(os.path.join(top, "rules", "*.rules"))):
                with open(path, encoding="utf-8") as f:
                        for line in f:
                                m = re.match(r"\[rule ([^\]]+)\]", line)
                                if m:
                                        rules[m.group(1)] = os.path.basename(path)
        listed = {}
        with open(os.path.join(top, "tests", "data", "inventory-norow.tsv"), encoding="utf-8") as f:
                for number, line in enumerate(f, 1):
                        if line.startswith("#") or not line.strip():
                                continue
                        cols = line.rstrip("\n").split("\t")
                        if len(cols) != 3 or not cols[2].strip():
                                print(f"FAIL: inventory-norow.tsv:{number}: want rule, file, reason")
                                return 1
                        listed[cols[0]] = number
        failures = 0
        for rule, where in sorted(rules.items()):
                if rule not in named and rule not in listed:
                        print(f"FAIL: rule {rule} ({where}) has no inventory row: give it one (docs/inventory.md), "
                              "or list it in tests/data/inventory-norow.tsv with the reason")
                        failures += 1
        for rule, number in sorted(listed.items(), key=lambda t: t[1]):
                if rule not in rules:
                        print(f"FAIL: inventory-norow.tsv:{number}: no rule {rule}: remove the line")
                        failures += 1
                elif rule in named:
                        print(f"FAIL: inventory-norow.tsv:{number}: rule {rule} has an inventory row now: remove the line")
                        failures += 1
        print(f"{len(rules)} rules: {len(rules) - len(listed)} with an inventory row, {len(listed)} listed without one")
        return 1 if failures else 0


if __name__ == "__main__":
        sys.exit(main(sys.argv[1]))
