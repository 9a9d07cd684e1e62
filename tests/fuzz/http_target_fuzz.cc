// Fuzz target: request-target parsing (path and query, percent escapes) and the encoding the
// server uses for names it puts into URLs. Decoding what we encoded gives the original.
#include <cstdint>
#include <cstdlib>
#include <map>
#include <string>

#include "interfaces/http_message.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view target(reinterpret_cast<const char*>(data), size);
    std::string path;
    std::multimap<std::string, std::string> query;
    (void)aktenwerk::interfaces::ParseTarget(target, &path, &query);
    (void)aktenwerk::interfaces::PercentDecode(target, true);

    auto round =
        aktenwerk::interfaces::PercentDecode(aktenwerk::interfaces::PercentEncode(target), false);
    if (!round || *round != target) std::abort();
    return 0;
}
