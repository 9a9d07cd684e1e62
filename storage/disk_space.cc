// Free-space checks through statvfs.
#include "storage/disk_space.h"

#include <sys/statvfs.h>

#include <cerrno>

namespace aktenwerk::storage {

Result<uint64_t> FreeBytes(const std::string& path) {
    struct statvfs st {};
    if (::statvfs(path.c_str(), &st) != 0) return ErrnoError("statvfs " + path, errno);
    return static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
}

Result<FileSystemState> FileSystemStateOf(const std::string& path) {
    struct statvfs st {};
    if (::statvfs(path.c_str(), &st) != 0) return ErrnoError("statvfs " + path, errno);
    FileSystemState out;
    out.free_bytes = static_cast<uint64_t>(st.f_bavail) * static_cast<uint64_t>(st.f_frsize);
    out.total_bytes = static_cast<uint64_t>(st.f_blocks) * static_cast<uint64_t>(st.f_frsize);
    out.read_only = (st.f_flag & ST_RDONLY) != 0;
    return out;
}

Status SpaceReserve::CheckRoom(uint64_t incoming) const {
    if (reserve_bytes_ == 0) return Status::Ok();
    auto free = FreeBytes(path_);
    if (!free.ok()) return Status::Ok();
    if (*free > reserve_bytes_ && *free - reserve_bytes_ > incoming) return Status::Ok();
    return ResourceExhaustedError(
        "only " + std::to_string(*free) + " bytes free on the file system of " + path_ +
            ", below the reserve of " + std::to_string(reserve_bytes_) + " bytes",
        "disk-full");
}

}  // namespace aktenwerk::storage
