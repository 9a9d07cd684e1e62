// Character set detection and conversion for plain text: German files arrive as UTF-8,
// UTF-16, ISO-8859-1, ISO-8859-15 or Windows-1252, usually without saying which. Everything
// is converted to UTF-8 before it is analysed, so that no mojibake reaches the index.
#pragma once

#include <string>
#include <string_view>

namespace aktenwerk::indexing {

// The encodings DecodeText tells apart.
enum class Charset { kUtf8, kUtf16Le, kUtf16Be, kWindows1252, kIso8859_1, kIso8859_15 };

// Stable lower-case name: "utf-8", "utf-16le", "utf-16be", "windows-1252", "iso-8859-1",
// "iso-8859-15".
std::string_view CharsetName(Charset charset);

// Guesses the encoding of `bytes`: a byte order mark decides first; then valid UTF-8 is
// UTF-8; otherwise a single-byte encoding is chosen by the bytes 0x80-0x9F (printable in
// Windows-1252, control codes in ISO-8859-x) and 0xA4 (the euro sign of ISO-8859-15 where no
// 0x80-0x9F byte occurs, since the currency sign ¤ of ISO-8859-1 is not used in German text).
Charset DetectCharset(std::string_view bytes);

// Converts `bytes` in `charset` to UTF-8. Bytes that cannot be converted become U+FFFD, so
// the result is always valid UTF-8. A byte order mark is dropped.
std::string ToUtf8(std::string_view bytes, Charset charset);

// Detects the charset of `bytes` and converts them to UTF-8.
std::string DecodeText(std::string_view bytes, Charset* detected = nullptr);

// Converts text labelled with a MIME or HTML charset name ("iso-8859-15", "cp1252",
// "utf-8", case-insensitive). Unknown labels fall back to DecodeText's detection.
std::string DecodeLabelled(std::string_view bytes, std::string_view label);

// True when `text` is well-formed UTF-8 (no overlong forms, no surrogates).
bool IsUtf8(std::string_view text);

// Replaces ill-formed sequences with U+FFFD and drops NUL and other C0 control characters
// except tab, line feed and carriage return.
std::string SanitizeUtf8(std::string_view text);

// Appends the UTF-8 encoding of `code_point` to `out`.
void AppendUtf8(char32_t code_point, std::string* out);

}  // namespace aktenwerk::indexing
