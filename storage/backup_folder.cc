// Backup folders: writing a snapshot from a stream, listing and checking snapshots, and the
// raw restore of one into a fresh data directory. Durability: every blob and file is fsynced
// before the rename that makes it visible, and the folder after it.
#include "storage/backup_folder.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <charconv>
#include <chrono>
#include <cstring>
#include <ctime>
#include <filesystem>
#include <fstream>
#include <random>
#include <sstream>

#include <leveldb/db.h>
#include <leveldb/write_batch.h>

#include "storage/blob_store.h"
#include "storage/metadata_store.h"

namespace aktenwerk::storage {
namespace {

namespace fs = std::filesystem;

constexpr std::string_view kMarkerName = "AKTENWERK-BACKUP";
constexpr std::string_view kMarkerText = "Aktenwerk backup folder, layout 1\n";
constexpr std::string_view kFormatName = "aktenwerk-backup";
constexpr size_t kCopyBuffer = 1 << 20;

std::string RandomName() {
    thread_local std::mt19937_64 rng{std::random_device{}()};
    std::ostringstream out;
    out << std::hex << rng();
    return out.str();
}

std::string UtcName() {
    const auto now = std::chrono::system_clock::now();
    const std::time_t t = std::chrono::system_clock::to_time_t(now);
    std::tm tm{};
    gmtime_r(&t, &tm);
    char buf[32];
    std::strftime(buf, sizeof(buf), "%Y%m%dT%H%M%SZ", &tm);
    return buf;
}

// A file being written: created exclusively, fsynced and closed by Close.
class OutFile {
  public:
    ~OutFile() {
        if (fd_ >= 0) ::close(fd_);
    }
    Status Create(const std::string& path) {
        path_ = path;
        fd_ = ::open(path.c_str(), O_WRONLY | O_CREAT | O_EXCL | O_CLOEXEC, 0640);
        if (fd_ < 0) return ErrnoError("create " + path, errno);
        return Status::Ok();
    }
    Status Write(std::string_view data) {
        return WriteAllToFd(fd_, data.data(), data.size(), path_);
    }
    Status Close() {
        if (::fsync(fd_) != 0) return ErrnoError("fsync " + path_, errno);
        int rc = ::close(fd_);
        fd_ = -1;
        if (rc != 0) return ErrnoError("close " + path_, errno);
        return Status::Ok();
    }

  private:
    std::string path_;
    int fd_ = -1;
};

Status WriteFileDurable(const std::string& path, std::string_view content) {
    OutFile f;
    AKTENWERK_RETURN_IF_ERROR(f.Create(path));
    AKTENWERK_RETURN_IF_ERROR(f.Write(content));
    return f.Close();
}

Status MakeDir(const std::string& dir) {
    if (::mkdir(dir.c_str(), 0750) == 0 || errno == EEXIST) return Status::Ok();
    return ErrnoError("create folder " + dir, errno);
}

Result<std::string> ReadSmallFile(const std::string& path, size_t limit) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return ErrnoError("open " + path, errno);
    std::string out;
    char buf[64 << 10];
    while (true) {
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) {
            int err = errno;
            ::close(fd);
            return ErrnoError("read " + path, err);
        }
        if (n == 0) break;
        out.append(buf, static_cast<size_t>(n));
        if (out.size() > limit) {
            ::close(fd);
            return CorruptionError(path + " is larger than a backup would write");
        }
    }
    ::close(fd);
    return out;
}

// A ByteSource over an open file.
ByteSource FileSource(int fd, const std::string& path) {
    return [fd, path](char* buf, size_t n) -> Result<size_t> {
        while (true) {
            ssize_t got = ::read(fd, buf, n);
            if (got >= 0) return static_cast<size_t>(got);
            if (errno != EINTR) return ErrnoError("read " + path, errno);
        }
    };
}

