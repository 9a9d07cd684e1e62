// The REST API under /api/v1 (JSON, errors as application/problem+json), plus /healthz and
// /metrics. Routes are a table, so the OpenAPI document can be checked against it.
#pragma once

#include <atomic>
#include <chrono>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include "dms/repository.h"
#include "dms/search_indexer.h"
#include "interfaces/http_message.h"
#include "interfaces/rate_limiter.h"
#include "interfaces/request_metrics.h"

namespace aktenwerk::retention {
class Retention;
}

namespace aktenwerk::interfaces {

class RetentionApi;
class IntegrityApi;
class WiedervorlageApi;

struct RestApiOptions {
    size_t json_body_limit = 1 << 20;     // bodies of JSON requests
    size_t import_body_limit = 16 << 20;  // Aktenplan import (CSV, JSON or xdomea 0301)
    size_t xdomea_body_limit = 64 << 20;  // xdomea messages from the archive (ZIP or XML)
    std::string realm = "Aktenwerk";
    // Single sign-on through a reverse proxy: the name of the header that carries the user
    // name the proxy has authenticated (e.g. "X-Remote-User"). Off when empty. The header
    // is believed only from the addresses in `trusted_proxies` (exact peer addresses); from
    // anywhere else it is ignored. The proxy must overwrite the header on every request.
    std::string proxy_header;
    std::vector<std::string> trusted_proxies;
};

// One entry of the route table: "GET", "/api/v1/akten/{id}".
struct RouteInfo {
    std::string method;
    std::string pattern;
    bool authenticated;
};

// Thread-safe: Handle may run on many connection threads at once.
class RestApi {
  public:
    // `retention` serves holds, rules and the Aussonderung; when null, the API makes and owns
    // one over `repo` (its files go below the repository's data directory).
    RestApi(dms::Repository* repo, RestApiOptions options,
            retention::Retention* retention = nullptr);
    ~RestApi();

    // Serves /api/v1/suche and the index metrics from `search` (which must outlive the API);
    // without it the search answers 503. Call before the first request.
    void SetSearch(const dms::SearchIndexer* search) { search_ = search; }

    // Serves the integrity routes (signatures, the repository check) from `integrity`, which
    // must outlive the API; without it they answer 503. Call before the first request.
    void SetIntegrity(IntegrityApi* integrity) { integrity_ = integrity; }

    // Answers one request. Never throws. Sets req.route and req.user for the access log.
    Response Handle(Request& req);

    // Counts an answered request in /metrics (the HTTP server's RequestObserver).
    void Observe(const Request& req, const Response& res, double seconds) {
        request_metrics_.Record(req.method, req.route, res.status, seconds);
    }

    // The route table, for the OpenAPI check and the documentation.
    std::vector<RouteInfo> Routes() const;

    // The OpenAPI 3 document served at /api/v1/openapi.json.
    static std::string_view OpenApiDocument();

  private:
    struct Route;
    struct Call;
    using Method = Response (RestApi::*)(Call&);

    void AddRoutes();
    void Add(std::string method, std::string pattern, Method fn, bool auth = true);
    Response Dispatch(Request& req);
    std::vector<std::pair<const Route*, std::vector<std::string>>> Match(
        const std::vector<std::string_view>& parts) const;
    Result<dms::Principal> Authenticate(const Request& req);

    Response Healthz(Call& c);
    Response Readyz(Call& c);
    Response Metrics(Call& c);
    Response OpenApi(Call& c);
    Response GetAktenplan(Call& c);
    Response ImportAktenplan(Call& c);
    Response CreateEinheit(Call& c);
    Response CreateAkte(Call& c);
    Response CreateVorgang(Call& c);
    Response CreateDokument(Call& c);
    Response GetTyped(Call& c);
    Response FindAkte(Call& c);
    Response GetObjekt(Call& c);
    Response UpdateTyped(Call& c);
    Response MoveTyped(Call& c);
    Response CloseTyped(Call& c);
    Response ReopenTyped(Call& c);
    Response ChildrenTyped(Call& c);
    Response HistoryTyped(Call& c);
    Response ListVersions(Call& c);
    Response AddVersion(Call& c);
    Response GetVersionInfo(Call& c);
    Response GetContent(Call& c);
    Response GetAudit(Call& c);
    Response CreateUser(Call& c);
    Response ListUsers(Call& c);
    Response Search(Call& c);
    // The routes of retention_api.cc (holds, rules, deletion, Aussonderung) go through here.
    Response RetentionRoute(Call& c);
    // The routes of integrity_api.cc (issue #7).
    Response IntegrityRoute(Call& c);
    // The routes of wiedervorlage_api.cc (reminder dates, issue #8).
    Response WiedervorlageRoute(Call& c);
    // Users, groups, grants and tokens (issue #6).
    Response GetUser(Call& c);
    Response UpdateUser(Call& c);
    Response CreateGroup(Call& c);
    Response ListGroups(Call& c);
    Response ListGrants(Call& c);
    Response PutGrant(Call& c);
    Response DeleteGrant(Call& c);
    Response GetOwnRights(Call& c);
    Response CreateToken(Call& c);
    Response ListTokens(Call& c);
    Response RevokeToken(Call& c);
    // The online backup (ops_api.h).
    Response Sicherung(Call& c);
    Result<dms::Principal> AuthenticateToken(const Request& req, std::string_view token);

    Result<dms::Objekt> LoadTyped(Call& c);

    dms::Repository* repo_;
    const dms::SearchIndexer* search_ = nullptr;
    IntegrityApi* integrity_ = nullptr;
    RestApiOptions options_;
    std::unique_ptr<retention::Retention> owned_retention_;
    retention::Retention* retention_;
    std::unique_ptr<RetentionApi> retention_api_;
    std::unique_ptr<WiedervorlageApi> wiedervorlage_api_;
    std::vector<Route> routes_;
    std::chrono::steady_clock::time_point started_;

    RequestMetrics request_metrics_;
    std::atomic<uint64_t> failed_logins_{0};
    std::atomic<uint64_t> throttled_{0};
    RateLimiter token_limiter_;
};

}  // namespace aktenwerk::interfaces
