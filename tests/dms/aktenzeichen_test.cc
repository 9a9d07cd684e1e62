// Tests of Aktenzeichen patterns: formatting and strict parsing.
#include "dms/aktenzeichen.h"

#include <string>

#include <gtest/gtest.h>

namespace aktenwerk::dms {
namespace {

AktenzeichenPattern MustParse(std::string_view text) {
    auto pattern = AktenzeichenPattern::Parse(text);
    EXPECT_TRUE(pattern.ok()) << pattern.status().ToString();
    return pattern.ok() ? *pattern : *AktenzeichenPattern::Parse(AktenzeichenPattern::kDefault);
}

TEST(AktenzeichenPattern, DefaultPatternGivesTheDesignExample) {
    const auto pattern = MustParse(AktenzeichenPattern::kDefault);

    EXPECT_EQ(pattern.Format("32.10.01", 42, 2026), "32.10.01-0042/2026");
    EXPECT_TRUE(pattern.per_year());
}

TEST(AktenzeichenPattern, NumberWiderThanItsWidthIsNotCut) {
    EXPECT_EQ(MustParse(AktenzeichenPattern::kDefault).Format("1", 123456, 2026), "1-123456/2026");
}

TEST(AktenzeichenPattern, NummerWithoutWidthIsNotPadded) {
    EXPECT_EQ(MustParse("{kennzeichen}/{nummer}").Format("AZ", 7, 2026), "AZ/7");
}

TEST(AktenzeichenPattern, PatternWithoutJahrCountsAcrossYears) {
    const auto pattern = MustParse("{kennzeichen}-{nummer:6}");

    EXPECT_FALSE(pattern.per_year());
    EXPECT_EQ(pattern.Format("32.10", 5, 2026), "32.10-000005");
}

TEST(AktenzeichenPattern, DoubledBracesAreLiteralBraces) {
    EXPECT_EQ(MustParse("{{{kennzeichen}}}-{nummer:2}").Format("X", 3, 2026), "{X}-03");
}

TEST(AktenzeichenPattern, PlaceholdersMayComeInAnyOrder) {
    EXPECT_EQ(MustParse("{jahr}.{nummer:3}.{kennzeichen}").Format("7", 9, 2030), "2030.009.7");
}

TEST(AktenzeichenPattern, BadPatternsAreRefusedNamingThePosition) {
    struct Row {
        std::string pattern;
        std::string message_part;
    };
    const Row kRows[] = {
        {"{kennzeichen}-{nummer}-{foo}", "unknown placeholder '{foo}' at position 23"},
        {"{kennzeichen}-{nummer:0}", "unknown placeholder '{nummer:0}' at position 14"},
        {"{kennzeichen}-{nummer:10}", "unknown placeholder '{nummer:10}' at position 14"},
        {"{kennzeichen}-{nummer", "unclosed '{' at position 14"},
        {"{kennzeichen}-{nummer}x}", "unmatched '}' at position 23"},
    };
    for (const auto& row : kRows) {
        SCOPED_TRACE(row.pattern);
        auto parsed = AktenzeichenPattern::Parse(row.pattern);
        EXPECT_EQ(parsed.status().code(), StatusCode::kInvalidArgument);
        EXPECT_NE(parsed.status().message().find(row.message_part), std::string::npos)
            << parsed.status().message();
    }
}

TEST(AktenzeichenPattern, PatternMustContainKennzeichenAndNummer) {
    for (const char* text : {"{nummer}/{jahr}", "{kennzeichen}/{jahr}", "", "fest"}) {
        SCOPED_TRACE(text);
        EXPECT_EQ(AktenzeichenPattern::Parse(text).status().code(), StatusCode::kInvalidArgument);
    }
}

TEST(AktenzeichenPattern, PatternLongerThan200BytesIsRefused) {
    const std::string at_limit = "{kennzeichen}{nummer}" + std::string(200 - 21, 'x');
    const std::string too_long = at_limit + "x";

    EXPECT_TRUE(AktenzeichenPattern::Parse(at_limit).ok());
    EXPECT_EQ(AktenzeichenPattern::Parse(too_long).status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aktenwerk::dms
