// Audit entries that need not hold up the request that caused them: refusals of access.
// Writing a refusal before answering would cost a synced commit only for objects that exist,
// and the difference in answer time would tell a caller which ids exist; so refusals are
// queued here and written by one background thread in batches.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <deque>
#include <mutex>
#include <string>
#include <thread>

#include <nlohmann/json.hpp>

#include "dms/principal.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

struct PendingAudit {
    int64_t zeit = 0;
    std::string akteur;
    std::string objekt_id;
    std::string aktion;
    nlohmann::json nachher;
};

// Thread-safe. The destructor writes what is still queued.
class AuditQueue {
  public:
    // Entries beyond this many waiting are dropped (and counted): a flood of refusals must
    // not grow memory without bound.
    static constexpr size_t kMaxPending = 100'000;

    explicit AuditQueue(storage::MetadataStore* store);
    ~AuditQueue();

    void Push(PendingAudit entry);
    // Queues a refusal ("zugriff-verweigert") of `was` to `p`, on `objekt_id` if any.
    void Refusal(int64_t zeit, const Principal& p, std::string_view objekt_id,
                 std::string_view was);
    // Returns once every entry pushed before the call is durable (or failed to write, which
    // is logged).
    void Flush();
    uint64_t dropped() const;

  private:
    void Run();

    storage::MetadataStore* store_;
    mutable std::mutex mu_;
    std::condition_variable cv_;
    std::condition_variable flushed_;
    std::deque<PendingAudit> pending_;  // guarded by mu_
    uint64_t pushed_ = 0;               // guarded by mu_
    uint64_t written_ = 0;              // guarded by mu_: entries handled, ok or not
    uint64_t dropped_ = 0;              // guarded by mu_
    bool stopping_ = false;             // guarded by mu_
    std::thread thread_;
};

}  // namespace aktenwerk::dms
