// MessagePack behind a version byte; exceptions from nlohmann stop here.
#include "storage/codec.h"

#include <charconv>
#include <cstdio>

namespace aktenwerk::storage {

std::string EncodeValue(const nlohmann::json& value) {
    std::string out;
    out.push_back(static_cast<char>(kEncodingVersion));
    nlohmann::json::to_msgpack(value, nlohmann::detail::output_adapter<char>(out));
    return out;
}

Result<nlohmann::json> DecodeValue(std::string_view bytes) {
    if (bytes.empty()) return CorruptionError("empty stored value");
    if (static_cast<uint8_t>(bytes[0]) != kEncodingVersion) {
        return Status(StatusCode::kCorruption,
                      "stored value has unknown encoding version " +
                          std::to_string(static_cast<uint8_t>(bytes[0])),
                      "unknown-encoding");
    }
    nlohmann::json value = nlohmann::json::from_msgpack(bytes.begin() + 1, bytes.end(),
                                                        /*strict=*/true,
                                                        /*allow_exceptions=*/false);
    if (value.is_discarded()) return CorruptionError("stored value is not valid MessagePack");
    return value;
}

std::string SortableNumber(uint64_t n) {
    char buf[24];
    std::snprintf(buf, sizeof(buf), "%020llu", static_cast<unsigned long long>(n));
    return buf;
}

bool ParseSortableNumber(std::string_view text, uint64_t* n) {
    if (text.size() != 20) return false;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *n);
    return ec == std::errc() && ptr == text.data() + text.size();
}

std::string PrefixEnd(std::string_view prefix) {
    std::string end(prefix);
    while (!end.empty()) {
        auto last = static_cast<unsigned char>(end.back());
        if (last != 0xff) {
            end.back() = static_cast<char>(last + 1);
            return end;
        }
        end.pop_back();
    }
    return end;  // empty: no upper bound
}

}  // namespace aktenwerk::storage
