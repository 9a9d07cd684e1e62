// Wiedervorlage handlers. Each parses its input, calls the Wiedervorlage service with the
// caller's principal and renders the result; errors go through Problem() like every route.
#include "interfaces/wiedervorlage_api.h"

#include "interfaces/rest_support.h"

namespace aktenwerk::interfaces {
namespace {

using nlohmann::json;

// The answer form of a reminder: the stored fields, its own link and whether it is overdue
// on the server's today (the browser's clock may be wrong or in another zone).
json Rendered(const dms::Wiedervorlage& w, const dms::CivilDate& heute) {
    json j = dms::ToJson(w);
    j["self"] = "/api/v1/wiedervorlagen/" + w.id;
    j["ueberfaellig"] = !w.erledigt && w.datum < heute;
    return j;
}

json RenderedList(const std::vector<dms::Wiedervorlage>& list, const dms::CivilDate& heute) {
    json items = json::array();
    for (const auto& w : list) items.push_back(Rendered(w, heute));
    return items;
}

// Reads the body of a new reminder: "datum" (required), "fuer" and "notiz" (optional).
Result<dms::WiedervorlageAntrag> ParseAntrag(const Request& req, size_t limit) {
    AKTENWERK_ASSIGN_OR_RETURN(auto text, req.ReadBody(limit));
    AKTENWERK_ASSIGN_OR_RETURN(auto body, ParseJson(text));
    if (!body.is_object()) return InvalidArgumentError("the body must be a JSON object");
    dms::WiedervorlageAntrag antrag;
    for (const char* key : {"datum", "fuer", "notiz"}) {
        auto it = body.find(key);
        if (it != body.end() && !it->is_null() && !it->is_string()) {
            return InvalidArgumentError("field '" + std::string(key) + "' must be a string");
        }
    }
    auto text_of = [&](const char* key) {
        auto it = body.find(key);
        return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
    };
    auto datum = dms::CivilDate::Parse(text_of("datum"));
    if (!datum) return InvalidArgumentError("field 'datum' must be a date YYYY-MM-DD");
    antrag.datum = *datum;
    antrag.fuer = text_of("fuer");
    antrag.notiz = text_of("notiz");
    return antrag;
}

}  // namespace

WiedervorlageApi::WiedervorlageApi(dms::Repository* repo, size_t json_limit)
    : repo_(repo), service_(repo), json_limit_(json_limit) {
    Add("POST", "/api/v1/objekte/{id}/wiedervorlagen", &WiedervorlageApi::Create);
    Add("GET", "/api/v1/objekte/{id}/wiedervorlagen", &WiedervorlageApi::ListForObjekt);
    Add("GET", "/api/v1/wiedervorlagen", &WiedervorlageApi::Faellige);
    Add("GET", "/api/v1/wiedervorlagen/{id}", &WiedervorlageApi::Get);
    Add("POST", "/api/v1/wiedervorlagen/{id}/erledigt", &WiedervorlageApi::Erledigen);
    Add("DELETE", "/api/v1/wiedervorlagen/{id}", &WiedervorlageApi::Remove);
}

void WiedervorlageApi::Add(std::string method, std::string pattern, Handler h) {
    routes_.push_back({method, pattern});
    handlers_[{std::move(method), std::move(pattern)}] = h;
}

Response WiedervorlageApi::Handle(const std::string& method, const std::string& pattern,
                                  Request& req, const dms::Principal& p,
                                  const std::vector<std::string>& params) {
    auto it = handlers_.find({method, pattern});
    if (it == handlers_.end()) return Problem(404, "not-found", "no such resource", req);
    Ctx c{req, p, params};
    return (this->*(it->second))(c);
}

Response WiedervorlageApi::Create(Ctx& c) {
    auto antrag = ParseAntrag(c.req, json_limit_);
    if (!antrag.ok()) return Problem(antrag.status(), c.req);
    auto w = service_.Set(c.p, c.id(), *antrag);
    if (!w.ok()) return Problem(w.status(), c.req);
    Response res = JsonResponse(201, Rendered(*w, repo_->clock().Today()));
    res.SetHeader("Location", "/api/v1/wiedervorlagen/" + w->id);
    return res;
}

Response WiedervorlageApi::ListForObjekt(Ctx& c) {
    auto list = service_.ForObjekt(c.p, c.id());
    if (!list.ok()) return Problem(list.status(), c.req);
    return JsonResponse(200, {{"wiedervorlagen", RenderedList(*list, repo_->clock().Today())}});
}

Response WiedervorlageApi::Faellige(Ctx& c) {
    const dms::CivilDate heute = repo_->clock().Today();
    dms::CivilDate bis = heute;
    if (auto text = c.req.Query("bis")) {
        auto parsed = dms::CivilDate::Parse(*text);
        if (!parsed) {
            return Problem(InvalidArgumentError("parameter 'bis' must be a date YYYY-MM-DD"),
                           c.req);
        }
        bis = *parsed;
    }
    auto list = service_.Faellig(c.p, bis, 1000);
    if (!list.ok()) return Problem(list.status(), c.req);
    return JsonResponse(200, {{"bis", bis.ToString()},
                              {"heute", heute.ToString()},
                              {"wiedervorlagen", RenderedList(*list, heute)}});
}

Response WiedervorlageApi::Get(Ctx& c) {
    auto w = service_.Get(c.p, c.id());
    if (!w.ok()) return Problem(w.status(), c.req);
    return JsonResponse(200, Rendered(*w, repo_->clock().Today()));
}

Response WiedervorlageApi::Erledigen(Ctx& c) {
    auto w = service_.Erledigen(c.p, c.id());
    if (!w.ok()) return Problem(w.status(), c.req);
    return JsonResponse(200, Rendered(*w, repo_->clock().Today()));
}

Response WiedervorlageApi::Remove(Ctx& c) {
    Status removed = service_.Remove(c.p, c.id());
    if (!removed.ok()) return Problem(removed, c.req);
    Response res;
    res.status = 204;
    return res;
}

}  // namespace aktenwerk::interfaces
