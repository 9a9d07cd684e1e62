#include "interfaces/http_message.h"

#include <gtest/gtest.h>

namespace aktenwerk::interfaces {
namespace {

TEST(PercentDecode, DecodesUtf8AndRefusesMalformedEscapes) {
    EXPECT_EQ(*PercentDecode("M%C3%BCller%2F1", false), "Müller/1");
    EXPECT_EQ(*PercentDecode("a+b", true), "a b");
    EXPECT_EQ(*PercentDecode("a+b", false), "a+b");
    EXPECT_FALSE(PercentDecode("%", false));
    EXPECT_FALSE(PercentDecode("%4", false));
    EXPECT_FALSE(PercentDecode("%zz", false));
}

TEST(PercentEncode, LeavesOnlyUnreservedCharacters) {
    EXPECT_EQ(PercentEncode("Ä b/c~"), "%C3%84%20b%2Fc~");
}

TEST(ParseTarget, SplitsPathAndQuery) {
    std::string path;
    std::multimap<std::string, std::string> query;
    ASSERT_TRUE(
        ParseTarget("/api/v1/akten?aktenzeichen=32.10.01-0001%2F2026&x=&=y", &path, &query).ok());
    EXPECT_EQ(path, "/api/v1/akten");
    EXPECT_EQ(query.find("aktenzeichen")->second, "32.10.01-0001/2026");
    EXPECT_EQ(query.find("x")->second, "");
    EXPECT_EQ(query.count(""), 0u);
}

TEST(ParseTarget, RefusesRelativeTargetsAndBadEscapes) {
    std::string path;
    std::multimap<std::string, std::string> query;
    EXPECT_FALSE(ParseTarget("api/v1", &path, &query).ok());
    EXPECT_FALSE(ParseTarget("http://example/", &path, &query).ok());
    EXPECT_FALSE(ParseTarget("/a%2", &path, &query).ok());
    EXPECT_FALSE(ParseTarget("/a?b=%G0", &path, &query).ok());
}

}  // namespace
}  // namespace aktenwerk::interfaces
