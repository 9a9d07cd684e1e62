// Checks of user-supplied text: names, Kennzeichen, free text. Every check returns
// kInvalidArgument with a message that names the field and what is wrong.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

#include "storage/status.h"

namespace aktenwerk::dms {

// True when `text` is well-formed UTF-8 (no overlong forms, surrogates or values past
// U+10FFFF).
bool IsValidUtf8(std::string_view text);

// Free text such as a Betreff: valid UTF-8, no control characters other than tab and line
// breaks (when `multiline`), at most `max_bytes`. Empty is allowed unless `required`.
Status CheckText(std::string_view field, std::string_view text, size_t max_bytes, bool required,
                 bool multiline = false);

// A file name: valid UTF-8, 1..255 bytes, no control characters, no '/' or '\\', not "."
// or "..", no leading or trailing space, no bidirectional controls, at least one visible
// character.
Status CheckFileName(std::string_view field, std::string_view name);

// Checks that a stream of bytes, fed in pieces of any size, is well-formed UTF-8 (as
// IsValidUtf8). Not thread-safe.
class Utf8Checker {
  public:
    void Feed(std::string_view bytes);
    // True when everything fed so far is well-formed and no sequence is left open.
    bool valid() const { return valid_ && need_ == 0; }

  private:
    bool valid_ = true;
    int need_ = 0;  // continuation bytes still expected
    uint32_t cp_ = 0;
    uint32_t min_ = 0;
};

// A Kennzeichen: 1..40 characters of letters, digits, '.', '-' and '_', starting and
// ending with a letter or digit.
Status CheckKennzeichen(std::string_view kennzeichen);

}  // namespace aktenwerk::dms
