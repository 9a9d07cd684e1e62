// Aktenplan exchange. The 0301 follows AktenplanType and AktenplaneinheitAktenplanType of
// xdomea-Baukasten.xsd 3.1.0 (Kennzeichen, Inhaltsangabe, BetreffKurz, Aussonderungsart,
// Gueltigkeit, Stillgelegt, Aufbewahrungsdauer, Einheit, ..., AnwendungsspezifischeErweiterung).
#include "retention/aktenplan_austausch.h"

#include <filesystem>
#include <fstream>
#include <functional>
#include <map>
#include <set>
#include <sstream>

#include "dms/objekt_io.h"
#include "dms/uuid.h"
#include "retention/xdomea/codes.h"
#include "retention/xdomea/incoming.h"
#include "retention/xdomea/kopf.h"
#include "retention/xdomea/writer.h"

namespace aktenwerk::retention {

using nlohmann::json;

namespace {

constexpr std::string_view kErweiterung = "urn:aktenwerk:aktenplan";

std::string Where(const dms::PlanUnit& u) {
    return "unit " + u.kennzeichen + (u.zeile ? " (CSV line " + std::to_string(u.zeile) + ")" : "");
}

Result<std::optional<Regel>> CsvRegel(const dms::PlanUnit& u) {
    const std::string frist = u.weitere.value("frist_jahre", "");
    const std::string art = u.weitere.value("aussonderungsart", "");
    if (frist.empty() && art.empty()) return std::optional<Regel>();
    json rule = {{"aussonderungsart", art}};
    if (frist == "unbefristet" || frist == "unbegrenzt") {
        rule["frist_jahre"] = nullptr;
    } else {
        int64_t years = -1;
        if (!frist.empty() && frist.find_first_not_of("0123456789") == std::string::npos &&
            frist.size() <= 4) {
            years = std::stoll(frist);
        }
        if (years < 0) {
            return InvalidArgumentError(Where(u) + ": frist_jahre '" + frist +
                                        "' is neither whole years nor 'unbefristet'");
        }
        rule["frist_jahre"] = years;
    }
    auto regel = RegelFromJson(rule);
    if (!regel.ok()) return regel.status().WithContext(Where(u));
    return std::optional<Regel>(*regel);
}

std::string CsvField(const std::string& value) {
    if (value.find_first_of(";\"\n\r") == std::string::npos) return value;
    std::string out = "\"";
    for (char c : value) {
        if (c == '"') out += '"';
        out += c;
    }
    return out + "\"";
}

}  // namespace

Result<std::vector<PlanEintrag>> PlanMitRegeln(std::vector<dms::PlanUnit> units) {
    std::vector<PlanEintrag> out;
    out.reserve(units.size());
    for (auto& u : units) {
        PlanEintrag e;
        if (auto it = u.weitere.find("aufbewahrung"); it != u.weitere.end() && !it->is_null()) {
            auto regel = RegelFromJson(*it);
            if (!regel.ok()) return regel.status().WithContext(Where(u));
            e.regel = *regel;
        } else if (u.weitere.contains("frist_jahre") || u.weitere.contains("aussonderungsart")) {
            if (!u.weitere.value("frist_jahre", json("")).is_string()) {
                // JSON with the rule fields directly on the unit.
                auto regel = RegelFromJson(
                    {{"frist_jahre", u.weitere.value("frist_jahre", json())},
                     {"aussonderungsart", u.weitere.value("aussonderungsart", json())}});
                if (!regel.ok()) return regel.status().WithContext(Where(u));
                e.regel = *regel;
            } else {
                AKTENWERK_ASSIGN_OR_RETURN(e.regel, CsvRegel(u));
            }
        }
        e.unit = std::move(u);
        out.push_back(std::move(e));
    }
    return out;
}

namespace {

Result<char> Art0301(xdomea::XmlNode node, xdomea::Version version) {
    std::string code = xdomea::IsV2(version)
                           ? xdomea::Text(xdomea::Child(node, "code"))
                           : xdomea::Text(xdomea::Path(node, {"Aussonderungsart", "code"}));
    if (code.empty()) code = xdomea::Text(xdomea::Child(node, "AussonderungsartKonfigurierbar"));
    if (code == "A" || code == "V" || code == "B") return code[0];
    return InvalidArgumentError("line " + std::to_string(xdomea::Line(node)) +
                                ": Aussonderungsart '" + code + "' is none of A, V, B");
}

Status Read0301Einheit(xdomea::XmlNode e, const std::string& parent, xdomea::Version version,
                       int depth, std::vector<PlanEintrag>* out) {
    if (depth > 16) return InvalidArgumentError("the Aktenplan is nested deeper than 16 levels");
    if (out->size() >= 100'000) return InvalidArgumentError("the Aktenplan has too many units");
    PlanEintrag entry;
    entry.unit.kennzeichen = xdomea::Text(xdomea::Child(e, "Kennzeichen"));
    entry.unit.titel = xdomea::Text(xdomea::Child(e, "Inhaltsangabe"));
    if (entry.unit.titel.empty()) entry.unit.titel = xdomea::Text(xdomea::Child(e, "BetreffKurz"));
    if (entry.unit.titel.empty()) entry.unit.titel = entry.unit.kennzeichen;
    entry.unit.eltern_kennzeichen = parent;
    if (entry.unit.kennzeichen.empty()) {
        return InvalidArgumentError("line " + std::to_string(xdomea::Line(e)) +
                                    ": an Einheit has no Kennzeichen");
    }
    std::string herkunft;
    for (xdomea::XmlNode ext : xdomea::Children(e, "AnwendungsspezifischeErweiterung")) {
        if (xdomea::Text(xdomea::Child(ext, "Kennung")) != kErweiterung) continue;
        for (xdomea::XmlNode feld : xdomea::Children(ext, "Feld")) {
            const std::string name = xdomea::Text(xdomea::Child(feld, "Name"));
            const std::string wert = xdomea::Text(xdomea::Child(feld, "Wert"));
            if (name == "beschreibung") entry.unit.beschreibung = wert;
            if (name == "regel") herkunft = wert;
        }
    }
    if (herkunft != "geerbt" && herkunft != "keine") {
        AKTENWERK_ASSIGN_OR_RETURN(char art,
                                   Art0301(xdomea::Child(e, "Aussonderungsart"), version));
        xdomea::XmlNode dauer = xdomea::Child(e, "Aufbewahrungsdauer");
        Regel regel;
        regel.art = *ParseArt(std::string(1, art));
        if (xdomea::IsV2(version)) {
            const std::string years = xdomea::Text(dauer);
            if (years.empty() || years.find_first_not_of("0123456789") != std::string::npos ||
                years.size() > 3 || std::stoi(years) > kMaxJahre) {
                return InvalidArgumentError("line " + std::to_string(xdomea::Line(e)) +
                                            ": Aufbewahrungsdauer '" + years + "' is not usable");
            }
            regel.frist = Aufbewahrungsfrist::Jahre(static_cast<uint16_t>(std::stoi(years)));
        } else if (auto years = xdomea::ChildText(dauer, "AnzahlJahre")) {
            if (years->empty() || years->size() > 5 || std::stol(*years) > kMaxJahre) {
                return InvalidArgumentError("line " + std::to_string(xdomea::Line(e)) +
                                            ": Aufbewahrungsdauer of more than " +
                                            std::to_string(kMaxJahre) + " years");
            }
            regel.frist = Aufbewahrungsfrist::Jahre(static_cast<uint16_t>(std::stol(*years)));
        } else {
            regel.frist = Aufbewahrungsfrist::Unbefristet();
        }
        entry.regel = regel;
    }
    const std::string kennzeichen = entry.unit.kennzeichen;
    out->push_back(std::move(entry));
    for (xdomea::XmlNode child : xdomea::Children(e, "Einheit")) {
        AKTENWERK_RETURN_IF_ERROR(Read0301Einheit(child, kennzeichen, version, depth + 1, out));
    }
    return Status::Ok();
}

}  // namespace

Result<std::vector<PlanEintrag>> ParseAktenplan0301(std::string_view bytes) {
    AKTENWERK_ASSIGN_OR_RETURN(auto msg, xdomea::ReceiveMessage(bytes, xdomea::Family::kAktenplan));
    if (msg.code != "0301") {
        return InvalidArgumentError("a " + msg.code + " is not an Aktenplan (0301)",
                                    "wrong-message");
    }
    std::vector<PlanEintrag> out;
    for (xdomea::XmlNode e :
         xdomea::Children(xdomea::Child(msg.doc.root(), "Aktenplan"), "Einheit")) {
        AKTENWERK_RETURN_IF_ERROR(Read0301Einheit(e, "", msg.info.version, 1, &out));
    }
    return out;
}

Result<PlanImportBericht> AktenplanAustausch::Import(const dms::Principal& p,
                                                     const std::vector<PlanEintrag>& plan) {
    // An import may add units anywhere, top level included: administrators only, as for the
    // plain plan import.
    if (!p.admin) return PermissionDeniedError("only an administrator imports an Aktenplan");
    std::vector<dms::PlanUnit> units;
    for (const auto& e : plan) units.push_back(e.unit);
    std::set<std::string> existed;
    for (const auto& e : plan) {
        if (repo_->FindByKennzeichen(p, e.unit.kennzeichen).ok())
            existed.insert(e.unit.kennzeichen);
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto report, repo_->ImportAktenplan(p, units));
    PlanImportBericht bericht{report.angelegt, report.vorhanden, 0};
    // The rules are checked already; setting them can fail only on storage errors.
    for (const auto& e : plan) {
        if (!e.regel || existed.count(e.unit.kennzeichen)) continue;
        AKTENWERK_ASSIGN_OR_RETURN(auto unit, repo_->FindByKennzeichen(p, e.unit.kennzeichen));
        AKTENWERK_RETURN_IF_ERROR(
            regeln_->SetRegel(p, unit.id, *e.regel, "Aktenplan-Import").status());
        ++bericht.regeln;
    }
    return bericht;
}

struct AktenplanAustausch::Knoten {
    dms::Objekt einheit;
    std::string eltern_kennzeichen;
    std::optional<GesetzteRegel> eigene;
    std::optional<WirksameRegel> wirksam;
    int tiefe = 0;
};

Result<std::vector<AktenplanAustausch::Knoten>> AktenplanAustausch::Walk(const dms::Principal& p) {
    std::vector<Knoten> out;
    const dms::StoreView view(repo_->metadata());
    std::function<Status(const std::string&, const std::string&, int)> level =
        [&](const std::string& parent, const std::string& parent_kz, int depth) -> Status {
        if (depth > 64 || out.size() > 100'000) return InternalError("Aktenplan too large");
        std::string cursor;
        do {
            AKTENWERK_ASSIGN_OR_RETURN(
                auto page, repo_->Children(p, parent, dms::Kind::kAktenplaneinheit, cursor, 1000));
            for (auto& unit : page.items) {
                Knoten k;
                AKTENWERK_ASSIGN_OR_RETURN(k.eigene, ReadRegel(view, unit.id));
                AKTENWERK_ASSIGN_OR_RETURN(k.wirksam, EffectiveRegel(view, unit));
                k.eltern_kennzeichen = parent_kz;
                k.tiefe = depth;
                k.einheit = std::move(unit);
                const std::string id = k.einheit.id;
                const std::string kz = k.einheit.kennzeichen;
                out.push_back(std::move(k));
                AKTENWERK_RETURN_IF_ERROR(level(id, kz, depth + 1));
            }
            cursor = page.next_cursor;
        } while (!cursor.empty());
        return Status::Ok();
    };
    AKTENWERK_RETURN_IF_ERROR(level(std::string(dms::kRootId), "", 1));
    return out;
}

Result<std::string> AktenplanAustausch::ExportCsv(const dms::Principal& p) {
    AKTENWERK_ASSIGN_OR_RETURN(auto knoten, Walk(p));
    std::string out =
        "kennzeichen;titel;beschreibung;eltern_kennzeichen;frist_jahre;aussonderungsart\n";
    for (const auto& k : knoten) {
        std::string frist, art;
        if (k.eigene) {
            frist = k.eigene->regel.frist.unbefristet()
                        ? "unbefristet"
                        : std::to_string(*k.eigene->regel.frist.jahre);
            art = std::string(1, ArtCode(k.eigene->regel.art));
        }
        out += CsvField(k.einheit.kennzeichen) + ";" + CsvField(k.einheit.titel) + ";" +
               CsvField(k.einheit.beschreibung) + ";" + CsvField(k.eltern_kennzeichen) + ";" +
               frist + ";" + art + "\n";
    }
    return out;
}

Result<std::string> AktenplanAustausch::Export0301(const dms::Principal& p) {
    AKTENWERK_ASSIGN_OR_RETURN(auto knoten, Walk(p));
    namespace fs = std::filesystem;
    std::error_code ec;
    fs::create_directories(options_->arbeitsverzeichnis, ec);
    if (ec) return ErrnoError("create " + options_->arbeitsverzeichnis, ec.value());
    const std::string prozess = dms::NewUuid();
    const std::string path =
        options_->arbeitsverzeichnis + "/" + xdomea::PackageBaseName(prozess, "0301") + ".xml";
    {
        AKTENWERK_ASSIGN_OR_RETURN(auto w,
                                   xdomea::XmlWriter::Create(path, xdomea::Version::k3_1_0));
        w->StartRoot(xdomea::RootElement("0301"), xdomea::Family::kAktenplan);
        xdomea::Kopf kopf{prozess,
                          "0301",
                          repo_->clock().NowMillis(),
                          options_->absender,
                          options_->empfaenger,
                          options_->instanz_id,
                          options_->produkt_version,
                          ""};
        xdomea::WriteKopfStart(*w, kopf, xdomea::Version::k3_1_0);
        w->Element("Empfangsbestaetigung", "0");
        w->End();
        w->Start("Aktenplan");
        w->Element("Bezeichnung", "Aktenplan");
        w->Element("Version", repo_->clock().Today().ToString());
        // Sub-units come before the product extension, so each unit is written whole.
        std::map<std::string, std::vector<size_t>> kinder;
        std::vector<size_t> wurzeln;
        for (size_t i = 0; i < knoten.size(); ++i) {
            if (knoten[i].eltern_kennzeichen.empty()) {
                wurzeln.push_back(i);
            } else {
                kinder[knoten[i].eltern_kennzeichen].push_back(i);
            }
        }
        std::function<void(size_t)> einheit = [&](size_t i) {
            const Knoten& k = knoten[i];
            w->Start("Einheit");
            w->Element("Kennzeichen", k.einheit.kennzeichen);
            w->ElementIfAny("Inhaltsangabe", k.einheit.titel);
            // The schema requires a rule on every unit: one without its own carries the one
            // in force for it, or B and unlimited when there is none.
            const std::optional<Regel> regel = k.eigene    ? std::optional<Regel>(k.eigene->regel)
                                               : k.wirksam ? std::optional<Regel>(k.wirksam->regel)
                                                           : std::nullopt;
            w->Start("Aussonderungsart");
            w->Code("Aussonderungsart", std::string(1, regel ? ArtCode(regel->art) : 'B'),
                    xdomea::kAussonderungsartListUri, "1.0");
            w->End();
            w->Element("Stillgelegt", "0");
            w->Start("Aufbewahrungsdauer");
            if (regel && !regel->frist.unbefristet()) {
                w->Element("AnzahlJahre", std::to_string(*regel->frist.jahre));
            } else {
                w->Element("Unbefristet", "1");
            }
            w->End();
            for (size_t c : kinder[k.einheit.kennzeichen]) einheit(c);
            w->Start("AnwendungsspezifischeErweiterung");
            w->Element("Kennung", kErweiterung);
            w->Element("Name", "Aktenwerk");
            w->Start("Feld");
            w->Element("Name", "regel");
            w->Element("Wert", k.eigene ? "eigen" : k.wirksam ? "geerbt" : "keine");
            w->End();
            if (!k.einheit.beschreibung.empty()) {
                w->Start("Feld");
                w->Element("Name", "beschreibung");
                w->Element("Wert", k.einheit.beschreibung);
                w->End();
            }
            w->End();
            w->End();
        };
        for (size_t r : wurzeln) einheit(r);
        w->End();  // Aktenplan
        w->End();  // root
        AKTENWERK_RETURN_IF_ERROR(w->Finish());
    }
    auto valid =
        xdomea::ValidateMessageFile(path, xdomea::Family::kAktenplan, xdomea::Version::k3_1_0);
    std::ifstream in(path, std::ios::binary);
    std::ostringstream text;
    text << in.rdbuf();
    fs::remove(path, ec);
    if (!valid.ok())
        return InternalError("the 0301 we wrote is not valid: " + valid.status().message());
    return text.str();
}

}  // namespace aktenwerk::retention
