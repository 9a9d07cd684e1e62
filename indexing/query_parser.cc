// Recursive descent over the search language: OR binds weaker than AND, AND is implicit
// between terms, NOT and '-' negate, '+' is accepted and means what AND means anyway.
#include "indexing/query_parser.h"

#include <cwctype>

#include <lucene++/FuzzyQuery.h>
#include <lucene++/MatchAllDocsQuery.h>
#include <lucene++/PhraseQuery.h>
#include <lucene++/PrefixQuery.h>

#include "indexing/charset.h"
#include "indexing/german_analyzer.h"

namespace aktenwerk::indexing::detail {
namespace {

using Lucene::BooleanClause;
using Lucene::newLucene;

Status Invalid(const std::string& message) {
    return InvalidArgumentError("search query: " + message, "invalid-query");
}
Status TooExpensive(const std::string& message) {
    return InvalidArgumentError("search query: " + message, "query-too-expensive");
}

enum class TokenKind { kWord, kPhrase, kOpen, kClose, kAnd, kOr, kNot, kMinus, kPlus, kEnd };

struct Token {
    TokenKind kind = TokenKind::kEnd;
    std::wstring text;   // word or phrase text (a word may end in * or ~n)
    std::wstring field;  // "betreff" for betreff:word; empty for the default fields
    size_t offset = 0;   // character position, for error messages
};

bool IsSpace(wchar_t c) { return c == L' ' || c == L'\t' || c == L'\n' || c == L'\r' || c == 0xA0; }

bool IsKnownField(const std::wstring& name) {
    return name == kFieldInhalt || name == kFieldBetreff || name == kFieldDateiname ||
           name == kFieldAbsender || name == kFieldAktenzeichen;
}

Result<std::vector<Token>> Lex(const std::wstring& text) {
    std::vector<Token> tokens;
    size_t i = 0;
    while (i < text.size()) {
        const wchar_t c = text[i];
        if (IsSpace(c)) {
            ++i;
            continue;
        }
        Token t;
        t.offset = i;
        if (c == L'(' || c == L')') {
            t.kind = c == L'(' ? TokenKind::kOpen : TokenKind::kClose;
            ++i;
        } else if (c == L'"' || c == 0x201E || c == 0x201C) {  // " „ “
            size_t end = text.find_first_of(L"\"\u201C\u201D", i + 1);
            if (end == std::wstring::npos) {
                return Invalid("the quotation mark at position " + std::to_string(i + 1) +
                               " is not closed");
            }
            t.kind = TokenKind::kPhrase;
            t.text = text.substr(i + 1, end - i - 1);
            i = end + 1;
        } else if ((c == L'-' || c == L'+' || c == L'!') && i + 1 < text.size() &&
                   !IsSpace(text[i + 1])) {
            t.kind = c == L'+' ? TokenKind::kPlus : TokenKind::kMinus;
            ++i;
        } else {
            size_t end = i;
            while (end < text.size() && !IsSpace(text[end]) && text[end] != L'(' &&
                   text[end] != L')' && text[end] != L'"') {
                ++end;
            }
            std::wstring word = text.substr(i, end - i);
            i = end;
            if (word == L"AND" || word == L"UND" || word == L"&&") {
                t.kind = TokenKind::kAnd;
            } else if (word == L"OR" || word == L"ODER" || word == L"||") {
                t.kind = TokenKind::kOr;
            } else if (word == L"NOT" || word == L"NICHT") {
                t.kind = TokenKind::kNot;
            } else {
                t.kind = TokenKind::kWord;
                size_t colon = word.find(L':');
                if (colon != std::wstring::npos && colon > 0) {
                    std::wstring name = word.substr(0, colon);
                    for (auto& ch : name) ch = static_cast<wchar_t>(std::towlower(ch));
                    if (IsKnownField(name)) {
                        t.field = name;
                        word = word.substr(colon + 1);
                        if (word.empty() && i < text.size() && text[i] == L'"') {
                            size_t close = text.find(L'"', i + 1);
                            if (close == std::wstring::npos) {
                                return Invalid("the quotation mark at position " +
                                               std::to_string(i + 1) + " is not closed");
                            }
                            t.kind = TokenKind::kPhrase;
                            word = text.substr(i + 1, close - i - 1);
                            i = close + 1;
                        } else if (word.empty()) {
                            return Invalid("the field " + Narrow(name) + ": has no value");
                        }
                    }
                }
                t.text = word;
            }
        }
        tokens.push_back(std::move(t));
    }
    tokens.push_back(Token{TokenKind::kEnd, {}, {}, text.size()});
    return tokens;
}

// A parsed operand: its query and whether it is negated (a NOT operand is only meaningful
// next to positive ones, so the enclosing list decides how to place it).
struct Node {
    Lucene::QueryPtr query;
    bool negated = false;
};

class Parser {
  public:
    Parser(std::vector<Token> tokens, const Lucene::AnalyzerPtr& analyzer,
           const QueryLimits& limits, ParsedQuery* out)
        : tokens_(std::move(tokens)), analyzer_(analyzer), limits_(limits), out_(out) {}

