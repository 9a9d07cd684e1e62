// German analysis on Lucene++: tokens are lower-cased, spelled-out umlauts ("ue") and "ß"
// are normalised, stop words dropped, compounds split against the wngerman dictionary, and
// every token is stemmed with the Snowball German stemmer (which folds ä, ö, ü to a, o, u).
// So "Gebühr", "Gebuehr" and "gebuhr" meet in one term, and "Anmeldung" finds
// "Gewerbeanmeldung".
#pragma once

#include <memory>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include <lucene++/LuceneHeaders.h>

#include "storage/status.h"

namespace aktenwerk::indexing {

// The Debian wngerman word list.
inline constexpr std::string_view kDefaultDictionaryPath = "/usr/share/dict/ngerman";

// Words for splitting compounds. Immutable after Load; thread-safe.
class CompoundDictionary {
  public:
    // Reads a word list (one UTF-8 word a line; capitalised words are taken as nouns).
    // kNotFound when the file is missing; lines that are not words are skipped.
    static Result<std::shared_ptr<const CompoundDictionary>> Load(const std::string& path);

    // A dictionary from the given words (tests).
    static std::shared_ptr<const CompoundDictionary> FromWords(const std::vector<std::string>& words);

    // The parts of a compound, in normalised form (see NormalizeGerman), or nothing when
    // `word` is not a compound of dictionary words. Each part has at least three letters,
    // the last part is a noun, linking "s"/"es" between parts is dropped ("arbeitsamt" ->
    // "arbeit", "amt"), and the split with the fewest parts wins.
    std::vector<std::wstring> Split(std::wstring_view word) const;

    size_t size() const { return words_.size(); }

  private:
    struct Hash {
        using is_transparent = void;
        size_t operator()(std::wstring_view s) const { return std::hash<std::wstring_view>()(s); }
    };
    struct Eq {
        using is_transparent = void;
        bool operator()(std::wstring_view a, std::wstring_view b) const { return a == b; }
    };
    // Normalised word -> whether it is a noun.
    std::unordered_map<std::wstring, bool, Hash, Eq> words_;
};

// Lower-cases and normalises German spelling the way the Snowball "german2" variant does:
// "ae", "oe", "ue" become ä, ö, ü (not "ue" after q, nor a u between vowels as in "Feuer"),
// and ß becomes "ss". Applied to tokens and dictionary words alike.
std::wstring NormalizeGerman(std::wstring_view word);

// Which analysis to build: documents get compound parts as extra terms at the same position;
// queries do not, so that a query for a compound matches the compound itself.
enum class AnalysisMode { kIndex, kQuery };

// The analyzer for full-text fields. `dictionary` may be null (no compound splitting).
// Thread-safe like every Lucene++ analyzer (token streams are reused per thread).
Lucene::AnalyzerPtr NewGermanAnalyzer(AnalysisMode mode,
                                      std::shared_ptr<const CompoundDictionary> dictionary);

// One term produced by an analyzer with its place in the source text (UTF-16/32 offsets of
// the wide string Lucene++ analysed).
struct AnalyzedTerm {
    std::wstring term;
    int32_t start = 0;
    int32_t end = 0;
    int32_t position = 0;
};

// Runs `analyzer` over `text` (wide, as Lucene++ sees it). Never throws.
std::vector<AnalyzedTerm> AnalyzeText(const Lucene::AnalyzerPtr& analyzer,
                                      const std::wstring& text);

// UTF-8 <-> the wide strings of Lucene++.
std::wstring Widen(std::string_view utf8);
std::string Narrow(std::wstring_view wide);

}  // namespace aktenwerk::indexing
