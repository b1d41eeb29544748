#!/usr/bin/env bash
# Every cause id of the vocabulary (tests/data/causes.ids, a copy of shared/causes.md) is defined by
# the shipped rules; where shared/causes.md is beside the project, the copy must be current.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
ids="$src/tests/data/causes.ids"
shared="$src/../shared/causes.md"
if [ -f "$shared" ]; then
        grep -E '^\| [a-z0-9-]+ \|' "$shared" | awk -F'|' '{gsub(/ /,"",$2); print $2}' | grep -v '^id$' >"$tmp/shared"
        if ! diff -u "$ids" "$tmp/shared"; then
                echo "FAIL: tests/data/causes.ids differs from shared/causes.md: update the copy and the rules"; exit 1
        fi
else
        echo "note: $shared is not beside this checkout; checking against the copy tests/data/causes.ids only"
fi
"$bin" rules list --format json --rules "$src/rules" >"$tmp/list" || { echo "FAIL: rules list"; exit 1; }
missing=0
while read -r id; do
        if ! grep -q "\"id\": *\"$id\"" "$tmp/list"; then echo "FAIL: cause $id is not defined by any rule file"; missing=1; fi
done <"$ids"
[ "$missing" -eq 0 ] || exit 1
echo "all $(wc -l <"$ids") cause ids are defined"
