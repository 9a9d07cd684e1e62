// Holds: records, indexes and the checks the changing paths call inside their transactions.
#include "dms/holds.h"

#include <algorithm>
#include <set>

#include "dms/audit.h"
#include "dms/keys.h"
#include "dms/objekt_io.h"
#include "dms/repository.h"
#include "dms/uuid.h"
#include "dms/validation.h"
#include "storage/codec.h"

namespace aktenwerk::dms {
namespace {

using nlohmann::json;

std::string GetString(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <typename Reader>
Result<Sperre> LoadSperre(const Reader& reader, std::string_view id) {
    if (id.empty() || id.size() > 64) return NotFoundError("no hold " + std::string(id));
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, reader.Get(keys::Sperre(id)));
    if (!raw) return NotFoundError("no hold " + std::string(id));
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    return SperreFromJson(j);
}

// The active holds placed on `objekt_id` itself.
template <typename Reader>
Result<std::vector<Sperre>> HoldsOn(const Reader& txn, std::string_view objekt_id) {
    std::vector<std::string> ids;
    const std::string prefix = keys::ObjektSperrePrefix(objekt_id);
    AKTENWERK_RETURN_IF_ERROR(txn.Scan(prefix, "", [&](std::string_view key, std::string_view) {
        ids.emplace_back(key.substr(prefix.size()));
        return true;
    }));
    std::vector<Sperre> out;
    for (const auto& id : ids) {
        AKTENWERK_ASSIGN_OR_RETURN(auto s, LoadSperre(txn, id));
        out.push_back(std::move(s));
    }
    return out;
}

// The ids of `o`'s ancestors, nearest first, up to the Aktenplan root.
template <typename Reader>
Result<std::vector<std::string>> AncestorIds(const Reader& txn, const Objekt& o) {
    std::vector<std::string> out;
    std::string parent = o.parent_id;
    for (size_t depth = 0; depth < kTreeWalkLimit; ++depth) {
        if (parent.empty() || parent == kRootId) return out;
        out.push_back(parent);
        AKTENWERK_ASSIGN_OR_RETURN(auto p, LoadObjekt(txn, parent));
        parent = p.parent_id;
    }
    return CorruptionError("object tree deeper than " + std::to_string(kTreeWalkLimit) + " levels");
}

Status Held(const Sperre& s, const Objekt& o, std::string_view what) {
    std::string where = s.objekt_id == o.id ? std::string("it") : s.objekt_bezeichnung;
    return FailedPreconditionError("cannot " + std::string(what) + " " + Bezeichnung(o) + ": " +
                                       where + " is under hold " + s.id + " (" +
                                       s.anordnende_stelle + ": " + s.grund + ")",
                                   "held");
}

// Whether `p` may see `o`, without an audit entry: lists leave out what the caller may not
// read instead of refusing the whole list.
bool MaySee(const Repository& repo, const Principal& p, const Objekt& o) {
    auto access = repo.access().AccessTo(p, o);
    return access.ok() && (access->rights & kRightRead) != 0;
}

}  // namespace

json ToJson(const Sperre& s) {
    json j = {{"id", s.id},
              {"objekt_id", s.objekt_id},
              {"objekt_typ", KindName(s.objekt_typ)},
              {"objekt_bezeichnung", s.objekt_bezeichnung},
              {"grund", s.grund},
              {"anordnende_stelle", s.anordnende_stelle},
              {"aktenzeichen_anordnung", s.aktenzeichen_anordnung},
              {"gesetzt_von", s.gesetzt_von},
              {"gesetzt_am", FormatTimestamp(s.gesetzt_am)},
              {"gesetzt_am_ms", s.gesetzt_am},
              {"aktiv", s.aktiv}};
    if (!s.aktiv) {
        j["aufgehoben_von"] = s.aufgehoben_von;
        j["aufgehoben_am"] = FormatTimestamp(s.aufgehoben_am);
        j["aufgehoben_am_ms"] = s.aufgehoben_am;
        j["aufhebungsgrund"] = s.aufhebungsgrund;
    }
    return j;
}

Result<Sperre> SperreFromJson(const json& j) {
    if (!j.is_object()) return CorruptionError("hold record is not an object");
    Sperre s;
    s.id = GetString(j, "id");
    s.objekt_id = GetString(j, "objekt_id");
    auto kind = ParseKind(GetString(j, "objekt_typ"));
    if (s.id.empty() || s.objekt_id.empty() || !kind) return CorruptionError("hold incomplete");
    s.objekt_typ = *kind;
    s.objekt_bezeichnung = GetString(j, "objekt_bezeichnung");
    s.grund = GetString(j, "grund");
    s.anordnende_stelle = GetString(j, "anordnende_stelle");
    s.aktenzeichen_anordnung = GetString(j, "aktenzeichen_anordnung");
    s.gesetzt_von = GetString(j, "gesetzt_von");
    s.gesetzt_am = j.value("gesetzt_am_ms", int64_t{0});
    s.aktiv = j.value("aktiv", true);
    s.aufgehoben_von = GetString(j, "aufgehoben_von");
    s.aufgehoben_am = j.value("aufgehoben_am_ms", int64_t{0});
    s.aufhebungsgrund = GetString(j, "aufhebungsgrund");
    return s;
}

template <typename Reader>
Result<std::vector<Sperre>> HoldsCovering(const Reader& txn, const Objekt& o) {
    AKTENWERK_ASSIGN_OR_RETURN(auto out, HoldsOn(txn, o.id));
    AKTENWERK_ASSIGN_OR_RETURN(auto ancestors, AncestorIds(txn, o));
    for (const auto& id : ancestors) {
        AKTENWERK_ASSIGN_OR_RETURN(auto on, HoldsOn(txn, id));
        for (auto& s : on) out.push_back(std::move(s));
    }
    return out;
}

template <typename Reader>
Result<std::vector<Sperre>> HoldsBelow(const Reader& txn, const Objekt& o) {
    std::vector<std::pair<std::string, std::string>> active;  // hold id, held object id
    AKTENWERK_RETURN_IF_ERROR(
        txn.Scan(keys::kAktiveSperrePrefix, "", [&](std::string_view key, std::string_view value) {
            active.emplace_back(key.substr(keys::kAktiveSperrePrefix.size()), value);
            return true;
        }));
    std::vector<Sperre> out;
    for (const auto& [sperre_id, objekt_id] : active) {
        if (objekt_id == o.id) continue;
        auto held = LoadObjekt(txn, objekt_id);
        if (!held.ok()) {
            // A hold on a record that no longer exists protects nothing; it cannot happen
            // through the service (destruction checks holds), so it is corruption.
            if (held.status().code() == StatusCode::kNotFound) continue;
            return held.status();
        }
        AKTENWERK_ASSIGN_OR_RETURN(auto ancestors, AncestorIds(txn, *held));
        if (std::find(ancestors.begin(), ancestors.end(), o.id) == ancestors.end()) continue;
        AKTENWERK_ASSIGN_OR_RETURN(auto s, LoadSperre(txn, sperre_id));
        out.push_back(std::move(s));
    }
    return out;
}

template Result<std::vector<Sperre>> HoldsCovering(const storage::Txn&, const Objekt&);
template Result<std::vector<Sperre>> HoldsCovering(const StoreView&, const Objekt&);
template Result<std::vector<Sperre>> HoldsBelow(const storage::Txn&, const Objekt&);
template Result<std::vector<Sperre>> HoldsBelow(const StoreView&, const Objekt&);

template <typename Reader>
Status CheckNotHeld(const Reader& txn, const Objekt& o, std::string_view what) {
    AKTENWERK_ASSIGN_OR_RETURN(auto covering, HoldsCovering(txn, o));
    if (!covering.empty()) return Held(covering.front(), o, what);
    AKTENWERK_ASSIGN_OR_RETURN(auto below, HoldsBelow(txn, o));
    if (!below.empty()) return Held(below.front(), o, what);
    return Status::Ok();
}

template Status CheckNotHeld(const storage::Txn&, const Objekt&, std::string_view);
template Status CheckNotHeld(const StoreView&, const Objekt&, std::string_view);

Status CheckMoveKeepsHolds(const storage::Txn& txn, const Objekt& o,
                           std::string_view new_parent_id) {
    AKTENWERK_ASSIGN_OR_RETURN(auto ancestors, AncestorIds(txn, o));
    if (ancestors.empty()) return Status::Ok();
    // The new place and its ancestors: a hold on any of them still covers the object.
    std::set<std::string> still_covering;
    if (!new_parent_id.empty() && new_parent_id != kRootId) {
        still_covering.insert(std::string(new_parent_id));
        AKTENWERK_ASSIGN_OR_RETURN(auto target, LoadObjekt(txn, new_parent_id));
        AKTENWERK_ASSIGN_OR_RETURN(auto above, AncestorIds(txn, target));
        still_covering.insert(above.begin(), above.end());
    }
    for (const auto& id : ancestors) {
        if (still_covering.count(id)) continue;
        AKTENWERK_ASSIGN_OR_RETURN(auto on, HoldsOn(txn, id));
        if (!on.empty()) return Held(on.front(), o, "move out of the scope of a hold:");
    }
    return Status::Ok();
}

Result<Sperre> HoldService::Place(const Principal& p, std::string_view objekt_id,
                                  const SperreAntrag& antrag) {
    // The Registrator role (the hold right) on the object; refusals are audited there.
    AKTENWERK_RETURN_IF_ERROR(repo_->LoadAuthorized(p, objekt_id, kRightHold).status());
    AKTENWERK_RETURN_IF_ERROR(CheckText("grund", antrag.grund, 2000, true, true));
    AKTENWERK_RETURN_IF_ERROR(CheckText("anordnende_stelle", antrag.anordnende_stelle, 500, true));
    AKTENWERK_RETURN_IF_ERROR(
        CheckText("aktenzeichen_anordnung", antrag.aktenzeichen_anordnung, 200, false));
    Sperre s;
    s.id = NewUuid();
    Status committed = repo_->metadata().Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto o, LoadObjekt(txn, objekt_id));
        s.objekt_id = o.id;
        s.objekt_typ = o.kind;
        s.objekt_bezeichnung = Bezeichnung(o);
        s.grund = antrag.grund;
        s.anordnende_stelle = antrag.anordnende_stelle;
        s.aktenzeichen_anordnung = antrag.aktenzeichen_anordnung;
        s.gesetzt_von = p.name;
        s.gesetzt_am = repo_->clock().NowMillis();
        txn.Put(keys::Sperre(s.id), storage::EncodeValue(ToJson(s)));
        txn.Put(keys::AktiveSperre(s.id), o.id);
        txn.Put(keys::ObjektSperre(o.id, s.id), "");
        return AppendAudit(txn, s.gesetzt_am, p.name, o.id, "sperre-gesetzt", nullptr, ToJson(s));
    });
    if (!committed.ok()) return committed.WithContext("place hold on " + std::string(objekt_id));
    return s;
}

