// End-to-end tests of who may see and do what, on the real server: users, groups and roles
// set through the API, 404 for what a caller may not see, API tokens with their scope and
// rate, login throttling, the reverse-proxy identity header, and the audit of refusals.
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"

namespace aktenwerk::e2e {
namespace {

using test_support::HttpRequest;

class SecurityTest : public E2eTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(StartServer(extra_args_));
        gewerbe_ = CreateAblage("32.10.01");
        personal_ = CreateAblage("32.10.05");
        CreateUser("anna");
        CreateUser("bernd");
    }

    void CreateUser(const std::string& name) {
        auto res =
            api().PostJson("/api/v1/benutzer", {{"name", name}, {"passwort", Password(name)}});
        ASSERT_EQ(res.status, 201) << res.Describe();
    }
    static std::string Password(const std::string& name) { return "passwort-" + name; }

    std::unique_ptr<HttpClient> As(const std::string& name) {
        auto client = NewClient(false);
        client->SetBasicAuth(name, Password(name));
        return client;
    }

    HttpResponse Put(const std::string& target, const json& body) {
        HttpRequest req;
        req.method = "PUT";
        req.target = target;
        req.headers = {{"Content-Type", "application/json"}};
        req.body = body.dump();
        return api().Send(req);
    }

    void Grant(const std::string& unit_id, const std::string& subjekt, json rollen,
               const std::string& bis_stufe = "offen") {
        auto res = Put("/api/v1/aktenplan/einheiten/" + unit_id + "/berechtigungen/" + subjekt,
                       {{"rollen", rollen}, {"bis_stufe", bis_stufe}});
        ASSERT_EQ(res.status, 200) << res.Describe();
    }

    std::string NewToken(const json& spec) {
        auto res = api().PostJson("/api/v1/tokens", spec);
        EXPECT_EQ(res.status, 201) << res.Describe();
        return res.Json().value("token", "");
    }
    HttpResponse WithToken(const std::string& token, const std::string& target) {
        auto client = NewClient(false);
        return client->Get(target, {{"Authorization", "Bearer " + token}});
    }

    std::vector<std::string> extra_args_;
    Ablage gewerbe_, personal_;
};

TEST_F(SecurityTest, AnOtherDepartmentsAkteIsNotFoundAndLooksLikeAMissingOne) {
    Grant(gewerbe_.einheit_id, "benutzer:anna", {"sachbearbeiter"});
    auto anna = As("anna");
    std::string missing = personal_.akte_id;
    missing.back() = missing.back() == '0' ? '1' : '0';

    auto hidden = anna->Get("/api/v1/akten/" + personal_.akte_id);
    auto absent = anna->Get("/api/v1/akten/" + missing);

    EXPECT_EQ(hidden.status, 404) << hidden.Describe();
    EXPECT_EQ(absent.status, 404);
    EXPECT_EQ(hidden.ProblemType(), absent.ProblemType());
    EXPECT_EQ(
        anna->Get("/api/v1/akten?aktenzeichen=" + test_support::UrlEncode(personal_.aktenzeichen))
            .status,
        404);
    EXPECT_EQ(anna->Get("/api/v1/akten/" + gewerbe_.akte_id).status, 200);
    // Every path into the hidden Akte answers the same.
    for (const std::string& path :
         {"/api/v1/akten/" + personal_.akte_id + "/inhalt",
          "/api/v1/akten/" + personal_.akte_id + "/historie",
          "/api/v1/vorgaenge/" + personal_.vorgang_id, "/api/v1/objekte/" + personal_.akte_id}) {
        SCOPED_TRACE(path);
        EXPECT_EQ(anna->Get(path).status, 404);
    }
}

