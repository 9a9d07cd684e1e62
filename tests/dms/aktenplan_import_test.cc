// Tests of the Aktenplan parsers: nested and flat JSON, CSV as spreadsheets write it, errors,
// and the demo plan shipped under deploy/demo in both forms.
#include "dms/aktenplan_import.h"

#include <algorithm>
#include <array>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

#include <gtest/gtest.h>

namespace aktenwerk::dms {
namespace {

// kennzeichen, titel, beschreibung, eltern_kennzeichen: comparable and printable.
using Row = std::array<std::string, 4>;

std::vector<Row> Rows(const std::vector<PlanUnit>& units) {
    std::vector<Row> rows;
    for (const auto& u : units) {
        rows.push_back({u.kennzeichen, u.titel, u.beschreibung, u.eltern_kennzeichen});
    }
    return rows;
}

std::vector<Row> ParseJson(std::string_view text) {
    auto units = ParseAktenplanJson(text);
    EXPECT_TRUE(units.ok()) << units.status().ToString();
    return units.ok() ? Rows(*units) : std::vector<Row>{};
}

std::vector<Row> ParseCsv(std::string_view text) {
    auto units = ParseAktenplanCsv(text);
    EXPECT_TRUE(units.ok()) << units.status().ToString();
    return units.ok() ? Rows(*units) : std::vector<Row>{};
}

std::string ReadDemoFile(const std::string& name) {
    std::ifstream in(std::string(AKTENWERK_SOURCE_DIR) + "/deploy/demo/" + name, std::ios::binary);
    EXPECT_TRUE(in.good()) << "cannot read deploy/demo/" << name;
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// `depth` units nested in each other, each with a child list (empty for the deepest), as the
// demo plan writes leaves.
std::string NestedJson(int depth) {
    std::string open, close;
    for (int i = 1; i <= depth; ++i) {
        open += R"({"kennzeichen": "k)" + std::to_string(i) + R"(", "einheiten": [)";
        close += "]}";
    }
    return R"({"einheiten": [)" + open + close + "]}";
}

TEST(AktenplanJson, NestedUnitsComeParentFirstWithTheirParentsKennzeichen) {
    const auto rows = ParseJson(R"({"einheiten": [
        {"kennzeichen": "1", "titel": "Personal", "einheiten": [
            {"kennzeichen": "10", "titel": "Stellen", "beschreibung": "Stellenplan",
             "einheiten": [{"kennzeichen": "10.1", "titel": "Bewertung"}]},
            {"kennzeichen": "11", "titel": "Akten"}]},
        {"kennzeichen": "2", "titel": "Finanzen"}]})");

    EXPECT_EQ(rows, (std::vector<Row>{{"1", "Personal", "", ""},
                                      {"10", "Stellen", "Stellenplan", "1"},
                                      {"10.1", "Bewertung", "", "10"},
                                      {"11", "Akten", "", "1"},
                                      {"2", "Finanzen", "", ""}}));
}

TEST(AktenplanJson, FlatListNamesParentsExplicitly) {
    const auto rows = ParseJson(R"({"einheiten": [
        {"kennzeichen": "1", "titel": "Personal"},
        {"kennzeichen": "10", "titel": "Stellen", "eltern_kennzeichen": "1"}]})");

    EXPECT_EQ(rows, (std::vector<Row>{{"1", "Personal", "", ""}, {"10", "Stellen", "", "1"}}));
}

TEST(AktenplanJson, UnknownFieldsAndNullsAreIgnored) {
    const auto rows = ParseJson(R"({"format": "aktenwerk-aktenplan", "einheiten": [
        {"kennzeichen": "1", "titel": "Personal", "beschreibung": null,
         "aufbewahrung": {"frist_jahre": 10, "aussonderungsart": "B"}}]})");

    EXPECT_EQ(rows, (std::vector<Row>{{"1", "Personal", "", ""}}));
}

TEST(AktenplanJson, NestingOfSixteenLevelsIsAcceptedAndDeeperIsRefused) {
    // Regression: the empty child list of a unit on level 16 counted as level 17, so a plan
    // of exactly 16 levels written like the demo plan was refused.
    EXPECT_EQ(ParseJson(NestedJson(16)).size(), 16u);
    EXPECT_EQ(ParseAktenplanJson(NestedJson(17)).status().code(), StatusCode::kInvalidArgument);
}

TEST(AktenplanJson, MalformedInputIsRefusedNamingWhatIsWrong) {
    struct Case {
        const char* text;
        const char* message_part;
    };
    const Case kCases[] = {
        {"{\"einheiten\": [", "not valid JSON"},
        {"{\"units\": []}", "no 'einheiten'"},
        {"{\"einheiten\": {}}", "must be a list"},
        {"{\"einheiten\": [42]}", "must be an object"},
        {"{\"einheiten\": [{\"titel\": \"ohne\"}]}", "no kennzeichen"},
        {"{\"einheiten\": [{\"kennzeichen\": 1, \"titel\": \"x\"}]}", "'kennzeichen'"},
        {"{\"einheiten\": [{\"kennzeichen\": \"7\", \"titel\": 5}]}", "unit 7: field 'titel'"},
        {"{\"einheiten\": [{\"kennzeichen\": \"7\", \"einheiten\": [{\"titel\": \"x\"}]}]}",
         "below 7"},
    };
    for (const auto& c : kCases) {
        SCOPED_TRACE(c.text);
        auto parsed = ParseAktenplanJson(c.text);
        EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
        EXPECT_NE(parsed.status().message().find(c.message_part), std::string::npos)
            << parsed.status().message();
    }
}

