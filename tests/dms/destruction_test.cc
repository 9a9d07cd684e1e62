// Tests of removing records on a real data directory: the direct deletion under the records
// rules, and the destruction and transfer core of the Aussonderung (every version, blob
// reference, blob file unless shared, index marker and audit entry; stubs kept), the
// lifecycle hook that higher layers hang their derived state on, and the retroactive zdA.
#include "dms/destruction.h"

#include <gtest/gtest.h>

#include "dms/holds.h"
#include "tests/support/records_fixture.h"

namespace aktenwerk::dms {
namespace {

using nlohmann::json;
using test_support::ExpectRefused;

// Records every call and vetoes the events it is told to.
class RecordingHook final : public LifecycleHook {
  public:
    Status OnLifecycleChange(storage::Txn&, LifecycleEvent event, const Objekt& before,
                             const Objekt& after) override {
        calls.push_back({event, before.id});
        if (veto && *veto == event) return FailedPreconditionError("vetoed", "vetoed");
        last_after = after;
        return Status::Ok();
    }
    std::vector<std::pair<LifecycleEvent, std::string>> calls;
    std::optional<LifecycleEvent> veto;
    Objekt last_after;
};

class DestructionTest : public test_support::RecordsFixture {
  protected:
    void SetUp() override {
        RecordsFixture::SetUp();
        unit_ = Unit("32.10");
        akte_ = Akte(unit_.id);
        vorgang_ = Vorgang(akte_.id);
        dokument_ = Dokument(vorgang_.id, "Inhalt eins");
        AddVersion(dokument_.id, "Inhalt zwei");
    }

    Result<EntfernungsBericht> Destroy(const std::string& id,
                                       Entfernung art = Entfernung::kVernichtet) {
        EntfernungsAuftrag auftrag;
        auftrag.objekt_id = id;
        auftrag.art = art;
        auftrag.grund = "Aussonderung 2026";
        auftrag.stub_info = {{"regel", "10 Jahre, V"}};
        return repo_->Destroy(admin_, auftrag);
    }

