// Tests of the metadata store on a real LevelDB in a fresh directory per test: reads, scans,
// transactions, group commit and the single-open lock.
#include "storage/metadata_store.h"

#include <chrono>
#include <memory>
#include <string>
#include <thread>
#include <vector>

#include <gtest/gtest.h>
#include <leveldb/db.h>

#include "storage/codec.h"
#include "tests/support/status_testing.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::storage {
namespace {

using test_support::TempDir;

using KeyValues = std::vector<std::pair<std::string, std::string>>;

class MetadataStoreTest : public ::testing::Test {
  protected:
    void SetUp() override { Open(); }

    void Open() {
        store_.reset();
        auto opened = MetadataStore::Open(dir_.Sub("meta"));
        ASSERT_TRUE(opened.ok()) << opened.status().ToString();
        store_ = std::move(opened).value();
    }

    void Put(const std::string& key, const std::string& value) {
        AKTENWERK_ASSERT_OK(store_->Commit([&](Txn& txn) {
            txn.Put(key, value);
            return Status::Ok();
        }));
    }

    std::optional<std::string> Get(const std::string& key) {
        auto value = store_->Get(key);
        EXPECT_TRUE(value.ok()) << value.status().ToString();
        return value.ok() ? *value : std::nullopt;
    }

    std::vector<std::string> ScanKeys(std::string_view prefix, std::string_view start_after = {},
                                      size_t limit = 0) {
        std::vector<std::string> keys;
        AKTENWERK_EXPECT_OK(
            store_->Scan(prefix, start_after, limit, [&](std::string_view key, std::string_view) {
                keys.emplace_back(key);
                return true;
            }));
        return keys;
    }

    std::vector<std::string> ScanReverseKeys(std::string_view prefix, size_t limit = 0) {
        std::vector<std::string> keys;
        AKTENWERK_EXPECT_OK(
            store_->ScanReverse(prefix, limit, [&](std::string_view key, std::string_view) {
                keys.emplace_back(key);
                return true;
            }));
        return keys;
    }

    // Each of `threads` threads commits `per_thread` transactions that add one to the counter
    // "n" and write their own key t/<thread>/<i>; those with odd i then fail.
    void CommitConcurrently(int threads, int per_thread, bool odd_ones_fail) {
        std::vector<std::thread> workers;
        for (int t = 0; t < threads; ++t) {
            workers.emplace_back([&, t] {
                for (int i = 0; i < per_thread; ++i) {
                    const bool fail = odd_ones_fail && i % 2 == 1;
                    Status s = store_->Commit([&](Txn& txn) { return Increment(txn, t, i, fail); });
                    EXPECT_EQ(s.ok(), !fail) << s.ToString();
                }
            });
        }
        for (auto& w : workers) w.join();
    }

    static Status Increment(Txn& txn, int thread, int i, bool fail) {
        auto raw = txn.Get("n");
        if (!raw.ok()) return raw.status();
        const int n = *raw ? std::stoi(**raw) : 0;
        txn.Put("n", std::to_string(n + 1));
        txn.Put("t/" + std::to_string(thread) + "/" + SortableNumber(static_cast<uint64_t>(i)), "");
        if (fail) return InvalidArgumentError("refused on purpose");
        return Status::Ok();
    }

