// The Aussonderung process. Each step writes its files first (messages are validated before
// anything records them), then one transaction checks the state again and records the step,
// its audit entries and the objects' new states together. A step that fails leaves the
// process as it was; files it wrote are removed.
#include "retention/aussonderung.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <set>

#include "dms/audit.h"
#include "dms/folder_import.h"
#include "dms/objekt_io.h"
#include "dms/signing.h"
#include "dms/uuid.h"
#include "dms/validation.h"
#include "retention/aussonderung_export.h"
#include "retention/keys.h"
#include "retention/xdomea/incoming.h"
#include "retention/xdomea/validation.h"
#include "retention/xdomea/writer.h"
#include "retention/xdomea/zip.h"
#include "storage/blob_store.h"
#include "storage/codec.h"
#include "storage/log.h"
#include "storage/sha256.h"

namespace aktenwerk::retention {

namespace fs = std::filesystem;
using nlohmann::json;

namespace {

const log::Logger& Log() {
    static const log::Logger logger("retention");
    return logger;
}

constexpr xdomea::Version kVersion = xdomea::Version::k3_1_0;

Status WrongState(const std::string& why) { return FailedPreconditionError(why, "wrong-state"); }

std::string Lower(std::string s) {
    std::transform(s.begin(), s.end(), s.begin(),
                   [](unsigned char c) { return static_cast<char>(std::tolower(c)); });
    return s;
}

json KontaktJson(const xdomea::Kontakt& k) {
    return {{"praefix", k.praefix},
            {"behoerdenschluessel", k.behoerdenschluessel},
            {"institution", k.institution},
            {"organisationseinheit", k.organisationseinheit}};
}

xdomea::Kontakt KontaktFromJson(const json& j) {
    if (!j.is_object()) return {};
    return {j.value("praefix", ""), j.value("behoerdenschluessel", ""), j.value("institution", ""),
            j.value("organisationseinheit", "")};
}

xdomea::Kontakt Merge(const xdomea::Kontakt& given, const xdomea::Kontakt& fallback) {
    xdomea::Kontakt k = given;
    if (k.praefix.empty()) k.praefix = fallback.praefix;
    if (k.behoerdenschluessel.empty()) k.behoerdenschluessel = fallback.behoerdenschluessel;
    if (k.institution.empty()) k.institution = fallback.institution;
    if (k.organisationseinheit.empty()) k.organisationseinheit = fallback.organisationseinheit;
    return k;
}

Status CheckKontakt(std::string_view what, const xdomea::Kontakt& k) {
    AKTENWERK_RETURN_IF_ERROR(
        dms::CheckText(std::string(what) + ".praefix", k.praefix, 100, false));
    AKTENWERK_RETURN_IF_ERROR(dms::CheckText(std::string(what) + ".behoerdenschluessel",
                                             k.behoerdenschluessel, 100, false));
    AKTENWERK_RETURN_IF_ERROR(
        dms::CheckText(std::string(what) + ".institution", k.institution, 500, false));
    return dms::CheckText(std::string(what) + ".organisationseinheit", k.organisationseinheit, 500,
                          false);
}

std::optional<char> OptChar(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string() || it->get<std::string>().size() != 1) {
        return std::nullopt;
    }
    return it->get<std::string>()[0];
}

json CharOrNull(const std::optional<char>& c) { return c ? json(std::string(1, *c)) : json(); }

std::string Sha256OfFile(const std::string& path, uint64_t* size) {
    std::ifstream in(path, std::ios::binary);
    storage::Sha256 hasher;
    std::vector<char> buf(1 << 20);
    *size = 0;
    while (in.read(buf.data(), static_cast<std::streamsize>(buf.size())) || in.gcount() > 0) {
        hasher.Update(buf.data(), static_cast<size_t>(in.gcount()));
        *size += static_cast<uint64_t>(in.gcount());
    }
    return hasher.HexDigest();
}

Status SyncDir(const std::string& dir) { return storage::SyncDirectory(dir); }

// Packs a file held in memory (a signature of a version) through a short-lived file beside
// the message, as the ZIP writer reads its entries from files.
Status AddBytes(xdomea::ZipWriter& zip, const std::string& folder, const Primaerdatei& d) {
    const std::string path = folder + "/" + d.dateiname + ".tmp";
    {
        std::ofstream out(path, std::ios::binary | std::ios::trunc);
        out.write(d.daten.data(), static_cast<std::streamsize>(d.daten.size()));
        if (!out) return ErrnoError("write " + path, errno);
    }
    Status added = zip.AddFile(d.dateiname, path, /*compress=*/false, d.erstellt_am);
    std::error_code ec;
    std::filesystem::remove(path, ec);
    return added;
}

// Writes `data` to `path` durably (temporary file, fsync, rename, folder fsync).
Status WriteFileDurably(const std::string& path, std::string_view data) {
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0644);
    if (fd < 0) return ErrnoError("create " + tmp, errno);
    size_t done = 0;
    while (done < data.size()) {
        ssize_t n = ::write(fd, data.data() + done, data.size() - done);
        if (n < 0) {
            const int err = errno;
            ::close(fd);
            return ErrnoError("write " + tmp, err);
        }
        done += static_cast<size_t>(n);
    }
    if (::fsync(fd) != 0) {
        const int err = errno;
        ::close(fd);
        return ErrnoError("fsync " + tmp, err);
    }
    ::close(fd);
    if (::rename(tmp.c_str(), path.c_str()) != 0) return ErrnoError("rename " + tmp, errno);
    return SyncDir(fs::path(path).parent_path().string());
}

template <typename Reader>
Result<Aussonderung> LoadRun(const Reader& reader, std::string_view id) {
    if (!dms::IsUuid(id)) return NotFoundError("no Aussonderung " + std::string(id));
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, reader.Get(keys::Aussonderung(Lower(std::string(id)))));
    if (!raw) return NotFoundError("no Aussonderung " + std::string(id));
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    return AussonderungFromJson(j);
}

void PutRun(storage::Txn& txn, const Aussonderung& run) {
    txn.Put(keys::Aussonderung(run.id), storage::EncodeValue(ToJson(run)));
}

void PutObjekt(storage::Txn& txn, const std::string& run, const AussonderungsObjekt& o) {
    txn.Put(keys::AusObjekt(run, o.id), storage::EncodeValue(ToJson(o)));
}

template <typename Reader>
Result<std::vector<AussonderungsObjekt>> LoadRunObjekte(const Reader& reader,
                                                        std::string_view run) {
    std::vector<AussonderungsObjekt> out;
    Status decode;
    AKTENWERK_RETURN_IF_ERROR(
        reader.Scan(keys::AusObjektPrefix(run), "", [&](auto, std::string_view value) {
            auto j = storage::DecodeValue(value);
            auto o =
                j.ok() ? AussonderungsObjektFromJson(*j) : Result<AussonderungsObjekt>(j.status());
            if (!o.ok()) {
                decode = o.status();
                return false;
            }
            out.push_back(std::move(o).value());
            return true;
        }));
    AKTENWERK_RETURN_IF_ERROR(decode);
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.ord < b.ord; });
    return out;
}

bool Appraisable(dms::Kind k) { return k == dms::Kind::kAkte || k == dms::Kind::kVorgang; }

bool Removed(const AussonderungsObjekt& o) {
    return o.status == "vernichtet" || o.status == "geloescht";
}

// A received message, kept in the process folder.
struct Received {
    std::string datei;
    std::string sha256;
    uint64_t groesse = 0;
};

}  // namespace

std::string_view StatusName(AussonderungsStatus s) {
    switch (s) {
        case AussonderungsStatus::kAngelegt:
            return "angelegt";
        case AussonderungsStatus::kAngeboten:
            return "angeboten";
        case AussonderungsStatus::kBewertet:
            return "bewertet";
        case AussonderungsStatus::kAbgegeben:
            return "abgegeben";
        case AussonderungsStatus::kAbgeschlossen:
            return "abgeschlossen";
        case AussonderungsStatus::kAbgebrochen:
            return "abgebrochen";
    }
    return "angelegt";
}

json ToJson(const AussonderungsObjekt& o) {
    return {{"id", o.id},
            {"typ", dms::KindName(o.typ)},
            {"parent_id", o.parent_id},
            {"ord", o.ord},
            {"bezeichnung", o.bezeichnung},
            {"betreff", o.betreff},
            {"faelligkeit", o.faelligkeit ? ToJson(*o.faelligkeit) : json()},
            {"bewertungsvorschlag", CharOrNull(o.vorschlag)},
            {"bewertung", CharOrNull(o.bewertung)},
            {"bewertung_quelle", o.bewertung_quelle},
            {"status", o.status},
            {"archivkennung", o.archivkennung},
            {"fehlermeldungen", o.fehlermeldungen}};
}

