// Stored users, groups and password checks. Passwords are kept only as salted PBKDF2-HMAC-SHA256
// hashes; a short-lived in-memory cache of successful checks keeps HTTP Basic
// authentication from paying the slow hash on every request.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "dms/audit_queue.h"
#include "dms/clock.h"
#include "dms/login_throttle.h"
#include "dms/principal.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

struct UserInfo {
    std::string name;
    bool admin = false;
    bool aktiv = true;
    std::vector<std::string> gruppen;
    int64_t erstellt_am = 0;
};

struct GroupInfo {
    std::string name;
    std::string beschreibung;
    int64_t erstellt_am = 0;
};

// Changes to a user; fields left empty stay as they are.
struct UserUpdate {
    std::optional<std::string> passwort;
    std::optional<bool> admin;
    std::optional<bool> aktiv;  // a user who is not aktiv cannot log in (users are never deleted)
    std::optional<std::vector<std::string>> gruppen;
};

// Thread-safe.
class UserStore {
  public:
    // PBKDF2 iterations for new hashes (OWASP's figure for HMAC-SHA256).
    static constexpr uint32_t kIterations = 600'000;

    // `iterations` is the PBKDF2 count for new hashes (tests use fewer to run quickly).
    UserStore(storage::MetadataStore* store, const Clock* clock, uint32_t iterations = kIterations);

    // Creates a user. kAlreadyExists when the name is taken; kInvalidArgument for a name
    // that is not 1..64 characters of [a-zA-Z0-9._@-] or a password shorter than 8 bytes.
    Status Create(const Principal& actor, std::string_view name, std::string_view password,
                  bool admin);

    // Replaces the password of an existing user.
    Status SetPassword(const Principal& actor, std::string_view name, std::string_view password);

    // Changes a user (administrators only; audited). kNotFound for an unknown user or group.
    Status Update(const Principal& actor, std::string_view name, const UserUpdate& update);

    // Checks a name and password from `address`. kUnauthenticated for an unknown name, a
    // wrong password or an inactive user (the same answer for all, and the same work: an
    // unknown name is hashed too). kResourceExhausted (reason "too-many-attempts") while
    // the account or the address is throttled; the password is then not checked.
    Result<Principal> Authenticate(std::string_view name, std::string_view password,
                                   std::string_view address = "");

    // The principal of an existing, active user, for identities vouched for by a trusted
    // reverse proxy. kUnauthenticated otherwise.
    Result<Principal> Lookup(std::string_view name);

    // Milliseconds until `account` may try again from `address` (0: now).
    int64_t RetryAfterMillis(std::string_view account, std::string_view address) const;

    Result<std::vector<UserInfo>> List() const;
    Result<UserInfo> Get(std::string_view name) const;
    // The same for a caller: listing is for administrators (kPermissionDenied, audited);
    // a user may read their own record, anyone else's is kNotFound for non-administrators.
    Result<std::vector<UserInfo>> List(const Principal& actor);
    Result<UserInfo> Get(const Principal& actor, std::string_view name) const;
    bool Empty() const;

    // Creates a group (administrators only; audited). Groups receive roles like users.
    Status CreateGroup(const Principal& actor, std::string_view name,
                       std::string_view beschreibung);
    Result<std::vector<GroupInfo>> ListGroups() const;
    // Administrators only (kPermissionDenied, audited).
    Result<std::vector<GroupInfo>> ListGroups(const Principal& actor);

    // Called after every change of a user or group (outside any lock), so that caches of
    // rights can be cleared. Set once, before the store is shared.
    void SetChangeListener(std::function<void()> listener) { listener_ = std::move(listener); }
    // Where refusals and failed logins of existing accounts are queued for the audit
    // trail. Failures are recorded until the account is throttled, then no more until it
    // recovers, so that a guesser cannot fill the disk. Set once, before use.
    void SetAuditQueue(AuditQueue* queue) { audit_ = queue; }

  private:
    Status Store(const Principal& actor, std::string_view name, std::string_view password,
                 bool admin, bool create);
    void Changed();

    storage::MetadataStore* store_;
    const Clock* clock_;
    uint32_t iterations_;
    LoginThrottle throttle_;
    std::function<void()> listener_;
    AuditQueue* audit_ = nullptr;
    Status Refused(const Principal& actor, std::string_view was, std::string message);
    std::string cache_key_;  // random per process; cached entries are keyed by HMAC with it

    struct CacheEntry {
        Principal principal;
        std::chrono::steady_clock::time_point expires;
    };
    std::mutex mu_;
    std::unordered_map<std::string, CacheEntry> cache_;  // guarded by mu_
};

}  // namespace aktenwerk::dms
