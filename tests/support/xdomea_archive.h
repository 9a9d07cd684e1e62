// Test support: the messages a state archive sends back during an Aussonderung (0502, 0504,
// 0506, 0507), written the way an archive's software writes them, as xdomea 3.1.0, 3.0.0 or
// 2.4.0 text. Header-only; the tests check them with xmllint as well.
#pragma once

#include <string>
#include <utility>
#include <vector>

namespace aktenwerk::test_support {

// One entry of a 0506.
struct ArchivImport {
    std::string id;
    bool erfolgreich = true;
    std::string archivkennung;
    std::string fehlermeldung;
};

class ArchiveMessages {
  public:
    explicit ArchiveMessages(std::string version = "3.1.0") : version_(std::move(version)) {}

    bool v2() const { return version_.rfind("2.", 0) == 0; }

    // A 0502 with one BewertetesObjekt per (id, 'A'|'V'|'B'). `nested` writes 3.x's double
    // nesting; false writes AussonderungsartKonfigurierbar (3.x). 2.x always writes the code
    // directly.
    std::string Bewertungsverzeichnis(const std::string& prozess_id,
                                      const std::vector<std::pair<std::string, char>>& objekte,
                                      bool empfangsbestaetigung, bool nested = true) const {
        std::string body;
        for (const auto& [id, art] : objekte) {
            body += "  <xdomea:BewertetesObjekt>\n    <xdomea:ID>" + id + "</xdomea:ID>\n";
            if (v2()) {
                body +=
                    "    <xdomea:Aussonderungsart listURI=\"urn:xoev-de:xdomea:codeliste:"
                    "aussonderungsart\" listVersionID=\"1.0\"><code>" +
                    std::string(1, art) + "</code></xdomea:Aussonderungsart>\n";
            } else if (nested) {
                body +=
                    "    <xdomea:Aussonderungsart>\n      <xdomea:Aussonderungsart "
                    "listURI=\"urn:xoev-de:xdomea:codeliste:aussonderungsart\" "
                    "listVersionID=\"1.0\"><code>" +
                    std::string(1, art) +
                    "</code></xdomea:Aussonderungsart>\n    </xdomea:Aussonderungsart>\n";
            } else {
                body += "    <xdomea:Aussonderungsart><xdomea:AussonderungsartKonfigurierbar>" +
                        std::string(1, art) +
                        "</xdomea:AussonderungsartKonfigurierbar></xdomea:Aussonderungsart>\n";
            }
            body += "  </xdomea:BewertetesObjekt>\n";
        }
        return Message("0502", prozess_id,
                       "    <xdomea:Empfangsbestaetigung>" +
                           std::string(empfangsbestaetigung ? "true" : "false") +
                           "</xdomea:Empfangsbestaetigung>\n",
                       body);
    }

    std::string AnbietungEmpfangBestaetigen(const std::string& prozess_id) const {
        return Message("0504", prozess_id, "", "");
    }
    std::string AussonderungEmpfangBestaetigen(const std::string& prozess_id) const {
        return Message("0507", prozess_id, "", "");
    }

    std::string AussonderungImportBestaetigen(const std::string& prozess_id,
                                              const std::vector<ArchivImport>& objekte) const {
        std::string body;
        if (v2()) {
            bool all = true;
            for (const auto& o : objekte) all = all && o.erfolgreich;
            body = "  <xdomea:ErfolgOderMisserfolg>\n    <xdomea:Erfolgreich>" +
                   std::string(all ? "true" : "false") + "</xdomea:Erfolgreich>\n";
            for (const auto& o : objekte) {
                body += "    <xdomea:Rueckgabeparameter><xdomea:ID>" + o.id +
                        "</xdomea:ID><xdomea:Archivkennung>" + o.archivkennung +
                        "</xdomea:Archivkennung></xdomea:Rueckgabeparameter>\n";
            }
            body += "  </xdomea:ErfolgOderMisserfolg>\n";
            return Message("0506", prozess_id, "", body);
        }
        for (const auto& o : objekte) {
            body += "  <xdomea:AusgesondertesSGO>\n    <xdomea:IDSGO>" + o.id +
                    "</xdomea:IDSGO>\n    <xdomea:Erfolgreich>" +
                    std::string(o.erfolgreich ? "true" : "false") + "</xdomea:Erfolgreich>\n";
            if (!o.fehlermeldung.empty()) {
                body +=
                    "    <xdomea:Fehlermeldung>" + o.fehlermeldung + "</xdomea:Fehlermeldung>\n";
            }
            if (!o.archivkennung.empty()) {
                body +=
                    "    <xdomea:Archivkennung>" + o.archivkennung + "</xdomea:Archivkennung>\n";
            }
            body += "  </xdomea:AusgesondertesSGO>\n";
        }
        return Message("0506", prozess_id, "", body);
    }

  private:
    static std::string Name(const std::string& code) {
        if (code == "0502") return "Aussonderung.Bewertungsverzeichnis.0502";
        if (code == "0504") return "Aussonderung.AnbietungEmpfangBestaetigen.0504";
        if (code == "0506") return "Aussonderung.AussonderungImportBestaetigen.0506";
        return "Aussonderung.AussonderungEmpfangBestaetigen.0507";
    }

    std::string Message(const std::string& code, const std::string& prozess_id,
                        const std::string& kopf_extension, const std::string& body) const {
        const std::string root = "xdomea:" + Name(code);
        std::string xml = "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n<" + root +
                          " xmlns:xdomea=\"urn:xoev-de:xdomea:schema:" + version_ + "\">\n";
        xml += "  <xdomea:Kopf>\n    <xdomea:ProzessID>" + prozess_id + "</xdomea:ProzessID>\n";
        xml +=
            "    <xdomea:Nachrichtentyp listURI=\"urn:xoev-de:xdomea:codeliste:nachrichtentyp\""
            " listVersionID=\"" +
            std::string(v2() ? "1.0" : "2.0") + "\"><code>" + code +
            "</code></xdomea:Nachrichtentyp>\n";
        xml +=
            "    <xdomea:Erstellungszeitpunkt>2026-03-20T10:00:00Z</xdomea:Erstellungszeitpunkt>\n";
        xml +=
            "    <xdomea:Absender>\n      <xdomea:Institution><xdomea:Name>Landesarchiv "
            "Musterland</xdomea:Name></xdomea:Institution>\n    </xdomea:Absender>\n";
        xml +=
            "    <xdomea:Empfaenger>\n      <xdomea:Institution><xdomea:Name>Stadt "
            "Musterstadt</xdomea:Name></xdomea:Institution>\n    </xdomea:Empfaenger>\n";
        xml +=
            "    <xdomea:SendendesSystem><xdomea:Produktname>Archivsoftware"
            "</xdomea:Produktname></xdomea:SendendesSystem>\n";
        xml += kopf_extension + "  </xdomea:Kopf>\n" + body + "</" + root + ">\n";
        return xml;
    }

    std::string version_;
};

}  // namespace aktenwerk::test_support
