// The format upgrade steps and their runner.
#include "dms/format_upgrade.h"

#include <algorithm>
#include <ctime>

#include "dms/audit.h"
#include "dms/backup.h"
#include "dms/keys.h"
#include "dms/uuid.h"
#include "storage/codec.h"
#include "storage/log.h"

namespace aktenwerk::dms {
namespace {

const log::Logger& Log() {
    static const log::Logger logger("storage");
    return logger;
}

std::string UtcStamp(int64_t millis) {
    const std::time_t t = static_cast<std::time_t>(millis / 1000);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

// 1 -> 2: every data directory gets an instance id. Backups record it, and a restore applies
// the destruction register only of snapshots of the same instance, so that a folder that
// (by mistake) holds backups of two servers cannot destroy records of one by the other's.
Status GiveInstanzId(storage::Txn& txn, const Clock&) {
    AKTENWERK_ASSIGN_OR_RETURN(auto existing, txn.Get(std::string(kInstanzKey)));
    if (!existing) txn.Put(std::string(kInstanzKey), storage::EncodeValue({{"id", NewUuid()}}));
    return Status::Ok();
}

}  // namespace

const std::vector<FormatUpgradeStep>& FormatUpgradeSteps() {
    static const std::vector<FormatUpgradeStep> steps = {
        {1, "Instanzkennung fuer Sicherungen", GiveInstanzId},
    };
    return steps;
}

Result<UpgradeReport> UpgradeDataFormat(storage::MetadataStore& meta, storage::BlobStore& blobs,
                                        const std::string& data_dir, int version, int target,
                                        const std::vector<FormatUpgradeStep>& steps,
                                        const Clock& clock) {
    UpgradeReport report{version, target, {}};
    for (int v = version; v < target; ++v) {
        auto found =
            std::find_if(steps.begin(), steps.end(), [v](const auto& s) { return s.from == v; });
        if (found == steps.end()) {
            return InternalError("no upgrade step from data format " + std::to_string(v));
        }
    }
    report.backup_dir =
        data_dir + "/upgrade-backup-" + std::to_string(version) + "-" + UtcStamp(clock.NowMillis());
    AKTENWERK_RETURN_IF_ERROR(BackupStores(meta, blobs, data_dir, report.backup_dir).status());
    Log().Info("data format backup written",
               "from=" + std::to_string(version) + " backup=" + log::Quote(report.backup_dir));

    for (int v = version; v < target; ++v) {
        const auto& step =
            *std::find_if(steps.begin(), steps.end(), [v](const auto& s) { return s.from == v; });
        Status s = meta.Commit([&](storage::Txn& txn) -> Status {
            AKTENWERK_RETURN_IF_ERROR(step.run(txn, clock));
            txn.Put(std::string(keys::kFormat), storage::EncodeValue({{"version", v + 1}}));
            return AppendAudit(txn, clock.NowMillis(), "system", "", "datenformat-aktualisiert",
                               {{"version", v}},
                               {{"version", v + 1},
                                {"schritt", step.beschreibung},
                                {"sicherung", report.backup_dir}});
        });
        if (!s.ok()) {
            return s.WithContext("upgrade data format " + std::to_string(v) + " to " +
                                 std::to_string(v + 1) + " (backup in " + report.backup_dir + ")");
        }
        Log().Info("data format upgraded",
                   "from=" + std::to_string(v) + " to=" + std::to_string(v + 1));
    }
    return report;
}

}  // namespace aktenwerk::dms
