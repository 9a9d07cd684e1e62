// The due-date index: one entry per closed Akte and Vorgang, keyed by its nearest
// Aktenplaneinheit and its due date, kept in the same transaction as every change that moves a
// due date (zdA, reopening, moves, rule changes, destruction). "What is due on D under this
// unit" is then one range scan per unit of the subtree, never a scan of the records.
//
// The due date follows DESIGN.md: a Vorgang by its own zdA, an Akte by the latest zdA among it
// and its contents; each closed object in the subtree counts with its own rule (a Teilakte may
// override), and the object is due when all of them are. Unlimited anywhere, or no rule,
// means never due.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dms/civil_date.h"
#include "dms/lifecycle_hook.h"
#include "dms/model.h"
#include "retention/rules.h"
#include "storage/metadata_store.h"

namespace aktenwerk::retention {

// Why an indexed object is or is not due.
enum class Stand {
    kFaellig,      // due from `faellig_ab`
    kUnbefristet,  // kept for ever
    kOhneRegel,    // no rule applies; never due until one is set
};

std::string_view StandName(Stand s);  // "faellig", "unbefristet", "ohne-regel"

// The index entry of one closed Akte or Vorgang.
struct Faelligkeit {
    std::string objekt_id;
    dms::Kind typ = dms::Kind::kAkte;
    std::string bezeichnung;  // Aktenzeichen (Akte) or Betreff (Vorgang)
    std::string betreff;
    std::string einheit_id;              // the nearest Aktenplaneinheit above it
    dms::CivilDate zda;                  // its own zdA
    dms::CivilDate massgeblich;          // the latest zdA among it and its contents
    std::optional<WirksameRegel> regel;  // the rule of the object itself
    Stand stand = Stand::kOhneRegel;
    std::optional<dms::CivilDate> faellig_ab;  // with kFaellig
};

nlohmann::json ToJson(const Faelligkeit& f);
Result<Faelligkeit> FaelligkeitFromJson(const nlohmann::json& j);

// Computes the due date of `o` from the records (not from the index). nullopt unless `o` is
// an Akte or Vorgang with its own zdA.
template <typename Reader>
Result<std::optional<Faelligkeit>> ComputeFaelligkeit(const Reader& reader, const dms::Objekt& o);

// Writes (or removes, when `o` is not closed) the entry of `o` inside `txn`.
Status UpdateFaelligkeit(storage::Txn& txn, const dms::Objekt& o);
// Removes the entry of `objekt_id`, if any.
Status RemoveFaelligkeit(storage::Txn& txn, std::string_view objekt_id);
// Recomputes `root` and every Akte and Vorgang below it (after a move or an Akte's rule
// change), and the closed Akten and Vorgänge above it.
Status UpdateSubtreeFaelligkeiten(storage::Txn& txn, const dms::Objekt& root);
// Recomputes every entry under the units of the subtree of the unit `einheit` (after its
// rule changed or it moved).
Status UpdateUnitFaelligkeiten(storage::Txn& txn, const dms::Objekt& einheit);

// Keeps the index current for the records service's lifecycle changes (see LifecycleHook).
Status UpdateForLifecycle(storage::Txn& txn, dms::LifecycleEvent event, const dms::Objekt& before,
                          const dms::Objekt& after);

// The entries due on `stichtag` (faellig_ab <= stichtag) under the unit `einheit_id` and its
// sub-units (dms::kRootId: the whole plan), ordered by due date within each unit, at most
// `limit` (0: all).
template <typename Reader>
Result<std::vector<Faelligkeit>> DueOn(const Reader& reader, std::string_view einheit_id,
                                       const dms::CivilDate& stichtag, size_t limit);

// The entry of one object, or nullopt when it is not closed.
template <typename Reader>
Result<std::optional<Faelligkeit>> LookupFaelligkeit(const Reader& reader,
                                                     std::string_view objekt_id);

// Builds the index of a data directory written before it existed (once; a marker records
// that it was done). Runs in transactions of `batch` objects.
Status BuildIndexIfMissing(storage::MetadataStore& store, size_t batch = 500);

}  // namespace aktenwerk::retention
