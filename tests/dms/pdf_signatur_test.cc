// Tests of finding signature dictionaries in PDFs by their byte ranges, above all that no
// malformed range leads outside the file.
#include "dms/pdf_signatur.h"

#include <gtest/gtest.h>

namespace aktenwerk::dms {
namespace {

// "%PDF-" ... "/ByteRange [0 a c d] /Contents <hex>" ... with the ranges made to fit.
std::string Pdf(const std::string& hex, const std::string& tail = " >>\n%%EOF\n") {
    const std::string head = "%PDF-1.7\n<< /Type /Sig /ByteRange ";
    std::string ranges = "[0 0000000000 0000000000 0000000000] /Contents ";
    const size_t gap = head.size() + ranges.size();
    char buf[64];
    std::snprintf(buf, sizeof(buf), "[0 %010zu %010zu %010zu] /Contents ", gap,
                  gap + hex.size() + 2, tail.size());
    return head + buf + "<" + hex + ">" + tail;
}

TEST(PdfSignatur, ContentsBetweenTheRangesIsFoundWithoutItsPadding) {
    const std::string pdf = Pdf("3003020101" + std::string(64, '0'));
    auto found = FindPdfSignatures(pdf);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].cms, std::string("\x30\x03\x02\x01\x01", 5));
    EXPECT_TRUE(found[0].ganze_datei);
    const std::string signed_bytes = PdfSignedBytes(pdf, found[0]);
    EXPECT_EQ(signed_bytes.size(), pdf.size() - 64 - 10 - 2);
    EXPECT_EQ(signed_bytes.find("3003020101"), std::string::npos);
}

TEST(PdfSignatur, MalformedRangesAndContentsAreSkipped) {
    const std::string good = Pdf("3003020101");
    struct Row {
        std::string name;
        std::string pdf;
    };
    const std::vector<Row> rows = {
        {"no PDF header", "%PDX" + good.substr(4)},
        {"gap that is no hex string", Pdf("30zz020101")},
        {"empty contents", Pdf("")},
        {"DER longer than the contents", Pdf("3082ffff01")},
        {"second range past the end", good.substr(0, good.size() - 3)},
        {"ranges out of order", "%PDF-1.7\n/ByteRange [0 900 10 5] /Contents <3003020101>"},
        {"huge numbers", "%PDF-1.7\n/ByteRange [0 999999999999999 18446744073709551615 1]"},
        {"ByteRange at the very end", "%PDF-1.7\n/ByteRange"},
        {"unterminated array", "%PDF-1.7\n/ByteRange [0 1 2"},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        EXPECT_TRUE(FindPdfSignatures(row.pdf).empty());
    }
    EXPECT_EQ(FindPdfSignatures(good).size(), 1u);
}

TEST(PdfSignatur, BytesAppendedAfterSigningAreNotCovered) {
    const std::string pdf = Pdf("3003020101") + "% Nachtrag\n";
    auto found = FindPdfSignatures(pdf);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_FALSE(found[0].ganze_datei);
}

}  // namespace
}  // namespace aktenwerk::dms