Result<AussonderungsObjekt> AussonderungsObjektFromJson(const json& j) {
    if (!j.is_object()) return CorruptionError("Aussonderung object is not an object");
    AussonderungsObjekt o;
    o.id = j.value("id", "");
    auto typ = dms::ParseKind(j.value("typ", ""));
    if (o.id.empty() || !typ) return CorruptionError("Aussonderung object incomplete");
    o.typ = *typ;
    o.parent_id = j.value("parent_id", "");
    o.ord = j.value("ord", uint32_t{0});
    o.bezeichnung = j.value("bezeichnung", "");
    o.betreff = j.value("betreff", "");
    if (auto f = j.find("faelligkeit"); f != j.end() && f->is_object()) {
        AKTENWERK_ASSIGN_OR_RETURN(auto fa, FaelligkeitFromJson(*f));
        o.faelligkeit = std::move(fa);
    }
    o.vorschlag = OptChar(j, "bewertungsvorschlag");
    o.bewertung = OptChar(j, "bewertung");
    o.bewertung_quelle = j.value("bewertung_quelle", "");
    o.status = j.value("status", "");
    o.archivkennung = j.value("archivkennung", "");
    if (auto f = j.find("fehlermeldungen"); f != j.end() && f->is_array()) {
        for (const auto& m : *f) {
            if (m.is_string()) o.fehlermeldungen.push_back(m.get<std::string>());
        }
    }
    return o;
}

json ToJson(const Aussonderung& a) {
    json nachrichten = json::array();
    for (const auto& n : a.nachrichten) {
        nachrichten.push_back({{"code", n.code},
                               {"richtung", n.richtung},
                               {"datei", n.datei},
                               {"sha256", n.sha256},
                               {"groesse", n.groesse},
                               {"zeit", dms::FormatTimestamp(n.zeit)},
                               {"zeit_ms", n.zeit},
                               {"version", n.version}});
    }
    return {{"id", a.id},
            {"prozess_id", a.id},
            {"einheit_id", a.einheit_id},
            {"einheit_bezeichnung", a.einheit_bezeichnung},
            {"stichtag", a.stichtag.ToString()},
            {"status", StatusName(a.status)},
            {"erstellt_von", a.erstellt_von},
            {"erstellt_am", dms::FormatTimestamp(a.erstellt_am)},
            {"erstellt_am_ms", a.erstellt_am},
            {"absender", KontaktJson(a.absender)},
            {"empfaenger", KontaktJson(a.empfaenger)},
            {"hinweis", a.hinweis},
            {"protokoll_akte_id", a.protokoll_akte_id},
            {"nachrichten", std::move(nachrichten)},
            {"freigabe_von", a.freigabe_von},
            {"freigabe_am", a.freigabe_am ? json(dms::FormatTimestamp(a.freigabe_am)) : json()},
            {"freigabe_am_ms", a.freigabe_am},
            {"protokolle", a.protokolle},
            {"ausgelassen", a.ausgelassen},
            {"objekte", a.objekte}};
}

Result<Aussonderung> AussonderungFromJson(const json& j) {
    if (!j.is_object()) return CorruptionError("Aussonderung record is not an object");
    Aussonderung a;
    a.id = j.value("id", "");
    auto stichtag = dms::CivilDate::Parse(j.value("stichtag", ""));
    if (a.id.empty() || !stichtag) return CorruptionError("Aussonderung record incomplete");
    a.stichtag = *stichtag;
    a.einheit_id = j.value("einheit_id", "");
    a.einheit_bezeichnung = j.value("einheit_bezeichnung", "");
    const std::string status = j.value("status", "");
    for (auto s : {AussonderungsStatus::kAngelegt, AussonderungsStatus::kAngeboten,
                   AussonderungsStatus::kBewertet, AussonderungsStatus::kAbgegeben,
                   AussonderungsStatus::kAbgeschlossen, AussonderungsStatus::kAbgebrochen}) {
        if (StatusName(s) == status) a.status = s;
    }
    a.erstellt_von = j.value("erstellt_von", "");
    a.erstellt_am = j.value("erstellt_am_ms", int64_t{0});
    a.absender = KontaktFromJson(j.value("absender", json()));
    a.empfaenger = KontaktFromJson(j.value("empfaenger", json()));
    a.hinweis = j.value("hinweis", "");
    a.protokoll_akte_id = j.value("protokoll_akte_id", "");
    for (const auto& n : j.value("nachrichten", json::array())) {
        a.nachrichten.push_back({n.value("code", ""), n.value("richtung", ""), n.value("datei", ""),
                                 n.value("sha256", ""), n.value("groesse", uint64_t{0}),
                                 n.value("zeit_ms", int64_t{0}), n.value("version", "")});
    }
    a.freigabe_von = j.value("freigabe_von", "");
    a.freigabe_am = j.value("freigabe_am_ms", int64_t{0});
    for (const auto& p : j.value("protokolle", json::array())) {
        if (p.is_string()) a.protokolle.push_back(p.get<std::string>());
    }
    a.ausgelassen = j.value("ausgelassen", json::array());
    a.objekte = j.value("objekte", uint64_t{0});
    return a;
}

AussonderungService::AussonderungService(dms::Repository* repo, AussonderungOptions options)
    : repo_(repo), options_(std::move(options)) {}

Status AussonderungService::CheckArchivist(const dms::Principal& p,
                                           const std::string& einheit_id) const {
    // The Archivar role (the disposal right) on the process's Aktenplaneinheit. A process
    // over the whole plan needs it everywhere, which only an administrator has.
    if (einheit_id.empty() || einheit_id == dms::kRootId) {
        if (p.admin) return Status::Ok();
        return PermissionDeniedError(
            "an Aussonderung over the whole Aktenplan is an administrator's; name the "
            "Aktenplaneinheit you hold the Archivar role on");
    }
    return repo_->LoadAuthorized(p, einheit_id, dms::kRightDisposal).status();
}

Status AussonderungService::CheckRun(const dms::Principal& p, std::string_view id) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto run, Load(id));
    return CheckArchivist(p, run.einheit_id);
}

std::string AussonderungService::Folder(std::string_view id) const {
    return options_.arbeitsverzeichnis + "/" + std::string(id);
}

Result<Aussonderung> AussonderungService::Load(std::string_view id) const {
    return LoadRun(dms::StoreView(repo_->metadata()), id);
}

Result<std::vector<AussonderungsObjekt>> AussonderungService::LoadObjekte(
    std::string_view id) const {
    return LoadRunObjekte(dms::StoreView(repo_->metadata()), id);
}

Result<Aussonderung> AussonderungService::Get(const dms::Principal& p, std::string_view id) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto run, Load(id));
    AKTENWERK_RETURN_IF_ERROR(CheckArchivist(p, run.einheit_id));
    return run;
}

Result<std::vector<Aussonderung>> AussonderungService::List(const dms::Principal& p) const {
    // The processes of the units the caller is Archivar on, without an audit entry for each
    // of the others.
    const dms::StoreView view(repo_->metadata());
    auto archivist_on = [&](const std::string& einheit_id) {
        if (p.admin) return true;
        if (einheit_id.empty() || einheit_id == dms::kRootId) return false;
        auto unit = dms::LoadObjekt(view, einheit_id);
        if (!unit.ok()) return false;
        auto access = repo_->access().AccessTo(p, *unit);
        return access.ok() && (access->rights & dms::kRightDisposal) != 0;
    };
    std::vector<Aussonderung> out;
    Status decode;
    AKTENWERK_RETURN_IF_ERROR(
        repo_->metadata().Scan(keys::kAussonderungPrefix, "", 0, [&](auto, std::string_view value) {
            auto j = storage::DecodeValue(value);
            auto a = j.ok() ? AussonderungFromJson(*j) : Result<Aussonderung>(j.status());
            if (!a.ok()) {
                decode = a.status();
                return false;
            }
            if (archivist_on(a->einheit_id)) out.push_back(std::move(a).value());
            return true;
        }));
    AKTENWERK_RETURN_IF_ERROR(decode);
    std::sort(out.begin(), out.end(),
              [](const auto& a, const auto& b) { return a.erstellt_am > b.erstellt_am; });
    return out;
}

Result<std::vector<AussonderungsObjekt>> AussonderungService::Objekte(const dms::Principal& p,
                                                                      std::string_view id) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto run, Get(p, id));
    AKTENWERK_ASSIGN_OR_RETURN(auto objekte, LoadObjekte(run.id));
    // The transfer is recorded on the process, not on each object (see Abgeben).
    const bool transferred = run.status == AussonderungsStatus::kAbgegeben ||
                             run.status == AussonderungsStatus::kAbgeschlossen;
    for (auto& o : objekte) {
        if (transferred && o.bewertung == 'A' && o.status == "bewertet") o.status = "abgegeben";
    }
    return objekte;
}

