// Test support: SHA-256 of strings and files as lower-case hex, to check that content comes
// back byte for byte.
#pragma once

#include <string>
#include <string_view>

namespace aktenwerk::test_support {

// The SHA-256 of `data`, 64 lower-case hex digits.
std::string Sha256Hex(std::string_view data);

// The SHA-256 of the file at `path`, read in chunks; empty when it cannot be read.
std::string Sha256OfFile(const std::string& path);

// The whole file at `path` (empty when it cannot be read).
std::string ReadFileBytes(const std::string& path);

// Writes `data` to `path`, replacing it; false on failure.
bool WriteFileBytes(const std::string& path, std::string_view data);

}  // namespace aktenwerk::test_support
