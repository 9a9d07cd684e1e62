// The versioned value encoding of everything kept in the metadata store, and helpers for
// keys that sort the way range scans need.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "storage/status.h"

namespace aktenwerk::storage {

// The first byte of every stored value. A value written by a newer encoding is refused
// with kCorruption (reason "unknown-encoding") instead of being misread.
inline constexpr uint8_t kEncodingVersion = 1;

// Encodes a JSON value compactly: the encoding version byte, then MessagePack.
std::string EncodeValue(const nlohmann::json& value);

// Decodes what EncodeValue wrote. Returns kCorruption for an empty value, an unknown
// version byte, malformed MessagePack or nesting deeper than 64 levels; never throws.
// Strings are not checked for UTF-8 (they were when written): dump a decoded value of
// unknown origin with an error handler.
Result<nlohmann::json> DecodeValue(std::string_view bytes);

// A 20-digit zero-padded decimal, so that numbers sort as strings (audit sequence,
// version numbers, outbox positions).
std::string SortableNumber(uint64_t n);

// Parses what SortableNumber wrote; returns false for anything else.
bool ParseSortableNumber(std::string_view text, uint64_t* n);

// The smallest key greater than every key starting with `prefix` (for scan bounds).
std::string PrefixEnd(std::string_view prefix);

}  // namespace aktenwerk::storage
