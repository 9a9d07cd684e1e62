// Request rate limits per key (an API token): a token bucket that refills continuously, so a
// case system may send short bursts but not more than its rate over time.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

namespace aktenwerk::interfaces {

// Thread-safe.
class RateLimiter {
  public:
    using Clock = std::chrono::steady_clock;
    static constexpr size_t kMaxKeys = 100'000;

    // Takes one request from the bucket of `key`, which holds up to a tenth of a minute's
    // worth (at least 10) and refills at `per_minute`. Returns 0 when the request may go
    // ahead, or else the milliseconds until it may.
    int64_t Take(std::string_view key, uint32_t per_minute, Clock::time_point now = Clock::now());

  private:
    struct Bucket {
        double tokens = 0;
        Clock::time_point updated;
    };
    std::mutex mu_;
    std::unordered_map<std::string, Bucket> buckets_;  // guarded by mu_
};

}  // namespace aktenwerk::interfaces
