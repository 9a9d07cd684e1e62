// The search language: what it accepts, what it refuses and why, and that no input makes it
// crash or throw.
#include "indexing/query_parser.h"

#include <gtest/gtest.h>

#include "indexing/german_analyzer.h"

namespace aktenwerk::indexing::detail {
namespace {

class QueryParserTest : public ::testing::Test {
  protected:
    Result<ParsedQuery> Parse(const std::string& text) { return ParseQuery(text, analyzer_); }
    std::string Reason(const std::string& text) {
        auto parsed = Parse(text);
        return parsed.ok() ? "ok" : parsed.status().reason();
    }
    std::string Lucene(const std::string& text) {
        auto parsed = Parse(text);
        if (!parsed.ok()) return parsed.status().ToString();
        return parsed->query ? Narrow(parsed->query->toString()) : "<all>";
    }

    Lucene::AnalyzerPtr analyzer_ = NewGermanAnalyzer(AnalysisMode::kQuery, DictionaryLoader());
};

TEST_F(QueryParserTest, AcceptsTheDocumentedSyntax) {
    for (const char* q :
         {"Gebühr", "Gebühr Bescheid", "\"Antrag auf Gewerbeanmeldung\"", "Gebühr AND Bescheid",
          "Gebühr OR Bescheid", "Gebühr NOT Mahnung", "-Mahnung Gebühr", "+Gebühr",
          "(Gebühr OR Beitrag) Bescheid", "Gewerbe*", "Gebuhr~", "Gebuhr~1", "betreff:Antrag",
          "aktenzeichen:32.10.01-0042/2026", "aktenzeichen:32.10*", "betreff:\"Antrag auf\"",
          "Gebühr UND Bescheid ODER Mahnung", "32.10.01-0042/2026", ""}) {
        SCOPED_TRACE(q);
        EXPECT_EQ(Reason(q), "ok");
    }
}

TEST_F(QueryParserTest, WordsAreRequiredAndSearchedInEveryTextField) {
    const std::string q = Lucene("Gebühr Bescheid");
    EXPECT_NE(q.find("+(inhalt:gebuhr"), std::string::npos) << q;
    EXPECT_NE(q.find("betreff:gebuhr^2"), std::string::npos) << q;
    EXPECT_NE(q.find("+(inhalt:bescheid"), std::string::npos) << q;
}

TEST_F(QueryParserTest, NegationAloneExcludesFromEverything) {
    EXPECT_EQ(Lucene("NOT Mahnung").find("+*:* -("), 0u) << Lucene("NOT Mahnung");
}

TEST_F(QueryParserTest, AktenzeichenAreMatchedExactly) {
    EXPECT_NE(Lucene("32.10.01-0042/2026").find("aktenzeichen:32.10.01-0042/2026"),
              std::string::npos);
    EXPECT_EQ(Lucene("aktenzeichen:32.10*"), "aktenzeichen:32.10*");
}

TEST_F(QueryParserTest, SyntaxErrorsSayWhatIsWrong) {
    for (const char* q :
         {"\"offen", "(Gebühr", "Gebühr)", "AND Gebühr", "Gebühr AND", "Gebühr OR", "OR", "NOT",
          "-", "Ge*bühr", "*", "Gebühr~5", "betreff:", "der die das"}) {
        SCOPED_TRACE(q);
        auto parsed = Parse(q);
        ASSERT_FALSE(parsed.ok());
        EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
        EXPECT_EQ(parsed.status().reason(), "invalid-query") << parsed.status().ToString();
        EXPECT_FALSE(parsed.status().message().empty());
    }
}

TEST_F(QueryParserTest, ExpensiveQueriesAreRefused) {
    std::string many;
    for (int i = 0; i < 70; ++i) many += "wort" + std::to_string(i) + " ";
    std::string deep(20, '(');
    deep += "Gebühr" + std::string(20, ')');
    for (const std::string& q :
         {std::string("ab*"), std::string("Geb~"), many, deep, std::string(3000, 'a')}) {
        SCOPED_TRACE(q.substr(0, 40));
        EXPECT_EQ(Reason(q), "query-too-expensive");
    }
}

TEST_F(QueryParserTest, HostileInputNeverThrows) {
    const std::string junk[] = {
        std::string("\0\0\0", 3),
        "\xFF\xFE\xFD",
        "((((((((",
        "))))",
        "\"\"\"\"\"",
        "~~~~",
        "::::",
        "aktenzeichen:",
        "a:b:c",
        "\xE2\x80\x9E"
        "offen",
        "NOT NOT NOT x",
        "- - -",
        "x OR OR y",
        "x AND AND y",
        "\\\\\\",
        "*:*",
        "inhalt:*",
        "%00%0a",
        "<script>alert(1)</script>",
        "' OR 1=1 --",
        std::string(1999, '('),
    };
    for (const auto& q : junk) {
        SCOPED_TRACE(q.substr(0, 30));
        auto parsed = Parse(q);
        if (!parsed.ok()) {
            EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
        }
    }
}

TEST_F(QueryParserTest, PrefixesAreCollectedForTheCostCheck) {
    auto parsed = Parse("Gewerbe*");
    ASSERT_TRUE(parsed.ok());
    ASSERT_FALSE(parsed->prefixes.empty());
    EXPECT_EQ(parsed->prefixes[0].prefix, L"gewerbe");
}

TEST_F(QueryParserTest, FoldingMatchesIndexedSpelling) {
    EXPECT_EQ(FoldWord(L"Gebühr"), L"gebuhr");
    EXPECT_EQ(FoldWord(L"Gebuehr"), L"gebuhr");
    EXPECT_EQ(FoldWord(L"Straße"), L"strasse");
    EXPECT_EQ(FoldWord(L"Café"), L"cafe");
}

}  // namespace
}  // namespace aktenwerk::indexing::detail
