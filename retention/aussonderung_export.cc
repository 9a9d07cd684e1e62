// Element order follows xdomea-Baukasten.xsd 3.1.0: AkteType, VorgangType, DokumentType,
// AllgemeineMetadatenType, MetadatenAussonderungType, VersionType, FormatType,
// PrimaerdokumentType, HistorienProtokollInformationType.
#include "retention/aussonderung_export.h"

#include "dms/audit.h"
#include "dms/keys.h"
#include "dms/objekt_io.h"
#include "dms/signing.h"
#include "dms/uuid.h"
#include "retention/rules.h"
#include "retention/xdomea/codes.h"

namespace aktenwerk::retention {

using nlohmann::json;

namespace {

dms::CivilDate DayBefore(const dms::CivilDate& d) {
    return dms::CivilDate::FromDaysSinceEpoch(d.DaysSinceEpoch() - 1);
}

std::string AsText(const json& v) {
    if (v.is_null()) return {};
    if (v.is_string()) return v.get<std::string>();
    return v.dump(-1, ' ', false, json::error_handler_t::replace);
}

// Fields that change with every change and say nothing of their own.
bool Bookkeeping(const std::string& field) {
    return field == "revision" || field == "geaendert_am" || field == "geaendert_am_ms" ||
           field == "geaendert_von" || field == "status";
}

}  // namespace

// What an object inherits from above in the message: its unit, and the retention data of the
// nearest closed object that carries it.
struct SchriftgutExport::Context {
    dms::Objekt einheit;
    std::optional<Faelligkeit> faelligkeit;
};

std::string PrimaerdateiName(std::string_view dokument_id, uint32_t nummer,
                             std::string_view original) {
    const std::string uuid = dms::NameUuid("aktenwerk:primaerdatei:" + std::string(dokument_id) +
                                           ":" + std::to_string(nummer));
    const std::string ext = xdomea::AsciiExtension(original);
    return ext.empty() ? uuid : uuid + "." + ext;
}

Result<std::optional<AussonderungsObjekt>> SchriftgutExport::Included(const std::string& id) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto o, lookup_(id));
    if (!o || (abgabe_ && o->bewertung != 'A')) return std::optional<AussonderungsObjekt>();
    return o;
}

Status SchriftgutExport::ForEachChild(const std::string& id, dms::Kind kind,
                                      const std::function<Status(const dms::Objekt&)>& fn) {
    std::string cursor;
    const dms::Principal system = dms::Principal::System();
    do {
        AKTENWERK_ASSIGN_OR_RETURN(auto page, repo_.Children(system, id, kind, cursor, 200));
        for (const auto& child : page.items) {
            AKTENWERK_ASSIGN_OR_RETURN(auto included, Included(child.id));
            if (included) AKTENWERK_RETURN_IF_ERROR(fn(child));
        }
        cursor = page.next_cursor;
    } while (!cursor.empty());
    return Status::Ok();
}

Result<bool> SchriftgutExport::AnyChild(const std::string& id, dms::Kind kind) {
    std::string cursor;
    const dms::Principal system = dms::Principal::System();
    do {
        AKTENWERK_ASSIGN_OR_RETURN(auto page, repo_.Children(system, id, kind, cursor, 200));
        for (const auto& child : page.items) {
            AKTENWERK_ASSIGN_OR_RETURN(auto included, Included(child.id));
            if (included) return true;
        }
        cursor = page.next_cursor;
    } while (!cursor.empty());
    return false;
}

