// REST handlers. Each handler parses its input, calls the Repository with the caller's
// principal, and renders the result; the mapping of Status codes to HTTP statuses and problem
// types is in Problem() alone.
#include "interfaces/rest_api.h"

#include <fcntl.h>

#include <algorithm>
#include <charconv>
#include <cstring>

#include <openssl/evp.h>

#include "dms/folder_import.h"
#include "dms/validation.h"
#include "interfaces/integrity_api.h"
#include "interfaces/multipart.h"
#include "interfaces/operations.h"
#include "interfaces/ops_api.h"
#include "interfaces/problem.h"
#include "interfaces/rest_support.h"
#include "interfaces/retention_api.h"
#include "interfaces/search_api.h"
#include "interfaces/wiedervorlage_api.h"
#include "retention/aktenplan_austausch.h"
#include "retention/retention.h"
#include "storage/log.h"

namespace aktenwerk::interfaces {
namespace {

using dms::Kind;
using nlohmann::json;

constexpr int kMaxJsonDepth = 32;

const log::Logger& Log() {
    static const log::Logger logger("http");
    return logger;
}

}  // namespace

Response JsonResponse(int status, const json& body) {
    Response res;
    res.status = status;
    res.SetHeader("Content-Type", "application/json; charset=utf-8");
    res.SetHeader("Cache-Control", "no-store");
    res.body = body.dump(-1, ' ', false, json::error_handler_t::replace);
    return res;
}

// The one place where a Status becomes an HTTP answer. Internal detail (paths, I/O errors)
// goes to the log with the request id, never to the client.
Response Problem(const Status& s, const Request& req) {
    const int status = HttpStatusFor(s);
    const std::string type =
        s.reason().empty() ? std::string(StatusCodeName(s.code())) : s.reason();
    std::string detail = s.message();
    const bool internal = status >= 500 && status != 507;
    if (internal || s.reason() == "disk-full") {
        // The HTTP server adds the request id to every line of the request.
        Log().Error("request failed",
                    "path=" + log::Quote(req.path) + " error=" + log::Quote(s.ToString()));
        detail = s.reason() == "disk-full" ? "the server's storage is full; nothing was stored"
                 : s.reason() == "read-only"
                     ? "the server's storage is read-only; nothing was "
                       "stored, reads are still served"
                     : "the server could not complete the request; quote request id " +
                           req.request_id + " to the administrator";
    }
    return ProblemResponse(status, type, detail, req.path, req.request_id);
}

Response Problem(int status, std::string type, std::string detail, const Request& req) {
    return ProblemResponse(status, type, detail, req.path, req.request_id);
}

// Refuses nesting deeper than kMaxJsonDepth before the parser sees it, so that a nesting bomb
// cannot exhaust the stack.
static bool NestingWithinLimit(std::string_view text) {
    int depth = 0;
    bool in_string = false;
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (in_string) {
            if (c == '\\') {
                ++i;
            } else if (c == '"') {
                in_string = false;
            }
        } else if (c == '"') {
            in_string = true;
        } else if (c == '{' || c == '[') {
            if (++depth > kMaxJsonDepth) return false;
        } else if (c == '}' || c == ']') {
            --depth;
        }
    }
    return true;
}

Result<json> ParseJson(std::string_view text) {
    if (!NestingWithinLimit(text)) {
        return InvalidArgumentError("the JSON is nested deeper than 32 levels", "malformed-json");
    }
    json j = json::parse(text, nullptr, /*allow_exceptions=*/false);
    if (j.is_discarded()) {
        return InvalidArgumentError("the body is not valid JSON (UTF-8)", "malformed-json");
    }
    return j;
}

namespace {

std::string_view CollectionOf(Kind kind) {
    switch (kind) {
        case Kind::kAktenplaneinheit:
            return "/api/v1/aktenplan/einheiten/";
        case Kind::kAkte:
            return "/api/v1/akten/";
        case Kind::kVorgang:
            return "/api/v1/vorgaenge/";
        case Kind::kDokument:
            return "/api/v1/dokumente/";
    }
    return "/api/v1/akten/";
}

json ObjektJson(const dms::Objekt& o) {
    json j = dms::ToJson(o);
    j["self"] = std::string(CollectionOf(o.kind)) + o.id;
    return j;
}

std::string Etag(const dms::Objekt& o) { return "\"r" + std::to_string(o.revision) + "\""; }

// If-None-Match: "*" or a list of (possibly weak) ETags, compared weakly (RFC 9110 13.1.2).
bool NoneMatch(const std::string& header, const std::string& etag) {
    if (header.empty()) return false;
    if (header == "*") return true;
    size_t pos = 0;
    while (pos < header.size()) {
        size_t comma = header.find(',', pos);
        std::string_view item = std::string_view(header).substr(
            pos, comma == std::string::npos ? std::string::npos : comma - pos);
        while (!item.empty() && item.front() == ' ') item.remove_prefix(1);
        while (!item.empty() && item.back() == ' ') item.remove_suffix(1);
        if (item.substr(0, 2) == "W/") item.remove_prefix(2);
        if (item == etag) return true;
        if (comma == std::string::npos) break;
        pos = comma + 1;
    }
    return false;
}

Response ObjektResponse(int status, const dms::Objekt& o) {
    Response res = JsonResponse(status, ObjektJson(o));
    res.SetHeader("ETag", Etag(o));
    if (status == 201) res.SetHeader("Location", std::string(CollectionOf(o.kind)) + o.id);
    return res;
}

// The answer to an upload that created a Dokument: the Dokument with its first version, so
// that the client can compare the stored hash and size with what it sent.
Response DokumentCreated(const std::pair<dms::Objekt, dms::Version>& created) {
    json body = ObjektJson(created.first);
    body["version"] = dms::ToJson(created.second);
    Response res = JsonResponse(201, body);
    res.SetHeader("ETag", Etag(created.first));
    res.SetHeader("Location", std::string(CollectionOf(created.first.kind)) + created.first.id);
    return res;
}

std::optional<uint64_t> ParseUint(std::string_view text) {
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

// A non-negative whole number from the query, or `fallback` when the parameter is absent.
Result<uint64_t> QueryNumber(const Request& req, const std::string& name, uint64_t fallback) {
    auto text = req.Query(name);
    if (!text) return fallback;
    auto n = ParseUint(*text);
    if (!n) return InvalidArgumentError(name + " must be a non-negative whole number");
    return *n;
}

// "W/\"r3\"" or "\"r3\"" from If-Match; 0 when absent.
Result<uint64_t> ExpectedRevision(const Request& req) {
    std::string value = req.Header("If-Match");
    if (value.empty() || value == "*") return uint64_t{0};
    if (value.rfind("W/", 0) == 0) value.erase(0, 2);
    if (value.size() >= 4 && value[0] == '"' && value[1] == 'r' && value.back() == '"') {
        if (auto n = ParseUint(std::string_view(value).substr(2, value.size() - 3))) return *n;
    }
    return InvalidArgumentError("If-Match must be an ETag of this API (\"r<revision>\")");
}

std::string Base64Decode(std::string_view in) {
    std::string out((in.size() / 4 + 1) * 3, '\0');
    int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()),
                            static_cast<int>(in.size()));
    if (n < 0 || in.size() % 4 != 0) return {};
    size_t len = static_cast<size_t>(n);
    if (in.size() >= 1 && in[in.size() - 1] == '=') --len;
    if (in.size() >= 2 && in[in.size() - 2] == '=') --len;
    out.resize(len);
    return out;
}

// Reads version content from the request body (raw upload).
class BodySource final : public dms::ContentSource {
  public:
    explicit BodySource(BodyReader* body) : body_(body) {}
    Result<size_t> Read(char* buf, size_t n) override { return body_->Read(buf, n); }
    std::optional<uint64_t> size_hint() const override { return body_->content_length(); }

  private:
    BodyReader* body_;
};

