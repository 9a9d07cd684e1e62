// The Fachverfahrensdaten messages. Each message is read only after the checks of the xdomea
// library (validation.h); the work is done through the Repository's public methods, so the
// rights, holds and audit of every other interface apply unchanged. Answers are built in
// memory and validated before they are returned, since a case system refuses invalid ones.
#include "retention/fachverfahren.h"

#include <map>
#include <optional>
#include <set>
#include <utility>

#include <libxml/tree.h>

#include "dms/folder_import.h"
#include "dms/uuid.h"
#include "retention/keys.h"
#include "retention/xdomea/dom.h"
#include "retention/xdomea/validation.h"
#include "retention/xdomea/writer.h"
#include "retention/xdomea/zip.h"
#include "storage/codec.h"
#include "storage/log.h"

namespace aktenwerk::retention {

using nlohmann::json;
using xdomea::XmlNode;

namespace {

const log::Logger& Log() {
    static const log::Logger logger("retention");
    return logger;
}

constexpr std::string_view kSchluesselFeld = "fachverfahren_objekt_id";

// AllgemeineRueckmeldung codes we send (code list AllgemeineRueckmeldung 1.1).
constexpr std::string_view kErfolg = "0000000";
constexpr std::string_view kUnbekannteKennung = "0000003";
constexpr std::string_view kSchemaUngueltig = "0000008";
constexpr std::string_view kBereitsVerarbeitet = "0000009";
constexpr std::string_view kStapelLaengeFalsch = "0000013";

std::string_view AllgemeinName(std::string_view code) {
    if (code == kErfolg) return "Ausführung wurde erfolgreich beendet.";
    if (code == kUnbekannteKennung) return "Die Kennung ist dem DMS nicht bekannt.";
    if (code == kSchemaUngueltig) {
        return "Die übergebene XML-Struktur entspricht nicht dem angegebenen Schema und ist "
               "nicht valide.";
    }
    if (code == kBereitsVerarbeitet) return "Die Nachricht ist bereits verarbeitet.";
    if (code == kStapelLaengeFalsch) {
        return "Die Länge des Stapels stimmt nicht mit der Anzahl der Objekte im Stapel überein.";
    }
    return "Unbekannter Fehler.";
}

// A Status as words for the case system: the message of expected outcomes, nothing of
// internal failures (they go to the log).
std::string Grund(const Status& s) {
    if (s.code() == StatusCode::kInternal || s.code() == StatusCode::kCorruption) {
        Log().Error("xdomea message step failed", "error=" + log::Quote(s.ToString()));
        return "interner Fehler im DMS";
    }
    return s.message();
}

// Every element below `node` with local name `name`, in document order.
void Descendants(XmlNode node, std::string_view name, std::vector<XmlNode>* out) {
    for (const xmlNode* c = node ? node->children : nullptr; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE) continue;
        if (xdomea::LocalName(c) == name) out->push_back(c);
        Descendants(c, name, out);
    }
}

// The element child of the choice element `node` (Schriftgutobjekt: Akte | Vorgang | Dokument).
XmlNode FirstElement(XmlNode node) {
    for (const xmlNode* c = node ? node->children : nullptr; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE) return c;
    }
    return nullptr;
}

std::optional<uint32_t> NummerImStapel(XmlNode item) {
    auto text = xdomea::ChildText(item, "NummerImStapel");
    if (!text) return std::nullopt;
    try {
        return static_cast<uint32_t>(std::stoul(*text));
    } catch (const std::exception&) {
        return std::nullopt;  // the schema makes it an unsignedInt; this is not reached
    }
}

// Keys of a principal are kept apart from those of every other: one case system's keys and
// message ids never meet another's (nor reveal that they exist).
std::string Eigner(const dms::Principal& p) { return std::to_string(p.name.size()) + ":" + p.name; }

json ToJson(const FvErgebnis& e) {
    json j = {{"id_sgo", e.id_sgo},
              {"name", e.name},
              {"wert", e.wert},
              {"ablageort", e.ablageort},
              {"erfolgreich", e.erfolgreich},
              {"fehler_code", e.fehler_code},
              {"fehler_text", e.fehler_text}};
    if (e.nummer_im_stapel) j["nummer_im_stapel"] = *e.nummer_im_stapel;
    return j;
}

