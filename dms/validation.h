// Checks of user-supplied text: names, Kennzeichen, free text. Every check returns
// kInvalidArgument with a message that names the field and what is wrong.
#pragma once

#include <cstddef>
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
// or "..", no leading or trailing space.
Status CheckFileName(std::string_view field, std::string_view name);

// A Kennzeichen: 1..40 characters of letters, digits, '.', '-' and '_', starting and
// ending with a letter or digit.
Status CheckKennzeichen(std::string_view kennzeichen);

}  // namespace aktenwerk::dms
