// The rights model and its caches.
#include "dms/access_control.h"

#include <algorithm>
#include <map>
#include <set>
#include <unordered_set>

#include "dms/audit.h"
#include "dms/keys.h"
#include "storage/codec.h"

namespace aktenwerk::dms {
namespace {

using nlohmann::json;

constexpr size_t kMaxDepth = 64;
// Past this many entries a cache is cleared rather than grown: the working set of a
// records office (its users times their units, its open Akten) fits well below it.
constexpr size_t kMaxCacheEntries = 200'000;

json GrantJson(const Grant& g) {
    json rollen = json::array();
    for (Role r : g.rollen) rollen.push_back(RoleName(r));
    return {{"einheit_id", g.einheit_id},    {"subjekt", g.subjekt},
            {"rollen", std::move(rollen)},   {"bis_stufe", kLevelNames[g.bis_stufe]},
            {"verweigert", g.verweigert},    {"geaendert_von", g.geaendert_von},
            {"geaendert_am", g.geaendert_am}};
}

Result<Grant> GrantFromJson(const json& j) {
    if (!j.is_object()) return CorruptionError("grant record is not an object");
    Grant g;
    g.einheit_id = j.value("einheit_id", "");
    g.subjekt = j.value("subjekt", "");
    for (const auto& r : j.value("rollen", json::array())) {
        auto role = r.is_string() ? ParseRole(r.get<std::string>()) : std::nullopt;
        if (!role) return CorruptionError("grant record names an unknown role");
        g.rollen.push_back(*role);
    }
    auto stufe = ParseLevel(j.value("bis_stufe", "offen"));
    if (!stufe) return CorruptionError("grant record names an unknown level");
    g.bis_stufe = *stufe;
    g.verweigert = j.value("verweigert", false);
    g.geaendert_von = j.value("geaendert_von", "");
    g.geaendert_am = j.value("geaendert_am", int64_t{0});
    return g;
}

Result<Objekt> LoadObjekt(const storage::MetadataStore& store, std::string_view id) {
    if (id.empty() || id.size() > 64)
        return NotFoundError("object " + std::string(id) + " not found");
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, store.Get(keys::Objekt(id)));
    if (!raw) return NotFoundError("object " + std::string(id) + " not found");
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    return ObjektFromJson(j);
}

size_t OwnLevel(const Objekt& o) {
    if (o.kind != Kind::kAkte) return 0;
    return ParseLevel(o.vertraulichkeit).value_or(kLevels - 1);
}

template <typename Map>
void Bound(Map& map) {
    if (map.size() >= kMaxCacheEntries) map.clear();
}

}  // namespace

json ToJson(const Grant& g) { return GrantJson(g); }

struct AccessControl::Snapshot {
    std::unordered_map<std::string, std::vector<Grant>> by_unit;
    std::unordered_map<std::string, std::vector<std::string>> units_by_subject;
};

AccessControl::AccessControl(storage::MetadataStore* store, const Clock* clock)
    : store_(store), clock_(clock), snapshot_(std::make_shared<Snapshot>()) {}

Status AccessControl::Load() {
    auto snap = std::make_shared<Snapshot>();
    Status decode;
    AKTENWERK_RETURN_IF_ERROR(store_->Scan(keys::kGrantPrefix, "", 0, [&](auto, auto value) {
        auto j = storage::DecodeValue(value);
        auto g = j.ok() ? GrantFromJson(*j) : Result<Grant>(j.status());
        if (!g.ok()) {
            decode = g.status();
            return false;
        }
        snap->units_by_subject[g->subjekt].push_back(g->einheit_id);
        snap->by_unit[g->einheit_id].push_back(std::move(g).value());
        return true;
    }));
    AKTENWERK_RETURN_IF_ERROR(decode);
    std::lock_guard lock(mu_);
    snapshot_ = std::move(snap);
    ++generation_;
    effective_.clear();
    return Status::Ok();
}

std::shared_ptr<const AccessControl::Snapshot> AccessControl::snapshot() const {
    std::lock_guard lock(mu_);
    return snapshot_;
}

void AccessControl::TreeChanged() {
    std::lock_guard lock(mu_);
    ++generation_;
    unit_parent_.clear();
    placements_.clear();
    effective_.clear();
}

