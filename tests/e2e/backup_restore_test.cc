// Backup and restore end to end: `aktenwerk backup --url` against the real server while a
// client keeps writing, `aktenwerk restore` into a new data directory, and the restored copy
// started and compared object by object with the original; a document deleted after the
// backup stays deleted; a second backup copies only new blobs; and backup folders with a
// missing blob, an edited manifest or a path escape are refused with nothing restored.
#include <atomic>
#include <filesystem>
#include <fstream>
#include <map>
#include <mutex>
#include <regex>
#include <thread>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/data_dir_check.h"
#include "tests/support/sha256.h"

namespace aktenwerk::e2e {
namespace {

namespace fs = std::filesystem;
using test_support::CommandResult;
using test_support::DataDirFacts;
using test_support::DataDirIsConsistent;
using test_support::RunCommand;
using test_support::Sha256Hex;

class BackupRestoreTest : public E2eTest {
  protected:
    std::string DataDir() const { return scratch().Sub("data"); }
    std::string BackupDir() const { return scratch().Sub("backup"); }

    CommandResult Aktenwerk(std::vector<std::string> args) {
        args.insert(args.begin(), AktenwerkBinary());
        return RunCommand(args, {"AKTENWERK_PASSWORD=" + server().admin_password()});
    }
    // `aktenwerk backup --url` of the running server; returns the snapshot's name.
    std::string BackupOnline() {
        auto r = Aktenwerk({"backup", "--url", server().base_url(), "--to", BackupDir()});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return Field(r.output, "snapshot");
    }
    CommandResult Restore(const std::string& target, const std::string& snapshot = {}) {
        std::vector<std::string> args = {"restore", "--from", BackupDir(), "--data", target};
        if (!snapshot.empty()) args.insert(args.end(), {"--snapshot", snapshot});
        return Aktenwerk(args);
    }
    // The value of `key=` in a command's summary line.
    static std::string Field(const std::string& output, const std::string& key) {
        std::smatch m;
        std::regex re("(^|\\s)" + key + "=(\\S+)");
        return std::regex_search(output, m, re) ? m[2].str() : std::string();
    }

    // The check every restored copy must pass: consistent on disk, and the same documents
    // with the same content as `original` wherever both have them.
    // `aktenwerk verify` re-hashes the blobs and checks the chain, its signed heads, the
    // signatures and the evidence paths, which the data-dir check does not.
    void ExpectRestoredCopyConsistent(const std::string& restored, DataDirFacts* facts) {
        EXPECT_TRUE(DataDirIsConsistent(restored, facts));
        auto verified = Aktenwerk({"verify", "--data", restored});
        EXPECT_EQ(verified.exit_code, 0) << verified.output;
    }
};

// Uploads until told to stop or a bounded count is reached; records what was acknowledged.
struct Writer {
    std::mutex mu;
    std::map<std::string, std::string> acked;  // guarded by mu: id -> sha256
    std::atomic<int> count{0};
    std::atomic<bool> stop{false};

    void Run(HttpClient& client, const std::string& vorgang_id) {
        for (int i = 0; i < 400 && !stop.load(); ++i) {
            const std::string content = "Eingang Nr. " + std::to_string(i) + "\n" +
                                        std::string(static_cast<size_t>(100 + i * 13), 'p');
            auto res = client.Post("/api/v1/dokumente?parent_id=" + vorgang_id +
                                       "&dateiname=Eingang-" + std::to_string(i) + ".txt",
                                   content, "text/plain");
            if (res.status != 201) continue;
            std::lock_guard lock(mu);
            acked[res.Json().value("id", "")] = Sha256Hex(content);
            count.fetch_add(1);
        }
    }
    std::map<std::string, std::string> Acked() {
        std::lock_guard lock(mu);
        return acked;
    }
};

TEST_F(BackupRestoreTest, OnlineBackupWhileAClientWritesRestoresACopyThatServesEverything) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    Ablage a = CreateAblage();
    const std::string first = UploadDokument(a.vorgang_id, "Antrag.txt", "Antrag auf Zuschuss");
    Writer writer;
    auto client = NewClient();
    std::thread thread([&] { writer.Run(*client, a.vorgang_id); });
    for (int i = 0; i < 20'000 && writer.count.load() < 30; ++i) {
        std::this_thread::sleep_for(std::chrono::milliseconds(1));
    }
    const auto before = writer.Acked();

