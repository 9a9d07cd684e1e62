// Password hashing and the credential cache.
#include "dms/users.h"

#include <algorithm>

#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <openssl/hmac.h>
#include <openssl/rand.h>

#include "dms/audit.h"
#include "dms/keys.h"
#include "storage/codec.h"

namespace aktenwerk::dms {
namespace {

constexpr auto kCacheTtl = std::chrono::minutes(5);
constexpr size_t kCacheMax = 10'000;

std::string Hex(const unsigned char* data, size_t len) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < len; ++i) {
        out += kHex[data[i] >> 4];
        out += kHex[data[i] & 15];
    }
    return out;
}

std::string RandomBytes(size_t n) {
    std::string out(n, '\0');
    RAND_bytes(reinterpret_cast<unsigned char*>(out.data()), static_cast<int>(n));
    return out;
}

std::string Pbkdf2(std::string_view password, std::string_view salt, uint32_t iterations) {
    unsigned char out[32];
    PKCS5_PBKDF2_HMAC(password.data(), static_cast<int>(password.size()),
                      reinterpret_cast<const unsigned char*>(salt.data()),
                      static_cast<int>(salt.size()), static_cast<int>(iterations), EVP_sha256(),
                      sizeof(out), out);
    return Hex(out, sizeof(out));
}

bool ConstantTimeEqual(std::string_view a, std::string_view b) {
    return a.size() == b.size() && CRYPTO_memcmp(a.data(), b.data(), a.size()) == 0;
}

Status CheckName(std::string_view name, std::string_view what) {
    if (name.empty() || name.size() > 64) {
        return InvalidArgumentError(std::string(what) + " name must have 1 to 64 characters");
    }
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '@' || c == '-';
        if (!ok) {
            return InvalidArgumentError(std::string(what) +
                                        " name may only contain a-z, A-Z, 0-9, . _ @ -");
        }
    }
    return Status::Ok();
}

Status CheckUserName(std::string_view name) { return CheckName(name, "user"); }

UserInfo InfoFromJson(const nlohmann::json& j) {
    UserInfo info{j.value("name", ""),
                  j.value("admin", false),
                  j.value("aktiv", true),
                  {},
                  j.value("erstellt_am", int64_t{0})};
    for (const auto& g : j.value("gruppen", nlohmann::json::array())) {
        if (g.is_string()) info.gruppen.push_back(g.get<std::string>());
    }
    return info;
}

}  // namespace

UserStore::UserStore(storage::MetadataStore* store, const Clock* clock, uint32_t iterations)
    : store_(store),
      clock_(clock),
      iterations_(iterations),
      throttle_(clock),
      cache_key_(RandomBytes(32)) {}

Status UserStore::Refused(const Principal& actor, std::string_view was, std::string message) {
    if (audit_) audit_->Refusal(clock_->NowMillis(), actor, "", was);
    return PermissionDeniedError(std::move(message));
}

void UserStore::Changed() {
    {
        std::lock_guard lock(mu_);
        cache_.clear();
    }
    if (listener_) listener_();
}

Status UserStore::Create(const Principal& actor, std::string_view name, std::string_view password,
                         bool admin) {
    return Store(actor, name, password, admin, /*create=*/true);
}

Status UserStore::SetPassword(const Principal& actor, std::string_view name,
                              std::string_view password) {
    Status s = Store(actor, name, password, false, /*create=*/false);
    Changed();
    return s;
}

Status UserStore::Store(const Principal& actor, std::string_view name, std::string_view password,
                        bool admin, bool create) {
    if (!actor.admin)
        return Refused(actor, "benutzerverwaltung", "only an administrator manages users");
    AKTENWERK_RETURN_IF_ERROR(CheckUserName(name));
    if (password.size() < 8 || password.size() > 1024) {
        return InvalidArgumentError("password must have 8 to 1024 bytes");
    }
    // Hash outside the transaction: it takes a fraction of a second and transactions run
    // serially.
    std::string salt = RandomBytes(16);
    std::string hash = Pbkdf2(password, salt, iterations_);
    int64_t now = clock_->NowMillis();
    Status s = store_->Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto existing, txn.Get(keys::User(name)));
        nlohmann::json record;
        if (create) {
            if (existing) return AlreadyExistsError("user " + std::string(name) + " exists");
            record = {{"name", name}, {"admin", admin}, {"erstellt_am", now}};
        } else {
            if (!existing) return NotFoundError("user " + std::string(name) + " not found");
            AKTENWERK_ASSIGN_OR_RETURN(record, storage::DecodeValue(*existing));
        }
        record["salt_raw"] = nlohmann::json::binary(std::vector<uint8_t>(salt.begin(), salt.end()));
        record["hash"] = hash;
        record["iterations"] = iterations_;
        txn.Put(keys::User(name), storage::EncodeValue(record));
        return AppendAudit(txn, now, actor.name, "",
                           create ? "benutzer-angelegt" : "passwort-geaendert", nullptr,
                           {{"benutzer", name}, {"admin", record.value("admin", false)}});
    });
    if (s.ok()) Changed();
    return s;
}

