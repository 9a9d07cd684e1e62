#include "interfaces/request_metrics.h"

#include <string>

#include <gtest/gtest.h>

#include "interfaces/http_server.h"

namespace aktenwerk::interfaces {
namespace {

bool Contains(const std::string& text, const std::string& part) {
    return text.find(part) != std::string::npos;
}

TEST(RequestMetrics, CountsByMethodRouteAndStatus) {
    RequestMetrics m;
    m.Record("GET", "/api/v1/akten/{id}", 200, 0.002);
    m.Record("GET", "/api/v1/akten/{id}", 200, 0.2);
    m.Record("GET", "/api/v1/akten/{id}", 404, 0.001);
    const std::string text = m.Render();
    EXPECT_TRUE(Contains(text,
                         "aktenwerk_http_requests_total{method=\"GET\",route=\"/api/v1/"
                         "akten/{id}\",status=\"200\"} 2\n"));
    EXPECT_TRUE(Contains(text,
                         "aktenwerk_http_requests_total{method=\"GET\",route=\"/api/v1/"
                         "akten/{id}\",status=\"404\"} 1\n"));
}

TEST(RequestMetrics, HistogramBucketsAreCumulativeAndEndWithTheCount) {
    RequestMetrics m;
    m.Record("POST", "/api/v1/dokumente", 201, 0.0004);
    m.Record("POST", "/api/v1/dokumente", 201, 0.003);
    m.Record("POST", "/api/v1/dokumente", 201, 60);
    const std::string text = m.Render();
    const std::string series =
        "aktenwerk_http_request_duration_seconds_bucket{method=\"POST\",route=\"/api/v1/"
        "dokumente\",";
    EXPECT_TRUE(Contains(text, series + "le=\"0.0005\"} 1\n"));
    EXPECT_TRUE(Contains(text, series + "le=\"0.0025\"} 1\n"));
    EXPECT_TRUE(Contains(text, series + "le=\"0.005\"} 2\n"));
    EXPECT_TRUE(Contains(text, series + "le=\"10\"} 2\n"));
    EXPECT_TRUE(Contains(text, series + "le=\"+Inf\"} 3\n"));
    EXPECT_TRUE(Contains(text,
                         "aktenwerk_http_request_duration_seconds_count{method=\"POST\","
                         "route=\"/api/v1/dokumente\"} 3\n"));
}

TEST(RequestMetrics, UnknownMethodsAndUnmatchedPathsShareOneLabel) {
    RequestMetrics m;
    m.Record("BREW", "", 404, 0.001);
    m.Record("XYZZY", "", 404, 0.001);
    const std::string text = m.Render();
    EXPECT_TRUE(Contains(text, "{method=\"other\",route=\"unmatched\",status=\"404\"} 2\n"));
    EXPECT_FALSE(Contains(text, "BREW"));
}

TEST(ChooseRequestId, TakesAWellFormedIdAndReplacesEverythingElse) {
    EXPECT_EQ(ChooseRequestId("abc-123_X.y:z", "gen"), "abc-123_X.y:z");
    EXPECT_EQ(ChooseRequestId("", "gen"), "gen");
    EXPECT_EQ(ChooseRequestId("a b", "gen"), "gen");
    EXPECT_EQ(ChooseRequestId("a\"b", "gen"), "gen");
    EXPECT_EQ(ChooseRequestId("a=b", "gen"), "gen");
    EXPECT_EQ(ChooseRequestId(std::string(64, 'a'), "gen"), std::string(64, 'a'));
    EXPECT_EQ(ChooseRequestId(std::string(65, 'a'), "gen"), "gen");
}

}  // namespace
}  // namespace aktenwerk::interfaces
