// The records lifecycle over HTTP: zdA and reopening of Vorgänge and Akten with their
// history, and an Akte moved to another unit keeping its Aktenzeichen.
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_fixture.h"

namespace aktenwerk::e2e {
namespace {

class LifecycleTest : public E2eTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(StartServer());
        ablage_ = CreateAblage("32.10.01");
        ASSERT_FALSE(ablage_.vorgang_id.empty());
    }

    json Post(const std::string& path, const json& body, int expected_status = 200) {
        auto res = api().PostJson(path, body);
        EXPECT_EQ(res.status, expected_status) << path << "\n" << res.Describe();
        return res.Json();
    }

    // The "aktion" of each history entry of the object at `path`, oldest first.
    std::vector<std::string> Aktionen(const std::string& path) {
        auto res = api().Get(path + "/historie");
        EXPECT_EQ(res.status, 200) << res.Describe();
        std::vector<std::string> out;
        const json body = res.Json();
        for (const auto& e : body["eintraege"]) out.push_back(e["aktion"]);
        return out;
    }

    Ablage ablage_;
};

TEST_F(LifecycleTest, VorgangClosesRefusesContentAndReopens) {
    const std::string path = "/api/v1/vorgaenge/" + ablage_.vorgang_id;
    json closed = Post(path + "/zda", json::object());
    EXPECT_EQ(closed["status"], "geschlossen");
    EXPECT_TRUE(closed["zda"].is_string());
    EXPECT_EQ(UploadRaw(ablage_.vorgang_id, "Nachtrag.txt", "zu spät").status, 409);

    json reopened = Post(path + "/wiedereroeffnen", json::object());
    EXPECT_EQ(reopened["status"], "offen");
    EXPECT_TRUE(reopened["zda"].is_null());
    EXPECT_FALSE(UploadDokument(ablage_.vorgang_id, "Nachtrag.txt", "jetzt").empty());

    EXPECT_EQ(Aktionen(path), (std::vector<std::string>{"angelegt", "zda", "wiedereroeffnet"}));
    auto history = api().Get(path + "/historie").Json()["eintraege"];
    ASSERT_EQ(history.size(), 3u);
    EXPECT_EQ(history[1]["akteur"], "admin");
    EXPECT_EQ(history[2]["vorheriger_hash"], history[1]["hash"]) << "the trail is a hash chain";
}

TEST_F(LifecycleTest, AkteClosesWithADateAndReopens) {
    const std::string path = "/api/v1/akten/" + ablage_.akte_id;
    json akte = api().Get(path).Json();
    const std::string today = akte["laufzeit_beginn"];
    json closed = Post(path + "/zda", {{"datum", today}});
    EXPECT_EQ(closed["zda"], today);
    EXPECT_EQ(closed["status"], "geschlossen");
    // Everything below a closed Akte is closed for writes.
    EXPECT_EQ(UploadRaw(ablage_.vorgang_id, "Nachtrag.txt", "zu spät").ProblemType(),
              Problem("closed"));
    EXPECT_EQ(Post("/api/v1/vorgaenge/" + ablage_.vorgang_id + "/wiedereroeffnen", json::object(),
                   409)["type"],
              Problem("not-closed"));

    Post(path + "/wiedereroeffnen", json::object());
    EXPECT_EQ(api().Get(path).Json()["status"], "offen");
    EXPECT_EQ(Aktionen(path), (std::vector<std::string>{"angelegt", "zda", "wiedereroeffnet"}));
    EXPECT_EQ(Post(path + "/wiedereroeffnen", json::object(), 409)["type"], Problem("not-closed"));
}

TEST_F(LifecycleTest, ZdaDateInTheFutureOrBeforeTheLaufzeitIsRefused) {
    const std::string path = "/api/v1/akten/" + ablage_.akte_id;
    EXPECT_EQ(Post(path + "/zda", {{"datum", "2999-01-01"}}, 400)["type"],
              Problem("invalid-argument"));
    EXPECT_EQ(Post(path + "/zda", {{"datum", "1999-12-31"}}, 400)["type"],
              Problem("invalid-argument"));
    EXPECT_EQ(Post(path + "/zda", {{"datum", "2026-02-30"}}, 400)["type"],
              Problem("invalid-argument"));
    EXPECT_EQ(api().Get(path).Json()["status"], "offen");
}

TEST_F(LifecycleTest, MovedAkteKeepsItsAktenzeichenAndRemembersWhereItWas) {
    json target = CreateEinheit("32.20.01", "Märkte");
    ASSERT_FALSE(target.is_null());
    const std::string path = "/api/v1/akten/" + ablage_.akte_id;
    json moved = Post(path + "/verschieben", {{"parent_id", target["id"]}});

    EXPECT_EQ(moved["aktenzeichen"], ablage_.aktenzeichen);
    EXPECT_EQ(moved["parent_id"], target["id"]);
    ASSERT_EQ(moved["fruehere_ablagen"].size(), 1u) << moved.dump(2);
    EXPECT_EQ(moved["fruehere_ablagen"][0]["parent_id"], ablage_.einheit_id);
    EXPECT_EQ(moved["fruehere_ablagen"][0]["parent_bezeichnung"], "32.10.01");
    EXPECT_EQ(Aktionen(path), (std::vector<std::string>{"angelegt", "verschoben"}));

    // Found by its Aktenzeichen, under the new unit, with its Vorgang.
    auto found =
        api().Get("/api/v1/akten?aktenzeichen=" + test_support::UrlEncode(ablage_.aktenzeichen));
    ASSERT_EQ(found.status, 200) << found.Describe();
    EXPECT_EQ(found.Json()["id"], ablage_.akte_id);
    auto objekt = api().Get("/api/v1/objekte/" + ablage_.vorgang_id).Json();
    ASSERT_EQ(objekt["pfad"].size(), 3u) << objekt.dump(2);
    EXPECT_EQ(objekt["pfad"][0]["bezeichnung"], "32.20.01");
    EXPECT_EQ(objekt["pfad"][1]["bezeichnung"], ablage_.aktenzeichen);
    EXPECT_EQ(Children("/api/v1/aktenplan/einheiten/" + ablage_.einheit_id + "/kinder").size(), 0u);
}

