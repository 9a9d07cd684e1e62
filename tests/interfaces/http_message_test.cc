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
    EXPECT_FALSE(ParseTarget("ftp://example/", &path, &query).ok());
    EXPECT_FALSE(ParseTarget("/a%2", &path, &query).ok());
    EXPECT_FALSE(ParseTarget("/a?b=%G0", &path, &query).ok());
}

// RFC 9112 section 3.2.2: a server must accept the absolute form.
TEST(ParseTarget, AcceptsTheAbsoluteForm) {
    const struct {
        const char* target;
        const char* path;
        size_t params;
    } kRows[] = {
        {"http://example/api/v1/akten?x=1", "/api/v1/akten", 1},
        {"HTTPS://example:8443/a", "/a", 0},
        {"http://example", "/", 0},
        {"http://example?x=1", "/", 1},
    };
    for (const auto& row : kRows) {
        SCOPED_TRACE(row.target);
        std::string path;
        std::multimap<std::string, std::string> query;
        ASSERT_TRUE(ParseTarget(row.target, &path, &query).ok());
        EXPECT_EQ(path, row.path);
        EXPECT_EQ(query.size(), row.params);
    }
}

// Regression (new-user trial of #2): "/dokumente/<id>%2Finhalt" reached the content route,
// so a path rule in a proxy in front could be passed by encoding the slash.
TEST(ParseTarget, RefusesEncodedSlashesAndNulInThePath) {
    for (const char* target : {"/api/v1/dokumente/x%2Finhalt", "/api/v1/akten%2fx", "/a%00b"}) {
        SCOPED_TRACE(target);
        std::string path;
        std::multimap<std::string, std::string> query;
        EXPECT_FALSE(ParseTarget(target, &path, &query).ok());
    }
    std::string path;
    std::multimap<std::string, std::string> query;
    EXPECT_TRUE(ParseTarget("/a?name=x%2Fy", &path, &query).ok()) << "the query may hold them";
    EXPECT_EQ(query.begin()->second, "x/y");
}

}  // namespace
}  // namespace aktenwerk::interfaces
