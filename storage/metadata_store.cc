// LevelDB wrapper and the group commit queue.
//
// Group commit follows the leader/follower shape: every caller enqueues itself; the caller
// at the front runs the transaction functions of everyone queued so far, one after another,
// and writes their combined batch. Transaction functions run serially, so read-check-write
// sequences (unique Kennzeichen, running numbers, the audit chain head) need no further
// locks, and later functions of a group see earlier ones' writes through the overlay.
// Durability is decoupled from the write: batches are written without LevelDB's own sync,
// and the file system's flusher (fs_flusher.h) flushes everything written so far in one go
// while the next group already writes its batch, so one flush serves many groups under
// load. Callers return only after a flush that began after their batch was written.
#include "storage/metadata_store.h"

#include <algorithm>
#include <cerrno>

#include <leveldb/cache.h>
#include <leveldb/filter_policy.h>
#include <leveldb/options.h>

#include "storage/codec.h"
#include "storage/log.h"

namespace aktenwerk::storage {
namespace {

const log::Logger& Log() {
    static const log::Logger logger("storage");
    return logger;
}

}  // namespace

Status FromLevelDb(const leveldb::Status& s, std::string_view context) {
    if (s.ok()) return Status::Ok();
    std::string msg(context);
    msg += ": ";
    msg += s.ToString();
    if (s.IsNotFound()) return NotFoundError(std::move(msg));
    if (s.IsCorruption()) return CorruptionError(std::move(msg));
    // LevelDB reports ENOSPC only as text inside an IOError.
    if (s.IsIOError() && s.ToString().find("No space left") != std::string::npos) {
        return ResourceExhaustedError(std::move(msg), "disk-full");
    }
    if (s.IsIOError() && s.ToString().find("Read-only file system") != std::string::npos) {
        return Status(StatusCode::kUnavailable, std::move(msg), "read-only");
    }
    // Only LevelDB's lock-file error ("lock <dir>/LOCK: ..."), not any path containing "lock".
    if (s.IsIOError() && s.ToString().rfind("IO error: lock ", 0) == 0) {
        return Status(StatusCode::kUnavailable, std::move(msg), "locked");
    }
    return InternalError(std::move(msg));
}

std::optional<std::optional<std::string>> Overlay::Find(const std::string& key) const {
    auto it = entries_.find(key);
    if (it == entries_.end()) return std::nullopt;
    return it->second;
}

Result<std::optional<std::string>> Txn::Get(const std::string& key) const {
    if (auto own = own_.Find(key)) return *own;
    if (auto staged = group_->Find(key)) return *staged;
    std::string value;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromLevelDb(s, "read in transaction");
    return std::optional<std::string>(std::move(value));
}

std::pair<Overlay::Entries::const_iterator, Overlay::Entries::const_iterator> Overlay::Range(
    std::string_view prefix, std::string_view start_after) const {
    const std::string end = PrefixEnd(prefix);
    auto last = end.empty() ? entries_.end() : entries_.lower_bound(end);
    auto first = start_after > prefix ? entries_.upper_bound(std::string(start_after))
                                      : entries_.lower_bound(std::string(prefix));
    if (first == entries_.end() || (!end.empty() && first->first >= end)) first = last;
    return {first, last};
}

// A three-way merge in key order of the committed keys and the two overlays; for equal keys
// the transaction's own write wins over the group's, and both over the committed value.
Status Txn::Scan(std::string_view prefix, std::string_view start_after,
                 const std::function<bool(std::string_view, std::string_view)>& fn) const {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
    const bool after = start_after > prefix;
    it->Seek(after ? leveldb::Slice(start_after.data(), start_after.size())
                   : leveldb::Slice(prefix.data(), prefix.size()));
    if (after && it->Valid() &&
        std::string_view(it->key().data(), it->key().size()) == start_after) {
        it->Next();
    }
    auto [g, g_end] = group_->Range(prefix, start_after);
    auto [o, o_end] = own_.Range(prefix, start_after);
    auto db_valid = [&] {
        return it->Valid() && it->key().starts_with(leveldb::Slice(prefix.data(), prefix.size()));
    };
    while (true) {
        const bool has_db = db_valid();
        if (!has_db && g == g_end && o == o_end) break;
        // The smallest key among the three heads.
        std::string key;
        bool have = false;
        auto consider = [&](std::string_view k) {
            if (!have || k < key) {
                key = std::string(k);
                have = true;
            }
        };
        if (has_db) consider(std::string_view(it->key().data(), it->key().size()));
        if (g != g_end) consider(g->first);
        if (o != o_end) consider(o->first);

        std::optional<std::string> value;
        bool decided = false;
        if (o != o_end && o->first == key) {
            value = o->second;
            decided = true;
            ++o;
        }
        if (g != g_end && g->first == key) {
            if (!decided) value = g->second;
            decided = true;
            ++g;
        }
        if (has_db && std::string_view(it->key().data(), it->key().size()) == key) {
            if (!decided) value = it->value().ToString();
            it->Next();
        }
        if (value && !fn(key, *value)) break;
    }
    return FromLevelDb(it->status(), "scan in transaction");
}

void Txn::Put(std::string key, std::string value) {
    own_.Put(key, value);
    writes_.emplace_back(std::move(key), std::move(value));
}

void Txn::Delete(std::string key) {
    own_.Delete(key);
    writes_.emplace_back(std::move(key), std::nullopt);
}

struct MetadataStore::Writer {
    const TxnFn* fn;
    Status result;
    bool done = false;
    bool wrote = false;  // this writer's writes are in a written batch
    std::vector<std::function<void()>> on_commit;
    std::condition_variable cv;
};

Result<std::unique_ptr<MetadataStore>> MetadataStore::Open(const std::string& dir,
                                                           const MetadataStoreOptions& options) {
    std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(options.block_cache_bytes));
    leveldb::Options db_options;
    db_options.create_if_missing = true;
    db_options.paranoid_checks = true;
    db_options.block_cache = cache.get();
    // The filter policy is owned by the process; LevelDB keeps a raw pointer to it.
    static const leveldb::FilterPolicy* filter = leveldb::NewBloomFilterPolicy(10);
    db_options.filter_policy = filter;
    db_options.max_open_files = 256;