    Result<Lucene::QueryPtr> Parse() {
        AKTENWERK_ASSIGN_OR_RETURN(auto node, Or(0));
        if (Peek().kind == TokenKind::kClose) {
            return Invalid("the closing parenthesis at position " +
                           std::to_string(Peek().offset + 1) + " has no opening one");
        }
        if (Peek().kind != TokenKind::kEnd) return Invalid("unexpected input");
        if (!node.query) return Lucene::QueryPtr();
        return Positive(node);
    }

  private:
    const Token& Peek() const { return tokens_[pos_]; }
    const Token& Next() { return tokens_[pos_++]; }

    // A negated node as a query of its own: everything except it.
    static Lucene::QueryPtr Positive(const Node& node) {
        if (!node.negated) return node.query;
        auto q = newLucene<Lucene::BooleanQuery>();
        q->add(newLucene<Lucene::MatchAllDocsQuery>(), BooleanClause::MUST);
        q->add(node.query, BooleanClause::MUST_NOT);
        return q;
    }

    Result<Node> Or(size_t depth) {
        std::vector<Node> parts;
        AKTENWERK_ASSIGN_OR_RETURN(auto first, And(depth));
        parts.push_back(first);
        while (Peek().kind == TokenKind::kOr) {
            Next();
            if (Peek().kind == TokenKind::kEnd || Peek().kind == TokenKind::kClose ||
                Peek().kind == TokenKind::kOr) {
                return Invalid("OR at the end has nothing to join");
            }
            AKTENWERK_ASSIGN_OR_RETURN(auto next, And(depth));
            parts.push_back(next);
        }
        if (parts.size() == 1) return parts[0];
        auto q = newLucene<Lucene::BooleanQuery>();
        bool any = false;
        for (const auto& p : parts) {
            if (!p.query) continue;
            q->add(Positive(p), BooleanClause::SHOULD);
            any = true;
        }
        return any ? Node{q, false} : Node{};
    }

    Result<Node> And(size_t depth) {
        std::vector<Node> parts;
        while (true) {
            const TokenKind k = Peek().kind;
            if (k == TokenKind::kEnd || k == TokenKind::kClose || k == TokenKind::kOr) break;
            if (k == TokenKind::kAnd) {
                Next();
                if (parts.empty()) return Invalid("AND at the start has nothing to join");
                const TokenKind after = Peek().kind;
                if (after == TokenKind::kEnd || after == TokenKind::kClose ||
                    after == TokenKind::kOr || after == TokenKind::kAnd) {
                    return Invalid("AND at the end has nothing to join");
                }
                continue;
            }
            AKTENWERK_ASSIGN_OR_RETURN(auto node, Unary(depth));
            parts.push_back(node);
        }
        if (parts.empty()) {
            if (Peek().kind == TokenKind::kOr)
                return Invalid("OR at the start has nothing to join");
            return Node{};
        }
        std::vector<Node> kept;
        for (auto& p : parts) {
            if (p.query) kept.push_back(p);
        }
        if (kept.empty()) return Node{};
        if (kept.size() == 1) return kept[0];
        auto q = newLucene<Lucene::BooleanQuery>();
        bool positive = false;
        for (const auto& p : kept) {
            q->add(p.query, p.negated ? BooleanClause::MUST_NOT : BooleanClause::MUST);
            positive = positive || !p.negated;
        }
        if (!positive) q->add(newLucene<Lucene::MatchAllDocsQuery>(), BooleanClause::MUST);
        return Node{q, false};
    }

