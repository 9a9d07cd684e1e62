// The OCR pool's workers. Each keeps its own tesseract model (see ocr.h), loaded on its
// first job.
#include "indexing/ocr_pool.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <unistd.h>

#include <cstdlib>

namespace aktenwerk::indexing {

OcrPool::OcrPool(OcrPoolOptions options) : options_(options) {
    // OpenMP inside tesseract would start a thread per core for each page; the pool's worker
    // count is the bound instead. Set before any worker loads a model.
    setenv("OMP_THREAD_LIMIT", "1", /*overwrite=*/0);
    for (size_t i = 0; i < std::max<size_t>(1, options_.workers); ++i) {
        workers_.emplace_back([this] { Work(); });
    }
}

OcrPool::~OcrPool() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
        queue_.clear();
    }
    work_cv_.notify_all();
    for (auto& t : workers_) t.join();
}

bool OcrPool::Submit(OcrJob job) {
    {
        std::lock_guard lock(mu_);
        if (stopping_ || queue_.size() >= options_.max_queue || keys_.count(job.key) != 0) {
            return false;
        }
        keys_.insert(job.key);
        job.request.ocr = OcrMode::kAllowed;
        queue_.push_back(std::move(job));
    }
    work_cv_.notify_one();
    return true;
}

std::vector<OcrOutcome> OcrPool::TakeFinished() {
    std::lock_guard lock(mu_);
    std::vector<OcrOutcome> out;
    out.swap(finished_);
    return out;
}

void OcrPool::SetOnFinished(std::function<void()> fn) {
    std::lock_guard lock(mu_);
    on_finished_ = std::move(fn);
}

void OcrPool::WaitIdle() {
    std::unique_lock lock(mu_);
    idle_cv_.wait(lock, [this] { return (queue_.empty() && running_ == 0) || stopping_; });
}

size_t OcrPool::queued() const {
    std::lock_guard lock(mu_);
    return queue_.size();
}

size_t OcrPool::running() const {
    std::lock_guard lock(mu_);
    return running_;
}

void OcrPool::Work() {
    // Lower this thread only: on Linux a thread id is a valid target of setpriority.
    const auto tid = static_cast<id_t>(::syscall(SYS_gettid));
    ::setpriority(PRIO_PROCESS, tid, options_.nice);
    while (true) {
        OcrJob job;
        {
            std::unique_lock lock(mu_);
            work_cv_.wait(lock, [this] { return stopping_ || !queue_.empty(); });
            if (stopping_) return;
            job = std::move(queue_.front());
            queue_.pop_front();
            ++running_;
        }
        OcrOutcome outcome{job.key, ExtractFile(job.path, job.request)};
        std::function<void()> notify;
        {
            std::lock_guard lock(mu_);
            --running_;
            keys_.erase(job.key);
            finished_.push_back(std::move(outcome));
            notify = on_finished_;
        }
        idle_cv_.notify_all();
        if (notify) notify();
    }
}

}  // namespace aktenwerk::indexing