FvErgebnis ErgebnisFromJson(const json& j) {
    FvErgebnis e;
    e.id_sgo = j.value("id_sgo", "");
    e.name = j.value("name", "");
    e.wert = j.value("wert", "");
    e.ablageort = j.value("ablageort", false);
    e.erfolgreich = j.value("erfolgreich", false);
    e.fehler_code = j.value("fehler_code", "");
    e.fehler_text = j.value("fehler_text", "");
    if (j.contains("nummer_im_stapel")) e.nummer_im_stapel = j["nummer_im_stapel"].get<uint32_t>();
    return e;
}

FvErgebnis Fehler(const std::optional<uint32_t>& nummer, std::string code, std::string text) {
    FvErgebnis e;
    e.nummer_im_stapel = nummer;
    e.name = "Ergebnis";
    e.fehler_code = std::move(code);
    e.fehler_text = std::move(text);
    return e;
}

// The API fields of a new Akte, Vorgang or Dokument from its xdomea element.
json FelderAus(XmlNode sgo, dms::Kind kind, const std::string& schluessel) {
    json fields = json::object();
    XmlNode meta = xdomea::Child(sgo, "AllgemeineMetadaten");
    std::string betreff = xdomea::Text(xdomea::Child(meta, "Betreff"));
    if (betreff.empty() && kind == dms::Kind::kVorgang) {
        betreff = xdomea::Text(xdomea::Child(sgo, "Aktenbetreff"));
    }
    if (!betreff.empty()) fields["betreff"] = betreff;
    if (!schluessel.empty()) fields["metadaten"] = {{std::string(kSchluesselFeld), schluessel}};
    if (kind == dms::Kind::kDokument) {
        if (auto typ = xdomea::ChildText(sgo, "Typ")) fields["dokumenttyp"] = *typ;
        if (auto eingang = xdomea::ChildText(sgo, "Posteingangsdatum")) {
            fields["posteingangsdatum"] = *eingang;
        }
        return fields;
    }
    if (auto f = xdomea::ChildText(meta, "Federfuehrung")) fields["federfuehrung"] = *f;
    XmlNode laufzeit = xdomea::Child(sgo, "Laufzeit");
    if (auto b = xdomea::ChildText(laufzeit, "Beginn")) fields["laufzeit_beginn"] = *b;
    if (auto e = xdomea::ChildText(laufzeit, "Ende")) fields["laufzeit_ende"] = *e;
    if (kind == dms::Kind::kAkte) {
        const std::string stufe =
            xdomea::Text(xdomea::Path(meta, {"Vertraulichkeitsstufe", "code"}));
        if (stufe == "001") fields["vertraulichkeit"] = "geheim";
        if (stufe == "002") fields["vertraulichkeit"] = "VS-NfD";
        if (stufe == "003") fields["vertraulichkeit"] = "offen";
        if (stufe == "005") fields["vertraulichkeit"] = "vertraulich";
    }
    return fields;
}

// A primary file of a version, taken from the package.
struct Datei {
    std::string name;      // the entry name (Dateiname)
    std::string original;  // DateinameOriginal, else the entry name
};

}  // namespace

// One checked message.
struct FachverfahrenService::Nachricht {
    xdomea::Version version = xdomea::Version::k3_1_0;
    std::string code;
    std::string root;  // the root element's name, "FVDaten.SGOErstellen.0604"
    std::string prozess_id;
    xdomea::Kontakt absender;
    bool empfangsbestaetigung = false;
    std::optional<xdomea::XmlDocument> doc;
    std::map<std::string, std::string> dateien;  // primary files from the ZIP, by entry name
};

FachverfahrenService::FachverfahrenService(dms::Repository* repo, FachverfahrenOptions options)
    : repo_(repo), options_(std::move(options)) {}

