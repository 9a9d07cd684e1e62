// The message header (Kopf, xdomea NkBasisType) of every xdomea message, written and read,
// and the names of the message types (code list Nachrichtentyp 2.0) with the package names
// built from them.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "retention/xdomea/dom.h"
#include "retention/xdomea/validation.h"
#include "retention/xdomea/writer.h"

namespace aktenwerk::retention::xdomea {

// A sender or receiver (KontaktType), reduced to what agencies and archives use to identify
// each other: the Behördenkennung (Präfix and Behördenschlüssel, which archives compare with
// their configuration) and the names.
struct Kontakt {
    std::string praefix;
    std::string behoerdenschluessel;
    std::string institution;           // Institution/Name
    std::string organisationseinheit;  // Organisationseinheit/Name
};

// What we put into a header we write.
struct Kopf {
    std::string prozess_id;      // UUID, the same in every message of one process
    std::string nachrichtentyp;  // "0501", ...
    int64_t erstellt_ms = 0;
    Kontakt absender;
    Kontakt empfaenger;
    std::string instanz_id;  // SendendesSystem/InstanzID
    std::string produkt_version;
    std::string hinweis;
};

// What we read from a received header.
struct KopfGelesen {
    std::string prozess_id;
    std::string nachrichtentyp;
    std::string erstellungszeitpunkt;
    Kontakt absender;
    std::optional<bool> empfangsbestaetigung;  // asked for a receipt
    std::optional<bool> importbestaetigung;    // 0503 only
};

// "Aussonderung.Anbieteverzeichnis" for "0501"; empty for an unknown code.
std::string_view NachrichtenName(std::string_view code);
// The root element name: "Aussonderung.Anbieteverzeichnis.0501".
std::string RootElement(std::string_view code);
// The code of a root element name ("0502" for "Aussonderung.Bewertungsverzeichnis.0502"), or
// empty.
std::string CodeOfRoot(std::string_view root);
// The base name of a package and its message XML: "<ProzessID>_<Nachrichtenname>.<code>".
std::string PackageBaseName(std::string_view prozess_id, std::string_view code);

// Writes <xdomea:Kopf> with the NkBasisType children, leaving the element open so that the
// caller appends the extension's children (Empfangsbestaetigung, ...) and calls End().
void WriteKopfStart(XmlWriter& w, const Kopf& kopf, Version version);

// Reads the Kopf of a validated message (`root` is the message's root element).
KopfGelesen ReadKopf(XmlNode root);

}  // namespace aktenwerk::retention::xdomea
