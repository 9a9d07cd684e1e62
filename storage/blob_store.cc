// Blob files: write to tmp/ while hashing, fsync, rename into the fan-out tree, fsync the
// folder. A blob becomes visible under its name only with complete, synced content.
#include "storage/blob_store.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>
#include <random>

#include <openssl/evp.h>

#include "storage/log.h"

namespace aktenwerk::storage {
namespace {

namespace fs = std::filesystem;

constexpr size_t kWriteBufferSize = 256 * 1024;
// How often a long write looks at the free space again (a statvfs costs about a microsecond).
constexpr uint64_t kSpaceCheckInterval = 4 << 20;
// Large blobs are handed to the disk in windows of this size while they are written.
constexpr uint64_t kWriteBehindWindow = 8 << 20;

const log::Logger& Log() {
    static const log::Logger logger("storage");
    return logger;
}

std::string RandomSuffix() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    uint64_t v = rng();
    for (int i = 0; i < 16; ++i) {
        out += kHex[v & 15];
        v >>= 4;
    }
    return out;
}

Status MakeDirDurable(const std::string& dir, const std::string& parent) {
    if (::mkdir(dir.c_str(), 0750) == 0) return SyncDirectory(parent);
    if (errno == EEXIST) return Status::Ok();
    return ErrnoError("create folder " + dir, errno);
}

}  // namespace

Status WriteAllToFd(int fd, const char* data, size_t size, const std::string& path) {
    while (size > 0) {
        ssize_t n = ::write(fd, data, size);
        if (n < 0) {
            if (errno == EINTR) continue;
            return ErrnoError("write " + path, errno);
        }
        data += n;
        size -= static_cast<size_t>(n);
    }
    return Status::Ok();
}

Status SyncDirectory(const std::string& dir) {
    int fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open folder " + dir, errno);
    int rc = ::fsync(fd);
    int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoError("fsync folder " + dir, err);
    return Status::Ok();
}

BlobPin::BlobPin(BlobPin&& other) noexcept
    : store_(std::exchange(other.store_, nullptr)), sha256_(std::move(other.sha256_)) {}

BlobPin& BlobPin::operator=(BlobPin&& other) noexcept {
    if (this != &other) {
        if (store_) store_->Unpin(sha256_);
        store_ = std::exchange(other.store_, nullptr);
        sha256_ = std::move(other.sha256_);
    }
    return *this;
}

BlobPin::~BlobPin() {
    if (store_) store_->Unpin(sha256_);
}

BlobWriter::BlobWriter(BlobStore* store, int fd, std::string tmp_path, uint64_t max_size)
    : store_(store), fd_(fd), tmp_path_(std::move(tmp_path)), max_size_(max_size) {
    auto* ctx = EVP_MD_CTX_new();
    EVP_DigestInit_ex(ctx, EVP_sha256(), nullptr);
    sha_ctx_ = ctx;
    buffer_.reserve(kWriteBufferSize);
}

BlobWriter::~BlobWriter() {
    Abort();
    EVP_MD_CTX_free(static_cast<EVP_MD_CTX*>(sha_ctx_));
}

void BlobWriter::Abort() {
    if (fd_ >= 0) {
        ::close(fd_);
        fd_ = -1;
    }
    if (!tmp_path_.empty()) {
        ::unlink(tmp_path_.c_str());
        tmp_path_.clear();
    }
}

