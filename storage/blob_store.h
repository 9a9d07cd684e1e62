// The content-addressed blob store: immutable files named by their SHA-256, written by
// streaming through a temporary file, shared by every version with the same content.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "storage/disk_space.h"
#include "storage/status.h"

namespace aktenwerk::storage {

class BlobStore;

// What a finished write produced: the lower-case hex SHA-256 and the size in bytes.
struct BlobInfo {
    std::string sha256;
    uint64_t size = 0;
};

// Keeps a blob from being removed as unused while a transaction that will refer to it is in
// flight. Destroying the pin releases it. Move-only.
class BlobPin {
  public:
    BlobPin() = default;
    BlobPin(BlobStore* store, std::string sha256) : store_(store), sha256_(std::move(sha256)) {}
    BlobPin(BlobPin&& other) noexcept;
    BlobPin& operator=(BlobPin&& other) noexcept;
    ~BlobPin();

    const std::string& sha256() const { return sha256_; }

  private:
    BlobStore* store_ = nullptr;
    std::string sha256_;
};

// Streams one blob into the store. Not thread-safe; one writer per upload. Destroying an
// unfinished writer removes its temporary file, so a truncated upload leaves nothing.
class BlobWriter {
  public:
    ~BlobWriter();
    BlobWriter(const BlobWriter&) = delete;
    BlobWriter& operator=(const BlobWriter&) = delete;

    // Appends bytes. Fails with kResourceExhausted, reason "body-too-large", past the limit
    // given to NewWriter, and with reason "disk-full" when the disk is full or the free
    // space has fallen to the store's reserve (checked every few MB).
    Status Append(const void* data, size_t size);

    uint64_t size() const { return size_; }

    // The first kHeadBytes bytes appended (fewer when the blob is shorter), for callers that
    // look at the start of the content without reading the file again.
    static constexpr size_t kHeadBytes = 4096;
    const std::string& head() const { return head_; }

    // Makes the blob durable: fsync of the file, rename to its hash (or, when a blob with
    // that hash exists already, discarding the duplicate), fsync of the folder. The returned
    // pin must be held until the metadata referring to the blob is committed.
    Result<std::pair<BlobInfo, BlobPin>> Finish();

  private:
    friend class BlobStore;
    BlobWriter(BlobStore* store, int fd, std::string tmp_path, uint64_t max_size);
    void Abort();
    Status WriteOut(const char* data, size_t size);

    BlobStore* store_;
    int fd_;
    std::string tmp_path_;
    uint64_t max_size_;
    uint64_t size_ = 0;
    uint64_t checked_at_ = 0;  // size_ at the last free-space check
    uint64_t written_ = 0;     // bytes handed to the file
    uint64_t kicked_ = 0;      // bytes whose writeback has been started
    void* sha_ctx_;            // EVP_MD_CTX, opaque here to keep OpenSSL out of the header
    std::string buffer_;
    std::string head_;
};

// Reads one blob by positional reads; safe to use from one thread at a time.
class BlobReader {
  public:
    ~BlobReader();
    BlobReader(const BlobReader&) = delete;
    BlobReader& operator=(const BlobReader&) = delete;

    uint64_t size() const { return size_; }
    // Reads up to `n` bytes at `offset`; returns the count (0 at the end).
    Result<size_t> ReadAt(uint64_t offset, void* buf, size_t n) const;
    // The open file, for zero-copy sending; owned by the reader.
    int fd() const { return fd_; }

  private:
    friend class BlobStore;
    BlobReader(int fd, uint64_t size) : fd_(fd), size_(size) {}
    int fd_;
    uint64_t size_;
};

// While alive, the store removes no blob: RemoveIfUnused defers its removals and runs them
// again (re-checking the references) when the last hold ends. An online backup takes one
// before its metadata snapshot, so that every blob the snapshot refers to stays on disk until
// it is copied. Move-only.
class RemovalHold {
  public:
    RemovalHold() = default;
    explicit RemovalHold(BlobStore* store) : store_(store) {}
    RemovalHold(RemovalHold&& other) noexcept : store_(std::exchange(other.store_, nullptr)) {}
    RemovalHold& operator=(RemovalHold&& other) noexcept;
    ~RemovalHold();

