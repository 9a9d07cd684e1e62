// Kopf writing and reading; element order as in xdomea-Baukasten.xsd (NkBasisType, KontaktType,
// BehoerdenkennungType, SystemType).
#include "retention/xdomea/kopf.h"

#include <array>
#include <utility>

namespace aktenwerk::retention::xdomea {
namespace {

// From the code list Nachrichtentyp 2.0 (codelists/Nachrichtentyp_2.0.xml; a test compares).
constexpr std::array<std::pair<std::string_view, std::string_view>, 53> kNachrichten = {{
    {"0301", "Aktenplan.Aktenplan"},
    {"0302", "Aktenplan.EmpfangBestaetigen"},
    {"0401", "Abgabe.Abgabe"},
    {"0402", "Abgabe.ImportBestaetigen"},
    {"0403", "Abgabe.EmpfangBestaetigen"},
    {"0501", "Aussonderung.Anbieteverzeichnis"},
    {"0502", "Aussonderung.Bewertungsverzeichnis"},
    {"0503", "Aussonderung.Aussonderung"},
    {"0504", "Aussonderung.AnbietungEmpfangBestaetigen"},
    {"0505", "Aussonderung.BewertungEmpfangBestaetigen"},
    {"0506", "Aussonderung.AussonderungImportBestaetigen"},
    {"0507", "Aussonderung.AussonderungEmpfangBestaetigen"},
    {"0511", "Aussonderung.AktenplanZurBewertung"},
    {"0512", "Aussonderung.AktenplanZurBewertungEmpfangBestaetigen"},
    {"0513", "Aussonderung.Bewertungskatalog"},
    {"0514", "Aussonderung.BewertungskatalogImportBestaetigen"},
    {"0515", "Aussonderung.BewerteterAktenplanEmpfangBestaetigen"},
    {"0101", "Information.Information"},
    {"0102", "Information.EmpfangBestaetigen"},
    {"0201", "Geschaeftsgang.Geschaeftsgang"},
    {"0202", "Geschaeftsgang.EmpfangBestaetigen"},
    {"0601", "FVDaten.DokumentAktualisieren"},
    {"0602", "FVDaten.SGOAnsehen"},
    {"0603", "FVDaten.SGOBearbeiten"},
    {"0604", "FVDaten.SGOErstellen"},
    {"0605", "FVDaten.SGOAblegen"},
    {"0606", "FVDaten.SGODrucken"},
    {"0607", "FVDaten.ProtokolleintragErstellen"},
    {"0608", "FVDaten.SGOSuchen"},
    {"0609", "FVDaten.MetadatenAnlegen"},
    {"0610", "FVDaten.MetadatenAktualisieren"},
    {"0611", "FVDaten.MetadatenAnsehen"},
    {"0612", "FVDaten.MetadatenLoeschen"},
    {"0613", "FVDaten.SGOLoeschenMarkieren"},
    {"0614", "FVDaten.SGOLoeschmarkierungAufheben"},
    {"0615", "FVDaten.SGOEndgueltigLoeschen"},
    {"0616", "FVDaten.SGOLoeschstatusAbfragen"},
    {"0617", "FVDaten.SGOUngueltigKennzeichnen"},
    {"0618", "FVDaten.DatensatzLoeschen"},
    {"0619", "FVDaten.BenachrichtigungAbrufen"},
    {"0620", "FVDaten.VertretungAktivierenOderDeaktivieren"},
    {"0621", "FVDaten.VertretungsstatusAbfragen"},
    {"0622", "FVDaten.ZustaendigkeitAendern"},
    {"0623", "FVDaten.GesamtprotokollAblegen"},
    {"0624", "FVDaten.SGOZDAVerfuegen"},
    {"0625", "FVDaten.SystemstatusAbfragen"},
    {"0626", "FVDaten.KonfigurationsparameterErstellen"},
    {"0627", "FVDaten.KonfigurationsparameterAktualisieren"},
    {"0628", "FVDaten.KonfigurationsparameterAbrufen"},
    {"0629", "FVDaten.EmpfangBestaetigen"},
    {"0630", "FVDaten.ImportBestaetigen"},
    {"0631", "FVDaten.PrimaerdokumentExportieren"},
    {"0632", "FVDaten.SGOZDAAufheben"},
}};

void WriteKontakt(XmlWriter& w, std::string_view element, const Kontakt& k) {
    w.Start(element);
    if (!k.praefix.empty() || !k.behoerdenschluessel.empty()) {
        w.Start("Behoerdenkennung");
        if (!k.behoerdenschluessel.empty()) w.Code("Behoerdenschluessel", k.behoerdenschluessel);
        if (!k.praefix.empty()) w.Code("Praefix", k.praefix);
        w.End();
    }
    if (!k.institution.empty()) {
        w.Start("Institution");
        w.Element("Name", k.institution);
        w.End();
    }
    if (!k.organisationseinheit.empty()) {
        w.Start("Organisationseinheit");
        w.Element("Name", k.organisationseinheit);
        w.End();
    }
    w.End();
}

Kontakt ReadKontakt(XmlNode node) {
    Kontakt k;
    k.praefix = Text(Path(node, {"Behoerdenkennung", "Praefix", "code"}));
    k.behoerdenschluessel = Text(Path(node, {"Behoerdenkennung", "Behoerdenschluessel", "code"}));
    k.institution = Text(Path(node, {"Institution", "Name"}));
    k.organisationseinheit = Text(Path(node, {"Organisationseinheit", "Name"}));
    return k;
}

}  // namespace

std::string_view NachrichtenName(std::string_view code) {
    for (const auto& [c, name] : kNachrichten) {
        if (c == code) return name;
    }
    return {};
}

std::string RootElement(std::string_view code) {
    return std::string(NachrichtenName(code)) + "." + std::string(code);
}

std::string CodeOfRoot(std::string_view root) {
    if (root.size() < 5 || root[root.size() - 5] != '.') return {};
    std::string code(root.substr(root.size() - 4));
    return RootElement(code) == root ? code : std::string();
}

std::string PackageBaseName(std::string_view prozess_id, std::string_view code) {
    return std::string(prozess_id) + "_" + RootElement(code);
}

void WriteKopfStart(XmlWriter& w, const Kopf& kopf, Version version) {
    w.Start("Kopf");
    w.Element("ProzessID", kopf.prozess_id);
    w.Code("Nachrichtentyp", kopf.nachrichtentyp, "urn:xoev-de:xdomea:codeliste:nachrichtentyp",
           IsV2(version) ? "" : "2.0", NachrichtenName(kopf.nachrichtentyp));
    w.Element("Erstellungszeitpunkt", DateTimeUtc(kopf.erstellt_ms));
    WriteKontakt(w, "Absender", kopf.absender);
    WriteKontakt(w, "Empfaenger", kopf.empfaenger);
    w.Start("SendendesSystem");
    w.ElementIfAny("InstanzID", kopf.instanz_id);
    w.Element("Produktname", "Aktenwerk");
    w.ElementIfAny("Version", kopf.produkt_version);
    w.End();
    w.ElementIfAny("Hinweis", kopf.hinweis);
}

KopfGelesen ReadKopf(XmlNode root) {
    KopfGelesen k;
    XmlNode kopf = Child(root, "Kopf");
    k.prozess_id = Text(Child(kopf, "ProzessID"));
    k.nachrichtentyp = Text(Path(kopf, {"Nachrichtentyp", "code"}));
    k.erstellungszeitpunkt = Text(Child(kopf, "Erstellungszeitpunkt"));
    k.absender = ReadKontakt(Child(kopf, "Absender"));
    if (auto e = ChildText(kopf, "Empfangsbestaetigung")) k.empfangsbestaetigung = IsTrue(*e);
    if (auto i = ChildText(kopf, "Importbestaetigung")) k.importbestaetigung = IsTrue(*i);
    return k;
}

}  // namespace aktenwerk::retention::xdomea
