#!/usr/bin/env bash
# The benchmark: vfioexplain over a generated mixed log against the ceiling (cat) and against
# ripgrep and grep running the same rules' patterns, single-threaded, in one run on this machine. Output goes
# to a pipe: GNU grep stops at the first match when its output is /dev/null.
# Prints a Markdown table; bench/RESULTS.md keeps the last run's figures. Needs ripgrep and
# hyperfine (apt-get install ripgrep hyperfine). Usage: bench/run.sh [SIZE_MB]
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-256}
bin=${VFIOEXPLAIN:-build/vfioexplain}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
for tool in rg hyperfine; do
        command -v $tool >/dev/null || { echo "bench: $tool is not installed (apt-get install ripgrep hyperfine)" >&2; exit 2; }
done
[ -x "$bin" ] || { echo "bench: $bin not built" >&2; exit 2; }

bench/gen-log.sh "$size_mb" >"$work/log"
bytes=$(stat -c %s "$work/log")

# The rules' patterns for ripgrep, as plain groups (one alternation cannot repeat a group name); patterns with look-around
# (which Rust's regex has not) are left out and counted.
grep -h '^pattern = ' rules/*.rules | sed 's/^pattern = //' >"$work/all"
grep -v -F -e '(?=' -e '(?!' -e '(?<=' -e '(?<!' -e '(?|' "$work/all" | sed 's/(?<[a-z_]*>/(/g' >"$work/rg"
# grep -E has no \d, \S, \w or (?:...): it gets the rules' literal contents, the prefilter's own input.
grep -h '^content = ' rules/*.rules | sed 's/^content = //' | sort -u >"$work/lit"
total=$(wc -l <"$work/all")
rgn=$(wc -l <"$work/rg")

hyperfine -i --output=pipe --warmup 1 --runs 5 --export-json "$work/h.json" \
        -n cat "cat $work/log" \
        -n vfioexplain "$bin --no-probe --format json $work/log" \
        -n "rg -c -f (regexes)" "rg -j1 -c -f $work/rg $work/log" \
        -n "grep -c -F -f (literals)" "grep -c -F -f $work/lit $work/log" >/dev/null 2>&1 || true
rss=$( (/usr/bin/time -f %M "$bin" --no-probe "$work/log" || true) 2>&1 >/dev/null | tail -1)
cold=$(printf 'qemu-system-x86_64: -device vfio-pci,host=0000:01:00.0: vfio 0000:01:00.0: group 1 is not viable\n' >"$work/small";
       hyperfine -i --warmup 3 --runs 50 --export-json "$work/c.json" -N "$bin --no-probe $work/small" >/dev/null 2>&1 || true;
       python3 -c 'import json,sys; print("%.2f" % (json.load(open(sys.argv[1]))["results"][0]["mean"]*1000))' "$work/c.json")

python3 - "$work/h.json" "$bytes" "$total" "$rgn" "$rss" "$cold" <<'PY'
import json, sys
res = {r["command"]: r["mean"] for r in json.load(open(sys.argv[1]))["results"]}
size = int(sys.argv[2])
vx = res["vfioexplain"]
print(f"| what | seconds | GB/s | vfioexplain is |")
print(f"|---|---|---|---|")
for name, t in res.items():
    rel = "" if name == "vfioexplain" else f"{t / vx:.2f}x as fast" if t > vx else f"{vx / t:.2f}x slower"
    print(f"| {name} | {t:.3f} | {size / t / 1e9:.2f} | {rel} |")
print()
print(f"input {size / 1e6:.0f} MB; {sys.argv[3]} rule patterns, {sys.argv[4]} of them usable by ripgrep; "
      f"peak RSS {sys.argv[5]} KB; cold start (20-byte QEMU failure, --no-probe, rules compiled): {sys.argv[6]} ms")
PY