  private:
    BlobStore* store_ = nullptr;
};

// Thread-safe. Layout: DIR/ab/<sha256>, one level of 256 folders (a million blobs make about
// 4,000 files a folder, which ext4 and XFS index well), DIR/tmp/ for writes in progress.
class BlobStore {
  public:
    // `reserve_bytes` of free space are left to the rest of the data directory: writes stop
    // with "disk-full" before they would use it (0: no reserve).
    static Result<std::unique_ptr<BlobStore>> Open(const std::string& dir,
                                                   uint64_t reserve_bytes = 0);

    // Starts a streaming write of at most `max_size` bytes. `expected_size` (the announced
    // length, 0 when unknown) is checked against the free space first, so that an upload
    // that cannot fit is refused before its body is read.
    Result<std::unique_ptr<BlobWriter>> NewWriter(uint64_t max_size, uint64_t expected_size = 0);

    // Opens a blob for reading; kNotFound when it does not exist.
    Result<std::unique_ptr<BlobReader>> OpenReader(std::string_view sha256) const;

    bool Exists(std::string_view sha256) const;
    std::string PathFor(std::string_view sha256) const;

    // Removes the blob unless it is pinned or `is_referenced(sha256)` says it is still
    // used. `is_referenced` runs under the store's lock; it must read committed metadata.
    // Returns true when the blob was removed. While a RemovalHold lasts, the removal is
    // deferred (false) and `is_referenced` is kept and called when the last hold ends, so it
    // must stay valid until then (capture nothing shorter-lived than the store's users).
    Result<bool> RemoveIfUnused(
        const std::string& sha256,
        const std::function<Result<bool>(const std::string&)>& is_referenced);

    // Start-up recovery: removes every temporary file and every blob for which
    // `is_referenced` is false (left by a crash between the blob's rename and its metadata
    // commit). Returns the number of files removed. Must run before the first writer.
    Result<uint64_t> RemoveOrphans(
        const std::function<Result<bool>(const std::string&)>& is_referenced);

    // Stops removals until the returned hold is destroyed (see RemovalHold).
    RemovalHold HoldRemovals();

    // Removals deferred by holds so far and not yet run (for tests).
    size_t deferred_removals() const;

    // Calls `fn(sha256)` for every stored blob.
    Status ForEach(const std::function<bool(const std::string&)>& fn) const;

    // True when `text` is 64 lower-case hex digits.
    static bool IsValidHash(std::string_view text);

    // The stored blobs and their bytes, for metrics: counted by RemoveOrphans (which walks
    // the store at start-up) and kept up to date by installs and removals. 0 before
    // RemoveOrphans ran. Thread-safe.
    uint64_t blob_count() const { return blob_count_.load(std::memory_order_relaxed); }
    uint64_t blob_bytes() const { return blob_bytes_.load(std::memory_order_relaxed); }

  private:
    friend class BlobWriter;
    friend class BlobPin;
    friend class RemovalHold;
    using IsReferenced = std::function<Result<bool>(const std::string&)>;

    BlobStore(std::string dir, uint64_t reserve_bytes)
        : dir_(dir), reserve_(std::move(dir), reserve_bytes) {}
    // Pins the hash, then moves the temporary file into place under the lock, so that a
    // concurrent RemoveIfUnused never deletes a blob a writer is about to refer to.
    Status Install(const std::string& tmp_path, const std::string& sha256);
    void Unpin(const std::string& sha256);
    // Ends one hold; the last one runs the deferred removals.
    void ReleaseRemovalHold();

    std::string dir_;
    SpaceReserve reserve_;
    mutable std::mutex mu_;
    std::map<std::string, int> pins_;  // guarded by mu_
    std::atomic<uint64_t> blob_count_{0};
    std::atomic<uint64_t> blob_bytes_{0};
    int removal_holds_ = 0;  // guarded by mu_
    // Guarded by mu_: removals asked for while held, with their reference check.
    std::vector<std::pair<std::string, IsReferenced>> deferred_;
};

// Fsyncs a directory so that a rename or create inside it is durable.
Status SyncDirectory(const std::string& dir);

// Writes all `size` bytes of `data` to `fd`, going on after short writes and EINTR; the
// error names `path`. Does not sync.
Status WriteAllToFd(int fd, const char* data, size_t size, const std::string& path);

}  // namespace aktenwerk::storage