    const std::string snapshot = BackupOnline();
    const int during_backup = writer.count.load() - static_cast<int>(before.size());
    writer.stop = true;
    thread.join();
    ASSERT_FALSE(snapshot.empty());
    ASSERT_TRUE(server().Stop().has_value());
    DataDirFacts original;
    ASSERT_TRUE(DataDirIsConsistent(DataDir(), &original));
    auto restored = Restore(scratch().Sub("restored"));
    ASSERT_EQ(restored.exit_code, 0) << restored.output;

    DataDirFacts copy;
    ExpectRestoredCopyConsistent(scratch().Sub("restored"), &copy);
    RecordProperty("uploads_during_backup", during_backup);
    for (const auto& [id, sha] : before) {
        ASSERT_EQ(copy.dokumente.count(id), 1u) << "acknowledged before the backup, lost: " << id;
        EXPECT_EQ(copy.dokumente[id], sha);
    }
    for (const auto& [id, shas] : copy.dokumente) EXPECT_EQ(original.dokumente[id], shas) << id;
    EXPECT_LE(copy.dokumente.size(), original.dokumente.size());
    ASSERT_TRUE(StartServer({}, scratch().Sub("restored")));
    EXPECT_EQ(Download(first).body, "Antrag auf Zuschuss");
    for (const auto& [id, sha] : before) EXPECT_EQ(Sha256Hex(Download(id).body), sha) << id;
    ExpectAuditChainIntact();
    EXPECT_EQ(SearchHits("Zuschuss"), std::set<std::string>{first});
}

TEST_F(BackupRestoreTest, DocumentDeletedAfterTheBackupIsNotBroughtBackByTheRestore) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    Ablage a = CreateAblage();
    const std::string kept = UploadDokument(a.vorgang_id, "Bescheid.txt", "Bescheid bleibt");
    const std::string gone = UploadDokument(a.vorgang_id, "Fehlablage.txt", "falsch abgelegt");
    const std::string old_snapshot = BackupOnline();
    ASSERT_EQ(api().Delete("/api/v1/dokumente/" + gone + "?grund=Fehlablage").status, 200);
    BackupOnline();  // carries the removal in its register
    ASSERT_TRUE(server().Stop().has_value());

    auto restored = Restore(scratch().Sub("restored"), old_snapshot);

    ASSERT_EQ(restored.exit_code, 0) << restored.output;
    EXPECT_NE(restored.output.find("repeated removal objekt=" + gone + " aktion=geloescht"),
              std::string::npos)
        << restored.output;
    DataDirFacts copy;
    ExpectRestoredCopyConsistent(scratch().Sub("restored"), &copy);
    EXPECT_EQ(copy.dokumente.count(gone), 0u);
    EXPECT_EQ(copy.blobs.count(Sha256Hex("falsch abgelegt")), 0u);
    ASSERT_TRUE(StartServer({}, scratch().Sub("restored")));
    EXPECT_EQ(Download(kept).body, "Bescheid bleibt");
    EXPECT_EQ(api().Get("/api/v1/dokumente/" + gone).status, 404);
    EXPECT_TRUE(SearchHits("abgelegt").empty());
}

