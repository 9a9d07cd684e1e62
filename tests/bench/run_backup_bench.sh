#!/usr/bin/env bash
# Backup and restore throughput against `cp -r` of the same data directory, on the same
# machine in the same run. Not a test: it prints figures and ratios.
#
#   tests/bench/run_backup_bench.sh [BUILD_DIR] [MB]   (MB of blob content, default 300)
# Environment: BENCH_DIR (default /tmp/aw-backup-bench), FILE_KB (default 1024: size of a
# document; the count is MB*1024/FILE_KB).
#
# The baseline is `cp -r DATA COPY && sync`: a plain file copy made durable. The backup fsyncs
# every blob and hashes it on the way (the receiver checks each blob against its name), which
# cp does not; both run with the data in the page cache (each copy reads it right after the
# previous one), so the figures compare CPU and write cost rather than cold reads.
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
MB=${2:-300}
WORK=${BENCH_DIR:-/tmp/aw-backup-bench}
FILE_KB=${FILE_KB:-1024}
PORT=18490
BIN="$BUILD/interfaces/aktenwerk"
export AKTENWERK_ADMIN_PASSWORD=benchbench AKTENWERK_PASSWORD=benchbench
rm -rf "$WORK"
mkdir -p "$WORK/files"

start_server() {
    "$BIN" serve --data "$1" --listen 127.0.0.1:$PORT --log-level warning 2> "$WORK/server.log" &
    SERVER=$!
    for _ in $(seq 200); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && return; sleep 0.1; done
    echo "server did not start" >&2; exit 1
}
stop_server() { kill "$SERVER"; wait "$SERVER" || true; }
api() { curl -sf -u admin:benchbench -H 'Content-Type: application/json' "$@"; }
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
# Seconds (with fractions) that "$@" takes.
timed() { local t0 t1; t0=$(date +%s.%N); "$@" > "$WORK/last.out"; t1=$(date +%s.%N); echo "$t1 - $t0" | bc -l; }
rate() { echo "scale=1; $MB / $1" | bc -l; }

# A repository with MB of distinct incompressible documents, filed with `aktenwerk import`.
COUNT=$((MB * 1024 / FILE_KB))
for i in $(seq "$COUNT"); do head -c "$((FILE_KB * 1024))" /dev/urandom > "$WORK/files/doc-$i.bin"; done
start_server "$WORK/data"
UNIT=$(api -X POST "http://127.0.0.1:$PORT/api/v1/aktenplan/einheiten" \
    -d '{"parent_id":"root","kennzeichen":"10","titel":"Bench"}' | id_of)
AKTE=$(api -X POST "http://127.0.0.1:$PORT/api/v1/akten" -d "{\"parent_id\":\"$UNIT\",\"betreff\":\"Bench\"}" | id_of)
VORGANG=$(api -X POST "http://127.0.0.1:$PORT/api/v1/vorgaenge" -d "{\"parent_id\":\"$AKTE\",\"betreff\":\"Nachtrag\"}" | id_of)
stop_server
"$BIN" import --data "$WORK/data" --akte "$AKTE" --from "$WORK/files" > /dev/null
echo "== repository: $COUNT documents of $FILE_KB KiB, $(du -sm "$WORK/data" | cut -f1) MB on disk"
uname -r; nproc; df -T "$WORK" | tail -1

CP=$(timed bash -c "cp -r '$WORK/data' '$WORK/cp-copy' && sync")
OFFLINE=$(timed "$BIN" backup --data "$WORK/data" --to "$WORK/backup-offline")
start_server "$WORK/data"
ONLINE=$(timed "$BIN" backup --url "http://127.0.0.1:$PORT" --to "$WORK/backup-online")
# The small change: one new document of FILE_KB, then the incremental backup.
head -c "$((FILE_KB * 1024))" /dev/urandom > "$WORK/nachtrag.bin"
curl -sf -u admin:benchbench -H 'Content-Type: application/octet-stream' --data-binary @"$WORK/nachtrag.bin" \
    "http://127.0.0.1:$PORT/api/v1/dokumente?parent_id=$VORGANG&dateiname=nachtrag.bin" > /dev/null
INCREMENTAL=$(timed "$BIN" backup --url "http://127.0.0.1:$PORT" --to "$WORK/backup-online")
grep -o 'copied=[0-9]*' "$WORK/last.out" | sed 's/^/incremental run after one new document: /'
stop_server
RESTORE=$(timed "$BIN" restore --from "$WORK/backup-online" --data "$WORK/restored")

printf '%-34s %8s s %8s MB/s %8s\n' "what" "time" "rate" "vs cp"
for row in "cp -r + sync (baseline):$CP" "backup --data (offline, full):$OFFLINE" \
           "backup --url (online, full):$ONLINE" "backup --url (1 new document):$INCREMENTAL" \
           "restore (with reindex):$RESTORE"; do
    name=${row%%:*}; t=${row##*:}
    printf '%-34s %8.2f s %8.1f MB/s %8.2f\n' "$name" "$t" "$(rate "$t")" "$(echo "$t / $CP" | bc -l)"
done