Status SchriftgutExport::WriteSchriftgutobjekt(const AussonderungsObjekt& top) {
    const dms::StoreView view(repo_.metadata());
    AKTENWERK_ASSIGN_OR_RETURN(auto o, dms::LoadObjekt(view, top.id));
    Context ctx;
    dms::Objekt unit = o;
    for (size_t depth = 0; depth < dms::kTreeWalkLimit && unit.kind != dms::Kind::kAktenplaneinheit;
         ++depth) {
        AKTENWERK_ASSIGN_OR_RETURN(unit, dms::LoadObjekt(view, unit.parent_id));
    }
    ctx.einheit = unit;
    // A top-level object below a closed one (a Vorgang offered by itself) takes the closed
    // ancestor's due date when it has none of its own.
    ctx.faelligkeit = top.faelligkeit;

    w_.Start("Schriftgutobjekt");
    Status s;
    switch (o.kind) {
        case dms::Kind::kAkte:
            s = WriteAkte(o, ctx, false);
            break;
        case dms::Kind::kVorgang:
            s = WriteVorgang(o, ctx, false);
            break;
        case dms::Kind::kDokument:
            s = WriteDokument(o, ctx, "Dokument");
            break;
        case dms::Kind::kAktenplaneinheit:
            s = InternalError("an Aktenplaneinheit is no Schriftgutobjekt");
            break;
    }
    w_.End();
    return s;
}

Status SchriftgutExport::WriteArchivspezifisch(const dms::Objekt& o, const Context& ctx) {
    AKTENWERK_ASSIGN_OR_RETURN(auto regel, EffectiveRegel(dms::StoreView(repo_.metadata()), o));
    AKTENWERK_ASSIGN_OR_RETURN(auto self, lookup_(o.id));
    w_.Start("ArchivspezifischeMetadaten");
    if (regel) {
        w_.Start("Aufbewahrungsdauer");
        if (regel->regel.frist.unbefristet()) {
            w_.Element("Unbefristet", "1");
        } else {
            w_.Element("AnzahlJahre", std::to_string(*regel->regel.frist.jahre));
        }
        w_.End();
    }
    // In the 0501 the object carries its current Aussonderungsart (the rule's); in the 0503
    // it carries the archive's decision, which is A for everything transferred.
    const char art = abgabe_ ? 'A' : regel ? ArtCode(regel->regel.art) : 'B';
    w_.Start("Aussonderungsart");
    w_.Code("Aussonderungsart", std::string(1, art), xdomea::kAussonderungsartListUri, "1.0");
    w_.End();
    if (!abgabe_ && self && self->vorschlag) {
        w_.Code("Bewertungsvorschlag", std::string(1, *self->vorschlag),
                xdomea::kBewertungsvorschlagListUri, "1.0");
    }
    if (ctx.faelligkeit && ctx.faelligkeit->faellig_ab) {
        w_.Element("Aufbewahrungsende", DayBefore(*ctx.faelligkeit->faellig_ab).ToString());
    }
    w_.End();
    return Status::Ok();
}

static void WriteAllgemeine(xdomea::XmlWriter& w, const dms::Objekt& o,
                            const dms::Objekt& einheit) {
    w.Start("AllgemeineMetadaten");
    w.ElementIfAny("Betreff", o.betreff);
    if (o.kind == dms::Kind::kAkte) w.ElementIfAny("Kennzeichen", o.aktenzeichen);
    w.ElementIfAny("Federfuehrung", o.federfuehrung);
    if (o.kind == dms::Kind::kAkte) {
        w.Code("Vertraulichkeitsstufe", xdomea::VertraulichkeitCode(o.vertraulichkeit),
               xdomea::kVertraulichkeitListUri, "1.0");
    }
    w.Code("Medium", "001", xdomea::kMediumListUri, "1.0");
    if (o.kind != dms::Kind::kDokument) {
        w.Start("Aktenplaneinheit");
        w.Element("Kennzeichen", einheit.kennzeichen);
        w.ElementIfAny("Inhaltsangabe", einheit.titel);
        w.End();
    }
    w.End();
}

static void WriteLaufzeit(xdomea::XmlWriter& w, const dms::Objekt& o) {
    if (!o.laufzeit_beginn && !o.laufzeit_ende && !o.zda) return;
    w.Start("Laufzeit");
    if (o.laufzeit_beginn) w.Element("Beginn", o.laufzeit_beginn->ToString());
    if (o.laufzeit_ende) {
        w.Element("Ende", o.laufzeit_ende->ToString());
    } else if (o.zda) {
        w.Element("Ende", o.zda->ToString());
    }
    w.End();
}

