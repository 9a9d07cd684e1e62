// The browser UI (interfaces/web/, compiled in): served at / and /ui/, in front of the REST
// API. The UI itself is plain ES modules that talk to /api/v1 like any other client.
#pragma once

#include <optional>
#include <string_view>

#include "interfaces/http_message.h"

namespace aktenwerk::interfaces {

class RestApi;

// Answers `req` from the UI when its path is "/", "/index.html" or below "/ui/", and passes
// every other request to `api`. A 401 answer to a request the UI marked as its own (header
// "X-Aktenwerk-Client: web") loses its WWW-Authenticate header, so that the browser shows the
// UI's login form instead of its own password dialog. Thread-safe; never throws.
Response ServeWithWebUi(Request& req, RestApi& api);

// The UI's answer for `req`, or nullopt when the path is not the UI's. GET and HEAD serve the
// file (ETag, If-None-Match, Cache-Control, a Content-Security-Policy without inline scripts);
// other methods get 405; an unknown file under /ui/ gets 404 as problem+json. Thread-safe.
std::optional<Response> WebUiResponse(const Request& req);

// A short hash over all UI files. The page loads its files from /ui/<version>/, which may
// be cached for good because a new build changes the version.
std::string_view WebUiVersion();

}  // namespace aktenwerk::interfaces
