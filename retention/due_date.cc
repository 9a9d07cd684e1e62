// Due-date arithmetic and the JSON form of rules.
#include "retention/due_date.h"

namespace aktenwerk::retention {

char ArtCode(Aussonderungsart art) {
    switch (art) {
        case Aussonderungsart::kA:
            return 'A';
        case Aussonderungsart::kV:
            return 'V';
        case Aussonderungsart::kB:
            return 'B';
    }
    return 'B';
}

std::optional<Aussonderungsart> ParseArt(std::string_view code) {
    if (code == "A") return Aussonderungsart::kA;
    if (code == "V") return Aussonderungsart::kV;
    if (code == "B") return Aussonderungsart::kB;
    return std::nullopt;
}

nlohmann::json ToJson(const Regel& r) {
    return {{"frist_jahre", r.frist.jahre ? nlohmann::json(*r.frist.jahre) : nlohmann::json()},
            {"aussonderungsart", std::string(1, ArtCode(r.art))}};
}

Result<Regel> RegelFromJson(const nlohmann::json& j) {
    if (!j.is_object()) return InvalidArgumentError("a retention rule must be a JSON object");
    Regel r;
    auto frist = j.find("frist_jahre");
    if (frist == j.end()) {
        return InvalidArgumentError(
            "field 'frist_jahre' is required: whole years, or null for unlimited");
    }
    if (frist->is_null()) {
        r.frist = Aufbewahrungsfrist::Unbefristet();
    } else if (frist->is_number_integer() && frist->get<int64_t>() >= 0 &&
               frist->get<int64_t>() <= kMaxJahre) {
        r.frist = Aufbewahrungsfrist::Jahre(static_cast<uint16_t>(frist->get<int64_t>()));
    } else {
        return InvalidArgumentError("field 'frist_jahre' must be whole years from 0 to " +
                                    std::to_string(kMaxJahre) + ", or null for unlimited");
    }
    auto art = j.find("aussonderungsart");
    std::optional<Aussonderungsart> parsed;
    if (art != j.end() && art->is_string()) parsed = ParseArt(art->get<std::string>());
    if (!parsed) return InvalidArgumentError("field 'aussonderungsart' must be A, V or B");
    r.art = *parsed;
    for (const auto& [key, ignored] : j.items()) {
        if (key != "frist_jahre" && key != "aussonderungsart" && key != "grund") {
            return InvalidArgumentError("field '" + key + "' is not part of a retention rule");
        }
    }
    return r;
}

std::optional<dms::CivilDate> FaelligAb(const dms::CivilDate& zda, const Aufbewahrungsfrist& f) {
    if (f.unbefristet()) return std::nullopt;
    return dms::CivilDate{zda.year + *f.jahre + 1, 1, 1};
}

std::optional<dms::CivilDate> Aufbewahrungsende(const dms::CivilDate& zda,
                                                const Aufbewahrungsfrist& f) {
    if (f.unbefristet()) return std::nullopt;
    return dms::CivilDate{zda.year + *f.jahre, 12, 31};
}

}  // namespace aktenwerk::retention
