#!/usr/bin/env bash
# The verify benchmark: `aktenwerk verify --data` over a data directory of MB-sized blobs
# (default 400 MB), in MB/s, beside `sha256sum` over the very same blob files in the same run
# (the baseline: hashing alone, no metadata, one thread like verify). Each is run twice and
# the second, warm-cache run is reported, so that both read from the page cache. Not a test:
# it prints figures.
#
#   tests/bench/run_verify_bench.sh [BUILD_DIR] [MB]
# Environment: BENCH_DIR (default /tmp/aw-verify).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
MB=${2:-400}
WORK=${BENCH_DIR:-/tmp/aw-verify}
BIN="$BUILD/interfaces/aktenwerk"
cmake --build "$BUILD" --target aktenwerk > /dev/null
rm -rf "$WORK"; mkdir -p "$WORK/files"
echo "== machine"; uname -a; nproc; df -T "$WORK" | tail -1

# The corpus: files of 256 KB to 8 MB of random bytes, MB megabytes in all.
total=0; i=0
while [ "$total" -lt "$MB" ]; do
    size=$(( (i % 4 == 3) ? 8 : (i % 4 + 1) ))
    head -c "$((size * 1024 * 1024))" /dev/urandom > "$WORK/files/f$i.bin"
    total=$((total + size)); i=$((i + 1))
done
echo "== corpus: $i files, $total MB"

# A data directory: the demo's Aktenplan and Akten from a short server run, then the files
# filed into one Akte by `aktenwerk import` (the server stopped).
AKTENWERK_ADMIN_PASSWORD=bench-passwort "$BIN" serve --demo --data "$WORK/data" \
    --listen 127.0.0.1:0 > "$WORK/serve.log" 2>&1 &
pid=$!
for _ in $(seq 1 200); do grep -q "listens on" "$WORK/serve.log" && break; sleep 0.1; done
kill -TERM "$pid"; wait "$pid" || true
"$BIN" import --data "$WORK/data" --akte "32.10.01-0001/$(date +%Y)" --from "$WORK/files" > /dev/null

seconds() {
    local t0 t1
    t0=$(date +%s.%N); "$@" > /dev/null 2>&1 || true; t1=$(date +%s.%N)
    awk -v a="$t0" -v b="$t1" 'BEGIN { print b - a }'
}
blobs=$(find "$WORK/data/blobs" -type f -not -path "$WORK/data/blobs/tmp/*")
bytes=$(cat $blobs | wc -c)
for round in cold warm; do
    s_sum=$(seconds sha256sum $blobs)
    s_verify=$(seconds "$BIN" verify --data "$WORK/data")
done
"$BIN" verify --data "$WORK/data" | tail -1
awk -v bytes="$bytes" -v s="$s_sum" -v v="$s_verify" 'BEGIN {
    mb = bytes / 1048576
    printf "== verify over %.0f MB of blobs (warm cache)\n", mb
    printf "sha256sum        %7.1f MB/s  (%.2f s)\n", mb / s, s
    printf "aktenwerk verify %7.1f MB/s  (%.2f s)\n", mb / v, v
    printf "ratio verify/sha256sum throughput: %.2f\n", s / v
}'
