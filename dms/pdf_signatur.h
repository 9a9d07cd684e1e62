// The signature dictionaries of signed PDFs (ISO 32000, 12.8): each names by /ByteRange the
// bytes it signs, and the gap between those ranges holds its /Contents, a hex string with
// a detached CMS (SubFilter adbe.pkcs7.detached or ETSI.CAdES.detached). Found by their
// byte ranges rather than by parsing the PDF's object structure, so that no PDF library is
// needed and a malformed file cannot lead the search astray.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

namespace aktenwerk::dms {

// One signature of a PDF.
struct PdfSignatur {
    std::string cms;          // the DER of /Contents, without its zero padding
    uint64_t ranges[4] = {};  // /ByteRange: offset and length of the two signed parts
    // True when the ranges cover the whole file but the /Contents gap; false when bytes
    // were appended after signing (an incremental update the signature does not cover).
    bool ganze_datei = false;
};

// The signatures of `pdf`, in file order; empty when it is no PDF or holds none. A range
// that does not lie inside the file, or whose gap is no hex string, is skipped. At most
// 32 are returned. Never fails, never reads outside `pdf`.
std::vector<PdfSignatur> FindPdfSignatures(std::string_view pdf);

// The bytes `sig` signs: its two ranges of `pdf`, joined. `sig` must come from
// FindPdfSignatures over the same `pdf`.
std::string PdfSignedBytes(std::string_view pdf, const PdfSignatur& sig);

}  // namespace aktenwerk::dms