Result<FvAntwort> FachverfahrenService::Verarbeiten(const dms::Principal& p,
                                                    std::string_view bytes) {
    std::lock_guard lock(mu_);
    Nachricht n;
    if (auto refused = Einlesen(bytes, &n)) return *refused;

    const std::string gesehen_key = keys::FvNachricht(Eigner(p), n.prozess_id);
    AKTENWERK_ASSIGN_OR_RETURN(auto gesehen, repo_->metadata().Get(gesehen_key));
    if (gesehen) {
        AKTENWERK_ASSIGN_OR_RETURN(json frueher, storage::DecodeValue(*gesehen));
        std::vector<FvErgebnis> ergebnisse;
        for (const auto& e : frueher.value("ergebnisse", json::array())) {
            ergebnisse.push_back(ErgebnisFromJson(e));
        }
        return Antworten(n, FvAusgang::kWiederholt, {std::string(kBereitsVerarbeitet)}, ergebnisse);
    }
    std::string allgemein;
    if (auto grund = Pruefen(n, &allgemein)) return Ablehnen(n, allgemein, *grund);

    std::vector<FvErgebnis> ergebnisse = Ausfuehren(p, n);
    size_t fehlgeschlagen = 0;
    bool geaendert = false;
    const bool lesend = n.code == "0602" || n.code == "0611" || n.code == "0625";
    for (const auto& e : ergebnisse) {
        if (!e.erfolgreich) ++fehlgeschlagen;
        geaendert = geaendert || (e.erfolgreich && !lesend);
    }
    // Only a message that changed something is remembered: a refused one may be sent again.
    if (geaendert) {
        json record = {{"code", n.code}, {"ergebnisse", json::array()}};
        for (const auto& e : ergebnisse) record["ergebnisse"].push_back(ToJson(e));
        AKTENWERK_RETURN_IF_ERROR(repo_->metadata().Commit([&](storage::Txn& txn) {
            txn.Put(gesehen_key, storage::EncodeValue(record));
            return Status::Ok();
        }));
    }
    std::vector<std::string> meldungen = {std::string(kErfolg)};
    if (fehlgeschlagen > 0) {
        meldungen = {"text:" + std::to_string(fehlgeschlagen) + " von " +
                     std::to_string(ergebnisse.size()) + " Objekten nicht verarbeitet"};
    }
    return Antworten(n, FvAusgang::kVerarbeitet, meldungen, ergebnisse);
}

// Unpacks, checks, validates and parses the message into `n`; the refusal when that fails.
// A message that cannot be read gets a fresh ProzessID in its answer.
std::optional<Result<FvAntwort>> FachverfahrenService::Einlesen(std::string_view bytes,
                                                                Nachricht* n) const {
    n->prozess_id = dms::NewUuid();
    const std::string ungueltig(kSchemaUngueltig);
    std::string xml;
    if (xdomea::LooksLikeZip(bytes)) {
        auto paket = xdomea::ReadPackage(bytes);
        if (!paket.ok()) return Ablehnen(*n, ungueltig, paket.status().message());
        xml = std::move(paket->xml);
        n->dateien = std::move(paket->dateien);
    } else {
        xml.assign(bytes);
    }
    auto info = xdomea::ValidateMessage(xml, xdomea::Family::kFachverfahrensdaten);
    if (!info.ok()) return Ablehnen(*n, ungueltig, info.status().message());
    auto doc = xdomea::XmlDocument::Parse(xml);
    if (!doc.ok()) return Ablehnen(*n, ungueltig, doc.status().message());

    // Our answers are written in 3.x; a 2.x message is refused in 3.1.0.
    const bool v2 = xdomea::IsV2(info->version);
    n->version = v2 ? xdomea::Version::k3_1_0 : info->version;
    const xdomea::KopfGelesen kopf = xdomea::ReadKopf(doc->root());
    n->prozess_id = kopf.prozess_id;
    n->code = xdomea::CodeOfRoot(info->root);
    n->root = info->root;
    n->absender = kopf.absender;
    n->empfangsbestaetigung = kopf.empfangsbestaetigung.value_or(false);
    n->doc = std::move(doc).value();
    if (v2) {
        return Ablehnen(*n, "",
                        "xdomea " + std::string(xdomea::VersionName(info->version)) +
                            " wird für Fachverfahrensdaten nicht unterstützt; bitte 3.0.0 "
                            "oder 3.1.0 senden");
    }
    return std::nullopt;
}

// Why a readable message is refused whole, or nullopt: a type we do not perform, a
// Stapellaenge that does not match, a file in the package the message does not name (so
// nothing arrives unseen). `allgemein` gets the AllgemeineRueckmeldung code, if one fits.
std::optional<std::string> FachverfahrenService::Pruefen(const Nachricht& n,
                                                         std::string* allgemein) const {
    static const std::set<std::string> kUmgesetzt = {"0601", "0602", "0604", "0605", "0609", "0610",
                                                     "0611", "0612", "0624", "0625", "0632"};
    if (!kUmgesetzt.count(n.code)) {
        return "Die Nachricht " + n.root + " wird von diesem DMS nicht unterstützt";
    }
    XmlNode root = n.doc->root();
    size_t items = 0;
    for (const xmlNode* c = root->children; c; c = c->next) {
        if (c->type == XML_ELEMENT_NODE && xdomea::LocalName(c) != "Kopf") ++items;
    }
    if (auto laenge = xdomea::ChildText(xdomea::Child(root, "Kopf"), "Stapellaenge")) {
        if (*laenge != std::to_string(items)) {
            *allgemein = std::string(kStapelLaengeFalsch);
            return "Stapellaenge " + *laenge + ", aber " + std::to_string(items) + " Objekte";
        }
    }
    std::vector<XmlNode> namen;
    Descendants(root, "Dateiname", &namen);
    std::set<std::string> genannt;
    for (XmlNode d : namen) genannt.insert(xdomea::Text(d));
    for (const auto& [name, data] : n.dateien) {
        if (!genannt.count(name)) {
            return "Die Datei " + name + " im Paket wird in der Nachricht nicht genannt";
        }
    }
    return std::nullopt;
}

