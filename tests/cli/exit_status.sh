#!/usr/bin/env bash
# The exit status contract (DESIGN.md: 0 nothing found, 1 a cause, 2 bad usage or unreadable input, 3 an
# internal error, a write error and running out of memory included), for every command (issue 24, #15):
# - stdout on /dev/full: every command that writes exits 3 with one line on stderr, never 0 or 2;
# - snapshot -o /dev/full: 3;
# - memory refused (RLIMIT_AS swept upwards from where the dynamic loader can start the program): each
#   command exits as it does with all the memory it wants, or 3 saying it ran out; never 2 ("unreadable
#   input", "bad rules") and never a signal. Not under AddressSanitizer, whose shadow memory needs terabytes
#   of address space: that build says so and runs the rest.
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"
fx="$tmp/fx"
bash "$src/tests/fixtures/build.sh" "$fx" >/dev/null || { echo "FAIL: tests/fixtures/build.sh"; exit 1; }
log="$src/corpus/bar-mmio-window-1-guest-dmesg/guest-dmesg.log"
host="$fx/memlock-64k"

# full STATUS_OF_A_GOOD_RUN -- ARGS...: the command with stdout on /dev/full exits 3 with one line on
# stderr saying so.
full() {
        shift 2
        "$bin" "$@" </dev/null >/dev/full 2>"$tmp/err"
        local got=$?
        if [ "$got" -eq 3 ] && [ "$(wc -l <"$tmp/err")" -ge 1 ] && grep -q 'No space left on device' "$tmp/err"; then
                echo "ok: >/dev/full $* -> 3"
        else
                echo "FAIL: >/dev/full $*: exit $got, want 3 and 'No space left on device'"
                sed 's/^/  stderr: /' "$tmp/err"
                fails=$((fails + 1))
        fi
}

R=(--rules "$rules")
full 0 -- --help
full 0 -- --version
full 0 -- help
full 0 -- help check
full 0 -- check --help
full 0 -- "${R[@]}" rules list
full 0 -- "${R[@]}" rules list --format json
full 0 -- "${R[@]}" rules check
full 0 -- "${R[@]}" rules test
full 1 -- "${R[@]}" --no-probe "$log"
full 1 -- "${R[@]}" --no-probe --format markdown "$log"
full 1 -- "${R[@]}" --no-probe --format json "$log"
full 1 -- "${R[@]}" --no-probe report "$log"
full 1 -- "${R[@]}" --no-probe --format json report "$log"
full 1 -- "${R[@]}" --no-probe report --redact "$log"
full 1 -- "${R[@]}" --no-probe --format json report --redact "$log"
full 1 -- "${R[@]}" --sysroot "$host" check
full 0 -- "${R[@]}" --sysroot "$host" groups
full 0 -- "${R[@]}" --sysroot "$host" --format json groups
full 0 -- "${R[@]}" --sysroot "$host" snapshot -o -
full 0 -- "${R[@]}" --sysroot "$fx/gpu-on-nvidia" plan 0000:0b:00.0
full 0 -- "${R[@]}" --sysroot "$host" rom
# watch reads the entries of a journal since the start ('@0', the epoch, is a time asked for) and prints its
# causes as it finds them.
if bash "$src/tests/journal/build.sh" "$tmp/j" >/dev/null 2>"$tmp/jerr"; then
        timeout 20 "$bin" "${R[@]}" --no-probe watch --directory "$tmp/j/remote" --since @0 </dev/null >/dev/full 2>"$tmp/err"
        got=$?
        if [ "$got" -eq 3 ] && grep -q 'No space left on device' "$tmp/err"; then
                echo "ok: >/dev/full watch -> 3"
        else
                echo "FAIL: >/dev/full watch: exit $got, want 3 (124: it went on watching)"; sed 's/^/  stderr: /' "$tmp/err"
                fails=$((fails + 1))
        fi
else
        echo "FAIL: tests/journal/build.sh"; cat "$tmp/jerr"; fails=$((fails + 1))
