// Pattern parsing is strict so that a typo in the configuration stops the start-up instead
// of producing odd Aktenzeichen that can never be changed again.
#include "dms/aktenzeichen.h"

#include <cstdio>

namespace aktenwerk::dms {

Result<AktenzeichenPattern> AktenzeichenPattern::Parse(std::string_view pattern) {
    if (pattern.size() > 200) return InvalidArgumentError("Aktenzeichen pattern is too long");
    AktenzeichenPattern out;
    std::string literal;
    bool has_kennzeichen = false, has_nummer = false;
    for (size_t i = 0; i < pattern.size(); ++i) {
        char c = pattern[i];
        if ((c == '{' || c == '}') && i + 1 < pattern.size() && pattern[i + 1] == c) {
            literal += c;
            ++i;
            continue;
        }
        if (c == '}') {
            return InvalidArgumentError("Aktenzeichen pattern: unmatched '}' at position " +
                                        std::to_string(i));
        }
        if (c != '{') {
            literal += c;
            continue;
        }
        size_t close = pattern.find('}', i);
        if (close == std::string_view::npos) {
            return InvalidArgumentError("Aktenzeichen pattern: unclosed '{' at position " +
                                        std::to_string(i));
        }
        std::string_view name = pattern.substr(i + 1, close - i - 1);
        Placeholder p{Field::kKennzeichen, 0};
        if (name == "kennzeichen") {
            has_kennzeichen = true;
        } else if (name == "jahr") {
            p.field = Field::kJahr;
            out.per_year_ = true;
        } else if (name == "nummer") {
            p.field = Field::kNummer;
            has_nummer = true;
        } else if (name.size() == 8 && name.substr(0, 7) == "nummer:" && name[7] >= '1' &&
                   name[7] <= '9') {
            p = {Field::kNummer, name[7] - '0'};
            has_nummer = true;
        } else {
            return InvalidArgumentError("Aktenzeichen pattern: unknown placeholder '{" +
                                        std::string(name) + "}' at position " + std::to_string(i));
        }
        if (!literal.empty()) out.parts_.emplace_back(std::move(literal));
        literal.clear();
        out.parts_.emplace_back(p);
        i = close;
    }
    if (!literal.empty()) out.parts_.emplace_back(std::move(literal));
    if (!has_kennzeichen || !has_nummer) {
        return InvalidArgumentError("Aktenzeichen pattern must contain {kennzeichen} and {nummer}");
    }
    return out;
}

std::string AktenzeichenPattern::Format(std::string_view kennzeichen, uint64_t nummer,
                                        int jahr) const {
    std::string out;
    for (const auto& part : parts_) {
        if (const auto* text = std::get_if<std::string>(&part)) {
            out += *text;
            continue;
        }
        const auto& p = std::get<Placeholder>(part);
        char buf[32];
        switch (p.field) {
            case Field::kKennzeichen:
                out += kennzeichen;
                break;
            case Field::kJahr:
                std::snprintf(buf, sizeof(buf), "%04d", jahr);
                out += buf;
                break;
            case Field::kNummer:
                std::snprintf(buf, sizeof(buf), "%0*llu", p.width,
                              static_cast<unsigned long long>(nummer));
                out += buf;
                break;
        }
    }
    return out;
}

}  // namespace aktenwerk::dms