TEST_F(SecurityTest, ContentOfAHiddenDokumentIsNotFoundAndAVisibleOneDownloads) {
    std::string hidden_doc = UploadDokument(personal_.vorgang_id, "geheim.txt", "Personalsache");
    std::string doc = UploadDokument(gewerbe_.vorgang_id, "brief.txt", "Gewerbesache");
    Grant(gewerbe_.einheit_id, "benutzer:anna", {"leser"});
    auto anna = As("anna");

    EXPECT_EQ(anna->Get("/api/v1/dokumente/" + hidden_doc + "/inhalt").status, 404);
    EXPECT_EQ(anna->Get("/api/v1/dokumente/" + hidden_doc + "/versionen/1/inhalt").status, 404);
    auto ok = anna->Get("/api/v1/dokumente/" + doc + "/inhalt");
    EXPECT_EQ(ok.status, 200);
    EXPECT_EQ(ok.body, "Gewerbesache");
}

TEST_F(SecurityTest, AReaderMayReadButChangingIsForbidden) {
    Grant(gewerbe_.einheit_id, "benutzer:anna", {"leser"});
    auto anna = As("anna");

    auto res = anna->PatchJson("/api/v1/akten/" + gewerbe_.akte_id, {{"betreff", "anders"}});
    EXPECT_EQ(res.status, 403) << res.Describe();
    EXPECT_EQ(
        anna->PostJson("/api/v1/vorgaenge", {{"parent_id", gewerbe_.akte_id}, {"betreff", "neu"}})
            .status,
        403);
    EXPECT_EQ(api().Get("/api/v1/akten/" + gewerbe_.akte_id).Json()["betreff"],
              "Gewerbeanmeldung Bäckerei Müller");
}

TEST_F(SecurityTest, GroupRolesAndTheirRemovalTakeEffectAtOnce) {
    ASSERT_EQ(api().PostJson("/api/v1/gruppen", {{"name", "amt32"}}).status, 201);
    Grant(gewerbe_.einheit_id, "gruppe:amt32", {"leser"});
    auto anna = As("anna");
    ASSERT_EQ(anna->Get("/api/v1/akten/" + gewerbe_.akte_id).status, 404);

    ASSERT_EQ(api().PatchJson("/api/v1/benutzer/anna", {{"gruppen", {"amt32"}}}).status, 200);
    EXPECT_EQ(anna->Get("/api/v1/akten/" + gewerbe_.akte_id).status, 200);

    HttpRequest del;
    del.method = "DELETE";
    del.target =
        "/api/v1/aktenplan/einheiten/" + gewerbe_.einheit_id + "/berechtigungen/gruppe:amt32";
    ASSERT_EQ(api().Send(del).status, 204);
    EXPECT_EQ(anna->Get("/api/v1/akten/" + gewerbe_.akte_id).status, 404);
}

TEST_F(SecurityTest, AConfidentialAkteNeedsClearanceAndItsReadsAreAudited) {
    ASSERT_EQ(
        api()
            .PatchJson("/api/v1/akten/" + gewerbe_.akte_id, {{"vertraulichkeit", "vertraulich"}})
            .status,
        200);
    Grant(gewerbe_.einheit_id, "benutzer:anna", {"leser"}, "VS-NfD");
    Grant(gewerbe_.einheit_id, "benutzer:bernd", {"leser"}, "geheim");

    EXPECT_EQ(As("anna")->Get("/api/v1/akten/" + gewerbe_.akte_id).status, 404);
    EXPECT_EQ(As("bernd")->Get("/api/v1/akten/" + gewerbe_.akte_id).status, 200);

    bool refusal = false, read = false;
    for (const auto& e : AuditTrail()) {
        if (e["objekt_id"] != gewerbe_.akte_id) continue;
        refusal = refusal || (e["aktion"] == "zugriff-verweigert" && e["akteur"] == "anna");
        read = read || (e["aktion"] == "vertraulich-gelesen" && e["akteur"] == "bernd");
    }
    EXPECT_TRUE(refusal);
    EXPECT_TRUE(read);
    ExpectAuditChainIntact();
}

