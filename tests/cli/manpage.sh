#!/usr/bin/env bash
# docs/vfioexplain.1: renders without a warning, and documents every command and long option that --help
# names (a new option without its paragraph in the man page fails here).
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
page="$src/docs/vfioexplain.1"

command -v groff >/dev/null || { echo "FAIL: groff is not installed (tests/deps.sh installs groff-base)"; exit 1; }
command -v man >/dev/null || { echo "FAIL: man is not installed (tests/deps.sh installs man-db)"; exit 1; }
groff -man -Tutf8 -ww -z "$page" 2>"$tmp/groff"
[ -s "$tmp/groff" ] && { echo "FAIL: groff warns:"; cat "$tmp/groff"; fails=$((fails + 1)); }
MANWIDTH=80 man --warnings -l "$page" >"$tmp/rendered" 2>"$tmp/man"
[ -s "$tmp/man" ] && { echo "FAIL: man warns:"; cat "$tmp/man"; fails=$((fails + 1)); }
grep -q '^NAME' "$tmp/rendered" && grep -q 'vfioexplain - explain why PCI passthrough' "$tmp/rendered" ||
        { echo "FAIL: the page did not render"; head "$tmp/rendered"; fails=$((fails + 1)); }

# The roff source as words: \- is a hyphen, font escapes go.
sed -e 's/\\-/-/g' -e 's/\\f[BIRP]//g' "$page" >"$tmp/source"

# The version in the page's title is the program's.
version=$("$bin" --version | cut -d' ' -f2)
grep -q "^\.TH VFIOEXPLAIN 1 .*\"vfioexplain $version\"" "$page" ||
        { echo "FAIL: .TH does not name version $version"; fails=$((fails + 1)); }

"$bin" --help >"$tmp/help"
commands=$(sed -n '/^Commands:/,/^$/p' "$tmp/help" | awk 'NF > 1 { print $1 }')
[ -n "$commands" ] || { echo "FAIL: no commands in --help"; exit 1; }
: >"$tmp/allhelp"
cat "$tmp/help" >>"$tmp/allhelp"
for c in $commands help; do
        grep -Eq "^\.(B|BR|BI|SY) ($c|\"$c)( |\$)" "$tmp/source" ||
                { echo "FAIL: the man page has no paragraph for command '$c'"; fails=$((fails + 1)); }
        [ "$c" = help ] || "$bin" "$c" --help >>"$tmp/allhelp"
done
options=$(grep -Eo -- '--[a-z][a-z-]*' "$tmp/allhelp" | sort -u)
[ "$(echo "$options" | wc -l)" -ge 15 ] || { echo "FAIL: too few options found in --help: $options"; exit 1; }
for o in $options; do
        grep -Eq -- "^\.(B|BR|BI|TP|RB)( .*)?$o( |\$)" "$tmp/source" ||
                { echo "FAIL: the man page does not document $o"; fails=$((fails + 1)); }
done
echo "checked $(echo "$commands" | wc -w) commands, $(echo "$options" | wc -l) options"
finish
