#!/usr/bin/env bash
# What the rights check costs: the same ingest and read load as an administrator (whose check
# is a cache lookup) and as a Sachbearbeiter whose rights come from a group grant three units
# up, among a few hundred other grants and a deny, on one server in one run. With BASE_BINARY
# (an aktenwerk built from a commit before rights existed) the administrator's figures are
# measured on it too, as the baseline without any check. Not a test: it prints figures.
#
#   tests/bench/run_rights_bench.sh [BUILD_DIR] [DOCS] [READS]   (defaults 3000, 40000)
# Content reads (each one audited, so bound by the group commit) are READS/10.
# Environment: SHARED (default ../shared beside the checkout), BENCH_DIR (/tmp/aw-rights),
#              THREADS (8 ingest clients, 2 read clients), BASE_BINARY (optional).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
DOCS=${2:-3000}
READS=${3:-40000}
SHARED=${SHARED:-$(cd "$ROOT/.." && pwd)/shared}
WORK=${BENCH_DIR:-/tmp/aw-rights}
THREADS=${THREADS:-8}
PORT=18481
mkdir -p "$WORK"
cmake --build "$BUILD" --target aktenwerk ingest_client read_client > /dev/null
[ -d "$WORK/corpus/docs" ] || bash "$SHARED/bench/make_corpus.sh" $((DOCS * 12 / 10)) "$WORK/corpus" > "$WORK/corpus.log" 2>&1
mapfile -t FILES < <(find "$WORK/corpus/docs" -name '*.txt' | sort | head -n "$DOCS")

B=http://127.0.0.1:$PORT/api/v1
api() { curl -sf -u admin:benchbench -H 'Content-Type: application/json' "$@"; }
id_of() { python3 -c 'import json,sys; print(json.load(sys.stdin)["id"])'; }
start_server() {
    rm -rf "$WORK/data"
    AKTENWERK_ADMIN_PASSWORD=benchbench "$1" serve --data "$WORK/data" \
        --listen 127.0.0.1:$PORT --log-level warning 2> "$WORK/server.log" &
    SERVER=$!
    for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && return; sleep 0.1; done
    echo "server did not start" >&2; exit 1
}
unit() { api -d "{\"kennzeichen\":\"$1\",\"titel\":\"Einheit $1\"${2:+,\"parent_id\":\"$2\"}}" "$B/aktenplan/einheiten" | id_of; }
# A plan of 3 levels; returns the Vorgang in 30.1.1 to file into and a Dokument to read.
make_tree() {
    TOP=$(unit 30); MID=$(unit 30.1 "$TOP"); LEAF=$(unit 30.1.1 "$MID")
    AKTE=$(api -d "{\"parent_id\":\"$LEAF\",\"betreff\":\"Ingest\"}" "$B/akten" | id_of)
    VORGANG=$(api -d "{\"parent_id\":\"$AKTE\",\"betreff\":\"Ingest\"}" "$B/vorgaenge" | id_of)
    DOK=$(curl -sf -u admin:benchbench --data-binary @"${FILES[0]}" "$B/dokumente?parent_id=$VORGANG&dateiname=lesen.txt" | id_of)
}
# Rights as a records office has them: 200 other groups on 100 units, the user's group on
# the top unit, a deny on a sibling; only against a server that knows rights.
make_grants() {
    api -d '{"name":"bench"}' "$B/gruppen" > /dev/null
    api -d '{"name":"bench.user","passwort":"benchbench","gruppen":["bench"]}' "$B/benutzer" > /dev/null
    for i in $(seq 1 100); do
        u=$(unit "40.$i")
        for g in a b; do
            api -d "{\"name\":\"g$i$g\"}" "$B/gruppen" > /dev/null
            api -X PUT -d '{"rollen":["leser"]}' "$B/aktenplan/einheiten/$u/berechtigungen/gruppe:g$i$g" > /dev/null
        done
    done
    api -X PUT -d '{"rollen":["sachbearbeiter"]}' "$B/aktenplan/einheiten/$TOP/berechtigungen/gruppe:bench" > /dev/null
    SIB=$(unit 30.2 "$TOP")
    api -X PUT -d '{"verweigert":true}' "$B/aktenplan/einheiten/$SIB/berechtigungen/gruppe:bench" > /dev/null
}
ingest() { "$BUILD/tests/bench/ingest_client" 127.0.0.1 $PORT "$1" "$VORGANG" "$THREADS" "$DOCS" "${FILES[@]}"; }
reads() { "$BUILD/tests/bench/read_client" 127.0.0.1 $PORT "Basic $(printf %s "$1" | base64 -w0)" "$2" 2 "$3"; }
run_as() {  # LABEL CREDENTIALS
    echo "-- $1"
    ingest "$2" | sed "s/^RESULT /RESULT who=$1 /"
    reads "$2" "/api/v1/dokumente/$DOK" "$READS" | sed "s/^RESULT /RESULT who=$1 what=metadata /"
    reads "$2" "/api/v1/dokumente/$DOK/inhalt" $((READS / 10)) |
        sed "s/^RESULT /RESULT who=$1 what=content /"
}

echo "== machine"; uname -a; nproc
if [ -n "${BASE_BINARY:-}" ]; then
    echo "== baseline: $BASE_BINARY (no rights check)"
    start_server "$BASE_BINARY"; make_tree
    run_as base-admin admin:benchbench | tee "$WORK/base.txt"
    kill -TERM $SERVER; wait $SERVER || true
fi
echo "== with rights"
start_server "$BUILD/interfaces/aktenwerk"; make_tree; make_grants
# Alternate, so that drift of the shared machine falls on both alike.
for round in 1 2 3; do
    run_as admin admin:benchbench
    run_as sachbearbeiter bench.user:benchbench
done | tee "$WORK/rights.txt"
kill -TERM $SERVER; wait $SERVER || true
