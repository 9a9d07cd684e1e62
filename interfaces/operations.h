// What an operator watches: the state of the data directory, the metadata store and the
// index, answered by /readyz and added to /metrics.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "dms/repository.h"
#include "dms/search_indexer.h"
#include "storage/disk_space.h"

namespace aktenwerk::interfaces {

struct OperationalState {
    Status metadata_read;  // a probe read of the metadata store
    Status write_failure;  // ok while the metadata store accepts commits
    uint64_t recoveries = 0;
    std::optional<storage::FileSystemState> data_fs;  // unset when statvfs failed
    std::optional<storage::FileSystemState> blob_fs;  // DIR/blobs may be a mount of its own
    uint64_t reserve_bytes = 0;
    bool inside_reserve = false;             // ordinary writes are refused with disk-full
    uint64_t audit_entries = 0;              // length of the audit chain
    uint64_t outbox_entries = 0;             // counted up to kOutboxCountLimit
    std::optional<dms::IndexerStats> index;  // unset without a search index

    static constexpr uint64_t kOutboxCountLimit = 100'000;

    bool read_only() const {
        return (data_fs && data_fs->read_only) || (blob_fs && blob_fs->read_only);
    }
};

// Looks at `repo` and, when not null, `search`. Cheap enough for every scrape: two statvfs,
// two reads and a bounded scan of the outbox. Thread-safe.
OperationalState ObserveOperations(dms::Repository& repo, const dms::SearchIndexer* search);

// The readiness answer: 503 only when the metadata store cannot be read. A disk that is full
// (inside the reserve) or read-only, or a store waiting to recover from a write failure, is
// "degraded" but ready with 200: reads are served and writes are refused with a clear
// problem, which is better for a load balancer than taking the node out. The body says what
// holds, e.g. "storage ok, index catching up", with the index lag, outbox size and disk.
std::pair<int, nlohmann::json> Readiness(const OperationalState& state);

// The Prometheus text of the state, and of `repo`'s ingest and blob counters.
std::string OperationalMetrics(const OperationalState& state, dms::Repository& repo);

}  // namespace aktenwerk::interfaces
