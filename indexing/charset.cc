// Charset detection and conversion with our own tables: the three single-byte encodings
// differ from Unicode only in 0x80-0x9F (Windows-1252) and eight code points (ISO-8859-15),
// so a table is clearer and faster than iconv, and it cannot fail halfway.
#include "indexing/charset.h"

#include <cstdint>

namespace aktenwerk::indexing {
namespace {

// Windows-1252 0x80-0x9F; 0 marks the five bytes it leaves undefined.
constexpr char16_t kCp1252High[32] = {
    0x20AC, 0,      0x201A, 0x0192, 0x201E, 0x2026, 0x2020, 0x2021, 0x02C6, 0x2030, 0x0160,
    0x2039, 0x0152, 0,      0x017D, 0,      0,      0x2018, 0x2019, 0x201C, 0x201D, 0x2022,
    0x2013, 0x2014, 0x02DC, 0x2122, 0x0161, 0x203A, 0x0153, 0,      0x017E, 0x0178};

char32_t Latin9(unsigned char b) {
    switch (b) {
        case 0xA4:
            return 0x20AC;
        case 0xA6:
            return 0x0160;
        case 0xA8:
            return 0x0161;
        case 0xB4:
            return 0x017D;
        case 0xB8:
            return 0x017E;
        case 0xBC:
            return 0x0152;
        case 0xBD:
            return 0x0153;
        case 0xBE:
            return 0x0178;
        default:
            return b;
    }
}

// Length of the well-formed UTF-8 sequence at `i`, or 0.
size_t Utf8SequenceLength(std::string_view s, size_t i, char32_t* cp) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
        *cp = c;
        return 1;
    }
    size_t len = 0;
    char32_t value = 0;
    char32_t min = 0;
    if ((c & 0xE0) == 0xC0) {
        len = 2, value = c & 0x1F, min = 0x80;
    } else if ((c & 0xF0) == 0xE0) {
        len = 3, value = c & 0x0F, min = 0x800;
    } else if ((c & 0xF8) == 0xF0) {
        len = 4, value = c & 0x07, min = 0x10000;
    } else {
        return 0;
    }
    if (i + len > s.size()) return 0;
    for (size_t k = 1; k < len; ++k) {
        const auto cc = static_cast<unsigned char>(s[i + k]);
        if ((cc & 0xC0) != 0x80) return 0;
        value = (value << 6) | (cc & 0x3F);
    }
    if (value < min || value > 0x10FFFF || (value >= 0xD800 && value <= 0xDFFF)) return 0;
    *cp = value;
    return len;
}

std::string FromUtf16(std::string_view bytes, bool little_endian) {
    std::string out;
    out.reserve(bytes.size());
    auto unit = [&](size_t i) -> char16_t {
        const auto a = static_cast<unsigned char>(bytes[i]);
        const auto b = static_cast<unsigned char>(bytes[i + 1]);
        return static_cast<char16_t>(little_endian ? (b << 8) | a : (a << 8) | b);
    };
    for (size_t i = 0; i + 1 < bytes.size(); i += 2) {
        char32_t u = unit(i);
        if (u >= 0xD800 && u <= 0xDBFF && i + 3 < bytes.size()) {
            char32_t low = unit(i + 2);
            if (low >= 0xDC00 && low <= 0xDFFF) {
                AppendUtf8(0x10000 + ((u - 0xD800) << 10) + (low - 0xDC00), &out);
                i += 2;
                continue;
            }
        }
        AppendUtf8(u >= 0xD800 && u <= 0xDFFF ? 0xFFFD : u, &out);
    }
    return out;
}

bool EqualsIgnoreCase(std::string_view a, std::string_view b) {
    if (a.size() != b.size()) return false;
    for (size_t i = 0; i < a.size(); ++i) {
        char x = a[i] >= 'A' && a[i] <= 'Z' ? static_cast<char>(a[i] + 32) : a[i];
        char y = b[i] >= 'A' && b[i] <= 'Z' ? static_cast<char>(b[i] + 32) : b[i];
        if (x != y) return false;
    }
    return true;
}

}  // namespace

std::string_view CharsetName(Charset charset) {
    switch (charset) {
        case Charset::kUtf8:
            return "utf-8";
        case Charset::kUtf16Le:
            return "utf-16le";
        case Charset::kUtf16Be:
            return "utf-16be";
        case Charset::kWindows1252:
            return "windows-1252";
        case Charset::kIso8859_1:
            return "iso-8859-1";
        case Charset::kIso8859_15:
            return "iso-8859-15";
    }
    return "utf-8";
}