    leveldb::DB* raw = nullptr;
    leveldb::Status s = leveldb::DB::Open(db_options, dir, &raw);
    if (!s.ok()) return FromLevelDb(s, "open metadata store " + dir);
    std::unique_ptr<leveldb::DB> db(raw);
    AKTENWERK_ASSIGN_OR_RETURN(auto flusher, FsFlusher::Open(dir, options.sync));
    return std::unique_ptr<MetadataStore>(
        new MetadataStore(std::move(db), std::move(cache), options, std::move(flusher), dir));
}

MetadataStore::MetadataStore(std::unique_ptr<leveldb::DB> db, std::unique_ptr<leveldb::Cache> cache,
                             const MetadataStoreOptions& options,
                             std::unique_ptr<FsFlusher> flusher, std::string dir)
    : cache_(std::move(cache)),
      db_(std::move(db)),
      options_(options),
      flusher_(std::move(flusher)),
      reserve_(std::move(dir), options.reserve_bytes) {}

MetadataStore::~MetadataStore() {
    // The DB must close before the cache it points to is freed.
    db_.reset();
}

Result<std::optional<std::string>> MetadataStore::Get(const std::string& key) const {
    std::string value;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromLevelDb(s, "read");
    return std::optional<std::string>(std::move(value));
}

Status MetadataStore::Scan(
    std::string_view prefix, std::string_view start_after, size_t limit,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
    leveldb::ReadOptions read_options;
    read_options.fill_cache = false;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read_options));
    std::string start(prefix);
    if (!start_after.empty()) start = std::string(start_after);
    size_t visited = 0;
    for (it->Seek(start); it->Valid(); it->Next()) {
        std::string_view key(it->key().data(), it->key().size());
        if (key.substr(0, prefix.size()) != prefix) break;
        if (!start_after.empty() && key == start_after) continue;
        if (!fn(key, std::string_view(it->value().data(), it->value().size()))) break;
        if (limit != 0 && ++visited >= limit) break;
    }
    return FromLevelDb(it->status(), "scan");
}

Status MetadataStore::ScanReverse(
    std::string_view prefix, size_t limit,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
    std::string end = PrefixEnd(prefix);
    if (end.empty()) {
        it->SeekToLast();
    } else {
        it->Seek(end);
        if (it->Valid()) {
            it->Prev();
        } else {
            it->SeekToLast();
        }
    }
    size_t visited = 0;
    for (; it->Valid(); it->Prev()) {
        std::string_view key(it->key().data(), it->key().size());
        if (key.substr(0, prefix.size()) != prefix) break;
        if (!fn(key, std::string_view(it->value().data(), it->value().size()))) break;
        if (limit != 0 && ++visited >= limit) break;
    }
    return FromLevelDb(it->status(), "reverse scan");
}

