// Request counts and latency histograms by route, for /metrics. The route is the pattern of
// the route table ("/api/v1/akten/{id}"), never the raw path, so that the number of series
// stays bounded whatever clients send.
#pragma once

#include <array>
#include <cstdint>
#include <map>
#include <mutex>
#include <string>
#include <string_view>
#include <tuple>

namespace aktenwerk::interfaces {

// The method as a metric label: one of the methods the server knows, else "other" (a client
// may send any token as a method).
std::string_view MethodLabel(std::string_view method);

// Thread-safe.
class RequestMetrics {
  public:
    // Upper bounds of the latency buckets in seconds (the last bucket, +Inf, is implicit).
    static constexpr std::array<double, 14> kBuckets = {
        0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10};

    // Counts one answered request. `route` is the matched pattern, empty when none matched
    // (it is then counted as "unmatched"); `seconds` runs from the complete header to the
    // last byte sent.
    void Record(std::string_view method, std::string_view route, int status, double seconds);

    // The Prometheus text of aktenwerk_http_requests_total{method,route,status} and
    // aktenwerk_http_request_duration_seconds{method,route} (a histogram).
    std::string Render() const;

  private:
    struct Histogram {
        std::array<uint64_t, kBuckets.size()> buckets{};  // not cumulative
        uint64_t count = 0;
        double sum = 0;
    };

    mutable std::mutex mu_;
    std::map<std::tuple<std::string, std::string, int>, uint64_t> counts_;  // guarded by mu_
    std::map<std::pair<std::string, std::string>, Histogram> latency_;      // guarded by mu_
};

}  // namespace aktenwerk::interfaces
