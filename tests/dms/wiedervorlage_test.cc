// Tests of Wiedervorlagen on a real data directory: setting one with its rights and audit
// entry, the personal due list from the index by user and date, marking done, who sees a
// reminder, and the removal of reminders together with their object.
#include "dms/wiedervorlage.h"

#include <gtest/gtest.h>

#include "tests/support/records_fixture.h"

namespace aktenwerk::dms {
namespace {

using test_support::ExpectRefused;

CivilDate D(const std::string& text) {
    auto d = CivilDate::Parse(text);
    EXPECT_TRUE(d.has_value()) << text;
    return d.value_or(CivilDate{});
}

class WiedervorlageTest : public test_support::RecordsFixture {
  protected:
    void SetUp() override {
        RecordsFixture::SetUp();
        service_ = std::make_unique<WiedervorlageService>(repo_.get());
        AKTENWERK_ASSERT_OK(
            repo_->users().Create(admin_, leser_.name, "ein-langes-passwort", false));
        AKTENWERK_ASSERT_OK(
            repo_->users().Create(admin_, fremd_.name, "ein-langes-passwort", false));
        unit_ = Unit("32");
        Grant(unit_, leser_, Role::kLeser);
        akte_ = Akte(unit_.id);
        vorgang_ = Vorgang(akte_.id);
        dokument_ = Dokument(vorgang_.id);
    }

    Wiedervorlage Set(const Principal& p, const std::string& objekt_id, const std::string& datum,
                      const std::string& fuer = {}) {
        return Must(service_->Set(p, objekt_id, {D(datum), fuer, "Antwort prüfen"}));
    }

    std::vector<std::string> FaelligeDaten(const Principal& p, const std::string& bis) {
        std::vector<std::string> out;
        for (const auto& w : Must(service_->Faellig(p, D(bis), 100))) {
            out.push_back(w.datum.ToString());
        }
        return out;
    }

