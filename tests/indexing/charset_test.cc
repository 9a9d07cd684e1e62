// Charset detection and conversion: German text in the encodings it arrives in.
#include "indexing/charset.h"

#include <gtest/gtest.h>

namespace aktenwerk::indexing {
namespace {

TEST(Charset, ValidUtf8IsKeptAsIs) {
    Charset c;
    EXPECT_EQ(DecodeText("Gebühr für Straßenreinigung", &c), "Gebühr für Straßenreinigung");
    EXPECT_EQ(c, Charset::kUtf8);
}

TEST(Charset, Windows1252IsRecognisedByItsPrintableHighBytes) {
    // „Gebühr“ 12 € in Windows-1252: quotes 0x84/0x93, ü 0xFC, euro 0x80.
    const std::string bytes = "\x84Geb\xFChr\x93 12 \x80";
    Charset c;
    EXPECT_EQ(DecodeText(bytes, &c), "„Gebühr“ 12 €");
    EXPECT_EQ(c, Charset::kWindows1252);
}

TEST(Charset, Latin1WithoutWindowsBytesIsIso8859_1) {
    Charset c;
    EXPECT_EQ(DecodeText("Stra\xDF"
                         "e \xC4nderung",
                         &c),
              "Straße Änderung");
    EXPECT_EQ(c, Charset::kIso8859_1);
}

TEST(Charset, CurrencySignByteIsTheEuroOfIso8859_15) {
    Charset c;
    EXPECT_EQ(DecodeText("Betrag 5 \xA4 f\xFCr M\xFCller", &c), "Betrag 5 € für Müller");
    EXPECT_EQ(c, Charset::kIso8859_15);
}

TEST(Charset, Utf16WithByteOrderMarkIsConverted) {
    const std::string le("\xFF\xFEG\0\xFC\0", 6);
    EXPECT_EQ(DecodeText(le), "Gü");
    const std::string be("\xFE\xFF\0G\0\xFC", 6);
    EXPECT_EQ(DecodeText(be), "Gü");
}

TEST(Charset, LabelledLatin1ThatIsReallyWindows1252KeepsItsQuotes) {
    EXPECT_EQ(DecodeLabelled("\x84Hallo\x93", "ISO-8859-1"), "„Hallo“");
    EXPECT_EQ(DecodeLabelled("M\xFCller", "utf-8"), "Müller");  // the label lies
}

TEST(Charset, IllFormedUtf8AndControlCharactersAreSanitised) {
    const std::string out = SanitizeUtf8(std::string("a\xC3(b\0c", 6));
    EXPECT_TRUE(IsUtf8(out));
    EXPECT_EQ(out, "a\xEF\xBF\xBD(b c");
    EXPECT_FALSE(IsUtf8("\xED\xA0\x80"));  // a surrogate
    EXPECT_FALSE(IsUtf8("\xC0\xAF"));      // overlong
}

}  // namespace
}  // namespace aktenwerk::indexing