Status UserStore::Update(const Principal& actor, std::string_view name, const UserUpdate& update) {
    if (!actor.admin)
        return Refused(actor, "benutzerverwaltung", "only an administrator manages users");
    if (update.passwort) AKTENWERK_RETURN_IF_ERROR(SetPassword(actor, name, *update.passwort));
    if (!update.admin && !update.aktiv && !update.gruppen) return Status::Ok();
    if (update.gruppen && update.gruppen->size() > 100) {
        return InvalidArgumentError("a user may be in at most 100 groups");
    }
    const int64_t now = clock_->NowMillis();
    Status s = store_->Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto existing, txn.Get(keys::User(name)));
        if (!existing) return NotFoundError("user " + std::string(name) + " not found");
        AKTENWERK_ASSIGN_OR_RETURN(auto record, storage::DecodeValue(*existing));
        nlohmann::json before = {{"admin", record.value("admin", false)},
                                 {"aktiv", record.value("aktiv", true)},
                                 {"gruppen", record.value("gruppen", nlohmann::json::array())}};
        if (update.admin) record["admin"] = *update.admin;
        if (update.aktiv) record["aktiv"] = *update.aktiv;
        if (update.gruppen) {
            std::vector<std::string> groups = *update.gruppen;
            std::sort(groups.begin(), groups.end());
            groups.erase(std::unique(groups.begin(), groups.end()), groups.end());
            for (const auto& g : groups) {
                AKTENWERK_RETURN_IF_ERROR(CheckName(g, "group"));
                AKTENWERK_ASSIGN_OR_RETURN(auto group, txn.Get(keys::Group(g)));
                if (!group) return NotFoundError("group " + g + " not found");
            }
            record["gruppen"] = groups;
        }
        txn.Put(keys::User(name), storage::EncodeValue(record));
        nlohmann::json after = {{"benutzer", name},
                                {"admin", record.value("admin", false)},
                                {"aktiv", record.value("aktiv", true)},
                                {"gruppen", record.value("gruppen", nlohmann::json::array())}};
        return AppendAudit(txn, now, actor.name, "", "benutzer-geaendert", std::move(before),
                           std::move(after));
    });
    Changed();
    return s;
}

Status UserStore::CreateGroup(const Principal& actor, std::string_view name,
                              std::string_view beschreibung) {
    if (!actor.admin)
        return Refused(actor, "gruppenverwaltung", "only an administrator manages groups");
    AKTENWERK_RETURN_IF_ERROR(CheckName(name, "group"));
    if (beschreibung.size() > 500) return InvalidArgumentError("beschreibung is too long");
    const int64_t now = clock_->NowMillis();
    Status s = store_->Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto existing, txn.Get(keys::Group(name)));
        if (existing) return AlreadyExistsError("group " + std::string(name) + " exists");
        nlohmann::json record = {
            {"name", name}, {"beschreibung", beschreibung}, {"erstellt_am", now}};
        txn.Put(keys::Group(name), storage::EncodeValue(record));
        return AppendAudit(txn, now, actor.name, "", "gruppe-angelegt", nullptr, record);
    });
    if (s.ok()) Changed();
    return s;
}

Result<std::vector<GroupInfo>> UserStore::ListGroups() const {
    std::vector<GroupInfo> out;
    AKTENWERK_RETURN_IF_ERROR(store_->Scan(keys::kGroupPrefix, "", 0, [&](auto, auto value) {
        auto j = storage::DecodeValue(value);
        if (j.ok()) {
            out.push_back({j->value("name", ""), j->value("beschreibung", ""),
                           j->value("erstellt_am", int64_t{0})});
        }
        return true;
    }));
    return out;
}

Result<std::vector<UserInfo>> UserStore::List(const Principal& actor) {
    if (!actor.admin) return Refused(actor, "benutzer-liste", "only an administrator lists users");
    return List();
}

Result<std::vector<GroupInfo>> UserStore::ListGroups(const Principal& actor) {
    if (!actor.admin) return Refused(actor, "gruppen-liste", "only an administrator lists groups");
    return ListGroups();
}

Result<UserInfo> UserStore::Get(const Principal& actor, std::string_view name) const {
    if (!actor.admin && (actor.token || actor.name != name)) {
        return NotFoundError("user " + std::string(name) + " not found");
    }
    return Get(name);
}

