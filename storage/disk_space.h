// A reserve of free space on the file system of the data directory. Ordinary writes stop
// while the reserve would be touched, so that the metadata store's log never meets a full
// disk in the middle of a record and the few writes that must still happen on a full disk
// (the audit entries of reads, deletions that free space) have room.
#pragma once

#include <cstdint>
#include <string>

#include "storage/status.h"

namespace aktenwerk::storage {

// Bytes that an unprivileged process may still write on the file system holding `path`.
Result<uint64_t> FreeBytes(const std::string& path);

// The file system holding `path`, for health checks and metrics.
struct FileSystemState {
    uint64_t free_bytes = 0;   // as FreeBytes
    uint64_t total_bytes = 0;  // size of the file system
    bool read_only = false;    // mounted read-only
};
Result<FileSystemState> FileSystemStateOf(const std::string& path);

// Thread-safe; immutable after construction.
class SpaceReserve {
  public:
    // `reserve_bytes` 0 disables the check.
    SpaceReserve(std::string path, uint64_t reserve_bytes)
        : path_(std::move(path)), reserve_bytes_(reserve_bytes) {}

    // Ok when more than the reserve plus `incoming` bytes are free. kResourceExhausted with
    // reason "disk-full" otherwise. A file system that cannot be asked counts as having room:
    // the write itself then reports what is wrong.
    Status CheckRoom(uint64_t incoming) const;

    uint64_t reserve_bytes() const { return reserve_bytes_; }

  private:
    std::string path_;
    uint64_t reserve_bytes_;
};

}  // namespace aktenwerk::storage