void AccessControl::PrincipalsChanged() {
    std::lock_guard lock(mu_);
    ++generation_;
    subjects_.clear();
    effective_.clear();
}

Result<std::vector<std::string>> AccessControl::UnitChain(std::string_view einheit_id) const {
    std::vector<std::string> chain;
    std::string current(einheit_id);
    for (size_t depth = 0; depth < kMaxDepth; ++depth) {
        if (current == kRootId) return chain;
        chain.push_back(current);
        std::optional<std::string> parent;
        uint64_t generation = 0;
        {
            std::lock_guard lock(mu_);
            generation = generation_;
            if (auto it = unit_parent_.find(current); it != unit_parent_.end()) parent = it->second;
        }
        if (!parent) {
            AKTENWERK_ASSIGN_OR_RETURN(auto unit, LoadObjekt(*store_, current));
            if (unit.kind != Kind::kAktenplaneinheit) {
                return InvalidArgumentError(current + " is not an Aktenplaneinheit");
            }
            parent = unit.parent_id;
            std::lock_guard lock(mu_);
            if (generation == generation_) {
                Bound(unit_parent_);
                unit_parent_[current] = *parent;
            }
        }
        current = *parent;
    }
    return CorruptionError("Aktenplan deeper than " + std::to_string(kMaxDepth) + " levels");
}

Result<std::vector<std::string>> AccessControl::SubjectsOf(const Principal& p) const {
    {
        std::lock_guard lock(mu_);
        if (auto it = subjects_.find(p.name); it != subjects_.end()) return it->second;
    }
    uint64_t generation = 0;
    {
        std::lock_guard lock(mu_);
        generation = generation_;
    }
    std::vector<std::string> subjects = {"benutzer:" + p.name};
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, store_->Get(keys::User(p.name)));
    if (raw) {
        AKTENWERK_ASSIGN_OR_RETURN(auto user, storage::DecodeValue(*raw));
        for (const auto& g : user.value("gruppen", json::array())) {
            if (g.is_string()) subjects.push_back("gruppe:" + g.get<std::string>());
        }
    }
    std::lock_guard lock(mu_);
    if (generation == generation_) {
        Bound(subjects_);
        subjects_[p.name] = subjects;
    }
    return subjects;
}

// Walks from the unit up to the top. At each unit the grants of the principal's subjects
// add their roles, unless a deny further down has cut that subject off; a deny on a unit
// takes effect for the units above it only, so that a closed-off unit can grant its own
// people again.
Result<RightsByLevel> AccessControl::Effective(const Principal& p,
                                               const std::vector<std::string>& chain,
                                               const std::vector<std::string>& subjects,
                                               const Snapshot& snap) const {
    const bool owner_admin = p.admin || (p.token && p.token->owner_admin);
    RightsByLevel result;
    if (owner_admin) {
        result = RightsByLevel::All();
    } else {
        std::set<std::string> blocked;
        for (const auto& unit : chain) {
            auto it = snap.by_unit.find(unit);
            if (it == snap.by_unit.end()) continue;
            for (const auto& g : it->second) {
                if (blocked.count(g.subjekt) != 0 ||
                    std::find(subjects.begin(), subjects.end(), g.subjekt) == subjects.end()) {
                    continue;
                }
                uint32_t mask = 0;
                for (Role r : g.rollen) mask |= RightsOf(r);
                for (size_t level = 0; level <= g.bis_stufe && level < kLevels; ++level) {
                    result.rights[level] |= mask;
                }
            }
            for (const auto& g : it->second) {
                if (g.verweigert) blocked.insert(g.subjekt);
            }
        }
    }
    if (p.token) {
        const bool in_scope =
            std::find(chain.begin(), chain.end(), p.token->einheit_id) != chain.end();
        for (auto& r : result.rights) r = in_scope ? (r & p.token->rights) : 0;
    }
    return result;
}

