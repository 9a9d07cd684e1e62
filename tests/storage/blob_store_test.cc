// Tests of the content-addressed blob store: hashing, deduplication, limits, clean-up of
// unfinished writes, pins and orphan removal, positional reads.
#include "storage/blob_store.h"

#include <filesystem>
#include <fstream>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/status_testing.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::storage {
namespace {

namespace fs = std::filesystem;
using test_support::TempDir;

// SHA-256 of "abc" (FIPS 180-2, appendix B.1).
constexpr char kAbcSha256[] = "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad";

class BlobStoreTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto opened = BlobStore::Open(dir_.Sub("blobs"));
        ASSERT_TRUE(opened.ok()) << opened.status().ToString();
        store_ = std::move(opened).value();
    }

    // Writes `content` in one append and returns what Finish returned.
    std::pair<BlobInfo, BlobPin> Write(const std::string& content) {
        auto writer = store_->NewWriter(1 << 20);
        EXPECT_TRUE(writer.ok()) << writer.status().ToString();
        if (!writer.ok()) return {};
        AKTENWERK_EXPECT_OK((*writer)->Append(content.data(), content.size()));
        auto finished = (*writer)->Finish();
        EXPECT_TRUE(finished.ok()) << finished.status().ToString();
        if (!finished.ok()) return {};
        return std::move(finished).value();
    }

    // Writes `content` and releases the pin at once.
    std::string WriteUnpinned(const std::string& content) { return Write(content).first.sha256; }

    std::string Read(const std::string& sha256) {
        auto reader = store_->OpenReader(sha256);
        EXPECT_TRUE(reader.ok()) << reader.status().ToString();
        if (!reader.ok()) return {};
        std::string out((*reader)->size(), '\0');
        auto n = (*reader)->ReadAt(0, out.data(), out.size());
        EXPECT_TRUE(n.ok());
        return out;
    }

    std::set<std::string> Stored() {
        std::set<std::string> out;
        AKTENWERK_EXPECT_OK(store_->ForEach([&](const std::string& sha256) {
            out.insert(sha256);
            return true;
        }));
        return out;
    }

    size_t TmpFiles() {
        size_t n = 0;
        for ([[maybe_unused]] const auto& e : fs::directory_iterator(dir_.Sub("blobs/tmp"))) ++n;
        return n;
    }

    static Result<bool> Referenced(const std::set<std::string>& refs, const std::string& sha) {
        return refs.count(sha) != 0;
    }

    TempDir dir_;
    std::unique_ptr<BlobStore> store_;
};

TEST_F(BlobStoreTest, HashIsTheSha256OfTheContent) {
    auto [info, pin] = Write("abc");

    EXPECT_EQ(info.sha256, kAbcSha256);
    EXPECT_EQ(info.size, 3u);
    EXPECT_EQ(pin.sha256(), kAbcSha256);
}

TEST_F(BlobStoreTest, BlobIsStoredUnderItsHashInAFolderNamedByItsFirstByte) {
    WriteUnpinned("abc");

    EXPECT_EQ(store_->PathFor(kAbcSha256), dir_.Sub("blobs/ba/") + kAbcSha256);
    EXPECT_TRUE(fs::is_regular_file(store_->PathFor(kAbcSha256)));
    EXPECT_TRUE(store_->Exists(kAbcSha256));
    EXPECT_EQ(TmpFiles(), 0u);
}