Result<Sperre> HoldService::Release(const Principal& p, std::string_view sperre_id,
                                    std::string_view grund) {
    {
        AKTENWERK_ASSIGN_OR_RETURN(auto held, LoadSperre(repo_->metadata(), sperre_id));
        AKTENWERK_RETURN_IF_ERROR(repo_->LoadAuthorized(p, held.objekt_id, kRightHold).status());
    }
    AKTENWERK_RETURN_IF_ERROR(CheckText("grund", grund, 2000, true, true));
    Sperre s;
    // Releasing frees nothing on disk, but it must work on a full disk: a hold that cannot be
    // released would block the destruction that frees space.
    Status committed = repo_->metadata().Commit(
        [&](storage::Txn& txn) -> Status {
            AKTENWERK_ASSIGN_OR_RETURN(s, LoadSperre(txn, sperre_id));
            if (!s.aktiv) {
                return FailedPreconditionError("hold " + s.id + " was released already",
                                               "not-active");
            }
            const json before = ToJson(s);
            s.aktiv = false;
            s.aufgehoben_von = p.name;
            s.aufgehoben_am = repo_->clock().NowMillis();
            s.aufhebungsgrund = std::string(grund);
            txn.Put(keys::Sperre(s.id), storage::EncodeValue(ToJson(s)));
            txn.Delete(keys::AktiveSperre(s.id));
            txn.Delete(keys::ObjektSperre(s.objekt_id, s.id));
            return AppendAudit(txn, s.aufgehoben_am, p.name, s.objekt_id, "sperre-aufgehoben",
                               before, ToJson(s));
        },
        storage::Room::kMayUseReserve);
    if (!committed.ok()) return committed.WithContext("release hold " + std::string(sperre_id));
    return s;
}

