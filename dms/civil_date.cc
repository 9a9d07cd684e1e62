// Civil date parsing and the days-from-civil arithmetic (proleptic Gregorian calendar).
#include "dms/civil_date.h"

#include <cstdio>

#include "dms/clock.h"

#include <chrono>
#include <ctime>

namespace aktenwerk::dms {

bool IsLeapYear(int year) { return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0; }

int DaysInMonth(int year, int month) {
    static constexpr int kDays[] = {31, 28, 31, 30, 31, 30, 31, 31, 30, 31, 30, 31};
    if (month == 2 && IsLeapYear(year)) return 29;
    return kDays[month - 1];
}

std::string CivilDate::ToString() const {
    char buf[16];
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02d", year, month, day);
    return buf;
}

std::optional<CivilDate> CivilDate::Parse(std::string_view text) {
    if (text.size() != 10 || text[4] != '-' || text[7] != '-') return std::nullopt;
    auto digits = [&](size_t pos, size_t len, int* out) {
        int v = 0;
        for (size_t i = pos; i < pos + len; ++i) {
            if (text[i] < '0' || text[i] > '9') return false;
            v = v * 10 + (text[i] - '0');
        }
        *out = v;
        return true;
    };
    CivilDate d;
    if (!digits(0, 4, &d.year) || !digits(5, 2, &d.month) || !digits(8, 2, &d.day)) {
        return std::nullopt;
    }
    if (d.year < 1000 || d.month < 1 || d.month > 12) return std::nullopt;
    if (d.day < 1 || d.day > DaysInMonth(d.year, d.month)) return std::nullopt;
    return d;
}

long CivilDate::DaysSinceEpoch() const {
    const std::chrono::year_month_day ymd{std::chrono::year{year},
                                          std::chrono::month{static_cast<unsigned>(month)},
                                          std::chrono::day{static_cast<unsigned>(day)}};
    return std::chrono::sys_days(ymd).time_since_epoch().count();
}

CivilDate CivilDate::FromDaysSinceEpoch(long days) {
    const std::chrono::year_month_day ymd{std::chrono::sys_days{std::chrono::days{days}}};
    return {static_cast<int>(ymd.year()), static_cast<int>(static_cast<unsigned>(ymd.month())),
            static_cast<int>(static_cast<unsigned>(ymd.day()))};
}

int64_t SystemClock::NowMillis() const {
    return std::chrono::duration_cast<std::chrono::milliseconds>(
               std::chrono::system_clock::now().time_since_epoch())
        .count();
}

CivilDate SystemClock::Today() const {
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    return {local.tm_year + 1900, local.tm_mon + 1, local.tm_mday};
}

CivilDate ManualClock::Today() const {
    // The manual clock counts in UTC: a test sets the day it wants with SetToday.
    return CivilDate::FromDaysSinceEpoch(static_cast<long>(millis_.load() / 86'400'000));
}

void ManualClock::SetToday(CivilDate date) {
    millis_.store(static_cast<int64_t>(date.DaysSinceEpoch()) * 86'400'000 + 9 * 3'600'000);
}

}  // namespace aktenwerk::dms
