// Finding the signatures of a PDF by their /ByteRange entries.
#include "dms/pdf_signatur.h"

#include <optional>

namespace aktenwerk::dms {
namespace {

constexpr std::string_view kByteRange = "/ByteRange";
constexpr size_t kMaxSignatures = 32;

bool IsSpace(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

// Parses "[ a b c d ]" at `pos`; nullopt unless it is exactly four unsigned integers.
std::optional<PdfSignatur> ParseRanges(std::string_view pdf, size_t pos) {
    auto skip = [&] {
        while (pos < pdf.size() && IsSpace(pdf[pos])) ++pos;
    };
    skip();
    if (pos >= pdf.size() || pdf[pos] != '[') return std::nullopt;
    ++pos;
    PdfSignatur sig;
    for (uint64_t& value : sig.ranges) {
        skip();
        size_t digits = 0;
        value = 0;
        while (pos < pdf.size() && pdf[pos] >= '0' && pdf[pos] <= '9' && digits < 15) {
            value = value * 10 + static_cast<uint64_t>(pdf[pos] - '0');
            ++pos;
            ++digits;
        }
        if (digits == 0) return std::nullopt;
    }
    skip();
    if (pos >= pdf.size() || pdf[pos] != ']') return std::nullopt;
    return sig;
}

// The length of the DER object at the start of `der` (tag, length, content), or 0 when
// its header is not a definite length that fits.
size_t DerLength(std::string_view der) {
    if (der.size() < 2) return 0;
    const auto first = static_cast<unsigned char>(der[1]);
    if (first < 0x80) return first + 2u;
    const size_t n = first & 0x7f;
    if (n == 0 || n > 4 || der.size() < 2 + n) return 0;
    size_t len = 0;
    for (size_t i = 0; i < n; ++i) len = (len << 8) | static_cast<unsigned char>(der[2 + i]);
    return len + 2 + n <= der.size() ? len + 2 + n : 0;
}

// Decodes the hex string that fills the gap between the ranges: "<" hex ">", padded
// with zeros after the DER. Empty when it is not one.
std::string DecodeContents(std::string_view gap) {
    if (gap.size() < 2 || gap.front() != '<' || gap.back() != '>') return {};
    std::string out;
    int high = -1;
    for (char c : gap.substr(1, gap.size() - 2)) {
        if (IsSpace(c)) continue;
        const int v = HexValue(c);
        if (v < 0) return {};
        if (high < 0) {
            high = v;
        } else {
            out += static_cast<char>(high * 16 + v);
            high = -1;
        }
    }
    out.resize(DerLength(out));
    return out;
}

}  // namespace

std::vector<PdfSignatur> FindPdfSignatures(std::string_view pdf) {
    std::vector<PdfSignatur> out;
    if (pdf.substr(0, 5) != "%PDF-") return out;
    for (size_t pos = pdf.find(kByteRange); pos != std::string_view::npos;
         pos = pdf.find(kByteRange, pos + kByteRange.size())) {
        auto sig = ParseRanges(pdf, pos + kByteRange.size());
        if (!sig) continue;
        const uint64_t* r = sig->ranges;
        // Both ranges inside the file, in order, with the /Contents gap between them.
        if (r[0] > pdf.size() || r[1] > pdf.size() - r[0] || r[2] < r[0] + r[1] + 2 ||
            r[2] > pdf.size() || r[3] > pdf.size() - r[2]) {
            continue;
        }
        sig->cms = DecodeContents(pdf.substr(r[0] + r[1], r[2] - r[0] - r[1]));
        if (sig->cms.empty()) continue;
        sig->ganze_datei = r[0] == 0 && r[2] + r[3] == pdf.size();
        out.push_back(std::move(*sig));
        if (out.size() == kMaxSignatures) break;
    }
    return out;
}

std::string PdfSignedBytes(std::string_view pdf, const PdfSignatur& sig) {
    std::string out(pdf.substr(sig.ranges[0], sig.ranges[1]));
    out.append(pdf.substr(sig.ranges[2], sig.ranges[3]));
    return out;
}

}  // namespace aktenwerk::dms
