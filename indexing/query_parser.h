// The parser of the search language (see SearchRequest::text). User input is parsed by us,
// never by Lucene's QueryParser, so that every syntax error becomes a clear message and no
// construct can ask for unbounded work. Internal to indexing/.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <lucene++/LuceneHeaders.h>

#include "storage/status.h"

namespace aktenwerk::indexing::detail {

// Field names in the index.
inline const wchar_t* const kFieldInhalt = L"inhalt";
inline const wchar_t* const kFieldBetreff = L"betreff";
inline const wchar_t* const kFieldDateiname = L"dateiname";
inline const wchar_t* const kFieldAbsender = L"absender";
inline const wchar_t* const kFieldAktenzeichen = L"aktenzeichen";

struct QueryLimits {
    size_t max_length = 2000;  // bytes of query text
    size_t max_terms = 64;     // words, phrases, prefixes and fuzzy terms together
    size_t max_depth = 16;     // nesting of parentheses
    size_t min_prefix = 3;     // letters before a trailing *
    size_t min_fuzzy = 4;      // letters of a fuzzy term
};

// A word the snippet marks: the folded form (lower case, umlauts and accents folded) of a
// stem or prefix, looked for inside words of the text, or only at a word's start.
struct HighlightPattern {
    std::wstring text;
    bool word_start = false;
};

// A prefix of a field, checked for its number of terms before the query runs.
struct PrefixTerm {
    std::wstring field;
    std::wstring prefix;
};

struct ParsedQuery {
    Lucene::QueryPtr query;  // null when the text is empty (match everything)
    std::vector<HighlightPattern> highlight;
    std::vector<PrefixTerm> prefixes;
};

// Parses `text` with the query `analyzer` (German, without compound splitting).
// kInvalidArgument with reason "invalid-query" (unbalanced quotes or parentheses, an
// operator without operand, a wildcard inside a word, nothing searchable) or
// "query-too-expensive" (too long, too many terms, too deep, a too short prefix or fuzzy
// term). Never throws.
Result<ParsedQuery> ParseQuery(std::string_view text, const Lucene::AnalyzerPtr& analyzer,
                               const QueryLimits& limits = {});

// Lower-cases and folds a word the way indexed terms end up without stemming: german2
// normalisation, then ä, ö, ü and other Latin accents to their base letters.
std::wstring FoldWord(std::wstring_view word);

}  // namespace aktenwerk::indexing::detail
