// Table tests of the due-date rule of DESIGN.md: the period starts when the calendar year of
// the zdA ends, so every day of a year gives the same due date; unlimited is never due.
#include "retention/due_date.h"

#include <gtest/gtest.h>

namespace aktenwerk::retention {
namespace {

using dms::CivilDate;

struct Row {
    const char* name;
    CivilDate zda;
    std::optional<uint16_t> jahre;
    std::optional<CivilDate> faellig_ab;
    std::optional<CivilDate> ende;
};

TEST(DueDate, DueOnFirstJanuaryAfterThePeriodThatStartsWhenTheZdaYearEnds) {
    const Row rows[] = {
        {"zdA on 1 January", {2015, 1, 1}, 10, CivilDate{2026, 1, 1}, CivilDate{2025, 12, 31}},
        {"zdA on 31 December", {2015, 12, 31}, 10, CivilDate{2026, 1, 1}, CivilDate{2025, 12, 31}},
        {"zdA in mid-year", {2015, 7, 14}, 10, CivilDate{2026, 1, 1}, CivilDate{2025, 12, 31}},
        {"zdA on 29 February", {2016, 2, 29}, 10, CivilDate{2027, 1, 1}, CivilDate{2026, 12, 31}},
        {"29 February, period ending in a leap year",
         {2016, 2, 29},
         4,
         CivilDate{2021, 1, 1},
         CivilDate{2020, 12, 31}},
        {"zero years", {2020, 6, 30}, 0, CivilDate{2021, 1, 1}, CivilDate{2020, 12, 31}},
        {"thirty years", {1999, 12, 31}, 30, CivilDate{2030, 1, 1}, CivilDate{2029, 12, 31}},
        {"unlimited", {2015, 3, 1}, std::nullopt, std::nullopt, std::nullopt},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        const Aufbewahrungsfrist frist{row.jahre};
        EXPECT_EQ(FaelligAb(row.zda, frist), row.faellig_ab);
        EXPECT_EQ(Aufbewahrungsende(row.zda, frist), row.ende);
    }
}

TEST(DueDate, RuleReadsYearsOrUnlimitedAndAnArt) {
    auto r = RegelFromJson({{"frist_jahre", 10}, {"aussonderungsart", "V"}});
    ASSERT_TRUE(r.ok()) << r.status().ToString();
    EXPECT_EQ(r->frist, Aufbewahrungsfrist::Jahre(10));
    EXPECT_EQ(r->art, Aussonderungsart::kV);
    auto unlimited = RegelFromJson({{"frist_jahre", nullptr}, {"aussonderungsart", "A"}});
    ASSERT_TRUE(unlimited.ok());
    EXPECT_TRUE(unlimited->frist.unbefristet());
    EXPECT_EQ(ToJson(*unlimited),
              (nlohmann::json{{"frist_jahre", nullptr}, {"aussonderungsart", "A"}}));
}

TEST(DueDate, MalformedRulesAreRefused) {
    for (const auto& bad :
         {nlohmann::json{{"aussonderungsart", "V"}},
          nlohmann::json{{"frist_jahre", -1}, {"aussonderungsart", "V"}},
          nlohmann::json{{"frist_jahre", 2.5}, {"aussonderungsart", "V"}},
          nlohmann::json{{"frist_jahre", 501}, {"aussonderungsart", "V"}},
          nlohmann::json{{"frist_jahre", "10"}, {"aussonderungsart", "V"}},
          nlohmann::json{{"frist_jahre", 10}, {"aussonderungsart", "X"}},
          nlohmann::json{{"frist_jahre", 10}},
          nlohmann::json{{"frist_jahre", 10}, {"aussonderungsart", "V"}, {"extra", 1}},
          nlohmann::json::array()}) {
        SCOPED_TRACE(bad.dump());
        EXPECT_EQ(RegelFromJson(bad).status().code(), StatusCode::kInvalidArgument);
    }
}

}  // namespace
}  // namespace aktenwerk::retention