Status MetadataStore::Commit(const TxnFn& fn, Room room) {
    if (room == Room::kNeedsRoom) AKTENWERK_RETURN_IF_ERROR(reserve_.CheckRoom(0));
    Writer self;
    self.fn = &fn;

    std::unique_lock lock(mu_);
    if (!write_failure_.ok()) return write_failure_;
    queue_.push_back(&self);
    while (!self.done && queue_.front() != &self) self.cv.wait(lock);
    if (!self.done) {
        // This thread leads: take everyone queued so far. Later arrivals form the next group
        // and may write their batch while this one waits for its flush.
        std::vector<Writer*> group;
        for (Writer* w : queue_) {
            group.push_back(w);
            if (group.size() >= options_.max_group_size) break;
        }
        // Writers queued before a failure must not append behind it either.
        const Status blocked = write_failure_;
        lock.unlock();
        Status written = blocked;
        if (blocked.ok()) {
            written = RunGroup(group);
        } else {
            for (Writer* w : group) w->result = blocked;
        }
        lock.lock();
        if (!written.ok() && write_failure_.ok()) write_failure_ = written;
        const bool wrote = written.ok() && std::any_of(group.begin(), group.end(),
                                                       [](Writer* w) { return w->result.ok(); });
        if (wrote) stats_.batches += 1;
        for (Writer* w : group) {
            queue_.pop_front();
            w->wrote = wrote && w->result.ok();
            w->done = true;
            if (w != &self) w->cv.notify_one();
        }
        stats_.transactions += group.size();
        if (!queue_.empty()) queue_.front()->cv.notify_one();
    }
    if (!self.result.ok() || !self.wrote) return self.result;
    lock.unlock();

    // Every writer of the group takes its own ticket; the flusher serves them with one flush.
    Status durable = flusher_->WaitDurable();
    if (!durable.ok()) return durable.WithContext("flush metadata");
    for (auto& f : self.on_commit) f();
    return Status::Ok();
}

Status MetadataStore::RunGroup(const std::vector<Writer*>& group) {
    Overlay staged;
    leveldb::WriteBatch batch;
    std::vector<Writer*> applied;

    for (Writer* w : group) {
        Txn txn(db_.get(), &staged);
        w->result = (*w->fn)(txn);
        if (!w->result.ok()) continue;
        for (auto& [key, value] : txn.writes_) {
            if (value) {
                batch.Put(key, *value);
                staged.Put(key, *value);
            } else {
                batch.Delete(key);
                staged.Delete(key);
            }
        }
        w->on_commit = std::move(txn.on_commit_);
        applied.push_back(w);
    }
    if (applied.empty()) return Status::Ok();

    // Not synced here: the flusher thread makes this batch durable together with others.
    Status written = FromLevelDb(db_->Write(leveldb::WriteOptions(), &batch), "commit batch");
    if (!written.ok()) {
        Log().Error("commit failed, commits refused until restart",
                    "transactions=" + std::to_string(applied.size()) +
                        " error=" + log::Quote(written.ToString()));
        for (Writer* w : applied) w->result = written;
    }
    return written;
}

size_t MetadataStore::queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
}

CommitStats MetadataStore::stats() const {
    std::lock_guard lock(mu_);
    CommitStats out = stats_;
    out.syncs = flusher_->flushes();
    return out;
}

uint64_t MetadataStore::ApproximateSize() const {
    leveldb::Range all("", "\xff\xff\xff\xff");
    uint64_t size = 0;
    db_->GetApproximateSizes(&all, 1, &size);
    return size;
}

MetadataSnapshot::~MetadataSnapshot() { db_->ReleaseSnapshot(snapshot_); }

Status MetadataSnapshot::Scan(
    std::string_view prefix, std::string_view start_after,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
    leveldb::ReadOptions read_options;
    read_options.snapshot = snapshot_;
    // A backup reads everything once; keep it out of the cache the server's reads use.
    read_options.fill_cache = false;
    std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(read_options));
    const bool after = start_after > prefix;
    it->Seek(after ? leveldb::Slice(start_after.data(), start_after.size())
                   : leveldb::Slice(prefix.data(), prefix.size()));
    for (; it->Valid(); it->Next()) {
        std::string_view key(it->key().data(), it->key().size());
        if (key.substr(0, prefix.size()) != prefix) break;
        if (after && key == start_after) continue;
        if (!fn(key, std::string_view(it->value().data(), it->value().size()))) break;
    }
    return FromLevelDb(it->status(), "scan snapshot");
}

std::unique_ptr<MetadataSnapshot> MetadataStore::Snapshot() const {
    return std::unique_ptr<MetadataSnapshot>(new MetadataSnapshot(db_.get(), db_->GetSnapshot()));
}

}  // namespace aktenwerk::storage