// The rights filter sits inside the index query: what a caller may not read is missing from
// the count, the facets and the pages, not only from the hits shown.
TEST_F(SecurityTest, SearchCountsFacetsAndPagesOnlyWhatTheCallerMayRead) {
    for (int i = 0; i < 3; ++i) {
        UploadDokument(gewerbe_.vorgang_id, "Bescheid" + std::to_string(i) + ".txt",
                       "Gewerbeuntersagung wegen Unzuverlässigkeit, Fall " + std::to_string(i));
    }
    for (int i = 0; i < 2; ++i) {
        UploadDokument(personal_.vorgang_id, "Vermerk" + std::to_string(i) + ".txt",
                       "Gewerbeuntersagung im Personalvorgang " + std::to_string(i));
    }
    ASSERT_EQ(
        api()
            .PatchJson("/api/v1/akten/" + personal_.akte_id, {{"vertraulichkeit", "vertraulich"}})
            .status,
        200);
    Grant(gewerbe_.einheit_id, "benutzer:anna", {"leser"});
    Grant(personal_.einheit_id, "benutzer:bernd", {"leser"}, "VS-NfD");
    WaitForIndex();
    auto count = [&](HttpClient& client, const std::string& params) {
        auto res = client.Get("/api/v1/suche?q=Gewerbeuntersagung&facetten=true" + params);
        EXPECT_EQ(res.status, 200) << res.Describe();
        return res.Json();
    };

    EXPECT_EQ(count(api(), "")["anzahl"], 5);
    auto anna = As("anna");
    const json seen = count(*anna, "");
    EXPECT_EQ(seen["anzahl"], 3) << seen.dump();
    ASSERT_EQ(seen["facetten"]["typ"].size(), 1u) << seen.dump();
    EXPECT_EQ(seen["facetten"]["typ"][0]["anzahl"], 3) << seen.dump();
    for (const auto& hit : seen["treffer"]) EXPECT_EQ(hit["aktenzeichen"], gewerbe_.aktenzeichen);
    // Two pages of two: the second holds the last visible hit and says there is no more.
    const json first = count(*anna, "&limit=2");
    ASSERT_EQ(first["treffer"].size(), 2u);
    ASSERT_TRUE(first["naechster_cursor"].is_string()) << first.dump();
    const json second =
        count(*anna, "&limit=2&cursor=" + test_support::UrlEncode(first["naechster_cursor"]));
    EXPECT_EQ(second["treffer"].size(), 1u) << second.dump();
    EXPECT_TRUE(second["naechster_cursor"].is_null()) << second.dump();

    // Bernd's grant does not reach the confidential Akte, until it does.
    auto bernd = As("bernd");
    EXPECT_EQ(count(*bernd, "")["anzahl"], 0);
    EXPECT_TRUE(count(*bernd, "")["facetten"]["typ"].empty());
    Grant(personal_.einheit_id, "benutzer:bernd", {"leser"}, "vertraulich");
    EXPECT_EQ(count(*bernd, "")["anzahl"], 2);
}

TEST_F(SecurityTest, TheCallerCanAskWhatItMayDoOnAnObject) {
    Grant(gewerbe_.einheit_id, "benutzer:anna", {"sachbearbeiter"});

    auto res = As("anna")->Get("/api/v1/objekte/" + gewerbe_.vorgang_id + "/rechte");

    ASSERT_EQ(res.status, 200) << res.Describe();
    EXPECT_EQ(res.Json()["rechte"], json::array({"lesen", "schreiben"}));
    EXPECT_EQ(res.Json()["einheit_id"], gewerbe_.einheit_id);
}

