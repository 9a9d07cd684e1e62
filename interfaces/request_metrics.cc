// Rendering follows the Prometheus text exposition format 0.0.4: one HELP and TYPE line per
// family, cumulative buckets with an "le" label, then _sum and _count.
#include "interfaces/request_metrics.h"

#include <cstdio>

namespace aktenwerk::interfaces {
namespace {

std::string Number(double value) {
    char text[32];
    std::snprintf(text, sizeof(text), "%.9g", value);
    return text;
}

// Route patterns hold only path characters; a quote or backslash would need escaping, so
// they are checked rather than trusted.
std::string LabelValue(std::string_view value) {
    std::string out;
    for (char c : value) {
        if (c == '"' || c == '\\') out += '\\';
        if (c == '\n') {
            out += "\\n";
            continue;
        }
        out += c;
    }
    return out;
}

}  // namespace

std::string_view MethodLabel(std::string_view method) {
    for (std::string_view known : {"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"}) {
        if (method == known) return known;
    }
    return "other";
}

void RequestMetrics::Record(std::string_view method, std::string_view route, int status,
                            double seconds) {
    std::string m(MethodLabel(method));
    std::string r = route.empty() ? "unmatched" : std::string(route);
    size_t bucket = 0;
    while (bucket < kBuckets.size() && seconds > kBuckets[bucket]) ++bucket;

    std::lock_guard lock(mu_);
    ++counts_[{m, r, status}];
    Histogram& h = latency_[{std::move(m), std::move(r)}];
    if (bucket < kBuckets.size()) ++h.buckets[bucket];
    ++h.count;
    h.sum += seconds;
}

std::string RequestMetrics::Render() const {
    std::string out;
    out +=
        "# HELP aktenwerk_http_requests_total HTTP requests answered, by method, route "
        "pattern and status.\n";
    out += "# TYPE aktenwerk_http_requests_total counter\n";
    std::lock_guard lock(mu_);
    for (const auto& [key, count] : counts_) {
        const auto& [method, route, status] = key;
        out += "aktenwerk_http_requests_total{method=\"" + method + "\",route=\"" +
               LabelValue(route) + "\",status=\"" + std::to_string(status) + "\"} " +
               std::to_string(count) + "\n";
    }
    out +=
        "# HELP aktenwerk_http_request_duration_seconds Time from the request header to "
        "the last byte of the answer, by method and route pattern.\n";
    out += "# TYPE aktenwerk_http_request_duration_seconds histogram\n";
    for (const auto& [key, h] : latency_) {
        const std::string labels =
            "method=\"" + key.first + "\",route=\"" + LabelValue(key.second) + "\"";
        uint64_t cumulative = 0;
        for (size_t i = 0; i < kBuckets.size(); ++i) {
            cumulative += h.buckets[i];
            out += "aktenwerk_http_request_duration_seconds_bucket{" + labels + ",le=\"" +
                   Number(kBuckets[i]) + "\"} " + std::to_string(cumulative) + "\n";
        }
        out += "aktenwerk_http_request_duration_seconds_bucket{" + labels + ",le=\"+Inf\"} " +
               std::to_string(h.count) + "\n";
        out +=
            "aktenwerk_http_request_duration_seconds_sum{" + labels + "} " + Number(h.sum) + "\n";
        out += "aktenwerk_http_request_duration_seconds_count{" + labels + "} " +
               std::to_string(h.count) + "\n";
    }
    return out;
}

}  // namespace aktenwerk::interfaces