void PutU32(std::string* out, uint32_t v) {
    for (int i = 0; i < 4; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

void PutU64(std::string* out, uint64_t v) {
    for (int i = 0; i < 8; ++i) out->push_back(static_cast<char>((v >> (8 * i)) & 0xff));
}

// Writes the metadata part of a stream as a metadata-only snapshot stream of its own.
class MetadataFile {
  public:
    Status Create(const std::string& path) {
        AKTENWERK_RETURN_IF_ERROR(file_.Create(path));
        return Put(std::string(kSnapshotMagic));
    }
    Status Add(std::string_view key, std::string_view value) {
        std::string e(1, 'K');
        PutU32(&e, static_cast<uint32_t>(key.size()));
        PutU32(&e, static_cast<uint32_t>(value.size()));
        e += key;
        e += value;
        ++records_;
        return Put(e);
    }
    Status Finish() {
        std::string e(1, 'E');
        PutU64(&e, records_);
        PutU64(&e, 0);
        PutU64(&e, 0);
        stream_hash_.Update(e);
        e += stream_hash_.HexDigest();
        file_hash_.Update(e);
        AKTENWERK_RETURN_IF_ERROR(Flush(e));
        return file_.Close();
    }
    std::string FileHash() { return file_hash_.HexDigest(); }
    uint64_t bytes() const { return bytes_; }

  private:
    Status Put(std::string_view e) {
        stream_hash_.Update(e);
        file_hash_.Update(e);
        return Flush(e);
    }
    Status Flush(std::string_view e) {
        buffer_ += e;
        bytes_ += e.size();
        if (buffer_.size() < kCopyBuffer && e.front() != 'E') return Status::Ok();
        Status s = file_.Write(buffer_);
        buffer_.clear();
        return s;
    }

    OutFile file_;
    std::string buffer_;
    uint64_t records_ = 0;
    uint64_t bytes_ = 0;
    Sha256 stream_hash_;
    Sha256 file_hash_;
};

// Decimal digits only, no sign or blanks.
bool ParseSize(std::string_view text, uint64_t* n) {
    if (text.empty() || text.size() > 19) return false;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), *n);
    return ec == std::errc() && ptr == text.data() + text.size() && text.front() != '-';
}

}  // namespace

bool IsValidSnapshotName(std::string_view name) {
    if (name.empty() || name.size() > 64) return false;
    return std::all_of(name.begin(), name.end(), [](char c) {
        return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9') ||
               c == '-' || c == '_';
    });
}

std::string ManifestChecksum(const nlohmann::json& manifest) {
    nlohmann::json copy = manifest;
    copy.erase("checksum");
    return Sha256Hex(copy.dump());
}

Result<std::pair<std::string, uint64_t>> HashFile(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return ErrnoError("open " + path, errno);
    Sha256 h;
    uint64_t size = 0;
    std::vector<char> buf(kCopyBuffer);
    ByteSource in = FileSource(fd, path);
    while (true) {
        auto n = in(buf.data(), buf.size());
        if (!n.ok()) {
            ::close(fd);
            return n.status();
        }
        if (*n == 0) break;
        h.Update(buf.data(), *n);
        size += *n;
    }
    ::close(fd);
    return std::make_pair(h.HexDigest(), size);
}

