// Reading the archive's answers. The messages are valid by the time they are read here, so
// the structure is as the schema says; the checks left are the values' meaning.
#include "retention/xdomea/incoming.h"

#include <algorithm>
#include <cctype>

namespace aktenwerk::retention::xdomea {
namespace {

Status Invalid(const std::string& why) { return InvalidArgumentError(why, "invalid-xdomea"); }

bool RootBelongsTo(std::string_view root, Family family) {
    switch (family) {
        case Family::kAussonderung:
            return root.rfind("Aussonderung.", 0) == 0;
        case Family::kAktenplan:
            return root.rfind("Aktenplan.", 0) == 0;
        case Family::kAbgabe:
            return root.rfind("Abgabe.", 0) == 0;
        case Family::kFachverfahrensdaten:
            return root.rfind("FVDaten.", 0) == 0;
        case Family::kInformation:
            return root.rfind("Information.", 0) == 0;
    }
    return false;
}

// The A/B/V of an AussonderungsartType (3.x: nested code or configurable string) or of an
// AussonderungsartCodeType (2.x: the code directly).
Result<char> ReadArt(XmlNode node, Version version, long line) {
    std::string value;
    if (IsV2(version)) {
        value = Text(Child(node, "code"));
    } else if (XmlNode nested = Child(node, "Aussonderungsart")) {
        value = Text(Child(nested, "code"));
    } else {
        value = Text(Child(node, "AussonderungsartKonfigurierbar"));
        std::transform(value.begin(), value.end(), value.begin(),
                       [](unsigned char c) { return static_cast<char>(std::toupper(c)); });
    }
    if (value == "A" || value == "B" || value == "V") return value[0];
    return Invalid("line " + std::to_string(line) + ": the Aussonderungsart '" + value +
                   "' is none of A, B, V");
}

}  // namespace

Result<Eingang> ReceiveMessage(std::string_view bytes, Family family, const XmlLimits& xml,
                               const ZipLimits& zip) {
    std::string unpacked;
    std::string_view text = bytes;
    if (LooksLikeZip(bytes)) {
        AKTENWERK_ASSIGN_OR_RETURN(unpacked, ReadMessageXml(bytes, zip));
        text = unpacked;
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto info, ValidateMessage(text, family, xml));
    if (!RootBelongsTo(info.root, family)) {
        return Invalid("the message " + info.root + " does not belong here");
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto doc, XmlDocument::Parse(text));
    Eingang in{info, CodeOfRoot(info.root), ReadKopf(doc.root()), std::move(doc)};
    return in;
}

Result<std::vector<Bewertung>> ReadBewertungen(const Eingang& msg) {
    std::vector<Bewertung> out;
    for (XmlNode obj : Children(msg.doc.root(), "BewertetesObjekt")) {
        Bewertung b;
        b.id = Text(Child(obj, "ID"));
        b.line = Line(obj);
        AKTENWERK_ASSIGN_OR_RETURN(
            b.art, ReadArt(Child(obj, "Aussonderungsart"), msg.info.version, b.line));
        out.push_back(std::move(b));
    }
    return out;
}

Result<Importbestaetigung> ReadImportbestaetigung(const Eingang& msg) {
    Importbestaetigung out;
    if (IsV2(msg.info.version)) {
        XmlNode eom = Child(msg.doc.root(), "ErfolgOderMisserfolg");
        out.gesamt_erfolgreich = IsTrue(Text(Child(eom, "Erfolgreich")));
        out.gesamt_fehlermeldung = Text(Child(eom, "Fehlermeldung"));
        for (XmlNode r : Children(eom, "Rueckgabeparameter")) {
            ImportErgebnis e;
            e.id = Text(Child(r, "ID"));
            e.archivkennung = Text(Child(r, "Archivkennung"));
            e.erfolgreich = *out.gesamt_erfolgreich;
            e.line = Line(r);
            out.objekte.push_back(std::move(e));
        }
        return out;
    }
    for (XmlNode sgo : Children(msg.doc.root(), "AusgesondertesSGO")) {
        ImportErgebnis e;
        e.id = Text(Child(sgo, "IDSGO"));
        e.erfolgreich = IsTrue(Text(Child(sgo, "Erfolgreich")));
        for (XmlNode f : Children(sgo, "Fehlermeldung")) e.fehlermeldungen.push_back(Text(f));
        for (XmlNode f : Children(sgo, "FehlermeldungCode")) {
            e.fehlermeldungen.push_back("Code " + Text(Child(f, "code")));
        }
        e.archivkennung = Text(Child(sgo, "Archivkennung"));
        e.line = Line(sgo);
        out.objekte.push_back(std::move(e));
    }
    return out;
}

}  // namespace aktenwerk::retention::xdomea
