// The online backup route. The stream's length is measured when the snapshot is taken, so
// the answer has a Content-Length and needs no chunked coding; the snapshot and the removal
// hold on the blob store live in the body producer until the last byte is sent.
#include "interfaces/ops_api.h"

#include <algorithm>
#include <array>
#include <memory>
#include <vector>

#include "dms/audit.h"
#include "dms/backup.h"
#include "interfaces/rest_support.h"
#include "storage/blob_store.h"
#include "storage/log.h"

namespace aktenwerk::interfaces {
namespace {

const log::Logger& Log() {
    static const log::Logger logger("http");
    return logger;
}

using Digest = std::array<unsigned char, 32>;

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

Digest ToDigest(std::string_view hex) {
    Digest d{};
    for (size_t i = 0; i < d.size(); ++i) {
        d[i] = static_cast<unsigned char>(HexValue(hex[2 * i]) * 16 + HexValue(hex[2 * i + 1]));
    }
    return d;
}

// The hashes the client holds, as 32-byte digests (a third of their text's memory).
Result<std::shared_ptr<std::vector<Digest>>> ParseHaveList(std::string_view body) {
    auto have = std::make_shared<std::vector<Digest>>();
    while (!body.empty()) {
        const size_t end = std::min(body.find('\n'), body.size());
        std::string_view line = body.substr(0, end);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        if (!line.empty()) {
            if (!storage::BlobStore::IsValidHash(line)) {
                return InvalidArgumentError(
                    "the list of held blobs has a line that is not a "
                    "lower-case SHA-256 hash");
            }
            have->push_back(ToDigest(line));
        }
        body.remove_prefix(std::min(end + 1, body.size()));
    }
    std::sort(have->begin(), have->end());
    return have;
}

}  // namespace

Response BackupResponse(dms::Repository& repo, Request& req, const dms::Principal& p) {
    if (!p.admin) {
        return Problem(PermissionDeniedError("only administrators may take backups"), req);
    }
    auto body = req.ReadBody(kBackupHaveListLimit);
    if (!body.ok()) return Problem(body.status(), req);
    auto have = ParseHaveList(*body);
    if (!have.ok()) return Problem(have.status(), req);

    std::shared_ptr<std::vector<Digest>> held = *have;
    auto source = dms::OpenSnapshotSource(repo, [held](std::string_view sha) {
        return std::binary_search(held->begin(), held->end(), ToDigest(sha));
    });
    if (!source.ok()) return Problem(source.status().WithContext("backup snapshot"), req);
    const storage::SnapshotCounts counts = (*source)->counts();
    Log().Info("backup started", "user=" + log::Quote(p.name) +
                                     " records=" + std::to_string(counts.records) +
                                     " blobs=" + std::to_string(counts.blobs) +
                                     " blobs_sent=" + std::to_string(counts.blobs_sent) +
                                     " bytes=" + std::to_string((*source)->size()));

    Response res;
    res.status = 200;
    res.SetHeader("Content-Type", "application/x-aktenwerk-snapshot");
    res.SetHeader("Cache-Control", "no-store");
    res.content_length = (*source)->size();
    std::shared_ptr<storage::SnapshotSource> stream(std::move(*source));
    res.producer = [stream](char* buf, size_t n) { return stream->Read(buf, n); };
    return res;
}

}  // namespace aktenwerk::interfaces
