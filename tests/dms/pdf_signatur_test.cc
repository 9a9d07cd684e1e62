// Tests of finding signature dictionaries in PDFs by their byte ranges, above all that no
// malformed range leads outside the file.
#include "dms/pdf_signatur.h"

#include <cstdio>
#include <string>
#include <vector>

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
    EXPECT_EQ(found[0].fehler, "");
    EXPECT_EQ(found[0].nachtraeglich, 0u);
    const std::string signed_bytes = PdfSignedBytes(pdf, found[0]);
    EXPECT_EQ(signed_bytes.size(), pdf.size() - 64 - 10 - 2);
    EXPECT_EQ(signed_bytes.find("3003020101"), std::string::npos);
}

// A signature dictionary as the tester's generator lays it out, with `ranges` and
// `contents` as given (no fitting).
std::string Dictionary(const std::string& ranges, const std::string& contents) {
    return "%PDF-1.7\n1 0 obj\n<< /Type /Catalog /Pages 2 0 R >>\nendobj\n5 0 obj\n<< /Type /Sig "
           "/SubFilter /adbe.pkcs7.detached /ByteRange " +
           ranges + " /Contents <" + contents + "> >>\nendobj\ntrailer\n<< /Root 1 0 R >>\n%%EOF\n";
}

TEST(PdfSignatur, DamagedDictionariesAreReturnedWithAReasonNotDropped) {
    const std::string good = Pdf("3003020101");
    struct Row {
        std::string name;
        std::string pdf;
    };
    const std::vector<Row> rows = {
        {"gap that is no hex string", Pdf("30zz020101")},
        {"odd number of hex digits", Pdf("300302010")},
        {"empty contents", Pdf("")},
        {"DER longer than the contents", Pdf("3082ffff01")},
        {"second range past the end (truncated)", good.substr(0, good.size() - 3)},
        {"truncated inside the contents", good.substr(0, good.find("/Contents <") + 14)},
        {"truncated inside the ByteRange", good.substr(0, good.find("/ByteRange") + 15)},
        {"ranges out of order", "%PDF-1.7\n/ByteRange [0 900 10 5] /Contents <3003020101>"},
        {"outside the file", Dictionary("[0 10 999999 10]", "3082")},
        {"huge numbers", Dictionary("[0 18446744073709551615 0 18446744073709551615]", "3082")},
        {"more digits than any offset", Dictionary("[0 99999999999999999999999999999 0 1]", "30")},
        {"negative numbers", Dictionary("[-5 10 -20 30]", "3082")},
        {"three numbers", Dictionary("[0 1 2]", "3082")},
        {"no numbers", Dictionary("[]", "3082")},
        {"names instead of numbers", Dictionary("[a b c d]", "3082")},
        {"nested arrays", Dictionary("[[0] [1] 2 3]", "3082")},
        {"many pairs", Dictionary("[0 100 0 100 0 100 0 100]", "3082")},
        {"gap that is not the contents", Dictionary("[0 10 20 10]", "3082")},
        {"ByteRange at the very end", "%PDF-1.7\n/ByteRange"},
        {"unterminated array", "%PDF-1.7\n/ByteRange [0 1 2"},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        auto found = FindPdfSignatures(row.pdf);
        ASSERT_EQ(found.size(), 1u);
        EXPECT_FALSE(found[0].fehler.empty());
        EXPECT_TRUE(found[0].cms.empty());
    }
    EXPECT_TRUE(FindPdfSignatures("%PDX" + good.substr(4)).empty());
    auto overlap = FindPdfSignatures(Dictionary("[0 50 10 20]", "3082"));
    ASSERT_EQ(overlap.size(), 1u);
    EXPECT_NE(overlap[0].fehler.find("overlap"), std::string::npos) << overlap[0].fehler;
    auto found = FindPdfSignatures(good);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].fehler, "");
}

TEST(PdfSignatur, RangesThatDoNotStartAtZeroAreDamaged) {
    // Well-formed but for the first range, which leaves the file's first 9 bytes unsigned.
    std::string pdf = Pdf("3003020101");
    const std::string from = "[0 ";
    pdf.replace(pdf.find(from), from.size(), "[9 ");
    auto found = FindPdfSignatures(pdf);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NE(found[0].fehler.find("does not start at the beginning"), std::string::npos)
        << found[0].fehler;
}

TEST(PdfSignatur, GapThatIsAnotherDictionarysContentsIsDamaged) {
    // The first dictionary's ranges leave out the /Contents of a second object.
    const std::string first = "%PDF-1.7\n1 0 obj\n<< /Type /Sig /ByteRange ";
    const std::string rest = " >>\nendobj\n2 0 obj\n<< /Contents ";
    const std::string ranges = "[0 0000000000 0000000000 0000000000]";
    const std::string hex = "<3003020101>";
    const std::string tail = " >>\nendobj\n%%EOF\n";
    const size_t gap = first.size() + ranges.size() + rest.size();
    char buf[64];
    std::snprintf(buf, sizeof(buf), "[0 %010zu %010zu %010zu]", gap, gap + hex.size(), tail.size());
    const std::string pdf = first + buf + rest + hex + tail;
    auto found = FindPdfSignatures(pdf);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_NE(found[0].fehler.find("not the /Contents of this signature dictionary"),
              std::string::npos)
        << found[0].fehler;
}

TEST(PdfSignatur, ManyDictionariesAndHugeContentsStayBounded) {
    std::string many = "%PDF-1.7\n";
    for (int i = 0; i < 10000; ++i)
        many += "<< /Type /Sig /ByteRange [0 10 20 10] /Contents <3082> >>\n";
    EXPECT_EQ(FindPdfSignatures(many).size(), 32u);
    std::string hex;
    for (int i = 0; i < (10 << 20); ++i) hex += "30";
    auto huge = FindPdfSignatures(Dictionary("[0 10 20 10]", hex));
    ASSERT_EQ(huge.size(), 1u);
    EXPECT_FALSE(huge[0].fehler.empty());
}

TEST(PdfSignatur, BytesAppendedAfterSigningAreNotCovered) {
    const std::string pdf = Pdf("3003020101") + "% Nachtrag\n";
    auto found = FindPdfSignatures(pdf);
    ASSERT_EQ(found.size(), 1u);
    EXPECT_EQ(found[0].fehler, "");
    EXPECT_EQ(found[0].nachtraeglich, 11u);
}

}  // namespace
}  // namespace aktenwerk::dms
