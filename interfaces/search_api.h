// GET /api/v1/suche: turns query parameters into a search request, runs it through the
// search service with the caller's principal, and renders hits, facets and the next cursor.
#pragma once

#include <nlohmann/json.hpp>

#include "dms/principal.h"
#include "dms/repository.h"
#include "dms/search_indexer.h"
#include "interfaces/http_message.h"

namespace aktenwerk::interfaces {

// The JSON answer of a search (see openapi.json, /api/v1/suche). kInvalidArgument for a bad
// parameter or query (reasons "invalid-query", "query-too-expensive", "invalid-cursor"),
// kNotFound for an unknown unit or Akte named as a filter.
Result<nlohmann::json> RunSearch(const dms::SearchIndexer& search, dms::Repository& repo,
                                 const Request& req, const dms::Principal& p);

// The index figures for /metrics, in Prometheus text format.
std::string SearchMetrics(const dms::SearchIndexer& search);

}  // namespace aktenwerk::interfaces
