// Reading an Aktenplan from JSON or CSV, for import by API, by the command line and for the
// demo plan.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/status.h"

namespace aktenwerk::dms {

// One unit of an imported plan. Parents come before their children.
struct PlanUnit {
    std::string kennzeichen;
    std::string titel;
    std::string beschreibung;
    std::string eltern_kennzeichen;  // empty: top level
    // The fields the parser does not know, for higher layers (retention rules): CSV columns as
    // strings by header name, JSON fields as they were.
    nlohmann::json weitere = nlohmann::json::object();
    size_t zeile = 0;  // the CSV line, for messages about `weitere`
};

// Parses {"einheiten": [{"kennzeichen", "titel", "beschreibung", "einheiten": [...]}]}
// (nested), or the same objects in one flat list with "eltern_kennzeichen". Fields it does
// not know (such as retention rules) are kept in `weitere`. kInvalidArgument names the unit
// and field for malformed input; nesting deeper than 16 levels is refused.
Result<std::vector<PlanUnit>> ParseAktenplanJson(std::string_view text);

// Parses CSV with a header line naming the columns kennzeichen, titel, beschreibung and
// eltern_kennzeichen (others are kept in `weitere`). The separator is ';' or ',' (taken from the
// header); fields may be quoted with '"' (doubled inside); a UTF-8 byte order mark and CRLF
// line ends are accepted, as spreadsheet programs write them. kInvalidArgument names the line.
Result<std::vector<PlanUnit>> ParseAktenplanCsv(std::string_view text);

}  // namespace aktenwerk::dms
