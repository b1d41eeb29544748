#!/usr/bin/env bash
# Pipes as the shell gives them (issue 6): a slow writer whose lines arrive in pieces, a reader that has
# gone away (SIGPIPE ignored, EPIPE on write), and a closed stdout. The log is a real one of the corpus
# (corpus/bar-mmio-window-1-guest-dmesg: its sources are cited in its case file).
bin=$1 src=$2
. "$(dirname "$0")/lib.sh"
rules="$src/rules"
log="$src/corpus/bar-mmio-window-1-guest-dmesg/guest-dmesg.log"

# Slow pipe: each line a little later than the one before, and every line written in two pieces with a
# pause in between, so that reads return half lines; the answer must be the same as from the file.
"$bin" --rules "$rules" --no-probe --format json "$log" >"$tmp/want.json" 2>/dev/null
slow() {
        while IFS= read -r l; do
                printf '%s' "${l:0:20}"
                sleep 0.05
                printf '%s\n' "${l:20}"
                sleep 0.05
        done <"$log"
}
start=$(date +%s%N)
slow | "$bin" --rules "$rules" --no-probe --format json - >"$tmp/slow.json" 2>"$tmp/err"
status=$?
ms=$((($(date +%s%N) - start) / 1000000))
python3 - "$tmp/want.json" "$tmp/slow.json" <<'PY' || { echo "FAIL: slow pipe: another answer than the file's"; fails=$((fails + 1)); }
import json, sys
want, got = (json.load(open(p)) for p in sys.argv[1:3])
key = lambda r: [(c["id"], c.get("device"), [e["text"] for e in c["evidence"]]) for c in r["causes"]]
assert key(want) == key(got) and key(got), (key(want), key(got))
assert got["causes"][0]["id"] == "bar-mmio-window", got["causes"][0]["id"]
PY
[ "$status" -eq 1 ] && [ ! -s "$tmp/err" ] && echo "ok: slow pipe ($ms ms): same causes and evidence as the file" ||
        { echo "FAIL: slow pipe: exit $status"; cat "$tmp/err"; fails=$((fails + 1)); }

# The reader is gone before the output is written: no message, no signal, the exit status of the answer.
big=$tmp/big.log
for _ in $(seq 1 2000); do cat "$log"; done >"$big"
for fmt in text markdown json; do
        { sleep 0.3; cat "$big"; } | { "$bin" --rules "$rules" --no-probe --format $fmt - 2>"$tmp/err"; echo $? >"$tmp/status"; } | true
        status=$(cat "$tmp/status")
        if [ "$status" -eq 1 ] && [ ! -s "$tmp/err" ]; then
                echo "ok: closed pipe ($fmt): exit 1, nothing on stderr"
        else
                echo "FAIL: closed pipe ($fmt): exit $status"; cat "$tmp/err"; fails=$((fails + 1))
        fi
done
# The same with far more output than a pipe holds: the failure on 256 devices, a cause for each.
for i in $(seq 0 255); do sed "s/0000:06:00/0000:$(printf %02x "$i"):00/g" "$log"; done >"$tmp/many.log"
# report --redact writes its document a piece at a time: the reader may go between two of them.
for redact in "" --redact; do
        for fmt in markdown json; do
                { "$bin" --rules "$rules" --no-probe --format $fmt report $redact "$tmp/many.log" 2>"$tmp/err"
                  echo $? >"$tmp/status"; } | head -c 100 >/dev/null
                status=$(cat "$tmp/status")
                [ "$status" -le 1 ] && [ ! -s "$tmp/err" ] &&
                        echo "ok: reader gone mid-report ($fmt $redact): exit $status, nothing on stderr" ||
                        { echo "FAIL: reader gone mid-report ($fmt $redact): exit $status"; cat "$tmp/err"
                          fails=$((fails + 1)); }
        done
done

# No stdout at all: one line saying so, and the internal-error status.
expect 3 'writing output' -- sh -c 'exec "$0" --rules "$1" --no-probe "$2" >&-' "$bin" "$rules" "$log"
expect 3 'writing output' -- \
        sh -c 'exec "$0" --rules "$1" --no-probe report --redact "$2" >&-' "$bin" "$rules" "$log"
finish
