// Depth-first walk; the entries of each folder are sorted so that imports are repeatable.
#include "dms/folder_import.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstring>
#include <filesystem>

namespace aktenwerk::dms {
namespace {

namespace fs = std::filesystem;

Status Walk(Repository& repo, const Principal& p, const std::string& parent_id,
            const fs::path& folder, int depth, FolderImportReport* report,
            const std::function<void(const std::string&, const Status&)>& on_error) {
    if (depth > 32) return InvalidArgumentError("folder tree deeper than 32 levels");
    std::vector<fs::directory_entry> entries;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(folder, ec)) entries.push_back(entry);
    if (ec) return ErrnoError("list " + folder.string(), ec.value());
    std::sort(entries.begin(), entries.end(),
              [](const auto& a, const auto& b) { return a.path() < b.path(); });

    for (const auto& entry : entries) {
        const std::string name = entry.path().filename().string();
        if (entry.is_symlink(ec)) continue;
        if (entry.is_directory(ec)) {
            auto vorgang = repo.Create(p, Kind::kVorgang, parent_id, {{"betreff", name}});
            if (!vorgang.ok()) {
                on_error(entry.path().string(), vorgang.status());
                ++report->failed;
                continue;
            }
            ++report->vorgaenge;
            AKTENWERK_RETURN_IF_ERROR(
                Walk(repo, p, vorgang->id, entry.path(), depth + 1, report, on_error));
        } else if (entry.is_regular_file(ec)) {
            auto source = FileContentSource::Open(entry.path().string());
            if (!source.ok()) {
                on_error(entry.path().string(), source.status());
                ++report->failed;
                continue;
            }
            auto created = repo.CreateDokument(p, parent_id, nlohmann::json::object(), **source,
                                               NewVersion{name, true, ""});
            if (!created.ok()) {
                const StatusCode code = created.status().code();
                if (code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound) {
                    on_error(entry.path().string(), created.status());
                    ++report->failed;
                    continue;
                }
                return created.status();
            }
            ++report->dokumente;
            report->bytes += created->second.groesse;
        }
    }
    return Status::Ok();
}

}  // namespace

Result<std::unique_ptr<FileContentSource>> FileContentSource::Open(const std::string& path) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC | O_NOFOLLOW);
    if (fd < 0) return ErrnoError("open " + path, errno);
    return std::unique_ptr<FileContentSource>(new FileContentSource(fd));
}

FileContentSource::~FileContentSource() { ::close(fd_); }

Result<size_t> FileContentSource::Read(char* buf, size_t n) {
    while (true) {
        ssize_t got = ::read(fd_, buf, n);
        if (got >= 0) return static_cast<size_t>(got);
        if (errno != EINTR) return ErrnoError("read", errno);
    }
}

Result<size_t> StringContentSource::Read(char* buf, size_t n) {
    size_t count = std::min(n, data_.size() - pos_);
    std::memcpy(buf, data_.data() + pos_, count);
    pos_ += count;
    return count;
}

Result<FolderImportReport> ImportFolder(
    Repository& repo, const Principal& p, const std::string& akte_id, const std::string& folder,
    const std::function<void(const std::string& path, const Status&)>& on_error) {
    AKTENWERK_ASSIGN_OR_RETURN(auto akte, repo.Get(p, akte_id));
    if (akte.kind != Kind::kAkte) return InvalidArgumentError(akte_id + " is not an Akte");
    std::error_code ec;
    if (!fs::is_directory(folder, ec)) return NotFoundError(folder + " is not a folder");
    FolderImportReport report;
    AKTENWERK_RETURN_IF_ERROR(Walk(repo, p, akte_id, folder, 0, &report, on_error));
    return report;
}

}  // namespace aktenwerk::dms
