// Random identifiers: RFC 4122 version 4 UUIDs, used for objects, holds and Aussonderung
// processes (xdomea requires UUIDs as object and process ids).
#pragma once

#include <string>
#include <string_view>

namespace aktenwerk::dms {

// A new random UUID in lower-case canonical form ("xxxxxxxx-xxxx-4xxx-yxxx-xxxxxxxxxxxx").
// Thread-safe.
std::string NewUuid();

// True when `text` has the canonical 8-4-4-4-12 hex form (either case).
bool IsUuid(std::string_view text);

// A UUID derived from `name` (SHA-256, version nibble 8 as RFC 9562 allows for
// name-based custom UUIDs): the same name always gives the same UUID.
std::string NameUuid(std::string_view name);

}  // namespace aktenwerk::dms
