// Test support: xdomea 3.1.0 Fachverfahrensdaten messages as a case system sends them (Kopf
// NkKeineRueckmeldungFVDatenType and the bodies of 0602, 0604, 0605, 0624, 0625, 0632), so
// that the unit and end-to-end tests build requests in one line. Header-only; the tests check
// every message with xmllint before they send it.
#pragma once

#include <optional>
#include <string>

namespace aktenwerk::test_support {

inline std::string FvSchemaPath(const std::string& source_dir) {
    return source_dir +
           "/retention/xdomea/schema/3.1.0/xdomea-Nachrichten-FachverfahrensdatenAustauschen.xsd";
}

// A whole message: root FVDaten.<name>.<code> with the Kopf and `body`.
inline std::string FvNachricht(const std::string& name, const std::string& code,
                               const std::string& prozess_id, const std::string& body,
                               bool empfangsbestaetigung = false,
                               std::optional<int> stapellaenge = std::nullopt) {
    const std::string root = "xdomea:FVDaten." + name + "." + code;
    std::string kopf =
        "<xdomea:Kopf><xdomea:ProzessID>" + prozess_id +
        "</xdomea:ProzessID><xdomea:Nachrichtentyp "
        "listURI=\"urn:xoev-de:xdomea:codeliste:nachrichtentyp\" listVersionID=\"2.0\"><code>" +
        code +
        "</code></xdomea:Nachrichtentyp>"
        "<xdomea:Erstellungszeitpunkt>2026-03-15T09:00:00Z</xdomea:Erstellungszeitpunkt>"
        "<xdomea:Absender><xdomea:Institution><xdomea:Name>Fachverfahren Bauaufsicht"
        "</xdomea:Name></xdomea:Institution></xdomea:Absender><xdomea:Empfaenger/>"
        "<xdomea:SendendesSystem><xdomea:Produktname>BauFV</xdomea:Produktname>"
        "</xdomea:SendendesSystem><xdomea:Empfangsbestaetigung>" +
        std::string(empfangsbestaetigung ? "true" : "false") +
        "</xdomea:Empfangsbestaetigung><xdomea:Importbestaetigung>1</xdomea:Importbestaetigung>"
        "<xdomea:Erstellerkennung>m.muster</xdomea:Erstellerkennung><xdomea:Stapel>" +
        std::string(stapellaenge ? "true" : "false") + "</xdomea:Stapel>";
    if (stapellaenge) {
        kopf += "<xdomea:Stapellaenge>" + std::to_string(*stapellaenge) + "</xdomea:Stapellaenge>";
    }
    kopf += "</xdomea:Kopf>";
    return "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + root +
           " xmlns:xdomea=\"urn:xoev-de:xdomea:schema:3.1.0\">" + kopf + body + "</" + root + ">";
}

// The Identifikation and AllgemeineMetadaten/Betreff every Schriftgutobjekt starts with.
inline std::string FvKern(const std::string& uuid, const std::string& betreff) {
    return "<xdomea:Identifikation><xdomea:ID>" + uuid +
           "</xdomea:ID></xdomea:Identifikation><xdomea:AllgemeineMetadaten><xdomea:Betreff>" +
           betreff + "</xdomea:Betreff></xdomea:AllgemeineMetadaten>";
}

// One SchriftgutobjektZumErstellen (0604) or ...ZumAblegen (0605) of an Akte or Vorgang.
inline std::string FvObjekt(const std::string& element, const std::string& schluessel,
                            const std::string& container, const std::string& art,
                            const std::string& uuid, const std::string& betreff) {
    std::string sgo = "<xdomea:" + art + ">" + FvKern(uuid, betreff);
    sgo += "<xdomea:Laufzeit><xdomea:Beginn>2026-01-05</xdomea:Beginn></xdomea:Laufzeit>";
    sgo += "</xdomea:" + art + ">";
    return "<xdomea:" + element + "><xdomea:FachverfahrenObjektID>" + schluessel +
           "</xdomea:FachverfahrenObjektID><xdomea:IDContainer>" + container +
           "</xdomea:IDContainer><xdomea:Schriftgutobjekt>" + sgo +
           "</xdomea:Schriftgutobjekt></xdomea:" + element + ">";
}

// One Version of a Dokument with its primary file `dateiname` (a ZIP entry).
inline std::string FvVersion(int nummer, const std::string& dateiname,
                             const std::string& original) {
    return "<xdomea:Version><xdomea:Nummer>" + std::to_string(nummer) +
           "</xdomea:Nummer><xdomea:Format><xdomea:Name "
           "listURI=\"urn:xoev-de:xdomea:codeliste:dateiformat\" listVersionID=\"1.0\">"
           "<code>018</code></xdomea:Name><xdomea:Version>1.4</xdomea:Version>"
           "<xdomea:Primaerdokument><xdomea:Dateiname>" +
           dateiname + "</xdomea:Dateiname><xdomea:DateinameOriginal>" + original +
           "</xdomea:DateinameOriginal></xdomea:Primaerdokument></xdomea:Format></xdomea:Version>";
}

// One SchriftgutobjektZumAblegen (0605) of a Dokument with `versionen` (FvVersion...).
inline std::string FvDokument(const std::string& schluessel, const std::string& container,
                              const std::string& uuid, const std::string& betreff,
                              const std::string& versionen) {
    return "<xdomea:SchriftgutobjektZumAblegen><xdomea:FachverfahrenObjektID>" + schluessel +
           "</xdomea:FachverfahrenObjektID><xdomea:IDContainer>" + container +
           "</xdomea:IDContainer><xdomea:Schriftgutobjekt><xdomea:Dokument>" +
           FvKern(uuid, betreff) + versionen +
           "</xdomea:Dokument></xdomea:Schriftgutobjekt></xdomea:SchriftgutobjektZumAblegen>";
}

// An element holding just IDSGO (0602, 0624, 0632).
inline std::string FvIdsgo(const std::string& element, const std::string& id) {
    return "<xdomea:" + element + "><xdomea:IDSGO>" + id + "</xdomea:IDSGO></xdomea:" + element +
           ">";
}

}  // namespace aktenwerk::test_support