Status SchriftgutExport::WriteAkte(const dms::Objekt& o, const Context& parent_ctx, bool teilakte) {
    Context ctx = parent_ctx;
    AKTENWERK_ASSIGN_OR_RETURN(auto self, lookup_(o.id));
    if (self && self->faelligkeit) ctx.faelligkeit = self->faelligkeit;
    w_.Start(teilakte ? "Teilakte" : "Akte");
    w_.Start("Identifikation");
    w_.Element("ID", o.id);
    w_.End();
    WriteAllgemeine(w_, o, ctx.einheit);
    AKTENWERK_RETURN_IF_ERROR(WriteArchivspezifisch(o, ctx));
    WriteLaufzeit(w_, o);
    if (abgabe_) AKTENWERK_RETURN_IF_ERROR(WriteHistorie(o.id));

    // Akteninhalt is a sequence of Dokumente, then Vorgänge, then Teilakten.
    bool inhalt = false;
    for (dms::Kind kind : {dms::Kind::kDokument, dms::Kind::kVorgang, dms::Kind::kAkte}) {
        if (inhalt) break;
        AKTENWERK_ASSIGN_OR_RETURN(inhalt, AnyChild(o.id, kind));
    }
    if (inhalt) {
        w_.Start("Akteninhalt");
        AKTENWERK_RETURN_IF_ERROR(ForEachChild(o.id, dms::Kind::kDokument, [&](const auto& d) {
            return WriteDokument(d, ctx, "Dokument");
        }));
        AKTENWERK_RETURN_IF_ERROR(ForEachChild(
            o.id, dms::Kind::kVorgang, [&](const auto& v) { return WriteVorgang(v, ctx, false); }));
        AKTENWERK_RETURN_IF_ERROR(ForEachChild(
            o.id, dms::Kind::kAkte, [&](const auto& t) { return WriteAkte(t, ctx, true); }));
        w_.End();
    }
    w_.Element("ZdA", o.zda || ctx.faelligkeit ? "1" : "0");
    if (o.zda) w_.Element("ZdADatum", o.zda->ToString());
    w_.End();
    ++written_;
    return Status::Ok();
}

Status SchriftgutExport::WriteVorgang(const dms::Objekt& o, const Context& parent_ctx,
                                      bool teilvorgang) {
    Context ctx = parent_ctx;
    AKTENWERK_ASSIGN_OR_RETURN(auto self, lookup_(o.id));
    if (self && self->faelligkeit) ctx.faelligkeit = self->faelligkeit;
    w_.Start(teilvorgang ? "Teilvorgang" : "Vorgang");
    w_.Start("Identifikation");
    w_.Element("ID", o.id);
    w_.End();
    WriteAllgemeine(w_, o, ctx.einheit);
    AKTENWERK_RETURN_IF_ERROR(WriteArchivspezifisch(o, ctx));
    w_.Element("ZdA", o.zda || ctx.faelligkeit ? "1" : "0");
    if (o.zda) w_.Element("ZdADatum", o.zda->ToString());
    WriteLaufzeit(w_, o);
    if (abgabe_) AKTENWERK_RETURN_IF_ERROR(WriteHistorie(o.id));
    AKTENWERK_RETURN_IF_ERROR(ForEachChild(o.id, dms::Kind::kDokument, [&](const auto& d) {
        return WriteDokument(d, ctx, "Dokument");
    }));
    AKTENWERK_RETURN_IF_ERROR(ForEachChild(
        o.id, dms::Kind::kVorgang, [&](const auto& t) { return WriteVorgang(t, ctx, true); }));
    w_.End();
    ++written_;
    return Status::Ok();
}

