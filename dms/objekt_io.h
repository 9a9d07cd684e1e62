// Reading and writing records of the tree inside and outside transactions, shared by the
// records service, holds and destruction so that every path reads an object the same way.
#pragma once

#include <functional>
#include <string>
#include <string_view>

#include "dms/keys.h"
#include "dms/model.h"
#include "storage/codec.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

// How far walks up or down the records tree go before they report a corrupt parent chain
// (the tree itself is kept shallower by the records service).
inline constexpr size_t kTreeWalkLimit = 64;

// Loads an object through anything with Get(key) (a storage::Txn or the MetadataStore).
// kNotFound for an unknown id; for an object that was destroyed, transferred or deleted the
// reason is "ausgesondert" and the message says when and how (its stub is kept).
template <typename Reader>
Result<Objekt> LoadObjekt(const Reader& reader, std::string_view id) {
    if (id.empty() || id.size() > 64) {
        return NotFoundError("object '" + std::string(id) + "' not found");
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, reader.Get(keys::Objekt(id)));
    if (!raw) {
        AKTENWERK_ASSIGN_OR_RETURN(auto stub, reader.Get(keys::Stub(id)));
        if (stub) {
            AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*stub));
            return Status(StatusCode::kNotFound,
                          "object " + std::string(id) + " was " + j.value("art", "ausgesondert") +
                              " on " + j.value("datum", "") + "; only its stub is kept",
                          "ausgesondert");
        }
        return NotFoundError("object " + std::string(id) + " not found");
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    return ObjektFromJson(j);
}

// A read view of the committed store with the read interface of storage::Txn (Get and a
// prefix Scan), so that checks written for transactions also answer read-only questions
// without a commit.
class StoreView {
  public:
    explicit StoreView(const storage::MetadataStore& store) : store_(store) {}
    Result<std::optional<std::string>> Get(const std::string& key) const { return store_.Get(key); }
    Status Scan(std::string_view prefix, std::string_view start_after,
                const std::function<bool(std::string_view, std::string_view)>& fn) const {
        return store_.Scan(prefix, start_after, 0, fn);
    }

  private:
    const storage::MetadataStore& store_;
};

// The key of `o` in its parent's child index.
std::string ChildIndexKey(const Objekt& o);

// The prefix of the children of `parent_id` of one kind (they sort by kind first); the
// child's id is the last '/'-separated segment of each key.
std::string ChildPrefixOfKind(std::string_view parent_id, Kind kind);

// kFailedPrecondition (reason "closed") when `o` or an ancestor is a closed Akte or Vorgang:
// nothing at or below a closed object may change.
Status CheckWritableInTxn(const storage::Txn& txn, const Objekt& o);

// The Aktenzeichen, Kennzeichen or Betreff by which people name `o`.
std::string Bezeichnung(const Objekt& o);

}  // namespace aktenwerk::dms
