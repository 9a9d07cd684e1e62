// A backup folder: snapshots of one data directory taken at different times, sharing one
// content-addressed blob tree, so that a backup copies only the blobs the folder lacks.
//
//   DIR/AKTENWERK-BACKUP                   marker: what this folder is, its layout version
//   DIR/blobs/ab/<sha256>                  blob content, shared by every snapshot
//   DIR/snapshots/<name>/metadata.kv       the metadata as a snapshot stream without blobs
//   DIR/snapshots/<name>/blobs.txt         "<sha256> <size>" of every blob it refers to
//   DIR/snapshots/<name>/manifest.json     format, counts, hashes of the two files, a
//                                          checksum of itself, and the caller's `repository`
// A snapshot is written under snapshots/.tmp-<name> and renamed when complete and synced, so
// that a backup cut short leaves no snapshot behind.
#pragma once

#include <cstdint>
#include <functional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "storage/snapshot_stream.h"
#include "storage/status.h"

namespace aktenwerk::storage {

inline constexpr int kBackupFormatVersion = 1;

// One snapshot in a folder.
struct BackupSnapshot {
    std::string name;
    std::string dir;  // DIR/snapshots/<name>
    nlohmann::json manifest;
};

// What WriteSnapshot and RestoreSnapshot report.
struct BackupCounts {
    SnapshotCounts stream;
    uint64_t blobs_copied = 0;  // blobs written into the folder (or the restored store)
    uint64_t blob_bytes_copied = 0;
};

// Sees every metadata entry as it is written or restored.
using RecordObserver = std::function<void(std::string_view key, std::string_view value)>;

// Not thread-safe: one backup or restore at a time per folder (the caller's business).
class BackupFolder {
  public:
    // Opens `dir` as a backup folder, creating it when it is missing or empty.
    // kFailedPrecondition (reason "not-a-backup") when it holds anything else.
    static Result<BackupFolder> OpenOrCreate(const std::string& dir);
    // Opens an existing backup folder: kNotFound when missing, kFailedPrecondition
    // ("not-a-backup") without the marker.
    static Result<BackupFolder> Open(const std::string& dir);

    const std::string& dir() const { return dir_; }
    bool HasBlob(std::string_view sha256) const;
    // The hashes of the blobs in the folder, sorted.
    Result<std::vector<std::string>> BlobNames() const;

    // Writes a snapshot from `stream` (see snapshot_stream.h). Blob content is checked
    // against its name before it is kept; an 'R' entry for a blob the folder lacks fails.
    // `observe` sees each metadata entry; after the stream, `describe()` gives the manifest's
    // "repository" member. `source` is recorded as such. Returns the written snapshot.
    Result<BackupSnapshot> WriteSnapshot(const ByteSource& stream, const std::string& source,
                                         const RecordObserver& observe,
                                         const std::function<nlohmann::json()>& describe,
                                         BackupCounts* counts);

    // The complete snapshots, oldest first (by name, which is the UTC time of the backup).
    // A snapshot whose manifest cannot be read or fails its checksum is left out and
    // reported in `refused` when given.
    Result<std::vector<BackupSnapshot>> List(std::vector<std::string>* refused = nullptr) const;
    // The snapshot `name`, or the newest when empty (a damaged newest one is an error, not
    // skipped). kNotFound, or kCorruption for a damaged manifest; kInvalidArgument for a
    // name that is not one.
    Result<BackupSnapshot> Find(const std::string& name) const;

    // Checks a snapshot without writing anything: manifest, both files' hashes and counts,
    // every blob present with the listed size, and with `rehash` its content's hash.
    Status Check(const BackupSnapshot& snapshot, bool rehash) const;

    // Restores a snapshot into `target` (which must not exist): target/meta as a new LevelDB
    // and target/blobs/ab/<sha256> as copies checked against their hash. Every metadata key
    // starting with `blob_ref_prefix` must name a listed blob and the other way round.
    // `observe` sees each entry as it is loaded. On any error the caller removes `target`.
    Status RestoreSnapshot(const BackupSnapshot& snapshot, const std::string& target,
                           const std::string& blob_ref_prefix, const RecordObserver& observe,
                           BackupCounts* counts) const;

  private:
    explicit BackupFolder(std::string dir) : dir_(std::move(dir)) {}
    std::string BlobPath(std::string_view sha256) const;
    Status CheckManifest(const BackupSnapshot& snapshot) const;
    Result<std::vector<std::pair<std::string, uint64_t>>> ReadBlobList(
        const BackupSnapshot& snapshot) const;

    std::string dir_;
};

// True when `name` can be a snapshot's name: 1 to 64 of [A-Za-z0-9_-], so that it cannot
// leave the snapshots folder.
bool IsValidSnapshotName(std::string_view name);

// The checksum a manifest carries: SHA-256 over its JSON without the "checksum" member.
std::string ManifestChecksum(const nlohmann::json& manifest);

// Copies the file at `from` to `to` (created, must not exist) while hashing it, fsyncs it,
// and returns its SHA-256 and size. Refuses to follow a symbolic link at `from`.
Result<std::pair<std::string, uint64_t>> CopyFileHashed(const std::string& from,
                                                        const std::string& to);

// The SHA-256 and size of a file's content; refuses a symbolic link.
Result<std::pair<std::string, uint64_t>> HashFile(const std::string& path);

}  // namespace aktenwerk::storage