Status SchriftgutExport::WriteDokument(const dms::Objekt& o, const Context& ctx,
                                       std::string_view element) {
    w_.Start(element);
    w_.Start("Identifikation");
    w_.Element("ID", o.id);
    w_.End();
    w_.Start("AllgemeineMetadaten");
    w_.ElementIfAny("Betreff", o.betreff);
    w_.Code("Medium", "001", xdomea::kMediumListUri, "1.0");
    w_.End();
    if (o.posteingangsdatum) w_.Element("Posteingangsdatum", o.posteingangsdatum->ToString());
    w_.ElementIfAny("Typ", o.dokumenttyp);
    if (abgabe_) {
        AKTENWERK_RETURN_IF_ERROR(WriteHistorie(o.id));
        AKTENWERK_RETURN_IF_ERROR(WriteVersionen(o));
    }
    AKTENWERK_RETURN_IF_ERROR(ForEachChild(o.id, dms::Kind::kDokument, [&](const auto& a) {
        return WriteDokument(a, ctx, "Anlage");
    }));
    if (!o.absender.empty()) {
        w_.Start("Absender");
        w_.Start("Institution");
        w_.Element("Name", o.absender);
        w_.End();
        w_.End();
    }
    w_.End();
    ++written_;
    return Status::Ok();
}

Status SchriftgutExport::WriteVersionen(const dms::Objekt& doc) {
    AKTENWERK_ASSIGN_OR_RETURN(auto versionen, repo_.Versions(dms::Principal::System(), doc.id));
    for (const auto& v : versionen) {
        const auto format = xdomea::DateiformatFor(v.mime_type, v.dateiname);
        Primaerdatei datei{PrimaerdateiName(doc.id, v.nummer, v.dateiname),
                           v.sha256,
                           v.erstellt_am,
                           v.mime_type.rfind("text/", 0) == 0,
                           {}};
        w_.Start("Version");
        w_.Element("Nummer", v.Label());
        w_.Start("Format");
        w_.Code("Name", format.code, xdomea::kDateiformatListUri, xdomea::kDateiformatListVersion);
        w_.ElementIfAny("SonstigerName", format.sonstiger_name);
        w_.Element("Version", "");
        w_.Start("Primaerdokument");
        w_.Element("Dateiname", datei.dateiname);
        w_.ElementIfAny("DateinameOriginal", v.dateiname);
        w_.ElementIfAny("Ersteller", v.erstellt_von);
        w_.Element("DatumUhrzeit", xdomea::DateTimeUtc(v.erstellt_am));
        std::vector<Primaerdatei> signaturen;
        bool eingebettet = false;
        if (abgabe_) {
            AKTENWERK_RETURN_IF_ERROR(
                CollectSignaturen(datei, v.nummer, doc.id, &signaturen, &eingebettet));
        }
        // The schema offers a choice: signature files, or signatures embedded in the primary
        // file. Files win when there are both: an embedded one travels inside the primary
        // file anyway, a file not named would be lost.
        if (!signaturen.empty()) {
            w_.Start("SignaturSiegel");
            for (const auto& s : signaturen) w_.Element("SignaturSiegelDatei", s.dateiname);
            w_.End();
        } else if (eingebettet) {
            w_.Start("SignaturSiegel");
            w_.Element("SignaturSiegelEingebettet", "1");
            w_.End();
        }
        w_.End();
        w_.End();
        w_.End();
        AKTENWERK_RETURN_IF_ERROR(dateien_(datei));
        for (const auto& s : signaturen) AKTENWERK_RETURN_IF_ERROR(dateien_(s));
    }
    return Status::Ok();
}

// The signatures kept with a version (dms/integrity.h), as files named after the primary
// file: "<uuid>_signatur-<n>.p7s". Signatures inside the content (an enveloping CMS, a
// signed PDF's dictionaries) are not copied out but reported through `eingebettet`.
Status SchriftgutExport::CollectSignaturen(const Primaerdatei& datei, uint32_t nummer,
                                           const std::string& dokument_id,
                                           std::vector<Primaerdatei>* out, bool* eingebettet) {
    const std::string stem = datei.dateiname.substr(0, datei.dateiname.find('.'));
    Status bad;
    AKTENWERK_RETURN_IF_ERROR(repo_.metadata().Scan(
        dms::keys::VersionSignaturPrefix(dokument_id, nummer), "", 0,
        [&](std::string_view, std::string_view value) {
            auto j = storage::DecodeValue(value);
            if (!j.ok()) {
                bad = j.status();
                return false;
            }
            const std::string format = j->value("format", std::string());
            if (format == "cms-enveloping-inhalt" || format == "pdf-signatur") {
                *eingebettet = true;
                return true;
            }
            Primaerdatei s;
            s.dateiname =
                stem + "_signatur-" + std::to_string(j->value("index", uint64_t{0})) + ".p7s";
            s.erstellt_am = j->value("geprueft_am", int64_t{0});
            s.daten = dms::DecodeBase64(j->value("cms", std::string())).value_or("");
            if (!s.daten.empty()) out->push_back(std::move(s));
            return true;
        }));
    return bad;
}