Result<RightsByLevel> AccessControl::CachedEffective(const Principal& p,
                                                     std::string_view einheit_id) const {
    if (p.admin) return RightsByLevel::All();
    std::string key = (p.token ? "t:" + p.token->token_id : std::string("u:")) + "\n" + p.name +
                      "\n" + std::string(einheit_id);
    uint64_t generation = 0;
    std::shared_ptr<const Snapshot> snap;
    {
        std::lock_guard lock(mu_);
        if (auto it = effective_.find(key); it != effective_.end()) return it->second;
        generation = generation_;
        snap = snapshot_;
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto chain, UnitChain(einheit_id));
    AKTENWERK_ASSIGN_OR_RETURN(auto subjects, SubjectsOf(p));
    AKTENWERK_ASSIGN_OR_RETURN(auto rights, Effective(p, chain, subjects, *snap));
    std::lock_guard lock(mu_);
    if (generation == generation_) {
        Bound(effective_);
        effective_[key] = rights;
    }
    return rights;
}

Result<uint32_t> AccessControl::RightsAt(const Principal& p, const Placement& placement) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto rights, CachedEffective(p, placement.einheit_id));
    return rights.at(placement.stufe);
}

Result<Access> AccessControl::AccessTo(const Principal& p, const Objekt& o) const {
    Access access;
    AKTENWERK_ASSIGN_OR_RETURN(access.placement, PlacementOf(o));
    AKTENWERK_ASSIGN_OR_RETURN(access.rights, RightsAt(p, access.placement));
    if (o.kind == Kind::kAktenplaneinheit) access.rights |= kRightRead;
    return access;
}

Result<Placement> AccessControl::PlacementOfId(std::string_view id, size_t depth) const {
    if (depth > kMaxDepth) {
        return CorruptionError("object tree deeper than " + std::to_string(kMaxDepth) + " levels");
    }
    uint64_t generation = 0;
    {
        std::lock_guard lock(mu_);
        if (auto it = placements_.find(std::string(id)); it != placements_.end()) {
            return it->second;
        }
        generation = generation_;
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto o, LoadObjekt(*store_, id));
    Placement placement{o.id, 0};
    if (o.kind != Kind::kAktenplaneinheit) {
        if (o.parent_id == kRootId) return CorruptionError(o.id + " lies outside the Aktenplan");
        AKTENWERK_ASSIGN_OR_RETURN(placement, PlacementOfId(o.parent_id, depth + 1));
        placement.stufe = std::max(placement.stufe, OwnLevel(o));
    }
    std::lock_guard lock(mu_);
    if (generation == generation_) {
        Bound(placements_);
        placements_[std::string(id)] = placement;
    }
    return placement;
}

Result<Placement> AccessControl::PlacementOf(const Objekt& o) const {
    if (o.kind == Kind::kAktenplaneinheit) return Placement{o.id, 0};
    if (o.parent_id == kRootId) return CorruptionError(o.id + " lies outside the Aktenplan");
    AKTENWERK_ASSIGN_OR_RETURN(auto placement, PlacementOfId(o.parent_id, 1));
    placement.stufe = std::max(placement.stufe, OwnLevel(o));
    return placement;
}

// The effective rights only change at units where one of the principal's subjects holds a
// grant or a deny (and at a token's scope). Each such unit starts a clause that reaches
// down to the next such units, which are excluded from it and start clauses of their own.
Result<Visibility> AccessControl::VisibilityFor(const Principal& p) const {
    Visibility out;
    if (p.admin) {
        out.alles = true;
        return out;
    }
    auto snap = snapshot();
    AKTENWERK_ASSIGN_OR_RETURN(auto subjects, SubjectsOf(p));
    std::set<std::string> points;
    if (p.token) points.insert(p.token->einheit_id);
    if (!p.token || !p.token->owner_admin) {
        for (const auto& s : subjects) {
            auto it = snap->units_by_subject.find(s);
            if (it != snap->units_by_subject.end())
                points.insert(it->second.begin(), it->second.end());
        }
    }
    std::map<std::string, VisibilityClause> clauses;
    std::map<std::string, std::string> nearest_above;  // change point -> nearest one above
    for (const auto& point : points) {
        auto chain = UnitChain(point);
        if (!chain.ok()) {
            if (chain.status().code() == StatusCode::kNotFound) continue;  // a stale grant
            return chain.status();
        }
        for (size_t i = 1; i < chain->size(); ++i) {
            if (points.count((*chain)[i]) != 0) {
                nearest_above[point] = (*chain)[i];
                break;
            }
        }
        AKTENWERK_ASSIGN_OR_RETURN(auto rights, CachedEffective(p, point));
        if (!rights.Has(0, kRightRead)) continue;
        VisibilityClause clause{point, {}, 0};
        for (size_t level = 0; level < kLevels && rights.Has(level, kRightRead); ++level) {
            clause.bis_stufe = level;
        }
        clauses[point] = std::move(clause);
    }
    for (const auto& [point, above] : nearest_above) {
        if (auto it = clauses.find(above); it != clauses.end())
            it->second.ausgenommen.push_back(point);
    }
    for (auto& [point, clause] : clauses) out.klauseln.push_back(std::move(clause));
    return out;
}

