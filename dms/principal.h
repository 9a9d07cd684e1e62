// Who is calling: passed into every service call so that rights (issue #6) are checked in
// the service layer, where no interface can forget them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <utility>

namespace aktenwerk::dms {

// The limits of an API token: it acts for its owner, but only inside one subtree of the
// Aktenplan and with at most the rights in `rights`.
struct TokenScope {
    std::string token_id;
    std::string einheit_id;    // the root of the subtree the token may touch
    uint32_t rights = 0;       // a mask of dms::Right
    bool owner_admin = false;  // the owner is a global administrator
};

struct Principal {
    // A constructor rather than an aggregate, so that `{name, admin}` stays valid as fields
    // are added.
    Principal(std::string name_ = {}, bool admin_ = false,
              std::optional<TokenScope> token_ = std::nullopt)
        : name(std::move(name_)), admin(admin_), token(std::move(token_)) {}

    std::string name;
    // A global administrator: every right everywhere. Never set for a token (its owner's
    // administrator status is in `token->owner_admin` and still limited by the scope).
    bool admin = false;
    // Set when the caller authenticated with an API token.
    std::optional<TokenScope> token;

    // The identity of work the server does on its own (start-up, demo data).
    static Principal System() { return {"system", true, std::nullopt}; }
};

}  // namespace aktenwerk::dms
