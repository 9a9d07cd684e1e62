// Tests of holds (Sperren) on a real data directory: placement and release with their rules
// and audit entries, and every path that removes or transfers records or moves them out of a
// hold's scope (direct deletion, destruction and transfer, move) refused while a hold covers
// the object, an ancestor or anything below it.
#include "dms/holds.h"

#include <gtest/gtest.h>

#include "tests/support/records_fixture.h"

namespace aktenwerk::dms {
namespace {

using test_support::ExpectRefused;

class HoldsTest : public test_support::RecordsFixture {
  protected:
    void SetUp() override {
        RecordsFixture::SetUp();
        holds_ = std::make_unique<HoldService>(repo_.get());
        unit_ = Unit("32");
        sub_ = Unit("32.10", unit_.id);
        other_unit_ = Unit("33");
        akte_ = Akte(sub_.id);
        vorgang_ = Vorgang(akte_.id);
        dokument_ = Dokument(vorgang_.id);
    }

    Sperre Place(const std::string& objekt_id) {
        return Must(holds_->Place(
            admin_, objekt_id,
            {"Ermittlungsverfahren", "Staatsanwaltschaft Musterstadt", "123 Js 456/26"}));
    }

    Status Destroy(const std::string& id) {
        EntfernungsAuftrag auftrag;
        auftrag.objekt_id = id;
        auftrag.grund = "Aussonderung";
        return repo_->Destroy(admin_, auftrag).status();
    }

