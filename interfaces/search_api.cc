// The search endpoint's parameters and answer.
#include "interfaces/search_api.h"

#include <charconv>
#include <set>

#include "dms/civil_date.h"
#include "dms/model.h"

namespace aktenwerk::interfaces {
namespace {

using nlohmann::json;

std::vector<std::string> Values(const Request& req, const std::string& name) {
    std::vector<std::string> out;
    auto [first, last] = req.query.equal_range(name);
    for (auto it = first; it != last; ++it) {
        // "typ=akte,vorgang" and "typ=akte&typ=vorgang" mean the same.
        std::string_view rest = it->second;
        while (!rest.empty()) {
            size_t comma = rest.find(',');
            std::string_view item = rest.substr(0, comma);
            if (!item.empty()) out.emplace_back(item);
            if (comma == std::string_view::npos) break;
            rest.remove_prefix(comma + 1);
        }
    }
    return out;
}

Result<int32_t> DateParam(const Request& req, const std::string& name) {
    auto value = req.Query(name);
    if (!value || value->empty()) return int32_t{0};
    auto date = dms::CivilDate::Parse(*value);
    if (!date) return InvalidArgumentError(name + " must be a date YYYY-MM-DD that exists");
    return date->year * 10000 + date->month * 100 + date->day;
}

std::string DateText(int32_t d) {
    if (d <= 0) return {};
    dms::CivilDate c{d / 10000, (d / 100) % 100, d % 100};
    return c.ToString();
}

Result<bool> BoolParam(const Request& req, const std::string& name, bool fallback) {
    auto value = req.Query(name);
    if (!value) return fallback;
    if (*value == "true" || *value == "1" || *value == "ja") return true;
    if (*value == "false" || *value == "0" || *value == "nein") return false;
    return InvalidArgumentError(name + " must be true or false");
}

std::string SelfOf(const std::string& typ, const std::string& id) {
    if (typ == "aktenplaneinheit") return "/api/v1/aktenplan/einheiten/" + id;
    if (typ == "akte") return "/api/v1/akten/" + id;
    if (typ == "vorgang") return "/api/v1/vorgaenge/" + id;
    return "/api/v1/dokumente/" + id;
}

Status KnownParams(const Request& req) {
    static const std::set<std::string> kKnown = {
        "q",         "kennzeichen", "einheit", "akte",         "typ",
        "zustand",   "von",         "bis",     "erstellt_von", "mime_type",
        "versionen", "sortierung",  "limit",   "cursor",       "facetten"};
    for (const auto& [key, value] : req.query) {
        if (kKnown.count(key) == 0) return InvalidArgumentError("unknown search parameter " + key);
    }
    return Status::Ok();
}

// Fills the filters that name records (units, Akten) by their API ids or references.
Status ResolveFilters(dms::Repository& repo, const Request& req, const dms::Principal& p,
                      indexing::SearchRequest* r) {
    for (const auto& k : Values(req, "kennzeichen")) r->kennzeichen.push_back(k);
    for (const auto& id : Values(req, "einheit")) {
        AKTENWERK_ASSIGN_OR_RETURN(auto unit, repo.Get(p, id));
        if (unit.kind != dms::Kind::kAktenplaneinheit) {
            return InvalidArgumentError("einheit " + id + " is not an Aktenplaneinheit");
        }
        r->kennzeichen.push_back(unit.kennzeichen);
    }
    for (const auto& ref : Values(req, "akte")) {
        auto akte = repo.FindByAktenzeichen(p, ref);
        if (!akte.ok()) akte = repo.Get(p, ref);
        if (!akte.ok() || akte->kind != dms::Kind::kAkte) {
            return NotFoundError("no Akte with id or Aktenzeichen " + ref);
        }
        r->akte_ids.push_back(akte->id);
    }
    return Status::Ok();
}

Result<indexing::SearchRequest> ParseRequest(dms::Repository& repo, const Request& req,
                                             const dms::Principal& p) {
    AKTENWERK_RETURN_IF_ERROR(KnownParams(req));
    indexing::SearchRequest r;
    r.text = req.Query("q").value_or("");
    AKTENWERK_RETURN_IF_ERROR(ResolveFilters(repo, req, p, &r));
    for (const auto& t : Values(req, "typ")) {
        if (!dms::ParseKind(t)) return InvalidArgumentError("unknown typ " + t);
        r.typen.push_back(t);
    }
    for (const auto& z : Values(req, "zustand")) {
        if (z != "offen" && z != "geschlossen") {
            return InvalidArgumentError("zustand must be offen or geschlossen");
        }
        r.zustaende.push_back(z);
    }
    AKTENWERK_ASSIGN_OR_RETURN(r.datum_von, DateParam(req, "von"));
    AKTENWERK_ASSIGN_OR_RETURN(r.datum_bis, DateParam(req, "bis"));
    if (r.datum_von != 0 && r.datum_bis != 0 && r.datum_bis < r.datum_von) {
        return InvalidArgumentError("bis lies before von");
    }
    r.erstellt_von = req.Query("erstellt_von").value_or("");
    r.mime_type = req.Query("mime_type").value_or("");
    const std::string versionen = req.Query("versionen").value_or("aktuell");
    if (versionen != "aktuell" && versionen != "alle") {
        return InvalidArgumentError("versionen must be aktuell or alle");
    }
    r.alle_versionen = versionen == "alle";
    const std::string sort = req.Query("sortierung").value_or("relevanz");
    if (sort == "relevanz") {
        r.sortierung = indexing::SortOrder::kRelevanz;
    } else if (sort == "datum") {
        r.sortierung = indexing::SortOrder::kDatumAbsteigend;
    } else if (sort == "datum_auf") {
        r.sortierung = indexing::SortOrder::kDatumAufsteigend;
    } else {
        return InvalidArgumentError("sortierung must be relevanz, datum or datum_auf");
    }
    if (auto limit = req.Query("limit")) {
        size_t n = 0;
        auto [ptr, ec] = std::from_chars(limit->data(), limit->data() + limit->size(), n);
        if (ec != std::errc() || ptr != limit->data() + limit->size() || n == 0 || n > 100) {
            return InvalidArgumentError("limit must be 1 to 100");
        }
        r.limit = n;
    }
    r.cursor = req.Query("cursor").value_or("");
    AKTENWERK_ASSIGN_OR_RETURN(r.facetten, BoolParam(req, "facetten", false));
    return r;
}

json HitJson(const indexing::SearchHit& h) {
    json j = {{"id", h.objekt_id},
              {"typ", h.typ},
              {"betreff", h.betreff},
              {"score", h.score},
              {"self", SelfOf(h.typ, h.objekt_id)}};
    if (!h.aktenzeichen.empty()) j["aktenzeichen"] = h.aktenzeichen;
    if (!h.kennzeichen.empty()) j["kennzeichen"] = h.kennzeichen;
    if (h.version > 0) {
        j["version"] = h.version;
        j["inhalt"] = "/api/v1/dokumente/" + h.objekt_id + "/versionen/" +
                      std::to_string(h.version) + "/inhalt";
    }
    if (!h.dateiname.empty()) j["dateiname"] = h.dateiname;
    if (!h.mime_type.empty()) j["mime_type"] = h.mime_type;
    j["zustand"] = h.zustand;
    if (h.typ == "dokument") j["extraktion"] = h.extraktion;
    if (!h.extraktion_grund.empty()) j["extraktion_grund"] = h.extraktion_grund;
    if (h.datum > 0) j["datum"] = DateText(h.datum);
    j["erstellt_am"] = dms::FormatTimestamp(h.erstellt_am);
    if (!h.snippet.empty()) j["snippet"] = h.snippet;
    if (h.seite > 0) j["seite"] = h.seite;
    return j;
}

json FacetsJson(dms::Repository& repo, const dms::Principal& p,
                const std::map<std::string, std::vector<indexing::FacetValue>>& facets) {
    json out = json::object();
    for (const auto& [name, values] : facets) {
        json list = json::array();
        for (const auto& v : values) {
            json item = {{"wert", v.wert}, {"anzahl", v.anzahl}};
            if (name == "hauptgruppe") {
                auto unit = repo.FindByKennzeichen(p, v.wert);
                if (unit.ok()) item["titel"] = unit->titel;
            }
            list.push_back(std::move(item));
        }
        out[name] = std::move(list);
    }
    return out;
}

}  // namespace

Result<json> RunSearch(const dms::SearchIndexer& search, dms::Repository& repo, const Request& req,
                       const dms::Principal& p) {
    AKTENWERK_ASSIGN_OR_RETURN(auto request, ParseRequest(repo, req, p));
    AKTENWERK_ASSIGN_OR_RETURN(auto result, search.Search(p, std::move(request)));
    json hits = json::array();
    for (const auto& h : result.hits) hits.push_back(HitJson(h));
    json body = {{"anzahl", result.total}, {"treffer", std::move(hits)}};
    body["naechster_cursor"] =
        result.next_cursor.empty() ? json(nullptr) : json(result.next_cursor);
    if (!result.facets.empty()) body["facetten"] = FacetsJson(repo, p, result.facets);
    return body;
}

std::string SearchMetrics(const dms::SearchIndexer& search) {
    const dms::IndexerStats st = search.stats();
    std::string out;
    auto metric = [&out](const char* name, const char* type, const char* help, uint64_t value) {
        out += std::string("# HELP ") + name + " " + help + "\n# TYPE " + name + " " + type + "\n" +
               name + " " + std::to_string(value) + "\n";
    };
    metric("aktenwerk_index_lag", "gauge",
           "Outbox entries committed to storage but not yet in the search index.", st.lag);
    metric("aktenwerk_index_documents", "gauge", "Entries in the search index.", st.documents);
    metric("aktenwerk_index_bytes", "gauge", "Size of the search index on disk.", st.index_bytes);
    metric("aktenwerk_ocr_queue", "gauge", "Documents waiting for or in OCR.",
           st.ocr_queued + st.ocr_running);
    metric("aktenwerk_extraction_failures_total", "counter",
           "Versions whose text could not be extracted, since start.", st.extraction_failures);
    metric("aktenwerk_index_batches_total", "counter", "Index batches committed, since start.",
           st.batches);
    metric("aktenwerk_outbox_written_total", "counter",
           "Position of the newest outbox entry (rate(): changes committed per second).",
           st.outbox_head);
    metric("aktenwerk_index_applied_total", "counter",
           "Position of the newest outbox entry in the index (rate(): the index rate).",
           st.applied_position);
    return out;
}

}  // namespace aktenwerk::interfaces
