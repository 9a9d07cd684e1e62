// The full-text index: one Lucene++ index in a folder of the data directory, entries as
// plain structs, and search with filters, facets, snippets and stable paging. It knows no
// records model (indexing/ sits below dms/); dms/search_indexer.h turns objects and versions
// into IndexDocuments and keeps the index in step with the outbox.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "storage/status.h"

namespace aktenwerk::indexing {

// One entry of the index: an Akte, Vorgang or Aktenplaneinheit, or one version of a Dokument
// (a Dokument without content has one entry with version 0). Plain value type.
struct IndexDocument {
    std::string uid;        // unique key: the object id, or "<dokument id>#<version>"
    std::string objekt_id;  // the object this entry belongs to
    std::string typ;        // "aktenplaneinheit", "akte", "vorgang", "dokument"
    uint32_t version = 0;   // version number; 0 for objects without versions
    bool aktuell = true;    // the latest version of its Dokument (always true for the rest)
    // Unique number that orders entries with equal sort keys, so that paging is stable
    // (creation sequence of the object and version number).
    uint64_t ordnung = 0;

    std::string betreff;       // Betreff, or the Titel of a unit
    std::string aktenzeichen;  // of the innermost enclosing Akte (its own for an Akte)
    std::string kennzeichen;   // of the innermost enclosing unit (its own for a unit)
    // Kennzeichen of every enclosing unit from the top of the Aktenplan down ("in this
    // subtree" filters and the main-group facet use them).
    std::vector<std::string> kennzeichen_pfad;

    // What the security layer filters on (see Visibility).
    std::vector<std::string> einheit_ids;   // every enclosing Aktenplaneinheit (and itself)
    std::vector<std::string> akte_ids;      // every enclosing Akte (and itself)
    std::string vertraulichkeit = "offen";  // the strictest of the enclosing Akten
    // Every ancestor of any kind, so that destroying or moving an object reaches everything
    // below it even when the object itself is gone from storage.
    std::vector<std::string> vorfahren_ids;

    std::string zustand = "offen";  // "geschlossen" when it or an enclosing object is closed
    int32_t datum = 0;              // the date a clerk sorts by, YYYYMMDD (0: none)
    int64_t erstellt_am = 0;        // ms since the epoch
    std::string erstellt_von;
    std::string absender;
    std::string dokumenttyp;

    // Versions: the content and how it was obtained.
    std::string mime_type;
    std::string dateiname;
    std::string sha256;
    std::vector<std::string> seiten;  // extracted text, one entry per page or part
    bool paginiert = false;           // whether `seiten` are real pages
    // "ok", "ocr" (text from OCR), "ausstehend" (waiting for OCR), "fehlgeschlagen",
    // "keine" (no content or a format without text).
    std::string extraktion = "keine";
    std::string extraktion_grund;  // the failure's reason and message, for the record
    bool gekuerzt = false;         // the text was cut at a limit
};

// One part of what a caller may see: the entries with `einheit` among their einheit_ids
// (the read right granted on that unit, inherited downwards), none of `ausgenommen` among
// them (sub-units whose rights are described by clauses of their own, or denied), and a
// vertraulichkeit in `vertraulichkeiten` (the levels the grant reaches).
struct VisibilityClause {
    std::string einheit;
    std::vector<std::string> ausgenommen;
    std::vector<std::string> vertraulichkeiten = {"offen"};
};

// Which entries a caller may see. It is applied inside the Lucene query, so that totals,
// facets and paging never reveal what the caller must not see. The rights layer fills it
// from the caller's roles: `alles` for no restriction (administrators), otherwise an entry
// is visible when any clause matches it; no clause shows nothing.
struct Visibility {
    bool alles = false;
    std::vector<VisibilityClause> klauseln;

