// Tests of rights in the records service on a real data directory: roles per
// Aktenplaneinheit, inheritance, deny, groups, Vertraulichkeitsstufen, tokens, the audit of
// refusals and confidential reads, and the visibility description for search filters.
#include "dms/access_control.h"

#include <map>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dms/folder_import.h"
#include "dms/keys.h"
#include "dms/repository.h"
#include "tests/support/status_testing.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::dms {
namespace {

using nlohmann::json;

class AccessControlTest : public ::testing::Test {
  protected:
    void SetUp() override {
        // The slow hash is UserStore's own test's business; here it would only cost time.
        options_.password_iterations = 1000;
        auto opened = Repository::Open(dir_.Sub("data"), options_, &clock_);
        ASSERT_TRUE(opened.ok()) << opened.status().ToString();
        repo_ = std::move(opened).value();
        for (const char* name : {"anna", "bernd", "carla"}) {
            AKTENWERK_ASSERT_OK(
                repo_->users().Create(admin_, name, "passwort-" + std::string(name), false));
        }
        AKTENWERK_ASSERT_OK(repo_->users().CreateGroup(admin_, "amt32", "Ordnungsamt"));
        // 32 > 32.10 > 32.10.01 and 32.10.05; 40 beside them.
        amt_ = Unit("32", kRootId);
        sg_ = Unit("32.10", amt_.id);
        gewerbe_ = Unit("32.10.01", sg_.id);
        personal_ = Unit("32.10.05", sg_.id);
        schule_ = Unit("40", kRootId);
    }

    template <typename T>
    T Must(Result<T> result) {
        EXPECT_TRUE(result.ok()) << result.status().ToString();
        return result.ok() ? std::move(result).value() : T{};
    }

    Objekt Unit(const std::string& kennzeichen, std::string_view parent) {
        return Must(repo_->Create(admin_, Kind::kAktenplaneinheit, parent,
                                  {{"kennzeichen", kennzeichen}, {"titel", "Einheit"}}));
    }
    Objekt Akte(const Objekt& unit, const std::string& stufe = "offen") {
        return Must(repo_->Create(
            admin_, Kind::kAkte, unit.id,
            {{"betreff", "Akte in " + unit.kennzeichen}, {"vertraulichkeit", stufe}}));
    }
    Objekt Dokument(const Objekt& parent, const std::string& text = "Inhalt") {
        StringContentSource source(text);
        return Must(repo_->CreateDokument(admin_, parent.id, json::object(), source,
                                          NewVersion{"brief.txt", true, ""}))
            .first;
    }
    void GrantRoles(const Objekt& unit, const std::string& subjekt, std::vector<Role> rollen,
                    const std::string& bis_stufe = "offen", bool verweigert = false) {
        Grant g;
        g.einheit_id = unit.id;
        g.subjekt = subjekt;
        g.rollen = std::move(rollen);
        g.bis_stufe = *ParseLevel(bis_stufe);
        g.verweigert = verweigert;
        AKTENWERK_ASSERT_OK(repo_->access().SetGrant(admin_, g));
    }
    void Deny(const Objekt& unit, const std::string& subjekt) {
        GrantRoles(unit, subjekt, {}, "offen", /*verweigert=*/true);
    }
    void SetGroups(const std::string& user, std::vector<std::string> groups) {
        UserUpdate u;
        u.gruppen = std::move(groups);
        AKTENWERK_ASSERT_OK(repo_->users().Update(admin_, user, u));
    }
    bool CanRead(const Principal& p, const Objekt& o) { return repo_->Get(p, o.id).ok(); }
    std::vector<AuditEntry> AuditOf(const std::string& aktion) {
        std::vector<AuditEntry> out;
        for (auto& e : Must(repo_->Audit(admin_, 0, 1000))) {
            if (e.aktion == aktion) out.push_back(e);
        }
        return out;
    }

