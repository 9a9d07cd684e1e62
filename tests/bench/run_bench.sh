#!/usr/bin/env bash
# Aktenwerk's ingest and large-file benchmarks, run beside the machine baselines of
# shared/bench (fsync floor, cp) on the same corpus, machine and day. Not a test: it prints
# figures and ratios. Needs root for shared/bench/setup.sh.
#
#   tests/bench/run_bench.sh [BUILD_DIR] [DOCS]   (DOCS distinct uploads, default 10000)
# Environment: SHARED (default ../shared beside the checkout), BENCH_DIR (default /tmp/aw-ingest),
#              THREADS (default 8 clients), BIG_MB (default 1024).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
DOCS=${2:-10000}
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
WORK=${BENCH_DIR:-/tmp/aw-ingest}
THREADS=${THREADS:-8}
BIG_MB=${BIG_MB:-1024}
PORT=18480
mkdir -p "$WORK"

bash "$SHARED/bench/setup.sh" > "$WORK/setup.log" 2>&1
bash "$SHARED/bench/build.sh" > "$WORK/build.log" 2>&1
cmake --build "$BUILD" --target aktenwerk ingest_client > /dev/null
# Text documents are about nine in ten of the corpus: make enough of them.
[ -d "$WORK/corpus/docs" ] || bash "$SHARED/bench/make_corpus.sh" $((DOCS * 12 / 10)) "$WORK/corpus" > "$WORK/corpus.log" 2>&1

peak_kib() { awk '/^VmHWM:/ {print $2}' "/proc/$1/status"; }
rss_kib() { awk '/^VmRSS:/ {print $2}' "/proc/$1/status"; }

start_server() {
    rm -rf "$WORK/data"
    AKTENWERK_ADMIN_PASSWORD=benchbench "$BUILD/interfaces/aktenwerk" serve --data "$WORK/data" \
        --listen 127.0.0.1:$PORT --log-level warning 2> "$WORK/server.log" &
    SERVER=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && return; sleep 0.1; done
    echo "server did not start" >&2; exit 1
}
api() { curl -sf -u admin:benchbench -H 'Content-Type: application/json' "$@"; }
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }

echo "== machine"; uname -a; nproc; df -T "$WORK" | tail -1

# --- 1. durable ingest of small documents over HTTP, against the fsync floor --------------
start_server
api -d '{"kennzeichen":"99","titel":"Benchmark"}' "http://127.0.0.1:$PORT/api/v1/aktenplan/einheiten" > "$WORK/unit.json"
UNIT=$(id_of < "$WORK/unit.json")
AKTE=$(api -d "{\"parent_id\":\"$UNIT\",\"betreff\":\"Ingest\"}" "http://127.0.0.1:$PORT/api/v1/akten" | id_of)
VORGANG=$(api -d "{\"parent_id\":\"$AKTE\",\"betreff\":\"Ingest\"}" "http://127.0.0.1:$PORT/api/v1/vorgaenge" | id_of)
# Every upload distinct, as in a real ingest: repeated content would be deduplicated.
mapfile -t FILES < <(find "$WORK/corpus/docs" -name '*.txt' | sort | head -n "$DOCS")
[ "${#FILES[@]}" -ge "$DOCS" ] || { echo "corpus has only ${#FILES[@]} text documents" >&2; exit 1; }
echo "== ingest: $DOCS distinct small documents, $THREADS clients"
"$BUILD/tests/bench/ingest_client" 127.0.0.1 $PORT admin:benchbench "$VORGANG" "$THREADS" "$DOCS" "${FILES[@]}" | tee "$WORK/ingest.txt"
echo "server peak RSS after ingest: $(peak_kib $SERVER) KiB"
curl -s "http://127.0.0.1:$PORT/metrics" | grep -E '^aktenwerk_commit_(transactions|batches)_total'
kill -TERM $SERVER; wait $SERVER || true

echo "== floor (shared/bench/run_floor.sh)"
SECONDS_PER_TEST=${SECONDS_PER_TEST:-10} FSYNC_DIR="$WORK/fsync" bash "$SHARED/bench/run_floor.sh" "$WORK/corpus" ingest | grep RESULT | tee "$WORK/floor.txt"
awk '/test=ingest/ {for (i=1;i<=NF;i++) if ($i ~ /^docs_per_s=/) {split($i,a,"="); ours=a[2]}}
     END {print ours}' "$WORK/ingest.txt" > "$WORK/ours"
echo "ingest docs/s: $(cat "$WORK/ours")"

# --- 2. 1 GB upload and download, against cp -------------------------------------------------
# Upload: curl and cp both read the same source from the page cache, both end with the
# data on disk. Download: the blob and cp's source both come cold from the disk (caches
# dropped; the server drops a large blob's pages while it writes it), both end in a synced
# file.
now() { date +%s.%N; }
drop_caches() { sync; echo 3 > /proc/sys/vm/drop_caches; }
echo "== large file: $BIG_MB MiB"
head -c $((BIG_MB * 1048576)) /dev/urandom > "$WORK/big.bin"
cat "$WORK/big.bin" > /dev/null
t0=$(now); cp "$WORK/big.bin" "$WORK/big.copy"; sync "$WORK/big.copy"; t1=$(now)
echo "RESULT test=cp-upload mib=$BIG_MB seconds=$(echo "$t1 - $t0" | bc)"
rm -f "$WORK/big.copy"
start_server
AKTE=$(api -d '{"kennzeichen":"98","titel":"Gross"}' "http://127.0.0.1:$PORT/api/v1/aktenplan/einheiten" | id_of)
AKTE=$(api -d "{\"parent_id\":\"$AKTE\",\"betreff\":\"Gross\"}" "http://127.0.0.1:$PORT/api/v1/akten" | id_of)
rss0=$(rss_kib $SERVER)
t0=$(now)
DOK=$(curl -sf -u admin:benchbench -H 'Content-Type: application/octet-stream' -X POST --upload-file "$WORK/big.bin" \
      "http://127.0.0.1:$PORT/api/v1/dokumente?parent_id=$AKTE&dateiname=big.bin" | id_of)
t1=$(now)
echo "RESULT test=upload mib=$BIG_MB seconds=$(echo "$t1 - $t0" | bc) rss_before_kib=$rss0 peak_kib=$(peak_kib $SERVER)"
BLOB=$(find "$WORK/data/blobs" -type f -size +$((BIG_MB / 2))M | head -n 1)
drop_caches
t0=$(now); cp "$BLOB" "$WORK/big.copy"; sync "$WORK/big.copy"; t1=$(now)
echo "RESULT test=cp-download mib=$BIG_MB seconds=$(echo "$t1 - $t0" | bc)"
rm -f "$WORK/big.copy"
drop_caches
t0=$(now)
curl -sf -u admin:benchbench -o "$WORK/big.down" "http://127.0.0.1:$PORT/api/v1/dokumente/$DOK/inhalt"
sync "$WORK/big.down"
t1=$(now)
echo "RESULT test=download mib=$BIG_MB seconds=$(echo "$t1 - $t0" | bc) peak_kib=$(peak_kib $SERVER)"
cmp "$WORK/big.bin" "$WORK/big.down" && echo "download byte-identical"
kill -TERM $SERVER; wait $SERVER || true
rm -f "$WORK/big.bin" "$WORK/big.down"
