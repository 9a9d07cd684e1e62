// The German analysis chain. Compound splitting is a dynamic programme over the word with
// one dictionary lookup per candidate part; results are cached per thread, since a corpus
// repeats its words (Zipf) and a lookup-heavy split per token would dominate indexing.
#include "indexing/german_analyzer.h"

#include <fstream>

#include <lucene++/ASCIIFoldingFilter.h>
#include <lucene++/GermanAnalyzer.h>
#include <lucene++/LowerCaseFilter.h>
#include <lucene++/OffsetAttribute.h>
#include <lucene++/PositionIncrementAttribute.h>
#include <lucene++/SnowballFilter.h>
#include <lucene++/StandardTokenizer.h>
#include <lucene++/StopFilter.h>
#include <lucene++/StringReader.h>
#include <lucene++/TermAttribute.h>
#include <lucene++/TypeAttribute.h>

#include "indexing/charset.h"

// From libstemmer, which liblucene++-contrib bundles and exports (its header is not
// installed with it).
extern "C" void sb_stemmer_delete(struct sb_stemmer* stemmer);

namespace aktenwerk::indexing {
namespace {

using Lucene::String;  // LUCENE_CLASS names it unqualified

constexpr size_t kMinPart = 3;
constexpr size_t kMinCompound = 6;
constexpr size_t kMaxCompound = 48;
constexpr size_t kMaxParts = 4;
constexpr size_t kSplitCacheEntries = 200'000;

bool IsVowel(wchar_t c) {
    switch (c) {
        case L'a':
        case L'e':
        case L'i':
        case L'o':
        case L'u':
        case L'y':
        case L'ä':
        case L'ö':
        case L'ü':
            return true;
        default:
            return false;
    }
}

wchar_t LowerChar(wchar_t c) {
    if (c >= L'A' && c <= L'Z') return static_cast<wchar_t>(c + 32);
    if (c >= 0xC0 && c <= 0xDE && c != 0xD7) return static_cast<wchar_t>(c + 32);
    if (c == 0x1E9E) return L'ß';  // capital sharp s
    return c;
}

bool IsLetter(wchar_t c) {
    return (c >= L'a' && c <= L'z') || (c >= 0xDF && c <= 0xFF && c != 0xF7);
}

// Replaces the term of `term_att` with `text`.
void SetTerm(const Lucene::TermAttributePtr& term_att, const std::wstring& text) {
    term_att->setTermBuffer(text);
}

// Lower-cased tokens in, german2-normalised tokens out (see NormalizeGerman).
class NormalizeFilter : public Lucene::TokenFilter {
  public:
    explicit NormalizeFilter(const Lucene::TokenStreamPtr& source) : Lucene::TokenFilter(source) {
        term_ = addAttribute<Lucene::TermAttribute>();
    }
    LUCENE_CLASS(NormalizeFilter);

    bool incrementToken() override {
        if (!input->incrementToken()) return false;
        std::wstring_view current(term_->termBufferArray(),
                                  static_cast<size_t>(term_->termLength()));
        bool needs = false;
        for (size_t i = 0; i < current.size() && !needs; ++i) {
            needs = current[i] == L'ß' || current[i] == L'e' || current[i] >= 0x80 ||
                    (current[i] >= L'A' && current[i] <= L'Z');
        }
        if (needs) SetTerm(term_, NormalizeGerman(current));
        return true;
    }

  private:
    Lucene::TermAttributePtr term_;
};

// Emits, after each compound, its parts at the same position (increment 0) with the
// compound's offsets.
class DecompoundFilter : public Lucene::TokenFilter {
  public:
    DecompoundFilter(const Lucene::TokenStreamPtr& source,
                     std::shared_ptr<const CompoundDictionary> dictionary)
        : Lucene::TokenFilter(source), dictionary_(std::move(dictionary)) {
        term_ = addAttribute<Lucene::TermAttribute>();
        position_ = addAttribute<Lucene::PositionIncrementAttribute>();
    }
    LUCENE_CLASS(DecompoundFilter);

    bool incrementToken() override {
        if (next_part_ < parts_.size()) {
            restoreState(state_);
            SetTerm(term_, parts_[next_part_++]);
            position_->setPositionIncrement(0);
            return true;
        }
        if (!input->incrementToken()) return false;
        parts_.clear();
        next_part_ = 0;
        const size_t length = static_cast<size_t>(term_->termLength());
        if (length >= kMinCompound && length <= kMaxCompound) {
            std::wstring word(term_->termBufferArray(), length);
            parts_ = CachedSplit(word);
            if (!parts_.empty()) state_ = captureState();
        }
        return true;
    }

