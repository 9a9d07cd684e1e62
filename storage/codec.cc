// MessagePack behind a version byte; exceptions from nlohmann stop here.
#include "storage/codec.h"

#include <charconv>
#include <cstdio>

namespace aktenwerk::storage {
namespace {

// Our records nest a few levels (an audit entry holds an object holding its metadata); far
// deeper input is damage, and nlohmann's MessagePack reader recurses once per level, so
// without a bound a damaged value would overflow the stack.
constexpr size_t kMaxNesting = 64;

// The DOM builder of nlohmann with a bound on nesting: returning false stops the reader
// before it descends further.
class BoundedDomParser : public nlohmann::detail::json_sax_dom_parser<nlohmann::json> {
  public:
    using Base = nlohmann::detail::json_sax_dom_parser<nlohmann::json>;
    explicit BoundedDomParser(nlohmann::json& result) : Base(result, /*allow_exceptions=*/false) {}

    bool start_object(std::size_t len) {
        return ++depth_ <= kMaxNesting && Base::start_object(len);
    }
    bool end_object() {
        --depth_;
        return Base::end_object();
    }
    bool start_array(std::size_t len) { return ++depth_ <= kMaxNesting && Base::start_array(len); }
    bool end_array() {
        --depth_;
        return Base::end_array();
    }

  private:
    size_t depth_ = 0;
};

}  // namespace

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
    nlohmann::json value;
    BoundedDomParser parser(value);
    const bool parsed = nlohmann::json::sax_parse(bytes.begin() + 1, bytes.end(), &parser,
                                                  nlohmann::json::input_format_t::msgpack,
                                                  /*strict=*/true);
    if (!parsed || parser.is_errored()) {
        return CorruptionError("stored value is not valid MessagePack (or nested deeper than " +
                               std::to_string(kMaxNesting) + " levels)");
    }
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
