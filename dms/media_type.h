// Media type detection from content (libmagic); the client's Content-Type is not trusted.
#pragma once

#include <string>

namespace aktenwerk::dms {

// Returns the MIME type of the file at `path`, e.g. "application/pdf", or
// "application/octet-stream" when libmagic cannot tell. Thread-safe (one libmagic handle
// per thread).
std::string DetectMimeType(const std::string& path);

}  // namespace aktenwerk::dms