// --- Create ---------------------------------------------------------------------------------

namespace {

// The ids of the children of `id` (all kinds), in index order.
Result<std::vector<std::string>> AllChildren(const storage::Txn& txn, const std::string& id) {
    std::vector<std::string> ids;
    AKTENWERK_RETURN_IF_ERROR(
        txn.Scan(dms::keys::ChildPrefix(id), "", [&](std::string_view k, auto) {
            ids.emplace_back(k.substr(k.rfind('/') + 1));
            return true;
        }));
    return ids;
}

std::optional<char> VorschlagFor(const std::optional<Faelligkeit>& f) {
    if (!f || !f->regel) return std::nullopt;
    if (f->regel->regel.art == Aussonderungsart::kA) return 'A';
    if (f->regel->regel.art == Aussonderungsart::kV) return 'V';
    return std::nullopt;
}

}  // namespace

Result<Aussonderung> AussonderungService::Create(const dms::Principal& p,
                                                 const AussonderungsAntrag& antrag) {
    AKTENWERK_RETURN_IF_ERROR(CheckArchivist(p, antrag.einheit_id));
    const dms::CivilDate today = repo_->clock().Today();
    const dms::CivilDate stichtag = antrag.stichtag.value_or(today);
    if (today < stichtag) {
        return InvalidArgumentError("the cut-off date " + stichtag.ToString() +
                                    " lies in the future; only what is due can be offered");
    }
    Aussonderung run;
    run.id = dms::NewUuid();
    run.stichtag = stichtag;
    run.absender = Merge(antrag.absender, options_.absender);
    run.empfaenger = Merge(antrag.empfaenger, options_.empfaenger);
    AKTENWERK_RETURN_IF_ERROR(CheckKontakt("absender", run.absender));
    AKTENWERK_RETURN_IF_ERROR(CheckKontakt("empfaenger", run.empfaenger));
    if (run.absender.praefix.empty() || run.absender.behoerdenschluessel.empty()) {
        return InvalidArgumentError(
            "the sender's Behördenkennung (praefix and behoerdenschluessel) is required: archives "
            "identify the agency by it; give it in the request or start the server with "
            "--behoerdenkennung");
    }
    AKTENWERK_RETURN_IF_ERROR(dms::CheckText("hinweis", antrag.hinweis, 2000, false, true));
    run.hinweis = antrag.hinweis;
    run.protokoll_akte_id = antrag.protokoll_akte_id;
    run.einheit_id = antrag.einheit_id.empty() ? std::string(dms::kRootId) : antrag.einheit_id;
    run.erstellt_von = p.name;
    run.erstellt_am = repo_->clock().NowMillis();

    std::lock_guard lock(mu_);
    Status s = repo_->metadata().Commit([&](storage::Txn& txn) -> Status {
        run.ausgelassen = json::array();
        run.objekte = 0;
        if (run.einheit_id != dms::kRootId) {
            AKTENWERK_ASSIGN_OR_RETURN(auto unit, dms::LoadObjekt(txn, run.einheit_id));
            if (unit.kind != dms::Kind::kAktenplaneinheit) {
                return InvalidArgumentError("an Aussonderung runs over an Aktenplaneinheit");
            }
            run.einheit_bezeichnung = unit.kennzeichen + " " + unit.titel;
        } else {
            run.einheit_bezeichnung = "gesamter Aktenplan";
        }
        if (!run.protokoll_akte_id.empty()) {
            AKTENWERK_ASSIGN_OR_RETURN(auto akte, dms::LoadObjekt(txn, run.protokoll_akte_id));
            if (akte.kind != dms::Kind::kAkte) {
                return InvalidArgumentError("protokoll_akte_id must name an Akte");
            }
        }

        // What is due, without what a hold keeps, and without what the archivist may not
        // dispose of (a denied sub-unit, an Akte above the level of the grant): for the
        // caller that does not exist, so it is not even listed as left out, and nothing that
        // contains it goes into the process either.
        AKTENWERK_ASSIGN_OR_RETURN(auto due, DueOn(txn, run.einheit_id, stichtag, 0));
        std::map<std::string, Faelligkeit> frei;
        std::vector<dms::Objekt> verborgen;
        for (auto& f : due) {
            AKTENWERK_ASSIGN_OR_RETURN(auto o, dms::LoadObjekt(txn, f.objekt_id));
            if (!p.admin) {
                auto access = repo_->access().AccessTo(p, o);
                if (!access.ok() || (access->rights & dms::kRightDisposal) == 0) {
                    verborgen.push_back(std::move(o));
                    continue;
                }
            }
            Status held = dms::CheckNotHeld(txn, o, "offer");
            if (!held.ok() && held.reason() != "held") return held;
            if (!held.ok()) {
                run.ausgelassen.push_back(
                    {{"id", o.id}, {"bezeichnung", f.bezeichnung}, {"grund", held.message()}});
                continue;
            }
            frei.emplace(f.objekt_id, std::move(f));
        }
        for (const auto& o : verborgen) {
            std::string parent = o.parent_id;
            for (size_t depth = 0; depth < dms::kTreeWalkLimit; ++depth) {
                frei.erase(parent);
                AKTENWERK_ASSIGN_OR_RETURN(auto up, dms::LoadObjekt(txn, parent));
                if (up.kind == dms::Kind::kAktenplaneinheit) break;
                parent = up.parent_id;
            }
        }
        // The top-most due objects: what lies inside a due object goes with it.
        std::vector<Faelligkeit> tops;
        for (const auto& [id, f] : frei) {
            AKTENWERK_ASSIGN_OR_RETURN(auto o, dms::LoadObjekt(txn, id));
            bool inside = false;
            std::string parent = o.parent_id;
            for (size_t depth = 0; depth < dms::kTreeWalkLimit && !inside; ++depth) {
                if (frei.count(parent)) inside = true;
                AKTENWERK_ASSIGN_OR_RETURN(auto up, dms::LoadObjekt(txn, parent));
                if (up.kind == dms::Kind::kAktenplaneinheit) break;
                parent = up.parent_id;
            }
            if (!inside) tops.push_back(f);
        }
        if (tops.empty()) {
            return FailedPreconditionError(
                "nothing under " + run.einheit_bezeichnung + " is due on " + stichtag.ToString() +
                    (run.ausgelassen.empty() ? std::string()
                                             : " except " + std::to_string(run.ausgelassen.size()) +
                                                   " object(s) under a hold"),
                "nothing-due");
        }
        std::sort(tops.begin(), tops.end(), [](const auto& a, const auto& b) {
            return std::tie(*a.faellig_ab, a.bezeichnung) < std::tie(*b.faellig_ab, b.bezeichnung);
        });

        // Every object of the offered trees becomes an object of the process.
        uint32_t ord = 0;
        for (const auto& top : tops) {
            std::vector<std::pair<std::string, std::string>> todo = {{top.objekt_id, ""}};
            while (!todo.empty()) {
                auto [id, parent] = todo.back();
                todo.pop_back();
                AKTENWERK_ASSIGN_OR_RETURN(auto o, dms::LoadObjekt(txn, id));
                AussonderungsObjekt ao;
                ao.id = o.id;
                ao.typ = o.kind;
                ao.parent_id = parent;
                ao.ord = ++ord;
                ao.bezeichnung = dms::Bezeichnung(o);
                ao.betreff = o.betreff;
                ao.status = "angeboten";
                if (Appraisable(o.kind)) {
                    AKTENWERK_ASSIGN_OR_RETURN(auto other, txn.Get(keys::InAussonderung(o.id)));
                    if (other) {
                        return FailedPreconditionError(
                            ao.bezeichnung + " is part of the unfinished Aussonderung " + *other +
                                " already; finish or cancel that one first",
                            "in-aussonderung");
                    }
                    txn.Put(keys::InAussonderung(o.id), run.id);
                    AKTENWERK_ASSIGN_OR_RETURN(ao.faelligkeit, LookupFaelligkeit(txn, o.id));
                    if (o.id == top.objekt_id) ao.faelligkeit = top;
                    ao.vorschlag = VorschlagFor(ao.faelligkeit);
                }
                PutObjekt(txn, run.id, ao);
                ++run.objekte;
                AKTENWERK_ASSIGN_OR_RETURN(auto children, AllChildren(txn, o.id));
                // Reversed onto the stack, so children come out in index order.
                for (auto it = children.rbegin(); it != children.rend(); ++it) {
                    todo.emplace_back(*it, o.id);
                }
            }
            AKTENWERK_RETURN_IF_ERROR(dms::AppendAudit(txn, run.erstellt_am, p.name, top.objekt_id,
                                                       "zur-aussonderung-vorgesehen", nullptr,
                                                       {{"prozess_id", run.id}}));
        }
        PutRun(txn, run);
        return dms::AppendAudit(txn, run.erstellt_am, p.name, run.id, "aussonderung-angelegt",
                                nullptr,
                                {{"einheit_id", run.einheit_id},
                                 {"stichtag", stichtag.ToString()},
                                 {"objekte", run.objekte},
                                 {"ausgelassen", run.ausgelassen}});
    });
    if (!s.ok()) return s.WithContext("create Aussonderung");
    Log().Info("aussonderung created",
               "prozess=" + run.id + " objekte=" + std::to_string(run.objekte) +
                   " ausgelassen=" + std::to_string(run.ausgelassen.size()));
    return run;
}

