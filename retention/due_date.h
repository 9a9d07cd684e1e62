// The retention rule and the due-date arithmetic of DESIGN.md: a period of N whole years (or
// unlimited) starts when the calendar year of the zdA ends, so an object closed on any day of
// year Y is due on 1 January of Y+N+1. Civil dates only, never converted through UTC.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dms/civil_date.h"
#include "storage/status.h"

namespace aktenwerk::retention {

// The disposal decision: A archivwürdig, V vernichten, B (zu) bewerten.
enum class Aussonderungsart { kA, kV, kB };

char ArtCode(Aussonderungsart art);
std::optional<Aussonderungsart> ParseArt(std::string_view code);  // "A", "V", "B"

// Whole years, or unlimited (jahre empty).
struct Aufbewahrungsfrist {
    std::optional<uint16_t> jahre;

    bool unbefristet() const { return !jahre.has_value(); }
    static Aufbewahrungsfrist Jahre(uint16_t n) { return {n}; }
    static Aufbewahrungsfrist Unbefristet() { return {}; }
    bool operator==(const Aufbewahrungsfrist&) const = default;
};

// The longest period accepted; records laws stop far below it.
inline constexpr uint16_t kMaxJahre = 500;

struct Regel {
    Aufbewahrungsfrist frist;
    Aussonderungsart art = Aussonderungsart::kB;
    bool operator==(const Regel&) const = default;
};

// {"frist_jahre": 10 | null, "aussonderungsart": "A"}.
nlohmann::json ToJson(const Regel& r);
// Reads the form above; kInvalidArgument naming the field for anything else (years outside
// 0..kMaxJahre, an unknown art, missing fields).
Result<Regel> RegelFromJson(const nlohmann::json& j);

// The first day on which an object closed on `zda` may be disposed of; nullopt when the
// period is unlimited.
std::optional<dms::CivilDate> FaelligAb(const dms::CivilDate& zda, const Aufbewahrungsfrist& f);

// The last day of the period (xdomea Aufbewahrungsende): 31 December of the zdA's year + N;
// nullopt when unlimited.
std::optional<dms::CivilDate> Aufbewahrungsende(const dms::CivilDate& zda,
                                                const Aufbewahrungsfrist& f);

}  // namespace aktenwerk::retention
