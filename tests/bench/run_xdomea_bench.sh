#!/usr/bin/env bash
# The xdomea 0503 benchmark: an Aussonderung's transfer message over N documents (default
# 1,000 and 10,000), its time and peak memory, beside Info-ZIP packing the same files in the
# same run (-0 stored, -6 deflated). Not a test: it prints figures. Peak memory is the
# process's peak resident size during the 0503 alone (VmHWM reset before it).
#
#   tests/bench/run_xdomea_bench.sh [BUILD_DIR] [DOCS...]
# Environment: BENCH_DIR (default /tmp/aw-xdomea), AW_BLOCK_CACHE_MB (LevelDB block cache).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
shift || true
SIZES=("$@")
[ "${#SIZES[@]}" -gt 0 ] || SIZES=(1000 10000)
WORK=${BENCH_DIR:-/tmp/aw-xdomea}
cmake --build "$BUILD" --target xdomea_export > /dev/null
echo "== machine"; uname -a; nproc; mkdir -p "$WORK"; df -T "$WORK" | tail -1
for docs in "${SIZES[@]}"; do
    rm -rf "$WORK/run-$docs"
    echo "== 0503 over $docs documents"
    "$BUILD/tests/bench/xdomea_export" "$WORK/run-$docs" "$docs"
done
