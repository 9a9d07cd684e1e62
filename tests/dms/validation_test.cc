// Tests of the checks of user-supplied text: UTF-8, free text, file names and Kennzeichen.
#include "dms/validation.h"

#include <string>

#include <gtest/gtest.h>

namespace aktenwerk::dms {
namespace {

TEST(Utf8, AcceptsWellFormedText) {
    const char* const kGood[] = {
        "",
        "Akte",
        "Müller",            // 2 bytes
        "Größe € 5",         // 3 bytes
        "\xF0\x9D\x84\x9E",  // U+1D11E, 4 bytes
        "\xEF\xBF\xBF",      // U+FFFF
        "\xF4\x8F\xBF\xBF",  // U+10FFFF, the last code point
        "\xEE\x80\x80",      // U+E000, just after the surrogates
    };
    for (const char* text : kGood) {
        SCOPED_TRACE(text);
        EXPECT_TRUE(IsValidUtf8(text));
    }
}

TEST(Utf8, RefusesOverlongFormsSurrogatesAndMalformedBytes) {
    const char* const kBad[] = {
        "\xC0\xAF",              // overlong '/'
        "\xC1\xBF",              // overlong 2 bytes
        "\xE0\x80\xAF",          // overlong '/' in 3 bytes
        "\xF0\x80\x80\xAF",      // overlong '/' in 4 bytes
        "\xED\xA0\x80",          // U+D800, high surrogate
        "\xED\xBF\xBF",          // U+DFFF, low surrogate
        "\xF4\x90\x80\x80",      // U+110000, past the last code point
        "\xC3",                  // truncated
        "ab\xE2\x82",            // truncated at the end
        "\x80",                  // lone continuation byte
        "\xC3\x28",              // continuation byte missing
        "\xFF",                  // never valid
        "\xF8\x88\x80\x80\x80",  // 5-byte form
    };
    for (const char* text : kBad) {
        SCOPED_TRACE(::testing::PrintToString(std::string(text)));
        EXPECT_FALSE(IsValidUtf8(text));
    }
}

TEST(CheckText, RequiredFieldMustNotBeEmpty) {
    Status s = CheckText("betreff", "", 100, /*required=*/true);

    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("betreff"), std::string::npos) << s.message();
    EXPECT_TRUE(CheckText("betreff", "", 100, /*required=*/false).ok());
}

TEST(CheckText, TextLongerThanTheLimitIsRefused) {
    EXPECT_TRUE(CheckText("titel", std::string(10, 'x'), 10, true).ok());
    EXPECT_EQ(CheckText("titel", std::string(11, 'x'), 10, true).code(),
              StatusCode::kInvalidArgument);
}

TEST(CheckText, ControlCharactersAreRefused) {
    for (const char* text : {"a\x01z", "a\x7fz", "a\nz", "a\tz", "a\xC2\x85z", "a\x1bz"}) {
        SCOPED_TRACE(::testing::PrintToString(std::string(text)));
        EXPECT_EQ(CheckText("betreff", text, 100, true).code(), StatusCode::kInvalidArgument);
    }
}

TEST(CheckText, MultilineTextMayHoldLineBreaksAndTabsOnly) {
    EXPECT_TRUE(CheckText("beschreibung", "Zeile 1\r\nZeile 2\tEnde", 100, true, true).ok());
    EXPECT_FALSE(CheckText("beschreibung", "Zeile 1\x07", 100, true, true).ok());
}

TEST(CheckText, InvalidUtf8IsRefused) {
    Status s = CheckText("betreff", "M\xFCller", 100, true);

    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_NE(s.message().find("UTF-8"), std::string::npos) << s.message();
}

TEST(CheckFileName, AcceptsOrdinaryNames) {
    for (const char* name :
         {"Bescheid 2026.pdf", "Ärger über Lärm.docx", "..hidden", "a", "Antrag (Kopie).txt"}) {
        SCOPED_TRACE(name);
        EXPECT_TRUE(CheckFileName("dateiname", name).ok());
    }
    EXPECT_TRUE(CheckFileName("dateiname", std::string(255, 'x')).ok());
}

TEST(CheckFileName, RefusesNamesThatCouldEscapeAFolderOrSplitAHeader) {
    const std::string kBad[] = {"",         ".",        "..",        "../etc/passwd",
                                "a/b",      "a\\b",     "a\nb",      std::string("a\0b", 3),
                                "a\rb",     " leading", "trailing ", std::string(256, 'x'),
                                "M\xFCller"};
    for (const auto& name : kBad) {
        SCOPED_TRACE(::testing::PrintToString(name));
        Status s = CheckFileName("dateiname", name);
        EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
        EXPECT_NE(s.message().find("dateiname"), std::string::npos) << s.message();
    }
}

// Regression (new-user trial of #2): "Rechnung\u202Etxt.exe" displays as "Rechnungexe.txt",
// and a name of a zero-width space looks empty.
TEST(CheckFileName, RefusesBidiControlsAndNamesWithNothingVisible) {
    const std::string kBad[] = {"Rechnung\u202Etxt.exe", "a\u2066b", "\u200F.pdf", "\u200B",
                                "\u200B\u00A0\u2060",    "\uFEFF"};
    for (const auto& name : kBad) {
        SCOPED_TRACE(::testing::PrintToString(name));
        EXPECT_EQ(CheckFileName("dateiname", name).code(), StatusCode::kInvalidArgument);
    }
    EXPECT_TRUE(CheckFileName("dateiname", "Haus\u00A0am See.pdf").ok());
    EXPECT_TRUE(CheckFileName("dateiname", "\u0645\u0644\u0641.pdf").ok()) << "Arabic letters";
}

TEST(Utf8Checker, AgreesWithIsValidUtf8WhateverThePiecesAre) {
    const std::string kInputs[] = {"Gr\u00F6\u00DFe \u20AC 5 \U0001D11E",
                                   "M\xFCller",
                                   "\xE2\x82",
                                   "\xED\xA0\x80",
                                   "\xC0\xAF",
                                   "plain"};
    for (const auto& input : kInputs) {
        for (size_t piece = 1; piece <= input.size(); ++piece) {
            SCOPED_TRACE(::testing::PrintToString(input) + " in pieces of " +
                         std::to_string(piece));
            Utf8Checker checker;
            for (size_t i = 0; i < input.size(); i += piece) {
                checker.Feed(std::string_view(input).substr(i, piece));
            }
            EXPECT_EQ(checker.valid(), IsValidUtf8(input));
        }
    }
}

TEST(CheckKennzeichen, AcceptsLettersDigitsDotsDashesAndUnderscores) {
    for (const char* kz : {"0", "32.10.01", "A-1_b", "Z9"}) {
        SCOPED_TRACE(kz);
        EXPECT_TRUE(CheckKennzeichen(kz).ok());
    }
    EXPECT_TRUE(CheckKennzeichen(std::string(40, '1')).ok());
}

TEST(CheckKennzeichen, RefusesOtherCharactersLengthsAndEnds) {
    const std::string kBad[] = {
        "", std::string(41, '1'), ".1", "1.", "-1", "1_", "1 2", "1/2", "Ä1", "1;2", "32,10"};
    for (const auto& kz : kBad) {
        SCOPED_TRACE(kz);
        EXPECT_EQ(CheckKennzeichen(kz).code(), StatusCode::kInvalidArgument);
    }
}

}  // namespace
}  // namespace aktenwerk::dms
