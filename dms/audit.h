// The audit trail: an append-only, hash-chained log of every change and every content read,
// written in the same transaction as the change it records.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dms/model.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

// Appends one entry inside `txn`: reads the chain head, links the entry to it, writes the
// entry, its per-object index entry and the new head. Transactions run serially (see
// MetadataStore::Commit), so the chain has no gaps or forks.
Status AppendAudit(storage::Txn& txn, int64_t zeit, std::string_view akteur,
                   std::string_view objekt_id, std::string_view aktion, nlohmann::json vorher,
                   nlohmann::json nachher);

// The chain hash of an entry: SHA-256 over the previous hash and the entry's JSON without
// its own hash, as lower-case hex.
std::string AuditHash(const AuditEntry& entry);

// Reads entries of the whole trail with seq > `after`, oldest first, at most `limit`.
Result<std::vector<AuditEntry>> ReadAudit(const storage::MetadataStore& store, uint64_t after,
                                          size_t limit);

// Reads the entries about one object, oldest first.
Result<std::vector<AuditEntry>> ReadObjektAudit(const storage::MetadataStore& store,
                                                std::string_view objekt_id, uint64_t after,
                                                size_t limit);

// Walks the whole chain and checks every link and hash. Returns kCorruption naming the
// first bad entry.
Status VerifyAuditChain(const storage::MetadataStore& store, uint64_t* entries);

}  // namespace aktenwerk::dms
