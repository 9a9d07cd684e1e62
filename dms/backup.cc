// Backups and restores of a repository; see backup.h for the destruction register.
#include "dms/backup.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <random>

#include "dms/audit.h"
#include "dms/destruction.h"
#include "dms/format_upgrade.h"
#include "dms/keys.h"
#include "dms/objekt_io.h"
#include "storage/codec.h"
#include "storage/log.h"

namespace aktenwerk::dms {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;

const log::Logger& Log() {
    static const log::Logger logger("storage");
    return logger;
}

bool IsRemoval(std::string_view aktion) {
    return aktion == "vernichtet" || aktion == "abgegeben" || aktion == "geloescht";
}

Result<Entfernung> EntfernungFrom(std::string_view aktion) {
    if (aktion == "vernichtet") return Entfernung::kVernichtet;
    if (aktion == "abgegeben") return Entfernung::kAbgegeben;
    if (aktion == "geloescht") return Entfernung::kGeloescht;
    return CorruptionError("register names an unknown removal '" + std::string(aktion) + "'");
}

// What a snapshot's manifest says about the repository in it, gathered from its entries.
class Summary {
  public:
    void Observe(std::string_view key, std::string_view value) {
        if (key.starts_with("o/")) {
            ++objekte_;
        } else if (key.starts_with(keys::kAuditPrefix)) {
            ObserveAudit(value);
        } else if (key == keys::kAuditHead || key == keys::kFormat || key == kInstanzKey) {
            auto j = storage::DecodeValue(value);
            if (j.ok()) meta_[std::string(key)] = std::move(*j);
        }
    }

    json ToJson() const {
        json head = Meta(keys::kAuditHead);
        json format = Meta(keys::kFormat);
        json instanz = Meta(kInstanzKey);
        json out = {
            {"instanz", instanz.is_object() ? instanz.value("id", "") : ""},
            {"datenformat", format.is_object() ? format.value("version", 0) : 0},
            {"objekte", objekte_},
            {"audit",
             {{"eintraege", audit_},
              {"kopf_seq", head.is_object() ? head.value("seq", uint64_t{0}) : 0},
              {"kopf_hash", head.is_object() ? head.value("hash", "") : ""}}},
        };
        json reg = json::array();
        for (const auto& e : register_) reg.push_back(dms::ToJson(e));
        out["entfernungen"] = std::move(reg);
        return out;
    }

  private:
    void ObserveAudit(std::string_view value) {
        ++audit_;
        auto j = storage::DecodeValue(value);
        if (!j.ok()) return;
        auto entry = AuditEntryFromJson(*j);
        if (!entry.ok() || !IsRemoval(entry->aktion)) return;
        std::string grund;
        if (entry->nachher.is_object() && entry->nachher["grund"].is_string()) {
            grund = entry->nachher["grund"].get<std::string>();
        }
        register_.push_back(
            {entry->seq, entry->objekt_id, entry->aktion, entry->zeit, entry->akteur, grund});
    }

    json Meta(std::string_view key) const {
        auto it = meta_.find(std::string(key));
        return it == meta_.end() ? json() : it->second;
    }