TEST_F(BackupRestoreTest, DeletionAfterTheNewestBackupIsRepeatedFromTheOldDataDirectory) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    Ablage a = CreateAblage();
    const std::string kept = UploadDokument(a.vorgang_id, "Bescheid.txt", "Bescheid gilt");
    const std::string gone = UploadDokument(a.vorgang_id, "Doppel.txt", "doppelt erfasst");
    BackupOnline();
    ASSERT_EQ(api().Delete("/api/v1/dokumente/" + gone + "?grund=Doppelerfassung").status, 200);
    ASSERT_TRUE(server().Stop().has_value());

    auto restored = Aktenwerk({"restore", "--from", BackupDir(), "--data",
                               scratch().Sub("restored"), "--destroyed-from", DataDir()});

    ASSERT_EQ(restored.exit_code, 0) << restored.output;
    EXPECT_NE(restored.output.find("repeated removal objekt=" + gone + " aktion=geloescht"),
              std::string::npos)
        << restored.output;
    DataDirFacts copy;
    ExpectRestoredCopyConsistent(scratch().Sub("restored"), &copy);
    EXPECT_EQ(copy.dokumente.count(gone), 0u);
    EXPECT_EQ(copy.dokumente.count(kept), 1u);
    EXPECT_EQ(copy.blobs.count(Sha256Hex("doppelt erfasst")), 0u);
}

TEST_F(BackupRestoreTest, ExportedRegisterKeepsADeletionAfterTheBackupDeleted) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    Ablage a = CreateAblage();
    const std::string gone = UploadDokument(a.vorgang_id, "Irrlaeufer.txt", "Irrlaeufer");
    BackupOnline();
    ASSERT_EQ(api().Delete("/api/v1/dokumente/" + gone + "?grund=Irrlaeufer").status, 200);
    ASSERT_TRUE(server().Stop().has_value());
    const std::string reg = scratch().Sub("register.json");
    auto exported = Aktenwerk({"backup", "register", "--data", DataDir(), "--out", reg});
    ASSERT_EQ(exported.exit_code, 0) << exported.output;
    EXPECT_EQ(Field(exported.output, "removals"), "1");
    fs::remove_all(DataDir());  // the disaster: only the backup and the register are left

    auto restored = Aktenwerk({"restore", "--from", BackupDir(), "--data",
                               scratch().Sub("restored"), "--destroyed-from", reg});

    ASSERT_EQ(restored.exit_code, 0) << restored.output;
    EXPECT_EQ(Field(restored.output, "repeated_removals"), "1");
    DataDirFacts copy;
    ExpectRestoredCopyConsistent(scratch().Sub("restored"), &copy);
    EXPECT_EQ(copy.dokumente.count(gone), 0u);
}

TEST_F(BackupRestoreTest, RegisterOfAnotherRepositoryIsRefusedAndNothingIsRestored) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    CreateAblage();
    BackupOnline();
    ASSERT_TRUE(server().Stop().has_value());
    ASSERT_TRUE(StartServer({}, scratch().Sub("other")));
    ASSERT_TRUE(server().Stop().has_value());

    auto restored =
        Aktenwerk({"restore", "--from", BackupDir(), "--data", scratch().Sub("restored"),
                   "--destroyed-from", scratch().Sub("other")});

    EXPECT_NE(restored.exit_code, 0);
    EXPECT_NE(restored.output.find("belongs to another repository"), std::string::npos)
        << restored.output;
    EXPECT_FALSE(fs::exists(scratch().Sub("restored")));
}

TEST_F(BackupRestoreTest, MalformedRegisterFileIsRefusedAndNothingIsRestored) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    CreateAblage();
    BackupOnline();
    ASSERT_TRUE(server().Stop().has_value());
    const std::string reg = scratch().Sub("register.json");
    std::ofstream(reg) << R"({"format": "aktenwerk-entfernungen", "instanz": 7})";

    auto restored = Aktenwerk({"restore", "--from", BackupDir(), "--data",
                               scratch().Sub("restored"), "--destroyed-from", reg});

    EXPECT_NE(restored.exit_code, 0);
    EXPECT_NE(restored.output.find("belongs to another repository"), std::string::npos)
        << restored.output;
    std::ofstream(reg, std::ios::trunc) << "kein JSON";
    restored = Aktenwerk({"restore", "--from", BackupDir(), "--data", scratch().Sub("restored"),
                          "--destroyed-from", reg});
    EXPECT_NE(restored.exit_code, 0);
    EXPECT_NE(restored.output.find("is not a register"), std::string::npos) << restored.output;
    EXPECT_FALSE(fs::exists(scratch().Sub("restored")));
}