    Result<Node> Unary(size_t depth) {
        const Token& t = Peek();
        if (t.kind == TokenKind::kNot || t.kind == TokenKind::kMinus) {
            Next();
            const TokenKind k = Peek().kind;
            if (k == TokenKind::kEnd || k == TokenKind::kClose || k == TokenKind::kOr ||
                k == TokenKind::kAnd) {
                return Invalid("NOT needs something to exclude");
            }
            AKTENWERK_ASSIGN_OR_RETURN(auto inner, Unary(depth));
            if (!inner.query) return Node{};
            return Node{Positive(inner), true};
        }
        if (t.kind == TokenKind::kPlus) {
            Next();
            return Unary(depth);
        }
        return Primary(depth);
    }

    Result<Node> Primary(size_t depth) {
        const Token t = Next();
        switch (t.kind) {
            case TokenKind::kOpen: {
                if (depth + 1 > limits_.max_depth) {
                    return TooExpensive("parentheses nested deeper than " +
                                        std::to_string(limits_.max_depth) + " levels");
                }
                AKTENWERK_ASSIGN_OR_RETURN(auto inner, Or(depth + 1));
                if (Next().kind != TokenKind::kClose) {
                    return Invalid("the parenthesis at position " + std::to_string(t.offset + 1) +
                                   " is not closed");
                }
                return inner;
            }
            case TokenKind::kWord:
                return Word(t);
            case TokenKind::kPhrase:
                return Phrase(t);
            default:
                return Invalid("unexpected operator at position " + std::to_string(t.offset + 1));
        }
    }

    Status CountTerm() {
        if (++terms_ > limits_.max_terms) {
            return TooExpensive("more than " + std::to_string(limits_.max_terms) + " search terms");
        }
        return Status::Ok();
    }

    std::vector<std::wstring> Fields(const std::wstring& field) const {
        if (!field.empty()) return {field};
        return {kFieldInhalt, kFieldBetreff, kFieldDateiname, kFieldAbsender};
    }

    static float Boost(const std::wstring& field) { return field == kFieldBetreff ? 2.0f : 1.0f; }

    // One query per field, joined by OR.
    template <typename MakeFn>
    Lucene::QueryPtr AcrossFields(const std::vector<std::wstring>& fields, MakeFn make) {
        if (fields.size() == 1) return make(fields[0]);
        auto q = newLucene<Lucene::BooleanQuery>();
        for (const auto& f : fields) {
            Lucene::QueryPtr part = make(f);
            part->setBoost(Boost(f));
            q->add(part, BooleanClause::SHOULD);
        }
        return q;
    }

    void Highlight(const std::wstring& stem, bool word_start) {
        out_->highlight.push_back({stem, word_start || stem.size() < 4});
    }

    // Aktenzeichen look like "32.10.01-0042/2026": digits with dots, dashes or slashes.
    static bool LooksLikeAktenzeichen(const std::wstring& w) {
        bool digit = false, punct = false;
        for (wchar_t c : w) {
            digit = digit || (c >= L'0' && c <= L'9');
            punct = punct || c == L'.' || c == L'-' || c == L'/';
        }
        return digit && punct;
    }

