// Fuzz target: the search language. Whatever the text, ParseQuery answers a query or a refusal
// with one of its two reasons, never throws, and a query it accepts can be printed and stays
// within the term limit; FoldWord takes any text.
#include <cstdint>
#include <cstdlib>
#include <string>
#include <string_view>

#include <lucene++/LuceneHeaders.h>

#include "indexing/german_analyzer.h"
#include "indexing/query_parser.h"

namespace {

namespace indexing = aktenwerk::indexing;

// The server's query analyzer; without a dictionary, as queries are not split into compounds.
// Destroyed at exit, so that the leak check also covers its stemmer, which Lucene++'s own
// SnowballFilter would leave behind (german_analyzer.cc frees it).
const Lucene::AnalyzerPtr& Analyzer() {
    static const Lucene::AnalyzerPtr analyzer =
        indexing::NewGermanAnalyzer(indexing::AnalysisMode::kQuery, indexing::DictionaryLoader());
    return analyzer;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view text(reinterpret_cast<const char*>(data), size);
    const indexing::detail::QueryLimits limits;
    auto parsed = indexing::detail::ParseQuery(text, Analyzer(), limits);
    if (!parsed.ok()) {
        const std::string& reason = parsed.status().reason();
        if (parsed.status().code() != aktenwerk::StatusCode::kInvalidArgument ||
            (reason != "invalid-query" && reason != "query-too-expensive") ||
            parsed.status().message().empty()) {
            std::abort();
        }
    } else {
        // A prefix without field: is looked up in each of the four text fields (inhalt,
        // betreff, dateiname, absender), so the list holds up to four entries per term.
        constexpr size_t kTextFields = 4;
        if (parsed->prefixes.size() > limits.max_terms * kTextFields) std::abort();
        if (parsed->query) (void)parsed->query->toString();
    }
    (void)indexing::detail::FoldWord(indexing::Widen(text));
    return 0;
}
