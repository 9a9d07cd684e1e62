// Tests of the records service on a real data directory (LevelDB and blob files in a fresh
// temporary directory) with a manual clock: Aktenzeichen, structure rules, versions, zdA,
// moves, paging, the audit trail, Aktenplan and folder import, recovery.
#include "dms/repository.h"

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>

#include "dms/audit.h"
#include "dms/folder_import.h"
#include "dms/keys.h"
#include "storage/codec.h"
#include "tests/support/status_testing.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::dms {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::TempDir;

class RepositoryTest : public ::testing::Test {
  protected:
    void SetUp() override { Open(); }

    // Opens the data directory again (closing the Repository first), as a restart does.
    void Open() {
        repo_.reset();
        auto opened = Repository::Open(DataDir(), options_, &clock_);
        ASSERT_TRUE(opened.ok()) << opened.status().ToString();
        repo_ = std::move(opened).value();
    }

    std::string DataDir() const { return dir_.Sub("data"); }

    // Unwraps a Result the test expects to succeed; on error the test fails and T{} is used.
    template <typename T>
    T Must(Result<T> result) {
        EXPECT_TRUE(result.ok()) << result.status().ToString();
        return result.ok() ? std::move(result).value() : T{};
    }

    static json FieldsFor(Kind kind, const std::string& name) {
        if (kind == Kind::kAktenplaneinheit) {
            return {{"kennzeichen", name}, {"titel", "Einheit " + name}};
        }
        return {{"betreff", name}};
    }

    Result<Objekt> TryCreate(Kind kind, std::string_view parent, const std::string& name) {
        return repo_->Create(user_, kind, parent, FieldsFor(kind, name));
    }

    Objekt Unit(const std::string& kennzeichen, std::string_view parent = kRootId) {
        return Must(TryCreate(Kind::kAktenplaneinheit, parent, kennzeichen));
    }
    Objekt Akte(std::string_view parent, const std::string& betreff = "Bauantrag") {
        return Must(TryCreate(Kind::kAkte, parent, betreff));
    }
    Objekt Vorgang(std::string_view parent, const std::string& betreff = "Stellungnahme") {
        return Must(TryCreate(Kind::kVorgang, parent, betreff));
    }

    Result<std::pair<Objekt, Version>> TryDokument(std::string_view parent, std::string content,
                                                   const json& fields = json::object(),
                                                   bool major = true) {
        StringContentSource source(std::move(content));
        return repo_->CreateDokument(user_, parent, fields, source,
                                     NewVersion{"brief.txt", major, ""});
    }
    Objekt Dokument(std::string_view parent, std::string content = "Sehr geehrte Damen") {
        return Must(TryDokument(parent, std::move(content))).first;
    }

    Result<Version> TryAddVersion(std::string_view dokument_id, std::string content, bool major) {
        StringContentSource source(std::move(content));
        return repo_->AddVersion(user_, dokument_id, source, NewVersion{"brief.txt", major, "neu"});
    }

    Objekt Get(std::string_view id) { return Must(repo_->Get(user_, id)); }

    // An Akte in a fresh unit "32.10.01", and a Vorgang in it: the usual place of a test.
    Objekt AkteInUnit() { return Akte(Unit("32.10.01").id); }

    std::string ReadContent(std::string_view dokument_id, uint32_t nummer = 0) {
        auto content = repo_->OpenContent(user_, dokument_id, nummer);
        EXPECT_TRUE(content.ok()) << content.status().ToString();
        if (!content.ok()) return {};
        std::string out(content->reader->size(), '\0');
        auto n = content->reader->ReadAt(0, out.data(), out.size());
        EXPECT_TRUE(n.ok() && *n == out.size());
        return out;
    }

    std::vector<Objekt> ChildrenOf(std::string_view parent_id,
                                   std::optional<Kind> kind = std::nullopt) {
        return Must(repo_->Children(user_, parent_id, kind, "", 1000)).items;
    }

    std::vector<std::string> Aktionen(std::string_view id) {
        std::vector<std::string> out;
        for (const auto& entry : Must(repo_->History(user_, id, 0, 1000))) {
            out.push_back(entry.aktion);
        }
        return out;
    }

    std::vector<std::string> BlobFiles() {
        std::vector<std::string> out;
        AKTENWERK_EXPECT_OK(repo_->blobs().ForEach([&](const std::string& sha) {
            out.push_back(sha);
            return true;
        }));
        return out;
    }

    size_t TmpFiles() const {
        size_t n = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(DataDir() + "/blobs/tmp")) {
            ++n;
        }
        return n;
    }

    uint64_t BlobReferences(const std::string& sha256) {
        auto raw = Must(repo_->metadata().Get(keys::BlobRef(sha256)));
        if (!raw) return 0;
        return Must(storage::DecodeValue(*raw)).get<uint64_t>();
    }

    TempDir dir_;
    ManualClock clock_;
    RepositoryOptions options_;
    std::unique_ptr<Repository> repo_;
    // The records rules are tested as an administrator; rights have their own tests
    // (access_control_test.cc).
    const Principal user_{"m.muster", true, std::nullopt};
    const Principal admin_ = Principal::System();
};

void ExpectRefused(const Status& s, StatusCode code, std::string_view reason = {}) {
    EXPECT_EQ(s.code(), code) << s.ToString();
    if (!reason.empty()) {
        EXPECT_EQ(s.reason(), reason) << s.ToString();
    }
}

// Aktenzeichen

TEST_F(RepositoryTest, AkteGetsAktenzeichenFromKennzeichenRunningNumberAndYear) {
    const Objekt unit = Unit("32.10.01");

    EXPECT_EQ(Akte(unit.id).aktenzeichen, "32.10.01-0001/2026");
    EXPECT_EQ(Akte(unit.id).aktenzeichen, "32.10.01-0002/2026");
}

TEST_F(RepositoryTest, RunningNumberIsCountedPerUnit) {
    const Objekt a = Unit("1");
    const Objekt b = Unit("2");
    Akte(a.id);

    EXPECT_EQ(Akte(a.id).aktenzeichen, "1-0002/2026");
    EXPECT_EQ(Akte(b.id).aktenzeichen, "2-0001/2026");
}

