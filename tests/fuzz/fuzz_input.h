// Helpers for fuzz targets: split the fuzzer's bytes into the several inputs a parser takes.
#pragma once

#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>

namespace aktenwerk::fuzz {

// Consumes the input front to back. Every call is defined for any input, so a target's
// behaviour depends on the bytes alone.
class FuzzInput {
  public:
    FuzzInput(const uint8_t* data, size_t size)
        : rest_(reinterpret_cast<const char*>(data), size) {}

    // One byte (0 once the input is used up).
    uint8_t Byte() {
        if (rest_.empty()) return 0;
        uint8_t b = static_cast<uint8_t>(rest_.front());
        rest_.remove_prefix(1);
        return b;
    }
    // Up to the next '\n' (not included), or everything left.
    std::string Line() {
        size_t nl = rest_.find('\n');
        std::string out(rest_.substr(0, nl));
        rest_.remove_prefix(nl == std::string_view::npos ? rest_.size() : nl + 1);
        return out;
    }
    std::string Rest() {
        std::string out(rest_);
        rest_ = {};
        return out;
    }
    bool empty() const { return rest_.empty(); }

  private:
    std::string_view rest_;
};

}  // namespace aktenwerk::fuzz