// A removal the register records for a record that a hold in the backup protects is not
// forced through: the restore stops, says why, and leaves nothing (restore a newer snapshot).
TEST_F(BackupRestoreTest, RemovalThatAHoldInTheBackupBlocksStopsTheRestore) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    Ablage a = CreateAblage();
    const std::string doc = UploadDokument(a.vorgang_id, "Akte.txt", "gesperrt gesichert");
    auto hold = api().PostJson(
        "/api/v1/sperren",
        {{"objekt_id", a.akte_id}, {"grund", "Pruefung"}, {"anordnende_stelle", "Rechnungshof"}});
    ASSERT_EQ(hold.status, 201) << hold.Describe();
    BackupOnline();
    ASSERT_EQ(api()
                  .PostJson("/api/v1/sperren/" + hold.Json()["id"].get<std::string>() + "/aufheben",
                            {{"grund", "erledigt"}})
                  .status,
              200);
    ASSERT_EQ(api().Delete("/api/v1/dokumente/" + doc + "?grund=Bereinigung").status, 200);
    ASSERT_TRUE(server().Stop().has_value());

    auto restored = Aktenwerk({"restore", "--from", BackupDir(), "--data",
                               scratch().Sub("restored"), "--destroyed-from", DataDir()});

    EXPECT_NE(restored.exit_code, 0);
    EXPECT_NE(restored.output.find(doc), std::string::npos) << restored.output;
    EXPECT_FALSE(fs::exists(scratch().Sub("restored")));
}

TEST_F(BackupRestoreTest, HoldInTheBackupStillBlocksDeletionAfterTheRestore) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    Ablage a = CreateAblage();
    const std::string doc = UploadDokument(a.vorgang_id, "Beweis.txt", "Beweismittel");
    auto hold = api().PostJson("/api/v1/sperren", {{"objekt_id", a.akte_id},
                                                   {"grund", "Klage"},
                                                   {"anordnende_stelle", "Verwaltungsgericht"}});
    ASSERT_EQ(hold.status, 201) << hold.Describe();
    BackupOnline();
    ASSERT_TRUE(server().Stop().has_value());
    auto restored = Restore(scratch().Sub("restored"));
    ASSERT_EQ(restored.exit_code, 0) << restored.output;

    ASSERT_TRUE(StartServer({}, scratch().Sub("restored")));
    auto refused = api().Delete("/api/v1/dokumente/" + doc + "?grund=Bereinigung");

    EXPECT_EQ(refused.status, 409) << refused.Describe();
    EXPECT_EQ(refused.ProblemType(), Problem("held")) << refused.Describe();
    EXPECT_EQ(Download(doc).body, "Beweismittel");
}

TEST_F(BackupRestoreTest, SecondBackupCopiesOnlyTheNewBlobs) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    Ablage a = CreateAblage();
    for (int i = 0; i < 5; ++i) UploadDokument(a.vorgang_id, "alt.txt", "alt " + std::to_string(i));
    auto first = Aktenwerk({"backup", "--url", server().base_url(), "--to", BackupDir()});
    ASSERT_EQ(first.exit_code, 0) << first.output;
    for (int i = 0; i < 3; ++i) UploadDokument(a.vorgang_id, "neu.txt", "neu " + std::to_string(i));

    auto second = Aktenwerk({"backup", "--url", server().base_url(), "--to", BackupDir()});

    ASSERT_EQ(second.exit_code, 0) << second.output;
    EXPECT_EQ(Field(first.output, "copied"), "5");
    EXPECT_EQ(Field(second.output, "copied"), "3");
    EXPECT_EQ(Field(second.output, "blobs"), "8");
    auto check = Aktenwerk({"backup", "check", "--from", BackupDir(), "--alle"});
    EXPECT_EQ(check.exit_code, 0) << check.output;
}