TEST_F(RepositoryTest, RunningNumberRestartsInANewYear) {
    const Objekt unit = Unit("32.10.01");
    Akte(unit.id);
    Akte(unit.id);

    clock_.SetToday({2027, 1, 4});

    EXPECT_EQ(Akte(unit.id).aktenzeichen, "32.10.01-0001/2027");
}

TEST_F(RepositoryTest, RunningNumberSkipsAktenzeichenThatAreTaken) {
    // The Akte of a renamed unit keeps "1-0001/2026"; a new unit "1" must not issue it again.
    const Objekt renamed = Unit("1");
    const Objekt old_akte = Akte(renamed.id);
    Must(repo_->Update(user_, renamed.id, {{"kennzeichen", "9"}}));
    const Objekt reused = Unit("1");

    EXPECT_EQ(old_akte.aktenzeichen, "1-0001/2026");
    EXPECT_EQ(Akte(reused.id).aktenzeichen, "1-0002/2026");
}

TEST_F(RepositoryTest, RunningNumberContinuesAcrossYearsWithoutJahrInThePattern) {
    options_.aktenzeichen_pattern = "{kennzeichen}/{nummer:3}";
    Open();
    const Objekt unit = Unit("7");
    Akte(unit.id);

    clock_.SetToday({2027, 1, 4});

    EXPECT_EQ(Akte(unit.id).aktenzeichen, "7/002");
}

TEST_F(RepositoryTest, InvalidAktenzeichenPatternStopsTheStart) {
    repo_.reset();
    options_.aktenzeichen_pattern = "{kennzeichen}-{nr}";

    ExpectRefused(Repository::Open(DataDir(), options_, &clock_).status(),
                  StatusCode::kInvalidArgument);
}

TEST_F(RepositoryTest, AktenCreatedConcurrentlyInOneUnitGetDistinctNumbers) {
    const Objekt unit = Unit("1");
    std::mutex mu;
    std::set<std::string> aktenzeichen;

    std::vector<std::thread> threads;
    for (int t = 0; t < 4; ++t) {
        threads.emplace_back([&] {
            for (int i = 0; i < 5; ++i) {
                auto akte = TryCreate(Kind::kAkte, unit.id, "parallel");
                ASSERT_TRUE(akte.ok()) << akte.status().ToString();
                std::lock_guard lock(mu);
                aktenzeichen.insert(akte->aktenzeichen);
            }
        });
    }
    for (auto& t : threads) t.join();

    ASSERT_EQ(aktenzeichen.size(), 20u);
    EXPECT_EQ(*aktenzeichen.begin(), "1-0001/2026");
    EXPECT_EQ(*aktenzeichen.rbegin(), "1-0020/2026");
}

TEST_F(RepositoryTest, AkteIsFoundByItsAktenzeichen) {
    const Objekt akte = AkteInUnit();

    EXPECT_EQ(Must(repo_->FindByAktenzeichen(user_, akte.aktenzeichen)).id, akte.id);
    ExpectRefused(repo_->FindByAktenzeichen(user_, "0-0001/2026").status(), StatusCode::kNotFound);
}

TEST_F(RepositoryTest, TeilakteGetsTheParentsAktenzeichenWithASuffix) {
    const Objekt unit = Unit("32.10.01");
    const Objekt akte = Akte(unit.id);

    const Objekt first = Akte(akte.id);
    const Objekt second = Akte(akte.id);

    EXPECT_EQ(first.aktenzeichen, "32.10.01-0001/2026-1");
    EXPECT_EQ(second.aktenzeichen, "32.10.01-0001/2026-2");
    EXPECT_EQ(Get(akte.id).teilakten_zaehler, 2u);
    EXPECT_EQ(Akte(unit.id).aktenzeichen, "32.10.01-0002/2026");
}

// Structure rules

TEST_F(RepositoryTest, DuplicateKennzeichenIsRefusedAnywhereInThePlan) {
    const Objekt top = Unit("1");

    ExpectRefused(TryCreate(Kind::kAktenplaneinheit, kRootId, "1").status(),
                  StatusCode::kAlreadyExists, "duplicate-kennzeichen");
    ExpectRefused(TryCreate(Kind::kAktenplaneinheit, top.id, "1").status(),
                  StatusCode::kAlreadyExists, "duplicate-kennzeichen");
}

TEST_F(RepositoryTest, ObjectUnderAParentOfTheWrongKindIsRefused) {
    const Objekt unit = Unit("1");
    const Objekt akte = Akte(unit.id);
    const Objekt vorgang = Vorgang(akte.id);
    const Objekt dokument = Dokument(vorgang.id);
    struct Row {
        Kind kind;
        std::string parent;
    };
    const Row kRows[] = {
        {Kind::kAkte, std::string(kRootId)}, {Kind::kAkte, vorgang.id},
        {Kind::kAkte, dokument.id},          {Kind::kVorgang, std::string(kRootId)},
        {Kind::kVorgang, unit.id},           {Kind::kVorgang, dokument.id},
        {Kind::kDokument, unit.id},          {Kind::kAktenplaneinheit, akte.id},
    };
    for (const auto& row : kRows) {
        SCOPED_TRACE(std::string(KindName(row.kind)) + " under " + row.parent);
        ExpectRefused(TryCreate(row.kind, row.parent, "x").status(), StatusCode::kInvalidArgument,
                      "wrong-parent");
    }
}

TEST_F(RepositoryTest, UnknownIdsAreNotFound) {
    const std::string unknown = "00000000-0000-4000-8000-000000000000";

    ExpectRefused(repo_->Get(user_, unknown).status(), StatusCode::kNotFound);
    ExpectRefused(repo_->Get(user_, "").status(), StatusCode::kNotFound);
    ExpectRefused(TryCreate(Kind::kAkte, unknown, "x").status(), StatusCode::kNotFound);
    ExpectRefused(TryAddVersion(unknown, "x", true).status(), StatusCode::kNotFound);
    ExpectRefused(repo_->Close(user_, unknown, std::nullopt).status(), StatusCode::kNotFound);
    ExpectRefused(repo_->Children(user_, unknown, std::nullopt, "", 10).status(),
                  StatusCode::kNotFound);
    ExpectRefused(repo_->FindByKennzeichen(user_, "99").status(), StatusCode::kNotFound);
}