Result<std::pair<std::string, uint64_t>> CopyFileHashed(const std::string& from,
                                                        const std::string& to) {
    int in_fd = ::open(from.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (in_fd < 0) return ErrnoError("open " + from, errno);
    ::posix_fadvise(in_fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    OutFile out;
    Status s = out.Create(to);
    Sha256 h;
    uint64_t size = 0;
    std::vector<char> buf(kCopyBuffer);
    ByteSource in = FileSource(in_fd, from);
    while (s.ok()) {
        auto n = in(buf.data(), buf.size());
        if (!n.ok()) s = n.status();
        if (!s.ok() || *n == 0) break;
        h.Update(buf.data(), *n);
        size += *n;
        s = out.Write(std::string_view(buf.data(), *n));
    }
    ::close(in_fd);
    if (s.ok()) s = out.Close();
    if (!s.ok()) return s;
    return std::make_pair(h.HexDigest(), size);
}

Result<BackupFolder> BackupFolder::OpenOrCreate(const std::string& dir) {
    std::error_code ec;
    if (!fs::exists(dir, ec)) {
        fs::create_directories(dir, ec);
        if (ec) return ErrnoError("create backup folder " + dir, ec.value());
    }
    if (fs::exists(fs::path(dir) / kMarkerName, ec)) return Open(dir);
    if (!fs::is_directory(dir, ec) || !fs::is_empty(dir, ec)) {
        return FailedPreconditionError(
            dir + " is not empty and not an Aktenwerk backup folder; give a new or empty one",
            "not-a-backup");
    }
    AKTENWERK_RETURN_IF_ERROR(MakeDir(dir + "/blobs"));
    AKTENWERK_RETURN_IF_ERROR(MakeDir(dir + "/blobs/tmp"));
    AKTENWERK_RETURN_IF_ERROR(MakeDir(dir + "/snapshots"));
    AKTENWERK_RETURN_IF_ERROR(WriteFileDurable(dir + "/" + std::string(kMarkerName), kMarkerText));
    AKTENWERK_RETURN_IF_ERROR(SyncDirectory(dir));
    return BackupFolder(dir);
}

Result<BackupFolder> BackupFolder::Open(const std::string& dir) {
    std::error_code ec;
    if (!fs::is_directory(dir, ec)) return NotFoundError("no backup folder " + dir);
    auto marker = ReadSmallFile(dir + "/" + std::string(kMarkerName), 4096);
    if (!marker.ok() || *marker != kMarkerText) {
        return FailedPreconditionError(dir + " is not an Aktenwerk backup folder (no marker)",
                                       "not-a-backup");
    }
    for (const char* sub : {"/blobs", "/blobs/tmp", "/snapshots"}) {
        if (fs::is_symlink(dir + sub, ec) || !fs::is_directory(dir + sub, ec)) {
            return CorruptionError("backup folder " + dir + " lacks its folder " + sub);
        }
    }
    return BackupFolder(dir);
}

std::string BackupFolder::BlobPath(std::string_view sha256) const {
    return dir_ + "/blobs/" + std::string(sha256.substr(0, 2)) + "/" + std::string(sha256);
}

bool BackupFolder::HasBlob(std::string_view sha256) const {
    struct stat st;
    return BlobStore::IsValidHash(sha256) && ::lstat(BlobPath(sha256).c_str(), &st) == 0 &&
           S_ISREG(st.st_mode);
}

Result<std::vector<std::string>> BackupFolder::BlobNames() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (auto it = fs::recursive_directory_iterator(dir_ + "/blobs", ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        std::string name = it->path().filename().string();
        if (it.depth() == 1 && it->is_regular_file(ec) && BlobStore::IsValidHash(name) &&
            it->path().parent_path().filename() == name.substr(0, 2)) {
            out.push_back(std::move(name));
        }
    }
    if (ec) return ErrnoError("list blobs of " + dir_, ec.value());
    std::sort(out.begin(), out.end());
    return out;
}

namespace {

// Receives the blobs of a stream into the folder's blob tree.
class BlobSink {
  public:
    BlobSink(const BackupFolder& folder, BackupCounts* counts) : folder_(folder), counts_(counts) {}

    Status Receive(const std::string& sha256, uint64_t size, const ByteSource& content) {
        const std::string tmp = folder_.dir() + "/blobs/tmp/" + RandomName();
        OutFile out;
        AKTENWERK_RETURN_IF_ERROR(out.Create(tmp));
        Sha256 h;
        std::vector<char> buf(kCopyBuffer);
        Status s;
        while (s.ok()) {
            auto n = content(buf.data(), buf.size());
            if (!n.ok()) s = n.status();
            if (!s.ok() || *n == 0) break;
            h.Update(buf.data(), *n);
            s = out.Write(std::string_view(buf.data(), *n));
        }
        if (s.ok()) s = out.Close();
        if (s.ok() && h.HexDigest() != sha256) {
            s = CorruptionError("blob " + sha256 + " arrived with other content");
        }
        if (!s.ok() || folder_.HasBlob(sha256)) {
            ::unlink(tmp.c_str());
            return s;
        }
        const std::string fan_out = folder_.dir() + "/blobs/" + sha256.substr(0, 2);
        AKTENWERK_RETURN_IF_ERROR(MakeDir(fan_out));
        const std::string target = fan_out + "/" + sha256;
        if (::rename(tmp.c_str(), target.c_str()) != 0) {
            int err = errno;
            ::unlink(tmp.c_str());
            return ErrnoError("rename blob into " + target, err);
        }
        dirty_.push_back(fan_out);
        counts_->blobs_copied += 1;
        counts_->blob_bytes_copied += size;
        return Status::Ok();
    }

    // Makes the renames durable, once per folder touched.
    Status Sync() {
        std::sort(dirty_.begin(), dirty_.end());
        dirty_.erase(std::unique(dirty_.begin(), dirty_.end()), dirty_.end());
        for (const auto& d : dirty_) AKTENWERK_RETURN_IF_ERROR(SyncDirectory(d));
        return SyncDirectory(folder_.dir() + "/blobs");
    }

  private:
    const BackupFolder& folder_;
    BackupCounts* counts_;
    std::vector<std::string> dirty_;
};

}  // namespace

Result<BackupSnapshot> BackupFolder::WriteSnapshot(const ByteSource& stream,
                                                   const std::string& source,
                                                   const RecordObserver& observe,
                                                   const std::function<nlohmann::json()>& describe,
                                                   BackupCounts* counts) {
    std::string name = UtcName();
    std::error_code ec;
    for (int i = 2; fs::exists(dir_ + "/snapshots/" + name, ec); ++i) {
        name = UtcName() + "-" + std::to_string(i);
    }
    const std::string staging = dir_ + "/snapshots/.tmp-" + name + "-" + RandomName();
    AKTENWERK_RETURN_IF_ERROR(MakeDir(staging));
    auto fail = [&](Status s) {
        fs::remove_all(staging, ec);
        return s;
    };

    MetadataFile meta;
    OutFile list;
    Sha256 list_hash;
    std::string list_buffer;
    Status s = meta.Create(staging + "/metadata.kv");
    if (s.ok()) s = list.Create(staging + "/blobs.txt");
    if (!s.ok()) return fail(s);
    BlobSink sink(*this, counts);
    auto list_blob = [&](const std::string& sha256, uint64_t size) -> Status {
        std::string line = sha256 + " " + std::to_string(size) + "\n";
        list_hash.Update(line);
        list_buffer += line;
        if (list_buffer.size() < kCopyBuffer) return Status::Ok();
        Status w = list.Write(list_buffer);
        list_buffer.clear();
        return w;
    };
    SnapshotHandler handler;
    handler.record = [&](std::string_view key, std::string_view value) {
        if (observe) observe(key, value);
        return meta.Add(key, value);
    };
    handler.blob_ref = [&](const std::string& sha256, uint64_t size) -> Status {
        if (!HasBlob(sha256)) {
            return FailedPreconditionError("backup folder " + dir_ + " lost blob " + sha256 +
                                           " while the backup ran; run it again");
        }
        return list_blob(sha256, size);
    };
    handler.blob = [&](const std::string& sha256, uint64_t size, const ByteSource& content) {
        AKTENWERK_RETURN_IF_ERROR(sink.Receive(sha256, size, content));
        return list_blob(sha256, size);
    };
    auto read = ReadSnapshotStream(stream, handler);
    if (!read.ok()) return fail(read.status().WithContext("backup stream"));
    counts->stream = *read;

    s = meta.Finish();
    if (s.ok()) s = list.Write(list_buffer);
    if (s.ok()) s = list.Close();
    if (s.ok()) s = sink.Sync();
    if (!s.ok()) return fail(s);

    nlohmann::json manifest = {
        {"format", kFormatName},
        {"format_version", kBackupFormatVersion},
        {"name", name},
        {"source", source},
        {"metadata",
         {{"file", "metadata.kv"},
          {"sha256", meta.FileHash()},
          {"bytes", meta.bytes()},
          {"records", read->records}}},
        {"blobs",
         {{"file", "blobs.txt"},
          {"sha256", list_hash.HexDigest()},
          {"count", read->blobs},
          {"bytes", read->blob_bytes},
          {"copied", counts->blobs_copied},
          {"copied_bytes", counts->blob_bytes_copied}}},
        {"repository", describe ? describe() : nlohmann::json::object()},
    };
    manifest["checksum"] = ManifestChecksum(manifest);
    s = WriteFileDurable(staging + "/manifest.json", manifest.dump(2) + "\n");
    if (s.ok()) s = SyncDirectory(staging);
    const std::string final_dir = dir_ + "/snapshots/" + name;
    if (s.ok() && ::rename(staging.c_str(), final_dir.c_str()) != 0) {
        s = ErrnoError("rename snapshot into " + final_dir, errno);
    }
    if (!s.ok()) return fail(s);
    AKTENWERK_RETURN_IF_ERROR(SyncDirectory(dir_ + "/snapshots"));
    return BackupSnapshot{name, final_dir, std::move(manifest)};
}

Status BackupFolder::CheckManifest(const BackupSnapshot& snapshot) const {
    // A copy: operator[] of a const json on a missing member is undefined, and a manifest is
    // input (its checksum detects damage, not a forger, who can compute it too).
    nlohmann::json m = snapshot.manifest;
    const std::string what = "snapshot " + snapshot.name + ": ";
    if (!m.is_object() || m["format"] != kFormatName) {
        return CorruptionError(what + "manifest.json is not an Aktenwerk backup manifest");
    }
    if (!m["format_version"].is_number_integer() ||
        m["format_version"].get<int64_t>() > kBackupFormatVersion) {
        return FailedPreconditionError(what + "written by a newer Aktenwerk (backup format " +
                                           m["format_version"].dump() + ")",
                                       "format-too-new");
    }
    if (!m["checksum"].is_string() || m["checksum"].get<std::string>() != ManifestChecksum(m)) {
        return CorruptionError(what + "manifest.json was changed after it was written");
    }
    nlohmann::json& meta = m["metadata"];
    nlohmann::json& blobs = m["blobs"];
    if (m["name"] != snapshot.name || !meta.is_object() || !blobs.is_object() ||
        !m["repository"].is_object() || meta["file"] != "metadata.kv" ||
        blobs["file"] != "blobs.txt" || !meta["sha256"].is_string() ||
        !blobs["sha256"].is_string() || !meta["records"].is_number_unsigned() ||
        !blobs["count"].is_number_unsigned()) {
        return CorruptionError(what + "manifest.json does not describe this snapshot");
    }
    return Status::Ok();
}

namespace {

// The names of the folders below DIR/snapshots that can be snapshots, sorted.
Result<std::vector<std::string>> SnapshotNames(const std::string& dir) {
    std::vector<std::string> names;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(dir + "/snapshots", ec)) {
        std::string name = entry.path().filename().string();
        if (IsValidSnapshotName(name) && !entry.is_symlink(ec) && entry.is_directory(ec)) {
            names.push_back(std::move(name));
        }
    }
    if (ec) return ErrnoError("list snapshots of " + dir, ec.value());
    std::sort(names.begin(), names.end());
    return names;
}

}  // namespace

Result<std::vector<BackupSnapshot>> BackupFolder::List(std::vector<std::string>* refused) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto names, SnapshotNames(dir_));
    std::vector<BackupSnapshot> out;
    for (const auto& name : names) {
        auto found = Find(name);
        if (found.ok()) {
            out.push_back(std::move(*found));
        } else if (refused) {
            refused->push_back(found.status().message());
        }
    }
    return out;
}

