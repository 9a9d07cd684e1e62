#!/usr/bin/env bash
# Aktenwerk's search benchmark beside the raw Lucene++ baseline of shared/bench, on the same
# corpus, machine and day. Not a test: it prints figures and ratios.
#
#   tests/bench/run_search_bench.sh [BUILD_DIR]
# Environment: SHARED (default ../shared beside the checkout), WORK (default /tmp/aw-search),
#   N_INDEX (default 100000 documents for the index rate), N_QUERY (default 1000000 for query
#   latency; 0 skips it), PORT (default 18490).
#
# 1. Index rate: raw Lucene++ (shared/bench/run_lucene.sh: Snowball "german", 1 and 2
#    writers) and raw Lucene++ with Aktenwerk's own analyzer (compound splitting included),
#    against Aktenwerk's indexer draining the outbox of N_INDEX filed originals (text
#    extraction from PDF/HTML/DOCX/ODT included, 2 threads).
# 2. Query latency over HTTP on N_QUERY documents, one client, the corpus's 200 one-term and
#    200 two-term queries, and the same queries on the same index in process. The documents
#    are written straight into storage and index (filing a million through the service would
#    take hours of the shared machine), so the figures are those of search alone.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
WORK=${WORK:-/tmp/aw-search}
N_INDEX=${N_INDEX:-100000}
N_QUERY=${N_QUERY:-1000000}
PORT=${PORT:-18490}
BENCH="$BUILD/tests/bench/search_bench"
mkdir -p "$WORK/results"
label() { case $1 in 100000) echo 100k ;; 1000000) echo 1m ;; *) echo "$1" ;; esac; }

cmake --build "$BUILD" --target aktenwerk search_bench > /dev/null
[ -x /tmp/aw-bench/bin/lucene_bench ] || bash "$SHARED/bench/build.sh" > "$WORK/build.log" 2>&1
C1=/tmp/aw-corpus/$(label "$N_INDEX")
[ -s "$C1/queries.txt" ] || bash "$SHARED/bench/make_corpus.sh" "$N_INDEX" "$C1" > "$WORK/corpus.log" 2>&1

echo "== machine: $(nproc) cores, $(free -g | awk '/Mem:/ {print $2}') GiB, $(uname -r), $(date -u +%FT%TZ)"
echo "== corpus $C1: $(grep -m1 'text bytes' "$C1/corpus.info")"
find "$C1/text" -type f -print0 | xargs -0 -n 2000 cat > /dev/null  # page cache warm

echo "== baseline: raw Lucene++ (shared/bench), Snowball german, 1 and 2 writers"
RESULTS="$WORK/results" bash "$SHARED/bench/run_lucene.sh" "$C1" "$(label "$N_INDEX")" | grep RESULT
THREADS=2 RESULTS="$WORK/results" bash "$SHARED/bench/run_lucene.sh" "$C1" "$(label "$N_INDEX")-2t" |
    grep 'phase=index'

echo "== raw Lucene++ with Aktenwerk's analyzer"
"$BENCH" raw "$C1" "$WORK/raw-index" 1 | tee "$WORK/results/raw1.txt"
"$BENCH" raw "$C1" "$WORK/raw-index" 2 | tee "$WORK/results/raw2.txt"
rm -rf "$WORK/raw-index"

echo "== Aktenwerk: file the originals, then time the indexer's catch-up (2 threads)"
rm -rf "$WORK/data-index"
"$BENCH" ingest "$C1" "$WORK/data-index"
"$BENCH" catchup "$WORK/data-index" 2 | tee "$WORK/results/catchup.txt"
rate() { sed -n 's/.*docs_per_s=\([0-9]*\).*/\1/p' "$1" | head -1; }
awk -v a="$(rate "$WORK/results/catchup.txt")" -v r="$(rate "$WORK/results/raw2.txt")" \
    'BEGIN { printf "RATIO indexer/raw-same-analyzer-2-threads=%.2f\n", a / r }'
rm -rf "$WORK/data-index"

[ "$N_QUERY" -gt 0 ] || exit 0
C2=/tmp/aw-corpus/$(label "$N_QUERY")
[ -s "$C2/queries.txt" ] || bash "$SHARED/bench/make_corpus.sh" "$N_QUERY" "$C2" > "$WORK/corpus2.log" 2>&1
echo "== $N_QUERY documents straight into storage and index"
rm -rf "$WORK/data-query"
"$BENCH" build "$C2" "$WORK/data-query" "$N_QUERY"
echo "index_bytes_on_disk=$(du -sb "$WORK/data-query/index" | cut -f1)"

echo "== query latency over HTTP (one client, limit 10, snippets)"
AKTENWERK_ADMIN_PASSWORD=benchbench "$BUILD/interfaces/aktenwerk" serve --data "$WORK/data-query" \
    --listen 127.0.0.1:$PORT --log-level warning 2> "$WORK/server.log" &
SERVER=$!
trap 'kill $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 300); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.1; done
"$BENCH" query 127.0.0.1 $PORT admin:benchbench "$C2/queries.txt"
echo "server_rss_kib=$(awk '/^VmRSS:/ {print $2}' /proc/$SERVER/status)"
kill $SERVER; wait $SERVER 2>/dev/null || true
trap - EXIT
echo "== the same queries in process on the same index"
"$BENCH" direct "$WORK/data-query" "$C2/queries.txt"