// Reads version content from the file part of a multipart body, and makes sure nothing but
// the closing boundary follows it.
class PartSource final : public dms::ContentSource {
  public:
    explicit PartSource(MultipartReader* reader) : reader_(reader) {}
    Result<size_t> Read(char* buf, size_t n) override {
        AKTENWERK_ASSIGN_OR_RETURN(size_t got, reader_->Read(buf, n));
        if (got > 0) return got;
        PartInfo next;
        AKTENWERK_ASSIGN_OR_RETURN(bool more, reader_->NextPart(&next));
        if (more) {
            return InvalidArgumentError(
                "form fields must come before the file part, and only "
                "one file may be sent");
        }
        return size_t{0};
    }

  private:
    MultipartReader* reader_;
};

// Media types a browser displays without running anything: the only ones served inline.
bool ShownInline(std::string_view mime_type) {
    static constexpr std::string_view kPassive[] = {"application/pdf", "image/png",  "image/jpeg",
                                                    "image/gif",       "image/webp", "text/plain"};
    return std::find(std::begin(kPassive), std::end(kPassive), mime_type) != std::end(kPassive);
}

struct RangeSpec {
    uint64_t first = 0;
    uint64_t last = 0;
};

// Parses a single "bytes=a-b", "bytes=a-" or "bytes=-n" range. nullopt: serve the whole
// content (no Range, a malformed one, or several ranges; RFC 9110 lets a server ignore
// those). Error: a well-formed range that is unsatisfiable (416).
Result<std::optional<RangeSpec>> ParseRange(const std::string& header, uint64_t size) {
    if (header.empty()) return std::optional<RangeSpec>();
    if (header.rfind("bytes=", 0) != 0) return std::optional<RangeSpec>();
    std::string_view spec = std::string_view(header).substr(6);
    if (spec.find(',') != std::string_view::npos) return std::optional<RangeSpec>();
    size_t dash = spec.find('-');
    if (dash == std::string_view::npos) return std::optional<RangeSpec>();
    auto first = ParseUint(spec.substr(0, dash));
    auto last = ParseUint(spec.substr(dash + 1));
    const bool open_end = spec.substr(dash + 1).empty();
    if ((dash != 0 && !first) || (!open_end && !last) || (first && last && *last < *first)) {
        return std::optional<RangeSpec>();
    }
    RangeSpec r;
    if (dash == 0) {
        if (!last || *last == 0 || size == 0) return InvalidArgumentError("unsatisfiable Range");
        r.first = *last >= size ? 0 : size - *last;
        r.last = size - 1;
    } else {
        if (*first >= size) return InvalidArgumentError("unsatisfiable Range");
        r.last = open_end ? size - 1 : std::min(*last, size - 1);
        r.first = *first;
    }
    return std::optional<RangeSpec>(r);
}

std::optional<Kind> KindOfPath(std::string_view pattern) {
    if (pattern.rfind("/api/v1/aktenplan/einheiten/{", 0) == 0) return Kind::kAktenplaneinheit;
    if (pattern.rfind("/api/v1/akten/{", 0) == 0) return Kind::kAkte;
    if (pattern.rfind("/api/v1/vorgaenge/{", 0) == 0) return Kind::kVorgang;
    if (pattern.rfind("/api/v1/dokumente/{", 0) == 0) return Kind::kDokument;
    return std::nullopt;
}

// Seconds for a Retry-After header: the wait in milliseconds travels in the message of a
// throttling Status as "... (retry in N ms)".
std::string RetryAfter(const Status& s) {
    const std::string& m = s.message();
    size_t at = m.rfind("(retry in ");
    uint64_t millis = 1000;
    if (at != std::string::npos) {
        std::string_view digits = std::string_view(m).substr(at + 10);
        digits = digits.substr(0, digits.find(' '));
        std::from_chars(digits.data(), digits.data() + digits.size(), millis);
    }
    return std::to_string(std::max<uint64_t>(1, (millis + 999) / 1000));
}

std::vector<std::string_view> Split(std::string_view path) {
    std::vector<std::string_view> parts;
    while (!path.empty()) {
        size_t slash = path.find('/');
        if (slash != 0) parts.push_back(path.substr(0, slash));
        if (slash == std::string_view::npos) break;
        path.remove_prefix(slash + 1);
    }
    return parts;
}

}  // namespace

struct RestApi::Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;
    Method fn;
    bool auth;
    std::optional<Kind> kind;
};

struct RestApi::Call {
    Request& req;
    const Route* route;
    std::vector<std::string> params;
    dms::Principal principal;

    const std::string& id() const { return params.at(0); }
};

RestApi::RestApi(dms::Repository* repo, RestApiOptions options, retention::Retention* retention)
    : repo_(repo),
      options_(std::move(options)),
      retention_(retention),
      started_(std::chrono::steady_clock::now()) {
    if (!retention_) {
        retention::AussonderungOptions defaults;
        defaults.arbeitsverzeichnis = repo_->data_dir() + "/aussonderung";
        auto opened = retention::Retention::Open(repo_, defaults);
        if (opened.ok()) {
            owned_retention_ = std::move(opened).value();
            retention_ = owned_retention_.get();
        } else {
            Log().Error("retention services unavailable",
                        "error=" + log::Quote(opened.status().ToString()));
        }
    }
    if (retention_) {
        retention_api_ = std::make_unique<RetentionApi>(repo_, retention_, options_.json_body_limit,
                                                        options_.xdomea_body_limit);
    }
    wiedervorlage_api_ = std::make_unique<WiedervorlageApi>(repo_, options_.json_body_limit);
    AddRoutes();
}

RestApi::~RestApi() = default;

void RestApi::Add(std::string method, std::string pattern, Method fn, bool auth) {
    Route r{method, pattern, {}, fn, auth, KindOfPath(pattern)};
    for (auto s : Split(pattern)) r.segments.emplace_back(s);
    routes_.push_back(std::move(r));
}

void RestApi::AddRoutes() {
    Add("GET", "/healthz", &RestApi::Healthz, false);
    Add("GET", "/readyz", &RestApi::Readyz, false);
    Add("GET", "/metrics", &RestApi::Metrics, false);
    Add("GET", "/api/v1/openapi.json", &RestApi::OpenApi, false);

    Add("GET", "/api/v1/aktenplan", &RestApi::GetAktenplan);
    Add("POST", "/api/v1/aktenplan/import", &RestApi::ImportAktenplan);
    Add("POST", "/api/v1/aktenplan/einheiten", &RestApi::CreateEinheit);
    Add("POST", "/api/v1/akten", &RestApi::CreateAkte);
    Add("GET", "/api/v1/akten", &RestApi::FindAkte);
    Add("POST", "/api/v1/vorgaenge", &RestApi::CreateVorgang);
    Add("POST", "/api/v1/dokumente", &RestApi::CreateDokument);
    Add("GET", "/api/v1/objekte/{id}", &RestApi::GetObjekt);

    for (const std::string base : {"/api/v1/aktenplan/einheiten/{id}", "/api/v1/akten/{id}",
                                   "/api/v1/vorgaenge/{id}", "/api/v1/dokumente/{id}"}) {
        Add("GET", base, &RestApi::GetTyped);
        Add("PATCH", base, &RestApi::UpdateTyped);
        Add("POST", base + "/verschieben", &RestApi::MoveTyped);
        Add("GET", base + "/historie", &RestApi::HistoryTyped);
    }
    Add("GET", "/api/v1/aktenplan/einheiten/{id}/kinder", &RestApi::ChildrenTyped);
    for (const std::string base : {"/api/v1/akten/{id}", "/api/v1/vorgaenge/{id}"}) {
        Add("GET", base + "/inhalt", &RestApi::ChildrenTyped);
        Add("POST", base + "/zda", &RestApi::CloseTyped);
        Add("POST", base + "/wiedereroeffnen", &RestApi::ReopenTyped);
    }
    Add("GET", "/api/v1/dokumente/{id}/anlagen", &RestApi::ChildrenTyped);
    Add("GET", "/api/v1/dokumente/{id}/versionen", &RestApi::ListVersions);
    Add("POST", "/api/v1/dokumente/{id}/versionen", &RestApi::AddVersion);
    Add("GET", "/api/v1/dokumente/{id}/versionen/{nummer}", &RestApi::GetVersionInfo);
    Add("GET", "/api/v1/dokumente/{id}/versionen/{nummer}/inhalt", &RestApi::GetContent);
    Add("HEAD", "/api/v1/dokumente/{id}/versionen/{nummer}/inhalt", &RestApi::GetContent);
    Add("GET", "/api/v1/dokumente/{id}/inhalt", &RestApi::GetContent);
    Add("HEAD", "/api/v1/dokumente/{id}/inhalt", &RestApi::GetContent);

    Add("GET", "/api/v1/audit", &RestApi::GetAudit);
    Add("POST", "/api/v1/benutzer", &RestApi::CreateUser);
    Add("GET", "/api/v1/benutzer", &RestApi::ListUsers);
    Add("GET", "/api/v1/suche", &RestApi::Search);

    Add("GET", "/api/v1/benutzer/{name}", &RestApi::GetUser);
    Add("PATCH", "/api/v1/benutzer/{name}", &RestApi::UpdateUser);
    Add("POST", "/api/v1/gruppen", &RestApi::CreateGroup);
    Add("GET", "/api/v1/gruppen", &RestApi::ListGroups);
    Add("GET", "/api/v1/aktenplan/einheiten/{id}/berechtigungen", &RestApi::ListGrants);
    Add("PUT", "/api/v1/aktenplan/einheiten/{id}/berechtigungen/{subjekt}", &RestApi::PutGrant);
    Add("DELETE", "/api/v1/aktenplan/einheiten/{id}/berechtigungen/{subjekt}",
        &RestApi::DeleteGrant);
    Add("GET", "/api/v1/objekte/{id}/rechte", &RestApi::GetOwnRights);
    Add("POST", "/api/v1/tokens", &RestApi::CreateToken);
    Add("GET", "/api/v1/tokens", &RestApi::ListTokens);
    Add("DELETE", "/api/v1/tokens/{id}", &RestApi::RevokeToken);
    Add("POST", "/api/v1/sicherungen", &RestApi::Sicherung);

    for (const auto& route : IntegrityApi::Routes()) {
        Add(route.method, route.pattern, &RestApi::IntegrityRoute);
    }
    for (const auto& route : wiedervorlage_api_->Routes()) {
        Add(route.method, route.pattern, &RestApi::WiedervorlageRoute);
    }
    if (retention_api_) {
        for (const auto& route : retention_api_->Routes()) {
            Add(route.method, route.pattern, &RestApi::RetentionRoute);
        }
    }
}

