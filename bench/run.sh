#!/usr/bin/env bash
# The benchmark, one command: vfioexplain over a generated mixed host log against the ceiling
# (cat > /dev/null) and against ripgrep and GNU grep running the same rules' patterns, single-threaded, in
# one run; then peak RSS, cold start, and how time grows with input size and with the number of rules.
# Prints a Markdown report (bench/RESULTS.md keeps the last one, with notes).
#
#   bench/run.sh [SIZE_MB]     (default 1024; the inputs are cached in $VX_BENCH_CACHE, /var/tmp by default)
#
# Needs python3, a C compiler and ripgrep (installed with apt-get when missing and run as root).
# Not a test: CI never runs it.
set -euo pipefail
cd "$(dirname "$0")/.."
size_mb=${1:-1024}
bin=${VFIOEXPLAIN:-build/vfioexplain}
cache=${VX_BENCH_CACHE:-/var/tmp/vfioexplain-bench}
[ -x "$bin" ] || { echo "bench: $bin is not built (cmake --build build)" >&2; exit 2; }
if ! command -v rg >/dev/null; then
        if [ "$(id -u)" = 0 ]; then
                DEBIAN_FRONTEND=noninteractive apt-get install -y -qq ripgrep >/dev/null
        else
                echo "bench: ripgrep is missing (apt-get install ripgrep)" >&2
                exit 2
        fi
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# The generator's own hash names its output, so that a changed generator never reuses an old log.
mkdir -p "$cache"
key=$(sha256sum bench/gen-log.sh | cut -c1-12)
log_of() {
        local f="$cache/log-$key-$1MB"
        [ -s "$f" ] || { bench/gen-log.sh "$1" >"$f.tmp" && mv "$f.tmp" "$f"; }
        echo "$f"
}
big=$(log_of "$size_mb")
small1=$(log_of $((size_mb / 16 > 0 ? size_mb / 16 : 1)))
small2=$(log_of $((size_mb / 4 > 0 ? size_mb / 4 : 1)))

python3 bench/patterns.py rg rules "$work/rg" 2>"$work/rg.note"
python3 bench/patterns.py ere rules "$work/ere" 2>"$work/ere.note"
grep -h '^pattern = ' rules/*.rules | sed 's/^pattern = //' |
        grep -v -e '(?[=!|]' -e '(?<[=!]' | sed 's/(?<[a-z_]*>/(/g' >"$work/rg-asis"
for n in 50 200 1000; do
        python3 bench/synth-rules.py $n "$work/rules-$n"
        "$bin" rules check --rules "$work/rules-$n" >/dev/null
done
cc -O2 -o "$work/coldstart" bench/coldstart.c
# The floor: vfioexplain's own reading and literal pass, with the library of the binary measured.
lib=$(dirname "$bin")
cc -O2 -Iinclude -Ianalyzer/base -Ianalyzer/input -Ianalyzer/engine -o "$work/floor" bench/floor.c \
        "$lib/libvx_engine.a" "$lib/libvx_classify.a" "$lib/libvx_input.a" "$lib/libvx_base.a" -lpcre2-8 -ljson-c -ldl

cat >"$work/cfg.json" <<JSON
{"bin": "$bin", "log": "$big", "small": "bench/qemu-failure.log", "runs": ${VX_BENCH_RUNS:-3},
 "cold_runs": ${VX_BENCH_COLD_RUNS:-300}, "coldstart": "$work/coldstart", "floor": "$work/floor",
 "lines": $(wc -l <"$big"), "rg": "$work/rg", "ere": "$work/ere", "rg_asis": "$work/rg-asis",
 "n_rg": $(wc -l <"$work/rg"), "n_ere": $(wc -l <"$work/ere"),
 "sizes": ["$small1", "$small2", "$big"],
 "rule_sets": [[50, "$work/rules-50"], [200, "$work/rules-200"], [$(grep -c '^\[rule' rules/*.rules |
        awk -F: '{s += $2} END {print s}') , "rules"], [1000, "$work/rules-1000"]]}
JSON
echo "# bench/run.sh $size_mb — $(date -u +%Y-%m-%d) — $(git rev-parse --short HEAD 2>/dev/null || echo '?')"
echo
echo "$(nproc) CPUs ($(grep -m1 'model name' /proc/cpuinfo | cut -d: -f2 | sed 's/^ //')), $(rg --version | head -1),"\
     "$(grep --version | head -1), prefilter: $(grep -qa 'libhs\.so' "$bin" && echo "Hyperscan $(pkg-config --modversion libhs 2>/dev/null) (loaded past 2 MB)" || echo portable automaton)."
echo "$(cat "$work/rg.note"); $(cat "$work/ere.note")."
echo
python3 bench/measure.py "$work/cfg.json"