Status BlobWriter::Append(const void* data, size_t size) {
    if (fd_ < 0) return InternalError("blob writer already finished");
    if (size_ + size > max_size_) {
        return ResourceExhaustedError(
            "content exceeds the limit of " + std::to_string(max_size_) + " bytes",
            "body-too-large");
    }
    if (size_ + size - checked_at_ >= kSpaceCheckInterval) {
        AKTENWERK_RETURN_IF_ERROR(store_->reserve_.CheckRoom(0));
        checked_at_ = size_ + size;
    }
    EVP_DigestUpdate(static_cast<EVP_MD_CTX*>(sha_ctx_), data, size);
    size_ += size;
    const char* bytes = static_cast<const char*>(data);
    if (head_.size() < kHeadBytes) head_.append(bytes, std::min(size, kHeadBytes - head_.size()));
    if (buffer_.size() + size < kWriteBufferSize) {
        buffer_.append(bytes, size);
        return Status::Ok();
    }
    AKTENWERK_RETURN_IF_ERROR(WriteOut(buffer_.data(), buffer_.size()));
    buffer_.clear();
    return WriteOut(bytes, size);
}

// Write-behind: the disk works on a large blob while the rest of it still arrives, instead of
// all of it at the final fsync, and the page cache holds only a few windows of it.
Status BlobWriter::WriteOut(const char* data, size_t size) {
    AKTENWERK_RETURN_IF_ERROR(WriteAllToFd(fd_, data, size, tmp_path_));
    written_ += size;
    while (written_ - kicked_ >= kWriteBehindWindow) {
        const auto window = static_cast<off_t>(kWriteBehindWindow);
        ::sync_file_range(fd_, static_cast<off_t>(kicked_), window, SYNC_FILE_RANGE_WRITE);
        if (kicked_ >= kWriteBehindWindow) {
            // Errors are left to the final fsync, which reports them.
            const auto previous = static_cast<off_t>(kicked_ - kWriteBehindWindow);
            ::sync_file_range(
                fd_, previous, window,
                SYNC_FILE_RANGE_WAIT_BEFORE | SYNC_FILE_RANGE_WRITE | SYNC_FILE_RANGE_WAIT_AFTER);
            ::posix_fadvise(fd_, previous, window, POSIX_FADV_DONTNEED);
        }
        kicked_ += kWriteBehindWindow;
    }
    return Status::Ok();
}

Result<std::pair<BlobInfo, BlobPin>> BlobWriter::Finish() {
    if (fd_ < 0) return InternalError("blob writer already finished");
    AKTENWERK_RETURN_IF_ERROR(WriteOut(buffer_.data(), buffer_.size()));
    buffer_.clear();
    // An fsync per blob, not a shared flush of the file system: concurrent fsyncs proceed in
    // parallel, while syncfs calls run one after another and each costs more (measured
    // here: 6,000 files/s against 1,900 with 8 writers).
    if (::fsync(fd_) != 0) return ErrnoError("fsync " + tmp_path_, errno);
    ::close(fd_);
    fd_ = -1;

    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_DigestFinal_ex(static_cast<EVP_MD_CTX*>(sha_ctx_), digest, &len);
    static constexpr char kHex[] = "0123456789abcdef";
    BlobInfo info;
    info.size = size_;
    for (unsigned int i = 0; i < len; ++i) {
        info.sha256 += kHex[digest[i] >> 4];
        info.sha256 += kHex[digest[i] & 15];
    }

    Status installed = store_->Install(tmp_path_, info.sha256);
    if (!installed.ok()) {
        store_->Unpin(info.sha256);
        return installed;
    }
    tmp_path_.clear();
    return std::make_pair(info, BlobPin(store_, info.sha256));
}

BlobReader::~BlobReader() { ::close(fd_); }

Result<size_t> BlobReader::ReadAt(uint64_t offset, void* buf, size_t n) const {
    while (true) {
        ssize_t got = ::pread(fd_, buf, n, static_cast<off_t>(offset));
        if (got >= 0) return static_cast<size_t>(got);
        if (errno != EINTR) return ErrnoError("read blob", errno);
    }
}

Result<std::unique_ptr<BlobStore>> BlobStore::Open(const std::string& dir, uint64_t reserve_bytes) {
    std::error_code ec;
    fs::create_directories(fs::path(dir) / "tmp", ec);
    if (ec) return ErrnoError("create blob folder " + dir, ec.value());
    return std::unique_ptr<BlobStore>(new BlobStore(dir, reserve_bytes));
}

