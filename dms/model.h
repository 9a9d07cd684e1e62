// The records model: Aktenplaneinheit, Akte, Vorgang, Dokument and their versions, as kept
// in storage and shown by the API.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dms/civil_date.h"
#include "storage/status.h"

namespace aktenwerk::dms {

// The kinds of node in the records tree. Their names are the stable API names.
enum class Kind { kAktenplaneinheit, kAkte, kVorgang, kDokument };

std::string_view KindName(Kind kind);  // "aktenplaneinheit", "akte", "vorgang", "dokument"
std::optional<Kind> ParseKind(std::string_view name);

// The id of the Aktenplan's invisible root: the parent of the top-level units.
inline constexpr std::string_view kRootId = "root";

// A former place of a moved object, kept with it (the audit trail has the full story).
struct FruehereAblage {
    std::string parent_id;
    std::string parent_bezeichnung;  // Kennzeichen or Aktenzeichen of the parent then
    int64_t bis = 0;                 // when it was moved away (ms since epoch)
};

// One node of the records tree. Which fields apply depends on `kind`; the others stay
// empty. Plain value type.
struct Objekt {
    std::string id;
    Kind kind = Kind::kAkte;
    std::string parent_id;
    uint64_t revision = 0;  // increases with every change; the change token
    uint64_t sequenz = 0;   // creation order in the whole repository; sorts siblings

    // Aktenplaneinheit
    std::string kennzeichen;
    std::string titel;
    std::string beschreibung;

    // Akte
    std::string aktenzeichen;
    uint32_t teilakten_zaehler = 0;

    // Akte, Vorgang, Dokument
    std::string betreff;
    nlohmann::json metadaten = nlohmann::json::object();  // free metadata, string values

    // Akte, Vorgang
    std::optional<CivilDate> laufzeit_beginn;
    std::optional<CivilDate> laufzeit_ende;
    std::string federfuehrung;
    std::optional<CivilDate> zda;  // set while closed

    // Akte
    std::string vertraulichkeit = "offen";

    // Dokument
    std::optional<CivilDate> posteingangsdatum;
    std::string absender;
    std::string dokumenttyp;
    uint32_t versionen = 0;  // number of versions; the latest has this number

    std::string erstellt_von;
    int64_t erstellt_am = 0;
    std::string geaendert_von;
    int64_t geaendert_am = 0;
    std::vector<FruehereAblage> fruehere_ablagen;

    bool closed() const { return zda.has_value(); }
};

// One stored version of a Dokument. Immutable once written.
struct Version {
    std::string dokument_id;
    uint32_t nummer = 0;  // 1, 2, ... in order of upload
    uint32_t major = 0;
    uint32_t minor = 0;
    std::string sha256;
    uint64_t groesse = 0;
    std::string mime_type;    // detected from the content, not taken from the client
    std::string zeichensatz;  // character set of text content ("utf-8"); empty otherwise
    std::string dateiname;    // the original file name, UTF-8
    std::string kommentar;
    std::string erstellt_von;
    int64_t erstellt_am = 0;

    std::string Label() const { return std::to_string(major) + "." + std::to_string(minor); }
};

// One entry of the audit trail. `hash` chains it to the entry before (`vorheriger_hash`).
struct AuditEntry {
    uint64_t seq = 0;
    int64_t zeit = 0;
    std::string akteur;
    std::string objekt_id;
    std::string aktion;
    nlohmann::json vorher;   // null when not applicable
    nlohmann::json nachher;  // null when not applicable
    std::string vorheriger_hash;
    std::string hash;
};

nlohmann::json ToJson(const Objekt& o);
Result<Objekt> ObjektFromJson(const nlohmann::json& j);
nlohmann::json ToJson(const Version& v);
Result<Version> VersionFromJson(const nlohmann::json& j);
nlohmann::json ToJson(const AuditEntry& e);
Result<AuditEntry> AuditEntryFromJson(const nlohmann::json& j);

// Milliseconds since the epoch as ISO 8601 UTC with milliseconds ("2026-03-15T09:00:00.000Z").
std::string FormatTimestamp(int64_t millis);

}  // namespace aktenwerk::dms
