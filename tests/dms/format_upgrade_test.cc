// Tests of the data format upgrade on a real data directory: a directory of format 1 is
// backed up and brought to the current format on open (the real step 1 -> 2 gives it an
// instance id), with an audit entry; a test-only registry shows that steps run in order, that
// a failing step changes nothing, and that a missing step is refused before any work.
#include "dms/format_upgrade.h"

#include <filesystem>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "dms/audit.h"
#include "dms/clock.h"
#include "dms/keys.h"
#include "dms/repository.h"
#include "storage/backup_folder.h"
#include "storage/codec.h"
#include "tests/support/status_testing.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::dms {
namespace {

namespace fs = std::filesystem;
using nlohmann::json;
using test_support::TempDir;

class FormatUpgradeTest : public ::testing::Test {
  protected:
    void SetUp() override {
        options_.reserve_bytes = 0;
        options_.password_iterations = 1000;
        auto repo = Repository::Open(DataDir(), options_, &clock_);
        ASSERT_TRUE(repo.ok()) << repo.status().ToString();
        auto unit = (*repo)->Create(Principal{"admin", true}, Kind::kAktenplaneinheit, kRootId,
                                    {{"kennzeichen", "32"}, {"titel", "Ordnung"}});
        ASSERT_TRUE(unit.ok()) << unit.status().ToString();
        unit_id_ = unit->id;
    }

    std::string DataDir() const { return dir_.Sub("data"); }

    // Rewrites the data directory as format 1 wrote it: version 1, no instance id.
    void MakeFormat1() {
        auto store = OpenStore();
        AKTENWERK_ASSERT_OK(store->Commit([](storage::Txn& txn) {
            txn.Put(std::string(keys::kFormat), storage::EncodeValue({{"version", 1}}));
            txn.Delete(std::string(kInstanzKey));
            return Status::Ok();
        }));
    }
    std::unique_ptr<storage::MetadataStore> OpenStore() {
        auto store = storage::MetadataStore::Open(DataDir() + "/meta");
        EXPECT_TRUE(store.ok()) << store.status().ToString();
        return store.ok() ? std::move(store).value() : nullptr;
    }
    static json Value(const storage::MetadataStore& store, std::string_view key) {
        auto raw = store.Get(std::string(key));
        if (!raw.ok() || !*raw) return nullptr;
        auto j = storage::DecodeValue(**raw);
        return j.ok() ? *j : json();
    }
    std::vector<std::string> UpgradeBackups() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(DataDir())) {
            if (e.path().filename().string().rfind("upgrade-backup-", 0) == 0) {
                out.push_back(e.path().string());
            }
        }
        return out;
    }
    // Runs UpgradeDataFormat on the directory's own stores.
    Result<UpgradeReport> Upgrade(int from, int to, const std::vector<FormatUpgradeStep>& steps,
                                  std::unique_ptr<storage::MetadataStore>* kept = nullptr) {
        auto store = OpenStore();
        auto blobs = storage::BlobStore::Open(DataDir() + "/blobs");
        if (!store || !blobs.ok()) return InternalError("stores do not open");
        auto report = UpgradeDataFormat(*store, **blobs, DataDir(), from, to, steps, clock_);
        if (kept) *kept = std::move(store);
        return report;
    }

    TempDir dir_;
    ManualClock clock_;
    RepositoryOptions options_;
    std::string unit_id_;
};

TEST_F(FormatUpgradeTest, NewDataDirectoryHasTheCurrentFormatAndAnInstanceId) {
    auto store = OpenStore();

    EXPECT_EQ(Value(*store, keys::kFormat)["version"], kDataFormatVersion);
    EXPECT_TRUE(Value(*store, kInstanzKey)["id"].is_string());
}

