// The metadata store: LevelDB under prefixed keys, with transactions that are committed in
// groups (one synced LevelDB batch for many concurrent writers).
#pragma once

#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <deque>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <shared_mutex>
#include <string>
#include <string_view>
#include <vector>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "storage/disk_space.h"
#include "storage/fs_flusher.h"
#include "storage/status.h"

namespace aktenwerk::storage {

class Txn;

// A unit of work run by MetadataStore::Commit. It reads through the Txn and records its
// writes there; returning a non-ok Status discards every write of this Txn only.
using TxnFn = std::function<Status(Txn&)>;

// Writes staged by the transactions of one commit group, visible to later transactions of
// the same group before anything reaches disk.
class Overlay {
  public:
    // nullopt: the key is not staged. A staged delete is an engaged optional of nullopt.
    std::optional<std::optional<std::string>> Find(const std::string& key) const;
    void Put(const std::string& key, std::string value) { entries_[key] = std::move(value); }
    void Delete(const std::string& key) { entries_[key] = std::nullopt; }
    void Clear() { entries_.clear(); }

    // The staged entries whose key starts with `prefix` and is greater than `start_after`, in
    // key order (deletes included, as nullopt).
    using Entries = std::map<std::string, std::optional<std::string>>;
    std::pair<Entries::const_iterator, Entries::const_iterator> Range(
        std::string_view prefix, std::string_view start_after) const;

  private:
    Entries entries_;
};

// The view and write set of one transaction. Only valid inside its TxnFn.
class Txn {
  public:
    Txn(leveldb::DB* db, const Overlay* group) : db_(db), group_(group) {}

    // The current value of `key`, seeing this transaction's own writes and those of earlier
    // transactions in the same group. nullopt when absent; kCorruption/kInternal on I/O
    // errors.
    Result<std::optional<std::string>> Get(const std::string& key) const;

    void Put(std::string key, std::string value);
    void Delete(std::string key);

    // Calls `fn(key, value)` for the keys starting with `prefix` and greater than
    // `start_after` (empty: from the first), in key order, until it returns false: the
    // committed keys merged with this transaction's own writes and those of earlier
    // transactions in the same group, so that a check of "the children of X" inside a
    // transaction sees exactly what its writes will be applied to. The values passed are valid
    // only during the call; `fn` must not write through this Txn.
    Status Scan(std::string_view prefix, std::string_view start_after,
                const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

    // Called after this transaction's writes are durable, on the thread that called Commit,
    // in the order registered. Not called when the commit fails.
    void OnCommit(std::function<void()> fn) { on_commit_.push_back(std::move(fn)); }

  private:
    friend class MetadataStore;

    leveldb::DB* db_;
    const Overlay* group_;
    Overlay own_;
    std::vector<std::pair<std::string, std::optional<std::string>>> writes_;
    std::vector<std::function<void()>> on_commit_;
};

struct MetadataStoreOptions {
    // LevelDB block cache; small by default (DESIGN.md targets 300 MB resident at 1M objects).
    size_t block_cache_bytes = 32 << 20;
    // Upper bound of transactions that share one synced batch.
    size_t max_group_size = 512;
    // When false, batches are not fsynced. Only for benchmarks of the upper bound; never in
    // the server.
    bool sync = true;
    // Free space kept on the store's file system for commits that must work on a full disk
    // (see Room). 0 disables the reserve.
    uint64_t reserve_bytes = 64 << 20;
};

// Whether a commit may use the free-space reserve.
enum class Room {
    kNeedsRoom,      // ordinary changes: refused with "disk-full" once only the reserve is left
    kMayUseReserve,  // audit entries of reads, and changes that free space
};

// Counters for tests and metrics.
struct CommitStats {
    uint64_t transactions = 0;
    uint64_t batches = 0;  // LevelDB batch writes, one per commit group
    uint64_t syncs = 0;    // flushes to disk; one covers every batch written before it
};

// A consistent read view of the committed metadata at one moment (a LevelDB snapshot). Writes
// committed after it was taken are not seen. Thread-safe; must not outlive its store. While
// it lives, the store's LevelDB handle is held shared, so a recovery after a write failure
// (which replaces the handle) waits until the snapshot is gone.
class MetadataSnapshot {
  public:
    ~MetadataSnapshot();
    MetadataSnapshot(const MetadataSnapshot&) = delete;
    MetadataSnapshot& operator=(const MetadataSnapshot&) = delete;

    // Calls `fn(key, value)` for the keys starting with `prefix` (empty: all keys) and greater
    // than `start_after`, in key order, until it returns false.
    Status Scan(std::string_view prefix, std::string_view start_after,
                const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

  private:
    friend class MetadataStore;
    MetadataSnapshot(std::shared_lock<std::shared_timed_mutex> db_lock, leveldb::DB* db,
                     const leveldb::Snapshot* snapshot)
        : db_lock_(std::move(db_lock)), db_(db), snapshot_(snapshot) {}
    std::shared_lock<std::shared_timed_mutex> db_lock_;  // keeps db_ from being replaced
    leveldb::DB* db_;
    const leveldb::Snapshot* snapshot_;
};

// Thread-safe. One instance per data directory and process (LevelDB's own lock file makes a
// second process fail with kUnavailable, reason "locked").
class MetadataStore {
  public:
    static Result<std::unique_ptr<MetadataStore>> Open(const std::string& dir,
                                                       const MetadataStoreOptions& options = {});
    ~MetadataStore();
    MetadataStore(const MetadataStore&) = delete;
    MetadataStore& operator=(const MetadataStore&) = delete;

