// The crash test: concurrent uploads, SIGKILL in the middle, restart on the same data. Every
// upload the server acknowledged must come back intact, and no orphan may be left.
#include <atomic>
#include <chrono>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/sha256.h"

namespace aktenwerk::e2e {
namespace {

using test_support::Sha256Hex;

constexpr int kThreads = 8;
constexpr int kPerThread = 50;       // 400 uploads at most
constexpr int kKillAfterAcks = 120;  // SIGKILL once this many were acknowledged

struct Acknowledged {
    std::string id;
    std::string sha256;
};

// What the upload threads saw.
struct Ledger {
    std::mutex mu;
    std::vector<Acknowledged> acknowledged;  // guarded by mu
    std::vector<std::string> unexpected;     // guarded by mu: answers other than 201
    std::atomic<int> count{0};
    std::atomic<int> finished_threads{0};
};

// Uploads small, distinct documents until its share is done or the server is gone.
void UploadUntilGone(HttpClient& client, const std::string& vorgang_id, int thread,
                     Ledger& ledger) {
    for (int i = 0; i < kPerThread; ++i) {
        const std::string content =
            "Posteingang Thread " + std::to_string(thread) + " Nr. " + std::to_string(i) + "\n" +
            std::string(static_cast<size_t>(200 + 37 * i), static_cast<char>('a' + thread));
        auto res =
            client.Post("/api/v1/dokumente?parent_id=" + vorgang_id + "&dateiname=" + "Eingang-" +
                            std::to_string(thread) + "-" + std::to_string(i) + ".txt",
                        content, "text/plain");
        if (res.status == 0) break;  // killed: no answer, nothing acknowledged
        std::lock_guard lock(ledger.mu);
        if (res.status == 201) {
            ledger.acknowledged.push_back({res.Json().value("id", ""), Sha256Hex(content)});
            ledger.count.fetch_add(1);
        } else {
            ledger.unexpected.push_back(res.Describe());
        }
    }
    ledger.finished_threads.fetch_add(1);
}

class CrashTest : public E2eTest {};

TEST_F(CrashTest, AcknowledgedUploadsSurviveSigkillAndNoOrphanRemains) {
    ASSERT_TRUE(StartServer());
    Ablage a = CreateAblage();
    ASSERT_FALSE(a.vorgang_id.empty());

    Ledger ledger;
    std::vector<std::unique_ptr<HttpClient>> clients;
    std::vector<std::thread> threads;
    for (int t = 0; t < kThreads; ++t) clients.push_back(NewClient());
    for (int t = 0; t < kThreads; ++t) {
        threads.emplace_back(UploadUntilGone, std::ref(*clients[t]), a.vorgang_id, t,
                             std::ref(ledger));
    }
    // Kill in the middle of the uploads: poll the ledger, bounded.
    auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    while (ledger.count.load() < kKillAfterAcks && ledger.finished_threads.load() < kThreads &&
           std::chrono::steady_clock::now() < deadline) {
        std::this_thread::sleep_for(std::chrono::microseconds(200));
    }
    server().Kill();
    for (auto& t : threads) t.join();

    EXPECT_TRUE(ledger.unexpected.empty())
        << ledger.unexpected.size() << " unexpected answers, first:\n"
        << ledger.unexpected.front();
    ASSERT_GE(ledger.acknowledged.size(), static_cast<size_t>(kKillAfterAcks));
    RecordProperty("acknowledged_before_kill", static_cast<int>(ledger.acknowledged.size()));
    if (ledger.acknowledged.size() == kThreads * kPerThread) {
        std::cerr << "note: every upload finished before the kill\n";
    }

    ASSERT_TRUE(server().Restart());
    ReconnectApi();
    for (const auto& ack : ledger.acknowledged) {
        auto res = Download(ack.id);
        ASSERT_EQ(res.status, 200) << "acknowledged document " << ack.id << " is lost\n"
                                   << res.Describe();
        EXPECT_EQ(Sha256Hex(res.body), ack.sha256) << "document " << ack.id << " changed";
    }
    EXPECT_GE(Children("/api/v1/vorgaenge/" + a.vorgang_id + "/inhalt").size(),
              ledger.acknowledged.size());
    EXPECT_TRUE(TmpFilesOnDisk().empty());
    EXPECT_EQ(BlobFilesOnDisk(), ReferencedHashes());
    ExpectAuditChainIntact();
}

}  // namespace
}  // namespace aktenwerk::e2e
