#!/usr/bin/env bash
# Builds Aktenwerk and runs every test: a release build with warnings as errors, then a
# debug build under AddressSanitizer and UndefinedBehaviorSanitizer (STYLE.md), then the
# fuzz targets under clang and libFuzzer for a bounded time each (tests/fuzz).
# Installs the Debian packages it needs first (through sudo when not root).
#   AKTENWERK_SKIP_SANITIZERS=1  only the release build (quicker, for local runs)
#   AKTENWERK_FUZZ_SECONDS=N     seconds per fuzz target (default 20)
set -euo pipefail
cd "$(dirname "$0")/.."

./deploy/install-deps.sh
# The npm packages of the web UI's browser test (also a CTest fixture; quick when present).
./tests/web/setup.sh

jobs=$(nproc)
run_suite() {
    local dir=$1
    shift
    cmake -S . -B "$dir" -G Ninja -DAKTENWERK_WERROR=ON "$@"
    cmake --build "$dir" -j "$jobs"
    ctest --test-dir "$dir" --output-on-failure -j "$jobs" --timeout 900
}

run_suite build-ci -DCMAKE_BUILD_TYPE=RelWithDebInfo
if [ "${AKTENWERK_SKIP_SANITIZERS:-0}" != "1" ]; then
    ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
        run_suite build-ci-asan -DCMAKE_BUILD_TYPE=Debug -DAKTENWERK_SANITIZE=ON
    AKTENWERK_FUZZ_BUILD=build-ci-fuzz ./tests/fuzz/run.sh
fi