Response RestApi::Sicherung(Call& c) { return BackupResponse(*repo_, c.req, c.principal); }

Response RestApi::RetentionRoute(Call& c) {
    return retention_api_->Handle(c.route->method, c.route->pattern, c.req, c.principal, c.params);
}

Response RestApi::WiedervorlageRoute(Call& c) {
    return wiedervorlage_api_->Handle(c.route->method, c.route->pattern, c.req, c.principal,
                                      c.params);
}

Response RestApi::IntegrityRoute(Call& c) {
    if (!integrity_) {
        return Problem(UnavailableError("signing is not configured on this server"), c.req);
    }
    return integrity_->Handle(c.route->method, c.route->pattern, c.req, c.principal, c.params);
}

std::vector<RouteInfo> RestApi::Routes() const {
    std::vector<RouteInfo> out;
    for (const auto& r : routes_) out.push_back({r.method, r.pattern, r.auth});
    return out;
}

Response RestApi::Handle(Request& req) {
    Response res;
    try {
        res = Dispatch(req);
    } catch (const std::exception& e) {
        // Exceptions stop at this edge; a handler that throws is a bug, not a client error.
        res = Problem(InternalError(std::string("unexpected exception: ") + e.what()), req);
        res.close_connection = true;
    }
    return res;
}

Result<dms::Principal> RestApi::Authenticate(const Request& req) {
    if (!options_.proxy_header.empty() &&
        std::find(options_.trusted_proxies.begin(), options_.trusted_proxies.end(), req.remote) !=
            options_.trusted_proxies.end()) {
        std::string user = req.Header(options_.proxy_header);
        if (!user.empty()) return repo_->users().Lookup(user);
    }
    std::string header = req.Header("Authorization");
    if (header.size() > 7 && ::strncasecmp(header.c_str(), "Bearer ", 7) == 0) {
        return AuthenticateToken(req, std::string_view(header).substr(7));
    }
    if (header.size() < 6 || ::strncasecmp(header.c_str(), "Basic ", 6) != 0) {
        return UnauthenticatedError("this request needs HTTP Basic credentials or a token");
    }
    std::string decoded = Base64Decode(std::string_view(header).substr(6));
    size_t colon = decoded.find(':');
    if (colon == std::string::npos) return UnauthenticatedError("malformed Basic credentials");
    auto principal = repo_->users().Authenticate(decoded.substr(0, colon),
                                                 decoded.substr(colon + 1), req.remote);
    if (!principal.ok() && principal.status().code() == StatusCode::kUnauthenticated) {
        failed_logins_.fetch_add(1);
    }
    if (!principal.ok() && principal.status().reason() == "too-many-attempts") {
        throttled_.fetch_add(1);
    }
    return principal;
}

// Routes whose pattern matches `parts`, with their path parameters.
std::vector<std::pair<const RestApi::Route*, std::vector<std::string>>> RestApi::Match(
    const std::vector<std::string_view>& parts) const {
    std::vector<std::pair<const Route*, std::vector<std::string>>> out;
    for (const auto& route : routes_) {
        if (route.segments.size() != parts.size()) continue;
        std::vector<std::string> found;
        bool ok = true;
        for (size_t i = 0; i < parts.size() && ok; ++i) {
            const auto& seg = route.segments[i];
            if (seg.front() == '{') {
                found.emplace_back(parts[i]);
            } else {
                ok = seg == parts[i];
            }
        }
        if (ok) out.emplace_back(&route, std::move(found));
    }
    return out;
}

Response RestApi::Dispatch(Request& req) {
    const auto matches = Match(Split(req.path));
    if (matches.empty()) return Problem(404, "not-found", "no such resource: " + req.path, req);

    // HEAD is answered wherever GET is (RFC 9110 section 9.3.2); the server sends no body.
    const Route* match = nullptr;
    std::vector<std::string> params;
    for (const std::string& method : {req.method, std::string(req.method == "HEAD" ? "GET" : "")}) {
        for (const auto& [route, found] : matches) {
            if (!match && route->method == method) {
                match = route;
                params = found;
            }
        }
    }
    if (!match) {
        std::vector<std::string> methods;
        auto add = [&](const std::string& m) {
            if (std::find(methods.begin(), methods.end(), m) == methods.end()) methods.push_back(m);
        };
        for (const auto& [route, found] : matches) {
            add(route->method);
            if (route->method == "GET") add("HEAD");
        }
        add("OPTIONS");
        std::string allow;
        for (const auto& m : methods) allow += (allow.empty() ? "" : ", ") + m;
        if (req.method == "OPTIONS") {
            Response res;
            res.status = 204;
            res.SetHeader("Allow", allow);
            return res;
        }
        Response res = Problem(405, "method-not-allowed",
                               "method " + req.method + " is not allowed here", req);
        res.SetHeader("Allow", allow);
        return res;
    }

    req.route = match->pattern;
    Call call{req, match, std::move(params), {}};
    if (match->auth) {
        auto principal = Authenticate(req);
        if (!principal.ok()) {
            Response res = Problem(principal.status(), req);
            if (res.status == 401) {
                res.SetHeader("WWW-Authenticate",
                              "Basic realm=\"" + options_.realm + "\", charset=\"UTF-8\"");
            }
            if (res.status == 429) res.SetHeader("Retry-After", RetryAfter(principal.status()));
            return res;
        }
        call.principal = std::move(principal).value();
        req.user = call.principal.name;
    }
    return (this->*(match->fn))(call);
}

Response RestApi::Healthz(Call&) { return JsonResponse(200, {{"status", "ok"}}); }

Response RestApi::Readyz(Call&) {
    auto [status, body] = Readiness(ObserveOperations(*repo_, search_));
    return JsonResponse(status, body);
}