TEST_F(RepositoryTest, MissingOrUnknownFieldsAreRefused) {
    const Objekt akte = AkteInUnit();

    ExpectRefused(repo_->Create(user_, Kind::kVorgang, akte.id, json::object()).status(),
                  StatusCode::kInvalidArgument);
    ExpectRefused(
        repo_->Create(user_, Kind::kVorgang, akte.id, {{"betreff", "x"}, {"farbe", "rot"}})
            .status(),
        StatusCode::kInvalidArgument, "unknown-field");
    ExpectRefused(repo_
                      ->Create(user_, Kind::kVorgang, akte.id,
                               {{"betreff", "x"}, {"laufzeit_beginn", "2026-02-30"}})
                      .status(),
                  StatusCode::kInvalidArgument);
}

// Versions and content

TEST_F(RepositoryTest, VersionsAreLabelledMajorDotMinor) {
    const Objekt dokument = Dokument(Vorgang(AkteInUnit().id).id, "erste Fassung");

    const Version minor = Must(TryAddVersion(dokument.id, "korrigiert", /*major=*/false));
    const Version major = Must(TryAddVersion(dokument.id, "zweite Fassung", /*major=*/true));

    EXPECT_EQ(minor.Label(), "1.1");
    EXPECT_EQ(major.Label(), "2.0");
    std::vector<std::string> labels;
    for (const auto& v : Must(repo_->Versions(user_, dokument.id))) labels.push_back(v.Label());
    EXPECT_EQ(labels, (std::vector<std::string>{"1.0", "1.1", "2.0"}));
    EXPECT_EQ(Get(dokument.id).versionen, 3u);
}

TEST_F(RepositoryTest, EachVersionKeepsItsOwnContent) {
    const Objekt dokument = Dokument(Vorgang(AkteInUnit().id).id, "erste Fassung");
    Must(TryAddVersion(dokument.id, "zweite Fassung", true));

    EXPECT_EQ(ReadContent(dokument.id, 1), "erste Fassung");
    EXPECT_EQ(ReadContent(dokument.id, 2), "zweite Fassung");
    EXPECT_EQ(ReadContent(dokument.id), "zweite Fassung");
    ExpectRefused(repo_->GetVersion(user_, dokument.id, 3).status(), StatusCode::kNotFound);
}

TEST_F(RepositoryTest, FirstMinorVersionIsZeroDotOne) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);

    auto created = Must(TryDokument(vorgang.id, "Entwurf", json::object(), /*major=*/false));

    EXPECT_EQ(created.second.Label(), "0.1");
}

TEST_F(RepositoryTest, VersionRecordsSizeHashAndFileName) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);

    auto [dokument, version] = Must(TryDokument(vorgang.id, "abc"));

    EXPECT_EQ(version.groesse, 3u);
    EXPECT_EQ(version.sha256, "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
    EXPECT_EQ(version.dateiname, "brief.txt");
    EXPECT_EQ(version.erstellt_von, user_.name);
    EXPECT_EQ(dokument.betreff, "brief.txt");
}

TEST_F(RepositoryTest, SameContentTwiceIsStoredOnce) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);

    auto first = Must(TryDokument(vorgang.id, "gleicher Inhalt")).second;
    auto second = Must(TryDokument(vorgang.id, "gleicher Inhalt")).second;

    EXPECT_EQ(first.sha256, second.sha256);
    EXPECT_EQ(BlobFiles(), std::vector<std::string>{first.sha256});
    EXPECT_EQ(BlobReferences(first.sha256), 2u);
}

// zdA and reopening

TEST_F(RepositoryTest, ClosedVorgangRefusesNewDokument) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);
    Must(repo_->Close(user_, vorgang.id, std::nullopt));

    ExpectRefused(TryDokument(vorgang.id, "zu spät").status(), StatusCode::kFailedPrecondition,
                  "closed");
    ExpectRefused(TryCreate(Kind::kVorgang, vorgang.id, "Teilvorgang").status(),
                  StatusCode::kFailedPrecondition, "closed");
}

TEST_F(RepositoryTest, ClosedVorgangRefusesNewVersion) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);
    const Objekt dokument = Dokument(vorgang.id);
    Must(repo_->Close(user_, vorgang.id, std::nullopt));

    ExpectRefused(TryAddVersion(dokument.id, "Nachtrag", true).status(),
                  StatusCode::kFailedPrecondition, "closed");
    ExpectRefused(repo_->Update(user_, dokument.id, {{"betreff", "neu"}}).status(),
                  StatusCode::kFailedPrecondition, "closed");
}

TEST_F(RepositoryTest, ClosedAkteRefusesNewVorgangAndContentBelowIt) {
    const Objekt akte = AkteInUnit();
    const Objekt vorgang = Vorgang(akte.id);
    Must(repo_->Close(user_, akte.id, std::nullopt));

    ExpectRefused(TryCreate(Kind::kVorgang, akte.id, "neu").status(),
                  StatusCode::kFailedPrecondition, "closed");
    ExpectRefused(TryDokument(vorgang.id, "Inhalt").status(), StatusCode::kFailedPrecondition,
                  "closed");
}

// The documented rule (OpenAPI, laufzeit_ende): the zdA ends an open Laufzeit, a given end
// stays, and reopening takes back only the end the zdA set.
TEST_F(RepositoryTest, ClosingEndsAnOpenLaufzeitAndReopeningTakesThatBack) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);
    const Objekt akte = Akte(Unit("32.10.02").id);
    Must(repo_->Update(user_, akte.id,
                       {{"laufzeit_beginn", "2026-03-01"}, {"laufzeit_ende", "2026-03-10"}}));

    const Objekt closed = Must(repo_->Close(user_, vorgang.id, std::nullopt));
    const Objekt closed_akte = Must(repo_->Close(user_, akte.id, std::nullopt));
    const Objekt reopened = Must(repo_->Reopen(user_, vorgang.id));
    const Objekt reopened_akte = Must(repo_->Reopen(user_, akte.id));

    EXPECT_EQ(closed.zda, (CivilDate{2026, 3, 15}));
    EXPECT_EQ(closed.laufzeit_ende, (CivilDate{2026, 3, 15}));
    EXPECT_EQ(closed_akte.laufzeit_ende, (CivilDate{2026, 3, 10}));
    EXPECT_EQ(reopened.laufzeit_ende, std::nullopt);
    EXPECT_EQ(reopened_akte.laufzeit_ende, (CivilDate{2026, 3, 10}));
}

