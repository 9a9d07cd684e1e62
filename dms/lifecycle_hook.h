// The hook through which a higher layer keeps its derived state in the same transaction as
// the lifecycle changes of the records service (dependency inversion: dms defines it,
// retention implements it, and dms never includes a retention header).
#pragma once

#include "dms/model.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

enum class LifecycleEvent {
    kClosed,     // zdA: `after.zda` is set
    kReopened,   // zdA cleared
    kMoved,      // `after.parent_id` differs from `before.parent_id`
    kDestroyed,  // destroyed, transferred or deleted: `before` is gone; `after` equals it
};

// Implemented by the retention layer (due-date index, processes in progress). Called inside
// the change's transaction after the change is staged, so that the hook's reads through `txn`
// see the new state. Returning a non-ok Status vetoes the change: the whole transaction is
// discarded and the caller gets that Status. Implementations must be thread-safe in the sense
// of the metadata store (transactions run serially) and must not commit on their own.
class LifecycleHook {
  public:
    virtual ~LifecycleHook() = default;
    virtual Status OnLifecycleChange(storage::Txn& txn, LifecycleEvent event, const Objekt& before,
                                     const Objekt& after) = 0;
};

}  // namespace aktenwerk::dms
