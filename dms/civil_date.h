// Civil dates (year, month, day) without time of day or zone, as records law counts them.
// They are never converted through UTC.
#pragma once

#include <compare>
#include <optional>
#include <string>
#include <string_view>

namespace aktenwerk::dms {

struct CivilDate {
    int year = 1970;
    int month = 1;
    int day = 1;

    auto operator<=>(const CivilDate&) const = default;

    // "YYYY-MM-DD".
    std::string ToString() const;

    // Parses "YYYY-MM-DD" (years 1000..9999) and checks that the day exists (29 February
    // only in leap years). nullopt for anything else.
    static std::optional<CivilDate> Parse(std::string_view text);

    // Days since 1970-01-01 (negative before), for arithmetic and for converting a UTC
    // instant that is already known to be a local midnight.
    long DaysSinceEpoch() const;
    static CivilDate FromDaysSinceEpoch(long days);
};

bool IsLeapYear(int year);
int DaysInMonth(int year, int month);

}  // namespace aktenwerk::dms