    Result<Node> Aktenzeichen(const std::wstring& value) {
        AKTENWERK_RETURN_IF_ERROR(CountTerm());
        if (!value.empty() && value.back() == L'*') {
            std::wstring prefix = value.substr(0, value.size() - 1);
            if (prefix.size() < limits_.min_prefix) {
                return TooExpensive("an Aktenzeichen prefix needs at least " +
                                    std::to_string(limits_.min_prefix) + " characters");
            }
            out_->prefixes.push_back({kFieldAktenzeichen, prefix});
            return Node{
                newLucene<Lucene::PrefixQuery>(newLucene<Lucene::Term>(kFieldAktenzeichen, prefix)),
                false};
        }
        return Node{
            newLucene<Lucene::TermQuery>(newLucene<Lucene::Term>(kFieldAktenzeichen, value)),
            false};
    }

    Result<Node> Word(const Token& t) {
        std::wstring word = t.text;
        if (t.field == kFieldAktenzeichen) return Aktenzeichen(word);
        int fuzzy = 0;
        if (size_t tilde = word.rfind(L'~'); tilde != std::wstring::npos && tilde > 0) {
            std::wstring edits = word.substr(tilde + 1);
            if (edits.empty()) {
                fuzzy = -1;  // chosen by length below
            } else if (edits == L"1" || edits == L"2") {
                fuzzy = edits[0] - L'0';
            } else {
                return Invalid("a fuzzy term takes ~, ~1 or ~2");
            }
            word.resize(tilde);
        }
        bool prefix = false;
        if (!word.empty() && word.back() == L'*') {
            prefix = true;
            word.pop_back();
        }
        if (word.find_first_of(L"*?~") != std::wstring::npos) {
            return Invalid("wildcards are allowed only at the end of a word (" + Narrow(t.text) +
                           ")");
        }
        if (prefix && fuzzy != 0) return Invalid("a term cannot be both a prefix and fuzzy");
        if (word.empty()) return Invalid("a wildcard needs a word before it");

        Lucene::QueryPtr akz;
        if (t.field.empty() && LooksLikeAktenzeichen(word)) {
            AKTENWERK_ASSIGN_OR_RETURN(auto node, Aktenzeichen(prefix ? word + L"*" : word));
            akz = node.query;
        }
        Result<Node> text = prefix       ? Prefix(word, t.field)
                            : fuzzy != 0 ? Fuzzy(word, t.field, fuzzy)
                                         : Terms(word, t.field);
        if (!text.ok()) return text;
        if (!akz) return text;
        if (!text->query) return Node{akz, false};
        auto either = newLucene<Lucene::BooleanQuery>();
        either->add(akz, BooleanClause::SHOULD);
        either->add(text->query, BooleanClause::SHOULD);
        return Node{either, false};
    }

    std::vector<AnalyzedTerm> Analyze(const std::wstring& text) {
        return AnalyzeText(analyzer_, text);
    }

    // Words of one token or phrase: a term, or a phrase of the analysed terms.
    Result<Node> Terms(const std::wstring& text, const std::wstring& field) {
        auto terms = Analyze(text);
        if (terms.empty()) return Node{};  // only stop words
        AKTENWERK_RETURN_IF_ERROR(CountTerm());
        for (const auto& term : terms) Highlight(term.term, false);
        if (terms.size() == 1) {
            const std::wstring stem = terms[0].term;
            return Node{AcrossFields(Fields(field),
                                     [&](const std::wstring& f) -> Lucene::QueryPtr {
                                         return newLucene<Lucene::TermQuery>(
                                             newLucene<Lucene::Term>(f, stem));
                                     }),
                        false};
        }
        return Node{AcrossFields(Fields(field),
                                 [&](const std::wstring& f) -> Lucene::QueryPtr {
                                     auto phrase = newLucene<Lucene::PhraseQuery>();
                                     for (const auto& term : terms) {
                                         phrase->add(newLucene<Lucene::Term>(f, term.term),
                                                     term.position);
                                     }
                                     return phrase;
                                 }),
                    false};
    }

    Result<Node> Phrase(const Token& t) {
        if (t.field == kFieldAktenzeichen) return Aktenzeichen(t.text);
        auto node = Terms(t.text, t.field);
        if (node.ok() && !node->query && !t.text.empty()) return Node{};
        return node;
    }

