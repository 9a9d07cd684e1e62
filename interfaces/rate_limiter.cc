// The token buckets.
#include "interfaces/rate_limiter.h"

#include <algorithm>
#include <cmath>

namespace aktenwerk::interfaces {

int64_t RateLimiter::Take(std::string_view key, uint32_t per_minute, Clock::time_point now) {
    const double rate_per_ms = per_minute / 60'000.0;
    const double capacity = std::max(10.0, per_minute / 10.0);
    std::lock_guard lock(mu_);
    auto it = buckets_.find(std::string(key));
    if (it == buckets_.end()) {
        // Forgetting every bucket only hands out fresh bursts; it never refuses anyone.
        if (buckets_.size() >= kMaxKeys) buckets_.clear();
        it = buckets_.emplace(std::string(key), Bucket{capacity, now}).first;
    }
    Bucket& b = it->second;
    const double elapsed = std::chrono::duration<double, std::milli>(
                               std::max(Clock::duration::zero(), now - b.updated))
                               .count();
    b.tokens = std::min(capacity, b.tokens + elapsed * rate_per_ms);
    b.updated = now;
    if (b.tokens >= 1.0) {
        b.tokens -= 1.0;
        return 0;
    }
    return static_cast<int64_t>(std::ceil((1.0 - b.tokens) / rate_per_ms));
}

}  // namespace aktenwerk::interfaces
