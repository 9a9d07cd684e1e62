// A full disk: the server runs on a small tmpfs, uploads until the disk is full, answers
// 507 disk-full, and keeps everything it stored before readable and intact. A read-only
// disk: uploads fail with a clear 503, reads go on, and writes work again once the file
// system is writable, without a restart.
#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/sha256.h"

namespace aktenwerk::e2e {
namespace {

namespace fs = std::filesystem;
using test_support::RunCommand;
using test_support::Sha256Hex;

// Content that no other upload shares (so that nothing is deduplicated).
std::string Filler(int n, size_t size) {
    std::string out;
    out.reserve(size);
    uint64_t x = 0x9e3779b97f4a7c15ull * static_cast<uint64_t>(n + 1);
    while (out.size() < size) {
        x ^= x << 13;
        x ^= x >> 7;
        x ^= x << 17;
        out.push_back(static_cast<char>(x & 0xff));
    }
    return out;
}

class DiskFullTest : public E2eTest {
  protected:
    // The server goes first (it keeps files open on the tmpfs), then the mount.
    void TearDown() override {
        E2eTest::TearDown();
        if (!inner_mount_.empty()) RunCommand({"umount", "-l", inner_mount_});
        if (!mount_point_.empty()) {
            auto res = RunCommand({"umount", mount_point_});
            if (res.exit_code != 0) RunCommand({"umount", "-l", mount_point_});
        }
    }

    // Mounts a tmpfs of `size` at a fresh folder; false when this machine does not allow it.
    bool MountTmpfs(const std::string& size, std::string* why) {
        std::string dir = scratch().Sub("tmpfs");
        fs::create_directories(dir);
        auto res = RunCommand({"mount", "-t", "tmpfs", "-o", "size=" + size, "tmpfs", dir});
        if (res.exit_code != 0) {
            *why = res.output;
            return false;
        }
        mount_point_ = dir;
        return true;
    }

    // Mounts a tmpfs of its own at `dir` (inside the first one); false when not allowed.
    bool MountInner(const std::string& dir, std::string* why) {
        fs::create_directories(dir);
        auto res = RunCommand({"mount", "-t", "tmpfs", "-o", "size=4m", "tmpfs", dir});
        if (res.exit_code != 0) {
            *why = res.output;
            return false;
        }
        inner_mount_ = dir;
        return true;
    }