    void reset() override {
        Lucene::TokenFilter::reset();
        parts_.clear();
        next_part_ = 0;
    }

  private:
    const std::vector<std::wstring>& CachedSplit(const std::wstring& word) {
        auto it = cache_.find(word);
        if (it != cache_.end()) return it->second;
        if (cache_.size() >= kSplitCacheEntries) cache_.clear();
        return cache_.emplace(word, dictionary_->Split(word)).first->second;
    }

    std::shared_ptr<const CompoundDictionary> dictionary_;
    Lucene::TermAttributePtr term_;
    Lucene::PositionIncrementAttributePtr position_;
    Lucene::AttributeSourceStatePtr state_;
    std::vector<std::wstring> parts_;
    size_t next_part_ = 0;
    // Per token stream, and token streams are per thread: no lock needed.
    std::unordered_map<std::wstring, std::vector<std::wstring>> cache_;
};

// File names and host names come out of the tokenizer whole ("bauplan.pdf",
// "www.stadt.de"); their dot-separated words follow at the same position, so that "Bauplan"
// finds "Bauplan.pdf".
class DottedPartsFilter : public Lucene::TokenFilter {
  public:
    explicit DottedPartsFilter(const Lucene::TokenStreamPtr& source) : Lucene::TokenFilter(source) {
        term_ = addAttribute<Lucene::TermAttribute>();
        type_ = addAttribute<Lucene::TypeAttribute>();
        position_ = addAttribute<Lucene::PositionIncrementAttribute>();
    }
    LUCENE_CLASS(DottedPartsFilter);

    bool incrementToken() override {
        if (next_part_ < parts_.size()) {
            restoreState(state_);
            SetTerm(term_, parts_[next_part_++]);
            position_->setPositionIncrement(0);
            return true;
        }
        if (!input->incrementToken()) return false;
        parts_.clear();
        next_part_ = 0;
        if (type_->type() == L"<HOST>") {
            std::wstring word(term_->termBufferArray(), static_cast<size_t>(term_->termLength()));
            size_t start = 0;
            while (start < word.size()) {
                size_t dot = word.find(L'.', start);
                if (dot == std::wstring::npos) dot = word.size();
                if (dot > start) parts_.push_back(word.substr(start, dot - start));
                start = dot + 1;
            }
            if (parts_.size() > 1) {
                state_ = captureState();
            } else {
                parts_.clear();
            }
        }
        return true;
    }

    void reset() override {
        Lucene::TokenFilter::reset();
        parts_.clear();
        next_part_ = 0;
    }

  private:
    Lucene::TermAttributePtr term_;
    Lucene::TypeAttributePtr type_;
    Lucene::PositionIncrementAttributePtr position_;
    Lucene::AttributeSourceStatePtr state_;
    std::vector<std::wstring> parts_;
    size_t next_part_ = 0;
};

// Lucene++'s SnowballFilter allocates its stemmer and never frees it: 136 bytes lost for
// every filter, that is for every thread that analyses (the server's connection threads
// come and go). The stemmer is a protected member, and liblucene++-contrib exports the
// bundled libstemmer's sb_stemmer_delete, so this subclass frees it.
class GermanStemFilter : public Lucene::SnowballFilter {
  public:
    explicit GermanStemFilter(const Lucene::TokenStreamPtr& source)
        : SnowballFilter(source, L"german") {}
    ~GermanStemFilter() override {
        if (stemmer != nullptr) sb_stemmer_delete(stemmer);
        stemmer = nullptr;
    }
    LUCENE_CLASS(GermanStemFilter);
};

class SavedStreams : public Lucene::LuceneObject {
  public:
    LUCENE_CLASS(SavedStreams);
    Lucene::TokenizerPtr source;
    Lucene::TokenStreamPtr result;
};

class Analyzer : public Lucene::Analyzer {
  public:
    Analyzer(AnalysisMode mode, DictionaryLoader loader) : mode_(mode), loader_(std::move(loader)) {
        for (const auto& word : Lucene::GermanAnalyzer::getDefaultStopSet()) {
            stop_words_.add(NormalizeGerman(word));
        }
    }
    LUCENE_CLASS(Analyzer);

