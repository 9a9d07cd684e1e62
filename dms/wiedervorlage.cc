// Wiedervorlagen: records, the indexes by object and by user and date, and their removal
// together with the object they are set on.
#include "dms/wiedervorlage.h"

#include <algorithm>

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
Result<Wiedervorlage> LoadWiedervorlage(const Reader& reader, std::string_view id) {
    if (id.empty() || id.size() > 64) return NotFoundError("no Wiedervorlage " + std::string(id));
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, reader.Get(keys::Wiedervorlage(id)));
    if (!raw) return NotFoundError("no Wiedervorlage " + std::string(id));
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    return WiedervorlageFromJson(j);
}

std::string FaelligKey(const Wiedervorlage& w) {
    return keys::Faellig(w.fuer, w.datum.ToString(), w.id);
}

// Deletes the record and both index entries (the due entry exists only while it is open;
// deleting an absent key is harmless).
void EraseInTxn(storage::Txn& txn, const Wiedervorlage& w) {
    txn.Delete(keys::Wiedervorlage(w.id));
    txn.Delete(keys::ObjektWiedervorlage(w.objekt_id, w.id));
    txn.Delete(FaelligKey(w));
}

bool ByDate(const Wiedervorlage& a, const Wiedervorlage& b) {
    if (a.datum != b.datum) return a.datum < b.datum;
    return a.erstellt_am < b.erstellt_am;
}

}  // namespace

json ToJson(const Wiedervorlage& w) {
    json j = {{"id", w.id},
              {"objekt_id", w.objekt_id},
              {"objekt_typ", KindName(w.objekt_typ)},
              {"objekt_bezeichnung", w.objekt_bezeichnung},
              {"objekt_betreff", w.objekt_betreff},
              {"datum", w.datum.ToString()},
              {"fuer", w.fuer},
              {"notiz", w.notiz},
              {"erstellt_von", w.erstellt_von},
              {"erstellt_am", FormatTimestamp(w.erstellt_am)},
              {"erstellt_am_ms", w.erstellt_am},
              {"erledigt", w.erledigt}};
    if (w.erledigt) {
        j["erledigt_von"] = w.erledigt_von;
        j["erledigt_am"] = FormatTimestamp(w.erledigt_am);
        j["erledigt_am_ms"] = w.erledigt_am;
    }
    return j;
}

Result<Wiedervorlage> WiedervorlageFromJson(const json& j) {
    if (!j.is_object()) return CorruptionError("Wiedervorlage record is not an object");
    Wiedervorlage w;
    w.id = GetString(j, "id");
    w.objekt_id = GetString(j, "objekt_id");
    auto kind = ParseKind(GetString(j, "objekt_typ"));
    auto datum = CivilDate::Parse(GetString(j, "datum"));
    if (w.id.empty() || w.objekt_id.empty() || !kind || !datum) {
        return CorruptionError("Wiedervorlage record incomplete");
    }
    w.objekt_typ = *kind;
    w.datum = *datum;
    w.objekt_bezeichnung = GetString(j, "objekt_bezeichnung");
    w.objekt_betreff = GetString(j, "objekt_betreff");
    w.fuer = GetString(j, "fuer");
    w.notiz = GetString(j, "notiz");
    w.erstellt_von = GetString(j, "erstellt_von");
    w.erstellt_am = j.value("erstellt_am_ms", int64_t{0});
    w.erledigt = j.value("erledigt", false);
    w.erledigt_von = GetString(j, "erledigt_von");
    w.erledigt_am = j.value("erledigt_am_ms", int64_t{0});
    return w;
}