TEST_F(BackupRestoreTest, OfflineBackupOfAStoppedServerRestoresTheSameDocuments) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    Ablage a = CreateAblage();
    const std::string doc = UploadDokument(a.vorgang_id, "Vermerk.txt", "Vermerk vom Montag");
    ASSERT_TRUE(server().Stop().has_value());

    auto backup = Aktenwerk({"backup", "--data", DataDir(), "--to", BackupDir()});
    ASSERT_EQ(backup.exit_code, 0) << backup.output;
    auto restored = Restore(scratch().Sub("restored"));

    ASSERT_EQ(restored.exit_code, 0) << restored.output;
    DataDirFacts original;
    DataDirFacts copy;
    ASSERT_TRUE(DataDirIsConsistent(DataDir(), &original));
    ExpectRestoredCopyConsistent(scratch().Sub("restored"), &copy);
    EXPECT_EQ(copy.dokumente, original.dokumente);
    EXPECT_EQ(copy.objekte, original.objekte);
}

TEST_F(BackupRestoreTest, BackupNeedsAnAdministrator) {
    ASSERT_TRUE(StartServer({}, DataDir()));
    auto r =
        RunCommand({AktenwerkBinary(), "backup", "--url", server().base_url(), "--to", BackupDir()},
                   {"AKTENWERK_PASSWORD=falsch"});

    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("refused"), std::string::npos) << r.output;
}

class HostileBackupTest : public BackupRestoreTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(StartServer({}, DataDir()));
        Ablage a = CreateAblage();
        doc_sha_ = Sha256Hex("Gutachten Bodenprobe");
        UploadDokument(a.vorgang_id, "Gutachten.txt", "Gutachten Bodenprobe");
        snapshot_ = BackupOnline();
        ASSERT_FALSE(snapshot_.empty());
    }
    // The restore must fail with `message` in its output and leave no data directory.
    void ExpectRefused(const std::string& message, const std::string& snapshot = {}) {
        auto r = Restore(scratch().Sub("restored"), snapshot);
        EXPECT_NE(r.exit_code, 0);
        EXPECT_NE(r.output.find(message), std::string::npos) << r.output;
        EXPECT_FALSE(fs::exists(scratch().Sub("restored")));
        for (const auto& entry : fs::directory_iterator(scratch().path())) {
            EXPECT_EQ(entry.path().filename().string().find("restored.restore-"), std::string::npos)
                << "staging folder left: " << entry.path();
        }
    }
    std::string SnapshotDir() const { return BackupDir() + "/snapshots/" + snapshot_; }

    std::string doc_sha_;
    std::string snapshot_;
};

TEST_F(HostileBackupTest, MissingBlobIsRefused) {
    fs::remove(BackupDir() + "/blobs/" + doc_sha_.substr(0, 2) + "/" + doc_sha_);
    ExpectRefused("lacks blob " + doc_sha_);
}

TEST_F(HostileBackupTest, TamperedManifestIsRefused) {
    const std::string path = SnapshotDir() + "/manifest.json";
    std::ifstream in(path);
    std::string text((std::istreambuf_iterator<char>(in)), {});
    in.close();
    text.replace(text.find("\"objekte\": "), 11, "\"objekte\": 9");
    std::ofstream(path, std::ios::trunc) << text;

    ExpectRefused("manifest.json was changed");
}

TEST_F(HostileBackupTest, SnapshotNameWithAPathEscapeIsRefused) {
    ExpectRefused("is not the name of a snapshot", "../../data");
}

TEST_F(HostileBackupTest, RestoreIntoANonEmptyDirectoryIsRefused) {
    fs::create_directories(scratch().Sub("restored"));
    std::ofstream(scratch().Sub("restored/notiz.txt")) << "wichtig";

    auto r = Restore(scratch().Sub("restored"));

    EXPECT_NE(r.exit_code, 0);
    EXPECT_NE(r.output.find("is not empty"), std::string::npos) << r.output;
    EXPECT_TRUE(fs::exists(scratch().Sub("restored/notiz.txt")));
}

}  // namespace
}  // namespace aktenwerk::e2e
