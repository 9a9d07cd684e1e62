// The Lucene++ index. Lucene++ throws; every call into it is wrapped here and its exceptions
// become a Status. Searches use an immutable snapshot (reader and searcher) that a Commit
// replaces, so searching never waits for writing.
#include "indexing/search_index.h"

#include <algorithm>
#include <atomic>
#include <cstring>
#include <filesystem>
#include <functional>
#include <mutex>
#include <queue>
#include <unordered_map>

// LuceneHeaders.h must come before the other Lucene++ headers, which rely on it.
#include <lucene++/LuceneHeaders.h>

#include <lucene++/CompressionTools.h>
#include <lucene++/FieldCache.h>
#include <lucene++/MatchAllDocsQuery.h>
#include <lucene++/NumericField.h>
#include <lucene++/NumericRangeQuery.h>
#include <lucene++/PrefixQuery.h>
#include <lucene++/QueryWrapperFilter.h>
#include <zlib.h>

#include "indexing/charset.h"
#include "indexing/german_analyzer.h"
#include "indexing/query_parser.h"
#include "storage/log.h"

namespace aktenwerk::indexing {
namespace {

using Lucene::BooleanClause;
using Lucene::Field;
using Lucene::newLucene;
using Lucene::String;

// Bumped whenever fields or analysis change: an index of another schema is rebuilt.
constexpr const wchar_t* kSchema = L"1";
constexpr size_t kMaxLimit = 100;
constexpr size_t kMaxPrefixTerms = 20'000;
constexpr size_t kMaxEntriesPerObject = 100'000;
constexpr size_t kSnippetScanChars = 4u << 20;
constexpr wchar_t kPageBreak = L'\f';

const log::Logger& Log() {
    static const log::Logger logger("indexing");
    return logger;
}

Status FromLucene(const Lucene::LuceneException& e, const std::string& what) {
    if (e.getType() == Lucene::LuceneException::LockObtainFailed) {
        return Status(StatusCode::kUnavailable, what + ": the index is in use by another process",
                      "locked");
    }
    if (e.getType() == Lucene::LuceneException::TooManyClauses) {
        return InvalidArgumentError("search query: it expands to too many terms",
                                    "query-too-expensive");
    }
    return InternalError(what + ": " + Narrow(e.getError()));
}

// Runs `fn`, turning a Lucene++ exception into a Status.
template <typename Fn>
Status Guard(const std::string& what, Fn&& fn) {
    try {
        return fn();
    } catch (const Lucene::LuceneException& e) {
        return FromLucene(e, what);
    } catch (const std::exception& e) {
        return InternalError(what + ": " + e.what());
    }
}

Lucene::FieldPtr Keyword(const wchar_t* name, const std::string& value, bool store = true) {
    return newLucene<Field>(name, Widen(value), store ? Field::STORE_YES : Field::STORE_NO,
                            Field::INDEX_NOT_ANALYZED_NO_NORMS);
}

Lucene::FieldPtr Stored(const wchar_t* name, const std::string& value) {
    return newLucene<Field>(name, Widen(value), Field::STORE_YES, Field::INDEX_NO);
}

Lucene::FieldPtr Text(const wchar_t* name, const std::string& value, bool store) {
    return newLucene<Field>(name, Widen(value), store ? Field::STORE_YES : Field::STORE_NO,
                            Field::INDEX_ANALYZED);
}

std::wstring JoinPages(const std::vector<std::string>& pages) {
    std::wstring out;
    for (size_t i = 0; i < pages.size(); ++i) {
        if (i > 0) out.push_back(kPageBreak);
        out += Widen(pages[i]);
    }
    return out;
}

std::vector<std::string> SplitPages(const std::wstring& text) {
    std::vector<std::string> pages;
    size_t start = 0;
    while (true) {
        size_t end = text.find(kPageBreak, start);
        pages.push_back(Narrow(std::wstring_view(text).substr(
            start, end == std::wstring::npos ? std::wstring::npos : end - start)));
        if (end == std::wstring::npos) break;
        start = end + 1;
    }
    return pages;
}

Lucene::DocumentPtr ToLucene(const IndexDocument& d) {
    auto doc = newLucene<Lucene::Document>();
    doc->add(Keyword(L"uid", d.uid));
    doc->add(Keyword(L"objekt_id", d.objekt_id));
    doc->add(Keyword(L"typ", d.typ));
    doc->add(Stored(L"version", std::to_string(d.version)));
    doc->add(Keyword(L"aktuell", d.aktuell ? "1" : "0", false));
    doc->add(newLucene<Lucene::NumericField>(L"ordnung", Field::STORE_YES, true)
                 ->setLongValue(static_cast<int64_t>(d.ordnung)));
    doc->add(Text(detail::kFieldBetreff, d.betreff, true));
    if (!d.aktenzeichen.empty()) doc->add(Keyword(detail::kFieldAktenzeichen, d.aktenzeichen));
    doc->add(Stored(L"kennzeichen", d.kennzeichen));
    for (const auto& k : d.kennzeichen_pfad) doc->add(Keyword(L"kennzeichen_pfad", k));
    if (!d.kennzeichen_pfad.empty())
        doc->add(Keyword(L"hauptgruppe", d.kennzeichen_pfad[0], false));
    for (const auto& id : d.einheit_ids) doc->add(Keyword(L"einheit", id));
    for (const auto& id : d.akte_ids) doc->add(Keyword(L"akte", id));
    for (const auto& id : d.vorfahren_ids) doc->add(Keyword(L"vorfahren", id));
    doc->add(Keyword(L"vertraulichkeit", d.vertraulichkeit));
    doc->add(Keyword(L"zustand", d.zustand));
    doc->add(
        newLucene<Lucene::NumericField>(L"datum", Field::STORE_YES, true)->setIntValue(d.datum));
    doc->add(Stored(L"erstellt_am", std::to_string(d.erstellt_am)));
    doc->add(Keyword(L"erstellt_von", d.erstellt_von));
    if (!d.absender.empty()) doc->add(Text(detail::kFieldAbsender, d.absender, true));
    if (!d.dokumenttyp.empty()) doc->add(Keyword(L"dokumenttyp", d.dokumenttyp));
    if (!d.mime_type.empty()) doc->add(Keyword(L"mime_type", d.mime_type));
    if (!d.dateiname.empty()) doc->add(Text(detail::kFieldDateiname, d.dateiname, true));
    if (!d.sha256.empty()) doc->add(Stored(L"sha256", d.sha256));
    doc->add(Keyword(L"extraktion", d.extraktion));
    if (!d.extraktion_grund.empty()) doc->add(Stored(L"extraktion_grund", d.extraktion_grund));
    doc->add(Stored(L"paginiert", d.paginiert ? "1" : "0"));
    doc->add(Stored(L"gekuerzt", d.gekuerzt ? "1" : "0"));
    const std::wstring content = d.seiten.empty() ? std::wstring() : JoinPages(d.seiten);
    if (!content.empty()) {
        doc->add(newLucene<Field>(detail::kFieldInhalt, content, Field::STORE_NO,
                                  Field::INDEX_ANALYZED));
        // Stored compressed: snippets and updates that keep the text read it back.
        doc->add(newLucene<Field>(L"inhalt_z", Lucene::CompressionTools::compressString(content),
                                  Field::STORE_YES));
    }
    return doc;
}

std::string Get(const Lucene::DocumentPtr& doc, const wchar_t* name) {
    return Narrow(doc->get(name));
}

std::vector<std::string> GetAll(const Lucene::DocumentPtr& doc, const wchar_t* name) {
    std::vector<std::string> out;
    for (const auto& v : doc->getValues(name)) out.push_back(Narrow(v));
    return out;
}

uint64_t ToUint(const std::string& s) {
    try {
        return s.empty() ? 0 : std::stoull(s);
    } catch (const std::exception&) {
        return 0;
    }
}

// The stored text is a zlib stream of UTF-8 (CompressionTools::compressString). It is
// inflated here rather than by CompressionTools::decompressString, which crashes on a stream
// whose text is empty: a version without text then brought down every refresh of its
// Dokument and every start. A damaged stream yields the text inflated so far.
std::wstring StoredContent(const Lucene::DocumentPtr& doc) {
    Lucene::ByteArray z = doc->getBinaryValue(L"inhalt_z");
    if (!z || z.size() == 0) return {};
    z_stream stream{};
    if (inflateInit(&stream) != Z_OK) return {};
    stream.next_in = z.get();
    stream.avail_in = static_cast<uInt>(z.size());
    std::string utf8;
    char chunk[64 * 1024];
    int rc = Z_OK;
    while (rc == Z_OK) {
        stream.next_out = reinterpret_cast<Bytef*>(chunk);
        stream.avail_out = sizeof(chunk);
        rc = inflate(&stream, Z_NO_FLUSH);
        utf8.append(chunk, sizeof(chunk) - stream.avail_out);
    }
    inflateEnd(&stream);
    return Widen(utf8);
}

IndexDocument FromLucene(const Lucene::DocumentPtr& doc) {
    IndexDocument d;
    d.uid = Get(doc, L"uid");
    d.objekt_id = Get(doc, L"objekt_id");
    d.typ = Get(doc, L"typ");
    d.version = static_cast<uint32_t>(ToUint(Get(doc, L"version")));
    d.ordnung = ToUint(Get(doc, L"ordnung"));
    d.betreff = Get(doc, detail::kFieldBetreff);
    d.aktenzeichen = Get(doc, detail::kFieldAktenzeichen);
    d.kennzeichen = Get(doc, L"kennzeichen");
    d.kennzeichen_pfad = GetAll(doc, L"kennzeichen_pfad");
    d.einheit_ids = GetAll(doc, L"einheit");
    d.akte_ids = GetAll(doc, L"akte");
    d.vorfahren_ids = GetAll(doc, L"vorfahren");
    d.vertraulichkeit = Get(doc, L"vertraulichkeit");
    d.zustand = Get(doc, L"zustand");
    d.datum = static_cast<int32_t>(ToUint(Get(doc, L"datum")));
    d.erstellt_am = static_cast<int64_t>(ToUint(Get(doc, L"erstellt_am")));
    d.erstellt_von = Get(doc, L"erstellt_von");
    d.absender = Get(doc, detail::kFieldAbsender);
    d.dokumenttyp = Get(doc, L"dokumenttyp");
    d.mime_type = Get(doc, L"mime_type");
    d.dateiname = Get(doc, detail::kFieldDateiname);
    d.sha256 = Get(doc, L"sha256");
    d.extraktion = Get(doc, L"extraktion");
    d.extraktion_grund = Get(doc, L"extraktion_grund");
    d.paginiert = Get(doc, L"paginiert") == "1";
    d.gekuerzt = Get(doc, L"gekuerzt") == "1";
    std::wstring content = StoredContent(doc);
    if (doc->getBinaryValue(L"inhalt_z")) d.seiten = SplitPages(content);
    return d;
}

// A reader and its searcher as of one commit. The reader is closed when the last search
// using it lets go.
struct Snapshot {
    Lucene::IndexReaderPtr reader;
    Lucene::IndexSearcherPtr searcher;
    ~Snapshot() {
        try {
            if (reader) reader->close();
        } catch (const Lucene::LuceneException&) {
            // Closing a reader that is already closed is harmless.
        }
    }
};

// The sort key of a hit, in the order the results are listed.
struct SortKey {
    double primary = 0;  // score, or date
    int64_t ordnung = 0;
};

struct Ranked {
    SortKey key;
    int32_t doc = 0;  // global doc id
    double score = 0;
};

// Whether `a` comes before `b` in the listing.
bool Before(SortOrder order, const SortKey& a, const SortKey& b) {
    switch (order) {
        case SortOrder::kRelevanz:
        case SortOrder::kDatumAbsteigend:
            if (a.primary != b.primary) return a.primary > b.primary;
            return order == SortOrder::kRelevanz ? a.ordnung < b.ordnung : a.ordnung > b.ordnung;
        case SortOrder::kDatumAufsteigend:
            if (a.primary != b.primary) return a.primary < b.primary;
            return a.ordnung < b.ordnung;
    }
    return false;
}

// Collects the page of hits after the cursor, the total and the facet counts in one pass.
class HitCollector : public Lucene::Collector {
  public:
    HitCollector(SortOrder order, size_t keep, std::optional<SortKey> after, bool facets)
        : order_(order),
          keep_(keep),
          after_(after),
          facets_(facets),
          heap_([order](const Ranked& a, const Ranked& b) { return Before(order, a.key, b.key); }) {
    }
    LUCENE_CLASS(HitCollector);