    test_support::TempDir dir_;
    ManualClock clock_;
    RepositoryOptions options_;
    std::unique_ptr<Repository> repo_;
    const Principal admin_ = Principal::System();
    const Principal anna_{"anna", false};
    const Principal bernd_{"bernd", false};
    Objekt amt_, sg_, gewerbe_, personal_, schule_;
};

TEST_F(AccessControlTest, WithoutAGrantAnAkteAnswersExactlyLikeAMissingOne) {
    Objekt akte = Akte(gewerbe_);

    auto hidden = repo_->Get(anna_, akte.id);
    std::string missing_id = akte.id;
    missing_id.back() = missing_id.back() == '0' ? '1' : '0';
    auto missing = repo_->Get(anna_, missing_id);

    ASSERT_EQ(hidden.status().code(), StatusCode::kNotFound);
    ASSERT_EQ(missing.status().code(), StatusCode::kNotFound);
    std::string expected = missing.status().message();
    expected.replace(expected.find(missing_id), missing_id.size(), akte.id);
    EXPECT_EQ(hidden.status().message(), expected);
    EXPECT_EQ(repo_->FindByAktenzeichen(anna_, akte.aktenzeichen).status().message(),
              "no Akte with Aktenzeichen " + akte.aktenzeichen);
}

TEST_F(AccessControlTest, LeserReadsBelowTheUnitButMayNotChangeAnything) {
    Objekt akte = Akte(gewerbe_);
    Objekt doc = Dokument(akte);
    GrantRoles(sg_, "benutzer:anna", {Role::kLeser});

    EXPECT_TRUE(CanRead(anna_, akte));
    EXPECT_TRUE(repo_->OpenContent(anna_, doc.id, 0).ok());
    EXPECT_EQ(repo_->Update(anna_, akte.id, {{"betreff", "neu"}}).status().code(),
              StatusCode::kPermissionDenied);
    EXPECT_EQ(repo_->Close(anna_, akte.id, std::nullopt).status().code(),
              StatusCode::kPermissionDenied);
    StringContentSource source("v2");
    EXPECT_EQ(
        repo_->AddVersion(anna_, doc.id, source, NewVersion{"b.txt", true, ""}).status().code(),
        StatusCode::kPermissionDenied);
    EXPECT_FALSE(CanRead(anna_, Akte(schule_)));
}

TEST_F(AccessControlTest, SachbearbeiterWorksInAktenButNeitherReopensNorChangesThePlan) {
    GrantRoles(gewerbe_, "benutzer:anna", {Role::kSachbearbeiter});

    auto akte = repo_->Create(anna_, Kind::kAkte, gewerbe_.id, {{"betreff", "Gewerbe"}});
    ASSERT_TRUE(akte.ok()) << akte.status().ToString();
    AKTENWERK_EXPECT_OK(repo_->Close(anna_, akte->id, std::nullopt).status());
    EXPECT_EQ(repo_->Reopen(anna_, akte->id).status().code(), StatusCode::kPermissionDenied);
    EXPECT_EQ(repo_
                  ->Create(anna_, Kind::kAktenplaneinheit, gewerbe_.id,
                           {{"kennzeichen", "32.10.01.1"}, {"titel", "neu"}})
                  .status()
                  .code(),
              StatusCode::kPermissionDenied);

    GrantRoles(gewerbe_, "benutzer:anna", {Role::kSachbearbeiter, Role::kRegistrator});
    AKTENWERK_EXPECT_OK(repo_->Reopen(anna_, akte->id).status());
}

TEST_F(AccessControlTest, DenyClosesASubUnitToASubjectAndAGrantThereOpensItAgain) {
    Objekt gewerbe_akte = Akte(gewerbe_);
    Objekt personal_akte = Akte(personal_);
    GrantRoles(amt_, "gruppe:amt32", {Role::kSachbearbeiter});
    SetGroups("anna", {"amt32"});
    SetGroups("bernd", {"amt32"});
    Deny(personal_, "gruppe:amt32");

    EXPECT_TRUE(CanRead(anna_, gewerbe_akte));
    EXPECT_FALSE(CanRead(anna_, personal_akte));

    GrantRoles(personal_, "benutzer:bernd", {Role::kLeser});
    EXPECT_TRUE(CanRead(bernd_, personal_akte));
    EXPECT_FALSE(CanRead(anna_, personal_akte));
    // Bernd's grant there is Leser only: the denied group's Sachbearbeiter does not reach.
    EXPECT_EQ(repo_->Update(bernd_, personal_akte.id, {{"betreff", "x"}}).status().code(),
              StatusCode::kPermissionDenied);
}

TEST_F(AccessControlTest, LeavingAGroupTakesItsRightsAwayAtOnce) {
    Objekt akte = Akte(gewerbe_);
    GrantRoles(amt_, "gruppe:amt32", {Role::kLeser});
    SetGroups("anna", {"amt32"});
    ASSERT_TRUE(CanRead(anna_, akte));  // now cached

    SetGroups("anna", {});

    EXPECT_FALSE(CanRead(anna_, akte));
}

TEST_F(AccessControlTest, RemovingAGrantTakesItsRightsAwayAtOnce) {
    Objekt akte = Akte(gewerbe_);
    GrantRoles(sg_, "benutzer:anna", {Role::kLeser});
    ASSERT_TRUE(CanRead(anna_, akte));

    GrantRoles(sg_, "benutzer:anna", {});

    EXPECT_FALSE(CanRead(anna_, akte));
    EXPECT_TRUE(repo_->access().GrantsOn(sg_.id).empty());
}

TEST_F(AccessControlTest, ConfidentialAktenNeedAClearanceUpToTheirLevel) {
    Objekt offen = Akte(gewerbe_);
    Objekt nfd = Akte(gewerbe_, "VS-NfD");
    Objekt geheim = Akte(gewerbe_, "geheim");
    Objekt teilakte = Must(repo_->Create(admin_, Kind::kAkte, geheim.id, {{"betreff", "Teil"}}));
    Objekt doc_in_geheim = Dokument(teilakte);
    GrantRoles(gewerbe_, "benutzer:anna", {Role::kSachbearbeiter}, "VS-NfD");

    EXPECT_TRUE(CanRead(anna_, offen));
    EXPECT_TRUE(CanRead(anna_, nfd));
    EXPECT_FALSE(CanRead(anna_, geheim));
    // A Teilakte (and what is in it) is as confidential as the Akte around it.
    EXPECT_FALSE(CanRead(anna_, teilakte));
    EXPECT_FALSE(CanRead(anna_, doc_in_geheim));
    // Nobody raises an Akte above their own clearance.
    EXPECT_EQ(repo_->Update(anna_, offen.id, {{"vertraulichkeit", "vertraulich"}}).status().code(),
              StatusCode::kPermissionDenied);
    EXPECT_EQ(repo_
                  ->Create(anna_, Kind::kAkte, gewerbe_.id,
                           {{"betreff", "x"}, {"vertraulichkeit", "geheim"}})
                  .status()
                  .code(),
              StatusCode::kPermissionDenied);
}

TEST_F(AccessControlTest, RaisingTheLevelHidesTheAkteFromThoseWithoutClearance) {
    Objekt akte = Akte(gewerbe_);
    Objekt doc = Dokument(akte);
    GrantRoles(gewerbe_, "benutzer:anna", {Role::kLeser});
    ASSERT_TRUE(CanRead(anna_, doc));  // its placement is now cached

    AKTENWERK_ASSERT_OK(
        repo_->Update(admin_, akte.id, {{"vertraulichkeit", "vertraulich"}}).status());

    EXPECT_FALSE(CanRead(anna_, doc));
}

TEST_F(AccessControlTest, MovingAnAkteOutOfTheUnitHidesIt) {
    Objekt akte = Akte(gewerbe_);
    Objekt doc = Dokument(akte);
    GrantRoles(gewerbe_, "benutzer:anna", {Role::kLeser});
    ASSERT_TRUE(CanRead(anna_, doc));

    AKTENWERK_ASSERT_OK(repo_->Move(admin_, akte.id, personal_.id).status());

    EXPECT_FALSE(CanRead(anna_, akte));
    EXPECT_FALSE(CanRead(anna_, doc));
}

TEST_F(AccessControlTest, ChildListingsLeaveOutWhatTheCallerMayNotSee) {
    Objekt visible = Akte(gewerbe_);
    Akte(gewerbe_, "geheim");
    Akte(gewerbe_, "vertraulich");
    GrantRoles(gewerbe_, "benutzer:anna", {Role::kLeser});

    auto page = Must(repo_->Children(anna_, gewerbe_.id, Kind::kAkte, "", 100));
    ASSERT_EQ(page.items.size(), 1u);
    EXPECT_EQ(page.items[0].id, visible.id);
    // The plan itself is not confidential: units are listed for everyone.
    EXPECT_EQ(Must(repo_->Children(bernd_, sg_.id, std::nullopt, "", 100)).items.size(), 2u);
}

TEST_F(AccessControlTest, PagingOverManyHiddenChildrenEndsAndFindsTheVisibleOnes) {
    for (int i = 0; i < 30; ++i) Akte(gewerbe_, "geheim");
    Objekt last = Akte(gewerbe_);
    GrantRoles(gewerbe_, "benutzer:anna", {Role::kLeser});

    std::vector<std::string> seen;
    std::string cursor;
    for (int pages = 0; pages < 100; ++pages) {
        auto page = Must(repo_->Children(anna_, gewerbe_.id, Kind::kAkte, cursor, 2));
        for (const auto& o : page.items) seen.push_back(o.id);
        cursor = page.next_cursor;
        if (cursor.empty()) break;
    }
    EXPECT_EQ(seen, std::vector<std::string>{last.id});
}

TEST_F(AccessControlTest, EveryRefusalIsInTheAuditTrail) {
    Objekt akte = Akte(gewerbe_);
    GrantRoles(schule_, "benutzer:anna", {Role::kLeser});
    GrantRoles(gewerbe_, "benutzer:bernd", {Role::kLeser});

    EXPECT_FALSE(repo_->Get(anna_, akte.id).ok());
    EXPECT_FALSE(repo_->Update(bernd_, akte.id, {{"betreff", "x"}}).ok());

    auto refusals = AuditOf("zugriff-verweigert");
    ASSERT_EQ(refusals.size(), 2u);
    EXPECT_EQ(refusals[0].akteur, "anna");
    EXPECT_EQ(refusals[0].objekt_id, akte.id);
    EXPECT_EQ(refusals[0].nachher["sichtbar"], false);
    EXPECT_EQ(refusals[1].akteur, "bernd");
    EXPECT_EQ(refusals[1].nachher["rechte"], json::array({"schreiben"}));
    EXPECT_EQ(refusals[1].nachher["sichtbar"], true);
}

TEST_F(AccessControlTest, ReadsOfConfidentialAktenAreAuditedAndOrdinaryOnesAreNot) {
    Objekt offen = Akte(gewerbe_);
    Objekt vertraulich = Akte(gewerbe_, "vertraulich");
    GrantRoles(gewerbe_, "benutzer:anna", {Role::kLeser}, "geheim");

    ASSERT_TRUE(CanRead(anna_, offen));
    ASSERT_TRUE(CanRead(anna_, vertraulich));
    ASSERT_TRUE(repo_->Children(anna_, vertraulich.id, std::nullopt, "", 10).ok());

    auto reads = AuditOf("vertraulich-gelesen");
    ASSERT_EQ(reads.size(), 2u);
    for (const auto& e : reads) {
        EXPECT_EQ(e.objekt_id, vertraulich.id);
        EXPECT_EQ(e.akteur, "anna");
        EXPECT_EQ(e.nachher["stufe"], "vertraulich");
    }
}

TEST_F(AccessControlTest, WhoReadWhatIsInTheHistoryOnlyForAdministratorsOfTheUnit) {
    Objekt akte = Akte(gewerbe_);
    Objekt doc = Dokument(akte);
    GrantRoles(gewerbe_, "benutzer:anna", {Role::kLeser});
    GrantRoles(gewerbe_, "benutzer:bernd", {Role::kAdministrator});
    ASSERT_TRUE(repo_->OpenContent(anna_, doc.id, 0).ok());
    ASSERT_FALSE(repo_->Get(Principal{"carla", false}, doc.id).ok());

    auto actions = [&](const Principal& p, const Objekt& o) {
        std::vector<std::string> out;
        for (const auto& e : Must(repo_->History(p, o.id, 0, 100))) out.push_back(e.aktion);
        return out;
    };
    EXPECT_EQ(actions(anna_, doc), (std::vector<std::string>{"angelegt", "version-angelegt"}));
    EXPECT_EQ(actions(bernd_, doc),
              (std::vector<std::string>{"angelegt", "version-angelegt", "inhalt-gelesen",
                                        "zugriff-verweigert"}));
    // The grants on the unit are not shown to a reader either.
    for (const auto& a : actions(anna_, gewerbe_))
        EXPECT_EQ(a.find("berechtigung"), std::string::npos);
}

TEST_F(AccessControlTest, OnlyAnAdministratorOfTheUnitGrantsThereAndNotAboveItsClearance) {
    GrantRoles(sg_, "benutzer:anna", {Role::kAdministrator}, "VS-NfD");
    Grant g{gewerbe_.id, "benutzer:bernd", {Role::kLeser}, 1, false, "", 0};

    AKTENWERK_EXPECT_OK(repo_->access().SetGrant(anna_, g));
    g.bis_stufe = 3;
    EXPECT_EQ(repo_->access().SetGrant(anna_, g).code(), StatusCode::kPermissionDenied);
    g.einheit_id = schule_.id;
    g.bis_stufe = 0;
    EXPECT_EQ(repo_->access().SetGrant(anna_, g).code(), StatusCode::kPermissionDenied);
    g.subjekt = "benutzer:niemand";
    EXPECT_EQ(repo_->access().SetGrant(admin_, g).code(), StatusCode::kNotFound);
    g.subjekt = "root";
    EXPECT_EQ(repo_->access().SetGrant(admin_, g).code(), StatusCode::kInvalidArgument);
}

TEST_F(AccessControlTest, GrantsSurviveARestart) {
    Objekt akte = Akte(gewerbe_);
    GrantRoles(gewerbe_, "benutzer:anna", {Role::kLeser});
    repo_.reset();

    auto opened = Repository::Open(dir_.Sub("data"), options_, &clock_);
    ASSERT_TRUE(opened.ok());
    repo_ = std::move(opened).value();

    EXPECT_TRUE(CanRead(anna_, akte));
}

// Tokens

class TokenTest : public AccessControlTest {
  protected:
    std::string NewToken(const std::string& user, const Objekt& unit, uint32_t rights) {
        TokenInfo spec;
        spec.benutzer = user;
        spec.bezeichnung = "Fachverfahren Gewerbe";
        spec.einheit_id = unit.id;
        spec.rights = rights;
        auto created = repo_->tokens().Create(admin_, spec);
        EXPECT_TRUE(created.ok()) << created.status().ToString();
        return created.ok() ? created->second : std::string();
    }
    Principal As(const std::string& token) {
        auto p = repo_->tokens().Authenticate(token);
        EXPECT_TRUE(p.ok()) << p.status().ToString();
        return p.ok() ? p->first : Principal{};
    }
};

TEST_F(TokenTest, ATokenActsOnlyInsideItsSubtreeAndWithItsRights) {
    GrantRoles(amt_, "benutzer:anna", {Role::kSachbearbeiter});
    Objekt inside = Akte(gewerbe_);
    Objekt outside = Akte(personal_);
    Principal token = As(NewToken("anna", gewerbe_, kRightRead));

    EXPECT_TRUE(CanRead(token, inside));
    EXPECT_FALSE(CanRead(token, outside));
    EXPECT_EQ(repo_->Update(token, inside.id, {{"betreff", "x"}}).status().code(),
              StatusCode::kPermissionDenied);
}

TEST_F(TokenTest, ATokenNeverHasMoreThanItsOwner) {
    GrantRoles(gewerbe_, "benutzer:anna", {Role::kLeser});
    Objekt akte = Akte(gewerbe_);
    Principal token = As(NewToken("anna", amt_, kRightRead | kRightWrite));

    EXPECT_TRUE(CanRead(token, akte));
    EXPECT_EQ(repo_->Update(token, akte.id, {{"betreff", "x"}}).status().code(),
              StatusCode::kPermissionDenied);
}

TEST_F(TokenTest, ARevokedOrExpiredTokenIsRefused) {
    std::string text = NewToken("anna", gewerbe_, kRightRead);
    std::string id = As(text).token->token_id;

    AKTENWERK_ASSERT_OK(repo_->tokens().Revoke(admin_, id));
    EXPECT_EQ(repo_->tokens().Authenticate(text).status().code(), StatusCode::kUnauthenticated);

    TokenInfo spec{"", "anna", "kurz", gewerbe_.id, kRightRead, 60, clock_.NowMillis() + 1000,
                   "", 0,      0};
    auto created = repo_->tokens().Create(admin_, spec);
    ASSERT_TRUE(created.ok());
    EXPECT_TRUE(repo_->tokens().Authenticate(created->second).ok());
    clock_.Advance(1000);
    EXPECT_EQ(repo_->tokens().Authenticate(created->second).status().code(),
              StatusCode::kUnauthenticated);
}

TEST_F(TokenTest, AForgedSecretForARealIdIsRefused) {
    std::string text = NewToken("anna", gewerbe_, kRightRead);
    std::string forged = text;
    forged.back() = forged.back() == 'A' ? 'B' : 'A';

    EXPECT_EQ(repo_->tokens().Authenticate(forged).status().code(), StatusCode::kUnauthenticated);
    EXPECT_EQ(repo_->tokens().Authenticate("awt_").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(TokenTest, OnlyAHashOfTheSecretIsStored) {
    std::string text = NewToken("anna", gewerbe_, kRightRead);
    std::string secret = text.substr(TokenStore::kPrefix.size() + 17);  // after awt_<id>_
    ASSERT_EQ(secret.size(), 43u);

    bool found = false;
    AKTENWERK_ASSERT_OK(repo_->metadata().Scan("", "", 0, [&](auto key, auto value) {
        found = found || std::string(key).find(secret) != std::string::npos ||
                std::string(value).find(secret) != std::string::npos;
        return true;
    }));
    EXPECT_FALSE(found);
}

TEST_F(TokenTest, UsersSeeAndRevokeOnlyTheirOwnTokens) {
    NewToken("anna", gewerbe_, kRightRead);
    std::string bernds = NewToken("bernd", gewerbe_, kRightRead);
    std::string bernds_id = As(bernds).token->token_id;

    EXPECT_EQ(Must(repo_->tokens().List(anna_)).size(), 1u);
    EXPECT_EQ(Must(repo_->tokens().List(admin_)).size(), 2u);
    EXPECT_EQ(repo_->tokens().Revoke(anna_, bernds_id).code(), StatusCode::kNotFound);
}

// Login throttling

TEST_F(AccessControlTest, RepeatedWrongPasswordsThrottleTheAccountEvenForTheRightOne) {
    for (int i = 0; i < 5; ++i) {
        EXPECT_EQ(repo_->users().Authenticate("anna", "falsch", "10.0.0.1").status().code(),
                  StatusCode::kUnauthenticated);
    }

    auto throttled = repo_->users().Authenticate("anna", "passwort-anna", "10.0.0.2");
    EXPECT_EQ(throttled.status().reason(), "too-many-attempts");
    EXPECT_GT(repo_->users().RetryAfterMillis("anna", "10.0.0.2"), 0);
    // Another account from another address is not affected.
    EXPECT_TRUE(repo_->users().Authenticate("bernd", "passwort-bernd", "10.0.0.3").ok());

    clock_.Advance(2000);
    EXPECT_TRUE(repo_->users().Authenticate("anna", "passwort-anna", "10.0.0.2").ok());
}

TEST_F(AccessControlTest, OneAddressGuessingManyAccountsIsThrottled) {
    for (int i = 0; i < 20; ++i) {
        (void)repo_->users().Authenticate("name" + std::to_string(i), "falsch", "10.0.0.9");
    }
    EXPECT_EQ(repo_->users().Authenticate("bernd", "passwort-bernd", "10.0.0.9").status().reason(),
              "too-many-attempts");
    EXPECT_TRUE(repo_->users().Authenticate("bernd", "passwort-bernd", "10.0.0.8").ok());
}

TEST_F(AccessControlTest, AnInactiveUserCannotLogIn) {
    UserUpdate u;
    u.aktiv = false;
    AKTENWERK_ASSERT_OK(repo_->users().Update(admin_, "anna", u));

    EXPECT_EQ(repo_->users().Authenticate("anna", "passwort-anna").status().code(),
              StatusCode::kUnauthenticated);
    EXPECT_EQ(repo_->users().Lookup("anna").status().code(), StatusCode::kUnauthenticated);
}

TEST_F(AccessControlTest, FailedLoginsOfRealAccountsAreAuditedUntilThrottled) {
    for (int i = 0; i < 3; ++i) (void)repo_->users().Authenticate("anna", "falsch", "10.0.0.1");
    (void)repo_->users().Authenticate("niemand", "vielleicht-ein-passwort", "10.0.0.1");
    EXPECT_EQ(AuditOf("anmeldung-fehlgeschlagen").size(), 3u);

    for (int i = 0; i < 20; ++i) {
        clock_.Advance(20 * 60 * 1000);  // past every back-off, so that each is checked
        (void)repo_->users().Authenticate("anna", "falsch", "10.0.0.1");
    }
    // Still no entry for the unknown name; the flood stops at the throttle.
    auto failed = AuditOf("anmeldung-fehlgeschlagen");
    for (const auto& e : failed) EXPECT_EQ(e.akteur, "anna");
    EXPECT_EQ(failed.size(), 4u);
    EXPECT_EQ(AuditOf("anmeldung-gesperrt").size(), 1u);
}

TEST_F(AccessControlTest, RefusedAdministrationIsAudited) {
    EXPECT_FALSE(repo_->users().List(anna_).ok());
    EXPECT_FALSE(repo_->users().CreateGroup(anna_, "x", "").ok());
    EXPECT_FALSE(repo_->Audit(anna_, 0, 10).ok());
    EXPECT_EQ(repo_->users().Get(anna_, "bernd").status().code(), StatusCode::kNotFound);
    EXPECT_TRUE(repo_->users().Get(anna_, "anna").ok());

    std::vector<std::string> was;
    for (const auto& e : AuditOf("zugriff-verweigert")) was.push_back(e.nachher["was"]);
    EXPECT_EQ(was,
              (std::vector<std::string>{"benutzer-liste", "gruppenverwaltung", "audit-lesen"}));
}

// The visibility description must say exactly what the per-object check says, for every
// object of a tree with grants, a deny, a re-grant below it and levels.
class VisibilityTest : public AccessControlTest {
  protected:
    struct Where {
        std::vector<std::string> units;  // the units above the object
        size_t stufe = 0;
    };

    Where Locate(const Objekt& o) {
        Where w;
        for (const auto& step : Must(repo_->Path(admin_, o.id))) {
            if (step.kind == Kind::kAktenplaneinheit) w.units.push_back(step.id);
            if (step.kind == Kind::kAkte) {
                w.stufe = std::max(w.stufe, *ParseLevel(step.vertraulichkeit));
            }
        }
        return w;
    }

    static bool Matches(const Visibility& v, const Where& w) {
        if (v.alles) return true;
        auto below = [&](const std::string& unit) {
            return std::find(w.units.begin(), w.units.end(), unit) != w.units.end();
        };
        for (const auto& c : v.klauseln) {
            if (!below(c.einheit_id) || w.stufe > c.bis_stufe) continue;
            if (std::none_of(c.ausgenommen.begin(), c.ausgenommen.end(), below)) return true;
        }
        return false;
    }

    void ExpectAgreement(const Principal& p, const std::vector<Objekt>& objects) {
        auto v = Must(repo_->VisibilityFor(p));
        for (const auto& o : objects) {
            SCOPED_TRACE(o.aktenzeichen + " " + o.vertraulichkeit + " as " + p.name);
            EXPECT_EQ(Matches(v, Locate(o)), CanRead(p, o));
        }
    }
};

TEST_F(VisibilityTest, ClausesAgreeWithTheCheckOnEveryObject) {
    Objekt personal_sub = Unit("32.10.05.1", personal_.id);
    std::vector<Objekt> akten;
    for (const Objekt* unit : {&amt_, &sg_, &gewerbe_, &personal_, &personal_sub, &schule_}) {
        for (const char* stufe : {"offen", "VS-NfD", "vertraulich", "geheim"}) {
            akten.push_back(Akte(*unit, stufe));
        }
    }
    GrantRoles(amt_, "gruppe:amt32", {Role::kLeser}, "VS-NfD");
    GrantRoles(sg_, "benutzer:anna", {Role::kSachbearbeiter}, "vertraulich");
    Deny(personal_, "gruppe:amt32");
    Deny(personal_, "benutzer:anna");
    GrantRoles(personal_sub, "benutzer:anna", {Role::kLeser}, "geheim");
    GrantRoles(schule_, "benutzer:bernd", {Role::kLeser});
    SetGroups("anna", {"amt32"});
    SetGroups("bernd", {"amt32"});

    ExpectAgreement(anna_, akten);
    ExpectAgreement(bernd_, akten);
    ExpectAgreement(Principal{"carla", false}, akten);

    TokenInfo spec{"", "anna", "t", sg_.id, kRightRead, 60, 0, "", 0, 0};
    auto token = repo_->tokens().Create(admin_, spec);
    ASSERT_TRUE(token.ok());
    ExpectAgreement(repo_->tokens().Authenticate(token->second)->first, akten);
}

TEST_F(VisibilityTest, AnAdministratorSeesEverythingAndSomeoneWithoutGrantsNothing) {
    EXPECT_TRUE(Must(repo_->VisibilityFor(admin_)).alles);
    auto none = Must(repo_->VisibilityFor(anna_));
    EXPECT_FALSE(none.alles);
    EXPECT_TRUE(none.klauseln.empty());
}

}  // namespace
}  // namespace aktenwerk::dms
