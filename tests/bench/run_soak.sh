#!/usr/bin/env bash
# The soak run (issue #9): a server on loopback under a mix of reads, writes and searches
# from several clients for a bounded time, reporting throughput, latency, server memory and
# errors interval by interval. Not a test: memory must level off, which is judged from the
# figures (the first interval is the baseline of the run; ratios are against it).
#
#   tests/bench/run_soak.sh [BUILD_DIR]
# The server logs at info, as in production: the access log line of every request is part
# of the load.
# Environment: MINUTES (default 10) or SECONDS_TOTAL (wins; for shorter runs), INTERVAL
#              (seconds per report line, default 60, or 30 for runs under 5 minutes),
#              CLIENTS (default 4 client threads), SOAK_DIR (default /tmp/aw-soak; its data
#              folder is replaced), PORT (default 18490).
set -euo pipefail
ROOT=$(cd "$(dirname "$0")/../.." && pwd)
BUILD=$(cd "${1:-$ROOT/build}" && pwd)
MINUTES=${MINUTES:-10}
TOTAL=${SECONDS_TOTAL:-$((MINUTES * 60))}
if [ -z "${INTERVAL:-}" ]; then INTERVAL=60; [ "$TOTAL" -lt 300 ] && INTERVAL=30; fi
CLIENTS=${CLIENTS:-4}
WORK=${SOAK_DIR:-/tmp/aw-soak}
PORT=${PORT:-18490}
mkdir -p "$WORK"
cmake --build "$BUILD" --target aktenwerk > /dev/null

rm -rf "$WORK/data"
AKTENWERK_ADMIN_PASSWORD=soaksoak "$BUILD/interfaces/aktenwerk" serve --data "$WORK/data" \
    --listen 127.0.0.1:$PORT --log-level info 2> "$WORK/server.log" &
SERVER=$!
trap 'kill -TERM $SERVER 2>/dev/null || true' EXIT
for _ in $(seq 100); do curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null && break; sleep 0.1; done
curl -sf "http://127.0.0.1:$PORT/healthz" > /dev/null || { echo "server did not start" >&2; exit 1; }

echo "== soak: $TOTAL s, report every $INTERVAL s, $CLIENTS clients, $(nproc) cores, server pid $SERVER"
status=0
/usr/bin/python3 "$ROOT/tests/bench/soak_client.py" 127.0.0.1 $PORT admin:soaksoak "$SERVER" \
    "$TOTAL" "$CLIENTS" "$INTERVAL" | tee "$WORK/soak.txt" || status=$?
echo "== server after the run"
curl -s "http://127.0.0.1:$PORT/readyz"; echo
awk '/^Vm(RSS|HWM):/' "/proc/$SERVER/status"
echo "server log: $(wc -l < "$WORK/server.log") lines, at warning or above:" \
    "$(grep -c -E 'Z (Warning|Error|Critical|Fatal) ' "$WORK/server.log" || true)"
kill -TERM $SERVER; wait $SERVER || true
trap - EXIT
exit $status
