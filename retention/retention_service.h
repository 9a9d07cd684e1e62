// The retention rules service: setting and clearing rules on Aktenplaneinheiten and Akten
// (audited, due dates recomputed in the same transaction), what applies to an object, and
// what is due under a unit on a date.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dms/principal.h"
#include "dms/repository.h"
#include "retention/due_index.h"
#include "retention/rules.h"

namespace aktenwerk::retention {

// Everything retention says about one object.
struct Aufbewahrung {
    std::optional<GesetzteRegel> eigene;  // set on the object itself
    std::optional<WirksameRegel> wirksam;
    std::optional<Faelligkeit> faelligkeit;  // closed Akten and Vorgänge only
};

nlohmann::json ToJson(const Aufbewahrung& a);

// Thread-safe.
class RetentionService {
  public:
    explicit RetentionService(dms::Repository* repo) : repo_(repo) {}

    // Sets the rule of an Aktenplaneinheit, or overrides the inherited rule of an Akte (then
    // `grund` is required: the override must be explained). Needs an authorised user
    // (Registratur). Audited as "aufbewahrung-festgelegt" on the object; every due date it
    // moves is recomputed in the same transaction. kInvalidArgument for a Vorgang or
    // Dokument (they follow their Akte) or a missing reason.
    Result<Aufbewahrung> SetRegel(const dms::Principal& p, std::string_view objekt_id,
                                  const Regel& regel, std::string_view grund);

    // Removes the rule set on the object (the inherited one applies again). Audited as
    // "aufbewahrung-aufgehoben"; an Akte's override needs a reason. kNotFound when the object
    // has no rule of its own.
    Result<Aufbewahrung> ClearRegel(const dms::Principal& p, std::string_view objekt_id,
                                    std::string_view grund);

    Result<Aufbewahrung> Get(const dms::Principal& p, std::string_view objekt_id) const;

    // The closed Akten and Vorgänge due on `stichtag` under `einheit_id` (dms::kRootId: the
    // whole plan), from the due-date index. At most `limit`.
    Result<std::vector<Faelligkeit>> Faellige(const dms::Principal& p, std::string_view einheit_id,
                                              const dms::CivilDate& stichtag, size_t limit) const;

  private:
    Result<Aufbewahrung> Change(const dms::Principal& p, std::string_view objekt_id,
                                const std::optional<Regel>& regel, std::string_view grund);

    dms::Repository* repo_;
};

}  // namespace aktenwerk::retention