    void setScorer(const Lucene::ScorerPtr& scorer) override { scorer_ = scorer; }

    void setNextReader(const Lucene::IndexReaderPtr& reader, int32_t doc_base) override {
        FoldSegmentFacets();
        base_ = doc_base;
        auto cache = Lucene::FieldCache::DEFAULT();
        ordnung_ =
            cache->getLongs(reader, L"ordnung", Lucene::FieldCache::NUMERIC_UTILS_LONG_PARSER());
        datum_ = cache->getInts(reader, L"datum", Lucene::FieldCache::NUMERIC_UTILS_INT_PARSER());
        if (facets_) {
            typ_ = cache->getStringIndex(reader, L"typ");
            haupt_ = cache->getStringIndex(reader, L"hauptgruppe");
            typ_counts_.assign(static_cast<size_t>(typ_->lookup.size()), 0);
            haupt_counts_.assign(static_cast<size_t>(haupt_->lookup.size()), 0);
        }
    }

    void collect(int32_t doc) override {
        ++total_;
        if (facets_) {
            ++typ_counts_[static_cast<size_t>(typ_->order[doc])];
            ++haupt_counts_[static_cast<size_t>(haupt_->order[doc])];
            ++jahr_counts_[datum_[doc] / 10000];
        }
        const double score = order_ == SortOrder::kRelevanz ? scorer_->score() : 0.0;
        SortKey key{order_ == SortOrder::kRelevanz ? score : static_cast<double>(datum_[doc]),
                    ordnung_[doc]};
        if (after_ && !Before(order_, *after_, key)) return;
        if (heap_.size() == keep_ && !Before(order_, key, heap_.top().key)) return;
        heap_.push(Ranked{key, base_ + doc, score});
        if (heap_.size() > keep_) heap_.pop();
    }

