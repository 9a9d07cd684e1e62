// The German analysis: spelling variants meet in one term, compounds are split against the
// wngerman dictionary, and queries are analysed without splitting.
#include "indexing/german_analyzer.h"

#include <algorithm>

#include <gtest/gtest.h>

#include "tests/support/status_testing.h"

namespace aktenwerk::indexing {
namespace {

class GermanAnalyzerTest : public ::testing::Test {
  protected:
    static void SetUpTestSuite() {
        auto dict = CompoundDictionary::Load(std::string(kDefaultDictionaryPath));
        ASSERT_TRUE(dict.ok()) << dict.status().ToString();
        dictionary_ = *dict;
    }

    std::vector<std::string> Terms(const std::string& text, AnalysisMode mode) {
        std::vector<std::string> out;
        for (const auto& t : AnalyzeText(NewGermanAnalyzer(mode, dictionary_), Widen(text))) {
            out.push_back(Narrow(t.term));
        }
        return out;
    }
    std::vector<std::string> IndexTerms(const std::string& text) {
        return Terms(text, AnalysisMode::kIndex);
    }
    std::string QueryTerm(const std::string& word) {
        auto terms = Terms(word, AnalysisMode::kQuery);
        return terms.size() == 1 ? terms[0] : "<" + std::to_string(terms.size()) + " terms>";
    }
    bool Contains(const std::vector<std::string>& terms, const std::string& term) {
        return std::find(terms.begin(), terms.end(), term) != terms.end();
    }

    static std::shared_ptr<const CompoundDictionary> dictionary_;
};

std::shared_ptr<const CompoundDictionary> GermanAnalyzerTest::dictionary_;

TEST_F(GermanAnalyzerTest, UmlautSpellingsMeetInOneTerm) {
    const std::string term = QueryTerm("Gebühr");
    EXPECT_EQ(QueryTerm("Gebuehr"), term);
    EXPECT_EQ(QueryTerm("gebuhr"), term);
    EXPECT_EQ(QueryTerm("GEBÜHR"), term);
    EXPECT_EQ(QueryTerm("Gebühren"), term);
}

TEST_F(GermanAnalyzerTest, SharpSAndDoubleSMeet) {
    EXPECT_EQ(QueryTerm("Straße"), QueryTerm("Strasse"));
    EXPECT_EQ(QueryTerm("Maßnahme"), QueryTerm("Massnahme"));
}

TEST_F(GermanAnalyzerTest, UBetweenVowelsIsNotAnUmlaut) {
    EXPECT_EQ(NormalizeGerman(L"Feuer"), L"feuer");
    EXPECT_EQ(NormalizeGerman(L"Steuer"), L"steuer");
    EXPECT_EQ(NormalizeGerman(L"Quelle"), L"quelle");
    EXPECT_EQ(NormalizeGerman(L"Gebuehr"), L"gebühr");
}

TEST_F(GermanAnalyzerTest, InflectedFormsShareTheirStem) {
    EXPECT_EQ(QueryTerm("Anmeldungen"), QueryTerm("Anmeldung"));
    EXPECT_EQ(QueryTerm("Bescheide"), QueryTerm("Bescheid"));
}

TEST_F(GermanAnalyzerTest, CompoundsAreIndexedWithTheirParts) {
    const auto terms = IndexTerms("Gewerbeanmeldung");
    EXPECT_TRUE(Contains(terms, QueryTerm("Gewerbeanmeldung")));
    EXPECT_TRUE(Contains(terms, QueryTerm("Anmeldung")));
    EXPECT_TRUE(Contains(terms, QueryTerm("Gewerbe")));
}

TEST_F(GermanAnalyzerTest, LinkingSIsDroppedBetweenParts) {
    const auto parts = dictionary_->Split(NormalizeGerman(L"Ordnungsamt"));
    ASSERT_EQ(parts.size(), 2u);
    EXPECT_EQ(parts[0], L"ordnung");
    EXPECT_EQ(parts[1], L"amt");
    // Of two splits into as many parts, the one without a linking letter wins.
    EXPECT_EQ(dictionary_->Split(NormalizeGerman(L"Großbuchstaben")),
              (std::vector<std::wstring>{L"gross", L"buchstaben"}));
}

TEST_F(GermanAnalyzerTest, WordsThatAreNoCompoundStayWhole) {
    EXPECT_TRUE(dictionary_->Split(NormalizeGerman(L"Verwaltung")).empty());
    EXPECT_TRUE(dictionary_->Split(NormalizeGerman(L"Gebühr")).empty());
    EXPECT_EQ(IndexTerms("Verwaltung").size(), 1u);
}

TEST_F(GermanAnalyzerTest, QueriesAreNotSplit) {
    EXPECT_EQ(Terms("Gewerbeanmeldung", AnalysisMode::kQuery).size(), 1u);
}

TEST_F(GermanAnalyzerTest, StopWordsAreDropped) {
    EXPECT_TRUE(IndexTerms("der die das und").empty());
    EXPECT_EQ(IndexTerms("die Gebühr").size(), 1u);
}

TEST_F(GermanAnalyzerTest, CompoundPartsShareThePositionOfTheCompound) {
    auto terms = AnalyzeText(NewGermanAnalyzer(AnalysisMode::kIndex, dictionary_),
                             L"Antrag Gewerbeanmeldung heute");
    ASSERT_GE(terms.size(), 4u);
    EXPECT_EQ(terms.front().position, 0);
    EXPECT_EQ(terms.back().position, 2);  // "heute" follows the compound directly
}

TEST_F(GermanAnalyzerTest, FileNamesAreIndexedWithTheirWords) {
    const auto terms = IndexTerms("Bauplan.pdf");
    EXPECT_TRUE(Contains(terms, QueryTerm("Bauplan"))) << terms.size();
    EXPECT_TRUE(Contains(terms, QueryTerm("Bauplan.pdf")));
}

TEST_F(GermanAnalyzerTest, MissingDictionaryIsNotFound) {
    auto dict = CompoundDictionary::Load("/nonexistent/ngerman");
    EXPECT_EQ(dict.status().code(), StatusCode::kNotFound);
}

}  // namespace
}  // namespace aktenwerk::indexing