    Lucene::TokenStreamPtr tokenStream(const Lucene::String& /*field*/,
                                       const Lucene::ReaderPtr& reader) override {
        auto streams = Build(reader);
        return streams->result;
    }

    Lucene::TokenStreamPtr reusableTokenStream(const Lucene::String& /*field*/,
                                               const Lucene::ReaderPtr& reader) override {
        auto streams = boost::dynamic_pointer_cast<SavedStreams>(getPreviousTokenStream());
        if (!streams) {
            streams = Build(reader);
            setPreviousTokenStream(streams);
        } else {
            streams->source->reset(reader);
            streams->result->reset();
        }
        return streams->result;
    }

  private:
    boost::shared_ptr<SavedStreams> Build(const Lucene::ReaderPtr& reader) {
        auto streams = Lucene::newLucene<SavedStreams>();
        auto tokenizer =
            Lucene::newLucene<Lucene::StandardTokenizer>(Lucene::LuceneVersion::LUCENE_30, reader);
        tokenizer->setMaxTokenLength(128);
        streams->source = tokenizer;
        Lucene::TokenStreamPtr s = tokenizer;
        if (mode_ == AnalysisMode::kIndex) s = Lucene::newLucene<DottedPartsFilter>(s);
        s = Lucene::newLucene<Lucene::LowerCaseFilter>(s);
        s = Lucene::newLucene<NormalizeFilter>(s);
        s = Lucene::newLucene<Lucene::StopFilter>(true, s, stop_words_);
        if (mode_ == AnalysisMode::kIndex && loader_) {
            if (auto dictionary = loader_()) s = Lucene::newLucene<DecompoundFilter>(s, dictionary);
        }
        s = Lucene::newLucene<GermanStemFilter>(s);
        s = Lucene::newLucene<Lucene::ASCIIFoldingFilter>(s);
        streams->result = s;
        return streams;
    }

