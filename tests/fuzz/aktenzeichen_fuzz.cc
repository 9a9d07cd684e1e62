// Fuzz target: the Aktenzeichen pattern language and the name checks used with it.
// Input: a line with the pattern, a line with a Kennzeichen, then free text for the checks.
#include <cstdint>
#include <string>

#include "dms/aktenzeichen.h"
#include "dms/validation.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    aktenwerk::fuzz::FuzzInput in(data, size);
    const std::string pattern = in.Line();
    const std::string kennzeichen = in.Line();
    const uint64_t nummer = in.Byte() * 1000003ull + in.Byte();
    const int jahr = 1900 + in.Byte();
    const std::string text = in.Rest();

    auto parsed = aktenwerk::dms::AktenzeichenPattern::Parse(pattern);
    if (parsed.ok()) (void)parsed->Format(kennzeichen, nummer, jahr);
    (void)aktenwerk::dms::CheckKennzeichen(kennzeichen);
    (void)aktenwerk::dms::CheckFileName("dateiname", text);
    (void)aktenwerk::dms::CheckText("betreff", text, 1000, true, true);
    (void)aktenwerk::dms::IsValidUtf8(text);
    return 0;
}