bool BlobStore::IsValidHash(std::string_view text) {
    if (text.size() != 64) return false;
    for (char c : text) {
        if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
}

std::string BlobStore::PathFor(std::string_view sha256) const {
    std::string path = dir_;
    path += '/';
    path += sha256.substr(0, 2);
    path += '/';
    path += sha256;
    return path;
}

Result<std::unique_ptr<BlobWriter>> BlobStore::NewWriter(uint64_t max_size,
                                                         uint64_t expected_size) {
    if (expected_size > max_size) {
        return ResourceExhaustedError("content of " + std::to_string(expected_size) +
                                          " bytes exceeds the limit of " +
                                          std::to_string(max_size) + " bytes",
                                      "body-too-large");
    }
    AKTENWERK_RETURN_IF_ERROR(reserve_.CheckRoom(expected_size));
    std::string tmp = dir_ + "/tmp/" + RandomSuffix();
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
    if (fd < 0) return ErrnoError("create " + tmp, errno);
    return std::unique_ptr<BlobWriter>(new BlobWriter(this, fd, tmp, max_size));
}

Status BlobStore::Install(const std::string& tmp_path, const std::string& sha256) {
    {
        std::lock_guard lock(mu_);
        ++pins_[sha256];
    }
    // Pinned from here on: RemoveIfUnused leaves this hash alone, so the rename and the
    // folder fsync can run without the lock and concurrent uploads do not queue on it.
    std::string target = PathFor(sha256);
    struct stat st;
    if (::stat(target.c_str(), &st) == 0) {
        ::unlink(tmp_path.c_str());
        return Status::Ok();
    }
    std::string fan_out = dir_ + "/" + sha256.substr(0, 2);
    AKTENWERK_RETURN_IF_ERROR(MakeDirDurable(fan_out, dir_));
    if (::rename(tmp_path.c_str(), target.c_str()) != 0) {
        return ErrnoError("rename blob into place " + target, errno);
    }
    if (::stat(target.c_str(), &st) == 0) {
        blob_count_.fetch_add(1, std::memory_order_relaxed);
        blob_bytes_.fetch_add(static_cast<uint64_t>(st.st_size), std::memory_order_relaxed);
    }
    return SyncDirectory(fan_out);
}

void BlobStore::Unpin(const std::string& sha256) {
    std::lock_guard lock(mu_);
    auto it = pins_.find(sha256);
    if (it != pins_.end() && --it->second == 0) pins_.erase(it);
}

Result<std::unique_ptr<BlobReader>> BlobStore::OpenReader(std::string_view sha256) const {
    if (!IsValidHash(sha256)) return InvalidArgumentError("not a SHA-256 hash");
    std::string path = PathFor(sha256);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) {
        if (errno == ENOENT) return NotFoundError("blob " + std::string(sha256) + " is missing");
        return ErrnoError("open blob " + path, errno);
    }
    struct stat st;
    if (::fstat(fd, &st) != 0) {
        int err = errno;
        ::close(fd);
        return ErrnoError("stat blob " + path, err);
    }
    return std::unique_ptr<BlobReader>(new BlobReader(fd, static_cast<uint64_t>(st.st_size)));
}

bool BlobStore::Exists(std::string_view sha256) const {
    struct stat st;
    return IsValidHash(sha256) && ::stat(PathFor(sha256).c_str(), &st) == 0;
}