void AppendUtf8(char32_t cp, std::string* out) {
    if (cp < 0x80) {
        out->push_back(static_cast<char>(cp));
    } else if (cp < 0x800) {
        out->push_back(static_cast<char>(0xC0 | (cp >> 6)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else if (cp < 0x10000) {
        out->push_back(static_cast<char>(0xE0 | (cp >> 12)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    } else {
        out->push_back(static_cast<char>(0xF0 | (cp >> 18)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 12) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | ((cp >> 6) & 0x3F)));
        out->push_back(static_cast<char>(0x80 | (cp & 0x3F)));
    }
}

bool IsUtf8(std::string_view text) {
    char32_t cp = 0;
    for (size_t i = 0; i < text.size();) {
        size_t len = Utf8SequenceLength(text, i, &cp);
        if (len == 0) return false;
        i += len;
    }
    return true;
}

std::string SanitizeUtf8(std::string_view text) {
    std::string out;
    out.reserve(text.size());
    char32_t cp = 0;
    for (size_t i = 0; i < text.size();) {
        size_t len = Utf8SequenceLength(text, i, &cp);
        if (len == 0) {
            AppendUtf8(0xFFFD, &out);
            ++i;
            continue;
        }
        if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') {
            out.push_back(' ');
        } else {
            out.append(text.substr(i, len));
        }
        i += len;
    }
    return out;
}

Charset DetectCharset(std::string_view bytes) {
    if (bytes.substr(0, 3) == "\xEF\xBB\xBF") return Charset::kUtf8;
    if (bytes.substr(0, 2) == "\xFF\xFE") return Charset::kUtf16Le;
    if (bytes.substr(0, 2) == "\xFE\xFF") return Charset::kUtf16Be;
    if (IsUtf8(bytes)) return Charset::kUtf8;
    bool c1 = false;
    bool euro_candidate = false;
    for (unsigned char b : bytes) {
        if (b >= 0x80 && b <= 0x9F) c1 = true;
        if (b == 0xA4) euro_candidate = true;
    }
    if (c1) return Charset::kWindows1252;
    return euro_candidate ? Charset::kIso8859_15 : Charset::kIso8859_1;
}

std::string ToUtf8(std::string_view bytes, Charset charset) {
    switch (charset) {
        case Charset::kUtf8:
            if (bytes.substr(0, 3) == "\xEF\xBB\xBF") bytes.remove_prefix(3);
            return SanitizeUtf8(bytes);
        case Charset::kUtf16Le:
        case Charset::kUtf16Be:
            if (bytes.substr(0, 2) == "\xFF\xFE" || bytes.substr(0, 2) == "\xFE\xFF") {
                bytes.remove_prefix(2);
            }
            return SanitizeUtf8(FromUtf16(bytes, charset == Charset::kUtf16Le));
        default:
            break;
    }
    std::string out;
    out.reserve(bytes.size() + bytes.size() / 8);
    for (unsigned char b : bytes) {
        char32_t cp = b;
        if (charset == Charset::kWindows1252 && b >= 0x80 && b <= 0x9F) {
            cp = kCp1252High[b - 0x80] != 0 ? kCp1252High[b - 0x80] : 0xFFFD;
        } else if (charset == Charset::kIso8859_15) {
            cp = Latin9(b);
        }
        if (cp < 0x20 && cp != '\t' && cp != '\n' && cp != '\r') cp = ' ';
        if (cp >= 0x80 && cp <= 0x9F) cp = 0xFFFD;  // C1 controls are never text
        AppendUtf8(cp, &out);
    }
    return out;
}

std::string DecodeText(std::string_view bytes, Charset* detected) {
    Charset charset = DetectCharset(bytes);
    if (detected != nullptr) *detected = charset;
    return ToUtf8(bytes, charset);
}

std::string DecodeLabelled(std::string_view bytes, std::string_view label) {
    while (!label.empty() && (label.front() == '"' || label.front() == ' ')) label.remove_prefix(1);
    while (!label.empty() && (label.back() == '"' || label.back() == ' ')) label.remove_suffix(1);
    if (EqualsIgnoreCase(label, "utf-8") || EqualsIgnoreCase(label, "utf8")) {
        // A label that lies (Latin-1 bytes sent as UTF-8) is common in mail: trust the bytes.
        return IsUtf8(bytes) ? ToUtf8(bytes, Charset::kUtf8) : DecodeText(bytes);
    }
    if (EqualsIgnoreCase(label, "windows-1252") || EqualsIgnoreCase(label, "cp1252")) {
        return ToUtf8(bytes, Charset::kWindows1252);
    }
    // Mail user agents label Windows-1252 text as ISO-8859-1 routinely (the WHATWG encoding
    // standard maps the label so); the two agree on every printable byte of ISO-8859-1.
    if (EqualsIgnoreCase(label, "iso-8859-1") || EqualsIgnoreCase(label, "latin1") ||
        EqualsIgnoreCase(label, "us-ascii")) {
        return ToUtf8(bytes, Charset::kWindows1252);
    }
    if (EqualsIgnoreCase(label, "iso-8859-15") || EqualsIgnoreCase(label, "latin9")) {
        return ToUtf8(bytes, Charset::kIso8859_15);
    }
    if (EqualsIgnoreCase(label, "utf-16le")) return ToUtf8(bytes, Charset::kUtf16Le);
    if (EqualsIgnoreCase(label, "utf-16be") || EqualsIgnoreCase(label, "utf-16")) {
        return ToUtf8(bytes,
                      bytes.substr(0, 2) == "\xFF\xFE" ? Charset::kUtf16Le : Charset::kUtf16Be);
    }
    return DecodeText(bytes);
}

}  // namespace aktenwerk::indexing
