// Media type detection from content (libmagic); the client's Content-Type is not trusted.
#pragma once

#include <string>
#include <string_view>

namespace aktenwerk::dms {

// Returns the MIME type of the file at `path`, e.g. "application/pdf", or
// "application/octet-stream" when libmagic cannot tell. `head` holds the file's first bytes
// (a few KiB are enough). Thread-safe; libmagic handles are pooled.
std::string DetectMimeType(const std::string& path, std::string_view head);

// The character set to announce for content of type `mime_type`: empty unless it is text;
// "utf-8" when the whole content is well-formed UTF-8 (`valid_utf8`, checked while it was
// stored); otherwise what libmagic reads from `head` (UTF-16, ISO-8859-1), and
// "windows-1252" for other 8-bit text, the usual legacy encoding of German files.
std::string DetectCharset(std::string_view mime_type, std::string_view head, bool valid_utf8);

}  // namespace aktenwerk::dms
