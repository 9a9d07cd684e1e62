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

// Bidirectional formatting characters: in a file name they make "Rechnung<RLO>txt.exe"
// display as "Rechnungexe.txt".
bool IsBidiControl(uint32_t cp) {
    return cp == 0x061c || cp == 0x200e || cp == 0x200f || (cp >= 0x202a && cp <= 0x202e) ||
           (cp >= 0x2066 && cp <= 0x2069);
}

// Characters that show nothing: a name made only of these (and spaces) looks empty.
bool IsInvisible(uint32_t cp) {
    return cp == ' ' || cp == 0x00a0 || cp == 0x00ad || (cp >= 0x2000 && cp <= 0x200d) ||
           cp == 0x2028 || cp == 0x2029 || cp == 0x202f || cp == 0x205f || cp == 0x2060 ||
           cp == 0x3000 || cp == 0xfeff;
}

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
    size_t i = 0;
    uint32_t cp;
    bool visible = false;
    while (i < name.size() && NextCodePoint(name, &i, &cp)) {
        if (IsBidiControl(cp)) return Invalid(field, "must not contain bidirectional controls");
        visible = visible || !IsInvisible(cp);
    }
    if (!visible) return Invalid(field, "must contain a visible character");
    return Status::Ok();
}

void Utf8Checker::Feed(std::string_view bytes) {
    for (const char ch : bytes) {
        if (!valid_) return;
        const auto c = static_cast<unsigned char>(ch);
        if (need_ == 0) {
            if (c < 0x80) continue;
            if ((c & 0xe0) == 0xc0) {
                need_ = 1, min_ = 0x80, cp_ = c & 0x1fu;
            } else if ((c & 0xf0) == 0xe0) {
                need_ = 2, min_ = 0x800, cp_ = c & 0x0fu;
            } else if ((c & 0xf8) == 0xf0) {
                need_ = 3, min_ = 0x10000, cp_ = c & 0x07u;
            } else {
                valid_ = false;
            }
            continue;
        }
        if ((c & 0xc0) != 0x80) {
            valid_ = false;
            continue;
        }
        cp_ = (cp_ << 6) | (c & 0x3fu);
        if (--need_ == 0 && (cp_ < min_ || cp_ > 0x10ffff || (cp_ >= 0xd800 && cp_ <= 0xdfff))) {
            valid_ = false;
        }
    }
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
