// Password hashing and the credential cache.
#include "dms/users.h"

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

Status CheckUserName(std::string_view name) {
    if (name.empty() || name.size() > 64) {
        return InvalidArgumentError("user name must have 1 to 64 characters");
    }
    for (char c : name) {
        bool ok = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
                  c == '.' || c == '_' || c == '@' || c == '-';
        if (!ok) return InvalidArgumentError("user name may only contain a-z, A-Z, 0-9, . _ @ -");
    }
    return Status::Ok();
}

}  // namespace

UserStore::UserStore(storage::MetadataStore* store, const Clock* clock)
    : store_(store), clock_(clock), cache_key_(RandomBytes(32)) {}

Status UserStore::Create(const Principal& actor, std::string_view name, std::string_view password,
                         bool admin) {
    return Store(actor, name, password, admin, /*create=*/true);
}

Status UserStore::SetPassword(const Principal& actor, std::string_view name,
                              std::string_view password) {
    Status s = Store(actor, name, password, false, /*create=*/false);
    std::lock_guard lock(mu_);
    cache_.clear();
    return s;
}

Status UserStore::Store(const Principal& actor, std::string_view name, std::string_view password,
                        bool admin, bool create) {
    if (!actor.admin) return PermissionDeniedError("only an administrator manages users");
    AKTENWERK_RETURN_IF_ERROR(CheckUserName(name));
    if (password.size() < 8 || password.size() > 1024) {
        return InvalidArgumentError("password must have 8 to 1024 bytes");
    }
    // Hash outside the transaction: it takes a fraction of a second and transactions run
    // serially.
    std::string salt = RandomBytes(16);
    std::string hash = Pbkdf2(password, salt, kIterations);
    int64_t now = clock_->NowMillis();
    return store_->Commit([&](storage::Txn& txn) -> Status {
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
        record["iterations"] = kIterations;
        txn.Put(keys::User(name), storage::EncodeValue(record));
        return AppendAudit(txn, now, actor.name, "",
                           create ? "benutzer-angelegt" : "passwort-geaendert", nullptr,
                           {{"benutzer", name}, {"admin", record.value("admin", false)}});
    });
}

Result<Principal> UserStore::Authenticate(std::string_view name, std::string_view password) {
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
    uint32_t iterations = record.value("iterations", kIterations);
    // Unknown users cost the same hash, so timing does not tell which names exist.
    std::string computed = Pbkdf2(password, salt.empty() ? "unknown-user-salt" : salt, iterations);
    if (!*raw || !ConstantTimeEqual(computed, record.value("hash", std::string()))) {
        return UnauthenticatedError("wrong user name or password");
    }
    Principal principal{std::string(name), record.value("admin", false)};
    std::lock_guard lock(mu_);
    if (cache_.size() >= kCacheMax) cache_.clear();
    cache_[cache_id] = {principal, now + kCacheTtl};
    return principal;
}

Result<std::vector<UserInfo>> UserStore::List() const {
    std::vector<UserInfo> out;
    AKTENWERK_RETURN_IF_ERROR(store_->Scan(keys::kUserPrefix, "", 0, [&](auto, auto value) {
        auto j = storage::DecodeValue(value);
        if (j.ok()) {
            out.push_back({j->value("name", ""), j->value("admin", false),
                           j->value("erstellt_am", int64_t{0})});
        }
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
