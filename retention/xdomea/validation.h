// Checking xdomea messages before they are used or offered: a streaming pass with libxml2 that
// refuses what a message never needs (a DOCTYPE, and with it every entity declaration and
// external entity), nesting and size past the limits, and then validates against the official
// schema of the message's own xdomea version (2.3.0, 2.4.0, 3.0.0, 3.1.0), compiled from the
// embedded schema files. Memory stays flat whatever the size of the message.
#pragma once

#include <cstdint>
#include <functional>
#include <optional>
#include <string>
#include <string_view>

#include "storage/status.h"

namespace aktenwerk::retention::xdomea {

enum class Version { k2_3_0, k2_4_0, k3_0_0, k3_1_0 };

// "3.1.0", ...
std::string_view VersionName(Version v);
// "urn:xoev-de:xdomea:schema:3.1.0", ...
std::string NamespaceOf(Version v);
// The version whose namespace `ns` is; nullopt for anything else (including 4.0.0, whose
// schemas are not public).
std::optional<Version> VersionOfNamespace(std::string_view ns);
inline bool IsV2(Version v) { return v == Version::k2_3_0 || v == Version::k2_4_0; }

// The message families, each with its entry schema (xdomea-Nachrichten-<...>.xsd).
enum class Family {
    kAussonderung,         // 0501-0507 (and 0511-0515 in 3.x)
    kAktenplan,            // 0301, 0302
    kAbgabe,               // 0401-0403
    kFachverfahrensdaten,  // 0601-0632
    kInformation,          // 0101, 0102
};
std::string_view EntrySchemaFile(Family f);

struct XmlLimits {
    uint64_t max_bytes = uint64_t{64} << 20;  // of the message text
    int max_depth = 100;                      // element nesting
    uint64_t max_elements = 4'000'000;
};

// What the check found out about a valid message.
struct MessageInfo {
    Version version = Version::k3_1_0;
    std::string
        root;  // local name of the root element, e.g. "Aussonderung.Bewertungsverzeichnis.0502"
};

// Pulls the next bytes of a message; returns 0 at the end.
using ByteSource = std::function<Result<size_t>(char* buf, size_t n)>;

// Checks and validates a message held in memory. The version is taken from the root
// element's namespace. kInvalidArgument (reason "invalid-xdomea") naming the line and
// element of the first problems: not well-formed, DOCTYPE or entities, nesting past
// `limits.max_depth`, too large, unknown xdomea version, or not valid against the schema of
// `family` in that version.
Result<MessageInfo> ValidateMessage(std::string_view bytes, Family family,
                                    const XmlLimits& limits = {});

// The same for a message in a file (our own output before it is offered); `version` is the
// version it must have.
Result<MessageInfo> ValidateMessageFile(const std::string& path, Family family, Version version,
                                        const XmlLimits& limits = {});

// Loads and compiles the schema of `family` in `version` (cached for the process), so that a
// broken embedded schema shows at start-up rather than with the first message.
Status PrepareSchema(Family family, Version version);

}  // namespace aktenwerk::retention::xdomea