    uint64_t objekte_ = 0;
    uint64_t audit_ = 0;
    std::map<std::string, json> meta_;
    std::vector<Entfernungseintrag> register_;
};

std::string RandomSuffix() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    return std::to_string(rng() % 1'000'000'000);
}

constexpr std::string_view kRegisterFormat = "aktenwerk-entfernungen";

Result<std::vector<Entfernungseintrag>> RegisterFromJson(const json& reg) {
    std::vector<Entfernungseintrag> out;
    if (reg.is_null()) return out;
    if (!reg.is_array()) return CorruptionError("bad register");
    for (json j : reg) {  // a copy: operator[] of a const json on a missing member is undefined
        if (!j.is_object() || !j["seq"].is_number_unsigned() || !j["objekt_id"].is_string() ||
            !j["aktion"].is_string() || !IsRemoval(j["aktion"].get<std::string>())) {
            return CorruptionError("bad register entry");
        }
        if (!j["zeit"].is_number_integer() || !j["akteur"].is_string() || !j["grund"].is_string()) {
            return CorruptionError("bad register entry");
        }
        out.push_back({j["seq"].get<uint64_t>(), j["objekt_id"].get<std::string>(),
                       j["aktion"].get<std::string>(), j["zeit"].get<int64_t>(),
                       j["akteur"].get<std::string>(), j["grund"].get<std::string>()});
    }
    return out;
}

// The instance id a snapshot's manifest names; "" for a snapshot of format 1 (none).
std::string InstanzOf(const storage::BackupSnapshot& snapshot) {
    json manifest = snapshot.manifest;
    json& id = manifest["repository"]["instanz"];
    return id.is_string() ? id.get<std::string>() : std::string();
}

// Missing, or an empty folder.
Status CheckEmptyTarget(const std::string& data_dir) {
    std::error_code ec;
    if (!fs::exists(data_dir, ec)) return Status::Ok();
    if (fs::is_directory(data_dir, ec) && !fs::is_symlink(data_dir, ec) &&
        fs::is_empty(data_dir, ec)) {
        return Status::Ok();
    }
    return FailedPreconditionError(
        data_dir + " is not empty; a restore goes into a new or empty data directory", "not-empty");
}

// The union of the registers of the folder's snapshots of `instanz` and of `extra`, by
// object, first removal first.
std::vector<Entfernungseintrag> FolderRegister(const std::vector<storage::BackupSnapshot>& all,
                                               const std::string& instanz,
                                               const std::vector<Entfernungseintrag>& extra) {
    std::map<std::string, Entfernungseintrag> by_objekt;
    for (const auto& snapshot : all) {
        if (InstanzOf(snapshot) != instanz) continue;
        auto reg = RegisterOf(snapshot);
        if (!reg.ok()) continue;
        for (auto& e : *reg) by_objekt.emplace(e.objekt_id, std::move(e));
    }
    for (const auto& e : extra) by_objekt.emplace(e.objekt_id, e);
    std::vector<Entfernungseintrag> out;
    for (auto& [id, e] : by_objekt) out.push_back(std::move(e));
    std::sort(out.begin(), out.end(), [](const auto& a, const auto& b) { return a.seq < b.seq; });
    return out;
}

// Repeats one later removal in the restored repository, through the removal core (holds
// checked, stubs kept, audit entries, outbox), and removes the blobs it frees.
Status ApplyRemoval(Repository& repo, const Entfernungseintrag& e, const Clock& clock) {
    AKTENWERK_ASSIGN_OR_RETURN(Entfernung art, EntfernungFrom(e.aktion));
    EntfernungsAuftrag auftrag;
    auftrag.objekt_id = e.objekt_id;
    auftrag.art = art;
    auftrag.grund = "nachgetragen bei der Wiederherstellung: " + e.aktion + " von " + e.akteur +
                    " (Audit-Eintrag " + std::to_string(e.seq) + "): " + e.grund;
    auftrag.stub_info = {{"nachgetragen", true}, {"audit_seq", e.seq}, {"zeit", e.zeit}};
    EntfernungsBericht bericht;
    Status s = repo.metadata().Commit(
        [&](storage::Txn& txn) -> Status {
            bericht = {};
            AKTENWERK_ASSIGN_OR_RETURN(auto o, LoadObjekt(txn, e.objekt_id));
            return RemoveSubtreeInTxn(txn, o, auftrag, "wiederherstellung", clock.NowMillis(),
                                      clock.Today(), repo.lifecycle_hook(), &bericht);
        },
        storage::Room::kMayUseReserve);
    if (!s.ok()) return s.WithContext("repeat the removal of " + e.objekt_id);
    for (const auto& sha : bericht.freie_blobs) {
        auto removed = repo.blobs().RemoveIfUnused(sha, [&](const std::string& h) -> Result<bool> {
            AKTENWERK_ASSIGN_OR_RETURN(auto ref, repo.metadata().Get(keys::BlobRef(h)));
            return ref.has_value();
        });
        AKTENWERK_RETURN_IF_ERROR(removed.status());
    }
    return Status::Ok();
}

Status ApplyLaterRemovals(Repository& repo, const std::vector<Entfernungseintrag>& reg,
                          const Clock& clock, RestoreReport* report) {
    for (const auto& e : reg) {
        // Gone already: removed before the snapshot, or with an ancestor just now.
        AKTENWERK_ASSIGN_OR_RETURN(auto raw, repo.metadata().Get(keys::Objekt(e.objekt_id)));
        if (!raw) continue;
        AKTENWERK_RETURN_IF_ERROR(ApplyRemoval(repo, e, clock));
        report->nachgetragen.push_back(e);
        Log().Info("restore repeated a later removal", "objekt=" + e.objekt_id +
                                                           " aktion=" + e.aktion +
                                                           " audit_seq=" + std::to_string(e.seq));
    }
    return Status::Ok();
}

// The restore's work inside the staging folder.
Status RestoreInto(const storage::BackupFolder& folder, const storage::BackupSnapshot& snapshot,
                   const std::vector<Entfernungseintrag>& reg, const std::string& staging,
                   const RestoreOptions& options, const Clock* clock, RestoreReport* report) {
    AKTENWERK_RETURN_IF_ERROR(folder.RestoreSnapshot(
        snapshot, staging, std::string(keys::kBlobRefPrefix), nullptr, &report->counts));
    AKTENWERK_ASSIGN_OR_RETURN(auto repo, Repository::Open(staging, options.repository, clock));
    std::shared_ptr<void> attached;
    if (options.attach) {
        AKTENWERK_ASSIGN_OR_RETURN(attached, options.attach(*repo));
    }
    AKTENWERK_RETURN_IF_ERROR(ApplyLaterRemovals(*repo, reg, *clock, report));
    uint64_t entries = 0;
    AKTENWERK_RETURN_IF_ERROR(VerifyAuditChain(repo->metadata(), &entries));
    if (options.finish) AKTENWERK_RETURN_IF_ERROR(options.finish(*repo));
    attached.reset();
    repo.reset();
    return Status::Ok();
}

}  // namespace