std::vector<FvErgebnis> FachverfahrenService::Ausfuehren(const dms::Principal& p,
                                                         const Nachricht& n) {
    std::vector<FvErgebnis> out;
    XmlNode root = n.doc->root();
    for (const xmlNode* c = root->children; c; c = c->next) {
        if (c->type != XML_ELEMENT_NODE || xdomea::LocalName(c) == "Kopf") continue;
        if (n.code == "0604" || n.code == "0605") {
            out.push_back(Erstellen(p, n, c));
        } else if (n.code == "0601") {
            out.push_back(Aktualisieren(p, n, c));
        } else if (n.code == "0602") {
            out.push_back(Ansehen(p, c));
        } else if (n.code >= "0609" && n.code <= "0612") {
            for (auto& e : Metadaten(p, n.code, c)) out.push_back(std::move(e));
        } else if (n.code == "0624" || n.code == "0632") {
            out.push_back(ZdA(p, c, n.code == "0624"));
        } else if (n.code == "0625") {
            out.push_back(Systemstatus(c));
        }
    }
    return out;
}

Result<dms::Objekt> FachverfahrenService::Aufloesen(const dms::Principal& p,
                                                    const std::string& ref) const {
    if (dms::IsUuid(ref)) {
        auto o = repo_->Get(p, ref);
        if (o.ok() || o.status().code() != StatusCode::kNotFound) return o;
    }
    auto by_key = FindBySchluessel(p, ref);
    if (by_key.ok() || by_key.status().code() != StatusCode::kNotFound) return by_key;
    auto akte = repo_->FindByAktenzeichen(p, ref);
    if (akte.ok() || akte.status().code() != StatusCode::kNotFound) return akte;
    auto einheit = repo_->FindByKennzeichen(p, ref);
    if (einheit.ok() || einheit.status().code() != StatusCode::kNotFound) return einheit;
    return NotFoundError("no object " + ref);
}

Result<dms::Objekt> FachverfahrenService::FindBySchluessel(const dms::Principal& p,
                                                           std::string_view schluessel) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto id,
                               repo_->metadata().Get(keys::FvSchluessel(Eigner(p), schluessel)));
    if (!id) return NotFoundError("no object " + std::string(schluessel));
    return repo_->Get(p, *id);
}

