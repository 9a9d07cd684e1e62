// The fixture of the end-to-end tests: a real `aktenwerk serve` child process on a loopback
// port with a fresh data directory, an HTTP client logged in as admin, and verbs of the REST
// API (create a unit, an Akte, upload, download) so that test bodies read as a few lines.
#pragma once

#include <memory>
#include <set>
#include <string>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "tests/support/http_client.h"
#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::e2e {

using nlohmann::json;
using test_support::HeaderList;
using test_support::HttpClient;
using test_support::HttpResponse;
using test_support::ServerOptions;
using test_support::ServerProcess;

// The problem type URN for `kind`, e.g. Problem("closed").
std::string Problem(const std::string& kind);

// The aktenwerk binary under test.
std::string AktenwerkBinary();

class E2eTest : public ::testing::Test {
  protected:
    void TearDown() override;

    // Starts the server on a fresh data directory (or `data_dir`) with `extra_args`.
    // Use with ASSERT_TRUE; on success api() is ready.
    ::testing::AssertionResult StartServer(std::vector<std::string> extra_args = {},
                                           std::string data_dir = {},
                                           std::string admin_password = {});

    ServerProcess& server() { return *server_; }
    // The admin client of the running server.
    HttpClient& api() { return *api_; }
    // A new client of the running server, logged in as admin when `admin`.
    std::unique_ptr<HttpClient> NewClient(bool admin = true);
    // Reconnects api() after a restart (the port changes).
    void ReconnectApi();

    // Create verbs: return the created object's JSON, or a null value after recording a
    // failure with the whole response.
    json CreateEinheit(const std::string& kennzeichen, const std::string& titel,
                       const std::string& parent_id = {});
    json CreateAkte(const std::string& einheit_id, const std::string& betreff);
    json CreateVorgang(const std::string& parent_id, const std::string& betreff);
    // A unit, an Akte below it and a Vorgang in the Akte: the usual place for uploads.
    struct Ablage {
        std::string einheit_id;
        std::string akte_id;
        std::string aktenzeichen;
        std::string vorgang_id;
    };
    Ablage CreateAblage(const std::string& kennzeichen = "32.10.01");

    // Uploads `content` as a new Dokument under `parent_id` with a raw body; returns the
    // response (201 expected, not checked here).
    HttpResponse UploadRaw(const std::string& parent_id, const std::string& dateiname,
                           const std::string& content, const std::string& art = "major");
    // Adds a version to a Dokument with a raw body.
    HttpResponse AddVersionRaw(const std::string& dokument_id, const std::string& dateiname,
                               const std::string& content, const std::string& art);
    // Uploads and returns the new Dokument's id, recording a failure when it is not 201.
    std::string UploadDokument(const std::string& parent_id, const std::string& dateiname,
                               const std::string& content);

    // GET .../inhalt of the latest (nummer 0) or a given version.
    HttpResponse Download(const std::string& dokument_id, unsigned nummer = 0,
                          HeaderList headers = {});
    // GET .../versionen: the "versionen" array.
    json Versions(const std::string& dokument_id);
    // All children of a container (follows the paging cursor).
    json Children(const std::string& collection_path);

    // The whole audit trail (GET /api/v1/audit, following "seit" from page to page).
    json AuditTrail();
    // Checks that the audit trail is one unbroken hash chain with consecutive numbers.
    void ExpectAuditChainIntact();

    // Every sha256 that some version of some Dokument refers to, found by walking the tree
    // from the Aktenplan through the API.
    std::set<std::string> ReferencedHashes();
    // The blob files on disk: names of the regular files below DATA/blobs (tmp excluded).
    std::set<std::string> BlobFilesOnDisk() const;
    // Files left in DATA/blobs/tmp.
    std::vector<std::string> TmpFilesOnDisk() const;

    // A metric of /metrics (a failure is recorded when it is missing).
    uint64_t Metric(const std::string& name);
    // Waits (at most a minute) until the search index holds every change and every scan is
    // OCRed.
    void WaitForIndex();
    // The ids of the hits of a search for `q` (at most 1000; "" lists everything).
    std::set<std::string> SearchHits(const std::string& q);

    // The test's own scratch folder (separate from the data directory).
    const test_support::TempDir& scratch() const { return scratch_; }

  private:
    void CollectHashes(const std::string& collection_path, std::set<std::string>* out, int depth);

    test_support::TempDir scratch_;
    std::unique_ptr<ServerProcess> server_;
    std::unique_ptr<HttpClient> api_;
};

}  // namespace aktenwerk::e2e