// Regression (new-user trial of #2): a chain of Teilvorgänge could grow until walks up the
// tree gave up with "corruption"; creations and moves now stop at a fixed depth instead.
TEST_F(RepositoryTest, TheTreeStopsAtAFixedDepthWithAClearError) {
    const Objekt akte = AkteInUnit();
    std::vector<Objekt> chain = {Vorgang(akte.id)};  // level 3: unit, Akte, Vorgang
    Status refused;
    while (refused.ok() && chain.size() < 100) {
        auto next = TryCreate(Kind::kVorgang, chain.back().id, "Teilvorgang");
        if (next.ok()) {
            chain.push_back(*next);
        } else {
            refused = next.status();
        }
    }
    // Level 4: under it, chain[1] (level 4, with 28 levels below) would reach level 33.
    const Objekt other = Vorgang(Vorgang(Akte(Unit("32.10.02").id).id).id);

    ExpectRefused(refused, StatusCode::kInvalidArgument, "too-deep");
    EXPECT_EQ(chain.size(), 30u);  // levels 3 to 32
    EXPECT_TRUE(repo_->Get(user_, chain.back().id).ok());
    ExpectRefused(repo_->Move(user_, chain[1].id, other.id).status(), StatusCode::kInvalidArgument,
                  "too-deep");
    EXPECT_TRUE(repo_->Move(user_, chain[20].id, other.id).ok());
}

TEST_F(RepositoryTest, ClosedAkteCanBeMovedAsAWhole) {
    const Objekt akte = AkteInUnit();
    const Objekt other = Must(repo_->Create(user_, Kind::kAktenplaneinheit, dms::kRootId,
                                            {{"kennzeichen", "77"}, {"titel", "Andere"}}));
    Must(repo_->Close(user_, akte.id, std::nullopt));

    const Objekt moved = Must(repo_->Move(user_, akte.id, other.id));

    EXPECT_EQ(moved.parent_id, other.id);
    EXPECT_EQ(moved.aktenzeichen, akte.aktenzeichen);
    EXPECT_TRUE(moved.closed());
}

TEST_F(RepositoryTest, SiblingsCreatedInTheSameMillisecondKeepCreationOrder) {
    const Objekt akte = AkteInUnit();
    std::vector<std::string> created;
    for (int i = 0; i < 20; ++i) created.push_back(Vorgang(akte.id).id);

    auto page = Must(repo_->Children(user_, akte.id, Kind::kVorgang, "", 100));

    ASSERT_EQ(page.items.size(), created.size());
    for (size_t i = 0; i < created.size(); ++i) EXPECT_EQ(page.items[i].id, created[i]);
}

TEST_F(RepositoryTest, ReopenedVorgangAcceptsContentAgain) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);
    Must(repo_->Close(user_, vorgang.id, std::nullopt));

    const Objekt reopened = Must(repo_->Reopen(user_, vorgang.id));

    EXPECT_FALSE(reopened.closed());
    EXPECT_EQ(reopened.laufzeit_ende, std::nullopt);
    AKTENWERK_EXPECT_OK(TryDokument(vorgang.id, "Nachtrag").status());
}

TEST_F(RepositoryTest, VorgangInAClosedAkteCannotBeReopened) {
    const Objekt akte = AkteInUnit();
    const Objekt vorgang = Vorgang(akte.id);
    Must(repo_->Close(user_, vorgang.id, std::nullopt));
    Must(repo_->Close(user_, akte.id, std::nullopt));

    ExpectRefused(repo_->Reopen(user_, vorgang.id).status(), StatusCode::kFailedPrecondition,
                  "closed");
}

TEST_F(RepositoryTest, OpenVorgangCannotBeReopened) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);

    ExpectRefused(repo_->Reopen(user_, vorgang.id).status(), StatusCode::kFailedPrecondition,
                  "not-closed");
}

TEST_F(RepositoryTest, ZdaInTheFutureIsRefused) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);

    ExpectRefused(repo_->Close(user_, vorgang.id, CivilDate{2026, 3, 16}).status(),
                  StatusCode::kInvalidArgument);
    EXPECT_FALSE(Get(vorgang.id).closed());
}

TEST_F(RepositoryTest, ZdaBeforeTheLaufzeitBeganIsRefused) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);

    ExpectRefused(repo_->Close(user_, vorgang.id, CivilDate{2026, 3, 14}).status(),
                  StatusCode::kInvalidArgument);
}

TEST_F(RepositoryTest, OnlyAkteOrVorgangCanBeClosed) {
    const Objekt unit = Unit("1");

    ExpectRefused(repo_->Close(user_, unit.id, std::nullopt).status(), StatusCode::kInvalidArgument,
                  "wrong-kind");
}

// Moves