Result<Wiedervorlage> WiedervorlageService::Set(const Principal& p, std::string_view objekt_id,
                                                const WiedervorlageAntrag& antrag) {
    AKTENWERK_ASSIGN_OR_RETURN(auto o, repo_->LoadAuthorized(p, objekt_id, kRightRead));
    if (o.kind == Kind::kAktenplaneinheit) {
        return InvalidArgumentError(
            "a Wiedervorlage is set on an Akte, Vorgang or Dokument, not on an "
            "Aktenplaneinheit");
    }
    // The index keys sort dates as text, which holds for the four-digit years Parse accepts.
    if (CivilDate::Parse(antrag.datum.ToString()) != antrag.datum) {
        return InvalidArgumentError("field 'datum' must be a date YYYY-MM-DD");
    }
    const std::string fuer = antrag.fuer.empty() ? p.name : antrag.fuer;
    if (fuer != p.name) AKTENWERK_RETURN_IF_ERROR(CheckRecipient(p, o, fuer));
    AKTENWERK_RETURN_IF_ERROR(
        CheckText("notiz", antrag.notiz, kWiedervorlageNotizMax, false, true));

    Wiedervorlage w;
    w.id = NewUuid();
    w.datum = antrag.datum;
    w.fuer = fuer;
    w.notiz = antrag.notiz;
    w.erstellt_von = p.name;
    Status committed = repo_->metadata().Commit([&](storage::Txn& txn) -> Status {
        // Loaded again inside the transaction: a reminder must not be written for an object
        // removed since the rights check.
        AKTENWERK_ASSIGN_OR_RETURN(auto current, LoadObjekt(txn, objekt_id));
        w.objekt_id = current.id;
        w.objekt_typ = current.kind;
        w.objekt_bezeichnung = Bezeichnung(current);
        w.objekt_betreff = current.betreff;
        w.erstellt_am = repo_->clock().NowMillis();
        txn.Put(keys::Wiedervorlage(w.id), storage::EncodeValue(ToJson(w)));
        txn.Put(keys::ObjektWiedervorlage(w.objekt_id, w.id), "");
        txn.Put(FaelligKey(w), "");
        return AppendAudit(txn, w.erstellt_am, p.name, w.objekt_id, "wiedervorlage-gesetzt",
                           nullptr, ToJson(w));
    });
    if (!committed.ok()) {
        return committed.WithContext("set Wiedervorlage on " + std::string(objekt_id));
    }
    return w;
}

// A reminder for someone else assigns work: the write right, and a recipient who exists, is
// active and can read the object (else it would sit invisibly in their index).
Status WiedervorlageService::CheckRecipient(const Principal& p, const Objekt& o,
                                            const std::string& fuer) const {
    AKTENWERK_RETURN_IF_ERROR(repo_->Authorize(p, o, kRightWrite).status());
    auto recipient = repo_->users().Lookup(fuer);
    if (!recipient.ok()) return InvalidArgumentError("no active user '" + fuer + "'");
    auto access = repo_->access().AccessTo(*recipient, o);
    if (!access.ok() || (access->rights & kRightRead) == 0) {
        return InvalidArgumentError("user " + fuer + " may not read " + Bezeichnung(o));
    }
    return Status::Ok();
}

bool WiedervorlageService::Sees(const Principal& p, const Objekt& o, const Wiedervorlage& w) const {
    if (p.admin || w.fuer == p.name || w.erstellt_von == p.name) return true;
    auto access = repo_->access().AccessTo(p, o);
    return access.ok() && (access->rights & kRightAdminister) != 0;
}

Result<Wiedervorlage> WiedervorlageService::LoadVisible(const Principal& p,
                                                        std::string_view id) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto w, LoadWiedervorlage(repo_->metadata(), id));
    // Through Get, so that showing a confidential object's Betreff is audited like any read
    // of its metadata.
    AKTENWERK_ASSIGN_OR_RETURN(auto o, repo_->Get(p, w.objekt_id));
    if (!Sees(p, o, w)) return NotFoundError("no Wiedervorlage " + std::string(id));
    return w;
}

Result<Wiedervorlage> WiedervorlageService::Get(const Principal& p, std::string_view id) const {
    return LoadVisible(p, id);
}

Result<std::vector<Wiedervorlage>> WiedervorlageService::ForObjekt(
    const Principal& p, std::string_view objekt_id) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto o, repo_->Get(p, objekt_id));
    std::vector<std::string> ids;
    const std::string prefix = keys::ObjektWiedervorlagePrefix(o.id);
    AKTENWERK_RETURN_IF_ERROR(
        repo_->metadata().Scan(prefix, "", 0, [&](std::string_view key, auto) {
            ids.emplace_back(key.substr(prefix.size()));
            return true;
        }));
    std::vector<Wiedervorlage> out;
    for (const auto& id : ids) {
        auto w = LoadWiedervorlage(repo_->metadata(), id);
        // Removed between the scan and the read: it is simply no longer there.
        if (!w.ok() && w.status().code() == StatusCode::kNotFound) continue;
        if (!w.ok()) return w.status();
        if (Sees(p, o, *w)) out.push_back(std::move(w).value());
    }
    std::sort(out.begin(), out.end(), ByDate);
    return out;
}

