// Aktenzeichen patterns: how the unique reference of a new Akte is formed from the
// Kennzeichen of its Aktenplaneinheit, a running number and the year.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "storage/status.h"

namespace aktenwerk::dms {

// A parsed pattern such as "{kennzeichen}-{nummer:4}/{jahr}". Placeholders: {kennzeichen},
// {nummer} or {nummer:N} (zero-padded to N digits, N 1..9), {jahr}. Everything else is
// literal text; "{{" and "}}" stand for braces. Immutable and thread-safe after Parse.
class AktenzeichenPattern {
  public:
    // The default of DESIGN.md: "32.10.01-0042/2026".
    static constexpr std::string_view kDefault = "{kennzeichen}-{nummer:4}/{jahr}";

    // Fails with kInvalidArgument naming the position for an unknown or unclosed
    // placeholder, a pattern without {kennzeichen} or {nummer}, or one longer than 200 bytes.
    static Result<AktenzeichenPattern> Parse(std::string_view pattern);

    // True when the running number restarts every year (the pattern contains {jahr}).
    bool per_year() const { return per_year_; }

    std::string Format(std::string_view kennzeichen, uint64_t nummer, int jahr) const;

  private:
    enum class Field { kKennzeichen, kNummer, kJahr };
    struct Placeholder {
        Field field;
        int width;
    };
    std::vector<std::variant<std::string, Placeholder>> parts_;
    bool per_year_ = false;
};

}  // namespace aktenwerk::dms