    std::string mount_point_;
    std::string inner_mount_;
};

// Linux refuses `mount -o remount,ro` while a process holds a file on it open for writing
// ("mount point is busy"), and LevelDB holds its log open for as long as the server runs; a
// data directory turns read-only under a running server only when the kernel forces it
// after I/O errors, which no test can undo. The blob store holds no file open between
// uploads, so the test gives it a file system of its own and turns that read-only.
TEST_F(DiskFullTest, ReadOnlyBlobStoreRefusesUploadsKeepsReadingAndRecoversWithoutRestart) {
    std::string why;
    if (!MountTmpfs("8m", &why)) GTEST_SKIP() << "cannot mount a tmpfs (needs root): " << why;
    const std::string data = mount_point_ + "/data";
    ASSERT_TRUE(MountInner(data + "/blobs", &why)) << why;
    ASSERT_TRUE(StartServer({"--reserve", "256K"}, data));
    Ablage a = CreateAblage();
    const std::string before = Filler(1, 10000);
    const std::string stored = UploadDokument(a.vorgang_id, "Vorher.bin", before);
    ASSERT_FALSE(stored.empty());

    auto ro = RunCommand({"mount", "-o", "remount,ro", inner_mount_});
    ASSERT_EQ(ro.exit_code, 0) << ro.output;
    auto refused = UploadRaw(a.vorgang_id, "Waehrenddessen.bin", Filler(2, 10000));
    EXPECT_EQ(refused.status, 503) << refused.Describe();
    EXPECT_EQ(refused.ProblemType(), Problem("read-only")) << refused.Describe();
    EXPECT_NE(refused.Json().value("detail", "").find("read-only"), std::string::npos);
    EXPECT_FALSE(refused.Json().value("request_id", "").empty());

    // Reads go on, and so do changes that need no blob.
    auto read = Download(stored);
    ASSERT_EQ(read.status, 200) << read.Describe();
    EXPECT_EQ(Sha256Hex(read.body), Sha256Hex(before));
    EXPECT_EQ(CreateVorgang(a.akte_id, "Ohne Inhalt").value("betreff", ""), "Ohne Inhalt");
    auto ready = api().Get("/readyz");
    EXPECT_EQ(ready.status, 200);
    EXPECT_EQ(ready.Json().value("status", ""), "degraded") << ready.body;
    EXPECT_EQ(ready.Json()["disk"].value("state", ""), "read-only") << ready.body;
    EXPECT_EQ(Metric("aktenwerk_disk_read_only"), 1u);

    auto rw = RunCommand({"mount", "-o", "remount,rw", inner_mount_});
    ASSERT_EQ(rw.exit_code, 0) << rw.output;
    EXPECT_FALSE(UploadDokument(a.vorgang_id, "Nachher.bin", Filler(3, 10000)).empty());
    EXPECT_EQ(api().Get("/readyz").Json().value("status", ""), "ready");
    EXPECT_EQ(Metric("aktenwerk_disk_read_only"), 0u);
    EXPECT_TRUE(TmpFilesOnDisk().empty());
    EXPECT_EQ(BlobFilesOnDisk(), ReferencedHashes());
    EXPECT_EQ(server().Stop(), 0) << server().log_text();
}

TEST_F(DiskFullTest, FullDiskAnswers507AndKeepsWhatWasStored) {
    std::string why;
    if (!MountTmpfs("3m", &why)) GTEST_SKIP() << "cannot mount a tmpfs (needs root): " << why;
    ASSERT_TRUE(StartServer({"--reserve", "256K"}, mount_point_ + "/data"));
    Ablage a = CreateAblage();
    ASSERT_FALSE(a.vorgang_id.empty());

    struct Stored {
        std::string id;
        std::string sha256;
    };
    std::vector<Stored> stored;
    HttpResponse last;
    for (int i = 0; i < 40; ++i) {
        const std::string content = Filler(i, 256 * 1024);
        last = UploadRaw(a.vorgang_id, "Scan " + std::to_string(i) + ".bin", content);
        if (last.status != 201) break;
        stored.push_back({last.Json()["id"], Sha256Hex(content)});
    }
    ASSERT_EQ(last.status, 507) << "no disk-full answer after " << stored.size() << " uploads\n"
                                << last.Describe();
    EXPECT_EQ(last.ProblemType(), Problem("disk-full")) << last.Describe();
    ASSERT_FALSE(stored.empty());

    // Reads still work, and what was stored is intact.
    EXPECT_EQ(api().Get("/api/v1/aktenplan").status, 200);
    EXPECT_EQ(Children("/api/v1/vorgaenge/" + a.vorgang_id + "/inhalt").size(), stored.size());
    for (const auto& doc : stored) {
        auto res = Download(doc.id);
        ASSERT_EQ(res.status, 200) << res.Describe();
        EXPECT_EQ(Sha256Hex(res.body), doc.sha256);
    }
    EXPECT_TRUE(TmpFilesOnDisk().empty()) << "a failed upload left its temporary file";

    // With room again, after a restart, nothing is corrupted and writes work again.
    EXPECT_EQ(server().Stop(), 0) << server().log_text();
    ASSERT_EQ(RunCommand({"mount", "-o", "remount,size=8m", mount_point_}).exit_code, 0);
    ASSERT_TRUE(server().Start());
    ReconnectApi();
    for (const auto& doc : stored) {
        auto res = Download(doc.id);
        ASSERT_EQ(res.status, 200) << res.Describe();
        EXPECT_EQ(Sha256Hex(res.body), doc.sha256);
    }
    EXPECT_FALSE(UploadDokument(a.vorgang_id, "Nach dem Aufräumen.txt", "wieder Platz").empty());
    EXPECT_EQ(BlobFilesOnDisk(), ReferencedHashes());
}

// Many small documents: here the metadata store (its log) is the first to hit the full disk,
// not a blob. The answer must be the same clear 507.
class SmallDocumentsDiskFullTest : public DiskFullTest {
  protected:
    struct Stored {
        std::string id;
        std::string sha256;
    };

    // Mounts 2 MB, starts the server there with `reserve` bytes of free space kept back, and
    // uploads 3 KB documents until the disk is full.
    void FillTheDisk(const std::string& reserve = "256K") {
        std::string why;
        if (!MountTmpfs("2m", &why)) GTEST_SKIP() << "cannot mount a tmpfs (needs root): " << why;
        ASSERT_TRUE(StartServer({"--reserve", reserve}, mount_point_ + "/data"));
        Ablage a = CreateAblage();
        ASSERT_FALSE(a.vorgang_id.empty());
        akte_id_ = a.akte_id;
        HttpResponse last;
        for (int i = 0; i < 3000; ++i) {
            const std::string content = Filler(i, 3000);
            last = UploadRaw(a.vorgang_id, "Notiz " + std::to_string(i) + ".bin", content);
            if (last.status != 201) break;
            stored_.push_back({last.Json()["id"], Sha256Hex(content)});
        }
        ASSERT_EQ(last.status, 507)
            << "no disk-full answer after " << stored_.size() << " uploads\n"
            << last.Describe();
        EXPECT_EQ(last.ProblemType(), Problem("disk-full")) << last.Describe();
        ASSERT_FALSE(stored_.empty());
        EXPECT_TRUE(TmpFilesOnDisk().empty());
    }

