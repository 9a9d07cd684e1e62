// Upgrades of a data directory written by an older format: a registry of steps from version
// N to N+1, run by Repository::Open before anything else touches the data, after a backup.
#pragma once

#include <functional>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dms/clock.h"
#include "storage/blob_store.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

// The key of the instance id: a random UUID given to a data directory when it is created
// (format 2), kept by its backups and restores, so that a backup folder can tell the
// snapshots of one repository from another's.
inline constexpr std::string_view kInstanzKey = "m/instanz";

// One step from format `from` to `from + 1`. `run` makes its changes inside the transaction
// that also moves the format key and writes the audit entry, so a step is done entirely or
// not at all.
struct FormatUpgradeStep {
    int from = 0;
    std::string beschreibung;
    std::function<Status(storage::Txn& txn, const Clock& clock)> run;
};

// This binary's steps, one for each version from 1 up to kDataFormatVersion - 1.
const std::vector<FormatUpgradeStep>& FormatUpgradeSteps();

// What an upgrade did.
struct UpgradeReport {
    int from = 0;
    int to = 0;
    std::string backup_dir;  // DATA/upgrade-backup-<from>-<UTC time>
};

// Brings the metadata of `data_dir` from format `version` to `target` with `steps`: first a
// full backup (backup.h) into DATA/upgrade-backup-<version>-<time>, then each step in its own
// transaction with the format bump and an audit entry "datenformat-aktualisiert". Before the
// first writer; the stores must be those of `data_dir`. kInternal when a step is missing;
// errors of the backup stop the upgrade before any change.
Result<UpgradeReport> UpgradeDataFormat(storage::MetadataStore& meta, storage::BlobStore& blobs,
                                        const std::string& data_dir, int version, int target,
                                        const std::vector<FormatUpgradeStep>& steps,
                                        const Clock& clock);

}  // namespace aktenwerk::dms