Response RestApi::Metrics(Call&) {
    std::string out;
    out += request_metrics_.Render();
    out += OperationalMetrics(ObserveOperations(*repo_, search_), *repo_);
    auto stats = repo_->metadata().stats();
    out += "# HELP aktenwerk_commit_transactions_total Transactions committed.\n";
    out += "# TYPE aktenwerk_commit_transactions_total counter\n";
    out += "aktenwerk_commit_transactions_total " + std::to_string(stats.transactions) + "\n";
    out += "# HELP aktenwerk_commit_batches_total Synced batches written (group commit).\n";
    out += "# TYPE aktenwerk_commit_batches_total counter\n";
    out += "aktenwerk_commit_batches_total " + std::to_string(stats.batches) + "\n";
    out += "# HELP aktenwerk_failed_logins_total Failed authentications.\n";
    out += "# TYPE aktenwerk_failed_logins_total counter\n";
    out += "aktenwerk_failed_logins_total " + std::to_string(failed_logins_.load()) + "\n";
    out +=
        "# HELP aktenwerk_throttled_requests_total Requests refused by login throttling "
        "or a token's rate limit.\n";
    out += "# TYPE aktenwerk_throttled_requests_total counter\n";
    out += "aktenwerk_throttled_requests_total " + std::to_string(throttled_.load()) + "\n";
    out += "# HELP aktenwerk_metadata_bytes Approximate size of the metadata store.\n";
    out += "# TYPE aktenwerk_metadata_bytes gauge\n";
    out += "aktenwerk_metadata_bytes " + std::to_string(repo_->metadata().ApproximateSize()) + "\n";
    auto uptime = std::chrono::duration_cast<std::chrono::seconds>(
                      std::chrono::steady_clock::now() - started_)
                      .count();
    out += "# HELP aktenwerk_uptime_seconds Seconds since start.\n";
    out += "# TYPE aktenwerk_uptime_seconds gauge\n";
    out += "aktenwerk_uptime_seconds " + std::to_string(uptime) + "\n";
    if (search_ != nullptr) out += SearchMetrics(*search_);
    Response res;
    res.SetHeader("Content-Type", "text/plain; version=0.0.4; charset=utf-8");
    res.body = std::move(out);
    return res;
}

Response RestApi::OpenApi(Call&) {
    Response res;
    res.SetHeader("Content-Type", "application/json; charset=utf-8");
    res.body = std::string(OpenApiDocument());
    return res;
}

Response RestApi::GetAktenplan(Call& c) {
    // The whole plan as a nested tree; plans have hundreds of units, not millions.
    constexpr size_t kMaxUnits = 20'000;
    size_t count = 0;
    std::function<Result<json>(const std::string&, int)> level = [&](const std::string& parent,
                                                                     int depth) -> Result<json> {
        json list = json::array();
        std::string cursor;
        do {
            AKTENWERK_ASSIGN_OR_RETURN(
                auto page,
                repo_->Children(c.principal, parent, Kind::kAktenplaneinheit, cursor, 1000));
            for (const auto& unit : page.items) {
                if (++count > kMaxUnits) {
                    return InvalidArgumentError(
                        "the Aktenplan has more than 20,000 units; read it level by level "
                        "through /api/v1/aktenplan/einheiten/{id}/kinder",
                        "plan-too-large");
                }
                json j = ObjektJson(unit);
                if (depth < 64) {
                    AKTENWERK_ASSIGN_OR_RETURN(j["einheiten"], level(unit.id, depth + 1));
                }
                list.push_back(std::move(j));
            }
            cursor = page.next_cursor;
        } while (!cursor.empty());
        return list;
    };
    auto tree = level(std::string(dms::kRootId), 1);
    if (!tree.ok()) return Problem(tree.status(), c.req);
    return JsonResponse(200, {{"einheiten", *tree}, {"anzahl", count}});
}

Response RestApi::ImportAktenplan(Call& c) {
    auto text = c.req.ReadBody(options_.import_body_limit);
    if (!text.ok()) return Problem(text.status(), c.req);
    std::string type = c.req.Header("Content-Type");
    bool csv = type.find("csv") != std::string::npos || c.req.Query("format") == "csv";
    if (!dms::IsValidUtf8(*text)) {
        return Problem(InvalidArgumentError("the plan must be UTF-8 text"), c.req);
    }
    if (!csv && type.find("xml") == std::string::npos && !NestingWithinLimit(*text)) {
        return Problem(
            InvalidArgumentError("the JSON is nested deeper than 32 levels", "malformed-json"),
            c.req);
    }
    // The plan comes with its retention rules (CSV columns, JSON fields or an xdomea 0301);
    // every rule is checked before anything is imported.
    const bool xml = type.find("xml") != std::string::npos || c.req.Query("format") == "xdomea";
    Result<std::vector<retention::PlanEintrag>> plan = InternalError("not parsed");
    if (xml) {
        plan = retention::ParseAktenplan0301(*text);
    } else {
        auto units = csv ? dms::ParseAktenplanCsv(*text) : dms::ParseAktenplanJson(*text);
        if (!units.ok()) return Problem(units.status(), c.req);
        plan = retention::PlanMitRegeln(std::move(units).value());
    }
    if (!plan.ok()) return Problem(plan.status(), c.req);
    if (!retention_) return Problem(UnavailableError("retention services unavailable"), c.req);
    auto report = retention_->aktenplan().Import(c.principal, *plan);
    if (!report.ok()) return Problem(report.status(), c.req);
    return JsonResponse(200, {{"angelegt", report->angelegt},
                              {"vorhanden", report->vorhanden},
                              {"regeln", report->regeln}});
}

namespace {

// Takes "parent_id" (or, for Akten, "einheit_kennzeichen") out of a create body.
Result<std::string> TakeParent(dms::Repository* repo, const dms::Principal& p, json& body,
                               bool allow_root, bool allow_kennzeichen = false) {
    if (!body.is_object()) return InvalidArgumentError("the body must be a JSON object");
    if (!allow_kennzeichen && body.contains("einheit_kennzeichen")) {
        return InvalidArgumentError(
            "einheit_kennzeichen places only an Akte under an Aktenplaneinheit; give parent_id",
            "wrong-parent");
    }
    std::string parent;
    if (auto it = body.find("einheit_kennzeichen"); allow_kennzeichen && it != body.end()) {
        if (!it->is_string()) return InvalidArgumentError("einheit_kennzeichen must be a string");
        AKTENWERK_ASSIGN_OR_RETURN(auto unit, repo->FindByKennzeichen(p, it->get<std::string>()));
        parent = unit.id;
        body.erase(it);
    } else if (auto pit = body.find("parent_id"); pit != body.end() && !pit->is_null()) {
        if (!pit->is_string()) return InvalidArgumentError("parent_id must be a string");
        parent = pit->get<std::string>();
        body.erase(pit);
    } else if (auto nit = body.find("parent_id"); nit != body.end()) {
        body.erase(nit);
    }
    if (parent.empty() && !allow_root) return InvalidArgumentError("parent_id is required");
    return parent.empty() ? std::string(dms::kRootId) : parent;
}

}  // namespace

static Response CreateFromJson(dms::Repository* repo, const Request& req, const dms::Principal& p,
                               Kind kind, size_t limit) {
    auto text = req.ReadBody(limit);
    if (!text.ok()) return Problem(text.status(), req);
    auto body = ParseJson(*text);
    if (!body.ok()) return Problem(body.status(), req);
    auto parent = TakeParent(repo, p, *body, kind == Kind::kAktenplaneinheit, kind == Kind::kAkte);
    if (!parent.ok()) return Problem(parent.status(), req);
    auto created = repo->Create(p, kind, *parent, *body);
    if (!created.ok()) return Problem(created.status(), req);
    return ObjektResponse(201, *created);
}

Response RestApi::CreateEinheit(Call& c) {
    return CreateFromJson(repo_, c.req, c.principal, Kind::kAktenplaneinheit,
                          options_.json_body_limit);
}

Response RestApi::CreateAkte(Call& c) {
    return CreateFromJson(repo_, c.req, c.principal, Kind::kAkte, options_.json_body_limit);
}

Response RestApi::CreateVorgang(Call& c) {
    return CreateFromJson(repo_, c.req, c.principal, Kind::kVorgang, options_.json_body_limit);
}