    bool acceptsDocsOutOfOrder() override { return true; }

    // The collected hits in listing order; call once, after the search.
    std::vector<Ranked> TakeHits() {
        std::vector<Ranked> out;
        while (!heap_.empty()) {
            out.push_back(heap_.top());
            heap_.pop();
        }
        std::reverse(out.begin(), out.end());
        return out;
    }

    std::map<std::string, std::vector<FacetValue>> TakeFacets() {
        FoldSegmentFacets();
        std::map<std::string, std::vector<FacetValue>> out;
        auto sorted = [](std::map<std::string, uint64_t>& counts) {
            std::vector<FacetValue> v;
            for (auto& [wert, anzahl] : counts) {
                if (!wert.empty() && anzahl > 0) v.push_back({wert, anzahl});
            }
            std::stable_sort(v.begin(), v.end(), [](const FacetValue& a, const FacetValue& b) {
                return a.anzahl > b.anzahl;
            });
            return v;
        };
        std::map<std::string, uint64_t> jahre;
        for (const auto& [jahr, n] : jahr_counts_) {
            if (jahr > 0) jahre[std::to_string(jahr)] += n;
        }
        out["typ"] = sorted(typ_totals_);
        out["hauptgruppe"] = sorted(haupt_totals_);
        out["jahr"] = sorted(jahre);
        return out;
    }

    uint64_t total() const { return total_; }