Result<Aussonderung> AussonderungService::SetVorschlaege(
    const dms::Principal& p, std::string_view id, const std::map<std::string, char>& vorschlaege) {
    AKTENWERK_RETURN_IF_ERROR(CheckRun(p, id));
    std::lock_guard lock(mu_);
    Aussonderung run;
    Status s = repo_->metadata().Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(run, LoadRun(txn, id));
        if (run.status != AussonderungsStatus::kAngelegt) {
            return WrongState("proposals are set before the offer (0501); the process is " +
                              std::string(StatusName(run.status)));
        }
        for (const auto& [objekt_id, art] : vorschlaege) {
            AKTENWERK_ASSIGN_OR_RETURN(auto raw, txn.Get(keys::AusObjekt(run.id, objekt_id)));
            if (!raw) {
                return InvalidArgumentError(objekt_id + " is not part of this Aussonderung",
                                            "unknown-object");
            }
            if (art != 'A' && art != 'V') {
                return InvalidArgumentError("a Bewertungsvorschlag is A or V");
            }
            AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
            AKTENWERK_ASSIGN_OR_RETURN(auto o, AussonderungsObjektFromJson(j));
            if (!Appraisable(o.typ)) {
                return InvalidArgumentError("proposals are made for Akten and Vorgänge");
            }
            o.vorschlag = art;
            PutObjekt(txn, run.id, o);
        }
        return dms::AppendAudit(txn, repo_->clock().NowMillis(), p.name, run.id,
                                "bewertungsvorschlaege", nullptr, {{"anzahl", vorschlaege.size()}});
    });
    if (!s.ok()) return s.WithContext("proposals of Aussonderung " + std::string(id));
    return run;
}

// --- Writing messages ------------------------------------------------------------------------

namespace {

// A message being written: the XML in a temporary file, packed into the final ZIP.
struct Ausgang {
    std::string folder;
    std::string base;  // <ProzessID>_<Name>.<code>
    std::string xml_path() const { return folder + "/" + base + ".xml.tmp"; }
    std::string zip_path() const { return folder + "/" + base + ".zip"; }
};

Status MakeFolder(const std::string& dir) {
    std::error_code ec;
    fs::create_directories(dir, ec);
    if (ec) return ErrnoError("create " + dir, ec.value());
    return Status::Ok();
}

// Validates the XML written to `out`, adds it to `zip` (which may hold primary files
// already), and makes the package durable under its final name. On any failure the files are
// removed: nothing invalid is ever offered.
Result<Nachricht> Finalize(const Ausgang& out, const std::string& code, xdomea::ZipWriter& zip,
                           int64_t now) {
    auto cleanup = [&] {
        std::error_code ec;
        fs::remove(out.xml_path(), ec);
        fs::remove(out.zip_path() + ".tmp", ec);
    };
    auto valid =
        xdomea::ValidateMessageFile(out.xml_path(), xdomea::Family::kAussonderung, kVersion);
    if (!valid.ok()) {
        cleanup();
        // Our own message failing the schema is our bug, not the caller's.
        return InternalError("the " + code + " we wrote is not valid: " + valid.status().message());
    }
    Status packed = zip.AddFile(out.base + ".xml", out.xml_path(), true, now);
    if (packed.ok()) packed = zip.Finish();
    if (packed.ok() && ::rename((out.zip_path() + ".tmp").c_str(), out.zip_path().c_str()) != 0) {
        packed = ErrnoError("rename " + out.zip_path(), errno);
    }
    if (packed.ok()) packed = SyncDir(out.folder);
    if (!packed.ok()) {
        cleanup();
        return packed;
    }
    std::error_code ec;
    fs::remove(out.xml_path(), ec);
    Nachricht n;
    n.code = code;
    n.richtung = "ausgang";
    n.datei = out.base + ".zip";
    n.sha256 = Sha256OfFile(out.zip_path(), &n.groesse);
    n.zeit = now;
    n.version = std::string(xdomea::VersionName(kVersion));
    return n;
}

// A message without primary files (0501, 0505).
Result<Nachricht> Pack(const Ausgang& out, const std::string& code, int64_t now) {
    AKTENWERK_ASSIGN_OR_RETURN(auto zip, xdomea::ZipWriter::Create(out.zip_path() + ".tmp", false));
    return Finalize(out, code, *zip, now);
}

// Visits the objects of a process in key order without holding them, until `fn` says stop.
template <typename Reader>
Status ForEachRunObjekt(const Reader& reader, const std::string& run,
                        const std::function<Result<bool>(AussonderungsObjekt)>& fn) {
    Status failed;
    AKTENWERK_RETURN_IF_ERROR(
        reader.Scan(keys::AusObjektPrefix(run), "", [&](auto, std::string_view value) {
            auto j = storage::DecodeValue(value);
            auto o =
                j.ok() ? AussonderungsObjektFromJson(*j) : Result<AussonderungsObjekt>(j.status());
            if (!o.ok()) {
                failed = o.status();
                return false;
            }
            auto go_on = fn(std::move(o).value());
            if (!go_on.ok()) {
                failed = go_on.status();
                return false;
            }
            return *go_on;
        }));
    return failed;
}

template <typename Reader>
Result<std::optional<AussonderungsObjekt>> LoadRunObjekt(const Reader& reader,
                                                         const std::string& run,
                                                         const std::string& id) {
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, reader.Get(keys::AusObjekt(run, id)));
    if (!raw) return std::optional<AussonderungsObjekt>();
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    AKTENWERK_ASSIGN_OR_RETURN(auto o, AussonderungsObjektFromJson(j));
    return std::optional<AussonderungsObjekt>(std::move(o));
}

xdomea::Kopf KopfFor(const Aussonderung& run, const std::string& code, int64_t now,
                     const AussonderungOptions& options) {
    return {run.id,
            code,
            now,
            run.absender,
            run.empfaenger,
            options.instanz_id,
            options.produkt_version,
            run.hinweis};
}

}  // namespace

Result<Aussonderung> AussonderungService::Anbieten(const dms::Principal& p, std::string_view id) {
    AKTENWERK_RETURN_IF_ERROR(CheckRun(p, id));
    std::lock_guard lock(mu_);
    AKTENWERK_ASSIGN_OR_RETURN(auto run, Load(id));
    if (run.status == AussonderungsStatus::kAngeboten) return run;  // offered already
    if (run.status != AussonderungsStatus::kAngelegt) {
        return WrongState("the offer (0501) was made already; the process is " +
                          std::string(StatusName(run.status)));
    }
    const dms::StoreView view(repo_->metadata());
    const std::string run_id = run.id;
    std::vector<AussonderungsObjekt> tops;
    AKTENWERK_RETURN_IF_ERROR(ForEachRunObjekt(view, run_id, [&](AussonderungsObjekt o) {
        if (o.parent_id.empty()) tops.push_back(std::move(o));
        return Result<bool>(true);
    }));
    std::sort(tops.begin(), tops.end(), [](const auto& a, const auto& b) { return a.ord < b.ord; });
    auto lookup = [view, run_id](const std::string& oid) {
        return LoadRunObjekt(view, run_id, oid);
    };

    const int64_t now = repo_->clock().NowMillis();
    Ausgang out{Folder(run.id), xdomea::PackageBaseName(run.id, "0501")};
    AKTENWERK_RETURN_IF_ERROR(MakeFolder(out.folder));
    {
        AKTENWERK_ASSIGN_OR_RETURN(auto w, xdomea::XmlWriter::Create(out.xml_path(), kVersion));
        w->StartRoot(xdomea::RootElement("0501"), xdomea::Family::kAussonderung);
        xdomea::WriteKopfStart(*w, KopfFor(run, "0501", now, options_), kVersion);
        w->Element("Empfangsbestaetigung", "1");
        w->End();
        SchriftgutExport exporter(*repo_, *w, lookup, /*abgabe=*/false,
                                  [](const Primaerdatei&) { return Status::Ok(); });
        for (const auto& o : tops) AKTENWERK_RETURN_IF_ERROR(exporter.WriteSchriftgutobjekt(o));
        w->End();
        AKTENWERK_RETURN_IF_ERROR(w->Finish());
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto nachricht, Pack(out, "0501", now));

    Status s = repo_->metadata().Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(run, LoadRun(txn, id));
        if (run.status != AussonderungsStatus::kAngelegt) return WrongState("changed meanwhile");
        for (const auto& o : tops) {
            AKTENWERK_ASSIGN_OR_RETURN(auto record, dms::LoadObjekt(txn, o.id));
            AKTENWERK_RETURN_IF_ERROR(dms::CheckNotHeld(txn, record, "offer"));
            AKTENWERK_RETURN_IF_ERROR(dms::AppendAudit(txn, now, p.name, o.id,
                                                       "zur-aussonderung-angeboten", nullptr,
                                                       {{"prozess_id", run.id}}));
        }
        run.status = AussonderungsStatus::kAngeboten;
        run.nachrichten.push_back(nachricht);
        PutRun(txn, run);
        return dms::AppendAudit(txn, now, p.name, run.id, "0501-erzeugt", nullptr,
                                {{"datei", nachricht.datei}, {"sha256", nachricht.sha256}});
    });
    if (!s.ok()) {
        std::error_code ec;
        fs::remove(out.zip_path(), ec);
        return s.WithContext("offer of Aussonderung " + run.id);
    }
    return run;
}