json ToJson(const Entfernungseintrag& e) {
    return {{"seq", e.seq},   {"objekt_id", e.objekt_id}, {"aktion", e.aktion},
            {"zeit", e.zeit}, {"akteur", e.akteur},       {"grund", e.grund}};
}

Result<std::vector<Entfernungseintrag>> RegisterOf(const storage::BackupSnapshot& snapshot) {
    json manifest = snapshot.manifest;  // a copy, for operator[] on members that may be missing
    auto reg = RegisterFromJson(manifest["repository"]["entfernungen"]);
    if (!reg.ok()) return reg.status().WithContext("snapshot " + snapshot.name);
    return reg;
}

Result<json> ExportRegister(const storage::MetadataStore& meta) {
    Summary summary;
    auto observe = [&](std::string_view k, std::string_view v) {
        summary.Observe(k, v);
        return true;
    };
    AKTENWERK_RETURN_IF_ERROR(meta.Scan(keys::kAuditPrefix, "", 0, observe));
    AKTENWERK_RETURN_IF_ERROR(meta.Scan(kInstanzKey, "", 1, observe));
    json all = summary.ToJson();
    return json{{"format", kRegisterFormat},
                {"instanz", all["instanz"]},
                {"entfernungen", std::move(all["entfernungen"])}};
}

Result<std::vector<Entfernungseintrag>> LoadRegister(const std::string& path,
                                                     const std::string& instanz) {
    json reg;
    std::error_code ec;
    if (fs::is_directory(path, ec)) {
        if (!fs::exists(fs::path(path) / "meta" / "CURRENT", ec)) {
            return NotFoundError(path + " is neither a data directory nor a register file");
        }
        storage::MetadataStoreOptions store_options;
        store_options.reserve_bytes = 0;
        AKTENWERK_ASSIGN_OR_RETURN(auto meta,
                                   storage::MetadataStore::Open(path + "/meta", store_options));
        AKTENWERK_ASSIGN_OR_RETURN(reg, ExportRegister(*meta));
    } else {
        std::ifstream in(path);
        if (!in) return NotFoundError("cannot read the register file " + path);
        reg = json::parse(in, nullptr, false);
        if (reg.is_discarded() || !reg.is_object() || reg.value("format", "") != kRegisterFormat) {
            return CorruptionError(path +
                                   " is not a register that `aktenwerk backup register` wrote");
        }
    }
    if (reg["instanz"] != instanz) {
        return FailedPreconditionError(
            "the register of " + path + " belongs to another repository than the backup",
            "other-instance");
    }
    auto out = RegisterFromJson(reg["entfernungen"]);
    if (!out.ok()) return out.status().WithContext("register " + path);
    return out;
}

