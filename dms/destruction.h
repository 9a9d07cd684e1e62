// Removing records for good: the destruction and transfer of the Aussonderung and the direct
// deletion allowed by records rules share one core that runs inside a single transaction per
// removed subtree. It checks holds in that transaction, removes every version record and blob
// reference (the blob itself once nothing else refers to it), keeps a stub of each Akte and
// Vorgang, writes one audit entry per removed object and an outbox entry "vernichtet" so that
// the indexer drops extracted text and index entries.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "dms/civil_date.h"
#include "dms/model.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

// Why records are removed. Each has its own audit action and stub state.
enum class Entfernung {
    kVernichtet,  // destroyed after the archive's appraisal V (or unappraised)
    kAbgegeben,   // transferred to the archive (0506 confirmed), then deleted here
    kGeloescht,   // deleted directly under the records rules (see Repository::Delete)
};

// "vernichtet", "abgegeben", "geloescht": the audit action, stub state and outbox marker.
std::string_view EntfernungName(Entfernung art);

// One version whose content was removed.
struct EntfernteVersion {
    uint32_t nummer = 0;
    std::string sha256;
    uint64_t groesse = 0;
    std::string dateiname;
    // False when another version still refers to the same content, so the blob stays.
    bool blob_entfernt = false;
};

// One removed object.
struct EntferntesObjekt {
    std::string id;
    Kind kind = Kind::kDokument;
    std::string parent_id;
    std::string bezeichnung;  // Aktenzeichen, Kennzeichen or Betreff
    std::string betreff;
    std::vector<EntfernteVersion> versionen;
};

// What one removal did, in tree order (parents before their children).
struct EntfernungsBericht {
    Entfernung art = Entfernung::kVernichtet;
    std::string akteur;
    int64_t zeit = 0;
    std::vector<EntferntesObjekt> objekte;
    // Blobs whose last reference went away; removed from disk after the commit.
    std::vector<std::string> freie_blobs;
};

nlohmann::json ToJson(const EntfernungsBericht& b);

// A request to remove an object and everything below it.
struct EntfernungsAuftrag {
    std::string objekt_id;
    Entfernung art = Entfernung::kVernichtet;
    std::string grund;  // the reason, or the process it belongs to; recorded in audit and stub
    // Kept in the stubs of removed Akten and Vorgänge: retention rule, due date, decision,
    // protocol reference, Archivkennung, ...
    nlohmann::json stub_info = nlohmann::json::object();
    // Runs first inside the transaction, with the root object; a non-ok Status stops the
    // removal (e.g. the caller's process is no longer in the state that allows it).
    std::function<Status(storage::Txn&, const Objekt& root)> pruefen;
    // Runs last inside the transaction with the report, for the caller's own records (a
    // protocol entry written atomically with the removal).
    std::function<Status(storage::Txn&, const EntfernungsBericht&)> protokollieren;
};

// A stub: what stays of a removed Akte or Vorgang.
struct Stub {
    std::string id;
    Kind kind = Kind::kAkte;
    std::string parent_id;
    std::string aktenzeichen;
    std::string betreff;
    std::optional<CivilDate> laufzeit_beginn;
    std::optional<CivilDate> laufzeit_ende;
    std::optional<CivilDate> zda;
    Entfernung art = Entfernung::kVernichtet;
    std::string datum;  // civil date of the removal
    int64_t zeit = 0;
    std::string akteur;
    std::string grund;
    nlohmann::json info = nlohmann::json::object();
};

nlohmann::json ToJson(const Stub& s);
Result<Stub> StubFromJson(const nlohmann::json& j);

// The removal core, used by Repository::Destroy and Repository::Delete inside their
// transaction: checks holds, then removes `root` and its subtree as described above. Fills
// `bericht` (freie_blobs lists hashes whose reference count fell to zero). `hook`, when set,
// is called with kDestroyed for every removed object.
class LifecycleHook;
Status RemoveSubtreeInTxn(storage::Txn& txn, const Objekt& root, const EntfernungsAuftrag& auftrag,
                          const std::string& akteur, int64_t zeit, const CivilDate& heute,
                          LifecycleHook* hook, EntfernungsBericht* bericht);

}  // namespace aktenwerk::dms
