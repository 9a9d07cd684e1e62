#!/usr/bin/python3
"""Parses a /metrics answer with the Prometheus client's text parser (python3-prometheus-client)
and checks what the parser lets pass: every family has HELP and a TYPE, no series appears twice,
counters are not negative, histogram buckets are cumulative and end in +Inf equal to _count.
Prints one line per sample, "name{label=value,...} value" with sorted labels; exits 1 with the
reason on the first problem."""
import math
import sys

from prometheus_client.parser import text_string_to_metric_families


def fail(why):
    print("invalid metrics: " + why)
    sys.exit(1)


def main():
    text = open(sys.argv[1], encoding="utf-8").read()
    try:
        families = list(text_string_to_metric_families(text))
    except Exception as e:  # the parser raises ValueError and others on malformed lines
        fail("parser: %r" % e)
    seen = set()
    out = []
    for family in families:
        if family.type == "unknown":
            fail("family %s has no TYPE line" % family.name)
        if not family.documentation:
            fail("family %s has no HELP line" % family.name)
        buckets = {}
        counts = {}
        for s in family.samples:
            labels = ",".join("%s=%s" % kv for kv in sorted(s.labels.items()))
            key = "%s{%s}" % (s.name, labels)
            if key in seen:
                fail("series %s appears twice" % key)
            seen.add(key)
            if math.isnan(s.value):
                fail("series %s is NaN" % key)
            if family.type == "counter" and s.value < 0:
                fail("counter %s is negative" % key)
            if family.type == "histogram":
                rest = tuple(sorted((k, v) for k, v in s.labels.items() if k != "le"))
                if s.name.endswith("_bucket"):
                    buckets.setdefault(rest, []).append((float(s.labels["le"]), s.value))
                elif s.name.endswith("_count"):
                    counts[rest] = s.value
            out.append("%s %r" % (key, s.value))
        for rest, series in buckets.items():
            values = [v for _, v in series]
            if [le for le, _ in series] != sorted(le for le, _ in series):
                fail("buckets of %s %s are not in order" % (family.name, rest))
            if values != sorted(values):
                fail("buckets of %s %s are not cumulative" % (family.name, rest))
            if series[-1][0] != math.inf or series[-1][1] != counts.get(rest):
                fail("histogram %s %s: +Inf bucket differs from _count" % (family.name, rest))
    print("\n".join(out))


main()