Result<Aussonderung> AussonderungService::Abgeben(const dms::Principal& p, std::string_view id) {
    AKTENWERK_RETURN_IF_ERROR(CheckRun(p, id));
    std::lock_guard lock(mu_);
    AKTENWERK_ASSIGN_OR_RETURN(auto run, Load(id));
    if (run.status == AussonderungsStatus::kAbgegeben) return run;  // transferred already
    if (run.status == AussonderungsStatus::kAngelegt ||
        run.status == AussonderungsStatus::kAngeboten) {
        return FailedPreconditionError(
            "the transfer (0503) comes after the archive's appraisal (0502), which has not "
            "arrived",
            "not-appraised");
    }
    if (run.status != AussonderungsStatus::kBewertet) {
        return WrongState("the process is " + std::string(StatusName(run.status)));
    }
    // The top-level A objects: appraised A under a parent that is not (or none). Only they
    // are held in memory; everything else is read when it is written.
    const dms::StoreView view(repo_->metadata());
    const std::string run_id = run.id;
    auto lookup = [view, run_id](const std::string& oid) {
        return LoadRunObjekt(view, run_id, oid);
    };
    std::vector<AussonderungsObjekt> tops;
    AKTENWERK_RETURN_IF_ERROR(
        ForEachRunObjekt(view, run_id, [&](AussonderungsObjekt o) -> Result<bool> {
            if (o.bewertung != 'A') return true;
            if (!o.parent_id.empty()) {
                AKTENWERK_ASSIGN_OR_RETURN(auto parent, lookup(o.parent_id));
                if (parent && parent->bewertung == 'A') return true;
            }
            tops.push_back(std::move(o));
            return true;
        }));
    std::sort(tops.begin(), tops.end(), [](const auto& a, const auto& b) { return a.ord < b.ord; });
    if (tops.empty()) {
        return FailedPreconditionError(
            "the archive appraised nothing as A; approve the destruction instead",
            "nothing-to-transfer");
    }
    for (const auto& top : tops) {
        AKTENWERK_ASSIGN_OR_RETURN(auto record, dms::LoadObjekt(view, top.id));
        AKTENWERK_RETURN_IF_ERROR(dms::CheckNotHeld(view, record, "transfer"));
    }

    // The primary files go into the ZIP as the message names them; the message itself is
    // validated when complete and added last, so every byte is read once and nothing waits
    // in memory.
    const int64_t now = repo_->clock().NowMillis();
    Ausgang out{Folder(run.id), xdomea::PackageBaseName(run.id, "0503")};
    AKTENWERK_RETURN_IF_ERROR(MakeFolder(out.folder));
    AKTENWERK_ASSIGN_OR_RETURN(auto zip, xdomea::ZipWriter::Create(out.zip_path() + ".tmp", false));
    uint64_t primaerdateien = 0;
    Status written = [&]() -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto w, xdomea::XmlWriter::Create(out.xml_path(), kVersion));
        w->StartRoot(xdomea::RootElement("0503"), xdomea::Family::kAussonderung);
        xdomea::WriteKopfStart(*w, KopfFor(run, "0503", now, options_), kVersion);
        w->Element("Importbestaetigung", "1");
        w->Element("RueckmeldungArchivkennung", "1");
        w->Element("Empfangsbestaetigung", "1");
        w->End();
        SchriftgutExport exporter(*repo_, *w, lookup, /*abgabe=*/true, [&](const Primaerdatei& d) {
            ++primaerdateien;
            if (!d.daten.empty()) return AddBytes(*zip, out.folder, d);
            return zip->AddFile(d.dateiname, repo_->blobs().PathFor(d.sha256), d.komprimieren,
                                d.erstellt_am);
        });
        for (const auto& top : tops) AKTENWERK_RETURN_IF_ERROR(exporter.WriteSchriftgutobjekt(top));
        w->End();
        return w->Finish();
    }();
    if (!written.ok()) {
        zip.reset();
        std::error_code ec;
        fs::remove(out.xml_path(), ec);
        fs::remove(out.zip_path() + ".tmp", ec);
        return written;
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto nachricht, Finalize(out, "0503", *zip, now));

    // The hold check and the record of the transfer are one transaction.
    Status s = repo_->metadata().Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(run, LoadRun(txn, id));
        if (run.status != AussonderungsStatus::kBewertet) return WrongState("changed meanwhile");
        for (const auto& top : tops) {
            AKTENWERK_ASSIGN_OR_RETURN(auto record, dms::LoadObjekt(txn, top.id));
            AKTENWERK_RETURN_IF_ERROR(dms::CheckNotHeld(txn, record, "transfer"));
            AKTENWERK_RETURN_IF_ERROR(dms::AppendAudit(txn, now, p.name, top.id,
                                                       "an-archiv-abgegeben", nullptr,
                                                       {{"prozess_id", run.id}}));
        }
        // The objects' state "abgegeben" follows from the process's; rewriting every object
        // record here would make this transaction as large as the transfer.
        run.status = AussonderungsStatus::kAbgegeben;
        run.nachrichten.push_back(nachricht);
        PutRun(txn, run);
        return dms::AppendAudit(txn, now, p.name, run.id, "0503-erzeugt", nullptr,
                                {{"datei", nachricht.datei},
                                 {"sha256", nachricht.sha256},
                                 {"primaerdateien", primaerdateien}});
    });
    if (!s.ok()) {
        std::error_code ec;
        fs::remove(out.zip_path(), ec);
        return s.WithContext("transfer of Aussonderung " + run.id);
    }
    Log().Info("aussonderung transferred", "prozess=" + run.id +
                                               " primaerdateien=" + std::to_string(primaerdateien) +
                                               " bytes=" + std::to_string(nachricht.groesse));
    return run;
}

// --- Receiving messages ----------------------------------------------------------------------

namespace {

// Applies the archive's decisions: an object with an entry takes it; one without takes its
// parent's within the process, and a top-level object without an entry counts as V (as the
// archives' software does). Decisions must be A or V.
Status Appraise(std::vector<AussonderungsObjekt>& objekte,
                const std::vector<xdomea::Bewertung>& bewertungen) {
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < objekte.size(); ++i) index.emplace(objekte[i].id, i);
    std::map<std::string, char> explicit_art;
    for (const auto& b : bewertungen) {
        const std::string id = Lower(b.id);
        if (!index.count(id)) {
            return InvalidArgumentError("line " + std::to_string(b.line) + ": the 0502 appraises " +
                                            b.id + ", which this Aussonderung never offered",
                                        "unknown-object");
        }
        if (b.art == 'B') {
            return InvalidArgumentError("line " + std::to_string(b.line) + ": " + b.id +
                                            " is appraised B (to be appraised); a 0502 must "
                                            "decide A or V for every object it names",
                                        "undecided");
        }
        if (!explicit_art.emplace(id, b.art).second) {
            return InvalidArgumentError(
                "line " + std::to_string(b.line) + ": " + b.id + " is appraised twice",
                "duplicate-object");
        }
    }
    // Objects are in tree order, so a parent is decided before its children.
    for (auto& o : objekte) {
        if (auto e = explicit_art.find(o.id); e != explicit_art.end()) {
            o.bewertung = e->second;
            o.bewertung_quelle = "0502";
        } else if (auto parent = index.find(o.parent_id); parent != index.end()) {
            o.bewertung = objekte[parent->second].bewertung;
            o.bewertung_quelle = "geerbt";
        } else {
            o.bewertung = 'V';
            o.bewertung_quelle = "ohne-eintrag";
        }
        o.status = "bewertet";
    }
    return Status::Ok();
}