// Creates `sgo` (an Akte, Vorgang or Dokument element, or a Teilakte, Teilvorgang or Anlage)
// under `parent_id` with every version's primary file, then its content in schema order.
// The files were checked to be in the package before anything was made.
Result<dms::Objekt> FachverfahrenService::Anlegen(const dms::Principal& p, const Nachricht& n,
                                                  XmlNode sgo, std::string_view parent_id,
                                                  const std::string& schluessel) {
    const std::string art = xdomea::LocalName(sgo);
    const dms::Kind kind = art == "Akte" || art == "Teilakte"         ? dms::Kind::kAkte
                           : art == "Vorgang" || art == "Teilvorgang" ? dms::Kind::kVorgang
                                                                      : dms::Kind::kDokument;
    json fields = FelderAus(sgo, kind, schluessel);
    std::vector<Datei> dateien;
    for (XmlNode version : xdomea::Children(sgo, "Version")) {
        XmlNode primaer = xdomea::Path(version, {"Format", "Primaerdokument"});
        Datei d{xdomea::Text(xdomea::Child(primaer, "Dateiname")),
                xdomea::Text(xdomea::Child(primaer, "DateinameOriginal"))};
        if (d.original.empty()) d.original = d.name;
        dateien.push_back(std::move(d));
    }

    dms::Objekt made;
    if (kind == dms::Kind::kDokument && !dateien.empty()) {
        dms::StringContentSource src(n.dateien.at(dateien[0].name));
        AKTENWERK_ASSIGN_OR_RETURN(
            auto created,
            repo_->CreateDokument(p, parent_id, fields, src, {dateien[0].original, true, {}}));
        made = std::move(created.first);
    } else {
        AKTENWERK_ASSIGN_OR_RETURN(made, repo_->Create(p, kind, parent_id, fields));
    }
    for (size_t i = 1; i < dateien.size(); ++i) {
        dms::StringContentSource src(n.dateien.at(dateien[i].name));
        auto added = repo_->AddVersion(p, made.id, src, {dateien[i].original, true, {}});
        if (!added.ok()) return added.status().WithContext("version " + std::to_string(i + 1));
    }

    std::vector<XmlNode> inhalt;
    if (kind == dms::Kind::kAkte) {
        XmlNode akteninhalt = xdomea::Child(sgo, "Akteninhalt");
        for (const char* name : {"Dokument", "Vorgang", "Teilakte"}) {
            for (XmlNode c : xdomea::Children(akteninhalt, name)) inhalt.push_back(c);
        }
    } else {
        for (const char* name : {"Dokument", "Teilvorgang", "Anlage"}) {
            for (XmlNode c : xdomea::Children(sgo, name)) inhalt.push_back(c);
        }
    }
    for (XmlNode c : inhalt) {
        auto child = Anlegen(p, n, c, made.id, {});
        if (!child.ok()) {
            return child.status().WithContext(xdomea::LocalName(c) + " in line " +
                                              std::to_string(xdomea::Line(c)));
        }
    }
    return made;
}

FvErgebnis FachverfahrenService::Erstellen(const dms::Principal& p, const Nachricht& n,
                                           XmlNode item) {
    const auto nummer = NummerImStapel(item);
    const std::string fehler_unbekannt = n.code + "001";  // the container is unknown
    const std::string fehler_anlegen = n.code == "0604" ? "0604003" : "0605005";
    const std::string schluessel = xdomea::Text(xdomea::Child(item, "FachverfahrenObjektID"));
    XmlNode sgo = FirstElement(xdomea::Child(item, "Schriftgutobjekt"));

    auto frueher = FindBySchluessel(p, schluessel);
    if (frueher.ok() || frueher.status().code() != StatusCode::kNotFound) {
        FvErgebnis e = Fehler(nummer, fehler_anlegen,
                              "FachverfahrenObjektID " + schluessel + " ist bereits vergeben");
        if (frueher.ok()) e.id_sgo = frueher->id;
        return e;
    }
    std::string container = xdomea::ChildText(item, "IDContainer").value_or("");
    if (container.empty()) container = xdomea::ChildText(item, "Ablageort").value_or("");
    if (container.empty()) {
        return Fehler(nummer, fehler_unbekannt, "IDContainer fehlt: wohin soll das Objekt?");
    }
    auto parent = Aufloesen(p, container);
    if (!parent.ok()) return Fehler(nummer, fehler_unbekannt, Grund(parent.status()));
    // Every primary file of the object and its content must be in the package before
    // anything is made, so that a missing file leaves nothing half filed.
    std::vector<XmlNode> namen;
    Descendants(sgo, "Dateiname", &namen);
    for (XmlNode d : namen) {
        if (!n.dateien.count(xdomea::Text(d))) {
            return Fehler(nummer, n.code == "0605" ? "0605004" : fehler_anlegen,
                          "Die Datei " + xdomea::Text(d) + " fehlt im Paket");
        }
    }

    auto made = Anlegen(p, n, sgo, parent->id, schluessel);
    if (!made.ok()) {
        // TODO(#10): content below the object is made in transactions of its own, so a
        // failure part way leaves what was made before it; the answer names the failure.
        return Fehler(nummer, fehler_anlegen, Grund(made.status()));
    }
    // TODO(#10): the key is written after the object's own transaction, so a crash between
    // the two leaves an object the case system cannot address by its key; the Repository
    // would need a hook to write both in one transaction.
    Status keyed = repo_->metadata().Commit([&](storage::Txn& txn) {
        txn.Put(keys::FvSchluessel(Eigner(p), schluessel), made->id);
        return Status::Ok();
    });
    if (!keyed.ok()) return Fehler(nummer, fehler_anlegen, Grund(keyed));

    FvErgebnis e;
    e.nummer_im_stapel = nummer;
    e.id_sgo = made->id;
    e.name = std::string(kSchluesselFeld);
    e.wert = schluessel;
    e.erfolgreich = true;
    return e;
}

