// Fuzz target: the untrusted-input guards. XML goes through ParseUntrustedXml with small
// limits; the same bytes, split into lines, are checked as archive entry names and fed to an
// ArchiveBudget with sizes taken from the input.
#include <cstdint>
#include <string>

#include "dms/untrusted_input.h"
#include "tests/fuzz/fuzz_input.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view text(reinterpret_cast<const char*>(data), size);
    (void)aktenwerk::dms::ParseUntrustedXml(text, aktenwerk::dms::XmlLimits{1 << 20, 64});

    aktenwerk::fuzz::FuzzInput in(data, size);
    aktenwerk::dms::ArchiveBudget budget(aktenwerk::dms::ZipLimits{50, 1 << 30, 100});
    for (int i = 0; i < 100 && !in.empty(); ++i) {
        const uint64_t compressed = uint64_t{in.Byte()} << in.Byte() % 40;
        const uint64_t uncompressed = uint64_t{in.Byte()} << in.Byte() % 40;
        const std::string name = in.Line();
        (void)aktenwerk::dms::CheckArchiveEntryName(name);
        if (budget.Admit(name, compressed, uncompressed).ok()) {
            (void)budget.Inflated(compressed, uncompressed);
        }
    }
    return 0;
}