Result<BackupSnapshot> BackupFolder::Find(const std::string& name) const {
    if (name.empty()) {
        // The newest, checked: a damaged newest snapshot is reported, not passed over for an
        // older one without a word.
        AKTENWERK_ASSIGN_OR_RETURN(auto names, SnapshotNames(dir_));
        if (names.empty()) return NotFoundError("backup folder " + dir_ + " has no snapshot");
        return Find(names.back());
    }
    if (!IsValidSnapshotName(name)) {
        return InvalidArgumentError("'" + name + "' is not the name of a snapshot");
    }
    BackupSnapshot snapshot{name, dir_ + "/snapshots/" + name, {}};
    auto text = ReadSmallFile(snapshot.dir + "/manifest.json", 256 << 20);
    if (!text.ok()) {
        if (text.status().code() == StatusCode::kNotFound) {
            return NotFoundError("backup folder " + dir_ + " has no snapshot " + name);
        }
        return text.status().WithContext("snapshot " + name);
    }
    snapshot.manifest = nlohmann::json::parse(*text, nullptr, false);
    if (snapshot.manifest.is_discarded()) {
        return CorruptionError("snapshot " + name + ": manifest.json is not JSON");
    }
    AKTENWERK_RETURN_IF_ERROR(CheckManifest(snapshot));
    return snapshot;
}