// Applies a 0506: every named object must have been transferred; its result passes to the
// transferred objects below it that have no entry of their own.
Status Confirm(std::vector<AussonderungsObjekt>& objekte,
               const xdomea::Importbestaetigung& bestaetigung) {
    std::map<std::string, size_t> index;
    for (size_t i = 0; i < objekte.size(); ++i) index.emplace(objekte[i].id, i);
    std::map<std::string, const xdomea::ImportErgebnis*> explicit_result;
    for (const auto& e : bestaetigung.objekte) {
        const std::string id = Lower(e.id);
        auto it = index.find(id);
        if (it == index.end() || objekte[it->second].bewertung != 'A') {
            return InvalidArgumentError("line " + std::to_string(e.line) + ": the 0506 confirms " +
                                            e.id + ", which this Aussonderung did not transfer",
                                        "unknown-object");
        }
        explicit_result[id] = &e;
    }
    const bool global = bestaetigung.gesamt_erfolgreich.has_value();
    for (auto& o : objekte) {
        if (o.bewertung != 'A' || o.status == "uebernommen" || Removed(o)) continue;
        const xdomea::ImportErgebnis* result = nullptr;
        if (auto e = explicit_result.find(o.id); e != explicit_result.end()) result = e->second;
        if (result) {
            o.status = result->erfolgreich ? "uebernommen" : "nicht-uebernommen";
            o.archivkennung = result->archivkennung;
            o.fehlermeldungen = result->fehlermeldungen;
        } else if (auto parent = index.find(o.parent_id);
                   parent != index.end() && objekte[parent->second].bewertung == 'A' &&
                   (objekte[parent->second].status == "uebernommen" ||
                    objekte[parent->second].status == "nicht-uebernommen")) {
            o.status = objekte[parent->second].status;
        } else if (global) {
            // 2.x: one result for the whole transfer.
            o.status = *bestaetigung.gesamt_erfolgreich ? "uebernommen" : "nicht-uebernommen";
            if (!bestaetigung.gesamt_fehlermeldung.empty()) {
                o.fehlermeldungen = {bestaetigung.gesamt_fehlermeldung};
            }
        }
    }
    return Status::Ok();
}

}  // namespace

Result<Aussonderung> AussonderungService::Empfangen(const dms::Principal& p, std::string_view id,
                                                    std::string_view bytes) {
    AKTENWERK_RETURN_IF_ERROR(CheckRun(p, id));
    std::lock_guard lock(mu_);
    AKTENWERK_ASSIGN_OR_RETURN(auto run, Load(id));
    AKTENWERK_ASSIGN_OR_RETURN(auto msg,
                               xdomea::ReceiveMessage(bytes, xdomea::Family::kAussonderung));
    if (Lower(msg.kopf.prozess_id) != run.id) {
        return InvalidArgumentError("the " + msg.code + " belongs to the process " +
                                        msg.kopf.prozess_id + ", not to this Aussonderung " +
                                        run.id,
                                    "wrong-process");
    }
    const std::string& code = msg.code;
    if (code != "0502" && code != "0504" && code != "0506" && code != "0507") {
        return InvalidArgumentError("a " + code + " is not a message the archive sends here",
                                    "wrong-message");
    }
    if (run.status == AussonderungsStatus::kAbgebrochen) {
        return WrongState("the Aussonderung was cancelled");
    }
    if (run.status == AussonderungsStatus::kAngelegt) {
        return WrongState("a " + code + " before the offer (0501) was made");
    }
    if (code == "0502" && run.status != AussonderungsStatus::kAngeboten) {
        return WrongState(
            "the appraisal (0502) was taken in already; each message comes once "
            "per process");
    }
    if ((code == "0506" || code == "0507") && run.status != AussonderungsStatus::kAbgegeben &&
        run.status != AussonderungsStatus::kAbgeschlossen) {
        return WrongState("a " + code + " before the transfer (0503)");
    }

    AKTENWERK_ASSIGN_OR_RETURN(auto objekte, LoadObjekte(run.id));
    std::optional<Nachricht> antwort;
    const int64_t now = repo_->clock().NowMillis();
    if (code == "0502") {
        AKTENWERK_ASSIGN_OR_RETURN(auto bewertungen, xdomea::ReadBewertungen(msg));
        AKTENWERK_RETURN_IF_ERROR(Appraise(objekte, bewertungen));
    } else if (code == "0506") {
        AKTENWERK_ASSIGN_OR_RETURN(auto bestaetigung, xdomea::ReadImportbestaetigung(msg));
        AKTENWERK_RETURN_IF_ERROR(Confirm(objekte, bestaetigung));
    }

    // The message is kept as received; a 0505 is written when the 0502 asks for it.
    AKTENWERK_RETURN_IF_ERROR(MakeFolder(Folder(run.id)));
    const size_t n = run.nachrichten.size() + 1;
    Nachricht eingang;
    eingang.code = code;
    eingang.richtung = "eingang";
    eingang.datei = "eingang-" + std::to_string(n) + "-" + code +
                    (xdomea::LooksLikeZip(bytes) ? ".zip" : ".xml");
    eingang.zeit = now;
    eingang.version = std::string(xdomea::VersionName(msg.info.version));
    const std::string eingang_path = Folder(run.id) + "/" + eingang.datei;
    AKTENWERK_RETURN_IF_ERROR(WriteFileDurably(eingang_path, bytes));
    eingang.sha256 = Sha256OfFile(eingang_path, &eingang.groesse);
    if (code == "0502" && msg.kopf.empfangsbestaetigung.value_or(false)) {
        Ausgang out{Folder(run.id), xdomea::PackageBaseName(run.id, "0505")};
        {
            AKTENWERK_ASSIGN_OR_RETURN(auto w, xdomea::XmlWriter::Create(out.xml_path(), kVersion));
            w->StartRoot(xdomea::RootElement("0505"), xdomea::Family::kAussonderung);
            xdomea::WriteKopfStart(*w, KopfFor(run, "0505", now, options_), kVersion);
            w->End();
            w->End();
            AKTENWERK_RETURN_IF_ERROR(w->Finish());
        }
        AKTENWERK_ASSIGN_OR_RETURN(antwort, Pack(out, "0505", now));
    }

    Status s = repo_->metadata().Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto current, LoadRun(txn, id));
        if (current.status != run.status || current.nachrichten.size() != run.nachrichten.size()) {
            return WrongState("changed meanwhile");
        }
        run.nachrichten.push_back(eingang);
        if (antwort) run.nachrichten.push_back(*antwort);
        if (code == "0502" || code == "0506") {
            for (const auto& o : objekte) {
                PutObjekt(txn, run.id, o);
                if (!Appraisable(o.typ)) continue;
                if (code == "0502") {
                    AKTENWERK_RETURN_IF_ERROR(
                        dms::AppendAudit(txn, now, p.name, o.id, "bewertet", nullptr,
                                         {{"prozess_id", run.id},
                                          {"aussonderungsart", std::string(1, *o.bewertung)},
                                          {"quelle", o.bewertung_quelle}}));
                } else if (o.bewertung == 'A' && !Removed(o)) {
                    AKTENWERK_RETURN_IF_ERROR(dms::AppendAudit(
                        txn, now, p.name, o.id, "archiv-import-bestaetigt", nullptr,
                        {{"prozess_id", run.id},
                         {"status", o.status},
                         {"archivkennung", o.archivkennung}}));
                }
            }
        }
        if (code == "0502") run.status = AussonderungsStatus::kBewertet;
        PutRun(txn, run);
        return dms::AppendAudit(
            txn, now, p.name, run.id, code + "-eingegangen", nullptr,
            {{"datei", eingang.datei}, {"sha256", eingang.sha256}, {"version", eingang.version}});
    });
    if (!s.ok()) {
        std::error_code ec;
        fs::remove(eingang_path, ec);
        if (antwort) fs::remove(Folder(run.id) + "/" + antwort->datei, ec);
        return s.WithContext("message for Aussonderung " + run.id);
    }
    return run;
}

Result<Aussonderung> AussonderungService::Freigeben(const dms::Principal& p, std::string_view id) {
    AKTENWERK_RETURN_IF_ERROR(CheckRun(p, id));
    std::lock_guard lock(mu_);
    Aussonderung run;
    Status s = repo_->metadata().Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(run, LoadRun(txn, id));
        if (run.status != AussonderungsStatus::kBewertet &&
            run.status != AussonderungsStatus::kAbgegeben) {
            return WrongState(
                "the destruction is approved once the archive's appraisal is in; "
                "the process is " +
                std::string(StatusName(run.status)));
        }
        if (!run.freigabe_von.empty()) return Status::Ok();
        run.freigabe_von = p.name;
        run.freigabe_am = repo_->clock().NowMillis();
        PutRun(txn, run);
        return dms::AppendAudit(txn, run.freigabe_am, p.name, run.id, "vernichtung-freigegeben",
                                nullptr, nullptr);
    });
    if (!s.ok()) return s.WithContext("approval of Aussonderung " + std::string(id));
    return run;
}

