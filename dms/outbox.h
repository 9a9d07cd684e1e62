// The outbox: durable entries, written in the same transaction as a change, that tell the
// indexer (issue #3) what to (re)index or remove.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "storage/metadata_store.h"

namespace aktenwerk::dms {

// Appends {objekt_id, aktion, version} inside `txn`. `aktion` is the change ("angelegt",
// "version-angelegt", "geaendert", ...); "vernichtet" tells the indexer to remove the object
// and everything below it, with its extracted text. Transactions run serially, so sequence
// numbers have no gaps.
Status AppendOutbox(storage::Txn& txn, const std::string& objekt_id, std::string_view aktion,
                    uint32_t version);

}  // namespace aktenwerk::dms
