// JSON forms of the records model. The same form is stored (as MessagePack) and served, so
// there is one mapping to keep right. Reading never throws: a malformed stored record is
// reported as corruption.
#include "dms/model.h"

#include <ctime>

namespace aktenwerk::dms {
namespace {

using nlohmann::json;

void PutDate(json& j, const char* key, const std::optional<CivilDate>& d) {
    j[key] = d ? json(d->ToString()) : json(nullptr);
}

std::optional<CivilDate> GetDate(const json& j, const char* key) {
    auto it = j.find(key);
    if (it == j.end() || !it->is_string()) return std::nullopt;
    return CivilDate::Parse(it->get<std::string>());
}

std::string GetString(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

template <typename T>
T GetNumber(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_number() ? it->get<T>() : T{};
}

}  // namespace

std::string_view KindName(Kind kind) {
    switch (kind) {
        case Kind::kAktenplaneinheit:
            return "aktenplaneinheit";
        case Kind::kAkte:
            return "akte";
        case Kind::kVorgang:
            return "vorgang";
        case Kind::kDokument:
            return "dokument";
    }
    return "akte";
}

std::optional<Kind> ParseKind(std::string_view name) {
    for (Kind k : {Kind::kAktenplaneinheit, Kind::kAkte, Kind::kVorgang, Kind::kDokument}) {
        if (KindName(k) == name) return k;
    }
    return std::nullopt;
}

std::string FormatTimestamp(int64_t millis) {
    std::time_t secs = static_cast<std::time_t>(millis / 1000);
    std::tm utc{};
    gmtime_r(&secs, &utc);
    char buf[64];
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02d.%03dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec,
                  static_cast<int>(millis % 1000));
    return buf;
}

json ToJson(const Objekt& o) {
    json j;
    j["id"] = o.id;
    j["typ"] = KindName(o.kind);
    j["parent_id"] = o.parent_id;
    j["revision"] = o.revision;
    j["sequenz"] = o.sequenz;
    switch (o.kind) {
        case Kind::kAktenplaneinheit:
            j["kennzeichen"] = o.kennzeichen;
            j["titel"] = o.titel;
            j["beschreibung"] = o.beschreibung;
            break;
        case Kind::kAkte:
            j["aktenzeichen"] = o.aktenzeichen;
            j["teilakten_zaehler"] = o.teilakten_zaehler;
            j["vertraulichkeit"] = o.vertraulichkeit;
            [[fallthrough]];
        case Kind::kVorgang:
            j["betreff"] = o.betreff;
            PutDate(j, "laufzeit_beginn", o.laufzeit_beginn);
            PutDate(j, "laufzeit_ende", o.laufzeit_ende);
            j["federfuehrung"] = o.federfuehrung;
            PutDate(j, "zda", o.zda);
            j["status"] = o.closed() ? "geschlossen" : "offen";
            j["metadaten"] = o.metadaten;
            break;
        case Kind::kDokument:
            j["betreff"] = o.betreff;
            PutDate(j, "posteingangsdatum", o.posteingangsdatum);
            j["absender"] = o.absender;
            j["dokumenttyp"] = o.dokumenttyp;
            j["versionen"] = o.versionen;
            j["metadaten"] = o.metadaten;
            break;
    }
    j["erstellt_von"] = o.erstellt_von;
    j["erstellt_am"] = FormatTimestamp(o.erstellt_am);
    j["erstellt_am_ms"] = o.erstellt_am;
    j["geaendert_von"] = o.geaendert_von;
    j["geaendert_am"] = FormatTimestamp(o.geaendert_am);
    j["geaendert_am_ms"] = o.geaendert_am;
    if (!o.fruehere_ablagen.empty()) {
        json list = json::array();
        for (const auto& f : o.fruehere_ablagen) {
            list.push_back({{"parent_id", f.parent_id},
                            {"parent_bezeichnung", f.parent_bezeichnung},
                            {"bis", FormatTimestamp(f.bis)},
                            {"bis_ms", f.bis}});
        }
        j["fruehere_ablagen"] = std::move(list);
    }
    return j;
}

Result<Objekt> ObjektFromJson(const json& j) {
    if (!j.is_object()) return CorruptionError("record is not an object");
    Objekt o;
    o.id = GetString(j, "id");
    auto kind = ParseKind(GetString(j, "typ"));
    if (o.id.empty() || !kind) return CorruptionError("record has no id or type");
    o.kind = *kind;
    o.parent_id = GetString(j, "parent_id");
    o.revision = GetNumber<uint64_t>(j, "revision");
    o.sequenz = GetNumber<uint64_t>(j, "sequenz");
    o.kennzeichen = GetString(j, "kennzeichen");
    o.titel = GetString(j, "titel");
    o.beschreibung = GetString(j, "beschreibung");
    o.aktenzeichen = GetString(j, "aktenzeichen");
    o.teilakten_zaehler = GetNumber<uint32_t>(j, "teilakten_zaehler");
    o.betreff = GetString(j, "betreff");
    if (auto it = j.find("metadaten"); it != j.end() && it->is_object()) o.metadaten = *it;
    o.laufzeit_beginn = GetDate(j, "laufzeit_beginn");
    o.laufzeit_ende = GetDate(j, "laufzeit_ende");
    o.federfuehrung = GetString(j, "federfuehrung");
    o.zda = GetDate(j, "zda");
    if (j.contains("vertraulichkeit")) o.vertraulichkeit = GetString(j, "vertraulichkeit");
    o.posteingangsdatum = GetDate(j, "posteingangsdatum");
    o.absender = GetString(j, "absender");
    o.dokumenttyp = GetString(j, "dokumenttyp");
    o.versionen = GetNumber<uint32_t>(j, "versionen");
    o.erstellt_von = GetString(j, "erstellt_von");
    o.erstellt_am = GetNumber<int64_t>(j, "erstellt_am_ms");
    o.geaendert_von = GetString(j, "geaendert_von");
    o.geaendert_am = GetNumber<int64_t>(j, "geaendert_am_ms");
    if (auto it = j.find("fruehere_ablagen"); it != j.end() && it->is_array()) {
        for (const auto& f : *it) {
            if (!f.is_object()) continue;
            o.fruehere_ablagen.push_back({GetString(f, "parent_id"),
                                          GetString(f, "parent_bezeichnung"),
                                          GetNumber<int64_t>(f, "bis_ms")});
        }
    }
    return o;
}

json ToJson(const Version& v) {
    return {{"dokument_id", v.dokument_id},
            {"nummer", v.nummer},
            {"major", v.major},
            {"minor", v.minor},
            {"label", v.Label()},
            {"sha256", v.sha256},
            {"groesse", v.groesse},
            {"mime_type", v.mime_type},
            {"zeichensatz", v.zeichensatz.empty() ? json() : json(v.zeichensatz)},
            {"dateiname", v.dateiname},
            {"kommentar", v.kommentar},
            {"erstellt_von", v.erstellt_von},
            {"erstellt_am", FormatTimestamp(v.erstellt_am)},
            {"erstellt_am_ms", v.erstellt_am}};
}

Result<Version> VersionFromJson(const json& j) {
    if (!j.is_object()) return CorruptionError("version record is not an object");
    Version v;
    v.dokument_id = GetString(j, "dokument_id");
    v.nummer = GetNumber<uint32_t>(j, "nummer");
    v.major = GetNumber<uint32_t>(j, "major");
    v.minor = GetNumber<uint32_t>(j, "minor");
    v.sha256 = GetString(j, "sha256");
    v.groesse = GetNumber<uint64_t>(j, "groesse");
    v.mime_type = GetString(j, "mime_type");
    v.zeichensatz = GetString(j, "zeichensatz");
    v.dateiname = GetString(j, "dateiname");
    v.kommentar = GetString(j, "kommentar");
    v.erstellt_von = GetString(j, "erstellt_von");
    v.erstellt_am = GetNumber<int64_t>(j, "erstellt_am_ms");
    if (v.nummer == 0 || v.sha256.size() != 64) return CorruptionError("version record incomplete");
    return v;
}

json ToJson(const AuditEntry& e) {
    return {{"seq", e.seq},
            {"zeit", FormatTimestamp(e.zeit)},
            {"zeit_ms", e.zeit},
            {"akteur", e.akteur},
            {"objekt_id", e.objekt_id},
            {"aktion", e.aktion},
            {"vorher", e.vorher},
            {"nachher", e.nachher},
            {"vorheriger_hash", e.vorheriger_hash},
            {"hash", e.hash}};
}

Result<AuditEntry> AuditEntryFromJson(const json& j) {
    if (!j.is_object()) return CorruptionError("audit entry is not an object");
    AuditEntry e;
    e.seq = GetNumber<uint64_t>(j, "seq");
    e.zeit = GetNumber<int64_t>(j, "zeit_ms");
    e.akteur = GetString(j, "akteur");
    e.objekt_id = GetString(j, "objekt_id");
    e.aktion = GetString(j, "aktion");
    if (auto it = j.find("vorher"); it != j.end()) e.vorher = *it;
    if (auto it = j.find("nachher"); it != j.end()) e.nachher = *it;
    e.vorheriger_hash = GetString(j, "vorheriger_hash");
    e.hash = GetString(j, "hash");
    return e;
}

}  // namespace aktenwerk::dms
