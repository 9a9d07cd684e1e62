// Durability in batches: threads that need what they wrote on disk share one syncfs of the
// file system. The metadata store uses it for its log, which LevelDB can make durable only
// by another write; syncfs runs beside the next batch's write instead of queueing it.
#pragma once

#include <condition_variable>
#include <cstdint>
#include <memory>
#include <mutex>
#include <string>
#include <thread>

#include "storage/status.h"

namespace aktenwerk::storage {

// Thread-safe. One background thread per flusher runs the flushes.
class FsFlusher {
  public:
    // A flusher of the file system that holds `dir`. With `enabled` false nothing is flushed
    // (only for benchmarks of the upper bound; never in the server).
    static Result<std::unique_ptr<FsFlusher>> Open(const std::string& dir, bool enabled = true);

    ~FsFlusher();
    FsFlusher(const FsFlusher&) = delete;
    FsFlusher& operator=(const FsFlusher&) = delete;

    // Returns once every write, rename and file creation that the calling thread completed
    // before the call is durable: a flush that began after the call has finished. After a
    // failed flush the kernel may have dropped dirty pages, so this and every later call
    // fail with that error (disk full: reason "disk-full") until the process restarts.
    Status WaitDurable();

    // Flushes run so far.
    uint64_t flushes() const;

  private:
    FsFlusher(int fd, bool enabled);
    void Loop();

    const int fd_;  // a folder on the file system, for syncfs
    const bool enabled_;

    mutable std::mutex mu_;
    std::condition_variable wanted_;
    std::condition_variable done_;
    uint64_t requested_ = 0;  // guarded by mu_; tickets handed out
    uint64_t completed_ = 0;  // guarded by mu_; every ticket up to this one is durable
    uint64_t flushes_ = 0;    // guarded by mu_
    Status failure_;          // guarded by mu_
    bool stopping_ = false;   // guarded by mu_
    std::thread thread_;
};

}  // namespace aktenwerk::storage