TEST_F(SecurityTest, ATokenWorksOnlyInItsSubtreeAndIsGoneWhenRevoked) {
    Grant(gewerbe_.einheit_id, "benutzer:anna", {"sachbearbeiter"});
    Grant(personal_.einheit_id, "benutzer:anna", {"sachbearbeiter"});
    auto created = api().PostJson("/api/v1/tokens", {{"benutzer", "anna"},
                                                     {"bezeichnung", "Gewerbeverfahren"},
                                                     {"einheit_kennzeichen", "32.10.01"},
                                                     {"rechte", {"lesen"}}});
    ASSERT_EQ(created.status, 201) << created.Describe();
    std::string token = created.Json()["token"];
    std::string id = created.Json()["id"];

    EXPECT_EQ(WithToken(token, "/api/v1/akten/" + gewerbe_.akte_id).status, 200);
    EXPECT_EQ(WithToken(token, "/api/v1/akten/" + personal_.akte_id).status, 404);
    auto client = NewClient(false);
    auto write =
        client->Send({"PATCH",
                      "/api/v1/akten/" + gewerbe_.akte_id,
                      {{"Authorization", "Bearer " + token}, {"Content-Type", "application/json"}},
                      R"({"betreff":"x"})",
                      ""});
    EXPECT_EQ(write.status, 403);
    // The listing never shows the secret again.
    auto listed = api().Get("/api/v1/tokens");
    EXPECT_EQ(listed.body.find(token.substr(4 + 17)), std::string::npos);  // after awt_<id>_

    ASSERT_EQ(api().Delete("/api/v1/tokens/" + id).status, 204);
    EXPECT_EQ(WithToken(token, "/api/v1/akten/" + gewerbe_.akte_id).status, 401);
}

TEST_F(SecurityTest, ATokenPastItsRateIsAnsweredTooManyRequests) {
    std::string token = NewToken({{"bezeichnung", "langsam"},
                                  {"einheit_id", gewerbe_.einheit_id},
                                  {"rechte", {"lesen"}},
                                  {"anfragen_pro_minute", 60}});
    // The bucket holds 10 requests and refills one per second: 30 quick requests cannot
    // all pass.
    auto client = NewClient(false);
    int ok = 0, limited = 0;
    std::string retry_after;
    for (int i = 0; i < 30; ++i) {
        auto res = client->Get("/api/v1/akten/" + gewerbe_.akte_id,
                               {{"Authorization", "Bearer " + token}});
        if (res.status == 200) ++ok;
        if (res.status == 429) {
            ++limited;
            retry_after = res.Header("Retry-After");
        }
    }
    EXPECT_GE(ok, 10);
    EXPECT_GT(limited, 0);
    EXPECT_FALSE(retry_after.empty());
}

TEST_F(SecurityTest, RepeatedWrongPasswordsAreThrottledWithRetryAfter) {
    auto guesser = NewClient(false);
    guesser->SetBasicAuth("anna", "falsch-geraten");
    for (int i = 0; i < 5; ++i) EXPECT_EQ(guesser->Get("/api/v1/aktenplan").status, 401);

    auto throttled = As("anna")->Get("/api/v1/aktenplan");

    EXPECT_EQ(throttled.status, 429) << throttled.Describe();
    EXPECT_EQ(throttled.ProblemType(), Problem("too-many-attempts"));
    EXPECT_FALSE(throttled.Header("Retry-After").empty());
    EXPECT_EQ(As("bernd")->Get("/api/v1/aktenplan").status, 200);
}

TEST_F(SecurityTest, AnInactiveUserIsLockedOut) {
    ASSERT_EQ(As("anna")->Get("/api/v1/aktenplan").status, 200);

    ASSERT_EQ(api().PatchJson("/api/v1/benutzer/anna", {{"aktiv", false}}).status, 200);

    EXPECT_EQ(As("anna")->Get("/api/v1/aktenplan").status, 401);
}