    AnalysisMode mode_;
    DictionaryLoader loader_;
    Lucene::HashSet<Lucene::String> stop_words_ = Lucene::HashSet<Lucene::String>::newInstance();
};

}  // namespace

std::wstring NormalizeGerman(std::wstring_view word) {
    std::wstring lower;
    lower.reserve(word.size());
    for (wchar_t c : word) lower.push_back(LowerChar(c));
    std::wstring out;
    out.reserve(lower.size() + 2);
    for (size_t i = 0; i < lower.size(); ++i) {
        const wchar_t c = lower[i];
        const wchar_t next = i + 1 < lower.size() ? lower[i + 1] : 0;
        const wchar_t prev = i > 0 ? lower[i - 1] : 0;
        if (c == L'ß') {
            out += L"ss";
        } else if (next == L'e' && c == L'a') {
            out += L'ä', ++i;
        } else if (next == L'e' && c == L'o') {
            out += L'ö', ++i;
        } else if (next == L'e' && c == L'u' && prev != L'q' && !IsVowel(prev)) {
            out += L'ü', ++i;
        } else {
            out += c;
        }
    }
    return out;
}

namespace {

constexpr uint64_t kFnvOffset = 1469598103934665603ULL;
constexpr uint64_t kFnvPrime = 1099511628211ULL;
constexpr size_t kPrefixBits = size_t{1} << 26;  // 8 MiB

// FNV-1a over wide characters, extended one character at a time while a candidate grows.
uint64_t HashStep(uint64_t h, wchar_t c) { return (h ^ static_cast<uint64_t>(c)) * kFnvPrime; }

uint64_t Mix(uint64_t h) { return (h ^ (h >> 29)) * 0xbf58476d1ce4e5b9ULL; }

}  // namespace

Result<std::shared_ptr<const CompoundDictionary>> CompoundDictionary::Load(
    const std::string& path) {
    std::ifstream in(path);
    if (!in) return NotFoundError("compound dictionary " + path + " cannot be read");
    std::vector<std::string> words;
    std::string line;
    while (std::getline(in, line)) words.push_back(line);
    return FromWords(words);
}

std::shared_ptr<const CompoundDictionary> CompoundDictionary::FromWords(
    const std::vector<std::string>& words) {
    auto dict = std::shared_ptr<CompoundDictionary>(new CompoundDictionary());
    size_t slots = 1024;
    while (slots < words.size() * 2) slots <<= 1;
    dict->slots_.resize(slots);
    dict->prefixes_.assign(kPrefixBits / 64, 0);
    for (const auto& line : words) {
        if (line.empty() || !IsUtf8(line)) continue;
        std::wstring wide = Widen(line);
        const bool noun = LowerChar(wide[0]) != wide[0];
        std::wstring norm = NormalizeGerman(wide);
        if (norm.size() < kMinPart || norm.size() > kMaxCompound) continue;
        bool letters = true;
        for (wchar_t c : norm) letters = letters && IsLetter(c);
        if (letters) dict->Insert(norm, noun);
    }
    return dict;
}

void CompoundDictionary::Insert(std::wstring_view word, bool noun) {
    uint64_t h = kFnvOffset;
    for (wchar_t c : word) {
        h = HashStep(h, c);
        const uint64_t bit = Mix(h) & (kPrefixBits - 1);
        prefixes_[bit / 64] |= uint64_t{1} << (bit % 64);
    }
    const size_t mask = slots_.size() - 1;
    for (size_t at = Mix(h) & mask;; at = (at + 1) & mask) {
        Slot& slot = slots_[at];
        if (slot.length == 0) {
            slot = {h, static_cast<uint32_t>(chars_.size()), static_cast<uint16_t>(word.size()),
                    noun};
            chars_.append(word);
            ++count_;
            return;
        }
        if (slot.hash == h && std::wstring_view(chars_).substr(slot.offset, slot.length) == word) {
            slot.noun = slot.noun || noun;
            return;
        }
    }
}

const CompoundDictionary::Slot* CompoundDictionary::Find(uint64_t hash,
                                                         std::wstring_view word) const {
    const size_t mask = slots_.size() - 1;
    for (size_t at = Mix(hash) & mask;; at = (at + 1) & mask) {
        const Slot& slot = slots_[at];
        if (slot.length == 0) return nullptr;
        if (slot.hash == hash && slot.length == word.size() &&
            std::wstring_view(chars_).substr(slot.offset, slot.length) == word) {
            return &slot;
        }
    }
}

bool CompoundDictionary::MayBePrefix(uint64_t hash) const {
    const uint64_t bit = Mix(hash) & (kPrefixBits - 1);
    return (prefixes_[bit / 64] >> (bit % 64)) & 1;
}

// Searches from the left: only positions where a dictionary word ends are explored further,
// and a candidate stops growing once no dictionary word begins with it, so that a word costs
// a few dozen probes instead of one per substring.
void CompoundDictionary::Solve(std::wstring_view word, size_t from, std::vector<Best>& memo) const {
    if (memo[from].parts != 255) return;
    Best best;
    const size_t n = word.size();
    uint64_t h = kFnvOffset;
    for (size_t j = from; j < n; ++j) {
        h = HashStep(h, word[j]);
        if (!MayBePrefix(h)) break;
        const size_t end = j + 1;
        if (end - from < kMinPart) continue;
        const Slot* slot = Find(h, word.substr(from, end - from));
        if (slot == nullptr) continue;
        if (end == n) {
            // The whole word is no split of itself, even when the dictionary lists it.
            if (from > 0 && slot->noun) best = Best{1, 0, static_cast<uint8_t>(n), 0};
            continue;
        }
        for (size_t link : {size_t{0}, size_t{1}, size_t{2}}) {
            if (link == 1 && word[end] != L's') continue;
            if (link == 2 && word.substr(end, 2) != L"es") continue;
            const size_t rest = end + link;
            if (rest + kMinPart > n) continue;
            Solve(word, rest, memo);
            const Best tail = memo[rest];
            if (tail.parts == 0 || tail.parts + 1u > kMaxParts) continue;
            const auto parts = static_cast<uint8_t>(tail.parts + 1);
            const auto links = static_cast<uint8_t>(tail.links + (link > 0 ? 1 : 0));
            if (best.parts == 0 || parts < best.parts ||
                (parts == best.parts && links < best.links)) {
                best = Best{parts, links, static_cast<uint8_t>(end), static_cast<uint8_t>(link)};
            }
        }
    }
    memo[from] = best;
}

std::vector<std::wstring> CompoundDictionary::Split(std::wstring_view word) const {
    const size_t n = word.size();
    if (n < kMinCompound || n > kMaxCompound) return {};
    for (wchar_t c : word) {
        if (!IsLetter(c)) return {};
    }
    std::vector<Best> memo(n + 1, Best{255, 0, 0, 0});
    Solve(word, 0, memo);
    if (memo[0].parts < 2) return {};
    std::vector<std::wstring> parts;
    for (size_t i = 0; i < n; i = memo[i].next + memo[i].skip) {
        parts.emplace_back(word.substr(i, memo[i].next - i));
    }
    return parts;
}

Lucene::AnalyzerPtr NewGermanAnalyzer(AnalysisMode mode,
                                      std::shared_ptr<const CompoundDictionary> dictionary) {
    DictionaryLoader loader;
    if (dictionary) loader = [dictionary] { return dictionary; };
    return Lucene::newLucene<Analyzer>(mode, std::move(loader));
}

Lucene::AnalyzerPtr NewGermanAnalyzer(AnalysisMode mode, DictionaryLoader loader) {
    return Lucene::newLucene<Analyzer>(mode, std::move(loader));
}

std::vector<AnalyzedTerm> AnalyzeText(const Lucene::AnalyzerPtr& analyzer,
                                      const std::wstring& text) {
    std::vector<AnalyzedTerm> out;
    try {
        Lucene::TokenStreamPtr stream =
            analyzer->reusableTokenStream(L"", Lucene::newLucene<Lucene::StringReader>(text));
        auto term = stream->addAttribute<Lucene::TermAttribute>();
        auto offset = stream->addAttribute<Lucene::OffsetAttribute>();
        auto increment = stream->addAttribute<Lucene::PositionIncrementAttribute>();
        stream->reset();
        int32_t position = -1;
        while (stream->incrementToken()) {
            position += increment->getPositionIncrement();
            out.push_back({term->term(), offset->startOffset(), offset->endOffset(), position});
        }
        stream->end();
        stream->close();
    } catch (const Lucene::LuceneException&) {
        // An analyzer over a string reader fails only on a bug; what was found is returned.
    }
    return out;
}

std::wstring Widen(std::string_view utf8) {
    std::wstring out;
    out.reserve(utf8.size());
    for (size_t i = 0; i < utf8.size();) {
        const auto c = static_cast<unsigned char>(utf8[i]);
        size_t len = c < 0x80 ? 1 : (c >> 5) == 6 ? 2 : (c >> 4) == 14 ? 3 : (c >> 3) == 30 ? 4 : 0;
        if (len == 0 || i + len > utf8.size()) {
            out.push_back(0xFFFD);
            ++i;
            continue;
        }
        char32_t cp = len == 1 ? c : len == 2 ? (c & 0x1F) : len == 3 ? (c & 0x0F) : (c & 0x07);
        bool ok = true;
        for (size_t k = 1; k < len; ++k) {
            const auto cc = static_cast<unsigned char>(utf8[i + k]);
            ok = ok && (cc & 0xC0) == 0x80;
            cp = (cp << 6) | (cc & 0x3F);
        }
        out.push_back(ok ? static_cast<wchar_t>(cp) : wchar_t{0xFFFD});
        i += ok ? len : 1;
    }
    return out;
}

std::string Narrow(std::wstring_view wide) {
    std::string out;
    out.reserve(wide.size());
    for (wchar_t c : wide) {
        auto cp = static_cast<char32_t>(c);
        if (cp > 0x10FFFF || (cp >= 0xD800 && cp <= 0xDFFF)) cp = 0xFFFD;
        AppendUtf8(cp, &out);
    }
    return out;
}

wchar_t FoldLetter(wchar_t c) {
    if (c >= L'A' && c <= L'Z') return static_cast<wchar_t>(c + 32);
    if (c < 0xC0 || c > 0xFF) return c;
    if (c <= 0xDE && c != 0xD7) c = static_cast<wchar_t>(c + 32);  // Latin-1 capitals
    switch (c) {
        case L'ä':
        case L'à':
        case L'á':
        case L'â':
        case L'ã':
        case L'å':
            return L'a';
        case L'ö':
        case L'ò':
        case L'ó':
        case L'ô':
        case L'õ':
        case L'ø':
            return L'o';
        case L'ü':
        case L'ù':
        case L'ú':
        case L'û':
            return L'u';
        case L'é':
        case L'è':
        case L'ê':
        case L'ë':
            return L'e';
        case L'í':
        case L'ì':
        case L'î':
        case L'ï':
            return L'i';
        case L'ç':
            return L'c';
        case L'ñ':
            return L'n';
        default:
            return c;
    }
}

}  // namespace aktenwerk::indexing
