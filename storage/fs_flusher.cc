// The flusher thread.
//
// syncfs rather than fsync per file: it makes every dirty page, inode and directory entry of
// the file system durable in one journal commit, so N waiting writers cost one flush. A
// ticket taken before a flush starts is covered by it; tickets taken while it runs wait for
// the next one, which starts as soon as this one ends.
#include "storage/fs_flusher.h"

#include <fcntl.h>
#include <unistd.h>

#include <cerrno>

#include "storage/log.h"

namespace aktenwerk::storage {
namespace {

const log::Logger& Log() {
    static const log::Logger logger("storage");
    return logger;
}

}  // namespace

Result<std::unique_ptr<FsFlusher>> FsFlusher::Open(const std::string& dir, bool enabled) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open folder " + dir, errno);
    return std::unique_ptr<FsFlusher>(new FsFlusher(fd, enabled));
}

FsFlusher::FsFlusher(int fd, bool enabled) : fd_(fd), enabled_(enabled) {
    thread_ = std::thread([this] { Loop(); });
}

FsFlusher::~FsFlusher() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    wanted_.notify_all();
    thread_.join();
    ::close(fd_);
}

Status FsFlusher::WaitDurable() {
    std::unique_lock lock(mu_);
    if (!failure_.ok()) return failure_;
    const uint64_t ticket = ++requested_;
    wanted_.notify_one();
    done_.wait(lock, [&] { return completed_ >= ticket || !failure_.ok(); });
    if (completed_ >= ticket) return Status::Ok();
    return failure_;
}

uint64_t FsFlusher::flushes() const {
    std::lock_guard lock(mu_);
    return flushes_;
}

void FsFlusher::Loop() {
    std::unique_lock lock(mu_);
    while (true) {
        // After a failed flush nothing more is flushed: retrying would spin and flood the log.
        wanted_.wait(lock, [&] { return stopping_ || (requested_ > completed_ && failure_.ok()); });
        if (stopping_ && (requested_ == completed_ || !failure_.ok())) return;
        const uint64_t target = requested_;
        lock.unlock();
        const int rc = enabled_ ? ::syncfs(fd_) : 0;
        const int err = errno;
        lock.lock();
        if (rc != 0) {
            failure_ = ErrnoError("flush to disk", err);
            Log().Error("flush failed, writes refused until restart",
                        "error=" + log::Quote(failure_.ToString()));
        } else {
            completed_ = target;
            flushes_ += 1;
        }
        done_.notify_all();
    }
}

}  // namespace aktenwerk::storage
