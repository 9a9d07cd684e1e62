// Operations routes of the REST API: the online backup (POST /api/v1/sicherungen), which
// streams a consistent snapshot of the repository while the server keeps accepting writes.
#pragma once

#include "dms/principal.h"
#include "dms/repository.h"
#include "interfaces/http_message.h"

namespace aktenwerk::interfaces {

// The largest list of blobs a backup client may say it has (64 hex digits and a newline
// each: about two million blobs).
inline constexpr size_t kBackupHaveListLimit = size_t{128} << 20;

// Answers POST /api/v1/sicherungen for `p`: administrators only (kPermissionDenied
// otherwise). The body lists the SHA-256 hashes the client's backup folder already holds,
// one per line; the answer (application/x-aktenwerk-snapshot) is the snapshot stream of
// storage/snapshot_stream.h with those blobs as references only. The snapshot is taken when
// this returns; the stream is produced while the response is sent. Thread-safe.
Response BackupResponse(dms::Repository& repo, Request& req, const dms::Principal& p);

}  // namespace aktenwerk::interfaces