    Objekt unit_, akte_, vorgang_, dokument_;
};

// Direct deletion

TEST_F(DestructionTest, DokumentInAnOpenVorgangIsDeletedWithEveryVersionAndBlob) {
    auto bericht = Must(repo_->Delete(user_, dokument_.id, "Fehlablage: gehört zu 32.20"));

    ASSERT_EQ(bericht.objekte.size(), 1u);
    EXPECT_EQ(bericht.objekte[0].versionen.size(), 2u);
    ExpectRefused(repo_->Get(user_, dokument_.id).status(), StatusCode::kNotFound);
    EXPECT_TRUE(BlobFiles().empty());
    EXPECT_TRUE(Keys(keys::VersionPrefix(dokument_.id)).empty());
    EXPECT_TRUE(Keys(std::string(keys::kBlobRefPrefix)).empty());
    EXPECT_TRUE(KeysMentioning(dokument_.id).empty());
    EXPECT_EQ(Outbox().back(), std::make_pair(dokument_.id, std::string("vernichtet")));
    EXPECT_EQ(Aktionen(dokument_.id).back(), "geloescht") << "the audit trail outlives the record";
}

TEST_F(DestructionTest, DeletionNeedsAReason) {
    ExpectRefused(repo_->Delete(user_, dokument_.id, "").status(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(repo_->Get(user_, dokument_.id).ok());
}

TEST_F(DestructionTest, NothingInOrBelowAClosedAkteIsDeletedDirectly) {
    Close(akte_.id, "2012-06-30");

    ExpectRefused(repo_->Delete(admin_, dokument_.id, "Fehlablage").status(),
                  StatusCode::kFailedPrecondition, "closed");
    ExpectRefused(repo_->Delete(admin_, akte_.id, "alt").status(), StatusCode::kFailedPrecondition,
                  "closed");
    EXPECT_EQ(BlobFiles().size(), 2u);
}

TEST_F(DestructionTest, AkteOrVorgangWithContentIsNotDeletedDirectly) {
    ExpectRefused(repo_->Delete(admin_, vorgang_.id, "weg damit").status(),
                  StatusCode::kFailedPrecondition, "not-empty");
    ExpectRefused(repo_->Delete(admin_, akte_.id, "weg damit").status(),
                  StatusCode::kFailedPrecondition, "not-empty");
}

TEST_F(DestructionTest, EmptyAkteOpenedByMistakeIsDeletedAndLeavesAStub) {
    const Objekt mistake = Akte(unit_.id, "doppelt angelegt");

    Must(repo_->Delete(user_, mistake.id, "Doppelanlage"));

    const Status gone = repo_->Get(user_, mistake.id).status();
    ExpectRefused(gone, StatusCode::kNotFound, "ausgesondert");
    const Stub stub = Must(repo_->GetStub(user_, mistake.id));
    EXPECT_EQ(stub.aktenzeichen, mistake.aktenzeichen);
    EXPECT_EQ(stub.art, Entfernung::kGeloescht);
    EXPECT_EQ(stub.grund, "Doppelanlage");
    EXPECT_EQ(Must(repo_->Stubs(user_, unit_.id, 10)).size(), 1u);
    // The Aktenzeichen is not given out again.
    const Objekt next = Akte(unit_.id, "neue Akte");
    EXPECT_NE(next.aktenzeichen, mistake.aktenzeichen);
}

TEST_F(DestructionTest, OnlyAnEmptyUnitIsDeletedAndOnlyByTheRegistratur) {
    const Objekt empty = Unit("99");
    ExpectRefused(repo_->Delete(user_, empty.id, "falsch angelegt").status(),
                  StatusCode::kPermissionDenied);
    ExpectRefused(repo_->Delete(admin_, unit_.id, "umstrukturiert").status(),
                  StatusCode::kFailedPrecondition, "not-empty");

    Must(repo_->Delete(admin_, empty.id, "falsch angelegt"));

    EXPECT_EQ(Unit("99").kennzeichen, "99") << "the Kennzeichen is free again";
}

TEST_F(DestructionTest, UnitWithStubsOfRemovedAktenIsNotDeleted) {
    const Objekt unit = Unit("98");
    const Objekt akte = Akte(unit.id);
    Close(akte.id, "2010-01-01");
    Must(Destroy(akte.id));

    ExpectRefused(repo_->Delete(admin_, unit.id, "leer").status(), StatusCode::kFailedPrecondition,
                  "not-empty");
}

// Destruction and transfer

TEST_F(DestructionTest, DestroyedAkteLeavesOnlyStubsAuditAndOutboxEntries) {
    const Objekt anlage = Dokument(dokument_.id, "Anlage", "anlage.txt");
    Close(akte_.id, "2012-06-30");

    auto bericht = Must(Destroy(akte_.id));

    ASSERT_EQ(bericht.objekte.size(), 4u);
    EXPECT_EQ(bericht.objekte[0].id, akte_.id) << "parents come first";
    EXPECT_TRUE(BlobFiles().empty());
    for (const auto& id : {akte_.id, vorgang_.id, dokument_.id, anlage.id}) {
        SCOPED_TRACE(id);
        // Akten and Vorgänge say they were removed (their stub); Dokumente are simply gone.
        const bool container = id == akte_.id || id == vorgang_.id;
        ExpectRefused(repo_->Get(admin_, id).status(), StatusCode::kNotFound,
                      container ? "ausgesondert" : "");
        EXPECT_TRUE(KeysMentioning(id, {"x/", "xc/", "z/"}).empty());
        EXPECT_EQ(Aktionen(id).back(), "vernichtet");
    }
    std::set<std::string> vernichtet;
    for (const auto& [id, aktion] : Outbox()) {
        if (aktion == "vernichtet") vernichtet.insert(id);
    }
    EXPECT_EQ(vernichtet, (std::set<std::string>{akte_.id, vorgang_.id, dokument_.id, anlage.id}));
    const Stub stub = Must(repo_->GetStub(admin_, akte_.id));
    EXPECT_EQ(stub.zda, CivilDate::Parse("2012-06-30"));
    EXPECT_EQ(stub.info["regel"], "10 Jahre, V");
    EXPECT_TRUE(repo_->GetStub(admin_, vorgang_.id).ok());
    ExpectRefused(repo_->GetStub(admin_, dokument_.id).status(), StatusCode::kNotFound);
    ExpectRefused(repo_->FindByAktenzeichen(admin_, akte_.aktenzeichen).status(),
                  StatusCode::kNotFound, "ausgesondert");
    EXPECT_TRUE(Must(repo_->Children(admin_, unit_.id, std::nullopt, "", 10)).items.empty());
}

TEST_F(DestructionTest, BlobSharedWithARecordOutsideIsKept) {
    const Objekt other = Akte(unit_.id, "andere Akte");
    const Objekt copy = Dokument(other.id, "Inhalt eins");
    Close(akte_.id, "2012-06-30");

    auto bericht = Must(Destroy(akte_.id));

    const auto& versionen = bericht.objekte.back().versionen;
    ASSERT_EQ(versionen.size(), 2u);
    EXPECT_FALSE(versionen[0].blob_entfernt) << "version 1 shares its content";
    EXPECT_TRUE(versionen[1].blob_entfernt);
    EXPECT_EQ(BlobFiles(), (std::set<std::string>{versionen[0].sha256}));
    EXPECT_TRUE(repo_->OpenContent(admin_, copy.id, 0).ok());
}

TEST_F(DestructionTest, DestructionIsForArchivistsOnly) {
    Close(akte_.id, "2012-06-30");
    EntfernungsAuftrag auftrag;
    auftrag.objekt_id = akte_.id;

    ExpectRefused(repo_->Destroy(user_, auftrag).status(), StatusCode::kPermissionDenied);
    EXPECT_TRUE(repo_->Get(admin_, akte_.id).ok());
}

TEST_F(DestructionTest, CallersCheckCanStopTheWholeRemoval) {
    Close(akte_.id, "2012-06-30");
    EntfernungsAuftrag auftrag;
    auftrag.objekt_id = akte_.id;
    auftrag.pruefen = [](storage::Txn&, const Objekt&) {
        return FailedPreconditionError("process is not approved", "not-approved");
    };

    ExpectRefused(repo_->Destroy(admin_, auftrag).status(), StatusCode::kFailedPrecondition,
                  "not-approved");
    EXPECT_TRUE(repo_->Get(admin_, dokument_.id).ok());
    EXPECT_EQ(BlobFiles().size(), 2u);
}

TEST_F(DestructionTest, CallersProtocolIsWrittenInTheSameTransaction) {
    Close(akte_.id, "2012-06-30");
    EntfernungsAuftrag auftrag;
    auftrag.objekt_id = akte_.id;
    auftrag.protokollieren = [](storage::Txn& txn, const EntfernungsBericht& b) {
        txn.Put("t/test-protokoll", storage::EncodeValue(ToJson(b)));
        return Status::Ok();
    };

    Must(repo_->Destroy(admin_, auftrag));

    auto raw = Must(repo_->metadata().Get("t/test-protokoll"));
    ASSERT_TRUE(raw.has_value());
    EXPECT_EQ(Must(storage::DecodeValue(*raw))["objekte"].size(), 3u);
}

// The lifecycle hook

TEST_F(DestructionTest, HookSeesEveryLifecycleChange) {
    RecordingHook hook;
    repo_->SetLifecycleHook(&hook);
    const Objekt other = Unit("33");

    Must(repo_->Close(admin_, vorgang_.id, std::nullopt));
    Must(repo_->Reopen(admin_, vorgang_.id));
    Must(repo_->Move(admin_, akte_.id, other.id));
    Close(akte_.id, "2012-06-30");
    Must(Destroy(akte_.id));

    std::vector<std::pair<LifecycleEvent, std::string>> expected = {
        {LifecycleEvent::kClosed, vorgang_.id},    {LifecycleEvent::kReopened, vorgang_.id},
        {LifecycleEvent::kMoved, akte_.id},        {LifecycleEvent::kClosed, akte_.id},
        {LifecycleEvent::kDestroyed, akte_.id},    {LifecycleEvent::kDestroyed, vorgang_.id},
        {LifecycleEvent::kDestroyed, dokument_.id}};
    EXPECT_EQ(hook.calls, expected);
    repo_->SetLifecycleHook(nullptr);
}

TEST_F(DestructionTest, HookVetoLeavesTheChangeUndone) {
    RecordingHook hook;
    hook.veto = LifecycleEvent::kClosed;
    repo_->SetLifecycleHook(&hook);

    ExpectRefused(repo_->Close(admin_, akte_.id, std::nullopt).status(),
                  StatusCode::kFailedPrecondition, "vetoed");

    EXPECT_FALSE(Must(repo_->Get(admin_, akte_.id)).closed());
    EXPECT_EQ(Aktionen(akte_.id), (std::vector<std::string>{"angelegt"}));
    repo_->SetLifecycleHook(nullptr);
}

// Retroactive zdA (migration of legacy files)

TEST_F(DestructionTest, ZdaInAnEarlierYearNeedsTheRegistraturAndAReason) {
    ExpectRefused(repo_->Close(user_, akte_.id, CivilDate{2015, 3, 1}, "Altbestand").status(),
                  StatusCode::kPermissionDenied);
    ExpectRefused(repo_->Close(admin_, akte_.id, CivilDate{2015, 3, 1}).status(),
                  StatusCode::kInvalidArgument);

    const Objekt closed = Must(
        repo_->Close(admin_, akte_.id, CivilDate{2015, 3, 1}, "Migration aus dem Altverfahren"));

    EXPECT_EQ(closed.zda, (CivilDate{2015, 3, 1}));
    auto history = Must(repo_->History(admin_, akte_.id, 0, 100));
    auto zda = std::find_if(history.rbegin(), history.rend(),
                            [](const AuditEntry& e) { return e.aktion == "zda"; });
    ASSERT_NE(zda, history.rend());
    EXPECT_EQ(zda->nachher["nachgetragen"], true);
    EXPECT_EQ(zda->nachher["grund"], "Migration aus dem Altverfahren");
    EXPECT_TRUE(std::any_of(history.begin(), history.end(), [](const AuditEntry& e) {
        return e.aktion == "zugriff-verweigert";
    })) << "the clerk's refused retroactive zdA is audited";
}

TEST_F(DestructionTest, ZdaEarlierThisYearNeedsNoSpecialRight) {
    EXPECT_TRUE(repo_->Close(user_, vorgang_.id, CivilDate{2026, 1, 2}).ok());
}

}  // namespace
}  // namespace aktenwerk::dms
