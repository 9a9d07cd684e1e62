#!/usr/bin/python3
"""The soak run's clients: THREADS threads on keep-alive connections send a mix of reads,
writes and searches to a running server for DURATION seconds. Every INTERVAL seconds it
prints the operations done (per kind), errors, latency p50/p99, the server's resident memory
(from /proc/PID/status) and a few of its metrics, with throughput and memory as ratios to
the first interval (the baseline of the run). Standard library only.

usage: soak_client.py HOST PORT USER:PASSWORD SERVER_PID DURATION_S THREADS [INTERVAL_S]"""
import base64
import http.client
import json
import random
import sys
import threading
import time
import urllib.parse

HOST, PORT, CRED, PID = sys.argv[1], int(sys.argv[2]), sys.argv[3], int(sys.argv[4])
DURATION, THREADS = float(sys.argv[5]), int(sys.argv[6])
INTERVAL = float(sys.argv[7]) if len(sys.argv) > 7 else 60.0
AUTH = "Basic " + base64.b64encode(CRED.encode()).decode()
WORDS = ("Bauantrag Baugenehmigung Widerspruch Bescheid Gewerbeanmeldung Sondernutzung "
         "Ordnungswidrigkeit Stellungnahme Anhörung Fristverlängerung Kostenfestsetzung "
         "Abwasser Straßenreinigung Kindertagesstätte Friedhof Grundsteuer").split()
MIX = [("read", 40), ("write", 25), ("search", 25), ("list", 10)]

lock = threading.Lock()
stats = {}  # interval -> {"ops": {kind: n}, "errors": {kind: n}, "lat": [seconds]}
docs = []   # ids of stored documents, for reads
first_error = []


class Client:
    def __init__(self):
        self.conn = None

    def send(self, method, path, body=None, ctype=None):
        for attempt in range(2):
            if self.conn is None:
                self.conn = http.client.HTTPConnection(HOST, PORT, timeout=60)
            headers = {"Authorization": AUTH}
            if ctype:
                headers["Content-Type"] = ctype
            try:
                self.conn.request(method, path, body=body, headers=headers)
                res = self.conn.getresponse()
                data = res.read()
                return res.status, data
            except (ConnectionError, http.client.HTTPException, OSError):
                self.conn.close()
                self.conn = None
                if attempt == 1:
                    raise
        return 0, b""

    def json(self, method, path, body):
        status, data = self.send(method, path, json.dumps(body).encode(), "application/json")
        return status, (json.loads(data) if data else {})


