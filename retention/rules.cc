// Rule records and the walk up the tree that finds the rule in force.
#include "retention/rules.h"

#include "dms/objekt_io.h"
#include "retention/keys.h"
#include "storage/codec.h"

namespace aktenwerk::retention {

using nlohmann::json;

json ToJson(const GesetzteRegel& r) {
    json j = ToJson(r.regel);
    j["grund"] = r.grund;
    j["gesetzt_von"] = r.gesetzt_von;
    j["gesetzt_am"] = dms::FormatTimestamp(r.gesetzt_am);
    j["gesetzt_am_ms"] = r.gesetzt_am;
    return j;
}

Result<GesetzteRegel> GesetzteRegelFromJson(const json& j) {
    if (!j.is_object()) return CorruptionError("stored rule is not an object");
    json rule = {{"frist_jahre", j.value("frist_jahre", json())},
                 {"aussonderungsart", j.value("aussonderungsart", "")}};
    auto regel = RegelFromJson(rule);
    if (!regel.ok()) return CorruptionError("stored rule: " + regel.status().message());
    return GesetzteRegel{*regel, j.value("grund", ""), j.value("gesetzt_von", ""),
                         j.value("gesetzt_am_ms", int64_t{0})};
}

json ToJson(const WirksameRegel& r) {
    json j = ToJson(r.regel);
    j["quelle_id"] = r.quelle_id;
    j["quelle_typ"] = dms::KindName(r.quelle_typ);
    j["quelle_bezeichnung"] = r.quelle_bezeichnung;
    j["ueberschrieben"] = r.ueberschrieben;
    return j;
}

template <typename Reader>
Result<std::optional<GesetzteRegel>> ReadRegel(const Reader& reader, std::string_view objekt_id) {
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, reader.Get(keys::Regel(objekt_id)));
    if (!raw) return std::optional<GesetzteRegel>();
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    AKTENWERK_ASSIGN_OR_RETURN(auto r, GesetzteRegelFromJson(j));
    return std::optional<GesetzteRegel>(std::move(r));
}

namespace {

bool CarriesRules(dms::Kind kind) {
    return kind == dms::Kind::kAktenplaneinheit || kind == dms::Kind::kAkte;
}

// Walks from `start` (inclusive) up to the root and returns the first rule found.
template <typename Reader>
Result<std::optional<WirksameRegel>> FirstRuleFrom(const Reader& reader, dms::Objekt current) {
    for (size_t depth = 0; depth < dms::kTreeWalkLimit; ++depth) {
        if (CarriesRules(current.kind)) {
            AKTENWERK_ASSIGN_OR_RETURN(auto own, ReadRegel(reader, current.id));
            if (own) {
                return std::optional<WirksameRegel>(
                    WirksameRegel{own->regel, current.id, current.kind, dms::Bezeichnung(current),
                                  current.kind == dms::Kind::kAkte});
            }
        }
        if (current.parent_id.empty() || current.parent_id == dms::kRootId) {
            return std::optional<WirksameRegel>();
        }
        AKTENWERK_ASSIGN_OR_RETURN(current, dms::LoadObjekt(reader, current.parent_id));
    }
    return CorruptionError("object tree deeper than " + std::to_string(dms::kTreeWalkLimit) +
                           " levels");
}

}  // namespace

template <typename Reader>
Result<std::optional<WirksameRegel>> EffectiveRegel(const Reader& reader, const dms::Objekt& o) {
    return FirstRuleFrom(reader, o);
}

template <typename Reader>
Result<std::optional<WirksameRegel>> InheritedRegel(const Reader& reader, const dms::Objekt& o) {
    if (o.parent_id.empty() || o.parent_id == dms::kRootId) return std::optional<WirksameRegel>();
    AKTENWERK_ASSIGN_OR_RETURN(auto parent, dms::LoadObjekt(reader, o.parent_id));
    return FirstRuleFrom(reader, parent);
}

template Result<std::optional<GesetzteRegel>> ReadRegel(const storage::Txn&, std::string_view);
template Result<std::optional<GesetzteRegel>> ReadRegel(const dms::StoreView&, std::string_view);
template Result<std::optional<WirksameRegel>> EffectiveRegel(const storage::Txn&,
                                                             const dms::Objekt&);
template Result<std::optional<WirksameRegel>> EffectiveRegel(const dms::StoreView&,
                                                             const dms::Objekt&);
template Result<std::optional<WirksameRegel>> InheritedRegel(const storage::Txn&,
                                                             const dms::Objekt&);
template Result<std::optional<WirksameRegel>> InheritedRegel(const dms::StoreView&,
                                                             const dms::Objekt&);

}  // namespace aktenwerk::retention
