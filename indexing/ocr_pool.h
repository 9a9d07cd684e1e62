// The OCR pool: a few background threads at low CPU priority that extract the text of
// scans, with a bounded queue, so that OCR (about 0.6 s a page) never holds up indexing of
// other documents nor starves request handling.
#pragma once

#include <condition_variable>
#include <deque>
#include <functional>
#include <mutex>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "indexing/text_extraction.h"

namespace aktenwerk::indexing {

// One document to OCR. `key` identifies it for deduplication and in the outcome.
struct OcrJob {
    std::string key;
    std::string path;
    ExtractRequest request;  // OcrMode is set to kAllowed by the pool
};

struct OcrOutcome {
    std::string key;
    Result<ExtractedText> text = InternalError("not run");
};

struct OcrPoolOptions {
    size_t workers = 1;
    size_t max_queue = 1000;
    // Added to the workers' nice value (Linux per-thread priority): request threads win.
    int nice = 10;
};

// Thread-safe.
class OcrPool {
  public:
    explicit OcrPool(OcrPoolOptions options);
    // Stops the workers after their current page budget; queued jobs are dropped (their
    // documents stay marked as waiting for OCR in the index and are submitted again).
    ~OcrPool();
    OcrPool(const OcrPool&) = delete;
    OcrPool& operator=(const OcrPool&) = delete;

    // Queues a job. False when the queue is full or a job with the same key is queued or
    // running already.
    bool Submit(OcrJob job);

    // Outcomes finished since the last call.
    std::vector<OcrOutcome> TakeFinished();

    // Called (on a worker thread) after each finished job, e.g. to wake the indexer.
    void SetOnFinished(std::function<void()> fn);

    // Blocks until no job is queued or running (rebuilds, tests).
    void WaitIdle();

    size_t queued() const;
    size_t running() const;

  private:
    void Work();

    OcrPoolOptions options_;
    mutable std::mutex mu_;
    std::condition_variable work_cv_;
    std::condition_variable idle_cv_;
    std::deque<OcrJob> queue_;           // guarded by mu_
    std::set<std::string> keys_;         // guarded by mu_: queued or running
    std::vector<OcrOutcome> finished_;   // guarded by mu_
    size_t running_ = 0;                 // guarded by mu_
    bool stopping_ = false;              // guarded by mu_
    std::function<void()> on_finished_;  // guarded by mu_
    std::vector<std::thread> workers_;
};

}  // namespace aktenwerk::indexing
