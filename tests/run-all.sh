#!/usr/bin/env bash
# The whole test suite, twice: an optimised build, and a build under AddressSanitizer and
# UndefinedBehaviorSanitizer. Any failure fails the run. The sanitizer build has the byte loops in their
# baseline form only, so that the suite also runs the code a CPU without AVX2 gets.
set -euo pipefail
cd "$(dirname "$0")/.."
jobs=$(nproc)

cmake -S . -B build -G Ninja -DCMAKE_BUILD_TYPE=RelWithDebInfo >/dev/null
cmake --build build
ctest --test-dir build --output-on-failure -j"$jobs"

cmake -S . -B build-asan -G Ninja -DCMAKE_BUILD_TYPE=Debug -DVX_SANITIZE=ON -DVX_SIMD_CLONES=OFF >/dev/null
cmake --build build-asan
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1:halt_on_error=1 \
        ctest --test-dir build-asan --output-on-failure -j"$jobs"
