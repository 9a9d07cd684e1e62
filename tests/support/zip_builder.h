// Test support: a ZIP file built byte by byte (local headers, central directory, end record),
// so that tests can send what no well-behaved tool writes: "../" names, lying sizes, entry
// counts that do not match, expansion bombs. Header-only; link zlib.
#pragma once

#include <cstdint>
#include <string>
#include <vector>

#include <zlib.h>

namespace aktenwerk::test_support {

// Builds the ZIP in memory. Not thread-safe.
class ZipBuilder {
  public:
    // Adds an entry; `deflate` compresses it with raw deflate as ZIP requires.
    ZipBuilder& Add(const std::string& name, const std::string& data, bool deflate = false,
                    uint32_t claimed_size = 0) {
        std::string packed = deflate ? Deflate(data) : data;
        const uint32_t crc = static_cast<uint32_t>(
            crc32(0, reinterpret_cast<const Bytef*>(data.data()), static_cast<uInt>(data.size())));
        const uint32_t size = claimed_size ? claimed_size : static_cast<uint32_t>(data.size());
        Entry e{name, static_cast<uint32_t>(out_.size()),
                crc,  static_cast<uint32_t>(packed.size()),
                size, static_cast<uint16_t>(deflate ? 8 : 0)};
        Le32(out_, 0x04034b50);
        Le16(out_, 20);
        Le16(out_, 0);
        Le16(out_, e.method);
        Le32(out_, 0);
        Le32(out_, e.crc);
        Le32(out_, e.packed);
        Le32(out_, e.size);
        Le16(out_, static_cast<uint16_t>(name.size()));
        Le16(out_, 0);
        out_ += name;
        out_ += packed;
        entries_.push_back(e);
        return *this;
    }

    std::string Build(uint16_t claimed_entries = 0) const {
        std::string out = out_;
        const uint32_t cd_start = static_cast<uint32_t>(out.size());
        for (const auto& e : entries_) {
            Le32(out, 0x02014b50);
            Le16(out, 20);
            Le16(out, 20);
            Le16(out, 0);
            Le16(out, e.method);
            Le32(out, 0);
            Le32(out, e.crc);
            Le32(out, e.packed);
            Le32(out, e.size);
            Le16(out, static_cast<uint16_t>(e.name.size()));
            Le16(out, 0);
            Le16(out, 0);
            Le16(out, 0);
            Le16(out, 0);
            Le32(out, 0);
            Le32(out, e.offset);
            out += e.name;
        }
        const uint32_t cd_size = static_cast<uint32_t>(out.size()) - cd_start;
        const uint16_t n =
            claimed_entries ? claimed_entries : static_cast<uint16_t>(entries_.size());
        Le32(out, 0x06054b50);
        Le16(out, 0);
        Le16(out, 0);
        Le16(out, n);
        Le16(out, n);
        Le32(out, cd_size);
        Le32(out, cd_start);
        Le16(out, 0);
        return out;
    }

  private:
    struct Entry {
        std::string name;
        uint32_t offset, crc, packed, size;
        uint16_t method;
    };
    static void Le16(std::string& s, uint16_t v) {
        s += static_cast<char>(v & 0xff);
        s += static_cast<char>(v >> 8);
    }
    static void Le32(std::string& s, uint32_t v) {
        Le16(s, static_cast<uint16_t>(v & 0xffff));
        Le16(s, static_cast<uint16_t>(v >> 16));
    }
    static std::string Deflate(const std::string& data) {
        z_stream z{};
        deflateInit2(&z, 9, Z_DEFLATED, -15, 9, Z_DEFAULT_STRATEGY);
        std::string out(deflateBound(&z, static_cast<uLong>(data.size())), '\0');
        z.next_in = reinterpret_cast<Bytef*>(const_cast<char*>(data.data()));
        z.avail_in = static_cast<uInt>(data.size());
        z.next_out = reinterpret_cast<Bytef*>(out.data());
        z.avail_out = static_cast<uInt>(out.size());
        deflate(&z, Z_FINISH);
        out.resize(z.total_out);
        deflateEnd(&z);
        return out;
    }

    std::string out_;
    std::vector<Entry> entries_;
};

}  // namespace aktenwerk::test_support
