// xdomea packages: writing a message ZIP (the message XML and, for 0503, the primary files,
// flat at the root) by streaming every file through Poco::Zip::Compress, and reading the
// message XML out of a received ZIP with every entry checked first: no path that leaves the
// folder, a bounded number of entries, and bounded, measured expansion.
#pragma once

#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace aktenwerk::retention::xdomea {

// Writes a ZIP file entry by entry; each entry is copied from its source in small chunks and
// its central directory record set aside in a side file (PATH.verzeichnis), so memory does
// not grow with the content or the number of entries. Not thread-safe.
class ZipWriter {
  public:
    // Creates (truncates) `path`. `zip64` allocates ZIP64 headers for every entry; without
    // it, entries near or past 4 GiB get them, and the directory switches to ZIP64 when the
    // archive needs it.
    static Result<std::unique_ptr<ZipWriter>> Create(const std::string& path, bool zip64);
    ~ZipWriter();

    // Adds the file at `source_path` as the root entry `entry_name` (ASCII, no '/').
    // `compress` deflates it (for XML); already compressed formats are better stored.
    Status AddFile(std::string_view entry_name, const std::string& source_path, bool compress,
                   int64_t modified_millis);

    // Writes the central directory, closes and fsyncs the file.
    Status Finish();

    uint64_t entries() const { return entries_; }

  private:
    struct Impl;
    explicit ZipWriter(std::unique_ptr<Impl> impl);
    std::unique_ptr<Impl> impl_;
    uint64_t entries_ = 0;
};

struct ZipLimits {
    uint64_t max_zip_bytes = uint64_t{64} << 20;
    uint64_t max_entries = 1000;
    uint64_t max_entry_bytes = uint64_t{64} << 20;   // uncompressed size of the entry read
    uint64_t max_ratio = 200;                        // uncompressed : compressed, per entry
    uint64_t max_total_bytes = uint64_t{256} << 20;  // all entries of a package together
};

// True when `bytes` starts like a ZIP file (a local file header).
bool LooksLikeZip(std::string_view bytes);

// True when `name` is safe as an entry name: not empty, at most 255 bytes of valid UTF-8, no
// control characters or backslashes, not absolute, no drive letter, no "." or ".." segment.
bool IsSafeEntryName(std::string_view name);

// The single message XML at the root of a received ZIP. Every entry name is checked first
// (kInvalidArgument, reason "unsafe-zip", naming it); more entries than allowed, an entry
// whose declared expansion exceeds the ratio, or an XML that inflates past
// `max_entry_bytes` are refused with the same reason. kInvalidArgument (reason "invalid-zip")
// for a damaged ZIP, none or several XML entries at the root.
Result<std::string> ReadMessageXml(std::string_view zip_bytes, const ZipLimits& limits = {});

// A received package read whole: the message XML and the primary files beside it, by entry
// name. For messages whose files are small enough to hold in memory (the request bodies of
// the xdomea endpoint, bounded by its body limit).
struct Paket {
    std::string xml;
    std::map<std::string, std::string> dateien;
};

// Reads every entry of a received ZIP under the checks of ReadMessageXml, and refuses
// (reason "invalid-zip") entries below the root: primary files lie flat beside the XML. The
// sum of all entries is bounded by `limits.max_total_bytes` (reason "unsafe-zip").
Result<Paket> ReadPackage(std::string_view zip_bytes, const ZipLimits& limits = {});

// The names of the entries of a ZIP file on disk (for tests and checks of our own output).
Result<std::vector<std::string>> ListZipEntries(const std::string& path);

}  // namespace aktenwerk::retention::xdomea
