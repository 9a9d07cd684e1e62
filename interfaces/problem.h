// Problem details (RFC 9457): the one shape of every error answer under /api/v1 and of the
// errors the HTTP server gives before a request reaches a handler.
#pragma once

#include <string_view>

#include "interfaces/http_message.h"
#include "storage/status.h"

namespace aktenwerk::interfaces {

// The HTTP status for a Status code (and its reason, where one refines it). The one mapping
// of the whole server; every interface uses it.
int HttpStatusFor(const Status& s);

// A short English title for an HTTP status ("Not found").
std::string_view StatusTitle(int status);

// An application/problem+json answer with type `urn:aktenwerk:problem:<type>`. `detail` must
// hold nothing internal (paths, I/O errors); callers log those instead. `detail` and
// `instance` are cut to 500 bytes.
Response ProblemResponse(int status, std::string_view type, std::string_view detail,
                         std::string_view instance, std::string_view request_id);

}  // namespace aktenwerk::interfaces
