// Stored users and password checks. Passwords are kept only as salted PBKDF2-HMAC-SHA256
// hashes; a short-lived in-memory cache of successful checks keeps HTTP Basic
// authentication from paying the slow hash on every request.
#pragma once

#include <chrono>
#include <cstdint>
#include <mutex>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dms/clock.h"
#include "dms/principal.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

struct UserInfo {
    std::string name;
    bool admin = false;
    int64_t erstellt_am = 0;
};

// Thread-safe.
class UserStore {
  public:
    // PBKDF2 iterations for new hashes (OWASP's figure for HMAC-SHA256).
    static constexpr uint32_t kIterations = 600'000;

    UserStore(storage::MetadataStore* store, const Clock* clock);

    // Creates a user. kAlreadyExists when the name is taken; kInvalidArgument for a name
    // that is not 1..64 characters of [a-zA-Z0-9._@-] or a password shorter than 8 bytes.
    Status Create(const Principal& actor, std::string_view name, std::string_view password,
                  bool admin);

    // Replaces the password of an existing user.
    Status SetPassword(const Principal& actor, std::string_view name, std::string_view password);

    // Checks a name and password. kUnauthenticated for an unknown name or a wrong password
    // (the same answer for both, and the same work: an unknown name is hashed too).
    Result<Principal> Authenticate(std::string_view name, std::string_view password);

    Result<std::vector<UserInfo>> List() const;
    bool Empty() const;

  private:
    Status Store(const Principal& actor, std::string_view name, std::string_view password,
                 bool admin, bool create);

    storage::MetadataStore* store_;
    const Clock* clock_;
    std::string cache_key_;  // random per process; cached entries are keyed by HMAC with it

    struct CacheEntry {
        Principal principal;
        std::chrono::steady_clock::time_point expires;
    };
    std::mutex mu_;
    std::unordered_map<std::string, CacheEntry> cache_;  // guarded by mu_
};

}  // namespace aktenwerk::dms
