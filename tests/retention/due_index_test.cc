// Tests of rules and the due-date index on a real data directory with a manual clock: a
// Vorgang by its own zdA, an Akte by the latest zdA within it, reopening clears, rules are
// inherited and overridden with a reason, every change (rule, move, destruction) moves the due
// dates in the same transaction, and "due on D under this unit" is answered from the index.
#include "retention/due_index.h"

#include <gtest/gtest.h>

#include "dms/holds.h"
#include "dms/objekt_io.h"
#include "retention/keys.h"
#include "retention/retention.h"
#include "tests/support/records_fixture.h"

namespace aktenwerk::retention {
namespace {

using dms::CivilDate;
using dms::Objekt;
using test_support::ExpectRefused;

class DueIndexTest : public test_support::RecordsFixture {
  protected:
    void SetUp() override {
        RecordsFixture::SetUp();
        OpenRetention();
        unit_ = Unit("32");
        sub_ = Unit("32.10", unit_.id);
        other_ = Unit("33");
        SetRule(unit_.id, 10, Aussonderungsart::kV);
    }
    void TearDown() override { retention_.reset(); }

    void OpenRetention() {
        AussonderungOptions options;
        options.arbeitsverzeichnis = dir_.Sub("aus");
        auto r = Retention::Open(repo_.get(), options);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        retention_ = std::move(r).value();
    }

    void SetRule(const std::string& id, std::optional<uint16_t> jahre, Aussonderungsart art,
                 const std::string& grund = "") {
        Must(retention_->regeln().SetRegel(admin_, id, Regel{{jahre}, art}, grund));
    }

    std::optional<Faelligkeit> Entry(const std::string& id) {
        return Must(LookupFaelligkeit(dms::StoreView(repo_->metadata()), id));
    }
    std::optional<CivilDate> Due(const std::string& id) {
        auto f = Entry(id);
        return f ? f->faellig_ab : std::nullopt;
    }

    std::set<std::string> DueIds(std::string_view einheit, CivilDate stichtag) {
        std::set<std::string> ids;
        for (const auto& f : Must(retention_->regeln().Faellige(admin_, einheit, stichtag, 0))) {
            ids.insert(f.objekt_id);
        }
        return ids;
    }

