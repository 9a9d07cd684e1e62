// The search service of the records model: keeps the full-text index (indexing/) in step
// with storage by draining the durable outbox that every change writes in its own
// transaction, turns objects and versions into index entries with the context the security
// layer filters on, hands scans to the OCR pool, rebuilds the index from storage, and
// answers searches with the caller's visibility applied.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <unordered_map>
#include <vector>

#include "dms/principal.h"
#include "dms/repository.h"
#include "indexing/ocr_pool.h"
#include "indexing/search_index.h"

namespace aktenwerk::dms {

struct SearchIndexerOptions {
    // The index folder, normally DATA/index.
    std::string index_dir;
    indexing::SearchIndexOptions index;
    indexing::ExtractionLimits limits;
    // Threads that load, extract and analyse in one batch (the indexer's own included).
    size_t threads = 2;
    size_t ocr_workers = 1;
    // Outbox entries applied per batch (one Lucene commit each).
    size_t batch_size = 1000;
    // How often the outbox is looked at when there is nothing to do.
    std::chrono::milliseconds poll_interval{100};
};

// Counters for /metrics and tests.
struct IndexerStats {
    uint64_t outbox_head = 0;       // the newest outbox position written
    uint64_t applied_position = 0;  // the newest position reflected in the index
    uint64_t lag = 0;               // outbox entries written but not yet in the index
    uint64_t documents = 0;         // index entries
    uint64_t index_bytes = 0;
    uint64_t ocr_queued = 0;
    uint64_t ocr_running = 0;
    uint64_t extraction_failures = 0;  // since start
    uint64_t batches = 0;              // since start
    bool rebuilding = false;
};

// Thread-safe. Start() runs the background indexer; Search may be called from any thread.
class SearchIndexer {
  public:
    // Opens (or creates) the index for `repo` (which must outlive the indexer). Repairs the
    // folder after a rebuild that was cut short. kUnavailable (reason "locked") when another
    // process holds the index.
    static Result<std::unique_ptr<SearchIndexer>> Open(Repository* repo,
                                                       SearchIndexerOptions options);
    ~SearchIndexer();

    // Starts the background thread: it rebuilds first when the index cannot be brought up
    // to date from the outbox (new, of another schema), then applies outbox entries as they
    // come, within about a poll interval of their commit.
    Status Start();
    // Stops the background thread after its current batch; what was applied is committed.
    void Stop();

    // Applies every outbox entry written so far, and waits for the OCR that they started
    // when `wait_for_ocr`. For tests and command-line tools; not needed with Start().
    Status CatchUp(bool wait_for_ocr = false);

    // Rebuilds the index from storage: every object and version, extracted again (scans
    // OCRed, waited for). A marker file in the index folder lives until the rebuild is
    // committed, so that one cut short is done again at the next start. Not while Start()
    // runs.
    Status Rebuild();

    // Searches on behalf of `p`. The visibility of `request` is replaced by the caller's.
    // Hits of objects that are gone from storage (destroyed since the last commit) are
    // dropped, so that no hit points to something destroyed.
    Result<indexing::SearchResult> Search(const Principal& p,
                                          indexing::SearchRequest request) const;

    IndexerStats stats() const;

    // The index itself, for searches with an explicit visibility (the rights layer, tests).
    const indexing::SearchIndex& index() const { return *index_; }

  private:
    struct Target;

    SearchIndexer(Repository* repo, SearchIndexerOptions options,
                  std::unique_ptr<indexing::SearchIndex> index);

    void Run();
    // One batch: outbox entries and finished OCR. Returns whether anything was done.
    Result<bool> Cycle();
    Status ApplyTargets(std::vector<Target> targets);
    // kResourceExhausted ("disk-full") while the data directory has no room beyond its
    // reserve for another batch.
    Status CheckRoom() const;
    Status RefreshTree(const std::string& id, bool recursive, std::vector<std::string>* missing);
    Status RefreshObjekt(const Objekt& o, const std::vector<Objekt>& chain);
    indexing::IndexDocument BaseEntry(const Objekt& o, const std::vector<Objekt>& chain) const;
    Status FillContent(const Version& v, const indexing::IndexDocument* previous,
                       indexing::IndexDocument* entry);
    Status SubmitPendingOcr();
    Result<uint64_t> OutboxHead() const;
    // Deletes the outbox entries after `after` up to and including `up_to`.
    Status DeleteOutbox(uint64_t after, uint64_t up_to);
    Status IndexEverything(indexing::SearchIndex& index);

    Repository* repo_;
    SearchIndexerOptions options_;
    std::unique_ptr<indexing::SearchIndex> index_;
    std::unique_ptr<indexing::OcrPool> ocr_;
    // Set while a rebuild writes into a new index (RefreshObjekt writes there).
    indexing::SearchIndex* target_index_ = nullptr;

    std::mutex ocr_mu_;
    // Finished OCR by blob hash, consumed by the next refresh of the Dokument.
    std::unordered_map<std::string, Result<indexing::ExtractedText>> ocr_done_;  // guarded
    // Dokumente waiting for the OCR of a blob hash.
    std::unordered_map<std::string, std::set<std::string>> ocr_owners_;  // guarded by ocr_mu_

    std::atomic<uint64_t> applied_{0};
    std::atomic<uint64_t> extraction_failures_{0};
    std::atomic<uint64_t> batches_{0};
    std::atomic<bool> rebuilding_{false};
    bool rebuild_on_start_ = false;

    std::mutex run_mu_;
    std::condition_variable wake_;
    bool stopping_ = false;  // guarded by run_mu_
    bool woken_ = false;     // guarded by run_mu_
    std::thread thread_;
};

// What a principal may read (from the rights layer) as the index's search filter.
indexing::Visibility ToIndexVisibility(const Visibility& v);

}  // namespace aktenwerk::dms
