// The data format upgrade through the real binary: a data directory rewritten to format 1
// (as the binaries before the instance id wrote it) is upgraded when the server starts, after
// a backup that restores the directory as it was; a directory of a newer format is refused.
#include <filesystem>
#include <memory>

#include <leveldb/db.h>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/data_dir_check.h"

namespace aktenwerk::e2e {
namespace {

namespace fs = std::filesystem;
using test_support::CommandResult;
using test_support::DataDirFacts;
using test_support::DataDirIsConsistent;
using test_support::RunCommand;

class FormatUpgradeE2eTest : public E2eTest {
  protected:
    std::string DataDir() const { return scratch().Sub("data"); }

    // Writes m/format = {"version": version} (the stored value encoding: a version byte and
    // MessagePack) and, for format 1, removes the instance id that format 2 added.
    void RewriteFormat(int version) {
        leveldb::DB* raw = nullptr;
        leveldb::Options options;
        ASSERT_TRUE(leveldb::DB::Open(options, DataDir() + "/meta", &raw).ok());
        std::unique_ptr<leveldb::DB> db(raw);
        std::string value(1, '\x01');
        json::to_msgpack(json{{"version", version}}, nlohmann::detail::output_adapter<char>(value));
        leveldb::WriteOptions sync;
        sync.sync = true;
        ASSERT_TRUE(db->Put(sync, "m/format", value).ok());
        if (version == 1) {
            ASSERT_TRUE(db->Delete(sync, "m/instanz").ok());
        }
    }
    std::vector<std::string> UpgradeBackups() const {
        std::vector<std::string> out;
        for (const auto& e : fs::directory_iterator(DataDir())) {
            if (e.path().filename().string().rfind("upgrade-backup-1-", 0) == 0) {
                out.push_back(e.path().string());
            }
        }
        return out;
    }
};

TEST_F(FormatUpgradeE2eTest, ServerUpgradesAFormat1DirectoryOnStartAfterABackup) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    Ablage a = CreateAblage();
    const std::string doc = UploadDokument(a.vorgang_id, "Alt.txt", "Bestand vor dem Update");
    ASSERT_TRUE(server().Stop().has_value());
    RewriteFormat(1);

    ASSERT_TRUE(server().Restart());
    ReconnectApi();

    EXPECT_EQ(Download(doc).body, "Bestand vor dem Update");
    int upgrades = 0;
    for (const auto& entry : AuditTrail()) {
        if (entry["aktion"] != "datenformat-aktualisiert") continue;
        ++upgrades;
        EXPECT_EQ(entry["nachher"]["version"], 2) << entry.dump();
    }
    EXPECT_EQ(upgrades, 1);
    ExpectAuditChainIntact();
    ASSERT_TRUE(server().Stop().has_value());
    ASSERT_TRUE(DataDirIsConsistent(DataDir()));
    // The backup taken before the step restores the directory as it was, still format 1,
    // which the restored copy's first open upgrades in its turn.
    const auto backups = UpgradeBackups();
    ASSERT_EQ(backups.size(), 1u);
    auto restored = RunCommand(
        {AktenwerkBinary(), "restore", "--from", backups[0], "--data", scratch().Sub("restored")});
    ASSERT_EQ(restored.exit_code, 0) << restored.output;
    DataDirFacts copy;
    ASSERT_TRUE(DataDirIsConsistent(scratch().Sub("restored"), &copy));
    EXPECT_EQ(copy.dokumente.count(doc), 1u);
}

TEST_F(FormatUpgradeE2eTest, ServerRefusesADirectoryOfANewerFormat) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    ASSERT_TRUE(server().Stop().has_value());
    RewriteFormat(99);

    CommandResult r = RunCommand(
        {AktenwerkBinary(), "backup", "--data", DataDir(), "--to", scratch().Sub("backup")});

    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("format"), std::string::npos) << r.output;
    EXPECT_TRUE(UpgradeBackups().empty());
}

}  // namespace
}  // namespace aktenwerk::e2e
