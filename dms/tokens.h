// API tokens for case systems (Fachverfahren) and portals. A token acts for its owner, but
// only inside one subtree of the Aktenplan and with at most the rights it was given. Only a
// hash of its secret is stored: the token itself is shown once, when it is created.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dms/audit_queue.h"
#include "dms/clock.h"
#include "dms/principal.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

struct TokenInfo {
    std::string id;  // public; the first part of the token
    std::string benutzer;
    std::string bezeichnung;
    std::string einheit_id;
    uint32_t rights = 0;  // a mask of Right
    uint32_t anfragen_pro_minute = 6000;
    int64_t ablauf_am = 0;  // ms since epoch; 0 = does not expire
    std::string erstellt_von;
    int64_t erstellt_am = 0;
    int64_t widerrufen_am = 0;  // 0 = valid
};

nlohmann::json ToJson(const TokenInfo& t);

// Thread-safe.
class TokenStore {
  public:
    // Tokens look like "awt_<16 hex id>_<43 base64url secret>".
    static constexpr std::string_view kPrefix = "awt_";

    TokenStore(storage::MetadataStore* store, const Clock* clock);

    // Creates a token from `spec` (benutzer, bezeichnung, einheit_id, rights,
    // anfragen_pro_minute, ablauf_am) and returns it with the secret token text, which is not
    // stored. `actor` must be an administrator, or create a token for itself. kNotFound for
    // an unknown user or unit; kInvalidArgument for no rights, a unit id of another kind, or
    // an expiry in the past. Audited.
    Result<std::pair<TokenInfo, std::string>> Create(const Principal& actor, TokenInfo spec);

    // An administrator sees every token, anyone else their own. Secrets are never listed.
    Result<std::vector<TokenInfo>> List(const Principal& actor) const;

    // Revokes a token for good (audited); the record stays for the audit trail. kNotFound
    // when the token does not exist or belongs to someone else (for a non-administrator).
    Status Revoke(const Principal& actor, std::string_view id);

    // The principal of a token text: its owner, limited to the token's scope. The secret
    // is compared in constant time. kUnauthenticated for a malformed, unknown, revoked or
    // expired token, or an owner who is no longer active.
    Result<std::pair<Principal, TokenInfo>> Authenticate(std::string_view token) const;

    // Where refusals are queued for the audit trail. Set once, before use.
    void SetAuditQueue(AuditQueue* queue) { audit_ = queue; }

  private:
    Result<TokenInfo> Load(std::string_view id, std::string* hash) const;

    storage::MetadataStore* store_;
    const Clock* clock_;
    AuditQueue* audit_ = nullptr;
};

}  // namespace aktenwerk::dms
