// Retention rules on the records tree: set on Aktenplaneinheiten and inherited downwards; an
// Akte (or Teilakte) may override its inherited rule with a recorded reason. The nearest rule
// up the tree applies; Vorgänge and Dokumente follow their Akte.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "dms/model.h"
#include "retention/due_date.h"
#include "storage/status.h"

namespace aktenwerk::retention {

// A rule as set on one object, with who set it and why.
struct GesetzteRegel {
    Regel regel;
    std::string grund;
    std::string gesetzt_von;
    int64_t gesetzt_am = 0;
};

nlohmann::json ToJson(const GesetzteRegel& r);
Result<GesetzteRegel> GesetzteRegelFromJson(const nlohmann::json& j);

// The rule that applies to an object, and where it comes from.
struct WirksameRegel {
    Regel regel;
    std::string quelle_id;  // the unit or Akte that carries it
    dms::Kind quelle_typ = dms::Kind::kAktenplaneinheit;
    std::string quelle_bezeichnung;  // its Kennzeichen or Aktenzeichen
    bool ueberschrieben = false;     // an Akte's override rather than the plan's rule
};

nlohmann::json ToJson(const WirksameRegel& r);

// The rule set on `objekt_id` itself, read through a storage::Txn or a dms::StoreView.
template <typename Reader>
Result<std::optional<GesetzteRegel>> ReadRegel(const Reader& reader, std::string_view objekt_id);

// The rule that applies to `o`: its own (units and Akten only), else the nearest up the tree.
// nullopt when no unit above carries one.
template <typename Reader>
Result<std::optional<WirksameRegel>> EffectiveRegel(const Reader& reader, const dms::Objekt& o);

// The rule `o` would inherit if it had none of its own.
template <typename Reader>
Result<std::optional<WirksameRegel>> InheritedRegel(const Reader& reader, const dms::Objekt& o);

}  // namespace aktenwerk::retention