Result<std::vector<std::pair<std::string, uint64_t>>> BackupFolder::ReadBlobList(
    const BackupSnapshot& snapshot) const {
    const nlohmann::json& blobs = snapshot.manifest["blobs"];
    const std::string what = "snapshot " + snapshot.name + ": ";
    AKTENWERK_ASSIGN_OR_RETURN(auto text, ReadSmallFile(snapshot.dir + "/blobs.txt", 1ULL << 32));
    if (Sha256Hex(text) != blobs["sha256"].get<std::string>()) {
        return CorruptionError(what + "blobs.txt does not match its manifest");
    }
    std::vector<std::pair<std::string, uint64_t>> out;
    std::istringstream lines(text);
    std::string line;
    while (std::getline(lines, line)) {
        const size_t space = line.find(' ');
        uint64_t size = 0;
        if (space == std::string::npos || !BlobStore::IsValidHash(line.substr(0, space)) ||
            !ParseSize(std::string_view(line).substr(space + 1), &size) ||
            (!out.empty() && line.substr(0, space) <= out.back().first)) {
            return CorruptionError(what + "blobs.txt has a malformed line");
        }
        out.emplace_back(line.substr(0, space), size);
    }
    if (out.size() != blobs["count"].get<uint64_t>()) {
        return CorruptionError(what + "blobs.txt lists another number of blobs than its manifest");
    }
    return out;
}