Result<bool> BlobStore::RemoveIfUnused(
    const std::string& sha256,
    const std::function<Result<bool>(const std::string&)>& is_referenced) {
    std::lock_guard lock(mu_);
    if (pins_.count(sha256) != 0) return false;
    AKTENWERK_ASSIGN_OR_RETURN(bool referenced, is_referenced(sha256));
    if (referenced) return false;
    if (removal_holds_ > 0) {
        deferred_.emplace_back(sha256, is_referenced);
        return false;
    }
    std::string path = PathFor(sha256);
    struct stat st;
    const bool sized = ::stat(path.c_str(), &st) == 0;
    if (::unlink(path.c_str()) != 0) {
        if (errno == ENOENT) return false;
        return ErrnoError("remove blob " + path, errno);
    }
    if (sized) {
        blob_count_.fetch_sub(1, std::memory_order_relaxed);
        blob_bytes_.fetch_sub(static_cast<uint64_t>(st.st_size), std::memory_order_relaxed);
    }
    AKTENWERK_RETURN_IF_ERROR(SyncDirectory(path.substr(0, path.rfind('/'))));
    return true;
}

RemovalHold& RemovalHold::operator=(RemovalHold&& other) noexcept {
    if (this != &other) {
        if (store_) store_->ReleaseRemovalHold();
        store_ = std::exchange(other.store_, nullptr);
    }
    return *this;
}

RemovalHold::~RemovalHold() {
    if (store_) store_->ReleaseRemovalHold();
}

RemovalHold BlobStore::HoldRemovals() {
    std::lock_guard lock(mu_);
    ++removal_holds_;
    return RemovalHold(this);
}

size_t BlobStore::deferred_removals() const {
    std::lock_guard lock(mu_);
    return deferred_.size();
}

void BlobStore::ReleaseRemovalHold() {
    std::vector<std::pair<std::string, IsReferenced>> due;
    {
        std::lock_guard lock(mu_);
        if (--removal_holds_ > 0) return;
        due.swap(deferred_);
    }
    // Run without the lock: RemoveIfUnused takes it, and checks the references again, since
    // a blob may have been referenced anew while the hold lasted.
    for (const auto& [sha256, is_referenced] : due) {
        auto removed = RemoveIfUnused(sha256, is_referenced);
        if (!removed.ok()) {
            Log().Warning("deferred blob removal failed",
                          "sha256=" + sha256 + " error=" + log::Quote(removed.status().ToString()));
        }
    }
}

Status BlobStore::ForEach(const std::function<bool(const std::string&)>& fn) const {
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir_, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it->path().parent_path().filename() == "tmp" && it.depth() == 1) continue;
        if (!it->is_regular_file(ec)) continue;
        std::string name = it->path().filename().string();
        if (it.depth() != 1 || !IsValidHash(name)) continue;
        if (!fn(name)) break;
    }
    if (ec) return ErrnoError("list blobs in " + dir_, ec.value());
    return Status::Ok();
}

Result<uint64_t> BlobStore::RemoveOrphans(
    const std::function<Result<bool>(const std::string&)>& is_referenced) {
    uint64_t removed = 0;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir_ + "/tmp", ec)) {
        if (::unlink(entry.path().c_str()) == 0) ++removed;
    }
    std::vector<std::string> candidates;
    Status listed = ForEach([&](const std::string& sha256) {
        candidates.push_back(sha256);
        return true;
    });
    AKTENWERK_RETURN_IF_ERROR(listed);
    // The removals below subtract from the totals, so the totals are counted first.
    uint64_t count = 0;
    uint64_t bytes = 0;
    for (const auto& sha256 : candidates) {
        struct stat st;
        if (::stat(PathFor(sha256).c_str(), &st) != 0) continue;
        ++count;
        bytes += static_cast<uint64_t>(st.st_size);
    }
    blob_count_.store(count, std::memory_order_relaxed);
    blob_bytes_.store(bytes, std::memory_order_relaxed);
    for (const auto& sha256 : candidates) {
        AKTENWERK_ASSIGN_OR_RETURN(bool gone, RemoveIfUnused(sha256, is_referenced));
        if (gone) {
            ++removed;
            Log().Info("orphan blob removed", "sha256=" + sha256);
        }
    }
    return removed;
}

}  // namespace aktenwerk::storage
