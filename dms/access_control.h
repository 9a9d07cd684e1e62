// Who may do what where: roles granted to users and groups on Aktenplaneinheiten, inherited
// downwards, cut off for a subject by an explicit deny on a sub-unit, limited by the
// Vertraulichkeitsstufe of the Akten on the way; and the same model turned into a
// description of what a principal may see, for filters inside the search index.
//
// The check is on every request's path, so it runs from memory: the grant table is held
// whole (grants number in the hundreds, not millions), and the effective rights of a
// principal on a unit and the place of a container in the plan are cached. Every change of
// grants, group memberships, users or the tree's shape clears the caches it affects.
#pragma once

#include <cstdint>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <nlohmann/json.hpp>

#include "dms/audit_queue.h"
#include "dms/clock.h"
#include "dms/model.h"
#include "dms/principal.h"
#include "dms/rights.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

// Roles of one subject on one Aktenplaneinheit.
struct Grant {
    std::string einheit_id;
    std::string subjekt;  // "benutzer:NAME" or "gruppe:NAME"
    std::vector<Role> rollen;
    size_t bis_stufe = 0;  // the highest Vertraulichkeitsstufe these roles reach
    // Cuts off what this subject holds from grants on units above this one; the roles of
    // this grant (and of grants further down) still apply.
    bool verweigert = false;
    std::string geaendert_von;
    int64_t geaendert_am = 0;
};

nlohmann::json ToJson(const Grant& g);

// Where an object sits for access control: the Aktenplaneinheit it is filed under and its
// effective Vertraulichkeitsstufe (the highest of the Akten on its path).
struct Placement {
    std::string einheit_id;
    size_t stufe = 0;
};

// One part of what a principal may read: the objects filed below `einheit_id` (at any
// depth), except those below a unit in `ausgenommen`, whose effective level is at most
// `bis_stufe`. The units in `ausgenommen` lie below `einheit_id`; what the principal may
// see there is described by clauses of their own.
struct VisibilityClause {
    std::string einheit_id;
    std::vector<std::string> ausgenommen;
    size_t bis_stufe = 0;
};

// What a principal may read, as a filter that a search index can apply in its query: an
// object is visible when `alles` is set or when some clause matches it. Clauses do not
// overlap: an object below several clause units belongs to the nearest one.
struct Visibility {
    bool alles = false;
    std::vector<VisibilityClause> klauseln;
};

// What a principal may do on one object, and where that object sits.
struct Access {
    uint32_t rights = 0;  // a mask of Right
    Placement placement;
};

// Thread-safe.
class AccessControl {
  public:
    // `store` must outlive this object. Call Load() before use.
    AccessControl(storage::MetadataStore* store, const Clock* clock);

    // Reads the grant table from the store.
    Status Load();

    // The effective rights of `p` on an object with `placement`: a mask of Right. Units are
    // readable by every principal (the Aktenplan itself is not confidential); everything
    // else needs a grant. kNotFound when the unit does not exist.
    Result<uint32_t> RightsAt(const Principal& p, const Placement& placement) const;

    // The rights of `p` on `o`: RightsAt its placement, plus kRightRead on every unit.
    Result<Access> AccessTo(const Principal& p, const Objekt& o) const;

    // Where `o` is filed. Loads (and caches) the containers above it.
    Result<Placement> PlacementOf(const Objekt& o) const;

    // What `p` may read, for search filters.
    Result<Visibility> VisibilityFor(const Principal& p) const;

    // The grants on one unit, by subject.
    std::vector<Grant> GrantsOn(std::string_view einheit_id) const;

    // Creates or replaces the grant of `grant.subjekt` on `grant.einheit_id` (audited), or
    // removes it when it has neither roles nor a deny. `actor` needs kRightAdminister on the
    // unit. kNotFound for an unknown unit, user or group; kInvalidArgument for a subject that
    // is not "benutzer:NAME" or "gruppe:NAME", or a unit id of another kind of object.
    Status SetGrant(const Principal& actor, Grant grant);

    // Cache invalidation, called by the services that change what the caches depend on.
    // The shape of the tree changed (a move) or an Akte's Vertraulichkeit changed.
    void TreeChanged();
    // Users or group memberships changed.
    void PrincipalsChanged();

    // Where refused grant changes are queued for the audit trail. Set once, before use.
    void SetAuditQueue(AuditQueue* queue) { audit_ = queue; }

  private:
    struct Snapshot;  // the grant table, immutable once published

    std::shared_ptr<const Snapshot> snapshot() const;
    Result<std::vector<std::string>> UnitChain(std::string_view einheit_id) const;
    Result<std::vector<std::string>> SubjectsOf(const Principal& p) const;
    Result<RightsByLevel> Effective(const Principal& p, const std::vector<std::string>& chain,
                                    const std::vector<std::string>& subjects,
                                    const Snapshot& snap) const;
    Result<RightsByLevel> CachedEffective(const Principal& p, std::string_view einheit_id) const;
    Result<Placement> PlacementOfId(std::string_view id, size_t depth) const;
    Status CheckSubject(const std::string& subjekt) const;

    storage::MetadataStore* store_;
    const Clock* clock_;
    AuditQueue* audit_ = nullptr;

    mutable std::mutex mu_;
    std::shared_ptr<const Snapshot> snapshot_;  // guarded by mu_
    // Bumped (and the caches cleared) on every change; a value computed while the
    // generation moved is not cached.
    uint64_t generation_ = 0;                                                     // guarded by mu_
    mutable std::unordered_map<std::string, std::string> unit_parent_;            // guarded by mu_
    mutable std::unordered_map<std::string, Placement> placements_;               // guarded by mu_
    mutable std::unordered_map<std::string, RightsByLevel> effective_;            // guarded by mu_
    mutable std::unordered_map<std::string, std::vector<std::string>> subjects_;  // guarded
};

}  // namespace aktenwerk::dms
