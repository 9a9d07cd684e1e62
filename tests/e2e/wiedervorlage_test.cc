// End-to-end tests of Wiedervorlagen on the real server: a clerk sets reminders on an Akte
// and a Dokument, sees what is due in her personal list, marks one done; others neither see
// nor change them; a deleted Dokument takes its reminders along; bad input is refused.
#include <algorithm>
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"

namespace aktenwerk::e2e {
namespace {

using test_support::HttpRequest;

class WiedervorlageE2eTest : public E2eTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(StartServer());
        ablage_ = CreateAblage("32.10.01");
        for (const std::string name : {"anna", "bernd"}) {
            auto res = api().PostJson("/api/v1/benutzer",
                                      {{"name", name}, {"passwort", "passwort-" + name}});
            ASSERT_EQ(res.status, 201) << res.Describe();
        }
        HttpRequest req;
        req.method = "PUT";
        req.target =
            "/api/v1/aktenplan/einheiten/" + ablage_.einheit_id + "/berechtigungen/benutzer:anna";
        req.headers = {{"Content-Type", "application/json"}};
        req.body = json{{"rollen", {"sachbearbeiter"}}, {"bis_stufe", "offen"}}.dump();
        ASSERT_EQ(api().Send(req).status, 200);
        anna_ = As("anna");
        bernd_ = As("bernd");
    }

    std::unique_ptr<HttpClient> As(const std::string& name) {
        auto client = NewClient(false);
        client->SetBasicAuth(name, "passwort-" + name);
        return client;
    }

    // Sets a reminder as `client`; returns its JSON (null after a recorded failure).
    json Set(HttpClient& client, const std::string& objekt_id, const std::string& datum) {
        auto res = client.PostJson("/api/v1/objekte/" + objekt_id + "/wiedervorlagen",
                                   {{"datum", datum}, {"notiz", "Stellungnahme anmahnen"}});
        EXPECT_EQ(res.status, 201) << res.Describe();
        return res.status == 201 ? res.Json() : json();
    }

    json Due(HttpClient& client, const std::string& query = "") {
        auto res = client.Get("/api/v1/wiedervorlagen" + query);
        EXPECT_EQ(res.status, 200) << res.Describe();
        return res.Json().value("wiedervorlagen", json::array());
    }

    Ablage ablage_;
    std::unique_ptr<HttpClient> anna_, bernd_;
};

TEST_F(WiedervorlageE2eTest, ClerkSeesWhatIsDueAndMarksItDone) {
    const json overdue = Set(*anna_, ablage_.akte_id, "2020-01-02");
    const json later = Set(*anna_, ablage_.vorgang_id, "2999-12-31");

    json due = Due(*anna_);
    ASSERT_EQ(due.size(), 1u) << due.dump();
    EXPECT_EQ(due[0].value("id", ""), overdue.value("id", ""));
    EXPECT_TRUE(due[0].value("ueberfaellig", false));
    EXPECT_EQ(due[0].value("objekt_bezeichnung", ""), ablage_.aktenzeichen);
    EXPECT_EQ(Due(*anna_, "?bis=2999-12-31").size(), 2u);

    auto done = anna_->Post(overdue.value("self", "") + "/erledigt", "", "application/json");
    ASSERT_EQ(done.status, 200) << done.Describe();
    EXPECT_TRUE(Due(*anna_).empty());
    auto on_akte = anna_->Get("/api/v1/objekte/" + ablage_.akte_id + "/wiedervorlagen");
    ASSERT_EQ(on_akte.status, 200) << on_akte.Describe();
    EXPECT_TRUE(on_akte.Json()["wiedervorlagen"][0].value("erledigt", false));

    std::vector<std::string> aktionen;
    for (const auto& e : AuditTrail()) {
        if (e.value("objekt_id", "") == ablage_.akte_id) aktionen.push_back(e.value("aktion", ""));
    }
    EXPECT_NE(std::find(aktionen.begin(), aktionen.end(), "wiedervorlage-gesetzt"), aktionen.end());
    EXPECT_EQ(aktionen.back(), "wiedervorlage-erledigt");
    ExpectAuditChainIntact();
    EXPECT_EQ(later.value("fuer", ""), "anna");
}

TEST_F(WiedervorlageE2eTest, OthersNeitherSeeNorChangeAClerksReminder) {
    const json w = Set(*anna_, ablage_.akte_id, "2020-01-02");
    const std::string self = w.value("self", "");

    EXPECT_EQ(bernd_->Get(self).status, 404);
    EXPECT_EQ(bernd_->Post(self + "/erledigt", "", "application/json").status, 404);
    EXPECT_EQ(bernd_->Delete(self).status, 404);
    EXPECT_EQ(bernd_
                  ->PostJson("/api/v1/objekte/" + ablage_.akte_id + "/wiedervorlagen",
                             {{"datum", "2020-01-02"}})
                  .status,
              404);
    EXPECT_TRUE(Due(*bernd_, "?bis=2999-12-31").empty());
    EXPECT_EQ(Due(*anna_).size(), 1u);
}

TEST_F(WiedervorlageE2eTest, DeletedDokumentTakesItsRemindersAlong) {
    const std::string dokument_id = UploadDokument(ablage_.vorgang_id, "antrag.txt", "Antrag");
    const json w = Set(*anna_, dokument_id, "2020-01-02");

    auto deleted = api().Delete("/api/v1/dokumente/" + dokument_id + "?grund=falsch%20abgelegt");
    ASSERT_EQ(deleted.status, 200) << deleted.Describe();

    EXPECT_EQ(anna_->Get(w.value("self", "")).status, 404);
    EXPECT_TRUE(Due(*anna_, "?bis=2999-12-31").empty());
}

TEST_F(WiedervorlageE2eTest, BadInputIsRefusedAndStoresNothing) {
    const std::string target = "/api/v1/objekte/" + ablage_.akte_id + "/wiedervorlagen";

    EXPECT_EQ(anna_->Post(target, "{kein json", "application/json").status, 400);
    EXPECT_EQ(anna_->PostJson(target, {{"notiz", "ohne Datum"}}).status, 400);
    EXPECT_EQ(anna_->PostJson(target, {{"datum", "31.12.2026"}}).status, 400);
    EXPECT_EQ(anna_->PostJson(target, {{"datum", 20261231}}).status, 400);
    EXPECT_EQ(anna_->PostJson(target, {{"datum", "2026-12-31"}, {"notiz", std::string(3000, 'x')}})
                  .status,
              400);
    EXPECT_EQ(anna_->PostJson(target, {{"datum", "2026-12-31"}, {"fuer", "bernd"}}).status, 400);
    EXPECT_EQ(anna_->Get("/api/v1/wiedervorlagen?bis=gestern").status, 400);

    auto list = anna_->Get(target);
    ASSERT_EQ(list.status, 200) << list.Describe();
    EXPECT_TRUE(list.Json()["wiedervorlagen"].empty());
}

}  // namespace
}  // namespace aktenwerk::e2e