// New content of a Dokument: each Version of the message becomes the next version (stored
// versions are never overwritten, so NeueVersionErstellen=false makes a minor version), and
// a Betreff that differs is changed.
FvErgebnis FachverfahrenService::Aktualisieren(const dms::Principal& p, const Nachricht& n,
                                               XmlNode item) {
    const auto nummer = NummerImStapel(item);
    auto o = Aufloesen(p, xdomea::Text(xdomea::Child(item, "IDDokument")));
    if (o.ok() && o->kind != dms::Kind::kDokument) o = NotFoundError("the object is no Dokument");
    if (!o.ok()) return Fehler(nummer, "0601001", Grund(o.status()));
    XmlNode dok = xdomea::Child(item, "Dokument");
    std::vector<XmlNode> namen;
    Descendants(dok, "Dateiname", &namen);
    for (XmlNode d : namen) {
        if (!n.dateien.count(xdomea::Text(d))) {
            return Fehler(nummer, "0601004", "Die Datei " + xdomea::Text(d) + " fehlt im Paket");
        }
    }
    FvErgebnis e;
    e.nummer_im_stapel = nummer;
    e.id_sgo = o->id;
    const std::string betreff = xdomea::Text(xdomea::Path(dok, {"AllgemeineMetadaten", "Betreff"}));
    if (!betreff.empty() && betreff != o->betreff) {
        auto updated = repo_->Update(p, o->id, {{"betreff", betreff}}, o->revision);
        if (!updated.ok()) return Fehler(nummer, "0601005", Grund(updated.status()));
    }
    const bool major =
        xdomea::IsTrue(xdomea::ChildText(item, "NeueVersionErstellen").value_or("1"));
    uint32_t versionen = o->versionen;
    for (XmlNode version : xdomea::Children(dok, "Version")) {
        XmlNode primaer = xdomea::Path(version, {"Format", "Primaerdokument"});
        const std::string name = xdomea::Text(xdomea::Child(primaer, "Dateiname"));
        std::string original = xdomea::Text(xdomea::Child(primaer, "DateinameOriginal"));
        dms::StringContentSource src(n.dateien.at(name));
        auto added =
            repo_->AddVersion(p, o->id, src, {original.empty() ? name : original, major, {}});
        if (!added.ok()) {
            e.id_sgo = o->id;
            e.name = "Versionen";
            e.fehler_code = "0601005";
            e.fehler_text = Grund(added.status());
            return e;
        }
        versionen = added->nummer;
    }
    e.name = "Versionen";
    e.wert = std::to_string(versionen);
    e.erfolgreich = true;
    return e;
}

FvErgebnis FachverfahrenService::Ansehen(const dms::Principal& p, XmlNode item) {
    const std::string id = xdomea::Text(xdomea::Child(item, "IDSGO"));
    auto o = Aufloesen(p, id);
    if (!o.ok()) return Fehler(std::nullopt, "0602001", Grund(o.status()));
    FvErgebnis e;
    e.id_sgo = o->id;
    e.ablageort = true;
    e.wert = "/api/v1/objekte/" + o->id;
    if (auto nummer = xdomea::ChildText(item, "Versionsnummer")) {
        uint32_t n = 0;
        try {
            n = static_cast<uint32_t>(std::stoul(*nummer));
        } catch (const std::exception&) {
            n = 0;
        }
        auto v = o->kind == dms::Kind::kDokument && n > 0
                     ? repo_->GetVersion(p, o->id, n)
                     : Result<dms::Version>(NotFoundError("no version " + *nummer));
        if (!v.ok()) {
            FvErgebnis f =
                Fehler(std::nullopt, "0602003", "Versionsnummer " + *nummer + " gibt es nicht");
            f.id_sgo = o->id;
            return f;
        }
        e.wert = "/api/v1/dokumente/" + o->id + "/versionen/" + std::to_string(n) + "/inhalt";
    }
    e.erfolgreich = true;
    return e;
}

