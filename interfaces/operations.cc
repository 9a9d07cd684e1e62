// Operational state for /readyz and /metrics.
#include "interfaces/operations.h"

#include "dms/keys.h"
#include "storage/codec.h"

namespace aktenwerk::interfaces {
namespace {

using nlohmann::json;

uint64_t AuditChainLength(storage::MetadataStore& store) {
    auto head = store.Get(std::string(dms::keys::kAuditHead));
    if (!head.ok() || !head->has_value()) return 0;
    auto decoded = storage::DecodeValue(**head);
    if (!decoded.ok()) return 0;
    return decoded->value("seq", uint64_t{0});
}

uint64_t OutboxEntries(storage::MetadataStore& store) {
    uint64_t count = 0;
    Status s = store.Scan(dms::keys::kOutboxPrefix, {}, OperationalState::kOutboxCountLimit,
                          [&count](std::string_view, std::string_view) {
                              ++count;
                              return true;
                          });
    return s.ok() ? count : 0;
}

// "ok", "read-only", "disk-full" (inside the reserve), "write-failed" (waiting to recover)
// or "unavailable" (cannot be read).
std::string StorageWord(const OperationalState& s) {
    if (!s.metadata_read.ok()) return "unavailable";
    if (s.read_only() || s.write_failure.reason() == "read-only") return "read-only";
    if (!s.write_failure.ok()) return "write-failed";
    if (s.inside_reserve) return "disk-full";
    return "ok";
}

std::string IndexWord(const OperationalState& s) {
    if (!s.index) return "unavailable";
    if (s.index->rebuilding) return "rebuilding";
    if (s.index->lag > 0 || s.index->ocr_queued + s.index->ocr_running > 0) return "catching-up";
    return "ok";
}

std::string Gauge(const char* name, const char* type, const char* help, uint64_t value) {
    return std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
           name + " " + std::to_string(value) + "\n";
}

}  // namespace

OperationalState ObserveOperations(dms::Repository& repo, const dms::SearchIndexer* search) {
    OperationalState out;
    storage::MetadataStore& store = repo.metadata();
    out.metadata_read = store.Get(std::string(dms::keys::kFormat)).status();
    out.write_failure = store.write_failure();
    out.recoveries = store.recoveries();
    if (auto fs = storage::FileSystemStateOf(repo.data_dir()); fs.ok()) out.data_fs = *fs;
    if (auto fs = storage::FileSystemStateOf(repo.data_dir() + "/blobs"); fs.ok()) {
        out.blob_fs = *fs;
    }
    out.reserve_bytes = repo.options().reserve_bytes;
    out.inside_reserve =
        storage::SpaceReserve(repo.data_dir(), out.reserve_bytes).CheckRoom(0).reason() ==
        "disk-full";
    if (out.metadata_read.ok()) {
        out.audit_entries = AuditChainLength(store);
        out.outbox_entries = OutboxEntries(store);
    }
    if (search != nullptr) out.index = search->stats();
    return out;
}

std::pair<int, json> Readiness(const OperationalState& s) {
    const std::string storage = StorageWord(s);
    const std::string index = IndexWord(s);
    const std::string status = storage == "unavailable" ? "unavailable"
                               : storage == "ok"        ? "ready"
                                                        : "degraded";
    std::string message = "storage " + storage + ", index ";
    message += index == "catching-up" ? "catching up" : index;
    if (status == "degraded") message += "; reads are served, writes are refused";

    json disk = {{"state", s.read_only()      ? "read-only"
                           : s.inside_reserve ? "reserve"
                           : s.data_fs        ? "ok"
                                              : "unknown"},
                 {"reserve_bytes", s.reserve_bytes}};
    if (s.data_fs) disk["free_bytes"] = s.data_fs->free_bytes;
    json body = {{"status", status},
                 {"message", message},
                 {"storage", {{"state", storage}, {"writable", s.write_failure.ok()}}},
                 {"disk", disk},
                 {"index", {{"state", index}}},
                 {"outbox", {{"entries", s.outbox_entries}}}};
    if (s.index) {
        body["index"]["lag"] = s.index->lag;
        body["index"]["ocr_queue"] = s.index->ocr_queued + s.index->ocr_running;
    }
    return {status == "unavailable" ? 503 : 200, body};
}

std::string OperationalMetrics(const OperationalState& s, dms::Repository& repo) {
    std::string out;
    out += Gauge("aktenwerk_versions_stored_total", "counter",
                 "Document versions stored durably since start (the ingest rate).",
                 repo.versions_stored());
    out += Gauge("aktenwerk_blobs", "gauge", "Files in the blob store.", repo.blobs().blob_count());
    out += Gauge("aktenwerk_blob_bytes", "gauge", "Bytes in the blob store.",
                 repo.blobs().blob_bytes());
    out += Gauge("aktenwerk_audit_entries", "gauge", "Length of the audit chain.", s.audit_entries);
    out += Gauge("aktenwerk_outbox_entries", "gauge",
                 "Outbox entries not yet removed by the indexer (counted up to 100000).",
                 s.outbox_entries);
    if (s.data_fs) {
        out += Gauge("aktenwerk_disk_free_bytes", "gauge",
                     "Free bytes on the file system of the data directory.", s.data_fs->free_bytes);
    }
    out += Gauge("aktenwerk_disk_reserve_bytes", "gauge",
                 "Free space kept back for reads and deletions (--reserve).", s.reserve_bytes);
    out += Gauge("aktenwerk_disk_inside_reserve", "gauge",
                 "1 while only the reserve is free and ordinary writes are refused.",
                 s.inside_reserve ? 1 : 0);
    out += Gauge("aktenwerk_disk_read_only", "gauge",
                 "1 while the data directory or the blob store is mounted read-only.",
                 s.read_only() ? 1 : 0);
    out += Gauge("aktenwerk_storage_writable", "gauge",
                 "1 while the metadata store accepts commits.", s.write_failure.ok() ? 1 : 0);
    out += Gauge("aktenwerk_storage_recoveries_total", "counter",
                 "Reopens of the metadata store after a write failure.", s.recoveries);
    out += Gauge("aktenwerk_ready", "gauge", "1 when /readyz answers 200.",
                 Readiness(s).first == 200 ? 1 : 0);
    return out;
}

}  // namespace aktenwerk::interfaces
