// Rule changes run as one transaction: the rule record, the recomputed due dates and the
// audit entry.
#include "retention/retention_service.h"

#include "dms/audit.h"
#include "dms/objekt_io.h"
#include "dms/validation.h"
#include "retention/keys.h"
#include "storage/codec.h"

namespace aktenwerk::retention {

using nlohmann::json;

namespace {

template <typename Reader>
Result<Aufbewahrung> Read(const Reader& reader, const dms::Objekt& o) {
    Aufbewahrung a;
    if (o.kind == dms::Kind::kAktenplaneinheit || o.kind == dms::Kind::kAkte) {
        AKTENWERK_ASSIGN_OR_RETURN(a.eigene, ReadRegel(reader, o.id));
    }
    AKTENWERK_ASSIGN_OR_RETURN(a.wirksam, EffectiveRegel(reader, o));
    AKTENWERK_ASSIGN_OR_RETURN(a.faelligkeit, LookupFaelligkeit(reader, o.id));
    return a;
}

}  // namespace

json ToJson(const Aufbewahrung& a) {
    return {{"eigene_regel", a.eigene ? ToJson(*a.eigene) : json()},
            {"wirksame_regel", a.wirksam ? ToJson(*a.wirksam) : json()},
            {"faelligkeit", a.faelligkeit ? ToJson(*a.faelligkeit) : json()}};
}

Result<Aufbewahrung> RetentionService::SetRegel(const dms::Principal& p, std::string_view objekt_id,
                                                const Regel& regel, std::string_view grund) {
    return Change(p, objekt_id, regel, grund);
}

Result<Aufbewahrung> RetentionService::ClearRegel(const dms::Principal& p,
                                                  std::string_view objekt_id,
                                                  std::string_view grund) {
    return Change(p, objekt_id, std::nullopt, grund);
}

Result<Aufbewahrung> RetentionService::Change(const dms::Principal& p, std::string_view objekt_id,
                                              const std::optional<Regel>& regel,
                                              std::string_view grund) {
    // The Registrator role (the Aktenplan right) on the unit or Akte.
    AKTENWERK_RETURN_IF_ERROR(repo_->LoadAuthorized(p, objekt_id, dms::kRightPlan).status());
    if (regel && regel->frist.jahre && *regel->frist.jahre > kMaxJahre) {
        return InvalidArgumentError("the retention period may be at most " +
                                    std::to_string(kMaxJahre) + " years");
    }
    Aufbewahrung result;
    Status s = repo_->metadata().Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto o, dms::LoadObjekt(txn, objekt_id));
        if (o.kind != dms::Kind::kAktenplaneinheit && o.kind != dms::Kind::kAkte) {
            return InvalidArgumentError("retention rules sit on Aktenplaneinheiten and Akten; a " +
                                            std::string(dms::KindName(o.kind)) +
                                            " follows its Akte",
                                        "wrong-kind");
        }
        AKTENWERK_RETURN_IF_ERROR(dms::CheckText(
            "grund", grund, 2000, /*required=*/o.kind == dms::Kind::kAkte, /*multiline=*/true));
        AKTENWERK_ASSIGN_OR_RETURN(auto before, ReadRegel(txn, o.id));
        if (!regel && !before) {
            return NotFoundError(dms::Bezeichnung(o) + " has no retention rule of its own");
        }
        const int64_t now = repo_->clock().NowMillis();
        json nachher;
        if (regel) {
            GesetzteRegel gesetzt{*regel, std::string(grund), p.name, now};
            txn.Put(keys::Regel(o.id), storage::EncodeValue(ToJson(gesetzt)));
            nachher = ToJson(gesetzt);
        } else {
            txn.Delete(keys::Regel(o.id));
        }
        if (o.kind == dms::Kind::kAktenplaneinheit) {
            AKTENWERK_RETURN_IF_ERROR(UpdateUnitFaelligkeiten(txn, o));
        } else {
            AKTENWERK_RETURN_IF_ERROR(UpdateSubtreeFaelligkeiten(txn, o));
        }
        AKTENWERK_RETURN_IF_ERROR(dms::AppendAudit(
            txn, now, p.name, o.id, regel ? "aufbewahrung-festgelegt" : "aufbewahrung-aufgehoben",
            before ? ToJson(*before) : json(),
            regel ? nachher : json{{"grund", std::string(grund)}}));
        AKTENWERK_ASSIGN_OR_RETURN(result, Read(txn, o));
        return Status::Ok();
    });
    if (!s.ok()) return s.WithContext("retention rule of " + std::string(objekt_id));
    return result;
}

Result<Aufbewahrung> RetentionService::Get(const dms::Principal& p,
                                           std::string_view objekt_id) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto o, repo_->Get(p, objekt_id));
    return Read(dms::StoreView(repo_->metadata()), o);
}

Result<std::vector<Faelligkeit>> RetentionService::Faellige(const dms::Principal& p,
                                                            std::string_view einheit_id,
                                                            const dms::CivilDate& stichtag,
                                                            size_t limit) const {
    if (einheit_id != dms::kRootId) {
        AKTENWERK_ASSIGN_OR_RETURN(auto unit, repo_->Get(p, einheit_id));
        if (unit.kind != dms::Kind::kAktenplaneinheit) {
            return InvalidArgumentError("the subtree must be an Aktenplaneinheit", "wrong-kind");
        }
    }
    const dms::StoreView view(repo_->metadata());
    if (p.admin) return DueOn(view, einheit_id, stichtag, limit);
    // Only what the caller may see is listed: the whole due set is read and filtered, since
    // the rights are not in the due-date index.
    AKTENWERK_ASSIGN_OR_RETURN(auto due, DueOn(view, einheit_id, stichtag, 0));
    std::vector<Faelligkeit> out;
    for (auto& f : due) {
        if (limit != 0 && out.size() >= limit) break;
        auto o = dms::LoadObjekt(view, f.objekt_id);
        if (!o.ok()) continue;
        auto access = repo_->access().AccessTo(p, *o);
        if (access.ok() && (access->rights & dms::kRightRead) != 0) out.push_back(std::move(f));
    }
    return out;
}

}  // namespace aktenwerk::retention
