// The snapshot stream: one consistent copy of a data directory's metadata and of the blobs it
// refers to, as a single byte stream. The online backup sends it over HTTP, the offline
// backup reads it from a stopped server's files, and a backup folder keeps its metadata part
// as a file of the same format.
//
// Format 1, integers little-endian:
//   "AKTENWERK-SNAPSHOT 1\n"
//   'K' u32 key_len u32 value_len key value      metadata, in strictly increasing key order
//   'R' sha256[64] u64 size                      a blob the destination has already
//   'B' sha256[64] u64 size content[size]        a blob's content
//   'E' u64 records u64 blobs u64 blobs_sent sha256[64]
// Blob entries follow the metadata in increasing hash order. The hash in 'E' is the SHA-256
// of every byte of the stream before it except blob contents (those are named by their own
// hash, which the receiver checks). Nothing may follow 'E'.
#pragma once

#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/blob_store.h"
#include "storage/metadata_store.h"
#include "storage/sha256.h"
#include "storage/status.h"

namespace aktenwerk::storage {

inline constexpr std::string_view kSnapshotMagic = "AKTENWERK-SNAPSHOT 1\n";
// Limits a reader enforces on hostile input.
inline constexpr uint32_t kSnapshotMaxKey = 64 << 10;
inline constexpr uint32_t kSnapshotMaxValue = 256 << 20;

// Pulls up to `n` bytes into `buf`; 0 at the end, or an error.
using ByteSource = std::function<Result<size_t>(char* buf, size_t n)>;

struct SnapshotSourceOptions {
    // Keys "<blob_ref_prefix><sha256>" name the blobs the metadata refers to.
    std::string blob_ref_prefix;
    // Blobs the destination already holds: sent as 'R' entries only. May be empty.
    std::function<bool(std::string_view sha256)> destination_has;
    // False: the stream carries no blob entries at all (metadata only).
    bool include_blobs = true;
};

// What a stream holds.
struct SnapshotCounts {
    uint64_t records = 0;       // metadata entries
    uint64_t record_bytes = 0;  // their keys and values
    uint64_t blobs = 0;         // blobs referred to ('R' and 'B')
    uint64_t blob_bytes = 0;    // their sizes
    uint64_t blobs_sent = 0;    // 'B' entries
    uint64_t blob_bytes_sent = 0;
};

// Produces the stream of one snapshot. Not thread-safe; one reader. Holds a removal hold on
// the blob store and a LevelDB snapshot for its lifetime; both stores must outlive it.
class SnapshotSource {
  public:
    // Takes the removal hold first, then the metadata snapshot (so that no blob the snapshot
    // refers to can be removed before it is copied), and measures the stream: one pass over
    // the snapshot and a stat per referenced blob. kCorruption when a referenced blob is
    // missing or is not a hash.
    static Result<std::unique_ptr<SnapshotSource>> Open(const MetadataStore& meta, BlobStore& blobs,
                                                        SnapshotSourceOptions options);
    ~SnapshotSource();

    // The exact number of bytes Read produces in total.
    uint64_t size() const { return size_; }
    const SnapshotCounts& counts() const { return counts_; }

    // Fills `buf` with the next bytes; 0 at the end. An I/O error or a blob whose size
    // changed (kCorruption) ends the stream.
    Result<size_t> Read(char* buf, size_t n);

  private:
    enum class Phase { kRecords, kBlobs, kEnd, kDone };

    SnapshotSource(BlobStore& blobs, SnapshotSourceOptions options, RemovalHold hold,
                   std::unique_ptr<MetadataSnapshot> snapshot)
        : blobs_(blobs),
          options_(std::move(options)),
          hold_(std::move(hold)),
          snapshot_(std::move(snapshot)) {}
    Status Measure();
    // Refills pending_ with the next entries of the current phase.
    Status Refill();
    Status RefillRecords();
    Status RefillBlobs();

    BlobStore& blobs_;
    SnapshotSourceOptions options_;
    RemovalHold hold_;
    std::unique_ptr<MetadataSnapshot> snapshot_;
    uint64_t size_ = 0;
    SnapshotCounts counts_;
    SnapshotCounts emitted_;

    Phase phase_ = Phase::kRecords;
    std::string last_key_;  // the last key taken into pending_ (records or blob refs)
    bool started_ = false;
    std::vector<std::string> blob_queue_;  // hashes of the next blob entries, in order
    size_t blob_queue_pos_ = 0;
    uint64_t emitted_bytes_ = 0;
    std::string pending_;  // encoded bytes not yet handed out
    size_t pending_pos_ = 0;
    std::unique_ptr<BlobReader> blob_;  // the blob whose content is being sent
    uint64_t blob_pos_ = 0;
    Sha256 stream_hash_;
};

// What a reader calls for the entries of a stream. A non-ok Status stops the read.
struct SnapshotHandler {
    std::function<Status(std::string_view key, std::string_view value)> record;
    std::function<Status(const std::string& sha256, uint64_t size)> blob_ref;
    // `content` yields exactly `size` bytes; the handler must read all of them.
    std::function<Status(const std::string& sha256, uint64_t size, const ByteSource& content)> blob;
};

// Reads and checks a whole stream: magic, entry order and limits, the end entry's counts and
// hash, nothing after it. kCorruption, naming what was wrong, for anything malformed.
Result<SnapshotCounts> ReadSnapshotStream(const ByteSource& in, const SnapshotHandler& handler);

}  // namespace aktenwerk::storage