namespace {

// Reads the fields and version details that precede the file part of a multipart upload.
// Returns with the reader positioned on the file part; `has_file` tells whether there is one.
// The form fields of one upload are held in memory, so their number and size are bounded:
// more than any form of ours sends, far less than a client could use to exhaust memory.
constexpr size_t kMaxFormFields = 32;
constexpr size_t kMaxFormFieldBytes = 64 * 1024;
constexpr size_t kMaxFormBytes = 256 * 1024;

Status ReadFormFields(MultipartReader& mp, json* fields, dms::NewVersion* nv, bool* has_file) {
    *has_file = false;
    PartInfo part;
    size_t count = 0;
    size_t total = 0;
    while (true) {
        AKTENWERK_ASSIGN_OR_RETURN(bool more, mp.NextPart(&part));
        if (!more) return Status::Ok();
        if (part.has_filename) {
            *has_file = true;
            if (nv->dateiname.empty()) nv->dateiname = part.filename;
            return Status::Ok();
        }
        if (++count > kMaxFormFields) {
            return InvalidArgumentError(
                "more than " + std::to_string(kMaxFormFields) + " form fields before the file part",
                "too-many-fields");
        }
        AKTENWERK_ASSIGN_OR_RETURN(std::string value, mp.ReadText(kMaxFormFieldBytes));
        total += value.size() + part.name.size();
        if (total > kMaxFormBytes) {
            return ResourceExhaustedError(
                "the form fields exceed " + std::to_string(kMaxFormBytes) + " bytes",
                "body-too-large");
        }
        if (part.name == "dateiname") {
            nv->dateiname = value;
        } else if (part.name == "art") {
            if (value != "major" && value != "minor") {
                return InvalidArgumentError("art must be major or minor");
            }
            nv->major = value == "major";
        } else if (part.name == "kommentar") {
            nv->kommentar = value;
        } else if (part.name == "metadaten_json") {
            AKTENWERK_ASSIGN_OR_RETURN(json extra, ParseJson(value));
            if (!extra.is_object()) return InvalidArgumentError("metadaten_json must be an object");
            for (auto& [k, v] : extra.items()) (*fields)[k] = v;
        } else if (part.name == "metadaten") {
            AKTENWERK_ASSIGN_OR_RETURN(json extra, ParseJson(value));
            (*fields)["metadaten"] = extra;
        } else {
            (*fields)[part.name] = value;
        }
    }
}

bool IsMultipart(const Request& req) {
    std::string type = req.Header("Content-Type");
    return ::strncasecmp(type.c_str(), "multipart/form-data", 19) == 0;
}

bool IsJson(const Request& req) {
    std::string type = req.Header("Content-Type");
    return ::strncasecmp(type.c_str(), "application/json", 16) == 0;
}

// Version details of a raw upload come from the query and the Content-Disposition header.
Status RawVersion(const Request& req, dms::NewVersion* nv) {
    if (auto name = req.Query("dateiname")) {
        nv->dateiname = *name;
    } else if (std::string cd = req.Header("Content-Disposition"); !cd.empty()) {
        PartInfo info;
        if (ParseContentDisposition(cd, &info) && info.has_filename) nv->dateiname = info.filename;
    }
    if (nv->dateiname.empty()) {
        return InvalidArgumentError(
            "name the file with ?dateiname= or a Content-Disposition header");
    }
    if (auto art = req.Query("art")) {
        if (*art != "major" && *art != "minor") {
            return InvalidArgumentError("art must be major or minor");
        }
        nv->major = *art == "major";
    }
    if (auto k = req.Query("kommentar")) nv->kommentar = *k;
    return Status::Ok();
}

}  // namespace

Response RestApi::CreateDokument(Call& c) {
    const Request& req = c.req;
    if (IsJson(req)) {
        return CreateFromJson(repo_, req, c.principal, Kind::kDokument, options_.json_body_limit);
    }
    json fields = json::object();
    dms::NewVersion nv;
    if (IsMultipart(req)) {
        auto mp = MultipartReader::Create(req.body, req.Header("Content-Type"));
        if (!mp.ok()) return Problem(mp.status(), req);
        bool has_file = false;
        Status read = ReadFormFields(*mp, &fields, &nv, &has_file);
        if (!read.ok()) return Problem(read, req);
        if (!fields.contains("parent_id") && req.Query("parent_id")) {
            fields["parent_id"] = *req.Query("parent_id");
        }
        if (!fields.contains("parent_id") && !fields.contains("einheit_kennzeichen")) {
            return Problem(InvalidArgumentError("parent_id is required: send it as a form field "
                                                "before the file part, or as ?parent_id="),
                           req);
        }
        auto parent = TakeParent(repo_, c.principal, fields, false);
        if (!parent.ok()) return Problem(parent.status(), req);
        if (!has_file) {
            auto created = repo_->Create(c.principal, Kind::kDokument, *parent, fields);
            if (!created.ok()) return Problem(created.status(), req);
            return ObjektResponse(201, *created);
        }
        PartSource source(&*mp);
        auto created = repo_->CreateDokument(c.principal, *parent, fields, source, nv);
        if (!created.ok()) return Problem(created.status(), req);
        if (integrity_) integrity_->CheckUpload(c.principal, created->second);
        return DokumentCreated(*created);
    }

    // A raw body: fields from the query string.
    for (const auto& [key, value] : req.query) {
        if (key == "dateiname" || key == "art" || key == "kommentar") continue;
        fields[key] = value;
    }
    Status raw = RawVersion(req, &nv);
    if (!raw.ok()) return Problem(raw, req);
    auto parent = TakeParent(repo_, c.principal, fields, false);
    if (!parent.ok()) return Problem(parent.status(), req);
    BodySource source(req.body);
    auto created = repo_->CreateDokument(c.principal, *parent, fields, source, nv);
    if (!created.ok()) return Problem(created.status(), req);
    if (integrity_) integrity_->CheckUpload(c.principal, created->second);
    return DokumentCreated(*created);
}

Result<dms::Objekt> RestApi::LoadTyped(Call& c) {
    AKTENWERK_ASSIGN_OR_RETURN(auto o, repo_->Get(c.principal, c.id()));
    if (c.route->kind && o.kind != *c.route->kind) {
        return NotFoundError("no " + std::string(dms::KindName(*c.route->kind)) + " with id " +
                             c.id());
    }
    return o;
}

Response RestApi::GetTyped(Call& c) {
    auto o = LoadTyped(c);
    if (!o.ok()) return Problem(o.status(), c.req);
    if (NoneMatch(c.req.Header("If-None-Match"), Etag(*o))) {
        Response res;
        res.status = 304;
        res.SetHeader("ETag", Etag(*o));
        return res;
    }
    return ObjektResponse(200, *o);
}

Response RestApi::GetObjekt(Call& c) {
    auto path = repo_->Path(c.principal, c.id());
    if (!path.ok()) return Problem(path.status(), c.req);
    json j = ObjektJson(path->back());
    json pfad = json::array();
    for (const auto& o : *path) {
        pfad.push_back({{"id", o.id},
                        {"typ", dms::KindName(o.kind)},
                        {"bezeichnung", o.kind == Kind::kAktenplaneinheit ? o.kennzeichen
                                        : o.kind == Kind::kAkte           ? o.aktenzeichen
                                                                          : o.betreff}});
    }
    j["pfad"] = std::move(pfad);
    return JsonResponse(200, j);
}

Response RestApi::FindAkte(Call& c) {
    auto az = c.req.Query("aktenzeichen");
    if (!az) {
        return Problem(InvalidArgumentError("search Akten with ?aktenzeichen= (full-text search "
                                            "is /api/v1/suche)"),
                       c.req);
    }
    auto o = repo_->FindByAktenzeichen(c.principal, *az);
    if (!o.ok()) return Problem(o.status(), c.req);
    return ObjektResponse(200, *o);
}

