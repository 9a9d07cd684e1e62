// Slows down password guessing: after a few failed logins for one account, or from one
// address, further attempts are refused unchecked for a time that doubles with every
// failure (up to a cap). A refused attempt does not check the password, so throttling
// gives a guesser no answer at all.
#pragma once

#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>

#include "dms/clock.h"

namespace aktenwerk::dms {

struct LoginThrottleOptions {
    uint32_t free_failures_per_account = 5;
    uint32_t free_failures_per_address = 20;
    int64_t first_delay_millis = 1000;
    int64_t max_delay_millis = 15 * 60 * 1000;
    // A counter with no failure for this long is forgotten.
    int64_t forget_after_millis = 30 * 60 * 1000;
};

// Thread-safe.
class LoginThrottle {
  public:
    static constexpr size_t kMaxTracked = 100'000;

    LoginThrottle(const Clock* clock, LoginThrottleOptions options = {});

    const LoginThrottleOptions& options() const { return options_; }

    // 0 when an attempt for `account` from `address` may be checked now, otherwise the
    // milliseconds until it may.
    int64_t WaitMillis(std::string_view account, std::string_view address) const;
    // Returns the account's failures in a row, this one included.
    uint32_t RecordFailure(std::string_view account, std::string_view address);
    // A successful login clears the account's counter (not the address's: one address may
    // be guessing many accounts and know one password).
    void RecordSuccess(std::string_view account);

  private:
    struct Counter {
        uint32_t failures = 0;
        int64_t last_failure = 0;
    };
    int64_t Wait(const std::unordered_map<std::string, Counter>& map, const std::string& key,
                 uint32_t free, int64_t now) const;
    uint32_t Fail(std::unordered_map<std::string, Counter>& map, const std::string& key,
                  int64_t now);

    const Clock* clock_;
    LoginThrottleOptions options_;
    mutable std::mutex mu_;
    std::unordered_map<std::string, Counter> accounts_;   // guarded by mu_
    std::unordered_map<std::string, Counter> addresses_;  // guarded by mu_
};

}  // namespace aktenwerk::dms