    TempDir dir_;
    std::unique_ptr<MetadataStore> store_;
};

TEST_F(MetadataStoreTest, GetReturnsTheCommittedValue) {
    Put("o/1", "eins");

    EXPECT_EQ(Get("o/1"), "eins");
}

TEST_F(MetadataStoreTest, GetOfAMissingKeyIsEmpty) { EXPECT_EQ(Get("o/nothing"), std::nullopt); }

TEST_F(MetadataStoreTest, DeleteRemovesTheKey) {
    Put("o/1", "eins");

    AKTENWERK_ASSERT_OK(store_->Commit([](Txn& txn) {
        txn.Delete("o/1");
        return Status::Ok();
    }));

    EXPECT_EQ(Get("o/1"), std::nullopt);
}

TEST_F(MetadataStoreTest, ScanVisitsOnlyThePrefixInKeyOrder) {
    for (const char* key : {"a/3", "b/1", "a/1", "a", "a0", "a/2"}) Put(key, "");

    EXPECT_EQ(ScanKeys("a/"), (std::vector<std::string>{"a/1", "a/2", "a/3"}));
}

TEST_F(MetadataStoreTest, ScanContinuesAfterTheCursorAndStopsAtTheLimit) {
    for (const char* key : {"a/1", "a/2", "a/3", "a/4"}) Put(key, "");

    EXPECT_EQ(ScanKeys("a/", "a/1", 2), (std::vector<std::string>{"a/2", "a/3"}));
    EXPECT_EQ(ScanKeys("a/", "a/4"), std::vector<std::string>{});
}

TEST_F(MetadataStoreTest, ScanStopsWhenTheCallbackSaysSo) {
    for (const char* key : {"a/1", "a/2", "a/3"}) Put(key, "");
    std::vector<std::string> seen;

    AKTENWERK_ASSERT_OK(store_->Scan("a/", "", 0, [&](std::string_view key, std::string_view) {
        seen.emplace_back(key);
        return seen.size() < 2;
    }));

    EXPECT_EQ(seen, (std::vector<std::string>{"a/1", "a/2"}));
}

TEST_F(MetadataStoreTest, ScanPassesTheValues) {
    Put("a/1", "eins");
    KeyValues seen;

    AKTENWERK_ASSERT_OK(store_->Scan("a/", "", 0, [&](std::string_view k, std::string_view v) {
        seen.emplace_back(k, v);
        return true;
    }));

    EXPECT_EQ(seen, (KeyValues{{"a/1", "eins"}}));
}

TEST_F(MetadataStoreTest, ScanReverseReturnsNewestNumberFirst) {
    for (uint64_t n = 1; n <= 5; ++n) Put("a/" + SortableNumber(n), "");
    Put("a0", "");
    Put("b/1", "");

    EXPECT_EQ(ScanReverseKeys("a/", 2),
              (std::vector<std::string>{"a/" + SortableNumber(5), "a/" + SortableNumber(4)}));
    EXPECT_EQ(ScanReverseKeys("a/").size(), 5u);
}

TEST_F(MetadataStoreTest, ScanReverseWorksForTheLastPrefixOfTheStore) {
    Put("a/1", "");
    Put("z/1", "");
    Put("z/2", "");

    EXPECT_EQ(ScanReverseKeys("z/"), (std::vector<std::string>{"z/2", "z/1"}));
}

TEST_F(MetadataStoreTest, ScanReverseOfAnEmptyPrefixVisitsNothing) {
    Put("a/1", "");
    Put("z/1", "");

    EXPECT_EQ(ScanReverseKeys("m/"), std::vector<std::string>{});
}

TEST_F(MetadataStoreTest, TxnSeesItsOwnWrites) {
    Put("k", "vorher");
    std::optional<std::string> before, after_put, after_delete;

    AKTENWERK_ASSERT_OK(store_->Commit([&](Txn& txn) {
        before = *txn.Get("k");
        txn.Put("k", "neu");
        after_put = *txn.Get("k");
        txn.Delete("k");
        after_delete = *txn.Get("k");
        return Status::Ok();
    }));

    EXPECT_EQ(before, "vorher");
    EXPECT_EQ(after_put, "neu");
    EXPECT_EQ(after_delete, std::nullopt);
    EXPECT_EQ(Get("k"), std::nullopt);
}

TEST_F(MetadataStoreTest, TxnSeesWritesOfEarlierTransactionsInItsGroup) {
    // A Txn over a raw LevelDB and a group overlay, as RunGroup builds them: staged writes of
    // the group win over the disk, including staged deletes.
    leveldb::Options options;
    options.create_if_missing = true;
    leveldb::DB* raw = nullptr;
    ASSERT_TRUE(leveldb::DB::Open(options, dir_.Sub("raw"), &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    ASSERT_TRUE(db->Put({}, "staged", "disk").ok());
    ASSERT_TRUE(db->Put({}, "deleted", "disk").ok());
    ASSERT_TRUE(db->Put({}, "untouched", "disk").ok());
    Overlay group;
    group.Put("staged", "group");
    group.Delete("deleted");

    Txn txn(db.get(), &group);

    EXPECT_EQ(*txn.Get("staged"), "group");
    EXPECT_EQ(*txn.Get("deleted"), std::nullopt);
    EXPECT_EQ(*txn.Get("untouched"), "disk");
    txn.Put("staged", "own");
    EXPECT_EQ(*txn.Get("staged"), "own");
}

TEST_F(MetadataStoreTest, FailingTxnDiscardsOnlyItsOwnWrites) {
    Put("a", "1");
    bool failed_callback_ran = false;

    Status failed = store_->Commit([&](Txn& txn) {
        txn.Put("a", "2");
        txn.Put("b", "1");
        txn.OnCommit([&] { failed_callback_ran = true; });
        return FailedPreconditionError("refused on purpose", "closed");
    });
    Put("c", "1");

    EXPECT_EQ(failed.code(), StatusCode::kFailedPrecondition);
    EXPECT_EQ(failed.reason(), "closed");
    EXPECT_FALSE(failed_callback_ran);
    EXPECT_EQ(Get("a"), "1");
    EXPECT_EQ(Get("b"), std::nullopt);
    EXPECT_EQ(Get("c"), "1");
}

TEST_F(MetadataStoreTest, OnCommitRunsAfterTheWriteIsVisible) {
    std::optional<std::string> seen_in_callback;

    AKTENWERK_ASSERT_OK(store_->Commit([&](Txn& txn) {
        txn.Put("k", "v");
        txn.OnCommit([&] { seen_in_callback = *store_->Get("k"); });
        return Status::Ok();
    }));

    EXPECT_EQ(seen_in_callback, "v");
}

TEST_F(MetadataStoreTest, ConcurrentCommitsAreAllDurableAndShareBatches) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 25;

    CommitConcurrently(kThreads, kPerThread, /*odd_ones_fail=*/false);
    const CommitStats stats = store_->stats();
    Open();

    EXPECT_EQ(stats.transactions, uint64_t{kThreads * kPerThread});
    EXPECT_LE(stats.syncs, stats.batches);
    EXPECT_EQ(Get("n"), std::to_string(kThreads * kPerThread));
    EXPECT_EQ(ScanKeys("t/").size(), size_t{kThreads * kPerThread});
}

// Commits that queue while a batch is being written form the next group: one batch. The
// first transaction holds its group open until the others are queued, so the grouping does
// not depend on how the threads happen to be scheduled.
TEST_F(MetadataStoreTest, CommitsQueuedBehindABatchShareTheNextOne) {
    constexpr int kOthers = 7;
    std::thread first([&] {
        AKTENWERK_EXPECT_OK(store_->Commit([&](Txn& txn) {
            const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
            while (store_->queued() < kOthers + 1 && std::chrono::steady_clock::now() < deadline) {
                std::this_thread::yield();
            }
            txn.Put("first", "1");
            return Status::Ok();
        }));
    });
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(20);
    while (store_->queued() == 0 && std::chrono::steady_clock::now() < deadline) {
        std::this_thread::yield();
    }
    std::vector<std::thread> others;
    for (int i = 0; i < kOthers; ++i) {
        others.emplace_back([&, i] { Put("o/" + std::to_string(i), "x"); });
    }
    first.join();
    for (auto& t : others) t.join();

    const CommitStats stats = store_->stats();
    EXPECT_EQ(stats.transactions, uint64_t{kOthers + 1});
    EXPECT_EQ(stats.batches, 2u) << "the queued commits did not share one batch";
    EXPECT_EQ(ScanKeys("o/").size(), size_t{kOthers});
}

TEST_F(MetadataStoreTest, FailingTxnsAmongConcurrentOnesLeaveNoTrace) {
    constexpr int kThreads = 8;
    constexpr int kPerThread = 20;

    CommitConcurrently(kThreads, kPerThread, /*odd_ones_fail=*/true);

    EXPECT_EQ(Get("n"), std::to_string(kThreads * kPerThread / 2));
    const auto keys = ScanKeys("t/");
    EXPECT_EQ(keys.size(), size_t{kThreads * kPerThread / 2});
    for (const auto& key : keys) {
        uint64_t i = 0;
        ASSERT_TRUE(ParseSortableNumber(key.substr(key.rfind('/') + 1), &i)) << key;
        EXPECT_EQ(i % 2, 0u) << key;
    }
}

TEST_F(MetadataStoreTest, GroupsAreNoLargerThanTheConfiguredSize) {
    store_.reset();
    MetadataStoreOptions options;
    options.max_group_size = 1;
    auto opened = MetadataStore::Open(dir_.Sub("meta"), options);
    ASSERT_TRUE(opened.ok()) << opened.status().ToString();
    store_ = std::move(opened).value();

    CommitConcurrently(4, 10, /*odd_ones_fail=*/false);

    EXPECT_EQ(store_->stats().transactions, 40u);
    EXPECT_EQ(store_->stats().batches, 40u);
    EXPECT_EQ(Get("n"), "40");
}

TEST_F(MetadataStoreTest, SequentialCommitsEachWriteAndFlushOneBatch) {
    Put("a", "1");
    Put("b", "2");

    EXPECT_EQ(store_->stats().transactions, 2u);
    EXPECT_EQ(store_->stats().batches, 2u);
    EXPECT_EQ(store_->stats().syncs, 2u);
}

TEST_F(MetadataStoreTest, ReopenKeepsTheData) {
    Put("o/1", "eins");
    Put("o/2", "zwei");

    Open();

    EXPECT_EQ(Get("o/1"), "eins");
    EXPECT_EQ(ScanKeys("o/"), (std::vector<std::string>{"o/1", "o/2"}));
}

TEST_F(MetadataStoreTest, SecondOpenOfTheSameDirectoryIsUnavailable) {
    auto second = MetadataStore::Open(dir_.Sub("meta"));

    EXPECT_EQ(second.status().code(), StatusCode::kUnavailable);
    EXPECT_EQ(second.status().reason(), "locked");
}

TEST(FromLevelDb, MapsLevelDbErrorsToOurCodes) {
    struct Row {
        leveldb::Status in;
        StatusCode code;
        std::string reason;
    };
    const Row kRows[] = {
        {leveldb::Status::OK(), StatusCode::kOk, ""},
        {leveldb::Status::NotFound("x"), StatusCode::kNotFound, ""},
        {leveldb::Status::Corruption("bad block"), StatusCode::kCorruption, ""},
        {leveldb::Status::IOError("/d/000005.log", "No space left on device"),
         StatusCode::kResourceExhausted, "disk-full"},
        {leveldb::Status::IOError("/d/000005.log", "Read-only file system"),
         StatusCode::kUnavailable, "read-only"},
        {leveldb::Status::IOError("lock /d/LOCK", "already held by process"),
         StatusCode::kUnavailable, "locked"},
        {leveldb::Status::IOError("/d/000005.log", "Input/output error"), StatusCode::kInternal,
         ""},
    };
    for (const auto& row : kRows) {
        SCOPED_TRACE(row.in.ToString());
        Status s = FromLevelDb(row.in, "read o/1");
        EXPECT_EQ(s.code(), row.code);
        EXPECT_EQ(s.reason(), row.reason);
        if (!s.ok()) {
            EXPECT_EQ(s.message().rfind("read o/1: ", 0), 0u) << s.message();
        }
    }
}

TEST(FromLevelDb, IoErrorOnAPathContainingLockIsNotReportedAsLocked) {
    // Regression: any I/O error whose text contained "lock" (a folder named "blocks", say)
    // was reported as kUnavailable "locked" instead of an internal error.
    Status s = FromLevelDb(
        leveldb::Status::IOError("/srv/blockdaten/meta/000005.ldb", "Input/output error"), "read");

    EXPECT_EQ(s.code(), StatusCode::kInternal);
    EXPECT_EQ(s.reason(), "");
}

// A reserve larger than any disk: every file system is "full" as far as ordinary commits go.
constexpr uint64_t kReserveOfAnyDisk = uint64_t{1} << 62;

TEST(MetadataStoreReserve, OrdinaryCommitsStopAtTheReserveAndReadAuditsGoOn) {
    TempDir dir;
    MetadataStoreOptions options;
    options.reserve_bytes = kReserveOfAnyDisk;
    auto store = MetadataStore::Open(dir.Sub("meta"), options);
    ASSERT_TRUE(store.ok()) << store.status().ToString();
    auto put = [](const std::string& key) {
        return [key](Txn& txn) {
            txn.Put(key, "x");
            return Status::Ok();
        };
    };

    Status refused = (*store)->Commit(put("o/1"));
    Status allowed = (*store)->Commit(put("a/1"), Room::kMayUseReserve);

    EXPECT_EQ(refused.code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(refused.reason(), "disk-full");
    AKTENWERK_EXPECT_OK(allowed);
    EXPECT_FALSE((*(*store)->Get("o/1")).has_value());
    EXPECT_TRUE((*(*store)->Get("a/1")).has_value());
}

TEST(SpaceReserve, ZeroReserveAlwaysHasRoomAndTheRoomCountsTheIncomingBytes) {
    TempDir dir;
    auto free = FreeBytes(dir.path());
    ASSERT_TRUE(free.ok()) << free.status().ToString();

    AKTENWERK_EXPECT_OK(SpaceReserve(dir.path(), 0).CheckRoom(uint64_t{1} << 62));
    AKTENWERK_EXPECT_OK(SpaceReserve(dir.path(), 1).CheckRoom(0));
    EXPECT_EQ(SpaceReserve(dir.path(), 1).CheckRoom(*free).reason(), "disk-full");
    EXPECT_EQ(SpaceReserve(dir.path(), kReserveOfAnyDisk).CheckRoom(0).reason(), "disk-full");
}

}  // namespace
}  // namespace aktenwerk::storage
