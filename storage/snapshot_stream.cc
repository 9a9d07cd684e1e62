// The snapshot stream's writer (a pull source over a LevelDB snapshot and the blob store) and
// its checking reader. Both work in bounded memory: metadata in chunks of about a megabyte,
// blob references in batches, blob content in the caller's buffer.
#include "storage/snapshot_stream.h"

#include <sys/stat.h>

#include <algorithm>
#include <cstring>
#include <vector>

namespace aktenwerk::storage {
namespace {

constexpr size_t kChunkBytes = 1 << 20;
constexpr size_t kBlobBatch = 256;
constexpr size_t kHashLen = 64;
constexpr uint64_t kRecordHeader = 1 + 4 + 4;
constexpr uint64_t kBlobHeader = 1 + kHashLen + 8;
constexpr uint64_t kEndEntry = 1 + 3 * 8 + kHashLen;

void PutU32(std::string* out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PutU64(std::string* out, uint64_t v) {
    for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

uint64_t GetU64(const unsigned char* p) {
    uint64_t v = 0;
    for (int i = 7; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

uint32_t GetU32(const unsigned char* p) {
    uint32_t v = 0;
    for (int i = 3; i >= 0; --i) v = (v << 8) | p[i];
    return v;
}

Result<uint64_t> BlobSize(const BlobStore& blobs, const std::string& sha256) {
    struct stat st;
    const std::string path = blobs.PathFor(sha256);
    if (::stat(path.c_str(), &st) != 0) {
        if (errno == ENOENT) {
            return CorruptionError("blob " + sha256 + " referred to by the metadata is missing");
        }
        return ErrnoError("stat blob " + path, errno);
    }
    return static_cast<uint64_t>(st.st_size);
}

}  // namespace

Result<std::unique_ptr<SnapshotSource>> SnapshotSource::Open(const MetadataStore& meta,
                                                             BlobStore& blobs,
                                                             SnapshotSourceOptions options) {
    // The order matters: a blob whose last reference goes away after the snapshot is then
    // kept (its removal deferred) until the copy is done.
    RemovalHold hold = blobs.HoldRemovals();
    AKTENWERK_ASSIGN_OR_RETURN(std::unique_ptr<MetadataSnapshot> snapshot, meta.Snapshot());
    std::unique_ptr<SnapshotSource> source(
        new SnapshotSource(blobs, std::move(options), std::move(hold), std::move(snapshot)));
    AKTENWERK_RETURN_IF_ERROR(source->Measure());
    return source;
}

SnapshotSource::~SnapshotSource() = default;

Status SnapshotSource::Measure() {
    size_ = kSnapshotMagic.size() + kEndEntry;
    AKTENWERK_RETURN_IF_ERROR(snapshot_->Scan("", "", [&](std::string_view k, std::string_view v) {
        counts_.records += 1;
        counts_.record_bytes += k.size() + v.size();
        size_ += kRecordHeader + k.size() + v.size();
        return true;
    }));
    if (!options_.include_blobs) return Status::Ok();
    Status failed;
    const std::string& prefix = options_.blob_ref_prefix;
    AKTENWERK_RETURN_IF_ERROR(snapshot_->Scan(prefix, "", [&](std::string_view k, auto) {
        std::string sha256(k.substr(prefix.size()));
        if (!BlobStore::IsValidHash(sha256)) {
            failed = CorruptionError("blob reference " + std::string(k) + " is not a hash");
            return false;
        }
        auto size = BlobSize(blobs_, sha256);
        if (!size.ok()) {
            failed = size.status();
            return false;
        }
        counts_.blobs += 1;
        counts_.blob_bytes += *size;
        size_ += kBlobHeader;
        if (!options_.destination_has || !options_.destination_has(sha256)) {
            counts_.blobs_sent += 1;
            counts_.blob_bytes_sent += *size;
            size_ += *size;
        }
        return true;
    }));
    return failed;
}

Status SnapshotSource::RefillRecords() {
    size_t added = 0;
    AKTENWERK_RETURN_IF_ERROR(
        snapshot_->Scan("", last_key_, [&](std::string_view k, std::string_view v) {
            pending_ += 'K';
            PutU32(&pending_, static_cast<uint32_t>(k.size()));
            PutU32(&pending_, static_cast<uint32_t>(v.size()));
            pending_ += k;
            pending_ += v;
            last_key_ = std::string(k);
            emitted_.records += 1;
            ++added;
            return pending_.size() < kChunkBytes;
        }));
    if (added == 0) {
        phase_ = options_.include_blobs ? Phase::kBlobs : Phase::kEnd;
        last_key_.clear();
    }
    return Status::Ok();
}

Status SnapshotSource::RefillBlobs() {
    if (blob_queue_pos_ == blob_queue_.size()) {
        blob_queue_.clear();
        blob_queue_pos_ = 0;
        const std::string& prefix = options_.blob_ref_prefix;
        const std::string start = last_key_.empty() ? std::string() : prefix + last_key_;
        AKTENWERK_RETURN_IF_ERROR(snapshot_->Scan(prefix, start, [&](std::string_view k, auto) {
            blob_queue_.emplace_back(k.substr(prefix.size()));
            return blob_queue_.size() < kBlobBatch;
        }));
        if (blob_queue_.empty()) {
            phase_ = Phase::kEnd;
            return Status::Ok();
        }
        last_key_ = blob_queue_.back();
    }
    const std::string& sha256 = blob_queue_[blob_queue_pos_++];
    const bool has = options_.destination_has && options_.destination_has(sha256);
    uint64_t size = 0;
    if (has) {
        AKTENWERK_ASSIGN_OR_RETURN(size, BlobSize(blobs_, sha256));
    } else {
        auto reader = blobs_.OpenReader(sha256);
        if (!reader.ok() && reader.status().code() == StatusCode::kNotFound) {
            return CorruptionError("blob " + sha256 + " referred to by the metadata is missing");
        }
        AKTENWERK_RETURN_IF_ERROR(reader.status());
        blob_ = std::move(*reader);
        blob_pos_ = 0;
        size = blob_->size();
        emitted_.blobs_sent += 1;
    }
    pending_ += has ? 'R' : 'B';
    pending_ += sha256;
    PutU64(&pending_, size);
    emitted_.blobs += 1;
    return Status::Ok();
}

Status SnapshotSource::Refill() {
    pending_.clear();
    pending_pos_ = 0;
    if (!started_) {
        started_ = true;
        pending_ = std::string(kSnapshotMagic);
    } else if (phase_ == Phase::kRecords) {
        AKTENWERK_RETURN_IF_ERROR(RefillRecords());
    } else if (phase_ == Phase::kBlobs) {
        AKTENWERK_RETURN_IF_ERROR(RefillBlobs());
    } else if (phase_ == Phase::kEnd) {
        pending_ += 'E';
        PutU64(&pending_, emitted_.records);
        PutU64(&pending_, emitted_.blobs);
        PutU64(&pending_, emitted_.blobs_sent);
        stream_hash_.Update(pending_);
        pending_ += stream_hash_.HexDigest();
        phase_ = Phase::kDone;
        return Status::Ok();
    }
    stream_hash_.Update(pending_);
    return Status::Ok();
}

Result<size_t> SnapshotSource::Read(char* buf, size_t n) {
    size_t out = 0;
    while (out < n) {
        if (pending_pos_ < pending_.size()) {
            const size_t take = std::min(n - out, pending_.size() - pending_pos_);
            std::memcpy(buf + out, pending_.data() + pending_pos_, take);
            pending_pos_ += take;
            out += take;
            continue;
        }
        if (blob_) {
            if (blob_pos_ == blob_->size()) {
                blob_.reset();
                continue;
            }
            const size_t want =
                static_cast<size_t>(std::min<uint64_t>(n - out, blob_->size() - blob_pos_));
            AKTENWERK_ASSIGN_OR_RETURN(size_t got, blob_->ReadAt(blob_pos_, buf + out, want));
            if (got == 0) return CorruptionError("blob shrank while it was copied");
            blob_pos_ += got;
            out += got;
            continue;
        }
        if (phase_ == Phase::kDone) break;
        AKTENWERK_RETURN_IF_ERROR(Refill());
    }
    emitted_bytes_ += out;
    if (out == 0 && emitted_bytes_ != size_) {
        return CorruptionError("snapshot stream is " + std::to_string(emitted_bytes_) +
                               " bytes, measured " + std::to_string(size_));
    }
    return out;
}

namespace {

// Buffered, exact reads from a ByteSource, hashing what passes while `hashing`.
class StreamReader {
  public:
    explicit StreamReader(const ByteSource& in) : in_(in), buf_(kChunkBytes) {}

    // Reads exactly `n` bytes; kCorruption ("ends early") at the end of the stream.
    Status Exact(void* out, size_t n, std::string_view what) {
        auto* dst = static_cast<char*>(out);
        while (n > 0) {
            AKTENWERK_ASSIGN_OR_RETURN(size_t got, Some(dst, n));
            if (got == 0) {
                return CorruptionError("snapshot stream ends early in " + std::string(what));
            }
            dst += got;
            n -= got;
        }
        return Status::Ok();
    }

    // Up to `n` bytes; 0 at the end.
    Result<size_t> Some(char* out, size_t n) {
        if (pos_ == end_) {
            AKTENWERK_ASSIGN_OR_RETURN(end_, in_(buf_.data(), buf_.size()));
            pos_ = 0;
            if (end_ == 0) return size_t{0};
        }
        const size_t take = std::min(n, end_ - pos_);
        std::memcpy(out, buf_.data() + pos_, take);
        if (hashing_) hash_.Update(out, take);
        pos_ += take;
        consumed_ += take;
        return take;
    }

    void SetHashing(bool on) { hashing_ = on; }
    std::string Digest() { return hash_.HexDigest(); }
    uint64_t consumed() const { return consumed_; }

  private:
    const ByteSource& in_;
    std::vector<char> buf_;
    size_t pos_ = 0;
    size_t end_ = 0;
    uint64_t consumed_ = 0;
    bool hashing_ = true;
    Sha256 hash_;
};

Status ReadBlobEntry(StreamReader& r, char type, std::string* last_sha,
                     const SnapshotHandler& handler, SnapshotCounts* counts) {
    std::string sha256(kHashLen, '\0');
    unsigned char size_bytes[8];
    AKTENWERK_RETURN_IF_ERROR(r.Exact(sha256.data(), kHashLen, "a blob entry"));
    AKTENWERK_RETURN_IF_ERROR(r.Exact(size_bytes, 8, "a blob entry"));
    if (!BlobStore::IsValidHash(sha256)) {
        return CorruptionError("snapshot stream names a blob that is not a SHA-256 hash");
    }
    if (!last_sha->empty() && sha256 <= *last_sha) {
        return CorruptionError("snapshot stream lists blob " + sha256 + " out of order");
    }
    *last_sha = sha256;
    const uint64_t size = GetU64(size_bytes);
    counts->blobs += 1;
    counts->blob_bytes += size;
    if (type == 'R') {
        return handler.blob_ref ? handler.blob_ref(sha256, size) : Status::Ok();
    }
    counts->blobs_sent += 1;
    counts->blob_bytes_sent += size;
    uint64_t left = size;
    ByteSource content = [&](char* buf, size_t n) -> Result<size_t> {
        if (left == 0) return size_t{0};
        AKTENWERK_ASSIGN_OR_RETURN(size_t got,
                                   r.Some(buf, static_cast<size_t>(std::min<uint64_t>(n, left))));
        if (got == 0) return CorruptionError("snapshot stream ends inside blob " + sha256);
        left -= got;
        return got;
    };
    r.SetHashing(false);
    Status handled = handler.blob ? handler.blob(sha256, size, content) : Status::Ok();
    std::vector<char> skip(64 << 10);
    while (handled.ok() && left > 0) {
        auto got = content(skip.data(), skip.size());
        if (!got.ok()) handled = got.status();
    }
    r.SetHashing(true);
    return handled;
}

Status ReadEndEntry(StreamReader& r, const SnapshotCounts& counts) {
    unsigned char numbers[24];
    AKTENWERK_RETURN_IF_ERROR(r.Exact(numbers, sizeof(numbers), "the end entry"));
    const std::string expected = r.Digest();
    std::string hash(kHashLen, '\0');
    AKTENWERK_RETURN_IF_ERROR(r.Exact(hash.data(), kHashLen, "the end entry"));
    if (GetU64(numbers) != counts.records || GetU64(numbers + 8) != counts.blobs ||
        GetU64(numbers + 16) != counts.blobs_sent) {
        return CorruptionError("snapshot stream's end entry does not match its content");
    }
    if (hash != expected) return CorruptionError("snapshot stream's checksum does not match");
    char extra;
    AKTENWERK_ASSIGN_OR_RETURN(size_t after, r.Some(&extra, 1));
    if (after != 0) return CorruptionError("snapshot stream has data after its end entry");
    return Status::Ok();
}

}  // namespace

Result<SnapshotCounts> ReadSnapshotStream(const ByteSource& in, const SnapshotHandler& handler) {
    StreamReader r(in);
    std::string magic(kSnapshotMagic.size(), '\0');
    AKTENWERK_RETURN_IF_ERROR(r.Exact(magic.data(), magic.size(), "the header"));
    if (magic != kSnapshotMagic) return CorruptionError("not an Aktenwerk snapshot stream");

    SnapshotCounts counts;
    std::string last_key;
    std::string last_sha;
    bool in_blobs = false;
    std::string key;
    std::string value;
    while (true) {
        char type = 0;
        AKTENWERK_ASSIGN_OR_RETURN(size_t got, r.Some(&type, 1));
        if (got == 0) return CorruptionError("snapshot stream ends without its end entry");
        if (type == 'E') {
            AKTENWERK_RETURN_IF_ERROR(ReadEndEntry(r, counts));
            return counts;
        }
        if (type == 'R' || type == 'B') {
            in_blobs = true;
            AKTENWERK_RETURN_IF_ERROR(ReadBlobEntry(r, type, &last_sha, handler, &counts));
            continue;
        }
        if (type != 'K') return CorruptionError("snapshot stream has an unknown entry");
        if (in_blobs) return CorruptionError("snapshot stream has metadata after its blobs");
        unsigned char lens[8];
        AKTENWERK_RETURN_IF_ERROR(r.Exact(lens, sizeof(lens), "a metadata entry"));
        const uint32_t key_len = GetU32(lens);
        const uint32_t value_len = GetU32(lens + 4);
        if (key_len == 0 || key_len > kSnapshotMaxKey || value_len > kSnapshotMaxValue) {
            return CorruptionError("snapshot stream has a metadata entry of impossible size");
        }
        key.resize(key_len);
        value.resize(value_len);
        AKTENWERK_RETURN_IF_ERROR(r.Exact(key.data(), key_len, "a metadata entry"));
        AKTENWERK_RETURN_IF_ERROR(r.Exact(value.data(), value_len, "a metadata entry"));
        if (counts.records > 0 && key <= last_key) {
            return CorruptionError("snapshot stream's metadata keys are out of order");
        }
        last_key = key;
        counts.records += 1;
        counts.record_bytes += key_len + value_len;
        if (handler.record) AKTENWERK_RETURN_IF_ERROR(handler.record(key, value));
    }
}

}  // namespace aktenwerk::storage