Result<Aussonderung> AussonderungService::Abbrechen(const dms::Principal& p, std::string_view id,
                                                    std::string_view grund) {
    AKTENWERK_RETURN_IF_ERROR(CheckRun(p, id));
    AKTENWERK_RETURN_IF_ERROR(dms::CheckText("grund", grund, 2000, true, true));
    std::lock_guard lock(mu_);
    Aussonderung run;
    Status s = repo_->metadata().Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(run, LoadRun(txn, id));
        if (run.status != AussonderungsStatus::kAngelegt &&
            run.status != AussonderungsStatus::kAngeboten &&
            run.status != AussonderungsStatus::kBewertet) {
            return WrongState("a process is cancelled only before the transfer (0503); it is " +
                              std::string(StatusName(run.status)));
        }
        AKTENWERK_ASSIGN_OR_RETURN(auto objekte, LoadRunObjekte(txn, run.id));
        for (const auto& o : objekte) {
            if (Appraisable(o.typ)) txn.Delete(keys::InAussonderung(o.id));
        }
        run.status = AussonderungsStatus::kAbgebrochen;
        PutRun(txn, run);
        return dms::AppendAudit(txn, repo_->clock().NowMillis(), p.name, run.id,
                                "aussonderung-abgebrochen", nullptr,
                                {{"grund", std::string(grund)}});
    });
    if (!s.ok()) return s.WithContext("cancel Aussonderung " + std::string(id));
    return run;
}

// --- Destruction -----------------------------------------------------------------------------

namespace {

struct Plan {
    std::map<std::string, AussonderungsObjekt> objekte;
    std::map<std::string, std::vector<std::string>> kinder;
    bool freigegeben = false;
};

bool Cleared(const Plan& plan, const AussonderungsObjekt& o) {
    if (o.bewertung == 'V') return plan.freigegeben;
    return o.bewertung == 'A' && o.status == "uebernommen";
}

// Whether `id` and everything below it may go now, all with the same decision `art`.
bool ClearedAll(const Plan& plan, const std::string& id, char art) {
    const auto& o = plan.objekte.at(id);
    if (Removed(o)) return true;
    if (!Cleared(plan, o) || o.bewertung != art) return false;
    auto kids = plan.kinder.find(id);
    if (kids == plan.kinder.end()) return true;
    for (const auto& k : kids->second) {
        if (!ClearedAll(plan, k, art)) return false;
    }
    return true;
}

std::string WhyNot(const Plan& plan, const AussonderungsObjekt& o) {
    if (Cleared(plan, o)) return "enthält Objekte, die noch nicht entfernt werden dürfen";
    if (o.bewertung == 'V') return "Vernichtung noch nicht freigegeben";
    if (o.status == "nicht-uebernommen") return "das Archiv hat die Übernahme nicht bestätigt";
    return "die Importbestätigung (0506) des Archivs steht aus";
}

// The nearest due date of `id` or of an object above it within the process.
std::optional<Faelligkeit> FaelligkeitOf(const Plan& plan, std::string id) {
    for (size_t depth = 0; depth < dms::kTreeWalkLimit && !id.empty(); ++depth) {
        auto it = plan.objekte.find(id);
        if (it == plan.objekte.end()) break;
        if (it->second.faelligkeit) return it->second.faelligkeit;
        id = it->second.parent_id;
    }
    return std::nullopt;
}

}  // namespace