Response RestApi::UpdateTyped(Call& c) {
    auto o = LoadTyped(c);
    if (!o.ok()) return Problem(o.status(), c.req);
    auto expected = ExpectedRevision(c.req);
    if (!expected.ok()) return Problem(expected.status(), c.req);
    auto text = c.req.ReadBody(options_.json_body_limit);
    if (!text.ok()) return Problem(text.status(), c.req);
    auto patch = ParseJson(*text);
    if (!patch.ok()) return Problem(patch.status(), c.req);
    auto updated = repo_->Update(c.principal, c.id(), *patch, *expected);
    if (!updated.ok()) return Problem(updated.status(), c.req);
    return ObjektResponse(200, *updated);
}

Response RestApi::MoveTyped(Call& c) {
    auto o = LoadTyped(c);
    if (!o.ok()) return Problem(o.status(), c.req);
    auto text = c.req.ReadBody(options_.json_body_limit);
    if (!text.ok()) return Problem(text.status(), c.req);
    auto body = ParseJson(*text);
    if (!body.ok()) return Problem(body.status(), c.req);
    auto target = TakeParent(repo_, c.principal, *body, o->kind == Kind::kAktenplaneinheit,
                             o->kind == Kind::kAkte);
    if (!target.ok()) return Problem(target.status(), c.req);
    auto moved = repo_->Move(c.principal, c.id(), *target);
    if (!moved.ok()) return Problem(moved.status(), c.req);
    return ObjektResponse(200, *moved);
}

Response RestApi::CloseTyped(Call& c) {
    auto o = LoadTyped(c);
    if (!o.ok()) return Problem(o.status(), c.req);
    auto text = c.req.ReadBody(options_.json_body_limit);
    if (!text.ok()) return Problem(text.status(), c.req);
    std::optional<dms::CivilDate> date;
    std::string grund;
    if (!text->empty()) {
        auto body = ParseJson(*text);
        if (!body.ok()) return Problem(body.status(), c.req);
        if (!body->is_object()) return Problem(InvalidArgumentError("expected an object"), c.req);
        if (auto it = body->find("grund"); it != body->end() && !it->is_null()) {
            if (!it->is_string()) return Problem(InvalidArgumentError("grund must be text"), c.req);
            grund = it->get<std::string>();
        }
        if (auto it = body->find("datum"); it != body->end() && !it->is_null()) {
            if (it->is_string()) date = dms::CivilDate::Parse(it->get<std::string>());
            if (!date) {
                return Problem(InvalidArgumentError("datum must be a date YYYY-MM-DD that exists"),
                               c.req);
            }
        }
    }
    auto closed = repo_->Close(c.principal, c.id(), date, grund);
    if (!closed.ok()) return Problem(closed.status(), c.req);
    return ObjektResponse(200, *closed);
}

Response RestApi::ReopenTyped(Call& c) {
    auto o = LoadTyped(c);
    if (!o.ok()) return Problem(o.status(), c.req);
    auto reopened = repo_->Reopen(c.principal, c.id());
    if (!reopened.ok()) return Problem(reopened.status(), c.req);
    return ObjektResponse(200, *reopened);
}

Response RestApi::ChildrenTyped(Call& c) {
    auto o = LoadTyped(c);
    if (!o.ok()) return Problem(o.status(), c.req);
    std::optional<Kind> kind;
    if (auto typ = c.req.Query("typ")) {
        kind = dms::ParseKind(*typ);
        if (!kind) return Problem(InvalidArgumentError("unknown typ " + *typ), c.req);
    }
    size_t limit = 100;
    if (auto l = c.req.Query("limit")) {
        auto n = ParseUint(*l);
        if (!n || *n == 0 || *n > 1000) {
            return Problem(InvalidArgumentError("limit must be 1 to 1000"), c.req);
        }
        limit = *n;
    }
    auto page =
        repo_->Children(c.principal, c.id(), kind, c.req.Query("cursor").value_or(""), limit);
    if (!page.ok()) return Problem(page.status(), c.req);
    json items = json::array();
    for (const auto& child : page->items) items.push_back(ObjektJson(child));
    json body = {{"eintraege", std::move(items)}};
    body["naechster_cursor"] = page->next_cursor.empty() ? json(nullptr) : json(page->next_cursor);
    return JsonResponse(200, body);
}

Response RestApi::HistoryTyped(Call& c) {
    auto o = LoadTyped(c);
    if (!o.ok()) return Problem(o.status(), c.req);
    auto after = QueryNumber(c.req, "seit", 0);
    if (!after.ok()) return Problem(after.status(), c.req);
    auto entries = repo_->History(c.principal, c.id(), *after, 1000);
    if (!entries.ok()) return Problem(entries.status(), c.req);
    json list = json::array();
    for (const auto& e : *entries) list.push_back(dms::ToJson(e));
    return JsonResponse(200, {{"eintraege", std::move(list)}});
}

Response RestApi::ListVersions(Call& c) {
    if (auto o = LoadTyped(c); !o.ok()) return Problem(o.status(), c.req);
    auto versions = repo_->Versions(c.principal, c.id());
    if (!versions.ok()) return Problem(versions.status(), c.req);
    json list = json::array();
    for (const auto& v : *versions) list.push_back(dms::ToJson(v));
    return JsonResponse(200, {{"versionen", std::move(list)}});
}

Response RestApi::AddVersion(Call& c) {
    auto o = LoadTyped(c);
    if (!o.ok()) return Problem(o.status(), c.req);
    dms::NewVersion nv;
    Result<dms::Version> added = InternalError("not run");
    if (IsMultipart(c.req)) {
        auto mp = MultipartReader::Create(c.req.body, c.req.Header("Content-Type"));
        if (!mp.ok()) return Problem(mp.status(), c.req);
        json ignored = json::object();
        bool has_file = false;
        Status read = ReadFormFields(*mp, &ignored, &nv, &has_file);
        if (!read.ok()) return Problem(read, c.req);
        if (!has_file) return Problem(InvalidArgumentError("the form has no file part"), c.req);
        PartSource source(&*mp);
        added = repo_->AddVersion(c.principal, c.id(), source, nv);
    } else {
        Status raw = RawVersion(c.req, &nv);
        if (!raw.ok()) return Problem(raw, c.req);
        BodySource source(c.req.body);
        added = repo_->AddVersion(c.principal, c.id(), source, nv);
    }
    if (!added.ok()) return Problem(added.status(), c.req);
    if (integrity_) integrity_->CheckUpload(c.principal, *added);
    Response res = JsonResponse(201, dms::ToJson(*added));
    res.SetHeader("Location",
                  "/api/v1/dokumente/" + c.id() + "/versionen/" + std::to_string(added->nummer));
    return res;
}

Response RestApi::GetVersionInfo(Call& c) {
    if (auto o = LoadTyped(c); !o.ok()) return Problem(o.status(), c.req);
    auto n = ParseUint(c.params.at(1));
    if (!n || *n == 0 || *n > UINT32_MAX) {
        return Problem(NotFoundError("no version " + c.params.at(1)), c.req);
    }
    auto v = repo_->GetVersion(c.principal, c.id(), static_cast<uint32_t>(*n));
    if (!v.ok()) return Problem(v.status(), c.req);
    return JsonResponse(200, dms::ToJson(*v));
}