TEST_F(BlobStoreTest, ContentWrittenInManyAppendsIsHashedAndStoredWhole) {
    // Larger than the writer's buffer, so that buffered and direct writes both happen.
    std::string content;
    for (int i = 0; content.size() < 700'000; ++i) content += "Zeile " + std::to_string(i) + "\n";
    auto writer = store_->NewWriter(1 << 20);
    ASSERT_TRUE(writer.ok());
    for (size_t pos = 0; pos < content.size(); pos += 100'000) {
        const size_t n = std::min<size_t>(100'000, content.size() - pos);
        AKTENWERK_ASSERT_OK((*writer)->Append(content.data() + pos, n));
    }

    auto finished = (*writer)->Finish();

    ASSERT_TRUE(finished.ok()) << finished.status().ToString();
    EXPECT_EQ(finished->first.size, content.size());
    EXPECT_EQ(Read(finished->first.sha256), content);
}

TEST_F(BlobStoreTest, IdenticalContentIsStoredOnce) {
    auto [first, first_pin] = Write("Bescheid");
    auto [second, second_pin] = Write("Bescheid");

    EXPECT_EQ(first.sha256, second.sha256);
    EXPECT_EQ(Stored(), std::set<std::string>{first.sha256});
    EXPECT_EQ(TmpFiles(), 0u);
}

TEST_F(BlobStoreTest, ContentPastTheLimitIsRefusedAsBodyTooLarge) {
    auto writer = store_->NewWriter(4);
    ASSERT_TRUE(writer.ok());

    AKTENWERK_EXPECT_OK((*writer)->Append("abcd", 4));
    Status s = (*writer)->Append("e", 1);

    EXPECT_EQ(s.code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(s.reason(), "body-too-large");
}

TEST_F(BlobStoreTest, AnnouncedSizePastTheLimitIsRefusedBeforeAnyByte) {
    auto writer = store_->NewWriter(4, 5);

    ASSERT_FALSE(writer.ok());
    EXPECT_EQ(writer.status().reason(), "body-too-large");
    EXPECT_EQ(TmpFiles(), 0u);
}

TEST(BlobStoreReserve, WritesAreRefusedBeforeTheyWouldUseTheReserve) {
    TempDir dir;
    auto store = BlobStore::Open(dir.Sub("blobs"), uint64_t{1} << 62);
    ASSERT_TRUE(store.ok()) << store.status().ToString();

    auto announced = (*store)->NewWriter(1 << 30, 10);
    auto unannounced = (*store)->NewWriter(1 << 30);

    ASSERT_FALSE(announced.ok());
    EXPECT_EQ(announced.status().reason(), "disk-full");
    ASSERT_FALSE(unannounced.ok());
    EXPECT_EQ(unannounced.status().reason(), "disk-full");
}

TEST_F(BlobStoreTest, DestroyingAnUnfinishedWriterLeavesNoTemporaryFile) {
    {
        auto writer = store_->NewWriter(1 << 20);
        ASSERT_TRUE(writer.ok());
        AKTENWERK_ASSERT_OK((*writer)->Append("halb", 4));
        EXPECT_EQ(TmpFiles(), 1u);
    }

    EXPECT_EQ(TmpFiles(), 0u);
    EXPECT_TRUE(Stored().empty());
}

TEST_F(BlobStoreTest, FinishedWriterRefusesMoreContent) {
    auto writer = store_->NewWriter(1 << 20);
    ASSERT_TRUE(writer.ok());
    ASSERT_TRUE((*writer)->Finish().ok());

    EXPECT_FALSE((*writer)->Append("x", 1).ok());
    EXPECT_FALSE((*writer)->Finish().ok());
}

TEST_F(BlobStoreTest, PinnedBlobIsNotRemoved) {
    auto [info, pin] = Write("abc");
    bool asked = false;

    auto removed = store_->RemoveIfUnused(info.sha256, [&](const std::string&) -> Result<bool> {
        asked = true;
        return false;
    });

    ASSERT_TRUE(removed.ok());
    EXPECT_FALSE(*removed);
    EXPECT_FALSE(asked);
    EXPECT_TRUE(store_->Exists(info.sha256));
}

TEST_F(BlobStoreTest, ReferencedBlobIsNotRemoved) {
    const std::string sha = WriteUnpinned("abc");

    auto removed =
        store_->RemoveIfUnused(sha, [](const std::string&) -> Result<bool> { return true; });

    ASSERT_TRUE(removed.ok());
    EXPECT_FALSE(*removed);
    EXPECT_TRUE(store_->Exists(sha));
}

TEST_F(BlobStoreTest, UnpinnedUnreferencedBlobIsRemoved) {
    const std::string sha = WriteUnpinned("abc");

    auto removed =
        store_->RemoveIfUnused(sha, [](const std::string&) -> Result<bool> { return false; });

    ASSERT_TRUE(removed.ok());
    EXPECT_TRUE(*removed);
    EXPECT_FALSE(store_->Exists(sha));
}

TEST_F(BlobStoreTest, BlobStaysPinnedUntilTheLastPinIsReleased) {
    auto [first, first_pin] = Write("abc");
    auto second = Write("abc");
    auto unused = [](const std::string&) -> Result<bool> { return false; };

    first_pin = BlobPin();
    auto while_second_pinned = store_->RemoveIfUnused(first.sha256, unused);
    second.second = BlobPin();
    auto after_release = store_->RemoveIfUnused(first.sha256, unused);

    ASSERT_TRUE(while_second_pinned.ok());
    EXPECT_FALSE(*while_second_pinned);
    ASSERT_TRUE(after_release.ok());
    EXPECT_TRUE(*after_release);
}

TEST_F(BlobStoreTest, ErrorOfTheReferenceCheckIsReturned) {
    const std::string sha = WriteUnpinned("abc");

    auto removed = store_->RemoveIfUnused(sha, [](const std::string&) -> Result<bool> {
        return InternalError("metadata unreadable");
    });

    EXPECT_EQ(removed.status().code(), StatusCode::kInternal);
    EXPECT_TRUE(store_->Exists(sha));
}

TEST_F(BlobStoreTest, RemoveOrphansRemovesUnreferencedBlobsAndTemporaryFiles) {
    const std::string kept = WriteUnpinned("referenced");
    const std::string orphan = WriteUnpinned("orphan");
    std::ofstream(dir_.Sub("blobs/tmp/left-by-a-crash")) << "partial upload";
    const std::set<std::string> refs = {kept};

    auto removed =
        store_->RemoveOrphans([&](const std::string& sha) { return Referenced(refs, sha); });

    ASSERT_TRUE(removed.ok()) << removed.status().ToString();
    EXPECT_EQ(*removed, 2u);
    EXPECT_EQ(Stored(), refs);
    EXPECT_EQ(TmpFiles(), 0u);
    EXPECT_FALSE(store_->Exists(orphan));
}

TEST_F(BlobStoreTest, ReadAtReadsFromAnyOffsetAndReturnsZeroAtTheEnd) {
    const std::string sha = WriteUnpinned("0123456789");
    auto reader = store_->OpenReader(sha);
    ASSERT_TRUE(reader.ok()) << reader.status().ToString();
    char buf[16] = {};

    auto middle = (*reader)->ReadAt(3, buf, 4);
    ASSERT_TRUE(middle.ok());
    EXPECT_EQ(std::string(buf, *middle), "3456");
    auto tail = (*reader)->ReadAt(8, buf, sizeof(buf));
    ASSERT_TRUE(tail.ok());
    EXPECT_EQ(std::string(buf, *tail), "89");
    auto end = (*reader)->ReadAt(10, buf, sizeof(buf));
    ASSERT_TRUE(end.ok());
    EXPECT_EQ(*end, 0u);
    EXPECT_EQ((*reader)->size(), 10u);
}

TEST_F(BlobStoreTest, OpenReaderOfAMissingBlobIsNotFound) {
    EXPECT_EQ(store_->OpenReader(kAbcSha256).status().code(), StatusCode::kNotFound);
}

TEST_F(BlobStoreTest, OpenReaderRefusesSomethingThatIsNotAHash) {
    EXPECT_EQ(store_->OpenReader("../../etc/passwd").status().code(), StatusCode::kInvalidArgument);
}

TEST(BlobStoreHash, OnlySixtyFourLowerCaseHexDigitsAreAHash) {
    EXPECT_TRUE(BlobStore::IsValidHash(kAbcSha256));
    EXPECT_FALSE(BlobStore::IsValidHash(""));
    EXPECT_FALSE(BlobStore::IsValidHash(std::string(kAbcSha256).substr(1)));
    EXPECT_FALSE(BlobStore::IsValidHash(std::string(kAbcSha256) + "0"));
    EXPECT_FALSE(
        BlobStore::IsValidHash("BA7816BF8F01CFEA414140DE5DAE2223B00361A396177A9CB410FF61F20015AD"));
    EXPECT_FALSE(BlobStore::IsValidHash(std::string(63, 'a') + "g"));
}

}  // namespace
}  // namespace aktenwerk::storage