Result<std::vector<Wiedervorlage>> WiedervorlageService::Faellig(const Principal& p,
                                                                 const CivilDate& bis,
                                                                 size_t limit) const {
    // The index orders by date, so the scan stops at the first entry after `bis`.
    const std::string prefix = keys::FaelligPrefix(p.name);
    const std::string last = bis.ToString();
    std::vector<std::string> ids;
    AKTENWERK_RETURN_IF_ERROR(
        repo_->metadata().Scan(prefix, "", 0, [&](std::string_view key, auto) {
            std::string_view rest = key.substr(prefix.size());
            if (rest.substr(0, last.size()) > last) return false;
            ids.emplace_back(rest.substr(rest.rfind('/') + 1));
            return true;
        }));
    const StoreView view(repo_->metadata());
    std::vector<Wiedervorlage> out;
    for (const auto& id : ids) {
        if (out.size() >= limit) break;
        auto w = LoadWiedervorlage(view, id);
        if (!w.ok() && w.status().code() == StatusCode::kNotFound) continue;
        if (!w.ok()) return w.status();
        // Rights may have changed since it was set (a revoked grant, a higher level): what
        // the user may no longer read leaves their list, without an audit entry.
        auto o = LoadObjekt(view, w->objekt_id);
        if (!o.ok()) continue;
        auto access = repo_->access().AccessTo(p, *o);
        if (!access.ok() || (access->rights & kRightRead) == 0) continue;
        // The entry shows the object's Betreff: for a confidential one that is an audited read.
        if (access->placement.stufe >= kAuditedLevel) {
            AKTENWERK_RETURN_IF_ERROR(repo_->Get(p, o->id).status());
        }
        out.push_back(std::move(w).value());
    }
    return out;
}

Result<Wiedervorlage> WiedervorlageService::Erledigen(const Principal& p, std::string_view id) {
    AKTENWERK_RETURN_IF_ERROR(LoadVisible(p, id).status());
    Wiedervorlage w;
    Status committed = repo_->metadata().Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(w, LoadWiedervorlage(txn, id));
        if (w.erledigt) {
            return FailedPreconditionError("Wiedervorlage " + w.id + " is done already",
                                           "already-done");
        }
        const json before = ToJson(w);
        w.erledigt = true;
        w.erledigt_von = p.name;
        w.erledigt_am = repo_->clock().NowMillis();
        txn.Put(keys::Wiedervorlage(w.id), storage::EncodeValue(ToJson(w)));
        txn.Delete(FaelligKey(w));
        return AppendAudit(txn, w.erledigt_am, p.name, w.objekt_id, "wiedervorlage-erledigt",
                           before, ToJson(w));
    });
    if (!committed.ok()) return committed.WithContext("mark Wiedervorlage " + std::string(id));
    return w;
}

Status WiedervorlageService::Remove(const Principal& p, std::string_view id) {
    AKTENWERK_RETURN_IF_ERROR(LoadVisible(p, id).status());
    // Removing frees space, so it may use the reserve like other removals.
    Status committed = repo_->metadata().Commit(
        [&](storage::Txn& txn) -> Status {
            AKTENWERK_ASSIGN_OR_RETURN(auto w, LoadWiedervorlage(txn, id));
            EraseInTxn(txn, w);
            return AppendAudit(txn, repo_->clock().NowMillis(), p.name, w.objekt_id,
                               "wiedervorlage-entfernt", ToJson(w), nullptr);
        },
        storage::Room::kMayUseReserve);
    return committed.ok() ? committed
                          : committed.WithContext("remove Wiedervorlage " + std::string(id));
}

Result<size_t> RemoveWiedervorlagenInTxn(storage::Txn& txn, std::string_view objekt_id) {
    std::vector<std::string> ids;
    const std::string prefix = keys::ObjektWiedervorlagePrefix(objekt_id);
    AKTENWERK_RETURN_IF_ERROR(txn.Scan(prefix, "", [&](std::string_view key, auto) {
        ids.emplace_back(key.substr(prefix.size()));
        return true;
    }));
    for (const auto& id : ids) {
        AKTENWERK_ASSIGN_OR_RETURN(auto w, LoadWiedervorlage(txn, id));
        EraseInTxn(txn, w);
    }
    return ids.size();
}

}  // namespace aktenwerk::dms
