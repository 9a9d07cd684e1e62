// Failure counters with exponential back-off.
#include "dms/login_throttle.h"

#include <algorithm>

namespace aktenwerk::dms {

LoginThrottle::LoginThrottle(const Clock* clock, LoginThrottleOptions options)
    : clock_(clock), options_(options) {}

int64_t LoginThrottle::Wait(const std::unordered_map<std::string, Counter>& map,
                            const std::string& key, uint32_t free, int64_t now) const {
    auto it = map.find(key);
    if (it == map.end() || it->second.failures < free) return 0;
    if (now - it->second.last_failure > options_.forget_after_millis) return 0;
    const uint32_t over = std::min<uint32_t>(it->second.failures - free, 30);
    const int64_t delay = std::min(options_.max_delay_millis, options_.first_delay_millis << over);
    return std::max<int64_t>(0, it->second.last_failure + delay - now);
}

int64_t LoginThrottle::WaitMillis(std::string_view account, std::string_view address) const {
    const int64_t now = clock_->NowMillis();
    std::lock_guard lock(mu_);
    return std::max(
        Wait(accounts_, std::string(account), options_.free_failures_per_account, now),
        Wait(addresses_, std::string(address), options_.free_failures_per_address, now));
}

uint32_t LoginThrottle::Fail(std::unordered_map<std::string, Counter>& map, const std::string& key,
                             int64_t now) {
    if (map.size() >= kMaxTracked && map.count(key) == 0) {
        // Drop what has been forgotten anyway; if that frees nothing, start over rather than
        // grow without bound (a flood of made-up names).
        std::erase_if(map, [&](const auto& entry) {
            return now - entry.second.last_failure > options_.forget_after_millis;
        });
        if (map.size() >= kMaxTracked) map.clear();
    }
    Counter& c = map[key];
    if (now - c.last_failure > options_.forget_after_millis) c.failures = 0;
    c.failures += 1;
    c.last_failure = now;
    return c.failures;
}

uint32_t LoginThrottle::RecordFailure(std::string_view account, std::string_view address) {
    const int64_t now = clock_->NowMillis();
    std::lock_guard lock(mu_);
    Fail(addresses_, std::string(address), now);
    return Fail(accounts_, std::string(account), now);
}

void LoginThrottle::RecordSuccess(std::string_view account) {
    std::lock_guard lock(mu_);
    accounts_.erase(std::string(account));
}

}  // namespace aktenwerk::dms
