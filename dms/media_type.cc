// libmagic handles are not thread-safe, and loading the database costs a few milliseconds:
// each thread keeps its own handle for its lifetime.
#include "dms/media_type.h"

#include <memory>
#include <string_view>

#include <magic.h>

namespace aktenwerk::dms {
namespace {

struct MagicCloser {
    void operator()(magic_t m) const { magic_close(m); }
};

magic_t ThreadHandle() {
    thread_local std::unique_ptr<std::remove_pointer_t<magic_t>, MagicCloser> handle = [] {
        magic_t m = magic_open(MAGIC_MIME_TYPE | MAGIC_ERROR);
        if (m != nullptr && magic_load(m, nullptr) != 0) {
            magic_close(m);
            m = nullptr;
        }
        return std::unique_ptr<std::remove_pointer_t<magic_t>, MagicCloser>(m);
    }();
    return handle.get();
}

}  // namespace

std::string DetectMimeType(const std::string& path) {
    magic_t m = ThreadHandle();
    if (m == nullptr) return "application/octet-stream";
    const char* type = magic_file(m, path.c_str());
    // An empty file is "inode/x-empty" to libmagic; that is no media type for a download.
    if (type == nullptr || *type == '\0' || std::string_view(type) == "inode/x-empty") {
        return "application/octet-stream";
    }
    return type;
}

}  // namespace aktenwerk::dms
