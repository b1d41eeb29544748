# Shared by the CLI tests: run a command, check its exit status and one-line stderr.
set -u
fails=0
# Tests that give vfioexplain a terminal (script(1)) read its output, not a pager's; tests/cli/terminal.py
# tests the pager itself.
export VFIOEXPLAIN_PAGER=cat
# They grep the text for whole lines of evidence: wrapped to 80 columns those would be cut in rows.
# tests/cli/terminal.py tests the wrapping.
export COLUMNS=1000
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT

# expect STATUS STDERR_REGEX -- CMD...: the command exits STATUS, prints exactly one stderr line
# matching the regex (or none when the regex is empty), and was not killed by a signal.
expect() {
        local want=$1 re=$2
        shift 3
        "$@" >"$tmp/out" 2>"$tmp/err" </dev/null
        local got=$?
        local lines
        lines=$(wc -l <"$tmp/err")
        if [ "$got" -ne "$want" ]; then
                echo "FAIL: $*: exit $got, want $want"; sed 's/^/  stderr: /' "$tmp/err"; fails=$((fails + 1)); return
        fi
        if [ -z "$re" ]; then
                if [ "$lines" -ne 0 ]; then echo "FAIL: $*: unexpected stderr"; cat "$tmp/err"; fails=$((fails + 1)); fi
                return
        fi
        if [ "$lines" -ne 1 ] || ! grep -Eq -e "$re" "$tmp/err"; then
                echo "FAIL: $*: stderr is not one line matching /$re/:"; sed 's/^/  /' "$tmp/err"; fails=$((fails + 1)); return
        fi
        echo "ok: $* -> $got: $(cat "$tmp/err")"
}

# build_fixtures: the fixture hosts of tests/fixtures/build.sh under $fx ($tmp/fixtures); a failed build ends
# the test, with its log.
build_fixtures() {
        fx="$tmp/fixtures"
        mkdir -p "$fx"
        bash "$src/tests/fixtures/build.sh" "$fx" >"$tmp/build.log" 2>&1 || { echo "FAIL: fixtures/build.sh"; cat "$tmp/build.log"; exit 1; }
}

finish() {
        if [ "$fails" -ne 0 ]; then echo "$fails check(s) failed"; exit 1; fi
        echo "all checks passed"
}