Result<UserInfo> UserStore::Get(std::string_view name) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, store_->Get(keys::User(name)));
    if (!raw) return NotFoundError("user " + std::string(name) + " not found");
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    return InfoFromJson(j);
}

Result<Principal> UserStore::Lookup(std::string_view name) {
    if (!CheckUserName(name).ok()) return UnauthenticatedError("unknown user");
    auto info = Get(name);
    if (!info.ok() && info.status().code() == StatusCode::kNotFound) {
        return UnauthenticatedError("unknown user");
    }
    if (!info.ok()) return info.status();
    if (!info->aktiv) return UnauthenticatedError("unknown user");
    return Principal{info->name, info->admin, std::nullopt};
}

int64_t UserStore::RetryAfterMillis(std::string_view account, std::string_view address) const {
    return throttle_.WaitMillis(account, address);
}

Result<Principal> UserStore::Authenticate(std::string_view name, std::string_view password,
                                          std::string_view address) {
    unsigned char mac[32];
    unsigned int mac_len = 0;
    std::string material = std::string(name) + '\0' + std::string(password);
    HMAC(EVP_sha256(), cache_key_.data(), static_cast<int>(cache_key_.size()),
         reinterpret_cast<const unsigned char*>(material.data()), material.size(), mac, &mac_len);
    std::string cache_id(reinterpret_cast<char*>(mac), mac_len);
    auto now = std::chrono::steady_clock::now();
    {
        std::lock_guard lock(mu_);
        auto it = cache_.find(cache_id);
        if (it != cache_.end() && it->second.expires > now) return it->second.principal;
    }
    // After the cache: a user who logged in with the right password a moment ago keeps
    // working while someone else's guessing has the account throttled.
    if (int64_t wait = throttle_.WaitMillis(name, address); wait > 0) {
        return ResourceExhaustedError(
            "too many failed logins; wait before trying again (retry in " + std::to_string(wait) +
                " ms)",
            "too-many-attempts");
    }

    auto raw = store_->Get(keys::User(name));
    if (!raw.ok()) return raw.status();
    nlohmann::json record = nlohmann::json::object();
    if (*raw) {
        auto decoded = storage::DecodeValue(**raw);
        if (!decoded.ok()) return decoded.status();
        record = std::move(decoded).value();
        if (!record.is_object()) return CorruptionError("user record of " + std::string(name));
    }
    std::string salt;
    if (auto it = record.find("salt_raw"); it != record.end() && it->is_binary()) {
        salt.assign(it->get_binary().begin(), it->get_binary().end());
    }
    uint32_t iterations = record.value("iterations", iterations_);
    // Unknown users cost the same hash, so timing does not tell which names exist.
    std::string computed = Pbkdf2(password, salt.empty() ? "unknown-user-salt" : salt, iterations);
    const bool matches = ConstantTimeEqual(computed, record.value("hash", std::string()));
    if (!*raw || !matches || !record.value("aktiv", true)) {
        const uint32_t failures = throttle_.RecordFailure(name, address);
        // Only names that exist: an unknown "name" may be a password typed into the wrong
        // field, and the audit trail is kept for decades.
        if (*raw && audit_ && failures <= throttle_.options().free_failures_per_account) {
            audit_->Push({clock_->NowMillis(),
                          std::string(name),
                          "",
                          failures == throttle_.options().free_failures_per_account
                              ? "anmeldung-gesperrt"
                              : "anmeldung-fehlgeschlagen",
                          {{"adresse", address}, {"fehlversuche", failures}}});
        }
        return UnauthenticatedError("wrong user name or password");
    }
    throttle_.RecordSuccess(name);
    Principal principal{std::string(name), record.value("admin", false), std::nullopt};
    std::lock_guard lock(mu_);
    if (cache_.size() >= kCacheMax) cache_.clear();
    cache_[cache_id] = {principal, now + kCacheTtl};
    return principal;
}

Result<std::vector<UserInfo>> UserStore::List() const {
    std::vector<UserInfo> out;
    AKTENWERK_RETURN_IF_ERROR(store_->Scan(keys::kUserPrefix, "", 0, [&](auto, auto value) {
        auto j = storage::DecodeValue(value);
        if (j.ok()) out.push_back(InfoFromJson(*j));
        return true;
    }));
    return out;
}

bool UserStore::Empty() const {
    bool any = false;
    (void)store_->Scan(keys::kUserPrefix, "", 1, [&](auto, auto) {
        any = true;
        return false;
    });
    return !any;
}

}  // namespace aktenwerk::dms