Result<std::unique_ptr<storage::SnapshotSource>> OpenSnapshotSource(
    Repository& repo, std::function<bool(std::string_view sha256)> destination_has) {
    storage::SnapshotSourceOptions options;
    options.blob_ref_prefix = std::string(keys::kBlobRefPrefix);
    options.destination_has = std::move(destination_has);
    return storage::SnapshotSource::Open(repo.metadata(), repo.blobs(), std::move(options));
}

Result<BackupResult> WriteBackup(const std::string& dir, const storage::ByteSource& stream,
                                 const std::string& source) {
    AKTENWERK_ASSIGN_OR_RETURN(auto folder, storage::BackupFolder::OpenOrCreate(dir));
    Summary summary;
    BackupResult result;
    AKTENWERK_ASSIGN_OR_RETURN(
        result.snapshot,
        folder.WriteSnapshot(
            stream, source, [&](std::string_view k, std::string_view v) { summary.Observe(k, v); },
            [&] { return summary.ToJson(); }, &result.counts));
    return result;
}

Result<BackupResult> BackupStores(storage::MetadataStore& meta, storage::BlobStore& blobs,
                                  const std::string& data_dir, const std::string& dir) {
    AKTENWERK_ASSIGN_OR_RETURN(auto folder, storage::BackupFolder::OpenOrCreate(dir));
    storage::SnapshotSourceOptions options;
    options.blob_ref_prefix = std::string(keys::kBlobRefPrefix);
    options.destination_has = [&](std::string_view sha) { return folder.HasBlob(sha); };
    AKTENWERK_ASSIGN_OR_RETURN(auto source,
                               storage::SnapshotSource::Open(meta, blobs, std::move(options)));
    storage::SnapshotSource* raw = source.get();
    return WriteBackup(
        dir, [raw](char* buf, size_t n) { return raw->Read(buf, n); }, data_dir);
}

Result<BackupResult> BackupRepository(Repository& repo, const std::string& dir) {
    return BackupStores(repo.metadata(), repo.blobs(), repo.data_dir(), dir);
}

Result<RestoreReport> RestoreBackup(const std::string& from, const std::string& data_dir,
                                    const RestoreOptions& options, const Clock* clock) {
    AKTENWERK_RETURN_IF_ERROR(CheckEmptyTarget(data_dir));
    AKTENWERK_ASSIGN_OR_RETURN(auto folder, storage::BackupFolder::Open(from));
    AKTENWERK_ASSIGN_OR_RETURN(auto snapshot, folder.Find(options.snapshot));
    RestoreReport report;
    report.snapshot = snapshot.name;
    AKTENWERK_ASSIGN_OR_RETURN(auto all, folder.List(&report.refused));
    std::vector<Entfernungseintrag> extra;
    for (const auto& path : options.destroyed_from) {
        AKTENWERK_ASSIGN_OR_RETURN(auto loaded, LoadRegister(path, InstanzOf(snapshot)));
        extra.insert(extra.end(), loaded.begin(), loaded.end());
    }
    const auto reg = FolderRegister(all, InstanzOf(snapshot), extra);
    report.register_entries = reg.size();

    // A sibling, so that the final rename stays on one file system.
    fs::path target = fs::absolute(fs::path(data_dir)).lexically_normal();
    if (!target.has_filename()) target = target.parent_path();
    const std::string staging = target.string() + ".restore-" + RandomSuffix();
    Status s = RestoreInto(folder, snapshot, reg, staging, options, clock, &report);
    std::error_code ec;
    if (s.ok() && ::rename(staging.c_str(), target.c_str()) != 0) {
        s = ErrnoError("move the restored data into " + target.string(), errno);
    }
    if (s.ok()) s = storage::SyncDirectory(target.parent_path().string());
    if (!s.ok()) {
        fs::remove_all(staging, ec);
        return s.WithContext("restore " + snapshot.name + " from " + from);
    }
    return report;
}

}  // namespace aktenwerk::dms
