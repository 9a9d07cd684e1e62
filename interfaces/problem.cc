// Problem details: status mapping and the JSON body.
#include "interfaces/problem.h"

#include <string>

#include <nlohmann/json.hpp>

namespace aktenwerk::interfaces {

int HttpStatusFor(const Status& s) {
    switch (s.code()) {
        case StatusCode::kOk:
            return 200;
        case StatusCode::kNotFound:
            // A record removed by the Aussonderung or deleted: its stub says when and how.
            return s.reason() == "ausgesondert" ? 410 : 404;
        case StatusCode::kAlreadyExists:
            return 409;
        case StatusCode::kInvalidArgument:
            return 400;
        case StatusCode::kFailedPrecondition:
            return s.reason() == "revision-mismatch" ? 412 : 409;
        case StatusCode::kPermissionDenied:
            return 403;
        case StatusCode::kUnauthenticated:
            return 401;
        case StatusCode::kResourceExhausted:
            if (s.reason() == "body-too-large") return 413;
            if (s.reason() == "disk-full") return 507;
            if (s.reason() == "too-many-attempts" || s.reason() == "rate-limited") return 429;
            return 503;
        case StatusCode::kCorruption:
            return 500;
        case StatusCode::kUnavailable:
            return 503;
        case StatusCode::kInternal:
            return 500;
    }
    return 500;
}

std::string_view StatusTitle(int status) {
    switch (status) {
        case 400:
            return "Invalid request";
        case 401:
            return "Authentication required";
        case 403:
            return "Not allowed";
        case 404:
            return "Not found";
        case 405:
            return "Method not allowed";
        case 410:
            return "Gone";
        case 409:
            return "Conflict with the current state";
        case 412:
            return "Precondition failed";
        case 413:
            return "Request body too large";
        case 415:
            return "Unsupported media type";
        case 416:
            return "Range not satisfiable";
        case 429:
            return "Too many requests";
        case 431:
            return "Request header fields too large";
        case 503:
            return "Service unavailable";
        case 507:
            return "Insufficient storage";
        default:
            return "Internal error";
    }
}

namespace {

// Details and instances quote the client's input; a client must not get its 10 KB name
// echoed back (or make the server build large answers), so quotes are cut.
constexpr size_t kMaxQuoted = 500;

std::string Shortened(std::string_view text) {
    if (text.size() <= kMaxQuoted) return std::string(text);
    size_t cut = kMaxQuoted;
    while (cut > 0 && (static_cast<unsigned char>(text[cut]) & 0xc0) == 0x80) --cut;
    return std::string(text.substr(0, cut)) + "…";
}

}  // namespace

Response ProblemResponse(int status, std::string_view type, std::string_view detail,
                         std::string_view instance, std::string_view request_id) {
    nlohmann::json body = {{"type", "urn:aktenwerk:problem:" + std::string(type)},
                           {"title", StatusTitle(status)},
                           {"status", status},
                           {"detail", Shortened(detail)},
                           {"instance", Shortened(instance)}};
    if (!request_id.empty()) body["request_id"] = request_id;
    Response res;
    res.status = status;
    res.SetHeader("Content-Type", "application/problem+json; charset=utf-8");
    res.SetHeader("Cache-Control", "no-store");
    res.body = body.dump(-1, ' ', false, nlohmann::json::error_handler_t::replace);
    return res;
}

}  // namespace aktenwerk::interfaces
