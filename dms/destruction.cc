// The removal core and the Repository's Destroy, Delete and stub reads.
#include "dms/destruction.h"

#include <algorithm>

#include "dms/audit.h"
#include "dms/holds.h"
#include "dms/keys.h"
#include "dms/lifecycle_hook.h"
#include "dms/objekt_io.h"
#include "dms/outbox.h"
#include "dms/repository.h"
#include "dms/validation.h"
#include "dms/wiedervorlage.h"
#include "storage/codec.h"
#include "storage/log.h"

namespace aktenwerk::dms {
namespace {

using nlohmann::json;

std::string GetString(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::optional<CivilDate> GetDate(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return CivilDate::Parse(it->get<std::string>());
}

json DateOrNull(const std::optional<CivilDate>& d) { return d ? json(d->ToString()) : json(); }

// The objects of the subtree of `root`, parents before their children.
Result<std::vector<Objekt>> CollectSubtree(const storage::Txn& txn, const Objekt& root) {
    std::vector<Objekt> out = {root};
    for (size_t i = 0; i < out.size(); ++i) {
        if (out.size() > 10'000'000) return InternalError("subtree too large to remove at once");
        std::vector<std::string> child_ids;
        const std::string prefix = keys::ChildPrefix(out[i].id);
        AKTENWERK_RETURN_IF_ERROR(txn.Scan(prefix, "", [&](std::string_view key, auto) {
            child_ids.emplace_back(key.substr(key.rfind('/') + 1));
            return true;
        }));
        for (const auto& id : child_ids) {
            AKTENWERK_ASSIGN_OR_RETURN(auto child, LoadObjekt(txn, id));
            out.push_back(std::move(child));
        }
    }
    return out;
}

// Removes the version records of a Dokument and releases their blob references.
Status RemoveVersions(storage::Txn& txn, const Objekt& doc, EntferntesObjekt* out,
                      std::vector<std::string>* freie_blobs) {
    std::vector<std::pair<std::string, std::string>> rows;
    AKTENWERK_RETURN_IF_ERROR(txn.Scan(keys::VersionPrefix(doc.id), "",
                                       [&](std::string_view key, std::string_view value) {
                                           rows.emplace_back(key, value);
                                           return true;
                                       }));
    for (const auto& [key, value] : rows) {
        AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(value));
        AKTENWERK_ASSIGN_OR_RETURN(auto v, VersionFromJson(j));
        txn.Delete(key);
        const std::string ref_key = keys::BlobRef(v.sha256);
        AKTENWERK_ASSIGN_OR_RETURN(auto ref_raw, txn.Get(ref_key));
        uint64_t refs = 0;
        if (ref_raw) {
            AKTENWERK_ASSIGN_OR_RETURN(auto rj, storage::DecodeValue(*ref_raw));
            refs = rj.get<uint64_t>();
        }
        EntfernteVersion ev{v.nummer, v.sha256, v.groesse, v.dateiname, false};
        if (refs <= 1) {
            txn.Delete(ref_key);
            ev.blob_entfernt = true;
            freie_blobs->push_back(v.sha256);
        } else {
            txn.Put(ref_key, storage::EncodeValue(refs - 1));
        }
        out->versionen.push_back(std::move(ev));
    }
    // Signatures and evidence paths go with the versions, in the same transaction: nothing
    // of a destroyed record may stay behind. Other versions' paths hold only hashes of
    // siblings, so their proof is untouched.
    for (const auto& prefix :
         {keys::DokumentSignaturPrefix(doc.id), keys::DokumentEvidenzPrefix(doc.id)}) {
        std::vector<std::string> doomed;
        AKTENWERK_RETURN_IF_ERROR(txn.Scan(prefix, "", [&](std::string_view key, auto) {
            doomed.emplace_back(key);
            return true;
        }));
        for (auto& key : doomed) txn.Delete(std::move(key));
    }
    return Status::Ok();
}

Stub MakeStub(const Objekt& o, const EntfernungsAuftrag& auftrag, const std::string& akteur,
              int64_t zeit, const CivilDate& heute) {
    Stub s;
    s.id = o.id;
    s.kind = o.kind;
    s.parent_id = o.parent_id;
    s.aktenzeichen = o.aktenzeichen;
    s.betreff = o.betreff;
    s.laufzeit_beginn = o.laufzeit_beginn;
    s.laufzeit_ende = o.laufzeit_ende;
    s.zda = o.zda;
    s.art = auftrag.art;
    s.datum = heute.ToString();
    s.zeit = zeit;
    s.akteur = akteur;
    s.grund = auftrag.grund;
    s.info = auftrag.stub_info.is_object() ? auftrag.stub_info : json::object();
    return s;
}

}  // namespace

std::string_view EntfernungName(Entfernung art) {
    switch (art) {
        case Entfernung::kVernichtet:
            return "vernichtet";
        case Entfernung::kAbgegeben:
            return "abgegeben";
        case Entfernung::kGeloescht:
            return "geloescht";
    }
    return "vernichtet";
}

json ToJson(const EntfernungsBericht& b) {
    json objekte = json::array();
    for (const auto& o : b.objekte) {
        json versionen = json::array();
        for (const auto& v : o.versionen) {
            versionen.push_back({{"nummer", v.nummer},
                                 {"sha256", v.sha256},
                                 {"groesse", v.groesse},
                                 {"dateiname", v.dateiname},
                                 {"blob_entfernt", v.blob_entfernt}});
        }
        objekte.push_back({{"id", o.id},
                           {"typ", KindName(o.kind)},
                           {"parent_id", o.parent_id},
                           {"bezeichnung", o.bezeichnung},
                           {"betreff", o.betreff},
                           {"versionen", std::move(versionen)}});
    }
    return {{"art", EntfernungName(b.art)},
            {"akteur", b.akteur},
            {"zeit", FormatTimestamp(b.zeit)},
            {"objekte", std::move(objekte)}};
}

json ToJson(const Stub& s) {
    return {{"id", s.id},
            {"typ", KindName(s.kind)},
            {"parent_id", s.parent_id},
            {"aktenzeichen", s.aktenzeichen},
            {"betreff", s.betreff},
            {"laufzeit_beginn", DateOrNull(s.laufzeit_beginn)},
            {"laufzeit_ende", DateOrNull(s.laufzeit_ende)},
            {"zda", DateOrNull(s.zda)},
            {"art", EntfernungName(s.art)},
            {"datum", s.datum},
            {"zeit", FormatTimestamp(s.zeit)},
            {"zeit_ms", s.zeit},
            {"akteur", s.akteur},
            {"grund", s.grund},
            {"info", s.info}};
}

Result<Stub> StubFromJson(const json& j) {
    if (!j.is_object()) return CorruptionError("stub is not an object");
    Stub s;
    s.id = GetString(j, "id");
    auto kind = ParseKind(GetString(j, "typ"));
    if (s.id.empty() || !kind) return CorruptionError("stub has no id or type");
    s.kind = *kind;
    s.parent_id = GetString(j, "parent_id");
    s.aktenzeichen = GetString(j, "aktenzeichen");
    s.betreff = GetString(j, "betreff");
    s.laufzeit_beginn = GetDate(j, "laufzeit_beginn");
    s.laufzeit_ende = GetDate(j, "laufzeit_ende");
    s.zda = GetDate(j, "zda");
    const std::string art = GetString(j, "art");
    s.art = art == "abgegeben"   ? Entfernung::kAbgegeben
            : art == "geloescht" ? Entfernung::kGeloescht
                                 : Entfernung::kVernichtet;
    s.datum = GetString(j, "datum");
    s.zeit = j.value("zeit_ms", int64_t{0});
    s.akteur = GetString(j, "akteur");
    s.grund = GetString(j, "grund");
    if (auto it = j.find("info"); it != j.end() && it->is_object()) s.info = *it;
    return s;
}

Status RemoveSubtreeInTxn(storage::Txn& txn, const Objekt& root, const EntfernungsAuftrag& auftrag,
                          const std::string& akteur, int64_t zeit, const CivilDate& heute,
                          LifecycleHook* hook, EntfernungsBericht* bericht) {
    const char* what = auftrag.art == Entfernung::kGeloescht   ? "delete"
                       : auftrag.art == Entfernung::kAbgegeben ? "delete the transferred"
                                                               : "destroy";
    AKTENWERK_RETURN_IF_ERROR(CheckNotHeld(txn, root, what));
    AKTENWERK_ASSIGN_OR_RETURN(auto objekte, CollectSubtree(txn, root));
    bericht->art = auftrag.art;
    bericht->akteur = akteur;
    bericht->zeit = zeit;
    const std::string aktion(EntfernungName(auftrag.art));

    for (const auto& o : objekte) {
        EntferntesObjekt removed{o.id, o.kind, o.parent_id, Bezeichnung(o), o.betreff, {}};
        if (o.kind == Kind::kDokument) {
            AKTENWERK_RETURN_IF_ERROR(RemoveVersions(txn, o, &removed, &bericht->freie_blobs));
        }
        txn.Delete(keys::Objekt(o.id));
        txn.Delete(ChildIndexKey(o));
        if (o.kind == Kind::kAktenplaneinheit) txn.Delete(keys::Kennzeichen(o.kennzeichen));
        // An Akte keeps its Aktenzeichen entry: Aktenzeichen are never given out again, and
        // a lookup by it finds the stub.
        if (o.kind == Kind::kAkte || o.kind == Kind::kVorgang) {
            const Stub stub = MakeStub(o, auftrag, akteur, zeit, heute);
            txn.Put(keys::Stub(o.id), storage::EncodeValue(ToJson(stub)));
            txn.Put(keys::StubChild(o.parent_id, o.id), "");
        }
        if (hook) {
            AKTENWERK_RETURN_IF_ERROR(
                hook->OnLifecycleChange(txn, LifecycleEvent::kDestroyed, o, o));
        }
        // Reminders go with their object, so that nobody's due list points at a removed record.
        AKTENWERK_ASSIGN_OR_RETURN(size_t wiedervorlagen, RemoveWiedervorlagenInTxn(txn, o.id));
        json versionen = json::array();
        for (const auto& v : removed.versionen) {
            versionen.push_back(
                {{"nummer", v.nummer}, {"sha256", v.sha256}, {"blob_entfernt", v.blob_entfernt}});
        }
        json nachher = {{"grund", auftrag.grund},
                        {"versionen", std::move(versionen)},
                        {"info", auftrag.stub_info}};
        if (wiedervorlagen > 0) nachher["wiedervorlagen_entfernt"] = wiedervorlagen;
        AKTENWERK_RETURN_IF_ERROR(AppendAudit(
            txn, zeit, akteur, o.id, aktion,
            {{"typ", KindName(o.kind)}, {"bezeichnung", removed.bezeichnung}}, std::move(nachher)));
        // The indexer removes the object, everything below it and its extracted text.
        AKTENWERK_RETURN_IF_ERROR(AppendOutbox(txn, o.id, "vernichtet", 0));
        bericht->objekte.push_back(std::move(removed));
    }
    return Status::Ok();
}

Result<EntfernungsBericht> Repository::Destroy(const Principal& p,
                                               const EntfernungsAuftrag& auftrag) {
    // The Archivar role (the disposal right) where the object is filed.
    AKTENWERK_RETURN_IF_ERROR(LoadAuthorized(p, auftrag.objekt_id, kRightDisposal).status());
    if (auftrag.art == Entfernung::kGeloescht) {
        return InvalidArgumentError("direct deletions go through Repository::Delete");
    }
    EntfernungsBericht bericht;
    Status s = metadata_->Commit(
        [&](storage::Txn& txn) -> Status {
            bericht = {};
            AKTENWERK_ASSIGN_OR_RETURN(auto root, LoadObjekt(txn, auftrag.objekt_id));
            if (root.kind == Kind::kAktenplaneinheit) {
                return InvalidArgumentError("an Aktenplaneinheit is not destroyed; its Akten are");
            }
            if (auftrag.pruefen) AKTENWERK_RETURN_IF_ERROR(auftrag.pruefen(txn, root));
            AKTENWERK_RETURN_IF_ERROR(RemoveSubtreeInTxn(
                txn, root, auftrag, p.name, clock_->NowMillis(), clock_->Today(), hook_, &bericht));
            if (auftrag.protokollieren) {
                AKTENWERK_RETURN_IF_ERROR(auftrag.protokollieren(txn, bericht));
            }
            return Status::Ok();
        },
        storage::Room::kMayUseReserve);
    if (!s.ok()) return s.WithContext("remove " + auftrag.objekt_id);
    for (const auto& sha : bericht.freie_blobs) ReleaseBlob(sha);
    return bericht;
}

Result<EntfernungsBericht> Repository::Delete(const Principal& p, std::string_view id,
                                              std::string_view grund) {
    {
        // Filing corrections are the clerk's (write right); units are the Registratur's.
        AKTENWERK_ASSIGN_OR_RETURN(auto o, Load(id));
        AKTENWERK_RETURN_IF_ERROR(
            Authorize(p, o, o.kind == Kind::kAktenplaneinheit ? kRightPlan : kRightWrite).status());
    }
    AKTENWERK_RETURN_IF_ERROR(CheckText("grund", grund, 2000, true, true));
    EntfernungsAuftrag auftrag;
    auftrag.objekt_id = std::string(id);
    auftrag.art = Entfernung::kGeloescht;
    auftrag.grund = std::string(grund);
    EntfernungsBericht bericht;
    Status s = metadata_->Commit(
        [&](storage::Txn& txn) -> Status {
            bericht = {};
            AKTENWERK_ASSIGN_OR_RETURN(auto o, LoadObjekt(txn, id));
            AKTENWERK_RETURN_IF_ERROR(CheckDeletable(txn, o));
            return RemoveSubtreeInTxn(txn, o, auftrag, p.name, clock_->NowMillis(), clock_->Today(),
                                      hook_, &bericht);
        },
        storage::Room::kMayUseReserve);
    if (!s.ok()) return s.WithContext("delete " + std::string(id));
    for (const auto& sha : bericht.freie_blobs) ReleaseBlob(sha);
    return bericht;
}

// The records rules of a direct deletion. Records under retention (anything in or below a
// closed Akte or Vorgang) leave only through the Aussonderung; what remains deletable is a
// Dokument filed in an open Akte or Vorgang (a filing correction: wrong Akte, duplicate scan),
// an Akte or Vorgang opened by mistake and still empty, and an empty Aktenplaneinheit. Holds
// are checked by the removal core in the same transaction.
Status Repository::CheckDeletable(const storage::Txn& txn, const Objekt& o) const {
    auto has_entry = [&](const std::string& prefix) -> Result<bool> {
        bool found = false;
        AKTENWERK_RETURN_IF_ERROR(txn.Scan(prefix, "", [&](auto, auto) {
            found = true;
            return false;
        }));
        return found;
    };
    switch (o.kind) {
        case Kind::kAktenplaneinheit: {
            AKTENWERK_ASSIGN_OR_RETURN(bool children, has_entry(keys::ChildPrefix(o.id)));
            AKTENWERK_ASSIGN_OR_RETURN(bool stubs, has_entry(keys::StubChildPrefix(o.id)));
            if (children || stubs) {
                return FailedPreconditionError(
                    "Aktenplaneinheit " + o.kennzeichen +
                        (children ? " is not empty" : " still holds the stubs of removed Akten"),
                    "not-empty");
            }
            return Status::Ok();
        }
        case Kind::kAkte:
        case Kind::kVorgang: {
            AKTENWERK_RETURN_IF_ERROR(CheckWritableInTxn(txn, o));
            AKTENWERK_ASSIGN_OR_RETURN(bool children, has_entry(keys::ChildPrefix(o.id)));
            if (children) {
                return FailedPreconditionError(
                    Bezeichnung(o) +
                        " has content; filed records leave only through the Aussonderung "
                        "when their retention has ended",
                    "not-empty");
            }
            return Status::Ok();
        }
        case Kind::kDokument:
            return CheckWritableInTxn(txn, o);
    }
    return Status::Ok();
}

Result<Stub> Repository::GetStub(const Principal& p, std::string_view id) const {
    if (id.empty() || id.size() > 64) return NotFoundError("no stub " + std::string(id));
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, metadata_->Get(keys::Stub(id)));
    if (!raw) return NotFoundError("no removed object " + std::string(id));
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    AKTENWERK_ASSIGN_OR_RETURN(auto stub, StubFromJson(j));
    // A stub is seen by whoever may read where it was filed; when that is gone as well (a
    // Vorgang's stub in a destroyed Akte), by administrators only.
    bool visible = p.admin;
    if (auto parent = Load(stub.parent_id); parent.ok()) {
        auto access = access_->AccessTo(p, *parent);
        visible = access.ok() && (access->rights & kRightRead) != 0;
    }
    if (!visible) return NotFoundError("no removed object " + std::string(id));
    return stub;
}

Result<std::vector<Stub>> Repository::Stubs(const Principal& p, std::string_view parent_id,
                                            size_t limit) const {
    std::vector<std::string> ids;
    const std::string prefix = keys::StubChildPrefix(parent_id);
    AKTENWERK_RETURN_IF_ERROR(metadata_->Scan(prefix, "", limit, [&](std::string_view key, auto) {
        ids.emplace_back(key.substr(prefix.size()));
        return true;
    }));
    std::vector<Stub> out;
    for (const auto& id : ids) {
        AKTENWERK_ASSIGN_OR_RETURN(auto stub, GetStub(p, id));
        out.push_back(std::move(stub));
    }
    return out;
}

}  // namespace aktenwerk::dms
