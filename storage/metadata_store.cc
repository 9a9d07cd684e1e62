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

#include <fcntl.h>
#include <unistd.h>

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

// Read locks this thread holds on any store: a thread that holds one must not wait for a
// recovery's exclusive lock (a scan's callback may commit).
thread_local int t_read_locks = 0;

// A shared lock on a store's db_mu_, counted in t_read_locks.
class ReadLock {
  public:
    explicit ReadLock(std::shared_timed_mutex& mu) : lock_(mu) { ++t_read_locks; }
    ~ReadLock() { --t_read_locks; }
    ReadLock(const ReadLock&) = delete;
    ReadLock& operator=(const ReadLock&) = delete;

  private:
    std::shared_lock<std::shared_timed_mutex> lock_;
};

Status Reopening() {
    return Status(StatusCode::kUnavailable,
                  "the metadata store is being reopened after a write failure", "recovering");
}

// Whether the file system of `dir` takes writes again: a probe file is written, synced and
// removed. Enough room for LevelDB to replay its log into a table is not guaranteed by this,
// only likely; a failed reopen is retried.
Status ProbeWritable(const std::string& dir) {
    const std::string path = dir + "/RECOVERY-PROBE";
    int fd = ::open(path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (fd < 0) return ErrnoError("create " + path, errno);
    std::string block(64 * 1024, '\0');
    const bool written =
        ::write(fd, block.data(), block.size()) == static_cast<ssize_t>(block.size());
    const int err = errno;
    const bool synced = written && ::fsync(fd) == 0;
    const int sync_err = errno;
    ::close(fd);
    ::unlink(path.c_str());
    if (!written) return ErrnoError("write " + path, err == 0 ? ENOSPC : err);
    if (!synced) return ErrnoError("sync " + path, sync_err);
    return Status::Ok();
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

Result<std::unique_ptr<leveldb::DB>> MetadataStore::OpenDb(const std::string& dir,
                                                           leveldb::Cache* cache) {
    leveldb::Options db_options;
    db_options.create_if_missing = true;
    db_options.paranoid_checks = true;
    db_options.block_cache = cache;
    // The filter policy is owned by the process; LevelDB keeps a raw pointer to it.
    static const leveldb::FilterPolicy* filter = leveldb::NewBloomFilterPolicy(10);
    db_options.filter_policy = filter;
    db_options.max_open_files = 256;

    leveldb::DB* raw = nullptr;
    leveldb::Status s = leveldb::DB::Open(db_options, dir, &raw);
    if (!s.ok()) return FromLevelDb(s, "open metadata store " + dir);
    return std::unique_ptr<leveldb::DB>(raw);
}

Result<std::unique_ptr<MetadataStore>> MetadataStore::Open(const std::string& dir,
                                                           const MetadataStoreOptions& options) {
    std::unique_ptr<leveldb::Cache> cache(leveldb::NewLRUCache(options.block_cache_bytes));
    AKTENWERK_ASSIGN_OR_RETURN(auto db, OpenDb(dir, cache.get()));
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
      reserve_(dir, options.reserve_bytes),
      dir_(std::move(dir)) {}

MetadataStore::~MetadataStore() {
    // The DB must close before the cache it points to is freed.
    db_.reset();
}

Result<std::optional<std::string>> MetadataStore::Get(const std::string& key) const {
    ReadLock lock(db_mu_);
    if (!db_) return Reopening();
    std::string value;
    leveldb::Status s = db_->Get(leveldb::ReadOptions(), key, &value);
    if (s.IsNotFound()) return std::optional<std::string>();
    if (!s.ok()) return FromLevelDb(s, "read");
    return std::optional<std::string>(std::move(value));
}

Status MetadataStore::Scan(
    std::string_view prefix, std::string_view start_after, size_t limit,
    const std::function<bool(std::string_view, std::string_view)>& fn) const {
    ReadLock lock(db_mu_);
    if (!db_) return Reopening();
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
    ReadLock lock(db_mu_);
    if (!db_) return Reopening();
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
    // Refused at once, unless an attempt to recover is due; the leader makes it.
    const auto now = std::chrono::steady_clock::now();
    if (!write_failure_.ok() && now - last_recovery_attempt_ < std::chrono::seconds(1)) {
        return write_failure_;
    }
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
        Status blocked = write_failure_;
        lock.unlock();
        if (!blocked.ok() && TryRecover()) blocked = Status::Ok();
        Status written = blocked;
        if (blocked.ok()) {
            ReadLock db_lock(db_mu_);
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
    std::shared_ptr<FsFlusher> flusher = flusher_;
    lock.unlock();

    // Every writer of the group takes its own ticket; the flusher serves them with one flush.
    Status durable = flusher->WaitDurable();
    if (!durable.ok()) {
        // The flusher stays failed (the kernel may have dropped the pages); commits stop
        // until a recovery replaces it along with LevelDB's log.
        lock.lock();
        if (write_failure_.ok() && flusher == flusher_) {
            write_failure_ = durable.WithContext("flush metadata");
            Log().Error("flush failed, commits refused until the store recovers",
                        "error=" + log::Quote(durable.ToString()));
        }
        return durable.WithContext("flush metadata");
    }
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
        Log().Error("commit failed, commits refused until the store recovers",
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

bool MetadataStore::TryRecover() {
    {
        std::lock_guard lock(mu_);
        const auto now = std::chrono::steady_clock::now();
        if (now - last_recovery_attempt_ < std::chrono::seconds(1)) return false;
        last_recovery_attempt_ = now;
    }
    // A thread inside a scan must not wait for the exclusive lock (it would wait for itself).
    if (t_read_locks > 0) return false;
    // Ordinary commits still meet the reserve check in Commit; the probe asks only whether
    // the file system takes writes at all.
    Status probe = ProbeWritable(dir_);
    if (!probe.ok()) {
        Log().Debug("store not yet writable", "error=" + log::Quote(probe.ToString()));
        return false;
    }

    std::unique_lock db_lock(db_mu_, std::defer_lock);
    if (!db_lock.try_lock_for(std::chrono::seconds(2))) return false;
    // Closing first: LevelDB's lock file allows one open instance per process. The new
    // instance replays the old log, whose end may be a torn record, and writes a new one.
    db_.reset();
    auto db = OpenDb(dir_, cache_.get());
    if (!db.ok()) {
        Log().Error("metadata store reopen failed, reads refused until it succeeds",
                    "error=" + log::Quote(db.status().ToString()));
        return false;
    }
    db_ = std::move(db).value();
    db_lock.unlock();
    auto flusher = FsFlusher::Open(dir_, options_.sync);
    if (!flusher.ok()) {
        Log().Error("metadata store flusher failed to open",
                    "error=" + log::Quote(flusher.status().ToString()));
        return false;
    }

    std::lock_guard lock(mu_);
    Log().Info("metadata store recovered, commits accepted again",
               "after=" + log::Quote(write_failure_.ToString()));
    flusher_ = std::move(flusher).value();
    write_failure_ = Status::Ok();
    ++recoveries_;
    return true;
}

Status MetadataStore::write_failure() const {
    std::lock_guard lock(mu_);
    return write_failure_;
}

uint64_t MetadataStore::recoveries() const {
    std::lock_guard lock(mu_);
    return recoveries_;
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
    ReadLock lock(db_mu_);
    if (db_) db_->GetApproximateSizes(&all, 1, &size);
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

Result<std::unique_ptr<MetadataSnapshot>> MetadataStore::Snapshot() const {
    std::shared_lock<std::shared_timed_mutex> db_lock(db_mu_);
    if (!db_) return Reopening();
    leveldb::DB* db = db_.get();
    return std::unique_ptr<MetadataSnapshot>(
        new MetadataSnapshot(std::move(db_lock), db, db->GetSnapshot()));
}

}  // namespace aktenwerk::storage
