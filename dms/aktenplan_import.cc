// Aktenplan parsers. Only structure is checked here; the Repository checks each unit's
// fields when it imports them.
#include "dms/aktenplan_import.h"

#include <algorithm>

#include <nlohmann/json.hpp>

namespace aktenwerk::dms {
namespace {

using nlohmann::json;

constexpr int kMaxNesting = 16;
constexpr size_t kMaxUnits = 100'000;

Status Walk(const json& list, const std::string& parent, int depth, std::vector<PlanUnit>* out) {
    if (!list.is_array()) return InvalidArgumentError("'einheiten' must be a list");
    // An empty list below a unit at the deepest level adds no level.
    if (depth > kMaxNesting && !list.empty()) {
        return InvalidArgumentError("the plan is nested too deeply");
    }
    for (const auto& item : list) {
        if (out->size() >= kMaxUnits) return InvalidArgumentError("the plan has too many units");
        if (!item.is_object()) return InvalidArgumentError("each unit must be an object");
        PlanUnit unit;
        auto text = [&](const char* key, std::string* field) -> Status {
            auto it = item.find(key);
            if (it == item.end() || it->is_null()) return Status::Ok();
            if (!it->is_string()) {
                const std::string which = unit.kennzeichen.empty() ? "?" : unit.kennzeichen;
                return InvalidArgumentError("unit " + which + ": field '" + std::string(key) +
                                            "' must be a string");
            }
            *field = it->get<std::string>();
            return Status::Ok();
        };
        AKTENWERK_RETURN_IF_ERROR(text("kennzeichen", &unit.kennzeichen));
        AKTENWERK_RETURN_IF_ERROR(text("titel", &unit.titel));
        AKTENWERK_RETURN_IF_ERROR(text("beschreibung", &unit.beschreibung));
        AKTENWERK_RETURN_IF_ERROR(text("eltern_kennzeichen", &unit.eltern_kennzeichen));
        if (unit.kennzeichen.empty()) return InvalidArgumentError("a unit has no kennzeichen");
        if (!parent.empty()) unit.eltern_kennzeichen = parent;
        for (const auto& [key, value] : item.items()) {
            if (key != "kennzeichen" && key != "titel" && key != "beschreibung" &&
                key != "eltern_kennzeichen" && key != "einheiten") {
                unit.weitere[key] = value;
            }
        }
        std::string kennzeichen = unit.kennzeichen;
        out->push_back(std::move(unit));
        if (auto it = item.find("einheiten"); it != item.end()) {
            Status s = Walk(*it, kennzeichen, depth + 1, out);
            if (!s.ok()) return s.WithContext("below " + kennzeichen);
        }
    }
    return Status::Ok();
}

// Splits one CSV record starting at `pos`; advances `pos` past its line end. Quoted fields
// may span lines.
Result<std::vector<std::string>> NextRecord(std::string_view text, size_t* pos, char sep) {
    std::vector<std::string> fields(1);
    bool quoted = false;
    size_t i = *pos;
    for (; i < text.size(); ++i) {
        char c = text[i];
        if (quoted) {
            if (c == '"' && i + 1 < text.size() && text[i + 1] == '"') {
                fields.back() += '"';
                ++i;
            } else if (c == '"') {
                quoted = false;
            } else {
                fields.back() += c;
            }
        } else if (c == '"' && fields.back().empty()) {
            quoted = true;
        } else if (c == sep) {
            fields.emplace_back();
        } else if (c == '\n') {
            break;
        } else if (c != '\r') {
            fields.back() += c;
        }
    }
    if (quoted) return InvalidArgumentError("a quoted field is not closed");
    *pos = i + 1;
    return fields;
}

}  // namespace

Result<std::vector<PlanUnit>> ParseAktenplanJson(std::string_view text) {
    json doc = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (doc.is_discarded()) return InvalidArgumentError("the Aktenplan is not valid JSON");
    const json* list = &doc;
    if (doc.is_object()) {
        auto it = doc.find("einheiten");
        if (it == doc.end()) return InvalidArgumentError("the Aktenplan has no 'einheiten'");
        list = &*it;
    }
    std::vector<PlanUnit> out;
    AKTENWERK_RETURN_IF_ERROR(Walk(*list, "", 1, &out));
    return out;
}

Result<std::vector<PlanUnit>> ParseAktenplanCsv(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    size_t header_end = text.find('\n');
    std::string_view header = text.substr(0, header_end);
    char sep = header.find(';') != std::string_view::npos ? ';' : ',';

    size_t pos = 0;
    AKTENWERK_ASSIGN_OR_RETURN(auto names, NextRecord(text, &pos, sep));
    int col_kz = -1, col_titel = -1, col_beschreibung = -1, col_eltern = -1;
    for (size_t c = 0; c < names.size(); ++c) {
        const std::string& n = names[c];
        int index = static_cast<int>(c);
        if (n == "kennzeichen") col_kz = index;
        if (n == "titel") col_titel = index;
        if (n == "beschreibung") col_beschreibung = index;
        if (n == "eltern_kennzeichen") col_eltern = index;
    }
    if (col_kz < 0 || col_titel < 0) {
        return InvalidArgumentError("the CSV header must name the columns kennzeichen and titel");
    }

    // Quoted fields may span lines: advance by the line breaks each record consumed.
    auto breaks = [&](size_t from, size_t to) {
        return static_cast<size_t>(
            std::count(text.begin() + from, text.begin() + std::min(to, text.size()), '\n'));
    };
    std::vector<PlanUnit> out;
    size_t line = 1 + breaks(0, pos);
    for (size_t start = pos; pos < text.size(); line += breaks(start, pos), start = pos) {
        auto record = NextRecord(text, &pos, sep);
        if (!record.ok()) return record.status().WithContext("CSV line " + std::to_string(line));
        if (record->size() == 1 && record->front().empty()) continue;  // blank line
        if (out.size() >= kMaxUnits) return InvalidArgumentError("the plan has too many units");
        auto field = [&](int col) {
            return col >= 0 && static_cast<size_t>(col) < record->size() ? (*record)[col]
                                                                         : std::string();
        };
        PlanUnit unit{field(col_kz), field(col_titel), field(col_beschreibung), field(col_eltern)};
        for (size_t c = 0; c < names.size(); ++c) {
            const int index = static_cast<int>(c);
            if (index != col_kz && index != col_titel && index != col_beschreibung &&
                index != col_eltern && !names[c].empty()) {
                unit.weitere[names[c]] = field(index);
            }
        }
        unit.zeile = line;
        if (unit.kennzeichen.empty()) {
            return InvalidArgumentError("CSV line " + std::to_string(line) + " has no kennzeichen");
        }
        out.push_back(std::move(unit));
    }
    return out;
}

}  // namespace aktenwerk::dms