    // Reads the last committed value; nullopt when absent.
    Result<std::optional<std::string>> Get(const std::string& key) const;

    // Calls `fn(key, value)` for the keys starting with `prefix` and greater than
    // `start_after` (empty: from the first), in key order, until it returns false or
    // `limit` keys were visited (0: no limit). Sees one consistent snapshot.
    Status Scan(std::string_view prefix, std::string_view start_after, size_t limit,
                const std::function<bool(std::string_view key, std::string_view value)>& fn) const;

    // Scans backwards from the last key with `prefix` (newest first for sortable numbers).
    Status ScanReverse(std::string_view prefix, size_t limit,
                       const std::function<bool(std::string_view, std::string_view)>& fn) const;

    // Runs `fn` serially with every other transaction and makes its writes durable: when this
    // returns ok, the writes are in LevelDB's log and flushed to disk. Concurrent callers are
    // grouped into one batch, and one flush covers every batch written while the previous
    // flush ran. Returns fn's own error, or the write error (disk full: reason "disk-full").
    // Writes become visible to readers when their batch is written, shortly before they are
    // durable; a caller learns of success only after the flush.
    // With Room::kNeedsRoom the commit is refused (kResourceExhausted, "disk-full") before
    // `fn` runs when the free space has fallen to the reserve. After a failed batch write or
    // flush every later commit fails with that error until the store is reopened, since the
    // log may end in a torn record that further appends would bury, until the store has
    // recovered by itself: a later Commit (at most one attempt a second) checks that the
    // file system takes writes again (room and not read-only, by writing and syncing a probe
    // file), then closes LevelDB and opens it again, which replays the log up to its last
    // whole record and starts a new one. Reads wait during the reopen (a few milliseconds);
    // if the reopen fails they fail with kUnavailable until an attempt succeeds.
    Status Commit(const TxnFn& fn, Room room = Room::kNeedsRoom);

    // Ok while commits are accepted; otherwise the write failure that stopped them (until
    // recovery, see Commit).
    Status write_failure() const;

    // Times the store was reopened after a write failure.
    uint64_t recoveries() const;

    CommitStats stats() const;

    // Commits waiting or in progress (the commit queue's depth), for metrics and tests.
    size_t queued() const;

    // Approximate bytes on disk of LevelDB's files.
    uint64_t ApproximateSize() const;

    // A snapshot of everything committed so far, for online backups; it holds back LevelDB's
    // compaction of what it sees, and a recovery after a write failure, so keep it only as
    // long as the copy takes. kUnavailable ("recovering") while the store is being reopened.
    Result<std::unique_ptr<MetadataSnapshot>> Snapshot() const;

  private:
    struct Writer;

    MetadataStore(std::unique_ptr<leveldb::DB> db, std::unique_ptr<leveldb::Cache> cache,
                  const MetadataStoreOptions& options, std::unique_ptr<FsFlusher> flusher,
                  std::string dir);
    static Result<std::unique_ptr<leveldb::DB>> OpenDb(const std::string& dir,
                                                       leveldb::Cache* cache);
    // The leader's attempt to end a write failure; true when commits may go on. Called with
    // mu_ unlocked by the leader of the queue, so no batch is written meanwhile.
    bool TryRecover();
    // Runs the transactions of `group` and writes their batch. Returns the write error, if
    // the batch could not be written.
    Status RunGroup(const std::vector<Writer*>& group);

    std::unique_ptr<leveldb::Cache> cache_;
    // Readers and the writing leader hold db_mu_ shared; only a recovery replaces db_ (null
    // while a reopen failed). Timed, so that a recovery never waits on a reader that waits
    // for it.
    mutable std::shared_timed_mutex db_mu_;
    std::unique_ptr<leveldb::DB> db_;  // guarded by db_mu_
    MetadataStoreOptions options_;
    // Shared with the writers still waiting on the flusher that a recovery replaced.
    std::shared_ptr<FsFlusher> flusher_;  // guarded by mu_
    SpaceReserve reserve_;
    std::string dir_;

    mutable std::mutex mu_;
    std::deque<Writer*> queue_;  // guarded by mu_; the front is the leader
    CommitStats stats_;          // guarded by mu_
    Status write_failure_;       // guarded by mu_; once a batch write failed, commits fail
    std::chrono::steady_clock::time_point last_recovery_attempt_;  // guarded by mu_
    uint64_t recoveries_ = 0;                                      // guarded by mu_
};

// Maps a LevelDB status to ours, with `context` in front.
Status FromLevelDb(const leveldb::Status& s, std::string_view context);

}  // namespace aktenwerk::storage
