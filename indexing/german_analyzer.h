// German analysis on Lucene++: tokens are lower-cased, spelled-out umlauts ("ue") and "ß"
// are normalised, stop words dropped, compounds split against the wngerman dictionary, and
// every token is stemmed with the Snowball German stemmer (which folds ä, ö, ü to a, o, u).
// So "Gebühr", "Gebuehr" and "gebuhr" meet in one term, and "Anmeldung" finds
// "Gewerbeanmeldung".
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
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
    static std::shared_ptr<const CompoundDictionary> FromWords(
        const std::vector<std::string>& words);

    // The parts of a compound, in normalised form (see NormalizeGerman), or nothing when
    // `word` is not a compound of dictionary words. Each part has at least three letters,
    // the last part is a noun, linking "s"/"es" between parts is dropped ("arbeitsamt" ->
    // "arbeit", "amt"), and the split with the fewest parts wins.
    std::vector<std::wstring> Split(std::wstring_view word) const;

    size_t size() const { return count_; }

  private:
    // One dictionary word in `chars_`, found by its hash (open addressing, linear probing).
    struct Slot {
        uint64_t hash = 0;
        uint32_t offset = 0;
        uint16_t length = 0;  // 0: empty slot
        bool noun = false;
    };
    // The best split of a suffix: fewest parts, then fewest linking letters.
    struct Best {
        uint8_t parts = 0;  // 0: none; 255: not computed yet
        uint8_t links = 0;
        uint8_t next = 0;  // end of the first part
        uint8_t skip = 0;  // linking letters after it
    };
    const Slot* Find(uint64_t hash, std::wstring_view word) const;
    void Insert(std::wstring_view word, bool noun);
    bool MayBePrefix(uint64_t hash) const;
    void Solve(std::wstring_view word, size_t from, std::vector<Best>& memo) const;

    std::vector<Slot> slots_;
    std::wstring chars_;
    size_t count_ = 0;
    // A one-hash Bloom filter of every prefix of every word: a candidate part stops growing
    // as soon as no dictionary word starts with it.
    std::vector<uint64_t> prefixes_;
};

// Lower-cases and normalises German spelling the way the Snowball "german2" variant does:
// "ae", "oe", "ue" become ä, ö, ü (not "ue" after q, nor a u between vowels as in "Feuer"),
// and ß becomes "ss". Applied to tokens and dictionary words alike.
std::wstring NormalizeGerman(std::wstring_view word);

// One character lower-cased (ASCII and Latin-1 capitals) and folded to its base letter as
// the index folds them (ä to a, é to e, ...); ß and everything outside Latin-1 unchanged.
// Shared by the query parser's word folding and the snippets' matching.
wchar_t FoldLetter(wchar_t c);

// Which analysis to build: documents get compound parts as extra terms at the same position;
// queries do not, so that a query for a compound matches the compound itself.
enum class AnalysisMode { kIndex, kQuery };

// The analyzer for full-text fields. `dictionary` may be null (no compound splitting).
// Thread-safe like every Lucene++ analyzer (token streams are reused per thread).
Lucene::AnalyzerPtr NewGermanAnalyzer(AnalysisMode mode,
                                      std::shared_ptr<const CompoundDictionary> dictionary);

// Gives the dictionary when it is first needed; it may return null (no splitting). Called
// once per thread that analyses, so it must be thread-safe and should cache.
using DictionaryLoader = std::function<std::shared_ptr<const CompoundDictionary>()>;

// The same with a dictionary loaded on first use: reading wngerman takes a moment that the
// server's start-up should not wait for.
Lucene::AnalyzerPtr NewGermanAnalyzer(AnalysisMode mode, DictionaryLoader loader);

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
