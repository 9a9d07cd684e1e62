// Checks how the server serves the embedded web UI: types, caching, the security policy,
// conditional requests, and which paths it leaves to the REST API.
#include "interfaces/web_ui.h"

#include <string>

#include <gtest/gtest.h>

namespace aktenwerk::interfaces {
namespace {

Request Get(std::string path, std::string method = "GET") {
    Request req;
    req.method = std::move(method);
    req.path = path;
    req.target = path;
    return req;
}

std::string HeaderOf(const Response& res, const std::string& name) {
    for (const auto& [k, v] : res.headers) {
        if (k == name) return v;
    }
    return {};
}

TEST(WebUi, PageIsHtmlRevalidatedAndNamesVersionedFiles) {
    auto res = WebUiResponse(Get("/"));
    ASSERT_TRUE(res.has_value());
    EXPECT_EQ(res->status, 200);
    EXPECT_EQ(HeaderOf(*res, "Content-Type"), "text/html; charset=utf-8");
    EXPECT_EQ(HeaderOf(*res, "Cache-Control"), "no-cache");
    const std::string versioned = "/ui/" + std::string(WebUiVersion()) + "/main.js";
    EXPECT_NE(res->body.find("src=\"" + versioned + "\""), std::string::npos);
    EXPECT_EQ(res->body.find("{{VERSION}}"), std::string::npos);
}

TEST(WebUi, PolicyForbidsInlineScriptsAndOtherOrigins) {
    auto res = WebUiResponse(Get("/ui/main.js"));
    ASSERT_TRUE(res.has_value());
    const std::string csp = HeaderOf(*res, "Content-Security-Policy");
    EXPECT_NE(csp.find("default-src 'none'"), std::string::npos);
    EXPECT_NE(csp.find("script-src 'self';"), std::string::npos);
    EXPECT_EQ(csp.find("unsafe-inline"), std::string::npos);
    EXPECT_EQ(csp.find("http"), std::string::npos);
    EXPECT_EQ(HeaderOf(*res, "X-Content-Type-Options"), "nosniff");
}

TEST(WebUi, VersionedFilesAreCachedForGoodOthersRevalidated) {
    auto current = WebUiResponse(Get("/ui/" + std::string(WebUiVersion()) + "/app.css"));
    ASSERT_TRUE(current.has_value());
    EXPECT_EQ(HeaderOf(*current, "Content-Type"), "text/css; charset=utf-8");
    EXPECT_EQ(HeaderOf(*current, "Cache-Control"), "public, max-age=31536000, immutable");
    auto old = WebUiResponse(Get("/ui/000000000000/app.css"));
    ASSERT_TRUE(old.has_value());
    EXPECT_EQ(HeaderOf(*old, "Cache-Control"), "no-cache");
    EXPECT_EQ(old->body, current->body);
}

TEST(WebUi, MatchingEtagAnswersNotModifiedWithoutBody) {
    auto first = WebUiResponse(Get("/ui/api.js"));
    ASSERT_TRUE(first.has_value());
    Request again = Get("/ui/api.js");
    again.headers["If-None-Match"] = HeaderOf(*first, "ETag");
    auto second = WebUiResponse(again);
    ASSERT_TRUE(second.has_value());
    EXPECT_EQ(second->status, 304);
    EXPECT_TRUE(second->body.empty());
}

TEST(WebUi, UnknownFileIsNotFoundAndWritesAreRefused) {
    auto missing = WebUiResponse(Get("/ui/../index.html"));
    ASSERT_TRUE(missing.has_value());
    EXPECT_EQ(missing->status, 404);
    auto post = WebUiResponse(Get("/", "POST"));
    ASSERT_TRUE(post.has_value());
    EXPECT_EQ(post->status, 405);
    EXPECT_EQ(HeaderOf(*post, "Allow"), "GET, HEAD");
}

TEST(WebUi, ApiPathsAreNotTheUis) {
    EXPECT_FALSE(WebUiResponse(Get("/api/v1/aktenplan")).has_value());
    EXPECT_FALSE(WebUiResponse(Get("/healthz")).has_value());
    EXPECT_FALSE(WebUiResponse(Get("/uix")).has_value());
}

}  // namespace
}  // namespace aktenwerk::interfaces
