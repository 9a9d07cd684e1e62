// Fuzz target: the value encoding of the metadata store. Whatever decodes must encode and
// decode again to the same value: stored records must survive a rewrite unchanged.
#include <cstdint>
#include <cstdlib>
#include <string>

#include "storage/codec.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    std::string_view bytes(reinterpret_cast<const char*>(data), size);
    auto decoded = aktenwerk::storage::DecodeValue(bytes);
    if (decoded.ok()) {
        auto again = aktenwerk::storage::DecodeValue(aktenwerk::storage::EncodeValue(*decoded));
        // Compared as text: NaN is not equal to itself, and MessagePack strings need not be
        // UTF-8 (dump would throw without a handler).
        auto text = [](const nlohmann::json& j) {
            return j.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
        };
        if (!again.ok() || text(*again) != text(*decoded)) std::abort();
    }
    uint64_t n = 0;
    (void)aktenwerk::storage::ParseSortableNumber(bytes, &n);
    (void)aktenwerk::storage::PrefixEnd(bytes);
    return 0;
}
