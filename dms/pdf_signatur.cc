// Finding the signatures of a PDF by their /ByteRange entries.
#include "dms/pdf_signatur.h"

namespace aktenwerk::dms {
namespace {

constexpr std::string_view kByteRange = "/ByteRange";
constexpr std::string_view kContents = "/Contents";
constexpr size_t kMaxSignatures = 32;
// More digits than any offset in a file we look into (at most 64 MiB) can need; the limit
// keeps the arithmetic below far from overflow.
constexpr size_t kMaxDigits = 15;

bool IsSpace(char c) {
    return c == ' ' || c == '\n' || c == '\r' || c == '\t' || c == '\f' || c == '\0';
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    return -1;
}

size_t SkipSpace(std::string_view pdf, size_t pos) {
    while (pos < pdf.size() && IsSpace(pdf[pos])) ++pos;
    return pos;
}

// Parses "[ a b c d ]" at `*pos` into `sig->ranges` and moves `*pos` past it. Returns why
// it is not exactly four unsigned integers, or empty.
std::string ParseRanges(std::string_view pdf, size_t* pos, PdfSignatur* sig) {
    size_t at = SkipSpace(pdf, *pos);
    if (at >= pdf.size() || pdf[at] != '[') return "the /ByteRange is no array";
    ++at;
    for (uint64_t& value : sig->ranges) {
        at = SkipSpace(pdf, at);
        if (at < pdf.size() && (pdf[at] == '-' || pdf[at] == '+' || pdf[at] == '.'))
            return "the /ByteRange holds a signed or fractional number";
        size_t digits = 0;
        for (value = 0; at < pdf.size() && pdf[at] >= '0' && pdf[at] <= '9'; ++at, ++digits) {
            if (digits == kMaxDigits) return "the /ByteRange holds a number too large";
            value = value * 10 + static_cast<uint64_t>(pdf[at] - '0');
        }
        if (at >= pdf.size()) return "the /ByteRange is cut off by the end of the file";
        if (digits == 0) {
            return pdf[at] == ']' ? "the /ByteRange holds fewer than four numbers"
                                  : "the /ByteRange holds something other than numbers";
        }
    }
    at = SkipSpace(pdf, at);
    if (at >= pdf.size()) return "the /ByteRange is cut off by the end of the file";
    if (pdf[at] != ']') return "the /ByteRange holds more than four numbers or other values";
    *pos = at + 1;
    return {};
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
// with zeros after the DER. Returns why it is not one, or empty.
std::string DecodeContents(std::string_view gap, std::string* der) {
    if (gap.size() < 2 || gap.front() != '<' || gap.back() != '>')
        return "the gap between the ranges is no hex string";
    int high = -1;
    for (char c : gap.substr(1, gap.size() - 2)) {
        if (IsSpace(c)) continue;
        const int v = HexValue(c);
        if (v < 0) return "the /Contents hex string holds a character that is no hex digit";
        if (high < 0) {
            high = v;
        } else {
            *der += static_cast<char>(high * 16 + v);
            high = -1;
        }
    }
    if (high >= 0) return "the /Contents hex string has an odd number of digits";
    der->resize(DerLength(*der));
    return der->empty() ? "the /Contents holds no DER signature" : "";
}

// Whether the hex string at `gap_start` is the value of a /Contents key of the same
// dictionary as the /ByteRange entry [entry, entry_end): the key stands right before it,
// and no end of object or other /ByteRange lies between the two.
bool ContentsOfThisDictionary(std::string_view pdf, size_t entry, size_t entry_end,
                              size_t gap_start, size_t gap_end) {
    size_t key = gap_start;
    while (key > 0 && IsSpace(pdf[key - 1])) --key;
    if (key < kContents.size() || pdf.substr(key - kContents.size(), kContents.size()) != kContents)
        return false;
    key -= kContents.size();
    // The hex string itself holds only hex digits, so only the text outside it is searched.
    const size_t from = entry < key ? entry_end : gap_end;
    const size_t to = entry < key ? key : entry;
    if (from > to) return false;
    const std::string_view between = pdf.substr(from, to - from);
    return between.find("endobj") == std::string_view::npos &&
           between.find(kByteRange) == std::string_view::npos;
}

// Checks the ranges of the entry [entry, entry_end) against the file and fills in
// `sig->cms`; returns why the dictionary cannot be checked, or empty.
std::string CheckRanges(std::string_view pdf, size_t entry, size_t entry_end, PdfSignatur* sig) {
    const uint64_t* r = sig->ranges;
    const uint64_t size = pdf.size();
    if (r[0] != 0) return "the /ByteRange does not start at the beginning of the file";
    if (r[2] < r[1]) return "the ranges of the /ByteRange overlap or are out of order";
    if (r[1] > size || r[2] > size || r[3] > size - r[2]) {
        return "the /ByteRange reaches beyond the end of the file (" + std::to_string(size) +
               " bytes): the file may be truncated";
    }
    if (!ContentsOfThisDictionary(pdf, entry, entry_end, r[1], r[2]))
        return "the gap between the ranges is not the /Contents of this signature dictionary";
    if (entry_end > r[1] && (entry < r[2] || entry_end > r[2] + r[3]))
        return "the /ByteRange itself lies outside the signed bytes";
    if (std::string fehler = DecodeContents(pdf.substr(r[1], r[2] - r[1]), &sig->cms);
        !fehler.empty()) {
        sig->cms.clear();
        return fehler;
    }
    sig->nachtraeglich = size - (r[2] + r[3]);
    return {};
}

}  // namespace

std::vector<PdfSignatur> FindPdfSignatures(std::string_view pdf) {
    std::vector<PdfSignatur> out;
    if (pdf.substr(0, 5) != "%PDF-") return out;
    for (size_t pos = pdf.find(kByteRange); pos != std::string_view::npos;
         pos = pdf.find(kByteRange, pos + kByteRange.size())) {
        PdfSignatur sig;
        size_t entry_end = pos + kByteRange.size();
        sig.fehler = ParseRanges(pdf, &entry_end, &sig);
        if (sig.fehler.empty()) sig.fehler = CheckRanges(pdf, pos, entry_end, &sig);
        out.push_back(std::move(sig));
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