def record(kind, ok, seconds, detail=""):
    minute = int((time.time() - START) // INTERVAL)
    with lock:
        m = stats.setdefault(minute, {"ops": {}, "errors": {}, "lat": []})
        m["ops"][kind] = m["ops"].get(kind, 0) + 1
        m["lat"].append(seconds)
        if not ok:
            m["errors"][kind] = m["errors"].get(kind, 0) + 1
            if len(first_error) < 5:
                first_error.append("%s: %s" % (kind, detail[:300]))


def text(rng):
    return " ".join(rng.choice(WORDS) for _ in range(rng.randint(50, 400)))


def worker(n, vorgaenge):
    rng = random.Random(n)
    c = Client()
    kinds = [k for k, w in MIX for _ in range(w)]
    while time.time() < END:
        kind = rng.choice(kinds)
        t0 = time.time()
        try:
            if kind == "write":
                v = rng.choice(vorgaenge)
                status, data = c.send("POST", "/api/v1/dokumente?parent_id=%s&dateiname=Soak-%d.txt"
                                      % (v, rng.randint(0, 1 << 30)),
                                      text(rng).encode(), "text/plain; charset=utf-8")
                ok = status == 201
                if ok:
                    with lock:
                        docs.append(json.loads(data)["id"])
            elif kind == "read":
                with lock:
                    d = rng.choice(docs) if docs else None
                if d is None:
                    continue
                path = ("/api/v1/dokumente/%s/inhalt" if rng.random() < 0.7
                        else "/api/v1/dokumente/%s") % d
                status, data = c.send("GET", path)
                ok = status == 200
            elif kind == "search":
                q = rng.choice(WORDS) + ("" if rng.random() < 0.5 else " " + rng.choice(WORDS))
                status, data = c.send("GET", "/api/v1/suche?limit=20&q=" +
                                      urllib.parse.quote(q))
                ok = status == 200
            else:
                status, data = c.send("GET", "/api/v1/vorgaenge/%s/inhalt?limit=50"
                                      % rng.choice(vorgaenge))
                ok = status == 200
        except Exception as e:  # a broken connection is an error of the run, not of the script
            status, data, ok = 0, repr(e).encode(), False
        record(kind, ok, time.time() - t0, "%s %s" % (status, data[:300]))


def rss_kib():
    with open("/proc/%d/status" % PID) as f:
        for line in f:
            if line.startswith("VmRSS:"):
                return int(line.split()[1])
    return 0


def metrics():
    c = Client()
    status, data = c.send("GET", "/metrics")
    out = {}
    for line in data.decode().splitlines():
        if line and not line.startswith("#") and "{" not in line:
            name, value = line.rsplit(" ", 1)
            out[name] = float(value)
    return out


def setup():
    c = Client()
    status, unit = c.json("POST", "/api/v1/aktenplan/einheiten",
                          {"kennzeichen": "77", "titel": "Dauerlauf"})
    assert status == 201, (status, unit)
    vorgaenge = []
    for i in range(4):
        status, akte = c.json("POST", "/api/v1/akten",
                              {"parent_id": unit["id"], "betreff": "Dauerlauf %d" % i})
        assert status == 201, (status, akte)
        status, v = c.json("POST", "/api/v1/vorgaenge",
                           {"parent_id": akte["id"], "betreff": "Eingang %d" % i})
        assert status == 201, (status, v)
        vorgaenge.append(v["id"])
    return vorgaenge


def percentile(values, p):
    if not values:
        return 0.0
    values = sorted(values)
    return values[min(len(values) - 1, int(len(values) * p))]


baseline = {}  # ops and rss of the first interval


def report(minute, rss, m):
    s = stats.get(minute, {"ops": {}, "errors": {}, "lat": []})
    ops = sum(s["ops"].values())
    errors = sum(s["errors"].values())
    baseline.setdefault("ops", max(ops, 1))
    baseline.setdefault("rss", max(rss, 1))
    print("INTERVAL %d t=%.0fs ops=%d ops_per_s=%.1f ops_ratio=%.2f %s errors=%d p50_ms=%.1f "
          "p99_ms=%.1f rss_kib=%d rss_ratio=%.2f versions=%d index_lag=%d audit=%d "
          "blob_bytes=%d" % (
              minute + 1, (minute + 1) * INTERVAL, ops, ops / INTERVAL, ops / baseline["ops"],
              " ".join("%s=%d" % (k, s["ops"].get(k, 0)) for k, _ in MIX), errors,
              percentile(s["lat"], 0.5) * 1000, percentile(s["lat"], 0.99) * 1000, rss,
              rss / baseline["rss"],
              m.get("aktenwerk_versions_stored_total", 0), m.get("aktenwerk_index_lag", 0),
              m.get("aktenwerk_audit_entries", 0), m.get("aktenwerk_blob_bytes", 0)),
          flush=True)


vorgaenge = setup()
START = time.time()
END = START + DURATION
threads = [threading.Thread(target=worker, args=(n, vorgaenge)) for n in range(THREADS)]
for t in threads:
    t.start()
rss_by_minute = []
minute = 0
while True:
    boundary = START + INTERVAL * (minute + 1)
    if boundary > END + 0.5:
        break
    time.sleep(max(0.0, boundary - time.time()))
    rss_by_minute.append(rss_kib())
    report(minute, rss_by_minute[-1], metrics())
    minute += 1
for t in threads:
    t.join()
total = sum(sum(s["ops"].values()) for s in stats.values())
errors = sum(sum(s["errors"].values()) for s in stats.values())
print("TOTAL ops=%d errors=%d seconds=%.0f rss_first_kib=%d rss_last_kib=%d rss_peak_kib=%d" % (
    total, errors, time.time() - START, rss_by_minute[0] if rss_by_minute else 0,
    rss_by_minute[-1] if rss_by_minute else 0, max(rss_by_minute) if rss_by_minute else 0))
for e in first_error:
    print("ERROR " + e)
sys.exit(1 if errors else 0)
