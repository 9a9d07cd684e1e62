// UTF-8 and name rules. Names reach file systems (xdomea ZIPs, CMIS paths, downloads), so
// anything that could escape a folder or split a header is refused here, once.
#include "dms/validation.h"

#include <cstdint>

namespace aktenwerk::dms {
namespace {

// Decodes one code point at `i`; returns false on malformed input.
bool NextCodePoint(std::string_view s, size_t* i, uint32_t* cp) {
    auto byte = [&](size_t k) { return static_cast<unsigned char>(s[k]); };
    unsigned char c = byte(*i);
    size_t len;
    uint32_t min;
    if (c < 0x80) {
        *cp = c;
        *i += 1;
        return true;
    } else if ((c & 0xe0) == 0xc0) {
        len = 2, min = 0x80, *cp = c & 0x1fu;
    } else if ((c & 0xf0) == 0xe0) {
        len = 3, min = 0x800, *cp = c & 0x0fu;
    } else if ((c & 0xf8) == 0xf0) {
        len = 4, min = 0x10000, *cp = c & 0x07u;
    } else {
        return false;
    }
    if (*i + len > s.size()) return false;
    for (size_t k = 1; k < len; ++k) {
        if ((byte(*i + k) & 0xc0) != 0x80) return false;
        *cp = (*cp << 6) | (byte(*i + k) & 0x3fu);
    }
    if (*cp < min || *cp > 0x10ffff || (*cp >= 0xd800 && *cp <= 0xdfff)) return false;
    *i += len;
    return true;
}

bool IsControl(uint32_t cp) { return cp < 0x20 || (cp >= 0x7f && cp <= 0x9f); }

Status Invalid(std::string_view field, std::string_view what) {
    return InvalidArgumentError(std::string(field) + " " + std::string(what), "invalid-name");
}

}  // namespace

bool IsValidUtf8(std::string_view text) {
    size_t i = 0;
    uint32_t cp;
    while (i < text.size()) {
        if (!NextCodePoint(text, &i, &cp)) return false;
    }
    return true;
}

Status CheckText(std::string_view field, std::string_view text, size_t max_bytes, bool required,
                 bool multiline) {
    if (required && text.empty()) return Invalid(field, "must not be empty");
    if (text.size() > max_bytes) {
        return Invalid(field, "is longer than " + std::to_string(max_bytes) + " bytes");
    }
    size_t i = 0;
    uint32_t cp;
    while (i < text.size()) {
        if (!NextCodePoint(text, &i, &cp)) return Invalid(field, "is not valid UTF-8");
        bool allowed_break = multiline && (cp == '\n' || cp == '\r' || cp == '\t');
        if (IsControl(cp) && !allowed_break) return Invalid(field, "contains control characters");
    }
    return Status::Ok();
}

Status CheckFileName(std::string_view field, std::string_view name) {
    AKTENWERK_RETURN_IF_ERROR(CheckText(field, name, 255, /*required=*/true));
    if (name == "." || name == "..") return Invalid(field, "must not be '.' or '..'");
    if (name.find('/') != std::string_view::npos || name.find('\\') != std::string_view::npos) {
        return Invalid(field, "must not contain '/' or '\\'");
    }
    if (name.front() == ' ' || name.back() == ' ') {
        return Invalid(field, "must not start or end with a space");
    }
    return Status::Ok();
}

Status CheckKennzeichen(std::string_view kennzeichen) {
    auto alnum = [](char c) {
        return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z');
    };
    if (kennzeichen.empty() || kennzeichen.size() > 40) {
        return Invalid("kennzeichen", "must have 1 to 40 characters");
    }
    for (char c : kennzeichen) {
        if (!alnum(c) && c != '.' && c != '-' && c != '_') {
            return Invalid("kennzeichen", "may only contain letters, digits, '.', '-' and '_'");
        }
    }
    if (!alnum(kennzeichen.front()) || !alnum(kennzeichen.back())) {
        return Invalid("kennzeichen", "must start and end with a letter or digit");
    }
    return Status::Ok();
}

}  // namespace aktenwerk::dms