FvErgebnis FachverfahrenService::ZdA(const dms::Principal& p, XmlNode item, bool verfuegen) {
    const auto nummer = NummerImStapel(item);
    const std::string code = verfuegen ? "0624" : "0632";
    const std::string id = xdomea::Text(xdomea::Child(item, "IDSGO"));
    auto o = Aufloesen(p, id);
    if (!o.ok()) return Fehler(nummer, code + "001", Grund(o.status()));
    auto done = verfuegen ? repo_->Close(p, o->id, std::nullopt) : repo_->Reopen(p, o->id);
    if (!done.ok()) {
        FvErgebnis f = Fehler(nummer, code + "002", Grund(done.status()));
        f.id_sgo = o->id;
        return f;
    }
    FvErgebnis e;
    e.nummer_im_stapel = nummer;
    e.id_sgo = o->id;
    e.name = "zdA";
    e.wert = done->zda ? done->zda->ToString() : "aufgehoben";
    e.erfolgreich = true;
    return e;
}

// The free metadata of an object: 0609 adds names, 0610 changes values, 0611 reads them,
// 0612 removes them. The changes of one MetadatenZumBearbeiten are made together or not at
// all, against the revision they were checked on.
std::vector<FvErgebnis> FachverfahrenService::Metadaten(const dms::Principal& p,
                                                        const std::string& code, XmlNode item) {
    const auto nummer = NummerImStapel(item);
    const std::string id = xdomea::Text(xdomea::Child(item, "IDSGO"));
    auto o = Aufloesen(p, id);
    if (!o.ok()) return {Fehler(nummer, code + "001", Grund(o.status()))};
    auto fehler = [&](const std::string& nr, std::string text) {
        FvErgebnis f = Fehler(nummer, code + nr, std::move(text));
        f.id_sgo = o->id;
        return std::vector<FvErgebnis>{f};
    };

    std::vector<FvErgebnis> gelesen;
    json neu = o->metadaten;
    for (XmlNode feld : xdomea::Children(item, "Metadatum")) {
        const std::string name = xdomea::Text(xdomea::Child(feld, "Name"));
        const auto wert = xdomea::ChildText(feld, "Wert");
        const bool da = neu.contains(name);
        if (name == kSchluesselFeld && code != "0611") {
            return fehler("002", "Das Metadatum " + name + " vergibt das DMS");
        }
        if (code == "0611") {
            if (!da) return fehler("002", "Das Metadatum " + name + " gibt es nicht");
            FvErgebnis e;
            e.nummer_im_stapel = nummer;
            e.id_sgo = o->id;
            e.name = name;
            e.wert = neu[name].is_string() ? neu[name].get<std::string>() : neu[name].dump();
            e.erfolgreich = true;
            gelesen.push_back(std::move(e));
        } else if (code == "0609") {
            if (da) return fehler("006", "Das Metadatum " + name + " gibt es schon");
            if (!wert) return fehler("008", "Das Metadatum " + name + " hat keinen Wert");
            neu[name] = *wert;
        } else if (code == "0610") {
            if (!da) return fehler("002", "Das Metadatum " + name + " gibt es nicht");
            if (!wert) return fehler("007", "Das Metadatum " + name + " hat keinen Wert");
            neu[name] = *wert;
        } else {
            if (!da) return fehler("002", "Das Metadatum " + name + " gibt es nicht");
            if (wert && neu[name] != *wert) {
                return fehler("006", "Das Metadatum " + name + " hat einen anderen Wert");
            }
            neu.erase(name);
        }
    }
    if (code == "0611") return gelesen;

    auto updated = repo_->Update(p, o->id, {{"metadaten", neu}}, o->revision);
    const std::string nicht = code == "0609" ? "006" : code == "0610" ? "005" : "003";
    if (!updated.ok()) return fehler(nicht, Grund(updated.status()));
    FvErgebnis e;
    e.nummer_im_stapel = nummer;
    e.id_sgo = o->id;
    e.name = "Metadaten";
    e.wert = std::to_string(updated->metadaten.size()) + " Metadaten";
    e.erfolgreich = true;
    return {e};
}

// Systemstatus 1: whether the DMS takes changes (no failed write since start) or only reads.
FvErgebnis FachverfahrenService::Systemstatus(XmlNode item) const {
    const std::string id = xdomea::Text(xdomea::Child(item, "SystemstatusID"));
    if (id != "1") return Fehler(std::nullopt, "0625001", "Systemstatus " + id + " ist unbekannt");
    FvErgebnis e;
    e.name = "Systemstatus 1";
    e.wert = repo_->metadata().write_failure().ok() ? "verfuegbar" : "nur-lesend";
    e.erfolgreich = true;
    return e;
}

