#!/usr/bin/env bash
# The cause vocabulary: tests/data/causes.ids lists every cause id the shipped rules define, no more and no
# fewer, so that no cause is added without being listed for the users and scripts that key on it. Where
# shared/causes.md (the vocabulary the project started from) is beside the project, every id of it must be
# in the list too: an id is never renamed or removed, only added. docs/causes.md, the vocabulary users read,
# lists the same ids, and its first table is the shared one as it is.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
ids="$src/tests/data/causes.ids"
shared="${VX_SHARED_CAUSES:-$src/../shared/causes.md}"
sort -u "$ids" >"$tmp/ids"
if [ -f "$shared" ]; then
        grep -E '^\| [a-z0-9-]+ \|' "$shared" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -v '^id$' | sort -u >"$tmp/shared"
        gone=$(comm -23 "$tmp/shared" "$tmp/ids")
        if [ -n "$gone" ]; then
                echo "FAIL: ids of shared/causes.md missing from tests/data/causes.ids (never removed; define them):"
                echo "$gone"; exit 1
        fi
        grep -E '^\| [a-z0-9-]+ \|' "$shared" | grep -v '^| id |' >"$tmp/shared-rows"
        grep -E '^\| [a-z0-9-]+ \|' "$src/docs/causes.md" | grep -v '^| id |' >"$tmp/doc-rows"
        stale=$(grep -vxFf "$tmp/doc-rows" "$tmp/shared-rows")
        if [ -n "$stale" ]; then
                echo "FAIL: rows of shared/causes.md that docs/causes.md does not copy as they are:"
                echo "$stale"; exit 1
        fi
else
        echo "note: $shared is not beside this checkout; checking tests/data/causes.ids and docs/causes.md only"
fi
grep -E '^\| [a-z0-9-]+ \|' "$src/docs/causes.md" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -v '^id$' |
        sort >"$tmp/doc"
if ! cmp -s "$tmp/doc" "$tmp/ids"; then
        echo "FAIL: docs/causes.md and tests/data/causes.ids list different ids (or one twice):"
        diff "$tmp/doc" "$tmp/ids"; exit 1
fi
"$bin" rules list --format json --rules "$src/rules" >"$tmp/list" || { echo "FAIL: rules list"; exit 1; }
python3 -c 'import json,sys; [print(c["id"]) for c in json.load(open(sys.argv[1]))["causes"]]' "$tmp/list" |
        sort -u >"$tmp/defined"
fail=0
for id in $(comm -23 "$tmp/ids" "$tmp/defined"); do echo "FAIL: cause $id is listed but no rule file defines it"; fail=1; done
for id in $(comm -13 "$tmp/ids" "$tmp/defined"); do echo "FAIL: cause $id is defined but not listed in tests/data/causes.ids"; fail=1; done
[ "$fail" -eq 0 ] || exit 1
# A cause's doubt (why a finding is shown in doubt) is in the list as the rule file says it, null where none.
python3 - "$tmp/list" "$src/rules" <<'PY' || exit 1
import glob, json, re, sys
listed = {c["id"]: c for c in json.load(open(sys.argv[1]))["causes"]}
want, cause = {}, None
for path in sorted(glob.glob(sys.argv[2] + "/*.rules")):
    for line in open(path, encoding="utf-8"):
        m = re.match(r"\[(cause|rule|symptom|fact) ([^\]]+)\]", line)
        if m:
            cause = m.group(2) if m.group(1) == "cause" else None
        elif cause and line.startswith("doubt = "):
            want[cause] = line[len("doubt = "):].rstrip("\n")
if not want:
    sys.exit("FAIL: no cause of the shipped rules has a doubt: nothing to check")
bad = [i for i, c in listed.items() if "doubt" not in c or c["doubt"] != want.get(i)]
if bad:
    sys.exit(f"FAIL: rules list --format json gives the wrong doubt for {bad[:5]}")
print(f"ok: rules list gives the doubt of {len(want)} causes and null for the other {len(listed) - len(want)}")
PY
echo "all $(wc -l <"$tmp/ids") cause ids are listed and defined"
