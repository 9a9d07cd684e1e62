// Writing the Schriftgutobjekte of an Aussonderung into a 0501 or 0503: Akten, Teilakten,
// Vorgänge, Teilvorgänge, Dokumente and Anlagen with their metadata in the order of the
// schema, the retention data (ArchivspezifischeMetadaten), for 0503 the history from the audit
// trail and every version's primary file. The objects are read from the records one at a time
// and written straight to the file, so memory does not grow with the number of documents.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>

#include "dms/repository.h"
#include "retention/aussonderung.h"
#include "retention/xdomea/writer.h"

namespace aktenwerk::retention {

// A primary file named in the message, to be packed next to it.
struct Primaerdatei {
    std::string dateiname;  // the entry name, <UUID>[.ext]
    std::string sha256;
    int64_t erstellt_am = 0;
    bool komprimieren = false;
    // A signature file of a version (issue #7) is held here rather than in the blob store;
    // when set, it is packed instead of the blob `sha256`.
    std::string daten;
};

// The name of the primary file of version `nummer` of a Dokument: a UUID derived from both
// (stable, so a 0503 written twice names its files the same), and the original extension.
std::string PrimaerdateiName(std::string_view dokument_id, uint32_t nummer,
                             std::string_view original);

// The process's record of an object (nullopt: not part of the process).
using ObjektLookup =
    std::function<Result<std::optional<AussonderungsObjekt>>(const std::string& id)>;
// Takes each primary file as soon as the message names it (packs it into the ZIP).
using DateiSink = std::function<Status(const Primaerdatei&)>;

class SchriftgutExport {
  public:
    // `lookup` finds the process's objects. For a 0503 (`abgabe`) only objects appraised A
    // are written, with Aussonderungsart A, history and primary files (handed to `dateien`);
    // a 0501 carries metadata only, with the rule's Aussonderungsart and the
    // Bewertungsvorschlag. Children are read page by page, so nothing grows with the size
    // of the process.
    SchriftgutExport(dms::Repository& repo, xdomea::XmlWriter& w, ObjektLookup lookup, bool abgabe,
                     DateiSink dateien)
        : repo_(repo),
          w_(w),
          lookup_(std::move(lookup)),
          abgabe_(abgabe),
          dateien_(std::move(dateien)) {}

    // Writes <xdomea:Schriftgutobjekt> for one top-level object.
    Status WriteSchriftgutobjekt(const AussonderungsObjekt& top);

    uint64_t written() const { return written_; }

  private:
    struct Context;
    Result<std::optional<AussonderungsObjekt>> Included(const std::string& id) const;
    Status WriteAkte(const dms::Objekt& o, const Context& ctx, bool teilakte);
    Status WriteVorgang(const dms::Objekt& o, const Context& ctx, bool teilvorgang);
    Status WriteDokument(const dms::Objekt& o, const Context& ctx, std::string_view element);
    Status WriteArchivspezifisch(const dms::Objekt& o, const Context& ctx);
    Status WriteHistorie(const std::string& id);
    Status WriteVersionen(const dms::Objekt& doc);
    Status CollectSignaturen(const Primaerdatei& datei, uint32_t nummer,
                             const std::string& dokument_id, std::vector<Primaerdatei>* out,
                             bool* eingebettet);
    // Calls `fn` for every child of `id` of `kind` that the message includes, in order.
    Status ForEachChild(const std::string& id, dms::Kind kind,
                        const std::function<Status(const dms::Objekt&)>& fn);
    Result<bool> AnyChild(const std::string& id, dms::Kind kind);

    dms::Repository& repo_;
    xdomea::XmlWriter& w_;
    ObjektLookup lookup_;
    bool abgabe_;
    DateiSink dateien_;
    uint64_t written_ = 0;
};

}  // namespace aktenwerk::retention
