#!/usr/bin/env bash
# The message inventory (docs/inventory.md) through the command line: README's figures are what
# `rules list --inventory --format markdown` says of rules/inventory, a broken row fails `rules test --inventory`
# with its file and line, and --inventory is refused where it means nothing.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules=(--rules "$src/rules")

# README's table, between its two markers, is the generated one.
sed -n '/^<!-- inventory figures:/,/^<!-- end of inventory figures -->/p' "$src/README.md" | sed '1d;$d' >"$tmp/readme"
[ -s "$tmp/readme" ] || { echo "FAIL: README.md has no inventory figures between their markers"; fails=$((fails + 1)); }
"$bin" rules list --inventory --format markdown "${rules[@]}" >"$tmp/figures" || { echo "FAIL: rules list --inventory"; exit 1; }
if ! diff -u "$tmp/readme" "$tmp/figures"; then
        echo "FAIL: README.md's inventory figures are stale: paste the output of"
        echo "  vfioexplain rules list --inventory --format markdown"
        fails=$((fails + 1))
else
        echo "ok: README's inventory figures are current ($(tail -1 "$tmp/figures"))"
fi

# The JSON names every program of the table.
"$bin" rules list --inventory --format json "${rules[@]}" >"$tmp/json" || { echo "FAIL: rules list --inventory --format json"; exit 1; }
python3 -c 'import json,sys; d=json.load(open(sys.argv[1])); assert d["all"]["rows"] == sum(p["rows"] for p in d["programs"]) > 0; assert d["causes"] and d["files"]' "$tmp/json" ||
        { echo "FAIL: the JSON's programs do not add up to its whole"; fails=$((fails + 1)); }

# A copy with one broken row: the test fails and names the row.
mkdir "$tmp/inv"
cp "$src"/rules/inventory/*.tsv "$tmp/inv/"
f=$(grep -lP '^[^#].*\tcause\t' "$tmp/inv"/*.tsv | head -1)
n=$(grep -nP '^[^#].*\tcause\t' "$f" | head -1 | cut -d: -f1)
[ -n "$n" ] || { echo "FAIL: no cause row to break"; exit 1; }
sed -i "${n}s/\tcause\t/\tbenign\t/; ${n}s/\t[a-z0-9-]*\t\([^\t]*\)\$/\t-\tbroken on purpose/" "$f"
expect 1 '' -- "$bin" rules test --inventory "$tmp/inv" "${rules[@]}"
grep -q "^$f:$n: a benign row's example, alone, yields " "$tmp/out" ||
        { echo "FAIL: the broken row $f:$n is not reported:"; cat "$tmp/out"; fails=$((fails + 1)); }

expect 0 '' -- "$bin" rules test --inventory "$src/rules/inventory" "${rules[@]}"

# An explanation that names a capture its pattern may leave out ("{address}{value}" where the branches capture
# one or the other) fails `rules test` on each example without it: it would print "<address>09:00".
mkdir "$tmp/explain"
cp "$src"/rules/*.rules "$tmp/explain/"
sed -i 's/for the hostpci entry {address|value}:/for the hostpci entry {address}{value}:/' "$tmp/explain/pve.rules"
grep -q '{address}{value}' "$tmp/explain/pve.rules" || { echo "FAIL: pve.rules has no {address|value} to break"; exit 1; }
expect 1 '' -- "$bin" rules test --rules "$tmp/explain"
grep -q "pve.rules:[0-9]*: rule pve-no-pci-device-found: explain prints <address>: the example's match has no address capture" "$tmp/out" &&
        grep -q "pve.rules:[0-9]*: rule pve-no-pci-device-found: explain prints <value>: " "$tmp/out" ||
        { echo "FAIL: rules test does not refuse an explanation with an optional capture:"; cat "$tmp/out"; fails=$((fails + 1)); }
expect 2 'is an option of .vfioexplain rules test. and .rules list.' -- "$bin" rules check --inventory "${rules[@]}"
expect 2 'is an option of .vfioexplain rules.$' -- "$bin" --inventory --no-probe /dev/null
expect 2 'no-such-dir: No such file or directory' -- "$bin" rules test --inventory "$tmp/no-such-dir" "${rules[@]}"
mkdir "$tmp/empty"
expect 2 'no \*\.tsv inventory files' -- "$bin" rules list --inventory "$tmp/empty" "${rules[@]}"
finish
