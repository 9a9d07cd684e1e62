// A full disk: the server runs on a small tmpfs, uploads until the disk is full, answers
// 507 disk-full, and keeps everything it stored before readable and intact.
#include <filesystem>
#include <string>
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

    std::string mount_point_;
};

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
// under later records is corruption), keep serving reads, and start again intact.
TEST_F(SmallDocumentsDiskFullTest, WithoutReserveTheStoreStopsWritingAndStartsAgainIntact) {
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
    ASSERT_NE(server().log_text().find("commits refused until restart"), std::string::npos)
        << server().log_text();
    ExpectAllReadableAndIntact();
    EXPECT_EQ(server().Stop(), 0) << server().log_text();
    ASSERT_EQ(RunCommand({"mount", "-o", "remount,size=8m", mount_point_}).exit_code, 0);
    ASSERT_TRUE(server().Start());
    ReconnectApi();
    ExpectAllReadableAndIntact();
    EXPECT_EQ(BlobFilesOnDisk(), ReferencedHashes());
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