// The audit trail of the object as HistorienProtokollInformation: one entry per event, and per
// changed field for changes of metadata.
Status SchriftgutExport::WriteHistorie(const std::string& id) {
    auto entry = [&](const std::string& name, const std::string& alt, const std::string& neu,
                     const dms::AuditEntry& e, const std::string& bemerkung) {
        w_.Start("HistorienProtokollInformation");
        w_.ElementIfAny("MetadatumName", name);
        w_.ElementIfAny("MetadatumAlterWert", alt);
        w_.ElementIfAny("MetadatumNeuerWert", neu);
        w_.Element("Akteur", e.akteur.empty() ? std::string("system") : e.akteur);
        w_.Element("DatumUhrzeit", xdomea::DateTimeUtc(e.zeit));
        w_.ElementIfAny("Bemerkung", bemerkung);
        w_.Element("Aktion", e.aktion);
        w_.End();
    };
    uint64_t after = 0;
    while (true) {
        AKTENWERK_ASSIGN_OR_RETURN(auto entries,
                                   dms::ReadObjektAudit(repo_.metadata(), id, after, 1000));
        if (entries.empty()) break;
        for (const auto& e : entries) {
            after = e.seq;
            if (e.aktion == "geaendert" && e.vorher.is_object() && e.nachher.is_object()) {
                for (const auto& [field, value] : e.nachher.items()) {
                    if (Bookkeeping(field) || e.vorher.value(field, json()) == value) continue;
                    entry(field, AsText(e.vorher.value(field, json())), AsText(value), e, "");
                }
            } else if (e.aktion == "zda") {
                entry("ZdADatum", "", e.nachher.value("zda", ""), e, e.nachher.value("grund", ""));
            } else if (e.aktion == "wiedereroeffnet") {
                entry("ZdADatum", e.vorher.value("zda", ""), "", e, "");
            } else if (e.aktion == "verschoben") {
                entry("Ablage", e.vorher.value("parent_bezeichnung", ""),
                      e.nachher.value("parent_bezeichnung", ""), e, "");
            } else if (e.aktion == "version-angelegt") {
                entry("Version", "", e.nachher.value("label", ""), e,
                      "SHA-256 " + e.nachher.value("sha256", ""));
            } else if (e.aktion == "inhalt-gelesen") {
                entry("", "", "", e,
                      "Version " + std::to_string(e.nachher.value("version", 0)) + " gelesen");
            } else if (e.aktion == "sperre-gesetzt" || e.aktion == "sperre-aufgehoben") {
                const json& s = e.nachher;
                entry("Sperre", "", "", e,
                      s.value("anordnende_stelle", "") + ": " + s.value("grund", "") +
                          (e.aktion == "sperre-aufgehoben"
                               ? " (aufgehoben: " + s.value("aufhebungsgrund", "") + ")"
                               : ""));
            } else if (e.aktion == "bewertet") {
                entry("Aussonderungsart", "", e.nachher.value("aussonderungsart", ""), e,
                      "Bewertung des Archivs (" + e.nachher.value("quelle", "") +
                          "), Aussonderung " + e.nachher.value("prozess_id", ""));
            } else if (e.nachher.is_object() && e.nachher.contains("prozess_id")) {
                entry("", "", "", e, "Aussonderung " + e.nachher.value("prozess_id", ""));
            } else {
                entry("", "", "", e, "");
            }
        }
    }
    return Status::Ok();
}

}  // namespace aktenwerk::retention