namespace {

// A ByteSource over a file that hashes what it reads.
struct HashingFile {
    int fd = -1;
    std::string path;
    Sha256 hash;
    uint64_t bytes = 0;

    ~HashingFile() {
        if (fd >= 0) ::close(fd);
    }
    Status Open(const std::string& p) {
        path = p;
        fd = ::open(p.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
        if (fd < 0) return ErrnoError("open " + p, errno);
        return Status::Ok();
    }
    ByteSource Source() {
        return [this](char* buf, size_t n) -> Result<size_t> {
            AKTENWERK_ASSIGN_OR_RETURN(size_t got, FileSource(fd, path)(buf, n));
            hash.Update(buf, got);
            bytes += got;
            return got;
        };
    }
};

Status CheckMetadataFile(HashingFile& file, const BackupSnapshot& snapshot,
                         const SnapshotCounts& counts) {
    const nlohmann::json& m = snapshot.manifest["metadata"];
    if (file.hash.HexDigest() != m["sha256"].get<std::string>() ||
        counts.records != m["records"].get<uint64_t>() || counts.blobs != 0) {
        return CorruptionError("snapshot " + snapshot.name +
                               ": metadata.kv does not match its manifest");
    }
    return Status::Ok();
}

}  // namespace

Status BackupFolder::Check(const BackupSnapshot& snapshot, bool rehash) const {
    AKTENWERK_RETURN_IF_ERROR(CheckManifest(snapshot));
    HashingFile file;
    AKTENWERK_RETURN_IF_ERROR(file.Open(snapshot.dir + "/metadata.kv"));
    AKTENWERK_ASSIGN_OR_RETURN(auto counts, ReadSnapshotStream(file.Source(), {}));
    AKTENWERK_RETURN_IF_ERROR(CheckMetadataFile(file, snapshot, counts));
    AKTENWERK_ASSIGN_OR_RETURN(auto blobs, ReadBlobList(snapshot));
    for (const auto& [sha256, size] : blobs) {
        struct stat st;
        const std::string path = BlobPath(sha256);
        if (::lstat(path.c_str(), &st) != 0 || !S_ISREG(st.st_mode)) {
            return CorruptionError("backup folder lacks blob " + sha256 + " that snapshot " +
                                   snapshot.name + " needs");
        }
        if (static_cast<uint64_t>(st.st_size) != size) {
            return CorruptionError("blob " + sha256 + " in the backup folder has the wrong size");
        }
        if (!rehash) continue;
        AKTENWERK_ASSIGN_OR_RETURN(auto hashed, HashFile(path));
        if (hashed.first != sha256) {
            return CorruptionError("blob " + sha256 + " in the backup folder is damaged");
        }
    }
    return Status::Ok();
}

namespace {

// Loads metadata entries into a new LevelDB in batches of a few megabytes.
class MetadataLoader {
  public:
    Status Open(const std::string& dir) {
        leveldb::Options options;
        options.create_if_missing = true;
        options.error_if_exists = true;
        options.paranoid_checks = true;
        leveldb::DB* raw = nullptr;
        AKTENWERK_RETURN_IF_ERROR(
            FromLevelDb(leveldb::DB::Open(options, dir, &raw), "create metadata store " + dir));
        db_.reset(raw);
        return Status::Ok();
    }
    Status Put(std::string_view key, std::string_view value) {
        batch_.Put(leveldb::Slice(key.data(), key.size()),
                   leveldb::Slice(value.data(), value.size()));
        if (batch_.ApproximateSize() < (4 << 20)) return Status::Ok();
        return Write(false);
    }
    // The last batch is synced; LevelDB's log then holds everything on disk.
    Status Finish() {
        AKTENWERK_RETURN_IF_ERROR(Write(true));
        db_.reset();
        return Status::Ok();
    }

