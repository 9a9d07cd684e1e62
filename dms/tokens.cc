// Token creation, listing, revocation and checks.
//
// The secret has 256 random bits, so a fast hash (SHA-256) is enough: there is nothing to
// guess that a slow hash would protect. The id in front lets the record be found without
// comparing against every stored hash.
#include "dms/tokens.h"

#include <openssl/crypto.h>
#include <openssl/rand.h>

#include "dms/audit.h"
#include "dms/keys.h"
#include "dms/model.h"
#include "dms/rights.h"
#include "storage/codec.h"
#include "storage/sha256.h"

namespace aktenwerk::dms {
namespace {

using storage::Sha256Hex;

using nlohmann::json;

std::string Hex(const unsigned char* data, size_t len) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (size_t i = 0; i < len; ++i) {
        out += kHex[data[i] >> 4];
        out += kHex[data[i] & 15];
    }
    return out;
}

std::string Base64Url(const unsigned char* data, size_t len) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    std::string out;
    uint32_t acc = 0;
    int bits = 0;
    for (size_t i = 0; i < len; ++i) {
        acc = (acc << 8) | data[i];
        bits += 8;
        while (bits >= 6) {
            bits -= 6;
            out += kAlphabet[(acc >> bits) & 63];
        }
    }
    if (bits > 0) out += kAlphabet[(acc << (6 - bits)) & 63];
    return out;
}

bool IsHexId(std::string_view id) {
    if (id.size() != 16) return false;
    for (char c : id) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

json TokenJson(const TokenInfo& t) {
    return {{"id", t.id},
            {"benutzer", t.benutzer},
            {"bezeichnung", t.bezeichnung},
            {"einheit_id", t.einheit_id},
            {"rechte", RightNames(t.rights)},
            {"anfragen_pro_minute", t.anfragen_pro_minute},
            {"ablauf_am", t.ablauf_am},
            {"erstellt_von", t.erstellt_von},
            {"erstellt_am", t.erstellt_am},
            {"widerrufen_am", t.widerrufen_am}};
}

TokenInfo TokenFromJson(const json& j) {
    TokenInfo t;
    t.id = j.value("id", "");
    t.benutzer = j.value("benutzer", "");
    t.bezeichnung = j.value("bezeichnung", "");
    t.einheit_id = j.value("einheit_id", "");
    for (const auto& r : j.value("rechte", json::array())) {
        if (r.is_string()) t.rights |= ParseRight(r.get<std::string>());
    }
    t.anfragen_pro_minute = j.value("anfragen_pro_minute", uint32_t{6000});
    t.ablauf_am = j.value("ablauf_am", int64_t{0});
    t.erstellt_von = j.value("erstellt_von", "");
    t.erstellt_am = j.value("erstellt_am", int64_t{0});
    t.widerrufen_am = j.value("widerrufen_am", int64_t{0});
    return t;
}

}  // namespace

json ToJson(const TokenInfo& t) { return TokenJson(t); }

TokenStore::TokenStore(storage::MetadataStore* store, const Clock* clock)
    : store_(store), clock_(clock) {}

Result<std::pair<TokenInfo, std::string>> TokenStore::Create(const Principal& actor,
                                                             TokenInfo spec) {
    if (spec.benutzer.empty()) spec.benutzer = actor.name;
    if (actor.token || (!actor.admin && spec.benutzer != actor.name)) {
        if (audit_) audit_->Refusal(clock_->NowMillis(), actor, spec.einheit_id, "token-anlegen");
        return PermissionDeniedError(actor.token ? "a token cannot create tokens"
                                                 : "only an administrator creates tokens for "
                                                   "other users");
    }
    spec.rights &= kAllRights;
    if (spec.rights == 0) return InvalidArgumentError("a token needs at least one right");
    if (spec.bezeichnung.empty() || spec.bezeichnung.size() > 200) {
        return InvalidArgumentError("bezeichnung must have 1 to 200 bytes");
    }
    if (spec.anfragen_pro_minute == 0 || spec.anfragen_pro_minute > 1'000'000) {
        return InvalidArgumentError("anfragen_pro_minute must be 1 to 1000000");
    }
    const int64_t now = clock_->NowMillis();
    if (spec.ablauf_am != 0 && spec.ablauf_am <= now) {
        return InvalidArgumentError("ablauf_am lies in the past");
    }

    unsigned char id_bytes[8];
    unsigned char secret_bytes[32];
    if (RAND_bytes(id_bytes, sizeof(id_bytes)) != 1 ||
        RAND_bytes(secret_bytes, sizeof(secret_bytes)) != 1) {
        return InternalError("no random bytes for a token");
    }
    spec.id = Hex(id_bytes, sizeof(id_bytes));
    const std::string secret = Base64Url(secret_bytes, sizeof(secret_bytes));
    OPENSSL_cleanse(secret_bytes, sizeof(secret_bytes));
    spec.erstellt_von = actor.name;
    spec.erstellt_am = now;
    spec.widerrufen_am = 0;

    Status s = store_->Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto user, txn.Get(keys::User(spec.benutzer)));
        if (!user) return NotFoundError("user " + spec.benutzer + " not found");
        AKTENWERK_ASSIGN_OR_RETURN(auto unit_raw, txn.Get(keys::Objekt(spec.einheit_id)));
        if (!unit_raw) return NotFoundError("object " + spec.einheit_id + " not found");
        AKTENWERK_ASSIGN_OR_RETURN(auto unit_json, storage::DecodeValue(*unit_raw));
        AKTENWERK_ASSIGN_OR_RETURN(auto unit, ObjektFromJson(unit_json));
        if (unit.kind != Kind::kAktenplaneinheit) {
            return InvalidArgumentError("a token is scoped to an Aktenplaneinheit", "wrong-kind");
        }
        json record = TokenJson(spec);
        record["hash"] = Sha256Hex(secret);
        txn.Put(keys::Token(spec.id), storage::EncodeValue(record));
        return AppendAudit(txn, now, actor.name, spec.einheit_id, "token-angelegt", nullptr,
                           TokenJson(spec));
    });
    if (!s.ok()) return s.WithContext("create token");
    return std::make_pair(spec, std::string(kPrefix) + spec.id + "_" + secret);
}