    std::unique_ptr<Retention> retention_;
    Objekt unit_, sub_, other_;
};

TEST_F(DueIndexTest, VorgangIsDueByItsOwnZdaAndAkteByTheLatestWithinIt) {
    const Objekt akte = Akte(sub_.id);
    const Objekt early = Vorgang(akte.id, "früh");
    const Objekt late = Vorgang(akte.id, "spät");
    Close(early.id, "2012-05-05");
    Close(late.id, "2016-11-30");
    EXPECT_EQ(Due(early.id), (CivilDate{2023, 1, 1}));
    EXPECT_EQ(Due(akte.id), std::nullopt) << "an open Akte has no due date";

    // The Akte's own zdA is entered earlier than its last Vorgang's: the latest counts.
    Close(akte.id, "2015-03-01");

    auto f = Entry(akte.id);
    ASSERT_TRUE(f.has_value());
    EXPECT_EQ(f->zda, (CivilDate{2015, 3, 1}));
    EXPECT_EQ(f->massgeblich, (CivilDate{2016, 11, 30}));
    EXPECT_EQ(f->faellig_ab, (CivilDate{2027, 1, 1}));
    EXPECT_EQ(f->einheit_id, sub_.id);
    EXPECT_EQ(f->regel->quelle_id, unit_.id) << "inherited from the parent unit";
}

TEST_F(DueIndexTest, ReopeningClearsTheDueDate) {
    const Objekt akte = Akte(sub_.id);
    Close(akte.id, "2014-06-01");
    ASSERT_EQ(Due(akte.id), (CivilDate{2025, 1, 1}));

    Must(repo_->Reopen(admin_, akte.id));

    EXPECT_FALSE(Entry(akte.id).has_value());
    EXPECT_TRUE(DueIds(dms::kRootId, {2026, 3, 15}).empty());
}

TEST_F(DueIndexTest, UnlimitedAndRulelessObjectsAreNeverDue) {
    SetRule(sub_.id, std::nullopt, Aussonderungsart::kA);
    const Objekt forever = Akte(sub_.id);
    const Objekt norule = Akte(other_.id);
    Close(forever.id, "2001-01-01");
    Close(norule.id, "2001-01-01");

    EXPECT_EQ(Entry(forever.id)->stand, Stand::kUnbefristet);
    EXPECT_EQ(Entry(norule.id)->stand, Stand::kOhneRegel);
    EXPECT_TRUE(DueIds(dms::kRootId, {2026, 3, 15}).empty());

    SetRule(other_.id, 5, Aussonderungsart::kV);
    EXPECT_EQ(Due(norule.id), (CivilDate{2007, 1, 1})) << "a new rule makes it due";
}

TEST_F(DueIndexTest, AkteOverridesItsRuleOnlyWithAReason) {
    const Objekt akte = Akte(sub_.id);
    Close(akte.id, "2014-06-01");
    ExpectRefused(
        retention_->regeln()
            .SetRegel(admin_, akte.id, {Aufbewahrungsfrist::Jahre(30), Aussonderungsart::kA}, "")
            .status(),
        StatusCode::kInvalidArgument);
    EXPECT_EQ(Due(akte.id), (CivilDate{2025, 1, 1}));

    SetRule(akte.id, 30, Aussonderungsart::kA, "Grundsatzentscheidung des Stadtrats");

    EXPECT_EQ(Due(akte.id), (CivilDate{2045, 1, 1}));
    EXPECT_TRUE(Entry(akte.id)->regel->ueberschrieben);
    EXPECT_EQ(Aktionen(akte.id).back(), "aufbewahrung-festgelegt");

    Must(retention_->regeln().ClearRegel(admin_, akte.id, "Entscheidung aufgehoben"));
    EXPECT_EQ(Due(akte.id), (CivilDate{2025, 1, 1})) << "inherited again";
    EXPECT_EQ(Aktionen(akte.id).back(), "aufbewahrung-aufgehoben");
}

TEST_F(DueIndexTest, RuleChangeOnAUnitRecomputesEveryDueDateBelowIt) {
    const Objekt a = Akte(sub_.id);
    const Objekt b = Akte(unit_.id);
    Close(a.id, "2014-06-01");
    Close(b.id, "2018-02-02");

    SetRule(unit_.id, 3, Aussonderungsart::kV);

    EXPECT_EQ(Due(a.id), (CivilDate{2018, 1, 1}));
    EXPECT_EQ(Due(b.id), (CivilDate{2022, 1, 1}));
    EXPECT_EQ(Aktionen(unit_.id).back(), "aufbewahrung-festgelegt");
}

TEST_F(DueIndexTest, RulesSitOnlyOnUnitsAndAkten) {
    const Objekt akte = Akte(sub_.id);
    const Objekt vorgang = Vorgang(akte.id);
    ExpectRefused(retention_->regeln()
                      .SetRegel(admin_, vorgang.id,
                                {Aufbewahrungsfrist::Jahre(5), Aussonderungsart::kV}, "weil")
                      .status(),
                  StatusCode::kInvalidArgument, "wrong-kind");
    ExpectRefused(
        retention_->regeln()
            .SetRegel(user_, unit_.id, {Aufbewahrungsfrist::Jahre(5), Aussonderungsart::kV}, "")
            .status(),
        StatusCode::kPermissionDenied);
}

TEST_F(DueIndexTest, MovedAkteTakesTheRuleAndIndexOfItsNewPlace) {
    SetRule(other_.id, 30, Aussonderungsart::kA);
    const Objekt akte = Akte(sub_.id);
    const Objekt vorgang = Vorgang(akte.id);
    Close(vorgang.id, "2012-01-01");
    Close(akte.id, "2013-01-01");

    Must(repo_->Move(admin_, akte.id, other_.id));

    EXPECT_EQ(Due(akte.id), (CivilDate{2044, 1, 1}));
    EXPECT_EQ(Due(vorgang.id), (CivilDate{2043, 1, 1}));
    EXPECT_EQ(Entry(akte.id)->einheit_id, other_.id);
    EXPECT_TRUE(DueIds(unit_.id, {2026, 3, 15}).empty());
}

TEST_F(DueIndexTest, MovedUnitInheritsFromItsNewParent) {
    SetRule(other_.id, 1, Aussonderungsart::kV);
    const Objekt akte = Akte(sub_.id);
    Close(akte.id, "2014-06-01");

    Must(repo_->Move(admin_, sub_.id, other_.id));

    EXPECT_EQ(Due(akte.id), (CivilDate{2016, 1, 1}));
}

TEST_F(DueIndexTest, TeilakteWithALongerRuleKeepsItsAkteFromBeingDue) {
    const Objekt akte = Akte(sub_.id);
    const Objekt teil = Akte(akte.id, "Teilakte Gutachten");
    SetRule(teil.id, 50, Aussonderungsart::kA, "Gutachten von bleibendem Wert");
    Close(teil.id, "2010-01-01");
    Close(akte.id, "2010-06-01");

    EXPECT_EQ(Due(akte.id), (CivilDate{2061, 1, 1}));
    EXPECT_TRUE(DueIds(dms::kRootId, {2026, 3, 15}).empty());
}

TEST_F(DueIndexTest, DueOnAnswersPerSubtreeAndCutOffDate) {
    SetRule(other_.id, 10, Aussonderungsart::kV);
    const Objekt in_sub = Akte(sub_.id);
    const Objekt in_other = Akte(other_.id);
    const Objekt later = Akte(sub_.id);
    Close(in_sub.id, "2010-04-01");
    Close(in_other.id, "2011-04-01");
    Close(later.id, "2016-04-01");

    EXPECT_EQ(DueIds(unit_.id, {2026, 3, 15}), (std::set<std::string>{in_sub.id}));
    EXPECT_EQ(DueIds(other_.id, {2026, 3, 15}), (std::set<std::string>{in_other.id}));
    EXPECT_EQ(DueIds(dms::kRootId, {2026, 3, 15}), (std::set<std::string>{in_sub.id, in_other.id}));
    EXPECT_EQ(DueIds(dms::kRootId, {2020, 12, 31}), (std::set<std::string>{}));
    EXPECT_EQ(DueIds(dms::kRootId, {2021, 1, 1}), (std::set<std::string>{in_sub.id}));
    EXPECT_EQ(DueIds(sub_.id, {2027, 1, 1}), (std::set<std::string>{in_sub.id, later.id}));
}

TEST_F(DueIndexTest, HoldDoesNotMoveTheDueDate) {
    const Objekt akte = Akte(sub_.id);
    Close(akte.id, "2014-06-01");
    Must(retention_->sperren().Place(admin_, akte.id, {"Prüfung", "Rechnungshof", ""}));

    EXPECT_EQ(Due(akte.id), (CivilDate{2025, 1, 1}));
}

TEST_F(DueIndexTest, DestroyedObjectLeavesNoEntryAndItsRuleGoes) {
    const Objekt akte = Akte(sub_.id);
    SetRule(akte.id, 2, Aussonderungsart::kV, "kurz");
    Close(akte.id, "2014-06-01");
    dms::EntfernungsAuftrag auftrag;
    auftrag.objekt_id = akte.id;

    Must(repo_->Destroy(admin_, auftrag));

    EXPECT_TRUE(Keys("t/faellig").empty());
    EXPECT_TRUE(Keys(keys::Regel(akte.id)).empty());
}

TEST_F(DueIndexTest, IndexOfADataDirectoryWithoutOneIsBuiltOnOpen) {
    const Objekt akte = Akte(sub_.id);
    retention_.reset();  // changes without the hook, as by an older binary
    Close(akte.id, "2014-06-01");
    AKTENWERK_ASSERT_OK(repo_->metadata().Commit([](storage::Txn& txn) {
        txn.Delete(std::string(keys::kIndexStand));
        return Status::Ok();
    }));
    EXPECT_FALSE(Entry(akte.id).has_value());

    OpenRetention();

    EXPECT_EQ(Due(akte.id), (CivilDate{2025, 1, 1}));
}

}  // namespace
}  // namespace aktenwerk::retention