std::vector<Grant> AccessControl::GrantsOn(std::string_view einheit_id) const {
    auto snap = snapshot();
    auto it = snap->by_unit.find(std::string(einheit_id));
    if (it == snap->by_unit.end()) return {};
    auto grants = it->second;
    std::sort(grants.begin(), grants.end(),
              [](const Grant& a, const Grant& b) { return a.subjekt < b.subjekt; });
    return grants;
}

Status AccessControl::CheckSubject(const std::string& subjekt) const {
    std::string key;
    if (subjekt.rfind("benutzer:", 0) == 0) {
        key = keys::User(subjekt.substr(9));
    } else if (subjekt.rfind("gruppe:", 0) == 0) {
        key = keys::Group(subjekt.substr(7));
    } else {
        return InvalidArgumentError("the subject must be benutzer:NAME or gruppe:NAME");
    }
    if (subjekt.size() > 80 || subjekt.find('/') != std::string::npos) {
        return InvalidArgumentError("the subject names no user or group");
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, store_->Get(key));
    if (!raw) return NotFoundError("no " + subjekt);
    return Status::Ok();
}

Status AccessControl::SetGrant(const Principal& actor, Grant grant) {
    AKTENWERK_RETURN_IF_ERROR(CheckSubject(grant.subjekt));
    AKTENWERK_ASSIGN_OR_RETURN(auto unit, LoadObjekt(*store_, grant.einheit_id));
    if (unit.kind != Kind::kAktenplaneinheit) {
        return InvalidArgumentError("roles are granted on Aktenplaneinheiten only", "wrong-kind");
    }
    grant.bis_stufe = std::min(grant.bis_stufe, kLevels - 1);
    AKTENWERK_ASSIGN_OR_RETURN(auto rights, CachedEffective(actor, unit.id));
    if (!rights.Has(grant.bis_stufe, kRightAdminister)) {
        if (audit_) audit_->Refusal(clock_->NowMillis(), actor, unit.id, "berechtigung-setzen");
        return PermissionDeniedError("granting roles on " + unit.kennzeichen +
                                     " needs the role administrator there, up to level " +
                                     std::string(kLevelNames[grant.bis_stufe]));
    }
    std::sort(grant.rollen.begin(), grant.rollen.end());
    grant.rollen.erase(std::unique(grant.rollen.begin(), grant.rollen.end()), grant.rollen.end());
    const bool remove = grant.rollen.empty() && !grant.verweigert;
    grant.geaendert_von = actor.name;
    grant.geaendert_am = clock_->NowMillis();
    const std::string key = keys::Grant(grant.einheit_id, grant.subjekt);
    AKTENWERK_RETURN_IF_ERROR(store_->Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto existing, txn.Get(key));
        json before = nullptr;
        if (existing) {
            AKTENWERK_ASSIGN_OR_RETURN(before, storage::DecodeValue(*existing));
        }
        if (remove) {
            txn.Delete(key);
        } else {
            txn.Put(key, storage::EncodeValue(GrantJson(grant)));
        }
        return AppendAudit(txn, grant.geaendert_am, actor.name, grant.einheit_id,
                           remove ? "berechtigung-entfernt" : "berechtigung-gesetzt",
                           std::move(before), remove ? json(nullptr) : GrantJson(grant));
    }));
    return Load();
}

}  // namespace aktenwerk::dms
