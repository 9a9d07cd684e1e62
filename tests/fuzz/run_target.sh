#!/usr/bin/env bash
# Runs one libFuzzer target for a bounded time on a copy of its seed corpus plus its
# regressions (so that the run does not write into the source tree), and leaves what it
# finds in ARTIFACTS/NAME/.
#   run_target.sh BINARY NAME FUZZ_DIR ARTIFACTS
# AKTENWERK_FUZZ_SECONDS overrides the configured time (AKTENWERK_FUZZ_SECONDS_DEFAULT).
# The suite's run is reproducible: a fixed seed (AKTENWERK_FUZZ_SEED, default 1) and at most
# AKTENWERK_FUZZ_RUNS inputs (default 200000), so that a machine that passed it and a faster
# one try the same inputs. For a search of new ground set another seed and a long time.
set -euo pipefail
binary=$1 name=$2 fuzz_dir=$3 artifacts=$4
seconds=${AKTENWERK_FUZZ_SECONDS:-${AKTENWERK_FUZZ_SECONDS_DEFAULT:-20}}
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -p "$artifacts/$name" "$work/corpus"
cp -r "$fuzz_dir/corpus/$name/." "$work/corpus/"
find "$fuzz_dir/regressions/$name" -type f ! -name .keep -exec cp {} "$work/corpus/" \;
# Leaks count as failures; a slow input (over 10 s) or 2 GiB of memory too.
ASAN_OPTIONS=detect_leaks=1:abort_on_error=1 UBSAN_OPTIONS=print_stacktrace=1 \
    "$binary" -max_total_time="$seconds" -seed="${AKTENWERK_FUZZ_SEED:-1}" \
    -runs="${AKTENWERK_FUZZ_RUNS:-200000}" -timeout=10 -rss_limit_mb=2048 -max_len=65536 \
    -print_final_stats=1 -artifact_prefix="$artifacts/$name/" "$work/corpus"