TEST_F(RepositoryTest, MovedAkteKeepsItsAktenzeichenAndRemembersItsFormerPlace) {
    const Objekt from = Unit("1");
    const Objekt to = Unit("2");
    const Objekt akte = Akte(from.id);
    clock_.Advance(60'000);

    const Objekt moved = Must(repo_->Move(user_, akte.id, to.id));

    EXPECT_EQ(moved.aktenzeichen, akte.aktenzeichen);
    EXPECT_EQ(Get(akte.id).parent_id, to.id);
    const auto ablagen = Get(akte.id).fruehere_ablagen;
    ASSERT_EQ(ablagen.size(), 1u);
    EXPECT_EQ(ablagen[0].parent_id, from.id);
    EXPECT_EQ(ablagen[0].parent_bezeichnung, "1");
    EXPECT_EQ(ablagen[0].bis, clock_.NowMillis());
    EXPECT_EQ(Must(repo_->FindByAktenzeichen(user_, akte.aktenzeichen)).parent_id, to.id);
}

TEST_F(RepositoryTest, MovedAkteIsListedOnlyUnderItsNewParent) {
    const Objekt from = Unit("1");
    const Objekt to = Unit("2");
    const Objekt akte = Akte(from.id);

    Must(repo_->Move(user_, akte.id, to.id));

    EXPECT_TRUE(ChildrenOf(from.id).empty());
    ASSERT_EQ(ChildrenOf(to.id).size(), 1u);
    EXPECT_EQ(ChildrenOf(to.id)[0].id, akte.id);
    EXPECT_EQ(Aktionen(akte.id).back(), "verschoben");
}

TEST_F(RepositoryTest, MoveIntoOwnSubtreeIsRefused) {
    const Objekt top = Unit("1");
    const Objekt below = Unit("1.1", top.id);
    const Objekt akte = Akte(below.id);
    const Objekt teilakte = Akte(akte.id);

    ExpectRefused(repo_->Move(user_, top.id, below.id).status(), StatusCode::kInvalidArgument,
                  "cycle");
    ExpectRefused(repo_->Move(user_, akte.id, teilakte.id).status(), StatusCode::kInvalidArgument,
                  "cycle");
    ExpectRefused(repo_->Move(user_, top.id, top.id).status(), StatusCode::kInvalidArgument,
                  "cycle");
    EXPECT_EQ(Get(top.id).parent_id, kRootId);
}

TEST_F(RepositoryTest, MoveOutOfOrIntoAClosedAkteIsRefused) {
    const Objekt unit = Unit("1");
    const Objekt open_akte = Akte(unit.id);
    const Objekt closed_akte = Akte(unit.id);
    const Objekt inside = Vorgang(closed_akte.id);
    const Objekt outside = Vorgang(open_akte.id);
    Must(repo_->Close(user_, closed_akte.id, std::nullopt));

    ExpectRefused(repo_->Move(user_, inside.id, open_akte.id).status(),
                  StatusCode::kFailedPrecondition, "closed");
    ExpectRefused(repo_->Move(user_, outside.id, closed_akte.id).status(),
                  StatusCode::kFailedPrecondition, "closed");
}

TEST_F(RepositoryTest, MoveToAParentOfTheWrongKindIsRefused) {
    const Objekt unit = Unit("1");
    const Objekt vorgang = Vorgang(Akte(unit.id).id);

    ExpectRefused(repo_->Move(user_, vorgang.id, unit.id).status(), StatusCode::kInvalidArgument,
                  "wrong-parent");
}

// Listing

TEST_F(RepositoryTest, ChildrenArePagedWithACursor) {
    const Objekt akte = AkteInUnit();
    std::vector<std::string> created;
    for (int i = 0; i < 25; ++i) {
        clock_.Advance(1);
        created.push_back(Vorgang(akte.id, "Vorgang " + std::to_string(i)).id);
    }

    std::vector<std::string> listed;
    std::vector<size_t> page_sizes;
    std::string cursor;
    do {
        const ChildPage page = Must(repo_->Children(user_, akte.id, std::nullopt, cursor, 10));
        page_sizes.push_back(page.items.size());
        for (const auto& o : page.items) listed.push_back(o.id);
        cursor = page.next_cursor;
    } while (!cursor.empty() && page_sizes.size() < 10);

    EXPECT_EQ(page_sizes, (std::vector<size_t>{10, 10, 5}));
    EXPECT_EQ(listed, created);
}

TEST_F(RepositoryTest, ChildrenListVorgaengeBeforeDokumenteAndFilterByKind) {
    const Objekt akte = AkteInUnit();
    const Objekt dokument = Dokument(akte.id);
    clock_.Advance(1);
    const Objekt vorgang = Vorgang(akte.id);

    const auto all = ChildrenOf(akte.id);
    const auto dokumente = ChildrenOf(akte.id, Kind::kDokument);

    ASSERT_EQ(all.size(), 2u);
    EXPECT_EQ(all[0].id, vorgang.id);
    EXPECT_EQ(all[1].id, dokument.id);
    ASSERT_EQ(dokumente.size(), 1u);
    EXPECT_EQ(dokumente[0].id, dokument.id);
}

TEST_F(RepositoryTest, UnitsAreListedByKennzeichen) {
    Unit("2");
    Unit("10");
    Unit("1");

    std::vector<std::string> kennzeichen;
    for (const auto& o : ChildrenOf(kRootId)) kennzeichen.push_back(o.kennzeichen);

    EXPECT_EQ(kennzeichen, (std::vector<std::string>{"1", "10", "2"}));
}

TEST_F(RepositoryTest, CursorOfAnotherListingIsRefused) {
    const Objekt a = AkteInUnit();
    const Objekt b = Akte(Unit("2").id);
    for (int i = 0; i < 3; ++i) Vorgang(a.id);
    const std::string cursor = Must(repo_->Children(user_, a.id, std::nullopt, "", 1)).next_cursor;
    ASSERT_FALSE(cursor.empty());

    ExpectRefused(repo_->Children(user_, b.id, std::nullopt, cursor, 1).status(),
                  StatusCode::kInvalidArgument);
}

TEST_F(RepositoryTest, PathRunsFromTheTopUnitToTheObject) {
    const Objekt top = Unit("1");
    const Objekt below = Unit("1.1", top.id);
    const Objekt akte = Akte(below.id);

    std::vector<std::string> ids;
    for (const auto& o : Must(repo_->Path(user_, akte.id))) ids.push_back(o.id);

    EXPECT_EQ(ids, (std::vector<std::string>{top.id, below.id, akte.id}));
}

// Updates

TEST_F(RepositoryTest, UpdateWithAStaleRevisionIsRefused) {
    const Objekt akte = AkteInUnit();
    const Objekt updated = Must(repo_->Update(user_, akte.id, {{"betreff", "neu"}}, akte.revision));

    ExpectRefused(repo_->Update(user_, akte.id, {{"betreff", "alt"}}, akte.revision).status(),
                  StatusCode::kFailedPrecondition, "revision-mismatch");
    EXPECT_EQ(updated.revision, akte.revision + 1);
    EXPECT_EQ(Get(akte.id).betreff, "neu");
}

TEST_F(RepositoryTest, RenamedUnitIsFoundByItsNewKennzeichenOnly) {
    const Objekt unit = Unit("1");

    Must(repo_->Update(user_, unit.id, {{"kennzeichen", "9"}}));

    EXPECT_EQ(Must(repo_->FindByKennzeichen(user_, "9")).id, unit.id);
    ExpectRefused(repo_->FindByKennzeichen(user_, "1").status(), StatusCode::kNotFound);
    AKTENWERK_EXPECT_OK(TryCreate(Kind::kAktenplaneinheit, kRootId, "1").status());
}

// Audit trail

TEST_F(RepositoryTest, EveryChangeHasAnAuditEntry) {
    const Objekt akte = AkteInUnit();
    const Objekt vorgang = Vorgang(akte.id);
    const Objekt dokument = Dokument(vorgang.id);

    Must(repo_->Update(user_, akte.id, {{"betreff", "Bauantrag Musterstraße 1"}}));
    Must(TryAddVersion(dokument.id, "Nachtrag", true));
    Must(repo_->Close(user_, vorgang.id, std::nullopt));
    Must(repo_->Reopen(user_, vorgang.id));
    Must(repo_->Move(user_, vorgang.id, Akte(akte.parent_id).id));

    EXPECT_EQ(Aktionen(akte.id), (std::vector<std::string>{"angelegt", "geaendert"}));
    EXPECT_EQ(Aktionen(dokument.id),
              (std::vector<std::string>{"angelegt", "version-angelegt", "version-angelegt"}));
    EXPECT_EQ(Aktionen(vorgang.id),
              (std::vector<std::string>{"angelegt", "zda", "wiedereroeffnet", "verschoben"}));
}

TEST_F(RepositoryTest, AuditEntryNamesActorTimeAndChange) {
    const Objekt akte = AkteInUnit();
    clock_.Advance(5'000);

    Must(repo_->Update(user_, akte.id, {{"betreff", "neu"}}));

    const auto history = Must(repo_->History(user_, akte.id, 0, 100));
    ASSERT_EQ(history.size(), 2u);
    EXPECT_EQ(history[1].akteur, user_.name);
    EXPECT_EQ(history[1].zeit, clock_.NowMillis());
    EXPECT_EQ(history[1].vorher["betreff"], "Bauantrag");
    EXPECT_EQ(history[1].nachher["betreff"], "neu");
}

TEST_F(RepositoryTest, AuditChainOfManyChangesVerifies) {
    const Objekt akte = AkteInUnit();
    const Objekt vorgang = Vorgang(akte.id);
    Dokument(vorgang.id);
    Must(repo_->Close(user_, vorgang.id, std::nullopt));

    uint64_t entries = 0;
    AKTENWERK_EXPECT_OK(VerifyAuditChain(repo_->metadata(), &entries));

    EXPECT_EQ(entries, 6u);  // unit, Akte, Vorgang, Dokument with its version, zdA
    EXPECT_EQ(Must(repo_->Audit(admin_, 0, 1000)).size(), entries);
}

TEST_F(RepositoryTest, TamperedAuditEntryIsDetected) {
    const Objekt akte = AkteInUnit();
    Must(repo_->Update(user_, akte.id, {{"betreff", "neu"}}));
    repo_.reset();

    auto store = storage::MetadataStore::Open(DataDir() + "/meta");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto raw = Must((*store)->Get(keys::Audit(2)));
    ASSERT_TRUE(raw.has_value());
    json entry = Must(storage::DecodeValue(*raw));
    entry["akteur"] = "mallory";
    AKTENWERK_ASSERT_OK((*store)->Commit([&](storage::Txn& txn) {
        txn.Put(keys::Audit(2), storage::EncodeValue(entry));
        return Status::Ok();
    }));

    Status verified = VerifyAuditChain(**store, nullptr);

    EXPECT_EQ(verified.code(), StatusCode::kCorruption);
    EXPECT_NE(verified.message().find("audit entry 2"), std::string::npos) << verified.message();
}

TEST_F(RepositoryTest, RemovedAuditEntryIsDetected) {
    const Objekt akte = AkteInUnit();
    Must(repo_->Update(user_, akte.id, {{"betreff", "neu"}}));
    repo_.reset();

    auto store = storage::MetadataStore::Open(DataDir() + "/meta");
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    AKTENWERK_ASSERT_OK((*store)->Commit([&](storage::Txn& txn) {
        txn.Delete(keys::Audit(2));
        return Status::Ok();
    }));

    EXPECT_EQ(VerifyAuditChain(**store, nullptr).code(), StatusCode::kCorruption);
}

TEST_F(RepositoryTest, OpeningContentWritesAnInhaltGelesenEntry) {
    const Objekt dokument = Dokument(Vorgang(AkteInUnit().id).id, "vertraulich");

    EXPECT_EQ(ReadContent(dokument.id), "vertraulich");

    const auto history = Must(repo_->History(user_, dokument.id, 0, 100));
    ASSERT_FALSE(history.empty());
    EXPECT_EQ(history.back().aktion, "inhalt-gelesen");
    EXPECT_EQ(history.back().akteur, user_.name);
    EXPECT_EQ(history.back().nachher["version"], 1);
}

TEST_F(RepositoryTest, AuditTrailIsReadInPagesBySequence) {
    const Objekt unit = Unit("1");
    Akte(unit.id);
    Akte(unit.id);

    const auto first = Must(repo_->Audit(admin_, 0, 2));
    const auto rest = Must(repo_->Audit(admin_, first.back().seq, 100));

    ASSERT_EQ(first.size(), 2u);
    EXPECT_EQ(first[0].seq, 1u);
    EXPECT_EQ(first[1].seq, 2u);
    ASSERT_EQ(rest.size(), 1u);
    EXPECT_EQ(rest[0].seq, 3u);
    EXPECT_EQ(rest[0].vorheriger_hash, first[1].hash);
}

TEST_F(RepositoryTest, WholeAuditTrailIsForAdministratorsOnly) {
    AkteInUnit();

    const Principal clerk{"m.muster", false};
    ExpectRefused(repo_->Audit(clerk, 0, 100).status(), StatusCode::kPermissionDenied);
    auto trail = Must(repo_->Audit(admin_, 0, 100));
    ASSERT_EQ(trail.size(), 3u);
    EXPECT_EQ(trail.back().aktion, "zugriff-verweigert");  // the refusal itself
}

// Aktenplan import

TEST_F(RepositoryTest, ImportAktenplanCreatesUnitsUnderTheirParents) {
    const std::vector<PlanUnit> plan = {{"1", "Personal", "", ""}, {"10", "Stellen", "", "1"}};

    const ImportReport report = Must(repo_->ImportAktenplan(admin_, plan));

    EXPECT_EQ(report.angelegt, 2u);
    EXPECT_EQ(report.vorhanden, 0u);
    EXPECT_EQ(Must(repo_->FindByKennzeichen(user_, "10")).parent_id,
              Must(repo_->FindByKennzeichen(user_, "1")).id);
}

TEST_F(RepositoryTest, ImportAktenplanLeavesExistingUnitsAsTheyAre) {
    const Objekt existing = Unit("1");
    const std::vector<PlanUnit> plan = {{"1", "Anderer Titel", "", ""}, {"10", "Stellen", "", "1"}};

    const ImportReport report = Must(repo_->ImportAktenplan(admin_, plan));

    EXPECT_EQ(report.angelegt, 1u);
    EXPECT_EQ(report.vorhanden, 1u);
    EXPECT_EQ(Get(existing.id).titel, existing.titel);
}

TEST_F(RepositoryTest, ImportAktenplanIsAllOrNothing) {
    const std::vector<PlanUnit> plan = {
        {"1", "Personal", "", ""}, {"10", "Stellen", "", "1"}, {"20", "Haushalt", "", "2"}};

    ExpectRefused(repo_->ImportAktenplan(admin_, plan).status(), StatusCode::kInvalidArgument);

    ExpectRefused(repo_->FindByKennzeichen(user_, "1").status(), StatusCode::kNotFound);
    EXPECT_TRUE(ChildrenOf(kRootId).empty());
}

TEST_F(RepositoryTest, DemoAktenplanImportsCompletely) {
    std::ifstream in(std::string(AKTENWERK_SOURCE_DIR) + "/deploy/demo/aktenplan.json");
    const std::string text((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const auto plan = Must(ParseAktenplanJson(text));

    const ImportReport report = Must(repo_->ImportAktenplan(admin_, plan));

    EXPECT_EQ(report.angelegt, plan.size());
    EXPECT_EQ(Must(repo_->ImportAktenplan(admin_, plan)).vorhanden, plan.size());
    uint64_t entries = 0;
    AKTENWERK_EXPECT_OK(VerifyAuditChain(repo_->metadata(), &entries));
    EXPECT_EQ(entries, plan.size());
}

// Durability and recovery

TEST_F(RepositoryTest, ReopenedRepositoryKeepsEverything) {
    const Objekt unit = Unit("32.10.01");
    const Objekt akte = Akte(unit.id);
    const Objekt vorgang = Vorgang(akte.id);
    const Objekt dokument = Dokument(vorgang.id, "bleibt");
    Must(repo_->Close(user_, vorgang.id, std::nullopt));

    Open();

    EXPECT_EQ(Must(repo_->FindByKennzeichen(user_, "32.10.01")).id, unit.id);
    EXPECT_EQ(Get(akte.id).aktenzeichen, akte.aktenzeichen);
    EXPECT_TRUE(Get(vorgang.id).closed());
    EXPECT_EQ(Get(dokument.id).versionen, 1u);
    EXPECT_EQ(ReadContent(dokument.id), "bleibt");
    EXPECT_EQ(Akte(unit.id).aktenzeichen, "32.10.01-0002/2026");
    AKTENWERK_EXPECT_OK(VerifyAuditChain(repo_->metadata(), nullptr));
}

TEST_F(RepositoryTest, FailedCommitLeavesNoBlobBehind) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);

    ExpectRefused(TryDokument(vorgang.id, "Inhalt", {{"farbe", "rot"}}).status(),
                  StatusCode::kInvalidArgument);

    EXPECT_TRUE(BlobFiles().empty());
    EXPECT_EQ(TmpFiles(), 0u);
    EXPECT_TRUE(ChildrenOf(vorgang.id).empty());
}

TEST_F(RepositoryTest, FailedCommitKeepsABlobThatAnotherVersionUses) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);
    const Objekt dokument = Dokument(vorgang.id, "geteilt");

    ExpectRefused(TryDokument(vorgang.id, "geteilt", {{"farbe", "rot"}}).status(),
                  StatusCode::kInvalidArgument);

    EXPECT_EQ(BlobFiles().size(), 1u);
    EXPECT_EQ(ReadContent(dokument.id), "geteilt");
}