    static Visibility Everything() {
        Visibility v;
        v.alles = true;
        return v;
    }
};

enum class SortOrder { kRelevanz, kDatumAbsteigend, kDatumAufsteigend };

// One search. Every filter is optional; an empty `text` matches every visible entry.
struct SearchRequest {
    // Free text: words (all must occur), "phrases", AND, OR, NOT, -word, (groups), prefix*,
    // fuzzy~ or fuzzy~1/~2, and field:word for betreff, inhalt, dateiname, absender and
    // aktenzeichen (exact, or a prefix with *).
    std::string text;
    Visibility visibility;
    std::vector<std::string> kennzeichen;  // in any of these Aktenplan subtrees
    std::vector<std::string> akte_ids;     // inside any of these Akten
    std::vector<std::string> typen;        // of any of these types
    std::vector<std::string> zustaende;    // "offen", "geschlossen"
    std::string erstellt_von;
    std::string mime_type;
    int32_t datum_von = 0;  // YYYYMMDD inclusive; 0: open
    int32_t datum_bis = 0;
    bool alle_versionen = false;  // every version of a Dokument, not only the latest
    SortOrder sortierung = SortOrder::kRelevanz;
    size_t limit = 20;   // 1..100
    std::string cursor;  // from SearchResult::next_cursor of the same search
    bool facetten = false;
    bool snippets = true;
};

struct SearchHit {
    std::string uid;
    std::string objekt_id;
    std::string typ;
    uint32_t version = 0;
    std::string betreff;
    std::string aktenzeichen;
    std::string kennzeichen;
    std::string dateiname;
    std::string mime_type;
    std::string zustand;
    std::string extraktion;
    std::string extraktion_grund;  // why the text could not be extracted, when it could not
    int32_t datum = 0;
    int64_t erstellt_am = 0;
    double score = 0;
    // A passage of the content (or the Betreff) around the first match, HTML-escaped, with
    // matched words in <em>...</em>; empty when nothing of the text matched.
    std::string snippet;
    uint32_t seite = 0;  // page of the snippet in a PDF or scan; 0 when not paged
};

struct FacetValue {
    std::string wert;
    uint64_t anzahl = 0;
};

struct SearchResult {
    std::vector<SearchHit> hits;
    uint64_t total = 0;
    std::string next_cursor;  // empty on the last page
    // "hauptgruppe" (Kennzeichen of the top-level unit), "typ", "jahr": by count, then value.
    std::map<std::string, std::vector<FacetValue>> facets;
};

struct SearchIndexOptions {
    // Lucene's in-memory buffer before a segment is flushed.
    double ram_buffer_mb = 64.0;
    // The word list for compound splitting; empty disables splitting.
    std::string dictionary_path = "/usr/share/dict/ngerman";
};

struct IndexStats {
    uint64_t documents = 0;
    uint64_t committed_position = 0;
    uint64_t size_bytes = 0;
};

// Thread-safe: writes (Upsert, Remove*) may run on several threads at once, searches on any
// number of threads alongside them. Writes become visible to searches with Commit. One
// instance per folder and process (Lucene's write lock; a second one gets kUnavailable,
// reason "locked").
class SearchIndex {
  public:
    // Opens the index in `dir`, creating an empty one when there is none; an index written
    // by another schema version is discarded. In both cases needs_rebuild() is true.
    static Result<std::unique_ptr<SearchIndex>> Open(const std::string& dir,
                                                     const SearchIndexOptions& options = {});
    ~SearchIndex();
    SearchIndex(const SearchIndex&) = delete;
    SearchIndex& operator=(const SearchIndex&) = delete;

    // Adds or replaces the entry with `doc.uid`.
    Status Upsert(const IndexDocument& doc);
    // Removes the entries of an object and of everything below it.
    Status RemoveObjekt(const std::string& objekt_id);
    // Removes one entry.
    Status RemoveEntry(const std::string& uid);
    // Removes every entry (before a rebuild).
    Status RemoveAll();

    // The committed entries of one object with their stored content, for updates that keep
    // the extracted text (a move, a closure) instead of extracting again.
    Result<std::vector<IndexDocument>> EntriesOf(const std::string& objekt_id) const;
    // Uids of committed entries that wait for OCR (extraktion "ausstehend").
    Result<std::vector<std::string>> PendingOcr(size_t limit) const;

    // Makes every write so far durable together with `position` (the last outbox entry they
    // reflect), and visible to searches. After a crash the index is as of the last Commit,
    // and committed_position() tells where to continue.
    Status Commit(uint64_t position);
    uint64_t committed_position() const;
    // True when the index was created empty by Open (none there, or another schema).
    bool needs_rebuild() const;

    // Runs a search on the last committed state. kInvalidArgument (reason "invalid-query")
    // for a query that cannot be parsed, with a message saying where; kInvalidArgument
    // (reason "query-too-expensive") for one that would cost too much (a short prefix, too
    // many terms); kInvalidArgument (reason "invalid-cursor") for a cursor of another search.
    Result<SearchResult> Search(const SearchRequest& request) const;

    IndexStats stats() const;

  private:
    struct Impl;
    explicit SearchIndex(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
};

}  // namespace aktenwerk::indexing