TEST_F(LifecycleTest, AktenzeichenAreNeverReused) {
    json target = CreateEinheit("32.20.01", "Märkte");
    ASSERT_FALSE(target.is_null());
    Post("/api/v1/akten/" + ablage_.akte_id + "/verschieben", {{"parent_id", target["id"]}});
    json next = CreateAkte(ablage_.einheit_id, "Zweite Gewerbeanmeldung");
    ASSERT_FALSE(next.is_null());
    const std::string first = ablage_.aktenzeichen;
    ASSERT_EQ(first.rfind("32.10.01-0001/", 0), 0u) << first;
    EXPECT_EQ(next["aktenzeichen"], "32.10.01-0002/" + first.substr(first.find('/') + 1));

    json in_target = CreateAkte(target["id"], "Wochenmarkt");
    ASSERT_FALSE(in_target.is_null());
    EXPECT_EQ(in_target["aktenzeichen"].get<std::string>().rfind("32.20.01-0001/", 0), 0u);
}

TEST_F(LifecycleTest, ConcurrentlyCreatedAktenGetDistinctConsecutiveAktenzeichen) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 10;
    std::mutex mu;
    std::set<std::string> aktenzeichen;  // guarded by mu
    std::vector<std::string> failures;   // guarded by mu
    std::vector<std::unique_ptr<HttpClient>> clients;
    for (int t = 0; t < kThreads; ++t) clients.push_back(NewClient());
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back([&, t] {
            for (int i = 0; i < kPerThread; ++i) {
                auto res = clients[static_cast<size_t>(t)]->PostJson(
                    "/api/v1/akten", {{"parent_id", ablage_.einheit_id},
                                      {"betreff", "Antrag " + std::to_string(t * 100 + i)}});
                std::lock_guard lock(mu);
                if (res.status == 201) {
                    aktenzeichen.insert(res.Json()["aktenzeichen"].get<std::string>());
                } else {
                    failures.push_back(res.Describe());
                }
            }
        });
    }
    for (auto& t : threads) t.join();
    ASSERT_TRUE(failures.empty()) << failures.front();
    // The fixture's Akte has 0001; the others take 0002 .. 0081, each once.
    const std::string year = ablage_.aktenzeichen.substr(ablage_.aktenzeichen.find('/'));
    std::set<std::string> expected;
    for (int n = 2; n <= kThreads * kPerThread + 1; ++n) {
        char number[8];
        std::snprintf(number, sizeof(number), "%04d", n);
        expected.insert("32.10.01-" + std::string(number) + year);
    }
    EXPECT_EQ(aktenzeichen, expected);
}

// A closed Akte may move as a whole (the plan is restructured), but nothing moves into it or
// out of it.
TEST_F(LifecycleTest, ClosedAkteMovesAsAWholeButNothingMovesInOrOut) {
    json other = CreateAkte(ablage_.einheit_id, "Andere Akte");
    ASSERT_FALSE(other.is_null());
    const std::string other_id = other["id"];
    json inner = CreateVorgang(other_id, "Vorgang der anderen Akte");
    ASSERT_FALSE(inner.is_null());
    Post("/api/v1/akten/" + other_id + "/zda", json::object());

    EXPECT_EQ(Post("/api/v1/vorgaenge/" + ablage_.vorgang_id + "/verschieben",
                   {{"parent_id", other_id}}, 409)["type"],
              Problem("closed"));
    EXPECT_EQ(Post("/api/v1/vorgaenge/" + std::string(inner["id"]) + "/verschieben",
                   {{"parent_id", ablage_.akte_id}}, 409)["type"],
              Problem("closed"));

    json unit = CreateEinheit("32.30", "Gaststätten");
    ASSERT_FALSE(unit.is_null());
    json moved = Post("/api/v1/akten/" + other_id + "/verschieben", {{"parent_id", unit["id"]}});
    EXPECT_EQ(moved["status"], "geschlossen");
    EXPECT_EQ(moved["aktenzeichen"], other["aktenzeichen"]);
}

TEST_F(LifecycleTest, ContentReadsAreAudited) {
    std::string id = UploadDokument(ablage_.vorgang_id, "Antrag.txt", "Antrag");
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(Download(id).status, 200);
    EXPECT_EQ(Aktionen("/api/v1/dokumente/" + id),
              (std::vector<std::string>{"angelegt", "version-angelegt", "inhalt-gelesen"}));
}

}  // namespace
}  // namespace aktenwerk::e2e