    void ExpectAllReadableAndIntact() {
        for (const auto& doc : stored_) {
            auto res = Download(doc.id);
            ASSERT_EQ(res.status, 200) << res.Describe();
            EXPECT_EQ(Sha256Hex(res.body), doc.sha256);
        }
    }

    std::vector<Stored> stored_;
    std::string akte_id_;
};

// Documents stored before the disk filled up can still be read, and each read is still in
// the audit trail: the reserve keeps room for those entries.
TEST_F(SmallDocumentsDiskFullTest, StoredDocumentsStayReadableOnTheFullDisk) {
    FillTheDisk();
    if (IsSkipped() || HasFatalFailure()) return;
    EXPECT_EQ(api().Get("/api/v1/aktenplan").status, 200);
    ExpectAllReadableAndIntact();
    for (const auto& doc : stored_) {
        auto history = api().Get("/api/v1/dokumente/" + doc.id + "/historie");
        ASSERT_EQ(history.status, 200) << history.Describe();
        EXPECT_NE(history.body.find("inhalt-gelesen"), std::string::npos)
            << "the read of " << doc.id << " is not in its history";
    }
}

// Without a reserve the metadata store itself meets the full disk in the middle of a write.
// It must then stop writing (a torn record at the end of its log is harmless, one buried
// under later records is corruption), keep serving reads, take writes again by itself once
// there is room (it reopens LevelDB, which LevelDB's sticky write error needs), and start
// again intact.
TEST_F(SmallDocumentsDiskFullTest, WithoutReserveTheStoreStopsWritingAndRecoversByItself) {
    FillTheDisk("0");
    if (IsSkipped() || HasFatalFailure()) return;
    // The last upload may have failed in its blob; changes without content reach the log.
    HttpResponse last;
    for (int i = 0; i < 5000; ++i) {
        last = api().PostJson("/api/v1/vorgaenge",
                              {{"parent_id", akte_id_}, {"betreff", std::string(900, 'v')}});
        if (last.status != 201) break;
    }
    ASSERT_EQ(last.status, 507) << last.Describe();
    ASSERT_NE(server().log_text().find("commits refused until the store recovers"),
              std::string::npos)
        << server().log_text();
    ExpectAllReadableAndIntact();
    auto ready = api().Get("/readyz").Json();
    EXPECT_EQ(ready.value("status", ""), "degraded") << ready.dump();
    EXPECT_EQ(ready["storage"].value("state", ""), "write-failed") << ready.dump();
    EXPECT_EQ(Metric("aktenwerk_storage_writable"), 0u);

    // Room again: within a few attempts (the store tries once a second) writes work again.
    ASSERT_EQ(RunCommand({"mount", "-o", "remount,size=8m", mount_point_}).exit_code, 0);
    HttpResponse again;
    for (int attempt = 0; attempt < 50; ++attempt) {
        again =
            api().PostJson("/api/v1/vorgaenge", {{"parent_id", akte_id_}, {"betreff", "Wieder"}});
        if (again.status == 201) break;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ASSERT_EQ(again.status, 201) << again.Describe() << server().log_text();
    const std::string recovered_id = again.Json().value("id", "");
    EXPECT_EQ(Metric("aktenwerk_storage_writable"), 1u);
    EXPECT_EQ(Metric("aktenwerk_storage_recoveries_total"), 1u);
    EXPECT_EQ(api().Get("/readyz").Json().value("status", ""), "ready");
    ExpectAllReadableAndIntact();
    ExpectAuditChainIntact();

    // What was written after the recovery is as durable as the rest.
    EXPECT_EQ(server().Stop(), 0) << server().log_text();
    ASSERT_TRUE(server().Start());
    ReconnectApi();
    ExpectAllReadableAndIntact();
    EXPECT_EQ(api().Get("/api/v1/vorgaenge/" + recovered_id).status, 200);
    EXPECT_EQ(BlobFilesOnDisk(), ReferencedHashes());
    ExpectAuditChainIntact();
}

// Nothing is corrupted: clients keep reading on the full disk (their audit entries go into
// the reserve), and once there is room again the server starts on the same data with every
// acknowledged document intact.
TEST_F(SmallDocumentsDiskFullTest, DataStartsAgainIntactOnceThereIsRoom) {
    FillTheDisk();
    if (IsSkipped() || HasFatalFailure()) return;
    for (const auto& doc : stored_) Download(doc.id);
    EXPECT_EQ(server().Stop(), 0) << server().log_text();
    ASSERT_EQ(RunCommand({"mount", "-o", "remount,size=8m", mount_point_}).exit_code, 0);
    ASSERT_TRUE(server().Start());
    ReconnectApi();
    for (const auto& doc : stored_) {
        auto res = Download(doc.id);
        ASSERT_EQ(res.status, 200) << res.Describe();
        EXPECT_EQ(Sha256Hex(res.body), doc.sha256);
    }
    EXPECT_EQ(BlobFilesOnDisk(), ReferencedHashes());
}

}  // namespace
}  // namespace aktenwerk::e2e