TEST(AktenplanCsv, ReadsSemicolonSeparatedColumnsInAnyOrder) {
    const auto rows = ParseCsv(
        "titel;kennzeichen;frist_jahre;eltern_kennzeichen;beschreibung\n"
        "Personal;1;;;Alles zum Personal\n"
        "Stellen;10;10;1;\n");

    EXPECT_EQ(rows, (std::vector<Row>{{"1", "Personal", "Alles zum Personal", ""},
                                      {"10", "Stellen", "", "1"}}));
}

TEST(AktenplanCsv, QuotedFieldsMayHoldSeparatorsQuotesAndLineBreaks) {
    const auto rows = ParseCsv(
        "kennzeichen;titel;beschreibung\n"
        "1;\"Bau; Planung\";\"Der \"\"Plan\"\"\nzweite Zeile\"\n");

    EXPECT_EQ(rows, (std::vector<Row>{{"1", "Bau; Planung", "Der \"Plan\"\nzweite Zeile", ""}}));
}

TEST(AktenplanCsv, CommaIsTheSeparatorWhenTheHeaderHasNoSemicolon) {
    const auto rows = ParseCsv("kennzeichen,titel\n1,\"Personal, Organisation\"\n");

    EXPECT_EQ(rows, (std::vector<Row>{{"1", "Personal, Organisation", "", ""}}));
}

TEST(AktenplanCsv, ByteOrderMarkCrlfAndBlankLinesAreAccepted) {
    const auto rows = ParseCsv(
        "\xEF\xBB\xBFkennzeichen;titel;eltern_kennzeichen\r\n"
        "1;Personal;\r\n"
        "\r\n"
        "10;\"Stellen\";1\r\n"
        "11;Akten;1");

    EXPECT_EQ(rows, (std::vector<Row>{{"1", "Personal", "", ""},
                                      {"10", "Stellen", "", "1"},
                                      {"11", "Akten", "", "1"}}));
}

TEST(AktenplanCsv, HeaderOnlyGivesAnEmptyPlan) {
    EXPECT_TRUE(ParseCsv("kennzeichen;titel\n").empty());
}

TEST(AktenplanCsv, MalformedInputIsRefusedNamingTheLine) {
    struct Case {
        const char* text;
        const char* message_part;
    };
    const Case kCases[] = {
        {"", "kennzeichen and titel"},
        {"kennzeichen;beschreibung\n1;x\n", "kennzeichen and titel"},
        {"kennzeichen;titel\n1;ok\n2;\"offen\n", "CSV line 3"},
        {"kennzeichen;titel\n1;ok\n;ohne Kennzeichen\n", "CSV line 3"},
    };
    for (const auto& c : kCases) {
        SCOPED_TRACE(c.text);
        auto parsed = ParseAktenplanCsv(c.text);
        EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
        EXPECT_NE(parsed.status().message().find(c.message_part), std::string::npos)
            << parsed.status().message();
    }
}

TEST(AktenplanCsv, ErrorNamesThePhysicalLineAfterQuotedLineBreaks) {
    // Regression: records were counted instead of lines, so an error after a quoted field
    // with a line break named the line before the one that is wrong.
    auto parsed = ParseAktenplanCsv(
        "kennzeichen;titel;beschreibung\n"
        "1;Personal;\"erste Zeile\nzweite Zeile\"\n"
        ";ohne Kennzeichen;\n");

    EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(parsed.status().message().find("CSV line 4"), std::string::npos)
        << parsed.status().message();
}

TEST(AktenplanDemo, JsonAndCsvFormsOfTheDemoPlanGiveTheSameUnits) {
    auto from_json = ParseJson(ReadDemoFile("aktenplan.json"));
    auto from_csv = ParseCsv(ReadDemoFile("aktenplan.csv"));

    ASSERT_FALSE(from_json.empty());
    std::sort(from_json.begin(), from_json.end());
    std::sort(from_csv.begin(), from_csv.end());
    EXPECT_EQ(from_json, from_csv);
}

TEST(AktenplanDemo, DemoPlanListsEveryParentBeforeItsChildren) {
    for (const char* name : {"aktenplan.json", "aktenplan.csv"}) {
        SCOPED_TRACE(name);
        const std::string text = ReadDemoFile(name);
        const auto rows =
            std::string_view(name).ends_with(".json") ? ParseJson(text) : ParseCsv(text);
        std::vector<std::string> seen;
        for (const auto& row : rows) {
            if (!row[3].empty()) {
                EXPECT_NE(std::find(seen.begin(), seen.end(), row[3]), seen.end()) << row[0];
            }
            EXPECT_EQ(std::find(seen.begin(), seen.end(), row[0]), seen.end())
                << "duplicate " << row[0];
            seen.push_back(row[0]);
        }
    }
}

}  // namespace
}  // namespace aktenwerk::dms
