// The client side of the online backup: `aktenwerk backup --url` asks a running server for a
// snapshot stream (ops_api.h) and writes it into a backup folder.
#pragma once

#include <string>

#include "dms/backup.h"

namespace aktenwerk::interfaces {

struct BackupClientOptions {
    std::string url;  // http://HOST:PORT of the server
    std::string user;
    std::string password;
    int timeout_seconds = 120;  // a read or write that stalls longer fails the backup
};

// Sends the hashes the folder `dir` already holds, receives the snapshot and writes it as a
// new snapshot of the folder (created when missing or empty). kInvalidArgument for a URL
// that is not http://HOST:PORT, kUnavailable when the server cannot be reached or the
// connection breaks, the server's refusal (its problem detail) otherwise.
Result<dms::BackupResult> BackupFromServer(const BackupClientOptions& options,
                                           const std::string& dir);

}  // namespace aktenwerk::interfaces