  private:
    void FoldSegmentFacets() {
        if (!facets_ || !typ_) return;
        for (size_t i = 0; i < typ_counts_.size(); ++i) {
            if (typ_counts_[i] > 0)
                typ_totals_[Narrow(typ_->lookup[static_cast<int32_t>(i)])] += typ_counts_[i];
        }
        for (size_t i = 0; i < haupt_counts_.size(); ++i) {
            if (haupt_counts_[i] > 0) {
                haupt_totals_[Narrow(haupt_->lookup[static_cast<int32_t>(i)])] += haupt_counts_[i];
            }
        }
        typ_counts_.clear();
        haupt_counts_.clear();
        typ_.reset();
        haupt_.reset();
    }

    SortOrder order_;
    size_t keep_;
    std::optional<SortKey> after_;
    bool facets_;
    Lucene::ScorerPtr scorer_;
    int32_t base_ = 0;
    Lucene::Collection<int64_t> ordnung_;
    Lucene::Collection<int32_t> datum_;
    Lucene::StringIndexPtr typ_, haupt_;
    std::vector<uint64_t> typ_counts_, haupt_counts_;
    std::map<std::string, uint64_t> typ_totals_, haupt_totals_;
    std::unordered_map<int32_t, uint64_t> jahr_counts_;
    uint64_t total_ = 0;
    std::priority_queue<Ranked, std::vector<Ranked>,
                        std::function<bool(const Ranked&, const Ranked&)>>
        heap_;
};

// --- Snippets -------------------------------------------------------------------------

bool IsWordChar(wchar_t c) {
    return (c >= L'0' && c <= L'9') || (c >= L'a' && c <= L'z') || (c >= L'A' && c <= L'Z') ||
           (c >= 0xC0 && c <= 0x24F && c != 0xD7 && c != 0xF7);
}

// The text folded like indexed terms (lower case, umlauts and accents to base letters,
// ß to ss), with the position in the original of every folded character.
struct FoldedText {
    std::wstring text;
    std::vector<uint32_t> origin;
};

bool IsFoldedVowel(wchar_t c) {
    return c == L'a' || c == L'e' || c == L'i' || c == L'o' || c == L'u' || c == L'y';
}

// Folds like the analyzer without allocating per character: snippets fold every hit's text.
FoldedText Fold(const std::wstring& original, size_t from, size_t to) {
    FoldedText f;
    const size_t n = std::min(original.size(), to);
    f.text.reserve(n - std::min(n, from) + 16);
    f.origin.reserve(n - std::min(n, from) + 16);
    auto put = [&f](wchar_t c, size_t at) {
        f.text.push_back(c);
        f.origin.push_back(static_cast<uint32_t>(at));
    };
    for (size_t k = from; k < n; ++k) {
        const wchar_t raw = original[k];
        if (!IsWordChar(raw)) {
            put(L' ', k);
            continue;
        }
        if (raw == L'ß' || raw == 0x1E9E) {
            put(L's', k);
            put(L's', k);
            continue;
        }
        const wchar_t c = FoldLetter(raw);
        const wchar_t next = k + 1 < n ? FoldLetter(original[k + 1]) : 0;
        const bool word_start = k == from || !IsWordChar(original[k - 1]);
        const wchar_t prev = word_start ? 0 : f.text.back();
        // german2: "ae", "oe", "ue" spell ä, ö, ü (not "ue" after q or a vowel, as in "Feuer").
        const bool umlaut_pair =
            next == L'e' &&
            (raw == L'a' || raw == L'o' || raw == L'A' || raw == L'O' ||
             ((raw == L'u' || raw == L'U') && prev != L'q' && !IsFoldedVowel(prev)));
        put(c, k);
        if (umlaut_pair) ++k;
    }
    return f;
}

void AppendEscaped(std::wstring_view text, std::string* out) {
    bool space = false;
    std::wstring chunk;
    for (wchar_t c : text) {
        const bool blank = c == L' ' || c == L'\n' || c == L'\r' || c == L'\t' || c == kPageBreak;
        if (blank) {
            space = true;
            continue;
        }
        if (space && !out->empty()) out->push_back(' ');
        space = false;
        switch (c) {
            case L'<':
                *out += "&lt;";
                break;
            case L'>':
                *out += "&gt;";
                break;
            case L'&':
                *out += "&amp;";
                break;
            case L'"':
                *out += "&quot;";
                break;
            default:
                AppendUtf8(static_cast<char32_t>(c), out);
        }
    }
    if (space) out->push_back(' ');
}

struct Span {
    size_t start = 0;  // in the original
    size_t end = 0;
};

std::vector<Span> FindMatches(const std::wstring& original, const FoldedText& folded,
                              const std::vector<detail::HighlightPattern>& patterns) {
    std::vector<Span> spans;
    for (const auto& p : patterns) {
        if (p.text.empty()) continue;
        size_t pos = 0;
        while ((pos = folded.text.find(p.text, pos)) != std::wstring::npos) {
            const bool at_start = pos == 0 || folded.text[pos - 1] == L' ';
            if (!p.word_start || at_start) {
                size_t ws = pos, we = pos + p.text.size();
                while (ws > 0 && folded.text[ws - 1] != L' ') --ws;
                while (we < folded.text.size() && folded.text[we] != L' ') ++we;
                size_t start = folded.origin[ws];
                size_t end = folded.origin[we - 1] + 1;
                while (end < original.size() && IsWordChar(original[end])) ++end;
                spans.push_back({start, end});
                if (spans.size() > 200) break;
            }
            pos += p.text.size();
        }
    }
    std::sort(spans.begin(), spans.end(),
              [](const Span& a, const Span& b) { return a.start < b.start; });
    std::vector<Span> merged;
    for (const auto& s : spans) {
        if (!merged.empty() && s.start < merged.back().end) {
            merged.back().end = std::max(merged.back().end, s.end);
        } else {
            merged.push_back(s);
        }
    }
    return merged;
}

// The end of the word at `at` (or `at` itself between words), so that a chunk of text is
// never cut inside a word.
size_t WordEnd(const std::wstring& text, size_t at) {
    while (at < text.size() && IsWordChar(text[at])) ++at;
    return at;
}

// A passage of about 220 characters around the first match, with every match in it marked.
// The text is folded chunk by chunk until the first match, so that a long document whose
// match comes early costs little.
bool MakeSnippet(const std::wstring& text, const std::vector<detail::HighlightPattern>& patterns,
                 bool paged, std::string* snippet, uint32_t* page) {
    constexpr size_t kChunk = 4096;
    const size_t limit = std::min(text.size(), kSnippetScanChars);
    std::optional<Span> first;
    for (size_t pos = 0; pos < limit && !first;) {
        const size_t end = WordEnd(text, std::min(limit, pos + kChunk));
        auto spans = FindMatches(text, Fold(text, pos, end), patterns);
        if (!spans.empty()) first = spans[0];
        pos = end;
    }
    if (!first) return false;
    size_t from = first->start > 60 ? first->start - 60 : 0;
    while (from > 0 && from < first->start && IsWordChar(text[from - 1])) ++from;
    const size_t to = WordEnd(text, std::min(text.size(), first->start + 160));
    const auto spans = FindMatches(text, Fold(text, from, to), patterns);
    std::string out = from > 0 ? "… " : "";
    size_t cursor = from;
    for (const auto& s : spans) {
        if (s.start < cursor) continue;
        AppendEscaped(std::wstring_view(text).substr(cursor, s.start - cursor), &out);
        out += "<em>";
        AppendEscaped(std::wstring_view(text).substr(s.start, s.end - s.start), &out);
        out += "</em>";
        cursor = s.end;
    }
    if (cursor < to) AppendEscaped(std::wstring_view(text).substr(cursor, to - cursor), &out);
    if (to < text.size()) out += " …";
    *snippet = std::move(out);
    if (paged) {
        *page = 1 + static_cast<uint32_t>(std::count(
                        text.begin(), text.begin() + static_cast<std::ptrdiff_t>(first->start),
                        kPageBreak));
    }
    return true;
}

// --- Cursor ---------------------------------------------------------------------------

std::string Hex(uint64_t v) {
    static constexpr char kDigits[] = "0123456789abcdef";
    std::string out(16, '0');
    for (int i = 15; i >= 0; --i, v >>= 4) out[static_cast<size_t>(i)] = kDigits[v & 15];
    return out;
}

std::optional<uint64_t> ParseHex(std::string_view s) {
    if (s.size() != 16) return std::nullopt;
    uint64_t v = 0;
    for (char c : s) {
        int d = c >= '0' && c <= '9' ? c - '0' : c >= 'a' && c <= 'f' ? c - 'a' + 10 : -1;
        if (d < 0) return std::nullopt;
        v = (v << 4) | static_cast<uint64_t>(d);
    }
    return v;
}

// Identifies a search (text, filters, order, visibility), so that a cursor is used only on
// the search it came from.
uint64_t SearchIdentity(const SearchRequest& r) {
    std::string s = r.text + '\x1f' + std::to_string(static_cast<int>(r.sortierung)) + '\x1f' +
                    r.erstellt_von + '\x1f' + r.mime_type + '\x1f' + std::to_string(r.datum_von) +
                    '\x1f' + std::to_string(r.datum_bis) + '\x1f' + (r.alle_versionen ? "1" : "0") +
                    (r.visibility.alles ? "*" : "");
    for (const auto* list : {&r.kennzeichen, &r.akte_ids, &r.typen, &r.zustaende}) {
        s += '\x1e';
        for (const auto& v : *list) s += v + '\x1f';
    }
    for (const auto& clause : r.visibility.klauseln) {
        s += '\x1d' + clause.einheit + '\x1e';
        for (const auto& v : clause.ausgenommen) s += v + '\x1f';
        s += '\x1e';
        for (const auto& v : clause.vertraulichkeiten) s += v + '\x1f';
    }
    // FNV-1a: stable across processes and builds, unlike std::hash.
    uint64_t h = 1469598103934665603ULL;
    for (unsigned char c : s) h = (h ^ c) * 1099511628211ULL;
    return h;
}

std::string EncodeCursor(uint64_t identity, const SortKey& key) {
    uint64_t bits;
    static_assert(sizeof(bits) == sizeof(key.primary));
    std::memcpy(&bits, &key.primary, sizeof(bits));
    return "c1." + Hex(identity) + "." + Hex(bits) + "." + Hex(static_cast<uint64_t>(key.ordnung));
}

Result<SortKey> DecodeCursor(const std::string& cursor, uint64_t identity) {
    auto invalid = [] {
        return InvalidArgumentError("the paging cursor does not belong to this search",
                                    "invalid-cursor");
    };
    if (cursor.size() != 3 + 16 * 3 + 2 || cursor.compare(0, 3, "c1.") != 0) return invalid();
    auto id = ParseHex(std::string_view(cursor).substr(3, 16));
    auto bits = ParseHex(std::string_view(cursor).substr(20, 16));
    auto ordnung = ParseHex(std::string_view(cursor).substr(37, 16));
    if (!id || !bits || !ordnung || cursor[19] != '.' || cursor[36] != '.' || *id != identity) {
        return invalid();
    }
    SortKey key;
    std::memcpy(&key.primary, &*bits, sizeof(key.primary));
    key.ordnung = static_cast<int64_t>(*ordnung);
    return key;
}

// --- Filters --------------------------------------------------------------------------

Lucene::QueryPtr AnyOf(const wchar_t* field, const std::vector<std::string>& values) {
    auto q = newLucene<Lucene::BooleanQuery>();
    for (const auto& v : values) {
        q->add(newLucene<Lucene::TermQuery>(newLucene<Lucene::Term>(field, Widen(v))),
               BooleanClause::SHOULD);
    }
    return q;
}

// The filter clauses of a request, visibility first. Null when nothing restricts.
Lucene::QueryPtr FilterQuery(const SearchRequest& r) {
    auto q = newLucene<Lucene::BooleanQuery>();
    bool any = false;
    auto must = [&](const Lucene::QueryPtr& clause) {
        q->add(clause, BooleanClause::MUST);
        any = true;
    };
    const Visibility& v = r.visibility;
    if (!v.alles) {
        auto visible = newLucene<Lucene::BooleanQuery>();
        for (const auto& clause : v.klauseln) {
            auto c = newLucene<Lucene::BooleanQuery>();
            c->add(AnyOf(L"einheit", {clause.einheit}), BooleanClause::MUST);
            // No level at all makes an empty SHOULD-only query, which matches nothing.
            c->add(AnyOf(L"vertraulichkeit", clause.vertraulichkeiten), BooleanClause::MUST);
            for (const auto& id : clause.ausgenommen) {
                c->add(AnyOf(L"einheit", {id}), BooleanClause::MUST_NOT);
            }
            visible->add(c, BooleanClause::SHOULD);
        }
        // Without clauses: a term no entry has, so that the caller sees nothing.
        if (v.klauseln.empty()) {
            visible->add(newLucene<Lucene::TermQuery>(newLucene<Lucene::Term>(L"uid", L"")),
                         BooleanClause::MUST);
        }
        must(visible);
    }
    if (!r.kennzeichen.empty()) must(AnyOf(L"kennzeichen_pfad", r.kennzeichen));
    if (!r.akte_ids.empty()) must(AnyOf(L"akte", r.akte_ids));
    if (!r.typen.empty()) must(AnyOf(L"typ", r.typen));
    if (!r.zustaende.empty()) must(AnyOf(L"zustand", r.zustaende));
    if (!r.erstellt_von.empty()) must(AnyOf(L"erstellt_von", {r.erstellt_von}));
    if (!r.mime_type.empty()) must(AnyOf(L"mime_type", {r.mime_type}));
    if (!r.alle_versionen) must(AnyOf(L"aktuell", {"1"}));
    if (r.datum_von != 0 || r.datum_bis != 0) {
        must(Lucene::NumericRangeQuery::newIntRange(
            L"datum", r.datum_von, r.datum_bis == 0 ? INT32_MAX : r.datum_bis, true, true));
    }
    return any ? q : Lucene::QueryPtr();
}

}  // namespace

struct SearchIndex::Impl {
    std::string dir;
    Lucene::FSDirectoryPtr directory;
    Lucene::IndexWriterPtr writer;
    Lucene::AnalyzerPtr index_analyzer;
    Lucene::AnalyzerPtr query_analyzer;
    bool needs_rebuild = false;
    std::atomic<bool> dirty{false};
    std::atomic<uint64_t> position{0};
    std::mutex commit_mu;  // one Commit at a time