TEST_F(RepositoryTest, VersionRefusedByAClosedVorgangLeavesNoBlobBehind) {
    const Objekt vorgang = Vorgang(AkteInUnit().id);
    const Objekt dokument = Dokument(vorgang.id, "erste Fassung");
    Must(repo_->Close(user_, vorgang.id, std::nullopt));

    ExpectRefused(TryAddVersion(dokument.id, "zweite Fassung", true).status(),
                  StatusCode::kFailedPrecondition, "closed");

    EXPECT_EQ(BlobFiles().size(), 1u);
    EXPECT_EQ(TmpFiles(), 0u);
}

TEST_F(RepositoryTest, TruncatedUploadLeavesNothing) {
    // Serves some bytes, then fails as a client that disconnects does.
    class BrokenSource final : public ContentSource {
      public:
        Result<size_t> Read(char* buf, size_t n) override {
            if (served_) return UnavailableError("client went away");
            served_ = true;
            buf[0] = 'x';
            return std::min<size_t>(n, 1);
        }

      private:
        bool served_ = false;
    };
    const Objekt vorgang = Vorgang(AkteInUnit().id);
    BrokenSource source;

    auto created = repo_->CreateDokument(user_, vorgang.id, json::object(), source,
                                         NewVersion{"abgebrochen.pdf", true, ""});

    ExpectRefused(created.status(), StatusCode::kUnavailable);
    EXPECT_TRUE(BlobFiles().empty());
    EXPECT_EQ(TmpFiles(), 0u);
    EXPECT_TRUE(ChildrenOf(vorgang.id).empty());
}

