// Media type detection from content (libmagic); the client's Content-Type is not trusted.
#pragma once

#include <string>
#include <string_view>

namespace aktenwerk::dms {

// Returns the MIME type of the file at `path`, e.g. "application/pdf", or
// "application/octet-stream" when libmagic cannot tell. `head` holds the file's first bytes
// (a few KiB are enough). Thread-safe; libmagic handles are pooled.
std::string DetectMimeType(const std::string& path, std::string_view head);

}  // namespace aktenwerk::dms