    std::unique_ptr<WiedervorlageService> service_;
    const Principal leser_{"l.leser", false};
    const Principal fremd_{"f.fremd", false};  // no grant anywhere
    Objekt unit_, akte_, vorgang_, dokument_;
};

TEST_F(WiedervorlageTest, ReaderSetsOneForHimselfAndItIsAuditedOnTheObject) {
    const Wiedervorlage w = Set(leser_, akte_.id, "2026-04-01");

    EXPECT_EQ(w.fuer, leser_.name);
    EXPECT_EQ(w.erstellt_von, leser_.name);
    EXPECT_EQ(w.objekt_bezeichnung, akte_.aktenzeichen);
    EXPECT_FALSE(w.erledigt);
    EXPECT_EQ(Must(service_->Get(leser_, w.id)).notiz, "Antwort prüfen");
    EXPECT_EQ(Aktionen(akte_.id).back(), "wiedervorlage-gesetzt");
    EXPECT_EQ(Keys(keys::FaelligPrefix(leser_.name)),
              std::vector<std::string>{keys::Faellig(leser_.name, "2026-04-01", w.id)});
}

TEST_F(WiedervorlageTest, DueListIsMineUpToTheDateInDateOrder) {
    Set(user_, akte_.id, "2026-03-01");
    Set(user_, dokument_.id, "2026-01-15");
    Set(user_, vorgang_.id, "2026-06-01");
    Set(leser_, akte_.id, "2026-02-01");

    EXPECT_EQ(FaelligeDaten(user_, "2026-03-01"),
              (std::vector<std::string>{"2026-01-15", "2026-03-01"}));
    EXPECT_EQ(FaelligeDaten(user_, "2026-02-28"), std::vector<std::string>{"2026-01-15"});
    EXPECT_EQ(FaelligeDaten(user_, "2025-12-31"), std::vector<std::string>{});
    EXPECT_EQ(FaelligeDaten(leser_, "2030-01-01"), std::vector<std::string>{"2026-02-01"});
    EXPECT_EQ(Must(service_->Faellig(user_, D("2030-01-01"), 2)).size(), 2u);
}

TEST_F(WiedervorlageTest, DoneReminderLeavesTheDueListButStaysOnTheObject) {
    const Wiedervorlage w = Set(user_, akte_.id, "2026-03-01");

    const Wiedervorlage done = Must(service_->Erledigen(user_, w.id));

    EXPECT_TRUE(done.erledigt);
    EXPECT_EQ(done.erledigt_von, user_.name);
    EXPECT_TRUE(FaelligeDaten(user_, "2030-01-01").empty());
    EXPECT_TRUE(Keys(keys::FaelligPrefix(user_.name)).empty());
    auto on_akte = Must(service_->ForObjekt(user_, akte_.id));
    ASSERT_EQ(on_akte.size(), 1u);
    EXPECT_TRUE(on_akte[0].erledigt);
    EXPECT_EQ(Aktionen(akte_.id).back(), "wiedervorlage-erledigt");
    ExpectRefused(service_->Erledigen(user_, w.id).status(), StatusCode::kFailedPrecondition,
                  "already-done");
}

TEST_F(WiedervorlageTest, RemovedReminderLeavesNoKeyAndIsAudited) {
    const Wiedervorlage w = Set(user_, akte_.id, "2026-03-01");

    AKTENWERK_EXPECT_OK(service_->Remove(user_, w.id));

    EXPECT_TRUE(KeysMentioning(w.id).empty());
    EXPECT_TRUE(Must(service_->ForObjekt(user_, akte_.id)).empty());
    EXPECT_EQ(Aktionen(akte_.id).back(), "wiedervorlage-entfernt");
    ExpectRefused(service_->Get(user_, w.id).status(), StatusCode::kNotFound);
}

TEST_F(WiedervorlageTest, ReminderForSomeoneElseNeedsTheWriteRightAndAReader) {
    ExpectRefused(service_->Set(leser_, akte_.id, {D("2026-04-01"), user_.name, ""}).status(),
                  StatusCode::kPermissionDenied);
    ExpectRefused(service_->Set(user_, akte_.id, {D("2026-04-01"), "niemand", ""}).status(),
                  StatusCode::kInvalidArgument);
    ExpectRefused(service_->Set(user_, akte_.id, {D("2026-04-01"), fremd_.name, ""}).status(),
                  StatusCode::kInvalidArgument);

    const Wiedervorlage w = Set(user_, akte_.id, "2026-04-01", leser_.name);

    EXPECT_EQ(w.fuer, leser_.name);
    EXPECT_EQ(w.erstellt_von, user_.name);
    EXPECT_EQ(FaelligeDaten(leser_, "2026-04-01"), std::vector<std::string>{"2026-04-01"});
    EXPECT_TRUE(FaelligeDaten(user_, "2026-04-01").empty());
    // Both the recipient and the creator see it on the object.
    EXPECT_EQ(Must(service_->ForObjekt(user_, akte_.id)).size(), 1u);
    EXPECT_EQ(Must(service_->ForObjekt(leser_, akte_.id)).size(), 1u);
}

TEST_F(WiedervorlageTest, OthersNeitherSeeNorChangeSomeonesReminder) {
    const Wiedervorlage w = Set(user_, akte_.id, "2026-03-01");

    EXPECT_TRUE(Must(service_->ForObjekt(leser_, akte_.id)).empty());
    ExpectRefused(service_->Get(leser_, w.id).status(), StatusCode::kNotFound);
    ExpectRefused(service_->Erledigen(leser_, w.id).status(), StatusCode::kNotFound);
    ExpectRefused(service_->Remove(leser_, w.id), StatusCode::kNotFound);
    EXPECT_EQ(Must(service_->ForObjekt(admin_, akte_.id)).size(), 1u);
    // The object's history shows people's reminders only to those who administer it.
    auto user_history = Must(repo_->History(user_, akte_.id, 0, 100));
    EXPECT_EQ(user_history.back().aktion, "angelegt");
    EXPECT_EQ(Aktionen(akte_.id).back(), "wiedervorlage-gesetzt");
}

TEST_F(WiedervorlageTest, ObjectTheCallerMayNotReadIsNotFound) {
    ExpectRefused(service_->Set(fremd_, akte_.id, {D("2026-04-01"), "", ""}).status(),
                  StatusCode::kNotFound);
    ExpectRefused(service_->ForObjekt(fremd_, akte_.id).status(), StatusCode::kNotFound);
    ExpectRefused(service_->Set(user_, "unbekannt", {D("2026-04-01"), "", ""}).status(),
                  StatusCode::kNotFound);
}

TEST_F(WiedervorlageTest, ReminderLeavesTheDueListWhenTheReadRightGoes) {
    Set(leser_, akte_.id, "2026-03-01");

    dms::Grant none;
    none.einheit_id = unit_.id;
    none.subjekt = "benutzer:" + leser_.name;
    AKTENWERK_ASSERT_OK(repo_->access().SetGrant(admin_, none));

    EXPECT_TRUE(FaelligeDaten(leser_, "2030-01-01").empty());
}

TEST_F(WiedervorlageTest, DueReminderOnAConfidentialAkteIsAnAuditedRead) {
    const Objekt geheim =
        Must(repo_->Create(admin_, Kind::kAkte, unit_.id,
                           {{"betreff", "Personalsache"}, {"vertraulichkeit", "vertraulich"}}));
    Set(admin_, geheim.id, "2026-03-01");
    // Reads of its metadata ("metadaten"); the history's own reads are "historie".
    auto metadata_reads = [&] {
        size_t n = 0;
        for (const auto& e : Must(repo_->History(admin_, geheim.id, 0, 1000))) {
            if (e.aktion == "vertraulich-gelesen" && e.nachher.value("was", "") == "metadaten") ++n;
        }
        return n;
    };
    const size_t before = metadata_reads();

    EXPECT_EQ(FaelligeDaten(admin_, "2026-03-01"), std::vector<std::string>{"2026-03-01"});

    EXPECT_EQ(metadata_reads(), before + 1);
}

TEST_F(WiedervorlageTest, UnitsAndBadNotesAreRefused) {
    ExpectRefused(service_->Set(admin_, unit_.id, {D("2026-04-01"), "", ""}).status(),
                  StatusCode::kInvalidArgument);
    ExpectRefused(service_->Set(user_, akte_.id, {D("2026-04-01"), "", "a\x01z"}).status(),
                  StatusCode::kInvalidArgument);
    ExpectRefused(
        service_->Set(user_, akte_.id, {D("2026-04-01"), "", std::string(2001, 'x')}).status(),
        StatusCode::kInvalidArgument);
    ExpectRefused(service_->Set(user_, akte_.id, {CivilDate{2026, 2, 30}, "", ""}).status(),
                  StatusCode::kInvalidArgument);
    EXPECT_TRUE(Keys("wv").empty());
}

TEST_F(WiedervorlageTest, ClosedAkteStillTakesReminders) {
    Close(akte_.id, "2025-12-31");

    const Wiedervorlage w = Set(user_, akte_.id, "2026-04-01");

    EXPECT_EQ(Must(service_->Get(user_, w.id)).objekt_id, akte_.id);
}

TEST_F(WiedervorlageTest, DeletedDokumentTakesItsRemindersAlong) {
    const Wiedervorlage w = Set(user_, dokument_.id, "2026-03-01");
    Set(user_, akte_.id, "2026-03-02");

    Must(repo_->Delete(admin_, dokument_.id, "falsch abgelegt"));

    EXPECT_TRUE(KeysMentioning(w.id).empty());
    EXPECT_TRUE(Keys(keys::ObjektWiedervorlagePrefix(dokument_.id)).empty());
    EXPECT_EQ(FaelligeDaten(user_, "2030-01-01"), std::vector<std::string>{"2026-03-02"});
    auto history = Must(repo_->History(admin_, dokument_.id, 0, 100));
    ASSERT_FALSE(history.empty());
    EXPECT_EQ(history.back().aktion, "geloescht");
    EXPECT_EQ(history.back().nachher.value("wiedervorlagen_entfernt", 0), 1);
}

TEST_F(WiedervorlageTest, DestroyedAkteTakesTheRemindersOfItsWholeSubtreeAlong) {
    Set(user_, akte_.id, "2026-03-01");
    Set(user_, vorgang_.id, "2026-03-02");
    Set(leser_, dokument_.id, "2026-03-03");
    Close(akte_.id, "2025-12-31");

    EntfernungsAuftrag auftrag;
    auftrag.objekt_id = akte_.id;
    auftrag.grund = "Aussonderung";
    Must(repo_->Destroy(admin_, auftrag));

    EXPECT_TRUE(Keys("wv/").empty());
    EXPECT_TRUE(Keys("wvo/").empty());
    EXPECT_TRUE(Keys("wvf/").empty());
    EXPECT_TRUE(FaelligeDaten(user_, "2030-01-01").empty());
    EXPECT_TRUE(FaelligeDaten(leser_, "2030-01-01").empty());
}

}  // namespace
}  // namespace aktenwerk::dms
