// Limits for parsing what comes from outside as XML or ZIP (xdomea messages, CMIS AtomPub,
// office documents): no DTDs and so no entities at all (neither external ones, which read
// files or the network, nor internal ones, which expand exponentially), bounded size and
// nesting; ZIP entry names that stay inside their folder, a bounded number of entries and
// bounded expansion. Every reader of such input goes through these.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

#include <libxml/tree.h>

#include "storage/status.h"

namespace aktenwerk::dms {

struct XmlLimits {
    size_t max_bytes = size_t{256} << 20;
    size_t max_depth = 128;
};

struct XmlDocFree {
    void operator()(xmlDoc* doc) const { xmlFreeDoc(doc); }
};
using XmlDocument = std::unique_ptr<xmlDoc, XmlDocFree>;

// Parses `text` as XML without network access and refuses, with kInvalidArgument:
// a document with a DOCTYPE (reason "xml-dtd": entity declarations, external or internal,
// come only through one), one that is not well-formed ("malformed-xml"), larger than
// `max_bytes` or nested deeper than `max_depth` ("xml-too-large"). Thread-safe.
Result<XmlDocument> ParseUntrustedXml(std::string_view text, const XmlLimits& limits = {});

// Checks one entry name of an archive: a relative path of at most 1024 bytes of valid UTF-8
// whose segments are neither empty, "." nor "..", with no backslash, drive letter, control
// character or NUL. kInvalidArgument (reason "unsafe-entry-name") otherwise.
Status CheckArchiveEntryName(std::string_view name);

struct ZipLimits {
    uint64_t max_entries = 100'000;
    uint64_t max_total_bytes = uint64_t{64} << 30;  // uncompressed, all entries together
    uint64_t max_ratio = 200;                       // uncompressed per compressed byte
};

// Keeps count while an archive is read. Admit() each entry with the sizes its header
// declares, then Inflated() with every piece actually produced: declared sizes can lie, so
// the limits hold for what really comes out. Refusals are kResourceExhausted with reason
// "archive-too-large" (count, total, ratio) or the reason of CheckArchiveEntryName. Not
// thread-safe.
class ArchiveBudget {
  public:
    explicit ArchiveBudget(ZipLimits limits = {}) : limits_(limits) {}

    Status Admit(std::string_view name, uint64_t compressed, uint64_t uncompressed);
    // `compressed_read` and `produced` are the bytes of the current entry so far.
    Status Inflated(uint64_t compressed_read, uint64_t produced);

  private:
    Status Ratio(uint64_t compressed, uint64_t uncompressed) const;

    ZipLimits limits_;
    uint64_t entries_ = 0;
    uint64_t total_ = 0;           // uncompressed bytes of earlier entries
    uint64_t entry_produced_ = 0;  // of the current entry
};

}  // namespace aktenwerk::dms
