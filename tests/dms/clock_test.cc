// Tests of the manual clock that every records test injects.
#include "dms/clock.h"

#include <gtest/gtest.h>

namespace aktenwerk::dms {
namespace {

TEST(ManualClock, StartsOnTheFifteenthOfMarch2026AtNineUtc) {
    ManualClock clock;

    EXPECT_EQ(clock.Today(), (CivilDate{2026, 3, 15}));
    EXPECT_EQ(clock.NowMillis() % 86'400'000, 9 * 3'600'000);
}

TEST(ManualClock, SetTodayMovesToThatDay) {
    ManualClock clock;

    clock.SetToday({2027, 1, 1});

    EXPECT_EQ(clock.Today(), (CivilDate{2027, 1, 1}));
}

TEST(ManualClock, AdvanceCrossesMidnight) {
    ManualClock clock;

    clock.Advance(15 * 3'600'000);

    EXPECT_EQ(clock.Today(), (CivilDate{2026, 3, 16}));
}

}  // namespace
}  // namespace aktenwerk::dms
