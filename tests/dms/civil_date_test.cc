// Tests of civil dates: leap years, parsing, ordering and day arithmetic.
#include "dms/civil_date.h"

#include <gtest/gtest.h>

namespace aktenwerk::dms {
namespace {

CivilDate Date(int year, int month, int day) { return CivilDate{year, month, day}; }

TEST(CivilDate, LeapYearsFollowTheGregorianRules) {
    EXPECT_TRUE(IsLeapYear(2024));
    EXPECT_TRUE(IsLeapYear(2000));
    EXPECT_FALSE(IsLeapYear(2026));
    EXPECT_FALSE(IsLeapYear(1900));
    EXPECT_FALSE(IsLeapYear(2100));
}

TEST(CivilDate, FebruaryHasTwentyNineDaysOnlyInLeapYears) {
    EXPECT_EQ(DaysInMonth(2024, 2), 29);
    EXPECT_EQ(DaysInMonth(2026, 2), 28);
    EXPECT_EQ(DaysInMonth(2026, 4), 30);
    EXPECT_EQ(DaysInMonth(2026, 12), 31);
}

TEST(CivilDate, ParsesAnExistingDate) {
    EXPECT_EQ(CivilDate::Parse("2026-03-15"), Date(2026, 3, 15));
    EXPECT_EQ(CivilDate::Parse("1000-01-01"), Date(1000, 1, 1));
    EXPECT_EQ(CivilDate::Parse("9999-12-31"), Date(9999, 12, 31));
}

TEST(CivilDate, TwentyNinthOfFebruaryExistsOnlyInLeapYears) {
    EXPECT_EQ(CivilDate::Parse("2024-02-29"), Date(2024, 2, 29));
    EXPECT_EQ(CivilDate::Parse("2000-02-29"), Date(2000, 2, 29));
    EXPECT_EQ(CivilDate::Parse("2026-02-29"), std::nullopt);
    EXPECT_EQ(CivilDate::Parse("1900-02-29"), std::nullopt);
}

TEST(CivilDate, RefusesTextThatIsNotAnExistingDate) {
    const char* const kBad[] = {"",           "2026-3-15",   "2026-03-5",   "26-03-15",
                                "2026/03/15", "2026-03-15 ", " 2026-03-15", "2026-13-01",
                                "2026-00-10", "2026-04-31",  "2026-01-00",  "0999-12-31",
                                "2026-0a-01", "+026-01-01",  "2026-01-32",  "2026-03-15T00"};
    for (const char* text : kBad) {
        SCOPED_TRACE(text);
        EXPECT_EQ(CivilDate::Parse(text), std::nullopt);
    }
}

TEST(CivilDate, ToStringPadsWithZeros) {
    EXPECT_EQ(Date(2026, 3, 5).ToString(), "2026-03-05");
    EXPECT_EQ(CivilDate::Parse("1999-12-31")->ToString(), "1999-12-31");
}

TEST(CivilDate, OrdersByYearThenMonthThenDay) {
    EXPECT_LT(Date(2025, 12, 31), Date(2026, 1, 1));
    EXPECT_LT(Date(2026, 1, 31), Date(2026, 2, 1));
    EXPECT_LT(Date(2026, 2, 1), Date(2026, 2, 2));
    EXPECT_EQ(Date(2026, 2, 2), Date(2026, 2, 2));
    EXPECT_GT(Date(2027, 1, 1), Date(2026, 12, 31));
}

TEST(CivilDate, DaysSinceEpochCountsFromTheFirstOfJanuary1970) {
    EXPECT_EQ(Date(1970, 1, 1).DaysSinceEpoch(), 0);
    EXPECT_EQ(Date(1970, 1, 2).DaysSinceEpoch(), 1);
    EXPECT_EQ(Date(1969, 12, 31).DaysSinceEpoch(), -1);
    EXPECT_EQ(Date(2000, 3, 1).DaysSinceEpoch(), 11017);
    EXPECT_EQ(Date(2024, 3, 1).DaysSinceEpoch() - Date(2024, 2, 28).DaysSinceEpoch(), 2);
    EXPECT_EQ(Date(2026, 3, 1).DaysSinceEpoch() - Date(2026, 2, 28).DaysSinceEpoch(), 1);
}

TEST(CivilDate, DaysRoundTripThroughTheCalendar) {
    // Every day from 1600 to 2400: each is one day after the one before and converts back.
    const long first = Date(1600, 1, 1).DaysSinceEpoch();
    const long last = Date(2400, 12, 31).DaysSinceEpoch();
    CivilDate previous = CivilDate::FromDaysSinceEpoch(first - 1);
    for (long days = first; days <= last; ++days) {
        const CivilDate d = CivilDate::FromDaysSinceEpoch(days);
        ASSERT_EQ(d.DaysSinceEpoch(), days) << d.ToString();
        ASSERT_LT(previous, d) << d.ToString();
        ASSERT_EQ(CivilDate::Parse(d.ToString()), d) << d.ToString();
        previous = d;
    }
    EXPECT_EQ(previous, Date(2400, 12, 31));
}

}  // namespace
}  // namespace aktenwerk::dms