    // word*: the folded prefix against the indexed terms, and the word's own stem (the stem
    // of "Anmeldung" is "anmeld", which the prefix "anmeldung" would miss).
    Result<Node> Prefix(const std::wstring& word, const std::wstring& field) {
        AKTENWERK_RETURN_IF_ERROR(CountTerm());
        const std::wstring folded = FoldWord(word);
        if (folded.size() < limits_.min_prefix) {
            return TooExpensive("a prefix needs at least " + std::to_string(limits_.min_prefix) +
                                " letters before the *");
        }
        auto stems = Analyze(word);
        Highlight(folded, true);
        for (const auto& f : Fields(field)) out_->prefixes.push_back({f, folded});
        return Node{AcrossFields(Fields(field),
                                 [&](const std::wstring& f) -> Lucene::QueryPtr {
                                     auto q = newLucene<Lucene::BooleanQuery>();
                                     q->add(newLucene<Lucene::PrefixQuery>(
                                                newLucene<Lucene::Term>(f, folded)),
                                            BooleanClause::SHOULD);
                                     if (stems.size() == 1 && stems[0].term != folded) {
                                         q->add(newLucene<Lucene::TermQuery>(
                                                    newLucene<Lucene::Term>(f, stems[0].term)),
                                                BooleanClause::SHOULD);
                                     }
                                     return q;
                                 }),
                    false};
    }

    // word~: terms within one or two edits of the stem, sharing its first two letters (which
    // bounds the terms Lucene has to compare).
    Result<Node> Fuzzy(const std::wstring& word, const std::wstring& field, int edits) {
        AKTENWERK_RETURN_IF_ERROR(CountTerm());
        auto stems = Analyze(word);
        if (stems.size() != 1) return Invalid("a fuzzy term must be a single word");
        const std::wstring stem = stems[0].term;
        if (stem.size() < limits_.min_fuzzy) {
            return TooExpensive("a fuzzy term needs at least " + std::to_string(limits_.min_fuzzy) +
                                " letters");
        }
        if (edits < 0) edits = stem.size() >= 6 ? 2 : 1;
        const double similarity = std::max(
            0.3, 1.0 - static_cast<double>(edits) / static_cast<double>(stem.size()) - 1e-6);
        Highlight(stem.substr(0, 3), true);
        std::vector<std::wstring> fields =
            field.empty() ? std::vector<std::wstring>{kFieldInhalt, kFieldBetreff}
                          : std::vector<std::wstring>{field};
        return Node{AcrossFields(fields,
                                 [&](const std::wstring& f) -> Lucene::QueryPtr {
                                     return newLucene<Lucene::FuzzyQuery>(
                                         newLucene<Lucene::Term>(f, stem), similarity, 2);
                                 }),
                    false};
    }

    std::vector<Token> tokens_;
    size_t pos_ = 0;
    size_t terms_ = 0;
    const Lucene::AnalyzerPtr& analyzer_;
    const QueryLimits& limits_;
    ParsedQuery* out_;
};

}  // namespace

std::wstring FoldWord(std::wstring_view word) {
    std::wstring out = NormalizeGerman(word);
    for (auto& c : out) c = FoldLetter(c);
    return out;
}

Result<ParsedQuery> ParseQuery(std::string_view text, const Lucene::AnalyzerPtr& analyzer,
                               const QueryLimits& limits) {
    if (text.size() > limits.max_length) {
        return TooExpensive("longer than " + std::to_string(limits.max_length) + " characters");
    }
    if (!IsUtf8(text)) return Invalid("not valid UTF-8");
    ParsedQuery out;
    try {
        AKTENWERK_ASSIGN_OR_RETURN(auto tokens, Lex(Widen(text)));
        Parser parser(std::move(tokens), analyzer, limits, &out);
        AKTENWERK_ASSIGN_OR_RETURN(out.query, parser.Parse());
    } catch (const Lucene::LuceneException& e) {
        return Invalid("cannot be built: " + Narrow(e.getError()));
    }
    if (!out.query && text.find_first_not_of(" \t\r\n") != std::string_view::npos) {
        return Invalid("it holds no searchable word (only stop words or signs)");
    }
    return out;
}

}  // namespace aktenwerk::indexing::detail