Result<VernichtungsErgebnis> AussonderungService::Vernichten(const dms::Principal& p,
                                                             std::string_view id) {
    AKTENWERK_RETURN_IF_ERROR(CheckRun(p, id));
    std::lock_guard lock(mu_);
    AKTENWERK_ASSIGN_OR_RETURN(auto run, Load(id));
    if (run.status != AussonderungsStatus::kBewertet &&
        run.status != AussonderungsStatus::kAbgegeben) {
        return WrongState("records are destroyed after the archive's appraisal; the process is " +
                          std::string(StatusName(run.status)));
    }
    Plan plan;
    plan.freigegeben = !run.freigabe_von.empty();
    AKTENWERK_ASSIGN_OR_RETURN(auto objekte, LoadObjekte(run.id));
    std::vector<std::string> tops;
    for (const auto& o : objekte) {
        plan.objekte.emplace(o.id, o);
        if (o.parent_id.empty()) {
            tops.push_back(o.id);
        } else {
            plan.kinder[o.parent_id].push_back(o.id);
        }
    }

    VernichtungsErgebnis ergebnis;
    const size_t protokoll_nummer = run.protokolle.size() + 1;
    std::vector<json> zeilen;

    // Removes `root_id` and what is below it in one transaction: the process state is checked
    // again and the protocol lines written inside it.
    auto remove = [&](const std::string& root_id) -> Status {
        const AussonderungsObjekt root = plan.objekte.at(root_id);
        const char art = *root.bewertung;
        dms::EntfernungsAuftrag auftrag;
        auftrag.objekt_id = root_id;
        auftrag.art = art == 'A' ? dms::Entfernung::kAbgegeben : dms::Entfernung::kVernichtet;
        auftrag.grund = "Aussonderung " + run.id;
        const auto f = FaelligkeitOf(plan, root_id);
        auftrag.stub_info = {
            {"prozess_id", run.id},
            {"entscheidung", std::string(1, art)},
            {"archivkennung", root.archivkennung},
            {"regel", f && f->regel ? ToJson(*f->regel) : json()},
            {"faellig_ab", f && f->faellig_ab ? json(f->faellig_ab->ToString()) : json()},
            {"vernichtungsprotokoll", std::to_string(protokoll_nummer)}};
        auftrag.pruefen = [&](storage::Txn& txn, const dms::Objekt&) -> Status {
            AKTENWERK_ASSIGN_OR_RETURN(auto current, LoadRun(txn, run.id));
            if (current.status != run.status) return WrongState("changed meanwhile");
            return Status::Ok();
        };
        std::vector<json> neue_zeilen;
        auftrag.protokollieren = [&](storage::Txn& txn,
                                     const dms::EntfernungsBericht& bericht) -> Status {
            neue_zeilen.clear();
            for (const auto& removed : bericht.objekte) {
                auto it = plan.objekte.find(removed.id);
                if (it == plan.objekte.end()) {
                    return InternalError(removed.id +
                                         " lies below a process object but is not "
                                         "part of the process");
                }
                AussonderungsObjekt o = it->second;
                o.status = o.bewertung == 'A' ? "geloescht" : "vernichtet";
                PutObjekt(txn, run.id, o);
                txn.Delete(keys::InAussonderung(o.id));
                const auto fo = FaelligkeitOf(plan, o.id);
                json inhalte = json::array();
                for (const auto& v : removed.versionen) {
                    inhalte.push_back({{"version", v.nummer},
                                       {"dateiname", v.dateiname},
                                       {"sha256", v.sha256},
                                       {"groesse", v.groesse},
                                       {"blob", v.blob_entfernt ? "entfernt"
                                                                : "von anderen Versionen "
                                                                  "genutzt, behalten"}});
                }
                json zeile = {
                    {"objekt_id", o.id},
                    {"typ", dms::KindName(o.typ)},
                    {"bezeichnung", removed.bezeichnung},
                    {"aktenzeichen", o.typ == dms::Kind::kAkte ? removed.bezeichnung : ""},
                    {"betreff", removed.betreff},
                    {"regel", fo && fo->regel ? ToJson(*fo->regel) : json()},
                    {"faellig_ab",
                     fo && fo->faellig_ab ? json(fo->faellig_ab->ToString()) : json()},
                    {"zda", fo ? json(fo->massgeblich.ToString()) : json()},
                    {"entscheidung",
                     {{"aussonderungsart", std::string(1, *o.bewertung)},
                      {"quelle", o.bewertung_quelle},
                      {"archivkennung", o.archivkennung}}},
                    {"art", o.bewertung == 'A' ? "nach Übernahme durch das Archiv gelöscht"
                                               : "vernichtet"},
                    {"sperrpruefung",
                     "keine Sperre auf dem Objekt, darüber oder darunter; geprüft in der "
                     "Transaktion der Vernichtung"},
                    {"inhalte", std::move(inhalte)},
                    {"vorgeschlagen_von", run.erstellt_von},
                    {"freigegeben_von",
                     o.bewertung == 'A' ? "Archiv (Importbestätigung 0506)" : run.freigabe_von},
                    {"ausgefuehrt_von", p.name},
                    {"zeit", dms::FormatTimestamp(bericht.zeit)},
                    {"vernichtungsprotokoll", protokoll_nummer}};
                txn.Put(keys::Protokoll(run.id, o.id), storage::EncodeValue(zeile));
                neue_zeilen.push_back(std::move(zeile));
            }
            return Status::Ok();
        };
        auto removed = repo_->Destroy(p, auftrag);
        if (!removed.ok()) return removed.status();
        for (auto& z : neue_zeilen) {
            ergebnis.vernichtet.push_back(z["objekt_id"]);
            plan.objekte[z["objekt_id"].get<std::string>()].status =
                plan.objekte[z["objekt_id"].get<std::string>()].bewertung == 'A' ? "geloescht"
                                                                                 : "vernichtet";
            zeilen.push_back(std::move(z));
        }
        return Status::Ok();
    };

    // Removes every subtree that may go now, as large as possible but with one decision per
    // removal (so that each object's stub and audit entry say what happened to it).
    std::function<Result<bool>(const std::string&)> process =
        [&](const std::string& oid) -> Result<bool> {
        const AussonderungsObjekt& o = plan.objekte.at(oid);
        if (Removed(o)) return true;
        auto try_remove = [&]() -> Result<bool> {
            Status s = remove(oid);
            if (s.ok()) return true;
            // Rights may have changed since the process was made; like a hold, that keeps
            // the object (and says no more about it than the refusal did).
            const bool refused = s.code() == StatusCode::kPermissionDenied ||
                                 (s.code() == StatusCode::kNotFound && s.reason().empty());
            if (s.reason() != "held" && !refused) return s;
            ergebnis.offen.push_back(
                {{"id", oid},
                 {"bezeichnung", o.bezeichnung},
                 {"grund",
                  refused ? "not allowed to dispose of it (" + s.message() + ")" : s.message()}});
            return false;
        };
        if (ClearedAll(plan, oid, *o.bewertung)) return try_remove();
        bool all_gone = true;
        for (const auto& k : plan.kinder[oid]) {
            AKTENWERK_ASSIGN_OR_RETURN(bool gone, process(k));
            all_gone = all_gone && gone;
        }
        if (all_gone && Cleared(plan, o)) return try_remove();
        if (Appraisable(o.typ) || o.parent_id.empty()) {
            ergebnis.offen.push_back(
                {{"id", oid}, {"bezeichnung", o.bezeichnung}, {"grund", WhyNot(plan, o)}});
        }
        return false;
    };

    Status failure;
    for (const auto& top : tops) {
        auto done = process(top);
        if (!done.ok()) {
            // A failure other than a hold (disk, corruption): stop, but keep the protocol of
            // what was removed before it.
            failure = done.status();
            break;
        }
    }

    const int64_t now = repo_->clock().NowMillis();
    if (!zeilen.empty()) {
        json protokoll = {
            {"titel", "Vernichtungsprotokoll"},
            {"nummer", protokoll_nummer},
            {"prozess_id", run.id},
            {"einheit", run.einheit_bezeichnung},
            {"stichtag", run.stichtag.ToString()},
            {"erstellt_am", dms::FormatTimestamp(now)},
            {"ausgefuehrt_von", p.name},
            {"vorgeschlagen_von", run.erstellt_von},
            {"vernichtung_freigegeben_von", run.freigabe_von},
            {"archiv", run.empfaenger.institution},
            {"signatur", options_.signieren
                             ? json{{"verfahren", "CMS (RFC 5652), detached, SHA-256"},
                                    {"datei", "vernichtungsprotokoll-" +
                                                  std::to_string(protokoll_nummer) + ".json.p7s"}}
                             : json()},
            {"objekte", zeilen}};
        ergebnis.protokoll = "vernichtungsprotokoll-" + std::to_string(protokoll_nummer) + ".json";
        const std::string path = Folder(run.id) + "/" + ergebnis.protokoll;
        AKTENWERK_RETURN_IF_ERROR(MakeFolder(Folder(run.id)));
        const std::string text = protokoll.dump(2);
        Status written = WriteFileDurably(path, text);
        if (!written.ok()) {
            Log().Error("vernichtungsprotokoll not written",
                        "prozess=" + run.id + " error=" + log::Quote(written.ToString()));
            return written.WithContext(
                "the records were removed; their protocol lines are "
                "stored, but the protocol file failed");
        }
        // The protocol is signed over its exact bytes; a failed signature is logged and the
        // destruction, already done, stands.
        std::string signatur;
        if (options_.signieren) {
            auto cms = options_.signieren(text);
            Status kept = cms.ok() ? WriteFileDurably(path + ".p7s", *cms) : cms.status();
            if (kept.ok()) {
                signatur = std::move(cms).value();
            } else {
                Log().Error("vernichtungsprotokoll not signed",
                            "prozess=" + run.id + " error=" + log::Quote(kept.ToString()));
            }
        }
        uint64_t size = 0;
        const std::string sha = Sha256OfFile(path, &size);
        AKTENWERK_RETURN_IF_ERROR(repo_->metadata().Commit(
            [&](storage::Txn& txn) -> Status {
                AKTENWERK_ASSIGN_OR_RETURN(run, LoadRun(txn, id));
                run.protokolle.push_back(ergebnis.protokoll);
                if (!signatur.empty()) {
                    txn.Put(keys::ProtokollSignatur(run.id, run.protokolle.size()),
                            storage::EncodeValue({{"datei", ergebnis.protokoll},
                                                  {"sha256", sha},
                                                  {"cms", dms::EncodeBase64(signatur)}}));
                }
                AKTENWERK_ASSIGN_OR_RETURN(auto left, LoadRunObjekte(txn, run.id));
                if (std::all_of(left.begin(), left.end(), Removed)) {
                    run.status = AussonderungsStatus::kAbgeschlossen;
                }
                PutRun(txn, run);
                return dms::AppendAudit(
                    txn, now, p.name, run.id, "vernichtungsprotokoll", nullptr,
                    {{"datei", ergebnis.protokoll}, {"sha256", sha}, {"objekte", zeilen.size()}});
            },
            storage::Room::kMayUseReserve));
        // The protocol is also filed as a record where the process asks for it.
        if (!run.protokoll_akte_id.empty()) {
            dms::StringContentSource content(text);
            auto filed = repo_->CreateDokument(
                p, run.protokoll_akte_id,
                {{"betreff", "Vernichtungsprotokoll " + std::to_string(protokoll_nummer) +
                                 " der Aussonderung " + run.id},
                 {"dokumenttyp", "Vernichtungsprotokoll"}},
                content, {ergebnis.protokoll, true, "SHA-256 " + sha});
            if (!filed.ok()) {
                Log().Warning(
                    "vernichtungsprotokoll not filed",
                    "prozess=" + run.id + " error=" + log::Quote(filed.status().ToString()));
            }
        }
    }
    AKTENWERK_RETURN_IF_ERROR(failure);
    AKTENWERK_ASSIGN_OR_RETURN(ergebnis.aussonderung, Load(id));
    Log().Info("aussonderung destruction",
               "prozess=" + run.id + " entfernt=" + std::to_string(ergebnis.vernichtet.size()) +
                   " offen=" + std::to_string(ergebnis.offen.size()));
    return ergebnis;
}

// --- Files and the veto ----------------------------------------------------------------------

Result<std::string> AussonderungService::NachrichtDatei(const dms::Principal& p,
                                                        std::string_view id,
                                                        std::string_view code) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto run, Get(p, id));
    for (auto it = run.nachrichten.rbegin(); it != run.nachrichten.rend(); ++it) {
        if (it->code == code) return Folder(run.id) + "/" + it->datei;
    }
    return NotFoundError("the Aussonderung " + run.id + " has no message " + std::string(code) +
                         (code == "0503" ? " yet (it follows the archive's 0502)" : ""));
}

Result<std::string> AussonderungService::ProtokollDatei(const dms::Principal& p,
                                                        std::string_view id, size_t nummer) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto run, Get(p, id));
    if (nummer == 0 || nummer > run.protokolle.size()) {
        return NotFoundError("the Aussonderung " + run.id + " has no Vernichtungsprotokoll " +
                             std::to_string(nummer));
    }
    return Folder(run.id) + "/" + run.protokolle[nummer - 1];
}

Status AussonderungService::Veto(storage::Txn& txn, dms::LifecycleEvent event,
                                 const dms::Objekt& o) {
    if (event != dms::LifecycleEvent::kReopened && event != dms::LifecycleEvent::kMoved) {
        return Status::Ok();
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto run, txn.Get(keys::InAussonderung(o.id)));
    if (!run) return Status::Ok();
    return FailedPreconditionError(
        dms::Bezeichnung(o) + " is part of the unfinished Aussonderung " + *run +
            "; it cannot be " + (event == dms::LifecycleEvent::kReopened ? "reopened" : "moved") +
            " until that is finished or cancelled",
        "in-aussonderung");
}

}  // namespace aktenwerk::retention