  private:
    Status Write(bool sync) {
        leveldb::WriteOptions options;
        options.sync = sync;
        Status s = FromLevelDb(db_->Write(options, &batch_), "load metadata");
        batch_.Clear();
        return s;
    }
    std::unique_ptr<leveldb::DB> db_;
    leveldb::WriteBatch batch_;
};

}  // namespace

Status BackupFolder::RestoreSnapshot(const BackupSnapshot& snapshot, const std::string& target,
                                     const std::string& blob_ref_prefix,
                                     const RecordObserver& observe, BackupCounts* counts) const {
    AKTENWERK_RETURN_IF_ERROR(CheckManifest(snapshot));
    AKTENWERK_ASSIGN_OR_RETURN(auto blobs, ReadBlobList(snapshot));
    if (::mkdir(target.c_str(), 0750) != 0) return ErrnoError("create " + target, errno);

    // The metadata first: it is small and checks the snapshot's consistency early.
    MetadataLoader loader;
    AKTENWERK_RETURN_IF_ERROR(loader.Open(target + "/meta"));
    HashingFile file;
    AKTENWERK_RETURN_IF_ERROR(file.Open(snapshot.dir + "/metadata.kv"));
    size_t next_blob = 0;
    bool refs_match = true;
    SnapshotHandler handler;
    handler.record = [&](std::string_view key, std::string_view value) {
        if (key.substr(0, blob_ref_prefix.size()) == blob_ref_prefix) {
            refs_match = refs_match && next_blob < blobs.size() &&
                         key.substr(blob_ref_prefix.size()) == blobs[next_blob].first;
            ++next_blob;
        }
        if (observe) observe(key, value);
        return loader.Put(key, value);
    };
    AKTENWERK_ASSIGN_OR_RETURN(counts->stream, ReadSnapshotStream(file.Source(), handler));
    AKTENWERK_RETURN_IF_ERROR(CheckMetadataFile(file, snapshot, counts->stream));
    if (!refs_match || next_blob != blobs.size()) {
        return CorruptionError("snapshot " + snapshot.name +
                               ": the blobs its metadata refers to are not the blobs it lists");
    }
    AKTENWERK_RETURN_IF_ERROR(loader.Finish());

    const std::string blob_dir = target + "/blobs";
    AKTENWERK_RETURN_IF_ERROR(MakeDir(blob_dir));
    AKTENWERK_RETURN_IF_ERROR(MakeDir(blob_dir + "/tmp"));
    std::string fan_out;
    for (const auto& [sha256, size] : blobs) {
        if (fan_out != blob_dir + "/" + sha256.substr(0, 2)) {
            if (!fan_out.empty()) AKTENWERK_RETURN_IF_ERROR(SyncDirectory(fan_out));
            fan_out = blob_dir + "/" + sha256.substr(0, 2);
            AKTENWERK_RETURN_IF_ERROR(MakeDir(fan_out));
        }
        if (!HasBlob(sha256)) {
            return CorruptionError("backup folder lacks blob " + sha256 + " that snapshot " +
                                   snapshot.name + " needs");
        }
        AKTENWERK_ASSIGN_OR_RETURN(auto copied,
                                   CopyFileHashed(BlobPath(sha256), fan_out + "/" + sha256));
        if (copied.first != sha256 || copied.second != size) {
            return CorruptionError("blob " + sha256 + " in the backup folder is damaged");
        }
        counts->blobs_copied += 1;
        counts->blob_bytes_copied += size;
    }
    if (!fan_out.empty()) AKTENWERK_RETURN_IF_ERROR(SyncDirectory(fan_out));
    AKTENWERK_RETURN_IF_ERROR(SyncDirectory(blob_dir));
    return SyncDirectory(target);
}

}  // namespace aktenwerk::storage