Response RestApi::GetContent(Call& c) {
    if (auto o = LoadTyped(c); !o.ok()) return Problem(o.status(), c.req);
    uint32_t nummer = 0;
    if (c.params.size() > 1) {
        auto n = ParseUint(c.params[1]);
        if (!n || *n == 0 || *n > UINT32_MAX) {
            return Problem(NotFoundError("no version " + c.params[1]), c.req);
        }
        nummer = static_cast<uint32_t>(*n);
    }
    auto version = repo_->GetVersion(c.principal, c.id(), nummer);
    if (!version.ok()) return Problem(version.status(), c.req);
    const std::string etag = "\"" + version->sha256 + "\"";
    // Content is the users', not ours: it must never run in the API's origin. Only passive
    // types are shown inline, and everything but PDF (whose viewer a sandbox would break)
    // is sandboxed, so an uploaded HTML or SVG file with a script in it cannot act with the
    // viewer's credentials.
    const bool shown_inline =
        c.req.Query("download") == "inline" && ShownInline(version->mime_type);
    const std::string disposition =
        ContentDisposition(shown_inline ? "inline" : "attachment", version->dateiname);
    Response res;
    res.SetHeader("ETag", etag);
    res.SetHeader("Accept-Ranges", "bytes");
    res.SetHeader("Cache-Control", "private, no-cache");
    res.SetHeader("X-Content-Type-Options", "nosniff");
    if (version->mime_type != "application/pdf") {
        res.SetHeader("Content-Security-Policy", "default-src 'none'; sandbox");
    }

    if (NoneMatch(c.req.Header("If-None-Match"), etag)) {
        res.status = 304;
        return res;
    }
    std::string range_header = c.req.Header("Range");
    std::string if_range = c.req.Header("If-Range");
    if (!if_range.empty() && if_range != etag) range_header.clear();
    auto range = ParseRange(range_header, version->groesse);
    if (!range.ok()) {
        Response bad = Problem(416, "range-not-satisfiable", range.status().message(), c.req);
        bad.SetHeader("Content-Range", "bytes */" + std::to_string(version->groesse));
        return bad;
    }
    res.SetHeader("Content-Type", version->zeichensatz.empty()
                                      ? version->mime_type
                                      : version->mime_type + "; charset=" + version->zeichensatz);
    res.SetHeader("Content-Disposition", disposition);
    uint64_t first = 0, length = version->groesse;
    if (*range) {
        first = (*range)->first;
        length = (*range)->last - first + 1;
        res.status = 206;
        res.SetHeader("Content-Range", "bytes " + std::to_string(first) + "-" +
                                           std::to_string((*range)->last) + "/" +
                                           std::to_string(version->groesse));
    }
    if (c.req.method == "HEAD") {
        res.body.clear();
        res.producer = [](char*, size_t) -> Result<size_t> { return size_t{0}; };
        res.content_length = length;
        return res;
    }
    auto content = repo_->OpenContent(c.principal, c.id(), version->nummer);
    if (!content.ok()) return Problem(content.status(), c.req);
    auto reader = std::shared_ptr<storage::BlobReader>(std::move(content->reader));
    uint64_t offset = first;
    uint64_t remaining = length;
    res.content_length = length;
    res.producer = [reader, offset, remaining](char* buf, size_t n) mutable -> Result<size_t> {
        n = static_cast<size_t>(std::min<uint64_t>(n, remaining));
        if (n == 0) return size_t{0};
        AKTENWERK_ASSIGN_OR_RETURN(size_t got, reader->ReadAt(offset, buf, n));
        offset += got;
        remaining -= got;
        return got;
    };
    // Downloads read front to back: a larger read-ahead keeps the disk streaming.
    ::posix_fadvise(reader->fd(), static_cast<off_t>(first), static_cast<off_t>(length),
                    POSIX_FADV_SEQUENTIAL);
    res.file = FileRange{reader->fd(), first, reader};
    return res;
}

Response RestApi::GetAudit(Call& c) {
    auto after = QueryNumber(c.req, "seit", 0);
    if (!after.ok()) return Problem(after.status(), c.req);
    auto entries = repo_->Audit(c.principal, *after, 1000);
    if (!entries.ok()) return Problem(entries.status(), c.req);
    json list = json::array();
    for (const auto& e : *entries) list.push_back(dms::ToJson(e));
    return JsonResponse(200, {{"eintraege", std::move(list)}});
}

// Users, groups, grants and tokens (issue #6). The services check who may do this; the
// handlers only translate.

namespace {

json UserJson(const dms::UserInfo& u) {
    return {{"name", u.name},
            {"admin", u.admin},
            {"aktiv", u.aktiv},
            {"gruppen", u.gruppen},
            {"erstellt_am", dms::FormatTimestamp(u.erstellt_am)}};
}

Result<std::vector<std::string>> StringList(const json& value, std::string_view field) {
    if (!value.is_array() || value.size() > 100) {
        return InvalidArgumentError(std::string(field) + " must be a list of at most 100 names");
    }
    std::vector<std::string> out;
    for (const auto& item : value) {
        if (!item.is_string()) return InvalidArgumentError(std::string(field) + " holds names");
        out.push_back(item.get<std::string>());
    }
    return out;
}

Result<std::vector<dms::Role>> RolesFrom(const json& value) {
    AKTENWERK_ASSIGN_OR_RETURN(auto names, StringList(value, "rollen"));
    std::vector<dms::Role> out;
    for (const auto& n : names) {
        auto role = dms::ParseRole(n);
        if (!role) {
            return InvalidArgumentError("unknown role " + n +
                                        " (leser, sachbearbeiter, registrator, archivar, "
                                        "administrator)");
        }
        out.push_back(*role);
    }
    return out;
}

// Reads a JSON object body, refusing anything else.
Result<json> ReadObject(const Request& req, size_t limit) {
    AKTENWERK_ASSIGN_OR_RETURN(auto text, req.ReadBody(limit));
    AKTENWERK_ASSIGN_OR_RETURN(auto body, ParseJson(text));
    if (!body.is_object()) return InvalidArgumentError("the body must be a JSON object");
    return body;
}

Response NoContent() {
    Response res;
    res.status = 204;
    return res;
}

}  // namespace

Response RestApi::CreateUser(Call& c) {
    auto text = c.req.ReadBody(options_.json_body_limit);
    if (!text.ok()) return Problem(text.status(), c.req);
    auto body = ParseJson(*text);
    if (!body.ok()) return Problem(body.status(), c.req);
    if (!body->is_object() || !(*body)["name"].is_string() || !(*body)["passwort"].is_string()) {
        return Problem(InvalidArgumentError("name and passwort are required strings"), c.req);
    }
    auto admin_field = body->find("admin");
    if (admin_field != body->end() && !admin_field->is_boolean()) {
        return Problem(InvalidArgumentError("admin must be true or false"), c.req);
    }
    bool admin = admin_field != body->end() && admin_field->get<bool>();
    std::string name = (*body)["name"];
    Status s =
        repo_->users().Create(c.principal, name, (*body)["passwort"].get<std::string>(), admin);
    if (!s.ok()) return Problem(s, c.req);
    if (auto groups = body->find("gruppen"); groups != body->end()) {
        auto list = StringList(*groups, "gruppen");
        dms::UserUpdate update;
        if (list.ok()) update.gruppen = std::move(list).value();
        s = list.ok() ? repo_->users().Update(c.principal, name, update) : list.status();
        if (!s.ok()) return Problem(s.WithContext("user created, groups not set"), c.req);
    }
    auto user = repo_->users().Get(name);
    if (!user.ok()) return Problem(user.status(), c.req);
    return JsonResponse(201, UserJson(*user));
}

Response RestApi::ListUsers(Call& c) {
    auto users = repo_->users().List(c.principal);
    if (!users.ok()) return Problem(users.status(), c.req);
    json list = json::array();
    for (const auto& u : *users) list.push_back(UserJson(u));
    return JsonResponse(200, {{"benutzer", std::move(list)}});
}

Response RestApi::Search(Call& c) {
    if (search_ == nullptr) {
        return Problem(UnavailableError("the search index is not running"), c.req);
    }
    auto body = RunSearch(*search_, *repo_, c.req, c.principal);
    if (!body.ok()) return Problem(body.status(), c.req);
    return JsonResponse(200, *body);
}

Result<dms::Principal> RestApi::AuthenticateToken(const Request& req, std::string_view token) {
    (void)req;
    AKTENWERK_ASSIGN_OR_RETURN(auto found, repo_->tokens().Authenticate(token));
    const int64_t wait = token_limiter_.Take(found.second.id, found.second.anfragen_pro_minute);
    if (wait > 0) {
        throttled_.fetch_add(1);
        return ResourceExhaustedError(
            "the token's request rate is used up (retry in " + std::to_string(wait) + " ms)",
            "rate-limited");
    }
    return found.first;
}

Response RestApi::GetUser(Call& c) {
    auto user = repo_->users().Get(c.principal, c.id());
    if (!user.ok()) return Problem(user.status(), c.req);
    return JsonResponse(200, UserJson(*user));
}