    mutable std::mutex snapshot_mu;
    std::shared_ptr<const Snapshot> snapshot;  // guarded by snapshot_mu

    std::shared_ptr<const Snapshot> Current() const {
        std::lock_guard lock(snapshot_mu);
        return snapshot;
    }

    // A reader of the latest commit. reopen() shares the segments that did not change with
    // the previous reader, and with them their field caches, so that a search right after a
    // commit does not load the sort and facet values of the whole index again.
    Status Reopen() {
        auto current = Current();
        Lucene::IndexReaderPtr reader =
            current ? current->reader->reopen() : Lucene::IndexReader::open(directory, true);
        if (current && reader == current->reader) return Status::Ok();
        auto next = std::make_shared<Snapshot>();
        next->reader = reader;
        next->searcher = newLucene<Lucene::IndexSearcher>(next->reader);
        std::lock_guard lock(snapshot_mu);
        snapshot = std::move(next);
        return Status::Ok();
    }

    Lucene::MapStringString UserData(uint64_t pos) const {
        auto data = Lucene::MapStringString::newInstance();
        data.put(L"schema", kSchema);
        data.put(L"position", std::to_wstring(pos));
        return data;
    }
};

SearchIndex::SearchIndex(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SearchIndex::~SearchIndex() {
    // Rolled back, not closed: close() would commit writes that no Commit asked for, and
    // the index must hold exactly what a commit with its outbox position made durable.
    Status s = Guard("close index", [&] {
        impl_->writer->rollback();
        return Status::Ok();
    });
    if (!s.ok()) Log().Warning("index close failed", "error=" + log::Quote(s.ToString()));
}

Result<std::unique_ptr<SearchIndex>> SearchIndex::Open(const std::string& dir,
                                                       const SearchIndexOptions& options) {
    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return ErrnoError("create index folder " + dir, ec.value());
    auto impl = std::make_unique<Impl>();
    impl->dir = dir;
    // The dictionary is read when the first document is analysed, not at start-up; queries
    // are not split and need none.
    struct Lazy {
        std::string path;
        std::once_flag once;
        std::shared_ptr<const CompoundDictionary> dictionary;
    };
    auto lazy = std::make_shared<Lazy>();
    lazy->path = options.dictionary_path;
    DictionaryLoader loader;
    if (!lazy->path.empty()) {
        loader = [lazy]() -> std::shared_ptr<const CompoundDictionary> {
            std::call_once(lazy->once, [&] {
                auto loaded = CompoundDictionary::Load(lazy->path);
                if (loaded.ok()) {
                    lazy->dictionary = *loaded;
                } else {
                    Log().Warning("compound dictionary missing, compounds are not split",
                                  "path=" + log::Quote(lazy->path));
                }
            });
            return lazy->dictionary;
        };
    }
    impl->index_analyzer = NewGermanAnalyzer(AnalysisMode::kIndex, std::move(loader));
    impl->query_analyzer = NewGermanAnalyzer(AnalysisMode::kQuery, DictionaryLoader());
    Status s = Guard("open index " + dir, [&] {
        impl->directory = Lucene::FSDirectory::open(Widen(dir));
        bool create = !Lucene::IndexReader::indexExists(impl->directory);
        impl->needs_rebuild = create;
        if (!create) {
            auto data = Lucene::IndexReader::getCommitUserData(impl->directory);
            if (!data.contains(L"schema") || data.get(L"schema") != kSchema) {
                create = true;
                impl->needs_rebuild = true;
            } else if (data.contains(L"position")) {
                impl->position = ToUint(Narrow(data.get(L"position")));
            }
        }
        impl->writer = newLucene<Lucene::IndexWriter>(impl->directory, impl->index_analyzer, create,
                                                      Lucene::IndexWriter::MaxFieldLengthUNLIMITED);
        impl->writer->setRAMBufferSizeMB(options.ram_buffer_mb);
        if (create) impl->writer->commit(impl->UserData(0));
        return impl->Reopen();
    });
    if (!s.ok()) return s;
    return std::unique_ptr<SearchIndex>(new SearchIndex(std::move(impl)));
}

Status SearchIndex::Upsert(const IndexDocument& doc) {
    return Guard("index " + doc.uid, [&] {
        impl_->writer->updateDocument(newLucene<Lucene::Term>(L"uid", Widen(doc.uid)),
                                      ToLucene(doc));
        impl_->dirty = true;
        return Status::Ok();
    });
}

Status SearchIndex::RemoveObjekt(const std::string& objekt_id) {
    return Guard("remove " + objekt_id, [&] {
        auto terms = Lucene::Collection<Lucene::TermPtr>::newInstance();
        terms.add(newLucene<Lucene::Term>(L"objekt_id", Widen(objekt_id)));
        terms.add(newLucene<Lucene::Term>(L"vorfahren", Widen(objekt_id)));
        impl_->writer->deleteDocuments(terms);
        impl_->dirty = true;
        return Status::Ok();
    });
}

Status SearchIndex::RemoveEntry(const std::string& uid) {
    return Guard("remove " + uid, [&] {
        impl_->writer->deleteDocuments(newLucene<Lucene::Term>(L"uid", Widen(uid)));
        impl_->dirty = true;
        return Status::Ok();
    });
}

Status SearchIndex::RemoveAll() {
    return Guard("clear index", [&] {
        impl_->writer->deleteAll();
        impl_->dirty = true;
        return Status::Ok();
    });
}

Result<std::vector<IndexDocument>> SearchIndex::EntriesOf(const std::string& objekt_id) const {
    std::vector<IndexDocument> out;
    auto snap = impl_->Current();
    Status s = Guard("read entries of " + objekt_id, [&] {
        auto query =
            newLucene<Lucene::TermQuery>(newLucene<Lucene::Term>(L"objekt_id", Widen(objekt_id)));
        auto top = snap->searcher->search(query, static_cast<int32_t>(kMaxEntriesPerObject));
        for (const auto& sd : top->scoreDocs)
            out.push_back(FromLucene(snap->searcher->doc(sd->doc)));
        return Status::Ok();
    });
    if (!s.ok()) return s;
    return out;
}

Result<std::vector<std::string>> SearchIndex::PendingOcr(size_t limit) const {
    std::vector<std::string> out;
    auto snap = impl_->Current();
    Status s = Guard("read pending OCR", [&] {
        auto query =
            newLucene<Lucene::TermQuery>(newLucene<Lucene::Term>(L"extraktion", L"ausstehend"));
        auto top = snap->searcher->search(query, static_cast<int32_t>(std::max<size_t>(limit, 1)));
        for (const auto& sd : top->scoreDocs)
            out.push_back(Narrow(snap->searcher->doc(sd->doc)->get(L"uid")));
        return Status::Ok();
    });
    if (!s.ok()) return s;
    return out;
}

Status SearchIndex::Commit(uint64_t position) {
    std::lock_guard lock(impl_->commit_mu);
    // Lucene keeps commit data only with changes; a batch without changes needs no commit
    // (entries that changed nothing may be applied again after a crash at no harm).
    if (!impl_->dirty.exchange(false)) {
        impl_->position = std::max(impl_->position.load(), position);
        return Status::Ok();
    }
    return Guard("commit index", [&] {
        impl_->writer->commit(impl_->UserData(position));
        impl_->position = position;
        return impl_->Reopen();
    });
}

uint64_t SearchIndex::committed_position() const { return impl_->position.load(); }

bool SearchIndex::needs_rebuild() const { return impl_->needs_rebuild; }

IndexStats SearchIndex::stats() const {
    IndexStats st;
    auto snap = impl_->Current();
    st.documents = static_cast<uint64_t>(snap->reader->numDocs());
    st.committed_position = impl_->position.load();
    std::error_code ec;
    for (const auto& entry : std::filesystem::directory_iterator(impl_->dir, ec)) {
        if (entry.is_regular_file(ec)) st.size_bytes += entry.file_size(ec);
    }
    return st;
}

Result<SearchResult> SearchIndex::Search(const SearchRequest& request) const {
    if (request.limit == 0 || request.limit > kMaxLimit) {
        return InvalidArgumentError("limit must be 1 to 100");
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto parsed,
                               detail::ParseQuery(request.text, impl_->query_analyzer));
    const uint64_t identity = SearchIdentity(request);
    std::optional<SortKey> after;
    if (!request.cursor.empty()) {
        AKTENWERK_ASSIGN_OR_RETURN(after, DecodeCursor(request.cursor, identity));
    }
    auto snap = impl_->Current();
    SearchResult result;
    Status s = Guard("search", [&]() -> Status {
        // A prefix that matches very many terms would OR their posting lists: refused.
        for (const auto& p : parsed.prefixes) {
            size_t count = 0;
            Lucene::TermEnumPtr terms =
                snap->reader->terms(newLucene<Lucene::Term>(p.field, p.prefix));
            do {
                Lucene::TermPtr t = terms->term();
                if (!t || t->field() != p.field ||
                    t->text().compare(0, p.prefix.size(), p.prefix) != 0) {
                    break;
                }
                if (++count > kMaxPrefixTerms) {
                    terms->close();
                    return InvalidArgumentError("search query: the prefix " + Narrow(p.prefix) +
                                                    "* matches too many words; give more letters",
                                                "query-too-expensive");
                }
            } while (terms->next());
            terms->close();
        }
        Lucene::QueryPtr query =
            parsed.query ? parsed.query : Lucene::QueryPtr(newLucene<Lucene::MatchAllDocsQuery>());
        Lucene::QueryPtr filter_query = FilterQuery(request);
        Lucene::FilterPtr filter =
            filter_query ? Lucene::FilterPtr(newLucene<Lucene::QueryWrapperFilter>(filter_query))
                         : Lucene::FilterPtr();
        SortOrder order = request.sortierung;
        if (!parsed.query && order == SortOrder::kRelevanz) order = SortOrder::kDatumAbsteigend;
        auto collector = newLucene<HitCollector>(order, request.limit + 1, after, request.facetten);
        snap->searcher->search(query, filter, collector);
        result.total = collector->total();
        if (request.facetten) result.facets = collector->TakeFacets();
        auto ranked = collector->TakeHits();
        if (ranked.size() > request.limit) {
            ranked.resize(request.limit);
            result.next_cursor = EncodeCursor(identity, ranked.back().key);
        }
        for (const auto& r : ranked) {
            Lucene::DocumentPtr doc = snap->searcher->doc(r.doc);
            SearchHit hit;
            hit.uid = Get(doc, L"uid");
            hit.objekt_id = Get(doc, L"objekt_id");
            hit.typ = Get(doc, L"typ");
            hit.version = static_cast<uint32_t>(ToUint(Get(doc, L"version")));
            hit.betreff = Get(doc, detail::kFieldBetreff);
            hit.aktenzeichen = Get(doc, detail::kFieldAktenzeichen);
            hit.kennzeichen = Get(doc, L"kennzeichen");
            hit.dateiname = Get(doc, detail::kFieldDateiname);
            hit.mime_type = Get(doc, L"mime_type");
            hit.zustand = Get(doc, L"zustand");
            hit.extraktion = Get(doc, L"extraktion");
            hit.extraktion_grund = Get(doc, L"extraktion_grund");
            hit.datum = static_cast<int32_t>(ToUint(Get(doc, L"datum")));
            hit.erstellt_am = static_cast<int64_t>(ToUint(Get(doc, L"erstellt_am")));
            hit.score = r.score;
            if (request.snippets && !parsed.highlight.empty()) {
                const bool paged = Get(doc, L"paginiert") == "1";
                if (!MakeSnippet(StoredContent(doc), parsed.highlight, paged, &hit.snippet,
                                 &hit.seite)) {
                    uint32_t ignored = 0;
                    MakeSnippet(Widen(hit.betreff), parsed.highlight, false, &hit.snippet,
                                &ignored);
                }
            }
            result.hits.push_back(std::move(hit));
        }
        return Status::Ok();
    });
    if (!s.ok()) return s;
    return result;
}

}  // namespace aktenwerk::indexing
