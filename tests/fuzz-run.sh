#!/usr/bin/env bash
# Builds the libFuzzer harnesses of fuzz/ (clang, ASan + UBSan; -DVX_FUZZ=ON in build-fuzz/) and runs each
# for a bounded time from its seed corpus. Any crash, sanitizer report, leak, timeout (-timeout) or memory
# blow-up (-rss_limit_mb) fails the run; the input that did it is left in the artifact directory printed.
#
# usage: tests/fuzz-run.sh [SECONDS-PER-HARNESS [HARNESS...]]   (default 20 s, every harness)
#        FUZZ_JOBS=N runs N harnesses at once (default 1); FUZZ_WORKDIR=DIR keeps the corpora grown and the
#        logs there (a later run goes on from them) instead of a temporary directory removed when clean;
#        FUZZ_BUILDDIR=DIR builds there instead of build-fuzz/. With FUZZ_WORKDIR, each run's CPU time is
#        added to NAME/cpu.ledger there, so a campaign spread over several runs reports its total.
#        The long campaign: fuzz/README.md.
set -euo pipefail
cd "$(dirname "$0")/.."
seconds=${1:-20}
shift || true
jobs=${FUZZ_JOBS:-1}
# ASan holds 256 MB of freed memory by default, which -rss_limit_mb counts: a smaller quarantine keeps the
# limit about the harness's own memory (the caller's ASAN_OPTIONS come after, and win).
export ASAN_OPTIONS="quarantine_size_mb=64${ASAN_OPTIONS:+:$ASAN_OPTIONS}"

bdir=${FUZZ_BUILDDIR:-build-fuzz}
CC=clang cmake -S . -B "$bdir" -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo -DVX_FUZZ=ON >/dev/null
cmake --build "$bdir" --target fuzz

# The longest input each harness is given: about the largest real input of its kind that is still quick
# to run (a log line, a /dev/kmsg record, a rule file, a snapshot, a domain XML, an option ROM's first
# images, a ring-buffer record, a guest's lspci listing).
declare -A max_len=([line_classify]=8192 [kmsg_record]=1024 [journal_json]=8192 [rulefile]=65536
        [snapshot]=65536 [domain_xml]=32768 [pve_config]=16384 [incus_config]=16384 [optionrom]=16384 [romfile_refs]=8192 [trace_record]=1024
        [redact]=8192 [escape]=4096 [analysis]=65536 [lspci]=4096 [paste]=8192)
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=(line_classify kmsg_record journal_json rulefile snapshot domain_xml pve_config incus_config
        optionrom romfile_refs trace_record redact escape analysis lspci paste)

if [ -n "${FUZZ_WORKDIR:-}" ]; then
        out=$(mkdir -p "$FUZZ_WORKDIR" && realpath "$FUZZ_WORKDIR")
else
        out=$(mktemp -d /tmp/vfioexplain-fuzz.XXXXXX)
fi
echo "fuzz: ${#harnesses[@]} harnesses, ${seconds}s each; corpora and artifacts in $out"

run_one() {
        local h=$1 dir=$out/$1
        mkdir -p "$dir/corpus" "$dir/artifacts"
        # New inputs go to a scratch corpus: the committed seeds stay as they are.
        local TIMEFORMAT='%U %S'
        if { time "$bdir"/fuzz/fuzz_"$h" -max_total_time="$seconds" -timeout=5 -rss_limit_mb=512 \
                -max_len="${max_len[$h]}" -print_final_stats=1 -artifact_prefix="$dir/artifacts/" \
                "$dir/corpus" "fuzz/corpus/$h" >"$dir/log" 2>&1; } 2>"$dir/cpu"; then
                local runs cpu total=""
                runs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$dir/log")
                cpu=$(awk '{ printf "%.0f", $1 + $2 }' "$dir/cpu")
                if [ -n "${FUZZ_WORKDIR:-}" ]; then
                        echo "$(date -u +%FT%TZ) $(git rev-parse --short HEAD 2>/dev/null || echo -) $cpu $runs" \
                                >>"$dir/cpu.ledger"
                        total=", $(awk '{ s += $3 } END { print s }' "$dir/cpu.ledger") s CPU in all runs"
                fi
                printf 'fuzz: %-14s ok: %s runs, %s s CPU%s, peak RSS %s MB, corpus %s inputs\n' "$h" \
                        "$runs" "$cpu" "$total" "$(sed -n 's/^stat::peak_rss_mb: *//p' "$dir/log")" \
                        "$(find "$dir/corpus" "fuzz/corpus/$h" -type f | wc -l)"
                return 0
        fi
        echo "FAIL: fuzz_$h: $(grep -m1 -E 'ERROR|SUMMARY|check failed' "$dir/log" || tail -n1 "$dir/log")"
        ls "$dir/artifacts" | sed "s|^|  input: $dir/artifacts/|"
        tail -n 40 "$dir/log" | sed 's/^/  /'
        return 1
}

fails=0
pids=()
for h in "${harnesses[@]}"; do
        [ -n "${max_len[$h]:-}" ] || { echo "fuzz: no harness $h"; exit 2; }
        run_one "$h" &
        pids+=($!)
        if [ ${#pids[@]} -ge "$jobs" ]; then
                wait "${pids[0]}" || fails=$((fails + 1))
                pids=("${pids[@]:1}")
        fi
done
for p in "${pids[@]}"; do wait "$p" || fails=$((fails + 1)); done
[ "$fails" -eq 0 ] || { echo "fuzz: $fails harness(es) failed"; exit 1; }
[ -n "${FUZZ_WORKDIR:-}" ] || rm -rf "$out"
echo "fuzz: all clean"
