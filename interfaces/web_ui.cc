// Serving the embedded web UI. index.html names its files under /ui/<version>/ so that the
// browser caches them for a year and still never runs an old file after an update; the page
// itself is revalidated on every load.
#include "interfaces/web_ui.h"

#include <strings.h>

#include <map>
#include <string>

#include "interfaces/problem.h"
#include "interfaces/rest_api.h"
#include "interfaces/web_assets.h"
#include "storage/sha256.h"

namespace aktenwerk::interfaces {
namespace {

using storage::Sha256Hex;

// No inline script or style, nothing from another origin. blob: carries the previews, which
// the UI fetches with the user's credentials; the PDF viewer needs object-src for them.
constexpr std::string_view kPolicy =
    "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' blob: data:; "
    "frame-src blob:; object-src blob:; connect-src 'self'; font-src 'self'; "
    "form-action 'self'; base-uri 'none'; frame-ancestors 'none'";

constexpr std::string_view kVersionMarker = "{{VERSION}}";

struct Asset {
    std::string body;
    std::string_view mime_type;
    std::string etag;
};

std::string_view MimeTypeOf(std::string_view name) {
    static const std::map<std::string_view, std::string_view> kTypes = {
        {".html", "text/html; charset=utf-8"},
        {".js", "text/javascript; charset=utf-8"},
        {".css", "text/css; charset=utf-8"},
        {".svg", "image/svg+xml"},
        {".json", "application/json; charset=utf-8"},
        {".png", "image/png"},
        {".ico", "image/x-icon"},
    };
    size_t dot = name.rfind('.');
    if (dot != std::string_view::npos) {
        if (auto it = kTypes.find(name.substr(dot)); it != kTypes.end()) return it->second;
    }
    return "application/octet-stream";
}

struct Catalog {
    std::string version;
    std::map<std::string, Asset, std::less<>> assets;
};

// Built once: the version is a hash over every file's name and bytes, and index.html gets it
// in place of its marker.
const Catalog& Assets() {
    static const Catalog catalog = [] {
        Catalog c;
        std::string all;
        for (const auto& a : embedded::kWebAssets) {
            all += std::string(a.name) + '\0' + Sha256Hex(a.data);
        }
        c.version = Sha256Hex(all).substr(0, 12);
        for (const auto& a : embedded::kWebAssets) {
            std::string body(a.data);
            for (size_t at = body.find(kVersionMarker); at != std::string::npos;
                 at = body.find(kVersionMarker, at)) {
                body.replace(at, kVersionMarker.size(), c.version);
            }
            std::string etag = "\"" + Sha256Hex(body).substr(0, 32) + "\"";
            c.assets.emplace(std::string(a.name), Asset{std::move(body), MimeTypeOf(a.name), etag});
        }
        return c;
    }();
    return catalog;
}

// Splits "/ui/<version>/<name>" or "/ui/<name>" into version (maybe empty) and name.
std::pair<std::string_view, std::string_view> UiPath(std::string_view path) {
    std::string_view rest = path.substr(4);
    size_t slash = rest.find('/');
    if (slash == std::string_view::npos) return {{}, rest};
    return {rest.substr(0, slash), rest.substr(slash + 1)};
}

void SetCommonHeaders(Response* res) {
    res->SetHeader("Content-Security-Policy", std::string(kPolicy));
    res->SetHeader("X-Content-Type-Options", "nosniff");
    res->SetHeader("Referrer-Policy", "no-referrer");
    res->SetHeader("Cross-Origin-Opener-Policy", "same-origin");
}

Response AssetResponse(const Request& req, const Asset& asset, bool immutable) {
    Response res;
    SetCommonHeaders(&res);
    res.SetHeader("ETag", asset.etag);
    res.SetHeader("Cache-Control", immutable ? "public, max-age=31536000, immutable" : "no-cache");
    if (req.Header("If-None-Match") == asset.etag) {
        res.status = 304;
        return res;
    }
    res.SetHeader("Content-Type", std::string(asset.mime_type));
    res.body = asset.body;
    return res;
}

}  // namespace

std::string_view WebUiVersion() { return Assets().version; }

std::optional<Response> WebUiResponse(const Request& req) {
    const std::string_view path = req.path;
    const bool page = path == "/" || path == "/index.html";
    if (!page && path.rfind("/ui/", 0) != 0) return std::nullopt;

    if (req.method != "GET" && req.method != "HEAD") {
        Response res =
            ProblemResponse(405, "method-not-allowed", "the web UI answers only GET and HEAD",
                            req.path, req.request_id);
        res.SetHeader("Allow", "GET, HEAD");
        return res;
    }
    const Catalog& catalog = Assets();
    if (page) return AssetResponse(req, catalog.assets.at("index.html"), false);

    auto [version, name] = UiPath(path);
    auto it = catalog.assets.find(name);
    if (it == catalog.assets.end() || name == "index.html") {
        return ProblemResponse(404, "not-found", "no such file of the web UI", req.path,
                               req.request_id);
    }
    return AssetResponse(req, it->second, version == catalog.version);
}

Response ServeWithWebUi(Request& req, RestApi& api) {
    if (auto ui = WebUiResponse(req)) return std::move(*ui);
    Response res = api.Handle(req);
    if (res.status == 401 && req.Header("X-Aktenwerk-Client") == "web") {
        std::erase_if(res.headers, [](const auto& h) {
            return h.first.size() == 16 &&
                   ::strncasecmp(h.first.c_str(), "WWW-Authenticate", 16) == 0;
        });
    }
    return res;
}

}  // namespace aktenwerk::interfaces
