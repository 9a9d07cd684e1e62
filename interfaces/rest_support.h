// The REST API's answer and body helpers, shared by the handler files (rest_api.cc and
// retention_api.cc) so that every route maps errors and parses JSON the same way.
#pragma once

#include <string>
#include <string_view>

#include <nlohmann/json.hpp>

#include "interfaces/http_message.h"
#include "storage/status.h"

namespace aktenwerk::interfaces {

// A JSON answer with `status`, no caching.
Response JsonResponse(int status, const nlohmann::json& body);

// The one place where a Status becomes an HTTP answer (problem+json). Internal detail goes to
// the log with the request id, never to the client.
Response Problem(const Status& s, const Request& req);
Response Problem(int status, std::string type, std::string detail, const Request& req);

// Parses a JSON body; kInvalidArgument (reason "malformed-json") for malformed text or
// nesting deeper than 32 levels (checked before the parser sees it).
Result<nlohmann::json> ParseJson(std::string_view text);

}  // namespace aktenwerk::interfaces
