// Bulk filing of a folder tree into an Akte (`aktenwerk import`): files become Dokumente,
// each subfolder a Vorgang (nested subfolders Teilvorgänge). For migrations and benchmarks.
#pragma once

#include <cstdint>
#include <functional>
#include <string>

#include "dms/repository.h"

namespace aktenwerk::dms {

struct FolderImportReport {
    uint64_t dokumente = 0;
    uint64_t vorgaenge = 0;
    uint64_t bytes = 0;
    uint64_t failed = 0;  // files that could not be filed (reported through on_error)
};

// Files everything below `folder` into the Akte `akte_id`. Files directly in `folder` go into
// the Akte itself. Symbolic links are not followed. A file that fails (unreadable, invalid
// name) is reported through `on_error` and skipped; an error of the store stops the import.
Result<FolderImportReport> ImportFolder(
    Repository& repo, const Principal& p, const std::string& akte_id, const std::string& folder,
    const std::function<void(const std::string& path, const Status&)>& on_error);

// Reads a file from disk as version content.
class FileContentSource final : public ContentSource {
  public:
    static Result<std::unique_ptr<FileContentSource>> Open(const std::string& path);
    ~FileContentSource() override;
    Result<size_t> Read(char* buf, size_t n) override;

  private:
    explicit FileContentSource(int fd) : fd_(fd) {}
    int fd_;
};

// Serves a string as version content (demo data, tests).
class StringContentSource final : public ContentSource {
  public:
    explicit StringContentSource(std::string data) : data_(std::move(data)) {}
    Result<size_t> Read(char* buf, size_t n) override;

  private:
    std::string data_;
    size_t pos_ = 0;
};

}  // namespace aktenwerk::dms