Result<std::vector<TokenInfo>> TokenStore::List(const Principal& actor) const {
    std::vector<TokenInfo> out;
    AKTENWERK_RETURN_IF_ERROR(store_->Scan(keys::kTokenPrefix, "", 0, [&](auto, auto value) {
        auto j = storage::DecodeValue(value);
        if (!j.ok()) return true;
        TokenInfo t = TokenFromJson(*j);
        if (actor.admin || (!actor.token && t.benutzer == actor.name)) out.push_back(std::move(t));
        return true;
    }));
    return out;
}

Result<TokenInfo> TokenStore::Load(std::string_view id, std::string* hash) const {
    if (!IsHexId(id)) return NotFoundError("token " + std::string(id) + " not found");
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, store_->Get(keys::Token(id)));
    if (!raw) return NotFoundError("token " + std::string(id) + " not found");
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    if (hash) *hash = j.value("hash", "");
    return TokenFromJson(j);
}

Status TokenStore::Revoke(const Principal& actor, std::string_view id) {
    AKTENWERK_ASSIGN_OR_RETURN(auto t, Load(id, nullptr));
    if (!actor.admin && (actor.token || t.benutzer != actor.name)) {
        return NotFoundError("token " + std::string(id) + " not found");
    }
    if (t.widerrufen_am != 0) return Status::Ok();
    const int64_t now = clock_->NowMillis();
    return store_->Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto raw, txn.Get(keys::Token(id)));
        if (!raw) return NotFoundError("token " + std::string(id) + " not found");
        AKTENWERK_ASSIGN_OR_RETURN(auto record, storage::DecodeValue(*raw));
        record["widerrufen_am"] = now;
        txn.Put(keys::Token(id), storage::EncodeValue(record));
        return AppendAudit(txn, now, actor.name, t.einheit_id, "token-widerrufen", nullptr,
                           {{"id", t.id}, {"benutzer", t.benutzer}});
    });
}

Result<std::pair<Principal, TokenInfo>> TokenStore::Authenticate(std::string_view token) const {
    const Status refused = UnauthenticatedError("the token is not valid");
    // awt_ + 16 + _ + 43
    if (token.size() != kPrefix.size() + 16 + 1 + 43 ||
        token.substr(0, kPrefix.size()) != kPrefix || token[kPrefix.size() + 16] != '_') {
        return refused;
    }
    std::string_view id = token.substr(kPrefix.size(), 16);
    std::string_view secret = token.substr(kPrefix.size() + 17);
    std::string stored_hash;
    auto t = Load(id, &stored_hash);
    // Hash even when the id is unknown, so that answers take the same time either way.
    const std::string computed = Sha256Hex(secret);
    if (!t.ok()) return t.status().code() == StatusCode::kNotFound ? refused : t.status();
    if (stored_hash.size() != computed.size() ||
        CRYPTO_memcmp(stored_hash.data(), computed.data(), computed.size()) != 0) {
        return refused;
    }
    const int64_t now = clock_->NowMillis();
    if (t->widerrufen_am != 0 || (t->ablauf_am != 0 && t->ablauf_am <= now)) return refused;
    AKTENWERK_ASSIGN_OR_RETURN(auto user_raw, store_->Get(keys::User(t->benutzer)));
    if (!user_raw) return refused;
    AKTENWERK_ASSIGN_OR_RETURN(auto user, storage::DecodeValue(*user_raw));
    if (!user.value("aktiv", true)) return refused;
    Principal p{t->benutzer, false,
                TokenScope{t->id, t->einheit_id, t->rights, user.value("admin", false)}};
    return std::make_pair(std::move(p), std::move(t).value());
}

}  // namespace aktenwerk::dms
