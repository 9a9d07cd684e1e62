// Reading an Aktenplan from JSON or CSV, for import by API, by the command line and for the
// demo plan.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace aktenwerk::dms {

// One unit of an imported plan. Parents come before their children.
struct PlanUnit {
    std::string kennzeichen;
    std::string titel;
    std::string beschreibung;
    std::string eltern_kennzeichen;  // empty: top level
};

// Parses {"einheiten": [{"kennzeichen", "titel", "beschreibung", "einheiten": [...]}]}
// (nested), or the same objects in one flat list with "eltern_kennzeichen". Fields it does
// not know (such as retention, see issue #4) are ignored. kInvalidArgument names the unit
// and field for malformed input; nesting deeper than 16 levels is refused.
Result<std::vector<PlanUnit>> ParseAktenplanJson(std::string_view text);

// Parses CSV with a header line naming the columns kennzeichen, titel, beschreibung and
// eltern_kennzeichen (others are ignored). The separator is ';' or ',' (taken from the
// header); fields may be quoted with '"' (doubled inside); a UTF-8 byte order mark and CRLF
// line ends are accepted, as spreadsheet programs write them. kInvalidArgument names the line.
Result<std::vector<PlanUnit>> ParseAktenplanCsv(std::string_view text);

}  // namespace aktenwerk::dms
