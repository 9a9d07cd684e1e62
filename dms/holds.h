// Holds (Sperren): a legal or audit hold on an Aktenplaneinheit, Akte, Vorgang or Dokument
// blocks destruction, transfer, deletion and moves out of its scope for everything at and
// below the held object, until an authorised user releases it. The checks here run inside the
// transaction of each such change (see Repository::Delete, Repository::Destroy,
// Repository::Move), so no interface can bypass them. A hold never moves a due date.
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dms/model.h"
#include "dms/principal.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

class Repository;

// One hold, active or released. Released holds are kept for the record.
struct Sperre {
    std::string id;
    std::string objekt_id;
    Kind objekt_typ = Kind::kAkte;
    std::string objekt_bezeichnung;      // Aktenzeichen, Kennzeichen or Betreff when placed
    std::string grund;                   // why the records must be kept
    std::string anordnende_stelle;       // who ordered it (court, prosecutor, audit office, ...)
    std::string aktenzeichen_anordnung;  // that authority's reference, optional
    std::string gesetzt_von;
    int64_t gesetzt_am = 0;
    bool aktiv = true;
    std::string aufgehoben_von;
    int64_t aufgehoben_am = 0;
    std::string aufhebungsgrund;
};

nlohmann::json ToJson(const Sperre& s);
Result<Sperre> SperreFromJson(const nlohmann::json& j);

// What the caller gives when placing a hold.
struct SperreAntrag {
    std::string grund;
    std::string anordnende_stelle;
    std::string aktenzeichen_anordnung;
};

// The holds service. Thread-safe; every change is one audited transaction.
class HoldService {
  public:
    explicit HoldService(Repository* repo) : repo_(repo) {}

    // Places a hold on `objekt_id`. Needs the hold right (Registrator) on it;
    // kInvalidArgument for a missing reason or authority; kNotFound for an unknown or
    // destroyed object. Audited as "sperre-gesetzt" on the held object.
    Result<Sperre> Place(const Principal& p, std::string_view objekt_id,
                         const SperreAntrag& antrag);

    // Releases an active hold with a reason. Needs the hold right on the held object;
    // kFailedPrecondition
    // (reason "not-active") when it was released already. Audited as "sperre-aufgehoben".
    Result<Sperre> Release(const Principal& p, std::string_view sperre_id, std::string_view grund);

    // kNotFound also for a hold on an object the caller may not see.
    Result<Sperre> Get(const Principal& p, std::string_view sperre_id) const;

    // Holds in creation order of their ids' storage (all, or only active ones; optionally only
    // those placed on `objekt_id` itself). At most `limit`, then without those on objects the
    // caller may not see.
    Result<std::vector<Sperre>> List(const Principal& p, bool nur_aktive,
                                     std::optional<std::string> objekt_id, size_t limit) const;

    // The active holds that are in effect for `objekt_id`: on it, on an ancestor, or on
    // anything below it.
    Result<std::vector<Sperre>> Wirksam(const Principal& p, std::string_view objekt_id) const;

  private:
    Result<std::vector<Sperre>> ListUnfiltered(bool nur_aktive,
                                               std::optional<std::string> objekt_id,
                                               size_t limit) const;

    Repository* repo_;
};

// The active holds on `o` itself or on one of its ancestors, read through `reader` (a
// storage::Txn inside a change, or a StoreView for read-only questions).
template <typename Reader>
Result<std::vector<Sperre>> HoldsCovering(const Reader& reader, const Objekt& o);

// The active holds on objects strictly below `o`. Reads every active hold and walks up from
// each held object: holds are few, and trees are only about ten levels deep.
template <typename Reader>
Result<std::vector<Sperre>> HoldsBelow(const Reader& reader, const Objekt& o);

// The check of every path that removes or transfers records (destruction, transfer to the
// archive, deletion, restore): kFailedPrecondition with reason "held", naming the hold and
// its object, when a hold covers `o` or anything below it. `what` names the action for the
// message ("destroy", "delete", ...).
template <typename Reader>
Status CheckNotHeld(const Reader& reader, const Objekt& o, std::string_view what);

// The check of a move: kFailedPrecondition (reason "held") when `o` lies under a held
// ancestor and `new_parent_id` is outside that ancestor's subtree, so that a move cannot take
// records out of a hold's scope. Holds on `o` or below it move along and are no obstacle.
Status CheckMoveKeepsHolds(const storage::Txn& txn, const Objekt& o,
                           std::string_view new_parent_id);

}  // namespace aktenwerk::dms
