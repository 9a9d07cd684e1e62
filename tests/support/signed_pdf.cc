// The signed test PDF: placeholder ranges of fixed width, filled in once the layout is known.
#include "tests/support/signed_pdf.h"

#include <cstdio>

#include "tests/support/server_process.h"
#include "tests/support/sha256.h"

namespace aktenwerk::test_support {

std::string SignedPdf(const std::string& work_dir, const std::string& cert_file,
                      const std::string& key_file, size_t start) {
    const std::string head =
        "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n2 0 obj\n"
        "<< /Type /Pages /Kids [] /Count 0 >>\nendobj\n3 0 obj\n<< /Type /Sig /Filter "
        "/Adobe.PPKLite /SubFilter /adbe.pkcs7.detached /ByteRange ";
    const std::string tail = " >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
    constexpr size_t kHexSize = 8192;
    constexpr char kRanges[] = "[%zu %10zu %10zu %10zu] /Contents ";
    char ranges[80];
    const size_t gap =
        head.size() + static_cast<size_t>(std::snprintf(ranges, sizeof(ranges), kRanges, start,
                                                        size_t{0}, size_t{0}, size_t{0}));
    std::snprintf(ranges, sizeof(ranges), kRanges, start, gap - start, gap + kHexSize + 2,
                  tail.size());
    const std::string before = head + ranges;

    const std::string in = work_dir + "/pdf-signed-part";
    const std::string out = work_dir + "/pdf-signature.der";
    if (!WriteFileBytes(in, before.substr(start) + tail)) return {};
    CommandResult signed_ =
        RunCommand({"openssl", "cms", "-sign", "-binary", "-md", "sha256", "-in", in, "-signer",
                    cert_file, "-inkey", key_file, "-outform", "DER", "-out", out});
    if (signed_.exit_code != 0) return {};
    std::string hex;
    for (unsigned char c : ReadFileBytes(out)) {
        static constexpr char kHex[] = "0123456789ABCDEF";
        hex += kHex[c >> 4];
        hex += kHex[c & 15];
    }
    if (hex.size() > kHexSize) return {};
    hex.resize(kHexSize, '0');
    return before + "<" + hex + ">" + tail;
}

}  // namespace aktenwerk::test_support