fi
# run: the command fails, and the report written after its output cannot be.
timeout 20 "$bin" "${R[@]}" --no-probe run -- sh -c "cat '$log' >&2; exit 1" </dev/null >/dev/full 2>"$tmp/err"
got=$?
if [ "$got" -eq 3 ] && grep -q 'No space left on device' "$tmp/err"; then
        echo "ok: >/dev/full run -> 3"
else
        echo "FAIL: >/dev/full run: exit $got, want 3"; sed 's/^/  stderr: /' "$tmp/err"; fails=$((fails + 1))
fi

# snapshot -o FILE that cannot be written
"$bin" "${R[@]}" --sysroot "$host" snapshot -o /dev/full </dev/null >/dev/null 2>"$tmp/err"
got=$?
if [ "$got" -eq 3 ] && grep -q 'No space left on device' "$tmp/err"; then
        echo "ok: snapshot -o /dev/full -> 3"
else
        echo "FAIL: snapshot -o /dev/full: exit $got, want 3"; sed 's/^/  stderr: /' "$tmp/err"; fails=$((fails + 1))
fi

# Out of memory at every point of a command's life: exit 3 or the exit of a run with all the memory it wants.
if ldd "$bin" | grep -q libasan; then
        echo "note: the RLIMIT_AS sweep is not run under AddressSanitizer (its shadow memory needs terabytes of address space)"
else
        # The sweep starts at the first limit the program starts at (--version: its image and libraries
        # mapped; below it the kernel kills it at exec or the loader gives up, and nothing of ours runs), 3 MB
        # before the shipped rules came parsed in the binary (6 MB of tables, rule_tables.h), and spans 7 MB.
        first=3072
        while [ "$first" -lt 65536 ] && ! prlimit --as=$((first * 1024)) "$bin" --version >/dev/null 2>&1; do
                first=$((first + 96))
        done
        sweep() {
                local normal kb got swept=0 bad=0
                "$bin" "$@" </dev/null >/dev/null 2>&1
                normal=$?
                for kb in $(seq "$first" 96 $((first + 7168))); do
                        prlimit --as=$((kb * 1024)) "$bin" "$@" </dev/null >/dev/null 2>"$tmp/err"
                        got=$?
                        # 127: the dynamic loader could not map the program's libraries; nothing of ours ran.
                        [ "$got" -eq 127 ] && continue
                        swept=$((swept + 1))
                        if [ "$got" -eq "$normal" ]; then
                                continue
                        fi
                        if [ "$got" -eq 3 ] && grep -qi 'out of memory\|cannot allocate memory' "$tmp/err"; then
                                continue
                        fi
                        [ "$bad" -eq 0 ] && { echo "FAIL: RLIMIT_AS $kb KB: $*: exit $got, want $normal or 3 (out of memory)"
                                              sed 's/^/  stderr: /' "$tmp/err" | head -3; }
                        bad=$((bad + 1))
                done
                if [ "$swept" -lt 10 ]; then
                        echo "FAIL: RLIMIT_AS: $*: only $swept limits let the program start"; fails=$((fails + 1))
                elif [ "$bad" -gt 0 ]; then
                        echo "  ($bad of $swept limits)"; fails=$((fails + 1))
                else
                        echo "ok: RLIMIT_AS at $swept limits: $* -> $normal or 3"
                fi
        }
        sweep "${R[@]}" rules list
        sweep "${R[@]}" rules check
        sweep "${R[@]}" rules test
        sweep "${R[@]}" --no-probe "$log"
        sweep "${R[@]}" --no-probe --format json report "$log"
        sweep "${R[@]}" --sysroot "$host" check
        sweep "${R[@]}" --sysroot "$host" groups
        sweep "${R[@]}" --sysroot "$host" snapshot -o -
        sweep "${R[@]}" --sysroot "$fx/gpu-on-nvidia" plan 0000:0b:00.0
fi
finish