TEST_F(SecurityTest, OnlyAdministratorsManageUsersGroupsAndOthersTokens) {
    auto anna = As("anna");
    EXPECT_EQ(anna->PostJson("/api/v1/benutzer", {{"name", "x"}, {"passwort", "12345678"}}).status,
              403);
    EXPECT_EQ(anna->PostJson("/api/v1/gruppen", {{"name", "g"}}).status, 403);
    EXPECT_EQ(anna->PatchJson("/api/v1/benutzer/anna", {{"admin", true}}).status, 403);
    EXPECT_EQ(anna->PostJson("/api/v1/tokens", {{"benutzer", "bernd"},
                                                {"bezeichnung", "x"},
                                                {"einheit_id", gewerbe_.einheit_id},
                                                {"rechte", {"lesen"}}})
                  .status,
              403);
    EXPECT_EQ(
        anna->Get("/api/v1/aktenplan/einheiten/" + gewerbe_.einheit_id + "/berechtigungen").status,
        403);
}

class ProxySecurityTest : public SecurityTest {
  protected:
    ProxySecurityTest() {
        extra_args_ = {"--proxy-header", "X-Remote-User", "--proxy-von", "127.0.0.1"};
    }
};

TEST_F(ProxySecurityTest, TheProxysHeaderNamesTheUserFromATrustedAddress) {
    Grant(gewerbe_.einheit_id, "benutzer:anna", {"leser"});
    auto client = NewClient(false);

    EXPECT_EQ(client->Get("/api/v1/akten/" + gewerbe_.akte_id, {{"X-Remote-User", "anna"}}).status,
              200);
    EXPECT_EQ(client->Get("/api/v1/akten/" + gewerbe_.akte_id, {{"X-Remote-User", "bernd"}}).status,
              404);
    EXPECT_EQ(client->Get("/api/v1/aktenplan", {{"X-Remote-User", "niemand"}}).status, 401);
}

class UntrustedProxySecurityTest : public SecurityTest {
  protected:
    UntrustedProxySecurityTest() {
        extra_args_ = {"--proxy-header", "X-Remote-User", "--proxy-von", "127.0.0.2"};
    }
};

TEST_F(UntrustedProxySecurityTest, TheHeaderFromAnyOtherAddressIsIgnored) {
    auto client = NewClient(false);

    auto res = client->Get("/api/v1/aktenplan", {{"X-Remote-User", "admin"}});

    EXPECT_EQ(res.status, 401) << res.Describe();
}

TEST_F(SecurityTest, TheCommandLineGrantsAndCreatesTokensOnAStoppedServer) {
    ASSERT_TRUE(server().Stop().has_value());
    const std::string data = server().data_dir();
    auto run = [&](std::vector<std::string> args) {
        args.insert(args.begin(), AktenwerkBinary());
        args.push_back("--data");
        args.push_back(data);
        return test_support::RunCommand(args);
    };
    auto group = run({"group", "add", "--name", "amt32"});
    ASSERT_EQ(group.exit_code, 0) << group.output;
    ASSERT_EQ(run({"user", "set", "--name", "anna", "--gruppen", "amt32"}).exit_code, 0);
    auto grant =
        run({"grant", "--einheit", "32.10.01", "--subjekt", "gruppe:amt32", "--rollen", "leser"});
    ASSERT_EQ(grant.exit_code, 0) << grant.output;
    auto token = run(
        {"token", "create", "--benutzer", "anna", "--einheit", "32.10.01", "--rechte", "lesen"});
    ASSERT_EQ(token.exit_code, 0) << token.output;
    std::string text = token.output.substr(0, token.output.find('\n'));
    ASSERT_TRUE(server().Start());
    ReconnectApi();

    EXPECT_EQ(As("anna")->Get("/api/v1/akten/" + gewerbe_.akte_id).status, 200);
    EXPECT_EQ(WithToken(text, "/api/v1/akten/" + gewerbe_.akte_id).status, 200);
    EXPECT_EQ(WithToken(text, "/api/v1/akten/" + personal_.akte_id).status, 404);
}

}  // namespace
}  // namespace aktenwerk::e2e