TEST_F(FormatUpgradeTest, Format1DirectoryIsBackedUpThenUpgradedWithAnAuditEntry) {
    MakeFormat1();

    auto repo = Repository::Open(DataDir(), options_, &clock_);

    ASSERT_TRUE(repo.ok()) << repo.status().ToString();
    const auto& meta = (*repo)->metadata();
    EXPECT_EQ(Value(meta, keys::kFormat)["version"], 2);
    EXPECT_TRUE(Value(meta, kInstanzKey)["id"].is_string());
    auto trail = ReadAudit(meta, 0, 1000);
    ASSERT_TRUE(trail.ok());
    ASSERT_FALSE(trail->empty());
    EXPECT_EQ(trail->back().aktion, "datenformat-aktualisiert");
    EXPECT_EQ(trail->back().nachher["version"], 2);
    uint64_t entries = 0;
    AKTENWERK_EXPECT_OK(VerifyAuditChain(meta, &entries));
    // The backup holds the directory as it was before the step.
    auto backups = UpgradeBackups();
    ASSERT_EQ(backups.size(), 1u);
    auto folder = storage::BackupFolder::Open(backups[0]);
    ASSERT_TRUE(folder.ok()) << folder.status().ToString();
    auto snapshot = folder->Find("");
    ASSERT_TRUE(snapshot.ok()) << snapshot.status().ToString();
    AKTENWERK_EXPECT_OK(folder->Check(*snapshot, true));
    EXPECT_EQ(snapshot->manifest["repository"]["datenformat"], 1);
    EXPECT_EQ(snapshot->manifest["repository"]["instanz"], "");
    EXPECT_EQ(trail->back().nachher["sicherung"], backups[0]);
}

TEST_F(FormatUpgradeTest, UpgradedDirectoryOpensAgainWithoutAnotherUpgrade) {
    MakeFormat1();
    ASSERT_TRUE(Repository::Open(DataDir(), options_, &clock_).ok());

    auto again = Repository::Open(DataDir(), options_, &clock_);

    ASSERT_TRUE(again.ok()) << again.status().ToString();
    EXPECT_EQ(UpgradeBackups().size(), 1u);
}

TEST_F(FormatUpgradeTest, StepsOfATestRegistryRunInOrderEachWithItsAuditEntry) {
    std::vector<std::string> ran;
    std::vector<FormatUpgradeStep> steps = {
        {2, "zweiter",
         [&](storage::Txn& txn, const Clock&) {
             ran.push_back("2");
             txn.Put("m/test-step", storage::EncodeValue(json(2)));
             return Status::Ok();
         }},
        {1, "erster",
         [&](storage::Txn& txn, const Clock&) {
             ran.push_back("1");
             txn.Put("m/test-step", storage::EncodeValue(json(1)));
             return Status::Ok();
         }},
    };
    std::unique_ptr<storage::MetadataStore> store;

    auto report = Upgrade(1, 3, steps, &store);

    ASSERT_TRUE(report.ok()) << report.status().ToString();
    EXPECT_EQ(ran, (std::vector<std::string>{"1", "2"}));
    EXPECT_EQ(Value(*store, "m/test-step"), 2);
    EXPECT_EQ(Value(*store, keys::kFormat)["version"], 3);
    auto trail = ReadAudit(*store, 0, 1000);
    ASSERT_TRUE(trail.ok());
    ASSERT_GE(trail->size(), 2u);
    EXPECT_EQ((*trail)[trail->size() - 2].nachher["schritt"], "erster");
    EXPECT_EQ(trail->back().nachher["schritt"], "zweiter");
}

TEST_F(FormatUpgradeTest, FailingStepLeavesFormatAndDataAsTheyWere) {
    MakeFormat1();
    std::vector<FormatUpgradeStep> steps = {{1, "kaputt", [](storage::Txn& txn, const Clock&) {
                                                 txn.Put("m/test-step", "halb");
                                                 return CorruptionError(
                                                     "step found something it cannot convert");
                                             }}};
    std::unique_ptr<storage::MetadataStore> store;

    auto report = Upgrade(1, 2, steps, &store);

    EXPECT_EQ(report.status().code(), StatusCode::kCorruption);
    EXPECT_NE(report.status().message().find("upgrade-backup-1-"), std::string::npos);
    EXPECT_EQ(Value(*store, keys::kFormat)["version"], 1);
    EXPECT_TRUE(Value(*store, "m/test-step").is_null());
}

TEST_F(FormatUpgradeTest, MissingStepIsRefusedBeforeAnyBackup) {
    MakeFormat1();

    auto report = Upgrade(1, 2, {});

    EXPECT_EQ(report.status().code(), StatusCode::kInternal);
    EXPECT_TRUE(UpgradeBackups().empty());
}

}  // namespace
}  // namespace aktenwerk::dms