TEST_F(RepositoryTest, ContentOverTheLimitIsRefusedAndLeavesNothing) {
    options_.max_content_bytes = 8;
    Open();
    const Objekt vorgang = Vorgang(AkteInUnit().id);

    ExpectRefused(TryDokument(vorgang.id, "123456789").status(), StatusCode::kResourceExhausted,
                  "body-too-large");

    EXPECT_TRUE(BlobFiles().empty());
    EXPECT_EQ(TmpFiles(), 0u);
    EXPECT_TRUE(ChildrenOf(vorgang.id).empty());
}

TEST_F(RepositoryTest, OpenRemovesBlobsLeftWithoutMetadata) {
    {
        auto writer = Must(repo_->blobs().NewWriter(100));
        AKTENWERK_ASSERT_OK(writer->Append("verwaist", 8));
        ASSERT_TRUE(writer->Finish().ok());
    }
    ASSERT_EQ(BlobFiles().size(), 1u);

    Open();

    EXPECT_TRUE(BlobFiles().empty());
}

TEST_F(RepositoryTest, DataDirectoryOfANewerFormatIsRefused) {
    repo_.reset();
    {
        auto store = storage::MetadataStore::Open(DataDir() + "/meta");
        ASSERT_TRUE(store.ok()) << store.status().ToString();
        AKTENWERK_ASSERT_OK((*store)->Commit([](storage::Txn& txn) {
            txn.Put(std::string(keys::kFormat),
                    storage::EncodeValue({{"version", kDataFormatVersion + 1}}));
            return Status::Ok();
        }));
    }

    auto opened = Repository::Open(DataDir(), options_, &clock_);

    ExpectRefused(opened.status(), StatusCode::kFailedPrecondition, "format-too-new");
}

