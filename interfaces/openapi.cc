// The OpenAPI document, compiled in from interfaces/openapi.json.
#include "interfaces/embedded_files.h"
#include "interfaces/rest_api.h"

namespace aktenwerk::interfaces {

std::string_view RestApi::OpenApiDocument() { return embedded::kOpenApiJson; }

}  // namespace aktenwerk::interfaces