Response RestApi::UpdateUser(Call& c) {
    auto body = ReadObject(c.req, options_.json_body_limit);
    if (!body.ok()) return Problem(body.status(), c.req);
    dms::UserUpdate update;
    for (const auto& [key, value] : body->items()) {
        if (key == "passwort" && value.is_string()) {
            update.passwort = value.get<std::string>();
        } else if (key == "admin" && value.is_boolean()) {
            update.admin = value.get<bool>();
        } else if (key == "aktiv" && value.is_boolean()) {
            update.aktiv = value.get<bool>();
        } else if (key == "gruppen") {
            auto groups = StringList(value, "gruppen");
            if (!groups.ok()) return Problem(groups.status(), c.req);
            update.gruppen = std::move(groups).value();
        } else {
            return Problem(InvalidArgumentError("field '" + key +
                                                    "' is not known or has the "
                                                    "wrong type (passwort, admin, aktiv, gruppen)",
                                                "unknown-field"),
                           c.req);
        }
    }
    Status s = repo_->users().Update(c.principal, c.id(), update);
    if (!s.ok()) return Problem(s, c.req);
    auto user = repo_->users().Get(c.id());
    if (!user.ok()) return Problem(user.status(), c.req);
    return JsonResponse(200, UserJson(*user));
}

Response RestApi::CreateGroup(Call& c) {
    auto body = ReadObject(c.req, options_.json_body_limit);
    if (!body.ok()) return Problem(body.status(), c.req);
    if (!(*body)["name"].is_string()) {
        return Problem(InvalidArgumentError("name is a required string"), c.req);
    }
    std::string name = (*body)["name"];
    std::string beschreibung = body->value("beschreibung", "");
    Status s = repo_->users().CreateGroup(c.principal, name, beschreibung);
    if (!s.ok()) return Problem(s, c.req);
    return JsonResponse(201, {{"name", name}, {"beschreibung", beschreibung}});
}

Response RestApi::ListGroups(Call& c) {
    auto groups = repo_->users().ListGroups(c.principal);
    if (!groups.ok()) return Problem(groups.status(), c.req);
    json list = json::array();
    for (const auto& g : *groups)
        list.push_back({{"name", g.name}, {"beschreibung", g.beschreibung}});
    return JsonResponse(200, {{"gruppen", std::move(list)}});
}

Response RestApi::ListGrants(Call& c) {
    auto o = LoadTyped(c);
    if (!o.ok()) return Problem(o.status(), c.req);
    // Who holds which roles is for those who hand them out.
    auto allowed = repo_->Authorize(c.principal, *o, dms::kRightAdminister);
    if (!allowed.ok()) return Problem(allowed.status(), c.req);
    json list = json::array();
    for (const auto& g : repo_->access().GrantsOn(o->id)) list.push_back(dms::ToJson(g));
    return JsonResponse(200, {{"berechtigungen", std::move(list)}});
}

Response RestApi::PutGrant(Call& c) {
    auto o = LoadTyped(c);
    if (!o.ok()) return Problem(o.status(), c.req);
    auto body = ReadObject(c.req, options_.json_body_limit);
    if (!body.ok()) return Problem(body.status(), c.req);
    dms::Grant grant;
    grant.einheit_id = o->id;
    grant.subjekt = c.params.at(1);
    for (const auto& [key, value] : body->items()) {
        if (key == "rollen") {
            auto roles = RolesFrom(value);
            if (!roles.ok()) return Problem(roles.status(), c.req);
            grant.rollen = std::move(roles).value();
        } else if (key == "bis_stufe" && value.is_string() &&
                   dms::ParseLevel(value.get<std::string>())) {
            grant.bis_stufe = *dms::ParseLevel(value.get<std::string>());
        } else if (key == "verweigert" && value.is_boolean()) {
            grant.verweigert = value.get<bool>();
        } else {
            return Problem(InvalidArgumentError("field '" + key +
                                                    "' is not known or invalid "
                                                    "(rollen, bis_stufe: offen, VS-NfD, "
                                                    "vertraulich, geheim; verweigert)",
                                                "unknown-field"),
                           c.req);
        }
    }
    Status s = repo_->access().SetGrant(c.principal, grant);
    if (!s.ok()) return Problem(s, c.req);
    for (const auto& g : repo_->access().GrantsOn(o->id)) {
        if (g.subjekt == grant.subjekt) return JsonResponse(200, dms::ToJson(g));
    }
    return NoContent();
}

Response RestApi::DeleteGrant(Call& c) {
    auto o = LoadTyped(c);
    if (!o.ok()) return Problem(o.status(), c.req);
    dms::Grant grant;
    grant.einheit_id = o->id;
    grant.subjekt = c.params.at(1);
    Status s = repo_->access().SetGrant(c.principal, grant);
    if (!s.ok()) return Problem(s, c.req);
    return NoContent();
}

Response RestApi::GetOwnRights(Call& c) {
    auto access = repo_->AccessOn(c.principal, c.id());
    if (!access.ok()) return Problem(access.status(), c.req);
    return JsonResponse(200, {{"rechte", dms::RightNames(access->rights)},
                              {"einheit_id", access->placement.einheit_id},
                              {"stufe", dms::kLevelNames[access->placement.stufe]}});
}

Response RestApi::CreateToken(Call& c) {
    auto body = ReadObject(c.req, options_.json_body_limit);
    if (!body.ok()) return Problem(body.status(), c.req);
    dms::TokenInfo spec;
    for (const auto& [key, value] : body->items()) {
        Status bad = InvalidArgumentError("field '" + key + "' is not known or has the wrong type",
                                          "unknown-field");
        if (key == "benutzer" && value.is_string()) {
            spec.benutzer = value.get<std::string>();
        } else if (key == "bezeichnung" && value.is_string()) {
            spec.bezeichnung = value.get<std::string>();
        } else if (key == "einheit_id" && value.is_string()) {
            spec.einheit_id = value.get<std::string>();
        } else if (key == "einheit_kennzeichen" && value.is_string()) {
            auto unit = repo_->FindByKennzeichen(c.principal, value.get<std::string>());
            if (!unit.ok()) return Problem(unit.status(), c.req);
            spec.einheit_id = unit->id;
        } else if (key == "rollen") {
            auto roles = RolesFrom(value);
            if (!roles.ok()) return Problem(roles.status(), c.req);
            for (auto r : *roles) spec.rights |= dms::RightsOf(r);
        } else if (key == "rechte") {
            auto names = StringList(value, "rechte");
            if (!names.ok()) return Problem(names.status(), c.req);
            for (const auto& n : *names) {
                uint32_t r = dms::ParseRight(n);
                if (r == 0) return Problem(InvalidArgumentError("unknown right " + n), c.req);
                spec.rights |= r;
            }
        } else if (key == "anfragen_pro_minute" && value.is_number_unsigned() &&
                   value.get<uint64_t>() <= UINT32_MAX) {
            spec.anfragen_pro_minute = value.get<uint32_t>();
        } else if (key == "ablauf" && value.is_string()) {
            auto date = dms::CivilDate::Parse(value.get<std::string>());
            if (!date) return Problem(InvalidArgumentError("ablauf must be YYYY-MM-DD"), c.req);
            // The token is valid through that day (UTC).
            spec.ablauf_am = (int64_t{date->DaysSinceEpoch()} + 1) * 86'400'000;
        } else {
            return Problem(bad, c.req);
        }
    }
    if (spec.einheit_id.empty()) {
        return Problem(InvalidArgumentError("einheit_id or einheit_kennzeichen is required"),
                       c.req);
    }
    auto created = repo_->tokens().Create(c.principal, spec);
    if (!created.ok()) return Problem(created.status(), c.req);
    json out = dms::ToJson(created->first);
    out["token"] = created->second;
    return JsonResponse(201, out);
}

Response RestApi::ListTokens(Call& c) {
    auto tokens = repo_->tokens().List(c.principal);
    if (!tokens.ok()) return Problem(tokens.status(), c.req);
    json list = json::array();
    for (const auto& t : *tokens) list.push_back(dms::ToJson(t));
    return JsonResponse(200, {{"tokens", std::move(list)}});
}

Response RestApi::RevokeToken(Call& c) {
    Status s = repo_->tokens().Revoke(c.principal, c.id());
    if (!s.ok()) return Problem(s, c.req);
    return NoContent();
}

}  // namespace aktenwerk::interfaces