    std::unique_ptr<HoldService> holds_;
    Objekt unit_, sub_, other_unit_, akte_, vorgang_, dokument_;
};

TEST_F(HoldsTest, PlacedHoldIsActiveAndAuditedOnTheHeldObject) {
    const Sperre s = Place(akte_.id);

    EXPECT_TRUE(s.aktiv);
    EXPECT_EQ(s.objekt_bezeichnung, akte_.aktenzeichen);
    EXPECT_EQ(Must(holds_->Get(admin_, s.id)).anordnende_stelle, "Staatsanwaltschaft Musterstadt");
    EXPECT_EQ(Aktionen(akte_.id).back(), "sperre-gesetzt");
    EXPECT_EQ(Must(holds_->List(admin_, true, akte_.id, 100)).size(), 1u);
}

TEST_F(HoldsTest, HoldNeedsAnAuthorisedUserAReasonAndAnAuthority) {
    ExpectRefused(holds_->Place(user_, akte_.id, {"Prüfung", "Rechnungshof", ""}).status(),
                  StatusCode::kPermissionDenied);
    ExpectRefused(holds_->Place(admin_, akte_.id, {"", "Rechnungshof", ""}).status(),
                  StatusCode::kInvalidArgument);
    ExpectRefused(holds_->Place(admin_, akte_.id, {"Prüfung", "", ""}).status(),
                  StatusCode::kInvalidArgument);
    ExpectRefused(holds_->Place(admin_, "unbekannt", {"Prüfung", "Rechnungshof", ""}).status(),
                  StatusCode::kNotFound);
    EXPECT_TRUE(Must(holds_->List(admin_, false, std::nullopt, 100)).empty());
}

TEST_F(HoldsTest, ReleaseNeedsAnAuthorisedUserAndAReasonAndHappensOnce) {
    const Sperre s = Place(akte_.id);
    ExpectRefused(holds_->Release(user_, s.id, "erledigt").status(), StatusCode::kPermissionDenied);
    ExpectRefused(holds_->Release(admin_, s.id, "").status(), StatusCode::kInvalidArgument);

    const Sperre released = Must(holds_->Release(admin_, s.id, "Verfahren eingestellt"));

    EXPECT_FALSE(released.aktiv);
    EXPECT_EQ(released.aufgehoben_von, admin_.name);
    ExpectRefused(holds_->Release(admin_, s.id, "noch einmal").status(),
                  StatusCode::kFailedPrecondition, "not-active");
    auto aktionen = Aktionen(akte_.id);
    // The refusal is audited too, from the queue that writes refusals after the fact.
    auto refused = std::find(aktionen.begin(), aktionen.end(), "zugriff-verweigert");
    EXPECT_NE(refused, aktionen.end()) << "the clerk's refused release is in the audit trail";
    aktionen.erase(std::remove(aktionen.begin(), aktionen.end(), "zugriff-verweigert"),
                   aktionen.end());
    EXPECT_EQ(aktionen.back(), "sperre-aufgehoben");
    EXPECT_TRUE(Must(holds_->List(admin_, true, std::nullopt, 100)).empty());
    EXPECT_EQ(Must(holds_->List(admin_, false, std::nullopt, 100)).size(), 1u)
        << "released holds stay on record";
}

TEST_F(HoldsTest, WirksamListsHoldsOnAncestorsAndBelow) {
    const Sperre on_unit = Place(unit_.id);
    const Sperre on_doc = Place(dokument_.id);

    auto wirksam = Must(holds_->Wirksam(admin_, akte_.id));

    std::set<std::string> ids;
    for (const auto& s : wirksam) ids.insert(s.id);
    EXPECT_EQ(ids, (std::set<std::string>{on_unit.id, on_doc.id}));
    EXPECT_EQ(Must(holds_->Wirksam(admin_, other_unit_.id)).size(), 0u);
}

// Each path that removes records, tried against a hold on the object, on an ancestor and on
// something below it.
TEST_F(HoldsTest, DirectDeletionIsRefusedUnderAHoldOnTheObjectOrAnAncestor) {
    for (const std::string& held : {dokument_.id, vorgang_.id, akte_.id, unit_.id}) {
        SCOPED_TRACE("hold on " + held);
        const Sperre s = Place(held);
        ExpectRefused(repo_->Delete(admin_, dokument_.id, "Fehlablage").status(),
                      StatusCode::kFailedPrecondition, "held");
        Must(holds_->Release(admin_, s.id, "erledigt"));
    }
    EXPECT_TRUE(repo_->Get(admin_, dokument_.id).ok());
    EXPECT_TRUE(repo_->Delete(admin_, dokument_.id, "Fehlablage").ok()) << "no hold, no obstacle";
}

TEST_F(HoldsTest, DirectDeletionOfAnEmptyAkteIsRefusedUnderAHoldOnItsUnit) {
    const Objekt empty = Akte(sub_.id, "versehentlich angelegt");
    Place(sub_.id);

    ExpectRefused(repo_->Delete(admin_, empty.id, "Fehlanlage").status(),
                  StatusCode::kFailedPrecondition, "held");
    EXPECT_TRUE(repo_->Get(admin_, empty.id).ok());
}

TEST_F(HoldsTest, DestructionIsRefusedUnderAHoldOnTheObjectAnAncestorOrBelow) {
    Close(akte_.id, "2010-05-04");
    for (const std::string& held : {akte_.id, unit_.id, sub_.id, vorgang_.id, dokument_.id}) {
        SCOPED_TRACE("hold on " + held);
        const Sperre s = Place(held);
        ExpectRefused(Destroy(akte_.id), StatusCode::kFailedPrecondition, "held");
        Must(holds_->Release(admin_, s.id, "erledigt"));
    }
    EXPECT_TRUE(repo_->Get(admin_, dokument_.id).ok());
    EXPECT_EQ(BlobFiles().size(), 1u) << "nothing was removed";
    AKTENWERK_EXPECT_OK(Destroy(akte_.id));
}

TEST_F(HoldsTest, TransferDeletionIsRefusedUnderAHold) {
    Close(akte_.id, "2010-05-04");
    Place(dokument_.id);
    EntfernungsAuftrag auftrag;
    auftrag.objekt_id = akte_.id;
    auftrag.art = Entfernung::kAbgegeben;
    auftrag.grund = "0506 bestätigt";

    ExpectRefused(repo_->Destroy(admin_, auftrag).status(), StatusCode::kFailedPrecondition,
                  "held");
    EXPECT_TRUE(repo_->Get(admin_, akte_.id).ok());
}

TEST_F(HoldsTest, MoveOutOfTheScopeOfAHeldAncestorIsRefused) {
    Place(unit_.id);

    ExpectRefused(repo_->Move(admin_, akte_.id, other_unit_.id).status(),
                  StatusCode::kFailedPrecondition, "held");
    ExpectRefused(repo_->Move(admin_, sub_.id, dms::kRootId).status(),
                  StatusCode::kFailedPrecondition, "held");
    EXPECT_EQ(Must(repo_->Get(admin_, akte_.id)).parent_id, sub_.id);
}

TEST_F(HoldsTest, MoveWithinTheScopeOfAHoldIsAllowed) {
    Place(unit_.id);
    const Objekt sibling = Unit("32.20", unit_.id);

    EXPECT_TRUE(repo_->Move(admin_, akte_.id, sibling.id).ok());
}

TEST_F(HoldsTest, HeldObjectMovesTogetherWithItsHold) {
    const Sperre s = Place(akte_.id);

    EXPECT_TRUE(repo_->Move(admin_, akte_.id, other_unit_.id).ok());
    auto wirksam = Must(holds_->Wirksam(admin_, dokument_.id));
    ASSERT_EQ(wirksam.size(), 1u);
    EXPECT_EQ(wirksam[0].id, s.id);
}

TEST_F(HoldsTest, HoldDoesNotStopOrdinaryWork) {
    Place(akte_.id);

    EXPECT_FALSE(Dokument(vorgang_.id, "Nachtrag").id.empty());
    EXPECT_TRUE(repo_->Close(admin_, vorgang_.id, std::nullopt).ok());
}

}  // namespace
}  // namespace aktenwerk::dms