// Folder import

class FolderImportTest : public RepositoryTest {
  protected:
    void WriteFile(const std::string& relative, const std::string& content) {
        const fs::path path = fs::path(tree_.path()) / relative;
        fs::create_directories(path.parent_path());
        std::ofstream(path, std::ios::binary) << content;
    }

    Result<FolderImportReport> Import(const std::string& akte_id) {
        return ImportFolder(*repo_, user_, akte_id, tree_.path(),
                            [&](const std::string& path, const Status&) {
                                errors_.push_back(fs::path(path).filename().string());
                            });
    }

    // Sorted: objects created in the same millisecond of the manual clock have no order.
    static std::vector<std::string> Betreffs(const std::vector<Objekt>& objekte) {
        std::vector<std::string> out;
        for (const auto& o : objekte) out.push_back(o.betreff);
        std::sort(out.begin(), out.end());
        return out;
    }

    TempDir tree_;
    std::vector<std::string> errors_;
};

TEST_F(FolderImportTest, FilesBecomeDokumenteAndFoldersVorgaenge) {
    WriteFile("a.txt", "A");
    WriteFile("b.txt", "BB");
    WriteFile("sub/c.txt", "CCC");
    WriteFile("sub/tiefer/d.txt", "DDDD");
    const Objekt akte = AkteInUnit();

    const FolderImportReport report = Must(Import(akte.id));

    EXPECT_EQ(report.dokumente, 4u);
    EXPECT_EQ(report.vorgaenge, 2u);
    EXPECT_EQ(report.bytes, 10u);
    EXPECT_EQ(report.failed, 0u);
    EXPECT_EQ(Betreffs(ChildrenOf(akte.id, Kind::kDokument)),
              (std::vector<std::string>{"a.txt", "b.txt"}));
    const auto vorgaenge = ChildrenOf(akte.id, Kind::kVorgang);
    ASSERT_EQ(Betreffs(vorgaenge), std::vector<std::string>{"sub"});
    EXPECT_EQ(Betreffs(ChildrenOf(vorgaenge[0].id, Kind::kDokument)),
              std::vector<std::string>{"c.txt"});
    const auto tiefer = ChildrenOf(vorgaenge[0].id, Kind::kVorgang);
    ASSERT_EQ(Betreffs(tiefer), std::vector<std::string>{"tiefer"});
    const Objekt d = ChildrenOf(tiefer[0].id).at(0);
    EXPECT_EQ(ReadContent(d.id), "DDDD");
}

TEST_F(FolderImportTest, FileWithAnInvalidNameIsReportedAndSkipped) {
    WriteFile("gut.txt", "gut");
    WriteFile("schlecht\x01.txt", "schlecht");
    const Objekt akte = AkteInUnit();

    const FolderImportReport report = Must(Import(akte.id));

    EXPECT_EQ(report.dokumente, 1u);
    EXPECT_EQ(report.failed, 1u);
    EXPECT_EQ(errors_, std::vector<std::string>{"schlecht\x01.txt"});
    EXPECT_EQ(Betreffs(ChildrenOf(akte.id)), std::vector<std::string>{"gut.txt"});
}

TEST_F(FolderImportTest, SymbolicLinksAreNotFollowed) {
    WriteFile("echt.txt", "echt");
    TempDir outside;
    std::ofstream(outside.Sub("geheim.txt")) << "geheim";
    fs::create_symlink(outside.Sub("geheim.txt"), tree_.Sub("link.txt"));
    fs::create_directory_symlink(outside.path(), tree_.Sub("link-ordner"));
    const Objekt akte = AkteInUnit();

    const FolderImportReport report = Must(Import(akte.id));

    EXPECT_EQ(report.dokumente, 1u);
    EXPECT_EQ(report.vorgaenge, 0u);
    EXPECT_EQ(Betreffs(ChildrenOf(akte.id)), std::vector<std::string>{"echt.txt"});
}

TEST_F(FolderImportTest, TargetMustBeAnAkte) {
    WriteFile("a.txt", "A");
    const Objekt unit = Unit("1");

    ExpectRefused(Import(unit.id).status(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aktenwerk::dms
