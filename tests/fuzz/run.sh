#!/usr/bin/env bash
# Builds the fuzz targets with clang and libFuzzer and runs each for a bounded time.
#   tests/fuzz/run.sh                       every target, AKTENWERK_FUZZ_SECONDS each (20)
#   AKTENWERK_FUZZ_SECONDS=3600 AKTENWERK_FUZZ_RUNS=-1 AKTENWERK_FUZZ_SEED=0 \
#       tests/fuzz/run.sh -R codec          one target for an hour, unbounded, random seed
# Extra arguments go to ctest. Crashes are left in build-fuzz/fuzz-artifacts/NAME/.
# Warnings are not errors here: the tree is held to -Werror under gcc (STYLE.md), and
# clang warns about a few more implicit sign conversions in code it was not written for.
set -euo pipefail
cd "$(dirname "$0")/../.."
dir=${AKTENWERK_FUZZ_BUILD:-build-fuzz}
CC=clang CXX=clang++ cmake -S . -B "$dir" -G Ninja -DAKTENWERK_FUZZ=ON \
    -DCMAKE_BUILD_TYPE=RelWithDebInfo -DAKTENWERK_WERROR=OFF
cmake --build "$dir" -j "$(nproc)" --target fuzz_all
ctest --test-dir "$dir" --output-on-failure -j "$(nproc)" "$@"