Result<Sperre> HoldService::Get(const Principal& p, std::string_view sperre_id) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto s, LoadSperre(repo_->metadata(), sperre_id));
    // A hold on something the caller may not see does not exist for it. Released holds may
    // outlive their object (a later Aussonderung); those stay for administrators.
    auto o = LoadObjekt(StoreView(repo_->metadata()), s.objekt_id);
    if (o.ok() ? !MaySee(*repo_, p, *o) : !p.admin) {
        return NotFoundError("no hold " + std::string(sperre_id));
    }
    return s;
}

Result<std::vector<Sperre>> HoldService::List(const Principal& p, bool nur_aktive,
                                              std::optional<std::string> objekt_id,
                                              size_t limit) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto all, ListUnfiltered(nur_aktive, std::move(objekt_id), limit));
    if (p.admin) return all;
    const StoreView view(repo_->metadata());
    std::vector<Sperre> out;
    for (auto& s : all) {
        auto o = LoadObjekt(view, s.objekt_id);
        if (o.ok() && MaySee(*repo_, p, *o)) out.push_back(std::move(s));
    }
    return out;
}

Result<std::vector<Sperre>> HoldService::ListUnfiltered(bool nur_aktive,
                                                        std::optional<std::string> objekt_id,
                                                        size_t limit) const {
    std::vector<std::string> ids;
    const storage::MetadataStore& store = repo_->metadata();
    if (objekt_id && nur_aktive) {
        const std::string prefix = keys::ObjektSperrePrefix(*objekt_id);
        AKTENWERK_RETURN_IF_ERROR(store.Scan(prefix, "", limit, [&](std::string_view key, auto) {
            ids.emplace_back(key.substr(prefix.size()));
            return true;
        }));
    } else if (nur_aktive) {
        AKTENWERK_RETURN_IF_ERROR(
            store.Scan(keys::kAktiveSperrePrefix, "", limit, [&](std::string_view key, auto) {
                ids.emplace_back(key.substr(keys::kAktiveSperrePrefix.size()));
                return true;
            }));
    } else {
        Status decode;
        std::vector<Sperre> out;
        AKTENWERK_RETURN_IF_ERROR(
            store.Scan(keys::kSperrePrefix, "", 0, [&](auto, std::string_view value) {
                auto j = storage::DecodeValue(value);
                auto s = j.ok() ? SperreFromJson(*j) : Result<Sperre>(j.status());
                if (!s.ok()) {
                    decode = s.status();
                    return false;
                }
                if (!objekt_id || s->objekt_id == *objekt_id) out.push_back(std::move(s).value());
                return out.size() < limit;
            }));
        AKTENWERK_RETURN_IF_ERROR(decode);
        return out;
    }
    std::vector<Sperre> out;
    for (const auto& id : ids) {
        AKTENWERK_ASSIGN_OR_RETURN(auto s, LoadSperre(store, id));
        out.push_back(std::move(s));
    }
    return out;
}

Result<std::vector<Sperre>> HoldService::Wirksam(const Principal& p,
                                                 std::string_view objekt_id) const {
    AKTENWERK_RETURN_IF_ERROR(repo_->Get(p, objekt_id).status());
    const StoreView view(repo_->metadata());
    AKTENWERK_ASSIGN_OR_RETURN(auto o, LoadObjekt(view, objekt_id));
    AKTENWERK_ASSIGN_OR_RETURN(auto out, HoldsCovering(view, o));
    AKTENWERK_ASSIGN_OR_RETURN(auto below, HoldsBelow(view, o));
    for (auto& h : below) {
        // What lies below may be closed to the caller (a denied sub-unit, a confidential Akte).
        auto held = LoadObjekt(view, h.objekt_id);
        if (p.admin || (held.ok() && MaySee(*repo_, p, *held))) out.push_back(std::move(h));
    }
    return out;
}

}  // namespace aktenwerk::dms
