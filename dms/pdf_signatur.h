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

// One signature dictionary of a PDF.
struct PdfSignatur {
    std::string cms;          // the DER of /Contents, without its zero padding
    uint64_t ranges[4] = {};  // /ByteRange: offset and length of the two signed parts
    // Why the dictionary cannot be checked (a /ByteRange that is no four integers, lies
    // outside the file, does not start at 0, or whose gap is not this dictionary's
    // /Contents hex string; a /Contents that holds no DER). Empty when it is well formed;
    // when set, `cms` is empty and the signature is to be recorded as invalid.
    std::string fehler;
    // Bytes that follow the second range, appended after signing (an incremental update:
    // perhaps a redefined page). The signature then holds only for the revision it
    // signed, the first `ranges[2] + ranges[3]` bytes. 0 when it covers the whole file.
    uint64_t nachtraeglich = 0;
};

// The signature dictionaries of `pdf` (every /ByteRange entry), in file order; empty when
// it is no PDF or holds none. A damaged one is returned with `fehler` set rather than
// dropped, so that a truncated or tampered signed PDF does not look unsigned. At most 32
// are returned. Never fails, never reads outside `pdf`; linear in its size.
std::vector<PdfSignatur> FindPdfSignatures(std::string_view pdf);

// The bytes `sig` signs: its two ranges of `pdf`, joined. `sig` must come from
// FindPdfSignatures over the same `pdf` with `fehler` empty.
std::string PdfSignedBytes(std::string_view pdf, const PdfSignatur& sig);

}  // namespace aktenwerk::dms
