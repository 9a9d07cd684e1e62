// `serve --demo`: the sample municipal Aktenplan and the Akten of deploy/demo are there,
// with their documents, and a second start does not load them twice.
#include <ctime>
#include <set>
#include <string>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/sha256.h"

namespace aktenwerk::e2e {
namespace {

// The current year where the server runs (it numbers Akten in local time).
int CurrentYear() {
    std::time_t now = std::time(nullptr);
    std::tm local{};
    localtime_r(&now, &local);
    return local.tm_year + 1900;
}

// deploy/demo/akten.json, the source of the demo Akten.
json DemoAkten() {
    return json::parse(
        test_support::ReadFileBytes(std::string(AKTENWERK_SOURCE_DIR) + "/deploy/demo/akten.json"),
        nullptr, false);
}

class DemoTest : public E2eTest {
  protected:
    void SetUp() override { ASSERT_TRUE(StartServer({"--demo"})); }

    json FindAkte(const std::string& aktenzeichen) {
        auto res = api().Get("/api/v1/akten?aktenzeichen=" + test_support::UrlEncode(aktenzeichen));
        EXPECT_EQ(res.status, 200) << aktenzeichen << "\n" << res.Describe();
        return res.Json();
    }
};

TEST_F(DemoTest, AktenplanHasMainGroupsZeroToNineAndAtLeastFortyUnits) {
    auto res = api().Get("/api/v1/aktenplan");
    ASSERT_EQ(res.status, 200) << res.Describe();
    json plan = res.Json();
    EXPECT_GE(plan["anzahl"].get<int>(), 40);
    std::set<std::string> main_groups;
    for (const auto& unit : plan["einheiten"]) main_groups.insert(unit["kennzeichen"]);
    EXPECT_EQ(main_groups,
              (std::set<std::string>{"0", "1", "2", "3", "4", "5", "6", "7", "8", "9"}));
    auto unit = api().Get("/api/v1/aktenplan/einheiten/" + std::string(plan["einheiten"][3]["id"]));
    EXPECT_EQ(unit.Json()["kennzeichen"], "3");
}

TEST_F(DemoTest, GewerbeanmeldungAkteHasItsVorgaengeAndDokumente) {
    const std::string az = "32.10.01-0001/" + std::to_string(CurrentYear());
    json akte = FindAkte(az);
    ASSERT_TRUE(akte.is_object());
    EXPECT_EQ(akte["betreff"], "Gewerbeanmeldung Bäckerei Müller, Hauptstraße 12");
    EXPECT_EQ(akte["federfuehrung"], "Ordnungsamt, Sachgebiet Gewerbe");

    json vorgaenge = Children("/api/v1/akten/" + std::string(akte["id"]) + "/inhalt");
    ASSERT_EQ(vorgaenge.size(), 2u);
    EXPECT_EQ(vorgaenge[0]["betreff"], "Anmeldung des Betriebs zum 1. Februar 2026");
    json dokumente = Children("/api/v1/vorgaenge/" + std::string(vorgaenge[0]["id"]) + "/inhalt");
    ASSERT_EQ(dokumente.size(), 2u);
    EXPECT_EQ(dokumente[0]["absender"], "Johanna Müller, Bäckermeisterin");

    auto content = Download(dokumente[0]["id"]);
    ASSERT_EQ(content.status, 200) << content.Describe();
    EXPECT_NE(content.body.find("Gewerbeanmeldung (GewA 1)"), std::string::npos);
    EXPECT_EQ(content.Header("Content-Type").rfind("text/plain", 0), 0u);
    EXPECT_NE(content.Header("Content-Disposition")
                  .find("filename*=UTF-8''Gewerbeanmeldung%20B%C3%A4ckerei%20M%C3%BCller.txt"),
              std::string::npos)
        << content.Header("Content-Disposition");
}

TEST_F(DemoTest, EveryDemoAkteExistsWithItsContent) {
    json demo = DemoAkten();
    ASSERT_TRUE(demo.is_object()) << "deploy/demo/akten.json";
    const std::string year = std::to_string(CurrentYear());
    for (const auto& a : demo["akten"]) {
        const std::string az = std::string(a["kennzeichen"]) + "-0001/" + year;
        SCOPED_TRACE(az);
        json akte = FindAkte(az);
        ASSERT_TRUE(akte.is_object());
        EXPECT_EQ(akte["betreff"], a["betreff"]);
        json vorgaenge = Children("/api/v1/akten/" + std::string(akte["id"]) + "/inhalt");
        ASSERT_EQ(vorgaenge.size(), a["vorgaenge"].size());
        for (size_t i = 0; i < vorgaenge.size(); ++i) {
            json docs =
                Children("/api/v1/vorgaenge/" + std::string(vorgaenge[i]["id"]) + "/inhalt");
            const json& expected = a["vorgaenge"][i]["dokumente"];
            ASSERT_EQ(docs.size(), expected.size());
            for (size_t k = 0; k < docs.size(); ++k) {
                json versions = Versions(docs[k]["id"]);
                ASSERT_EQ(versions.size(), 1u);
                EXPECT_EQ(versions[0]["dateiname"], expected[k]["dateiname"]);
                EXPECT_EQ(versions[0]["sha256"],
                          test_support::Sha256Hex(expected[k]["text"].get<std::string>()));
            }
        }
    }
}

TEST_F(DemoTest, SecondStartWithDemoLoadsNothingTwice) {
    const int units = api().Get("/api/v1/aktenplan").Json()["anzahl"];
    ASSERT_EQ(server().Stop(), 0);
    ASSERT_TRUE(server().Start());
    ReconnectApi();
    EXPECT_EQ(api().Get("/api/v1/aktenplan").Json()["anzahl"], units);
    auto second =
        api().Get("/api/v1/akten?aktenzeichen=" +
                  test_support::UrlEncode("32.10.01-0002/" + std::to_string(CurrentYear())));
    EXPECT_EQ(second.status, 404) << second.Describe();
}

}  // namespace
}  // namespace aktenwerk::e2e
