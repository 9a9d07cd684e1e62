// Tests of the snapshot stream and backup folders on a real LevelDB and blob store: a
// snapshot taken while writes go on holds exactly what was committed before it, blobs a
// later change frees stay until the copy is done, a second backup copies only new blobs,
// and damaged or hostile folders and streams are refused without leaving anything behind.
#include "storage/snapshot_stream.h"

#include <filesystem>
#include <fstream>
#include <map>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "storage/backup_folder.h"
#include "storage/codec.h"
#include "storage/sha256.h"
#include "tests/support/status_testing.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::storage {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;

class SnapshotStreamTest : public ::testing::Test {
  protected:
    void SetUp() override {
        MetadataStoreOptions options;
        options.reserve_bytes = 0;
        fs::create_directories(dir_.Sub("data"));
        auto meta = MetadataStore::Open(dir_.Sub("data/meta"), options);
        ASSERT_TRUE(meta.ok()) << meta.status().ToString();
        meta_ = std::move(meta).value();
        auto blobs = BlobStore::Open(dir_.Sub("data/blobs"));
        ASSERT_TRUE(blobs.ok()) << blobs.status().ToString();
        blobs_ = std::move(blobs).value();
    }

    // Stores `content` as a blob with a reference key r/<sha> and a record naming it.
    std::string AddBlob(const std::string& name, const std::string& content) {
        auto writer = blobs_->NewWriter(1 << 20);
        EXPECT_TRUE(writer.ok());
        AKTENWERK_EXPECT_OK((*writer)->Append(content.data(), content.size()));
        auto finished = (*writer)->Finish();
        EXPECT_TRUE(finished.ok());
        const std::string sha = finished->first.sha256;
        Put({{"r/" + sha, "1"}, {"d/" + name, sha}});
        return sha;
    }
    void Put(const std::map<std::string, std::string>& entries) {
        AKTENWERK_EXPECT_OK(meta_->Commit([&](Txn& txn) {
            for (const auto& [k, v] : entries) txn.Put(k, v);
            return Status::Ok();
        }));
    }
    // Drops the reference of a blob and removes the file when unused, as a destruction does.
    void Destroy(const std::string& name, const std::string& sha) {
        AKTENWERK_EXPECT_OK(meta_->Commit([&](Txn& txn) {
            txn.Delete("r/" + sha);
            txn.Delete("d/" + name);
            return Status::Ok();
        }));
        auto removed = blobs_->RemoveIfUnused(sha, [&](const std::string& h) -> Result<bool> {
            AKTENWERK_ASSIGN_OR_RETURN(auto ref, meta_->Get("r/" + h));
            return ref.has_value();
        });
        EXPECT_TRUE(removed.ok());
    }

    std::unique_ptr<SnapshotSource> Source(std::function<bool(std::string_view)> has = {}) {
        SnapshotSourceOptions options;
        options.blob_ref_prefix = "r/";
        options.destination_has = std::move(has);
        auto source = SnapshotSource::Open(*meta_, *blobs_, std::move(options));
        EXPECT_TRUE(source.ok()) << source.status().ToString();
        return source.ok() ? std::move(source).value() : nullptr;
    }
    static ByteSource Pull(SnapshotSource& s) {
        return [&s](char* buf, size_t n) { return s.Read(buf, n); };
    }
    // Reads a whole stream into memory (small tests only).
    static std::string Drain(SnapshotSource& s) {
        std::string out;
        char buf[777];  // an odd size, so that entries straddle reads
        while (true) {
            auto n = s.Read(buf, sizeof(buf));
            EXPECT_TRUE(n.ok());
            if (!n.ok() || *n == 0) break;
            out.append(buf, *n);
        }
        return out;
    }
    static ByteSource FromString(const std::string& bytes) {
        auto pos = std::make_shared<size_t>(0);
        return [&bytes, pos](char* buf, size_t n) -> Result<size_t> {
            const size_t take = std::min(n, bytes.size() - *pos);
            std::memcpy(buf, bytes.data() + *pos, take);
            *pos += take;
            return take;
        };
    }

