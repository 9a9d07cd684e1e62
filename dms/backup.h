// Backups of a repository and their restore: the records-aware layer over the snapshot
// stream and backup folders of storage/. It adds to each snapshot a summary of what it holds
// (instance, format, object and audit counts, the audit chain head) and the destruction
// register: every removal the audit trail records. A restore of an older snapshot applies
// the removals that the register of any snapshot of the same instance in the folder records
// later, so that a record destroyed after the backup is not brought back.
// TODO(#9): the Aussonderung's work folder (DATA/aussonderung: the xdomea messages and the
// signed Vernichtungsprotokolle) is outside the snapshot; the protocol lines are in the
// metadata, but the files themselves must be backed up by the operator until it is carried.
// TODO(#9): a tester found three ways a restore can bring back a destroyed record or remove
// a live one: a `--destroyed-from` register entry is not checked against the snapshots'
// registers (a forged entry with a known seq replaced the genuine one and deleted a
// non-empty Akte); a snapshot entry that cannot be read (a symlinked folder) is skipped
// without a word, so an older snapshot is restored without the newer one's removals; and a
// backup folder takes snapshots of another instance. Registers and manifests are unkeyed.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dms/clock.h"
#include "dms/repository.h"
#include "storage/backup_folder.h"
#include "storage/snapshot_stream.h"

namespace aktenwerk::dms {

// One removal (destruction, transfer, deletion) as the audit trail records it.
struct Entfernungseintrag {
    uint64_t seq = 0;  // the audit entry's number
    std::string objekt_id;
    std::string aktion;  // "vernichtet", "abgegeben", "geloescht"
    int64_t zeit = 0;
    std::string akteur;
    std::string grund;
};

// The snapshot stream of an open repository, for the online backup (the server's own stores)
// and the offline one. `destination_has` names the blobs the backup folder holds already.
Result<std::unique_ptr<storage::SnapshotSource>> OpenSnapshotSource(
    Repository& repo, std::function<bool(std::string_view sha256)> destination_has);

struct BackupResult {
    storage::BackupSnapshot snapshot;
    storage::BackupCounts counts;
};

// Writes the snapshot `stream` into the backup folder `dir` (created when missing or empty)
// with the summary and destruction register in its manifest. `source` says where it came
// from (a URL or a data directory). Errors of the stream or the folder; nothing of a failed
// backup is left as a snapshot.
Result<BackupResult> WriteBackup(const std::string& dir, const storage::ByteSource& stream,
                                 const std::string& source);

// Backs up the stores of a data directory not yet opened as a repository (the format
// upgrade's backup) into `dir`.
Result<BackupResult> BackupStores(storage::MetadataStore& meta, storage::BlobStore& blobs,
                                  const std::string& data_dir, const std::string& dir);

// Backs up an open repository into `dir` (the offline tool).
Result<BackupResult> BackupRepository(Repository& repo, const std::string& dir);

struct RestoreOptions {
    std::string snapshot;  // its name; empty: the newest complete one
    RepositoryOptions repository;
    // Called with the restored repository before the removals are applied; what it returns
    // lives until the restore ends (the retention layer registers its lifecycle hook so).
    std::function<Result<std::shared_ptr<void>>(Repository&)> attach;
    // Called last, with the restored repository (to rebuild the search index).
    std::function<Status(Repository&)> finish;
    // Registers from outside the folder (see LoadRegister: the old data directory or a file
    // `aktenwerk backup register` wrote), whose removals are applied like those of the
    // folder's later snapshots. Any that cannot be read, or belongs to another repository,
    // fails the restore before anything is written.
    std::vector<std::string> destroyed_from;
};

struct RestoreReport {
    std::string snapshot;
    storage::BackupCounts counts;
    size_t register_entries = 0;  // removals known to the folder for this instance
    // Removals recorded after the snapshot and applied to the restored copy.
    std::vector<Entfernungseintrag> nachgetragen;
    // Snapshots of the folder left out of the register (damaged manifest), with the reason.
    std::vector<std::string> refused;
};

// Restores a snapshot of the backup folder `from` into `data_dir`, which must be missing or
// an empty folder (kFailedPrecondition, reason "not-empty", otherwise). Works in a sibling
// folder and renames it into place at the end: on any error nothing is left at `data_dir`.
// Refuses a damaged or tampered snapshot (kCorruption) or one of a newer format. Applies the
// later removals of the register (see above); a removal a hold in the restored copy blocks
// fails the restore with kFailedPrecondition (reason "held"), since holds are never
// bypassed: restore a newer snapshot then. The audit chain of the result is verified.
Result<RestoreReport> RestoreBackup(const std::string& from, const std::string& data_dir,
                                    const RestoreOptions& options, const Clock* clock);

// The destruction register of a metadata store: its instance id and every removal its audit
// trail records, as {"format": "aktenwerk-entfernungen", "instanz", "entfernungen": [...]}.
// What `aktenwerk backup register` writes, for a restore's --destroyed-from.
Result<nlohmann::json> ExportRegister(const storage::MetadataStore& meta);

// The removals that `path` records: a data directory (its metadata store is opened, so its
// server must be stopped: kUnavailable "locked" otherwise) or a file ExportRegister wrote.
// `instanz` is the instance id of the snapshot to restore: a register of another instance is
// refused (kFailedPrecondition, reason "other-instance"), since applying it would destroy
// records of one repository by another's removals. kCorruption for a malformed file.
Result<std::vector<Entfernungseintrag>> LoadRegister(const std::string& path,
                                                     const std::string& instanz);

// The register of one snapshot's manifest.
Result<std::vector<Entfernungseintrag>> RegisterOf(const storage::BackupSnapshot& snapshot);

nlohmann::json ToJson(const Entfernungseintrag& e);

}  // namespace aktenwerk::dms