Result<FvAntwort> FachverfahrenService::Ablehnen(const Nachricht& n, std::string allgemein,
                                                 std::string text) const {
    std::vector<std::string> meldungen;
    if (!allgemein.empty()) meldungen.push_back(std::move(allgemein));
    meldungen.push_back("text:" + text);
    return Antworten(n, FvAusgang::kAbgelehnt, meldungen, {});
}

namespace {

void WriteRueckmeldung(xdomea::XmlWriter& w, const std::string& meldung) {
    w.Start("Rueckmeldung");
    if (meldung.rfind("text:", 0) == 0) {
        w.Element("SonstigeFehlermeldung", meldung.substr(5));
    } else {
        w.Code("AllgemeineRueckmeldung", meldung, {}, {}, AllgemeinName(meldung));
    }
    w.End();
}

void WriteErgebnis(xdomea::XmlWriter& w, const FvErgebnis& e) {
    w.Start("Rueckgabeparameter");
    if (e.nummer_im_stapel) w.Element("NummerImStapel", std::to_string(*e.nummer_im_stapel));
    w.ElementIfAny("IDSGO", e.id_sgo);
    w.Start("Parameter");
    if (e.ablageort) {
        w.Element("Ablageort", e.wert);
    } else {
        w.Start("AllgemeinerRueckgabeparameter");
        w.Element("Name", e.name);
        w.ElementIfAny("Wert", e.wert);
        w.End();
    }
    w.End();
    w.Element("Erfolgreich", e.erfolgreich ? "true" : "false");
    if (!e.fehler_code.empty()) {
        w.Start("Rueckmeldung");
        w.Code("SpezifischeFehlermeldung" + e.fehler_code.substr(0, 4), e.fehler_code);
        w.End();
    }
    if (!e.fehler_text.empty()) {
        w.Start("Rueckmeldung");
        w.Element("SonstigeFehlermeldung", e.fehler_text);
        w.End();
    }
    w.End();
}

}  // namespace

Result<FvAntwort> FachverfahrenService::Antworten(const Nachricht& n, FvAusgang ausgang,
                                                  const std::vector<std::string>& meldungen,
                                                  const std::vector<FvErgebnis>& ergebnisse) const {
    auto kopf_fuer = [&](std::string code) {
        xdomea::Kopf k;
        k.prozess_id = n.prozess_id;
        k.nachrichtentyp = std::move(code);
        k.erstellt_ms = repo_->clock().NowMillis();
        k.absender = options_.dms;
        k.empfaenger = n.absender;
        k.instanz_id = options_.instanz_id;
        k.produkt_version = options_.produkt_version;
        return k;
    };
    auto fertig = [&](xdomea::XmlWriter& w) -> Result<std::string> {
        AKTENWERK_RETURN_IF_ERROR(w.Finish());
        auto checked = xdomea::ValidateMessage(w.text(), xdomea::Family::kFachverfahrensdaten);
        if (!checked.ok()) {
            return InternalError("our xdomea answer is not valid: " + checked.status().message());
        }
        return w.text();
    };

    FvAntwort out;
    out.ausgang = ausgang;
    out.prozess_id = n.prozess_id;
    out.nachrichtentyp = n.code;
    {
        AKTENWERK_ASSIGN_OR_RETURN(auto w, xdomea::XmlWriter::CreateInMemory(n.version));
        w->StartRoot(xdomea::RootElement("0630"), xdomea::Family::kFachverfahrensdaten);
        xdomea::WriteKopfStart(*w, kopf_fuer("0630"), n.version);
        // No FV session exists on our side; the ProzessID ties the answer to the message.
        w->Element("FVSessionID", n.prozess_id);
        w->End();
        w->Start("ErfolgOderMisserfolg");
        for (const auto& m : meldungen) WriteRueckmeldung(*w, m);
        for (const auto& e : ergebnisse) WriteErgebnis(*w, e);
        w->End();
        AKTENWERK_ASSIGN_OR_RETURN(out.import_bestaetigung, fertig(*w));
    }
    if (n.empfangsbestaetigung) {
        AKTENWERK_ASSIGN_OR_RETURN(auto w, xdomea::XmlWriter::CreateInMemory(n.version));
        w->StartRoot(xdomea::RootElement("0629"), xdomea::Family::kFachverfahrensdaten);
        xdomea::WriteKopfStart(*w, kopf_fuer("0629"), n.version);
        w->End();
        AKTENWERK_ASSIGN_OR_RETURN(out.empfang_bestaetigung, fertig(*w));
    }
    return out;
}

}  // namespace aktenwerk::retention