    Result<BackupSnapshot> Backup(BackupFolder& folder, BackupCounts* counts) {
        auto source = Source([&](std::string_view sha) { return folder.HasBlob(sha); });
        if (!source) return InternalError("no source");
        return folder.WriteSnapshot(Pull(*source), "test", nullptr, nullptr, counts);
    }
    BackupFolder Folder() {
        auto folder = BackupFolder::OpenOrCreate(dir_.Sub("backup"));
        EXPECT_TRUE(folder.ok()) << folder.status().ToString();
        return std::move(folder).value();
    }
    // Every key and value of a restored store.
    std::map<std::string, std::string> Restored(const std::string& target) {
        std::map<std::string, std::string> out;
        auto store = MetadataStore::Open(target + "/meta");
        EXPECT_TRUE(store.ok()) << store.status().ToString();
        if (!store.ok()) return out;
        AKTENWERK_EXPECT_OK((*store)->Scan("", "", 0, [&](auto k, auto v) {
            out[std::string(k)] = std::string(v);
            return true;
        }));
        return out;
    }

    TempDir dir_;
    std::unique_ptr<MetadataStore> meta_;
    std::unique_ptr<BlobStore> blobs_;
};

TEST_F(SnapshotStreamTest, StreamHasExactlyTheMeasuredSizeAndReadsBackWhole) {
    AddBlob("a", "Antrag auf Baugenehmigung");
    AddBlob("b", std::string(300'000, 'x'));
    auto source = Source();
    ASSERT_NE(source, nullptr);

    const std::string bytes = Drain(*source);
    std::map<std::string, std::string> records;
    std::map<std::string, std::string> blobs;
    SnapshotHandler handler;
    handler.record = [&](std::string_view k, std::string_view v) {
        records[std::string(k)] = std::string(v);
        return Status::Ok();
    };
    handler.blob = [&](const std::string& sha, uint64_t, const ByteSource& content) {
        std::string all;
        char buf[1000];
        for (auto n = content(buf, sizeof(buf)); n.ok() && *n > 0; n = content(buf, sizeof(buf))) {
            all.append(buf, *n);
        }
        blobs[sha] = all;
        return Status::Ok();
    };
    auto counts = ReadSnapshotStream(FromString(bytes), handler);

    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    EXPECT_EQ(bytes.size(), source->size());
    EXPECT_EQ(records.size(), 4u);
    ASSERT_EQ(blobs.size(), 2u);
    for (const auto& [sha, content] : blobs) EXPECT_EQ(Sha256Hex(content), sha);
}

TEST_F(SnapshotStreamTest, WritesAfterTheSnapshotAreNotInIt) {
    AddBlob("vorher", "vor der Sicherung");
    auto source = Source();
    ASSERT_NE(source, nullptr);

    AddBlob("nachher", "nach der Sicherung");
    Put({{"d/vorher", "geaendert"}});
    std::map<std::string, std::string> records;
    SnapshotHandler handler;
    handler.record = [&](std::string_view k, std::string_view v) {
        records[std::string(k)] = std::string(v);
        return Status::Ok();
    };
    auto counts = ReadSnapshotStream(Pull(*source), handler);

    ASSERT_TRUE(counts.ok()) << counts.status().ToString();
    EXPECT_EQ(counts->blobs, 1u);
    EXPECT_EQ(records.count("d/nachher"), 0u);
    EXPECT_NE(records["d/vorher"], "geaendert");
}

TEST_F(SnapshotStreamTest, BlobFreedAfterTheSnapshotIsCopiedAndRemovedOnlyAfterwards) {
    const std::string sha = AddBlob("akte", "wird nach der Sicherung vernichtet");
    auto source = Source();
    ASSERT_NE(source, nullptr);

    Destroy("akte", sha);
    EXPECT_TRUE(blobs_->Exists(sha));
    EXPECT_EQ(blobs_->deferred_removals(), 1u);
    BackupFolder folder = Folder();
    BackupCounts counts;
    auto written = folder.WriteSnapshot(Pull(*source), "test", nullptr, nullptr, &counts);
    source.reset();

    ASSERT_TRUE(written.ok()) << written.status().ToString();
    EXPECT_TRUE(folder.HasBlob(sha));
    EXPECT_FALSE(blobs_->Exists(sha));
}

TEST_F(SnapshotStreamTest, SecondBackupCopiesOnlyNewBlobs) {
    AddBlob("a", "erstes Dokument");
    AddBlob("b", "zweites Dokument");
    BackupFolder folder = Folder();
    BackupCounts first;
    ASSERT_TRUE(Backup(folder, &first).ok());

    AddBlob("c", "drittes Dokument");
    BackupCounts second;
    auto written = Backup(folder, &second);

    ASSERT_TRUE(written.ok()) << written.status().ToString();
    EXPECT_EQ(first.blobs_copied, 2u);
    EXPECT_EQ(second.blobs_copied, 1u);
    EXPECT_EQ(second.stream.blobs, 3u);
    auto all = folder.List();
    ASSERT_TRUE(all.ok());
    EXPECT_EQ(all->size(), 2u);
    for (const auto& s : *all) AKTENWERK_EXPECT_OK(folder.Check(s, /*rehash=*/true));
}

TEST_F(SnapshotStreamTest, RestoredStoreHoldsEveryEntryAndBlob) {
    const std::string sha = AddBlob("a", "Bescheid");
    Put({{"z/32.10-1/2026", "akte-1"}});
    BackupFolder folder = Folder();
    BackupCounts counts;
    auto snapshot = Backup(folder, &counts);
    ASSERT_TRUE(snapshot.ok());

    BackupCounts restored;
    AKTENWERK_ASSERT_OK(
        folder.RestoreSnapshot(*snapshot, dir_.Sub("restored"), "r/", nullptr, &restored));

    std::map<std::string, std::string> original;
    AKTENWERK_EXPECT_OK(meta_->Scan("", "", 0, [&](auto k, auto v) {
        original[std::string(k)] = std::string(v);
        return true;
    }));
    EXPECT_EQ(Restored(dir_.Sub("restored")), original);
    auto hashed = HashFile(dir_.Sub("restored/blobs/") + sha.substr(0, 2) + "/" + sha);
    ASSERT_TRUE(hashed.ok());
    EXPECT_EQ(hashed->first, sha);
}

TEST_F(SnapshotStreamTest, TruncatedOrAlteredStreamsAreRefusedAndLeaveNoSnapshot) {
    AddBlob("a", "Inhalt");
    auto source = Source();
    ASSERT_NE(source, nullptr);
    const std::string bytes = Drain(*source);
    BackupFolder folder = Folder();

    std::string truncated = bytes.substr(0, bytes.size() - 10);
    std::string altered = bytes;
    altered[kSnapshotMagic.size() + 12] ^= 1;  // inside the first metadata entry
    std::string trailing = bytes + "x";
    for (const std::string* bad : {&truncated, &altered, &trailing}) {
        BackupCounts counts;
        auto written = folder.WriteSnapshot(FromString(*bad), "test", nullptr, nullptr, &counts);
        EXPECT_EQ(written.status().code(), StatusCode::kCorruption) << written.status().ToString();
    }

    auto all = folder.List();
    ASSERT_TRUE(all.ok());
    EXPECT_TRUE(all->empty());
    EXPECT_TRUE(fs::is_empty(dir_.Sub("backup/snapshots")));
}

class DamagedBackupTest : public SnapshotStreamTest {
  protected:
    void SetUp() override {
        SnapshotStreamTest::SetUp();
        sha_ = AddBlob("a", "Gutachten");
        folder_ = std::make_unique<BackupFolder>(Folder());
        BackupCounts counts;
        auto snapshot = Backup(*folder_, &counts);
        ASSERT_TRUE(snapshot.ok());
        snapshot_ = *snapshot;
    }
    // The restore's error; the target must not be left with anything in it.
    Status RestoreFails() {
        BackupCounts counts;
        auto found = folder_->Find(snapshot_.name);
        Status s = found.ok() ? folder_->RestoreSnapshot(*found, dir_.Sub("target"), "r/", nullptr,
                                                         &counts)
                              : found.status();
        EXPECT_FALSE(s.ok());
        return s;
    }
    void Rewrite(const std::string& path, const std::string& content) {
        fs::permissions(path, fs::perms::owner_write, fs::perm_options::add);
        std::ofstream(path, std::ios::binary | std::ios::trunc) << content;
    }
    std::string ReadAll(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        return std::string(std::istreambuf_iterator<char>(in), {});
    }

    std::string sha_;
    std::unique_ptr<BackupFolder> folder_;
    BackupSnapshot snapshot_;
};

TEST_F(DamagedBackupTest, MissingBlobIsRefused) {
    fs::remove(dir_.Sub("backup/blobs/") + sha_.substr(0, 2) + "/" + sha_);

    Status s = RestoreFails();

    EXPECT_EQ(s.code(), StatusCode::kCorruption);
    EXPECT_NE(s.message().find("lacks blob " + sha_), std::string::npos) << s.ToString();
    EXPECT_FALSE(folder_->Check(snapshot_, false).ok());
}

TEST_F(DamagedBackupTest, DamagedBlobIsRefused) {
    Rewrite(dir_.Sub("backup/blobs/") + sha_.substr(0, 2) + "/" + sha_, "Gutachtex");

    Status s = RestoreFails();

    EXPECT_NE(s.message().find("damaged"), std::string::npos) << s.ToString();
    EXPECT_FALSE(folder_->Check(snapshot_, true).ok());
}

TEST_F(DamagedBackupTest, EditedManifestIsRefused) {
    const std::string path = snapshot_.dir + "/manifest.json";
    std::string text = ReadAll(path);
    const size_t at = text.find("\"count\": 1");
    ASSERT_NE(at, std::string::npos);
    Rewrite(path, text.replace(at, 10, "\"count\": 2"));

    Status s = RestoreFails();

    EXPECT_EQ(s.code(), StatusCode::kCorruption);
    EXPECT_NE(s.message().find("manifest.json was changed"), std::string::npos) << s.ToString();
}

TEST_F(DamagedBackupTest, ManifestWithAMatchingChecksumButOtherFilesIsRefused) {
    // A forger who recomputes the checksum still has to match the files' hashes.
    const std::string path = snapshot_.dir + "/manifest.json";
    auto manifest = nlohmann::json::parse(ReadAll(path));
    manifest["metadata"]["records"] = 1;
    manifest["checksum"] = ManifestChecksum(manifest);
    Rewrite(path, manifest.dump());

    Status s = RestoreFails();

    EXPECT_EQ(s.code(), StatusCode::kCorruption);
    EXPECT_NE(s.message().find("metadata.kv does not match"), std::string::npos) << s.ToString();
}

TEST_F(DamagedBackupTest, BlobListNamingAPathOutsideTheFolderIsRefused) {
    const std::string list = "../../../../etc/passwd 1\n";
    Rewrite(snapshot_.dir + "/blobs.txt", list);
    const std::string path = snapshot_.dir + "/manifest.json";
    auto manifest = nlohmann::json::parse(ReadAll(path));
    manifest["blobs"]["sha256"] = Sha256Hex(list);
    manifest["checksum"] = ManifestChecksum(manifest);
    Rewrite(path, manifest.dump());

    Status s = RestoreFails();

    EXPECT_NE(s.message().find("malformed line"), std::string::npos) << s.ToString();
}

TEST_F(DamagedBackupTest, SnapshotNameLeavingTheFolderIsRefused) {
    auto found = folder_->Find("../../data");

    EXPECT_EQ(found.status().code(), StatusCode::kInvalidArgument);
}

}  // namespace
}  // namespace aktenwerk::storage
