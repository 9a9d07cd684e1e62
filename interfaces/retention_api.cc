// Retention handlers. Each parses its input, calls the retention or records service with the
// caller's principal and renders the result; errors go through Problem() like every route.
#include "interfaces/retention_api.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <charconv>

#include "dms/destruction.h"
#include "dms/validation.h"
#include "interfaces/rest_support.h"
#include "retention/aktenplan_austausch.h"

namespace aktenwerk::interfaces {
namespace {

using dms::Kind;
using nlohmann::json;

std::optional<uint64_t> ParseNumber(std::string_view text) {
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

std::string StringField(const json& body, const char* key) {
    auto it = body.find(key);
    return it != body.end() && it->is_string() ? it->get<std::string>() : std::string();
}

Status ExpectStrings(const json& body, std::initializer_list<const char*> keys) {
    if (!body.is_object()) return InvalidArgumentError("the body must be a JSON object");
    for (const char* key : keys) {
        auto it = body.find(key);
        if (it != body.end() && !it->is_null() && !it->is_string()) {
            return InvalidArgumentError("field '" + std::string(key) + "' must be a string");
        }
    }
    return Status::Ok();
}

// A file of the process as the answer, streamed (and sent with sendfile where possible).
Response FileResponse(const std::string& path, const std::string& content_type,
                      const std::string& name, const Request& req) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return Problem(ErrnoError("open " + path, errno), req);
    struct stat st {};
    if (::fstat(fd, &st) != 0) {
        ::close(fd);
        return Problem(ErrnoError("stat " + path, errno), req);
    }
    auto owner = std::shared_ptr<int>(new int(fd), [](int* f) {
        ::close(*f);
        delete f;
    });
    Response res;
    res.SetHeader("Content-Type", content_type);
    res.SetHeader("Content-Disposition", "attachment; filename=\"" + name + "\"");
    res.SetHeader("Cache-Control", "no-store");
    res.SetHeader("X-Content-Type-Options", "nosniff");
    const uint64_t size = static_cast<uint64_t>(st.st_size);
    res.content_length = size;
    uint64_t offset = 0;
    res.producer = [owner, offset](char* buf, size_t n) mutable -> Result<size_t> {
        ssize_t got = ::pread(*owner, buf, n, static_cast<off_t>(offset));
        if (got < 0) return ErrnoError("read", errno);
        offset += static_cast<uint64_t>(got);
        return static_cast<size_t>(got);
    };
    res.file = FileRange{fd, 0, owner};
    return res;
}

json AussonderungJson(const retention::Aussonderung& a) {
    json j = retention::ToJson(a);
    j["self"] = "/api/v1/aussonderungen/" + a.id;
    for (auto& n : j["nachrichten"]) {
        n["download"] =
            "/api/v1/aussonderungen/" + a.id + "/nachrichten/" + n["code"].get<std::string>();
    }
    return j;
}

}  // namespace

RetentionApi::RetentionApi(dms::Repository* repo, retention::Retention* retention,
                           size_t json_limit, size_t message_limit)
    : repo_(repo), retention_(retention), json_limit_(json_limit), message_limit_(message_limit) {
    Add("GET", "/api/v1/sperren", &RetentionApi::ListSperren);
    Add("POST", "/api/v1/sperren", &RetentionApi::CreateSperre);
    Add("GET", "/api/v1/sperren/{id}", &RetentionApi::GetSperre);
    Add("POST", "/api/v1/sperren/{id}/aufheben", &RetentionApi::ReleaseSperre);

    for (const std::string base : {"/api/v1/aktenplan/einheiten/{id}", "/api/v1/akten/{id}"}) {
        Add("GET", base + "/aufbewahrung", &RetentionApi::GetAufbewahrung);
        Add("PUT", base + "/aufbewahrung", &RetentionApi::PutAufbewahrung);
        Add("DELETE", base + "/aufbewahrung", &RetentionApi::DeleteAufbewahrung);
    }
    Add("GET", "/api/v1/vorgaenge/{id}/aufbewahrung", &RetentionApi::GetAufbewahrung);
    Add("GET", "/api/v1/aktenplan/einheiten/{id}/faellig", &RetentionApi::Faellige);
    Add("GET", "/api/v1/aktenplan/einheiten/{id}/ausgesondert", &RetentionApi::ListStubs);
    Add("GET", "/api/v1/ausgesondert/{id}", &RetentionApi::GetStub);
    for (const std::string base : {"/api/v1/aktenplan/einheiten/{id}", "/api/v1/akten/{id}",
                                   "/api/v1/vorgaenge/{id}", "/api/v1/dokumente/{id}"}) {
        Add("DELETE", base, &RetentionApi::DeleteObjekt);
    }
    Add("GET", "/api/v1/aktenplan/export", &RetentionApi::ExportAktenplan);
    Add("POST", "/api/v1/xdomea", &RetentionApi::XdomeaNachricht);
    Add("GET", "/api/v1/xdomea/objekte/{schluessel}", &RetentionApi::XdomeaObjekt);

    Add("GET", "/api/v1/aussonderungen", &RetentionApi::ListAussonderungen);
    Add("POST", "/api/v1/aussonderungen", &RetentionApi::CreateAussonderung);
    Add("GET", "/api/v1/aussonderungen/{id}", &RetentionApi::GetAussonderung);
    Add("GET", "/api/v1/aussonderungen/{id}/objekte", &RetentionApi::ListObjekte);
    Add("POST", "/api/v1/aussonderungen/{id}/vorschlaege", &RetentionApi::SetVorschlaege);
    Add("POST", "/api/v1/aussonderungen/{id}/anbieten", &RetentionApi::Anbieten);
    Add("POST", "/api/v1/aussonderungen/{id}/nachrichten", &RetentionApi::Empfangen);
    Add("GET", "/api/v1/aussonderungen/{id}/nachrichten/{typ}", &RetentionApi::Nachricht);
    Add("POST", "/api/v1/aussonderungen/{id}/abgeben", &RetentionApi::Abgeben);
    Add("POST", "/api/v1/aussonderungen/{id}/freigeben", &RetentionApi::Freigeben);
    Add("POST", "/api/v1/aussonderungen/{id}/vernichten", &RetentionApi::Vernichten);
    Add("POST", "/api/v1/aussonderungen/{id}/abbrechen", &RetentionApi::Abbrechen);
    Add("GET", "/api/v1/aussonderungen/{id}/vernichtungsprotokolle/{nummer}",
        &RetentionApi::Protokoll);
}

void RetentionApi::Add(std::string method, std::string pattern, Handler h) {
    routes_.push_back({method, pattern});
    handlers_[{std::move(method), std::move(pattern)}] = h;
}

std::vector<RetentionRouteInfo> RetentionApi::Routes() const { return routes_; }

Response RetentionApi::Handle(const std::string& method, const std::string& pattern, Request& req,
                              const dms::Principal& p, const std::vector<std::string>& params) {
    auto it = handlers_.find({method, pattern});
    if (it == handlers_.end()) return Problem(404, "not-found", "no such resource", req);
    Ctx c{req, p, params, pattern};
    return (this->*(it->second))(c);
}

Result<json> RetentionApi::Body(Request& req, bool allow_empty) {
    AKTENWERK_ASSIGN_OR_RETURN(auto text, req.ReadBody(json_limit_));
    if (text.empty() && allow_empty) return json::object();
    AKTENWERK_ASSIGN_OR_RETURN(auto body, ParseJson(text));
    if (!body.is_object()) return InvalidArgumentError("the body must be a JSON object");
    return body;
}

Result<dms::Objekt> RetentionApi::Typed(const std::string& pattern, const dms::Principal& p,
                                        const std::string& id) {
    AKTENWERK_ASSIGN_OR_RETURN(auto o, repo_->Get(p, id));
    std::optional<Kind> kind;
    if (pattern.rfind("/api/v1/aktenplan/einheiten/{", 0) == 0) kind = Kind::kAktenplaneinheit;
    if (pattern.rfind("/api/v1/akten/{", 0) == 0) kind = Kind::kAkte;
    if (pattern.rfind("/api/v1/vorgaenge/{", 0) == 0) kind = Kind::kVorgang;
    if (pattern.rfind("/api/v1/dokumente/{", 0) == 0) kind = Kind::kDokument;
    if (kind && o.kind != *kind) {
        return NotFoundError("no " + std::string(dms::KindName(*kind)) + " with id " + id);
    }
    return o;
}

// --- Holds ------------------------------------------------------------------------------------

Response RetentionApi::ListSperren(Ctx& c) {
    Result<std::vector<dms::Sperre>> list = InternalError("not run");
    if (auto fuer = c.req.Query("wirksam_fuer")) {
        list = retention_->sperren().Wirksam(c.p, *fuer);
    } else {
        const bool alle = c.req.Query("alle") == "true";
        list = retention_->sperren().List(c.p, !alle, c.req.Query("objekt_id"), 10'000);
    }
    if (!list.ok()) return Problem(list.status(), c.req);
    json items = json::array();
    for (const auto& s : *list) items.push_back(dms::ToJson(s));
    return JsonResponse(200, {{"sperren", std::move(items)}});
}

Response RetentionApi::CreateSperre(Ctx& c) {
    auto body = Body(c.req, false);
    if (!body.ok()) return Problem(body.status(), c.req);
    Status types =
        ExpectStrings(*body, {"objekt_id", "grund", "anordnende_stelle", "aktenzeichen_anordnung"});
    if (!types.ok()) return Problem(types, c.req);
    const std::string objekt = StringField(*body, "objekt_id");
    if (objekt.empty()) return Problem(InvalidArgumentError("objekt_id is required"), c.req);
    auto s = retention_->sperren().Place(
        c.p, objekt,
        {StringField(*body, "grund"), StringField(*body, "anordnende_stelle"),
         StringField(*body, "aktenzeichen_anordnung")});
    if (!s.ok()) return Problem(s.status(), c.req);
    Response res = JsonResponse(201, dms::ToJson(*s));
    res.SetHeader("Location", "/api/v1/sperren/" + s->id);
    return res;
}

Response RetentionApi::GetSperre(Ctx& c) {
    auto s = retention_->sperren().Get(c.p, c.id());
    if (!s.ok()) return Problem(s.status(), c.req);
    return JsonResponse(200, dms::ToJson(*s));
}

Response RetentionApi::ReleaseSperre(Ctx& c) {
    auto body = Body(c.req, false);
    if (!body.ok()) return Problem(body.status(), c.req);
    Status types = ExpectStrings(*body, {"grund"});
    if (!types.ok()) return Problem(types, c.req);
    auto s = retention_->sperren().Release(c.p, c.id(), StringField(*body, "grund"));
    if (!s.ok()) return Problem(s.status(), c.req);
    return JsonResponse(200, dms::ToJson(*s));
}

// --- Rules and due dates ----------------------------------------------------------------------

Response RetentionApi::GetAufbewahrung(Ctx& c) {
    auto o = Typed(c.pattern, c.p, c.id());
    if (!o.ok()) return Problem(o.status(), c.req);
    auto a = retention_->regeln().Get(c.p, c.id());
    if (!a.ok()) return Problem(a.status(), c.req);
    return JsonResponse(200, retention::ToJson(*a));
}

Response RetentionApi::PutAufbewahrung(Ctx& c) {
    auto o = Typed(c.pattern, c.p, c.id());
    if (!o.ok()) return Problem(o.status(), c.req);
    auto body = Body(c.req, false);
    if (!body.ok()) return Problem(body.status(), c.req);
    Status types = ExpectStrings(*body, {"grund"});
    if (!types.ok()) return Problem(types, c.req);
    auto regel = retention::RegelFromJson(*body);
    if (!regel.ok()) return Problem(regel.status(), c.req);
    auto a = retention_->regeln().SetRegel(c.p, c.id(), *regel, StringField(*body, "grund"));
    if (!a.ok()) return Problem(a.status(), c.req);
    return JsonResponse(200, retention::ToJson(*a));
}

Response RetentionApi::DeleteAufbewahrung(Ctx& c) {
    auto o = Typed(c.pattern, c.p, c.id());
    if (!o.ok()) return Problem(o.status(), c.req);
    auto a = retention_->regeln().ClearRegel(c.p, c.id(), c.req.Query("grund").value_or(""));
    if (!a.ok()) return Problem(a.status(), c.req);
    return JsonResponse(200, retention::ToJson(*a));
}

Response RetentionApi::Faellige(Ctx& c) {
    auto o = Typed(c.pattern, c.p, c.id());
    if (!o.ok()) return Problem(o.status(), c.req);
    dms::CivilDate stichtag = repo_->clock().Today();
    if (auto s = c.req.Query("stichtag")) {
        auto parsed = dms::CivilDate::Parse(*s);
        if (!parsed) {
            return Problem(InvalidArgumentError("stichtag must be a date YYYY-MM-DD that exists"),
                           c.req);
        }
        stichtag = *parsed;
    }
    size_t limit = 1000;
    if (auto l = c.req.Query("limit")) {
        auto n = ParseNumber(*l);
        if (!n || *n == 0 || *n > 10'000) {
            return Problem(InvalidArgumentError("limit must be 1 to 10000"), c.req);
        }
        limit = *n;
    }
    auto due = retention_->regeln().Faellige(c.p, c.id(), stichtag, limit);
    if (!due.ok()) return Problem(due.status(), c.req);
    json items = json::array();
    for (const auto& f : *due) items.push_back(retention::ToJson(f));
    return JsonResponse(200, {{"stichtag", stichtag.ToString()}, {"faellig", std::move(items)}});
}

// --- Deletion and stubs -----------------------------------------------------------------------

Response RetentionApi::DeleteObjekt(Ctx& c) {
    auto o = Typed(c.pattern, c.p, c.id());
    if (!o.ok()) return Problem(o.status(), c.req);
    auto bericht = repo_->Delete(c.p, c.id(), c.req.Query("grund").value_or(""));
    if (!bericht.ok()) return Problem(bericht.status(), c.req);
    return JsonResponse(200, dms::ToJson(*bericht));
}

Response RetentionApi::GetStub(Ctx& c) {
    auto stub = repo_->GetStub(c.p, c.id());
    if (!stub.ok()) return Problem(stub.status(), c.req);
    return JsonResponse(200, dms::ToJson(*stub));
}

Response RetentionApi::ListStubs(Ctx& c) {
    auto o = Typed(c.pattern, c.p, c.id());
    if (!o.ok()) return Problem(o.status(), c.req);
    auto stubs = repo_->Stubs(c.p, c.id(), 10'000);
    if (!stubs.ok()) return Problem(stubs.status(), c.req);
    json items = json::array();
    for (const auto& s : *stubs) items.push_back(dms::ToJson(s));
    return JsonResponse(200, {{"ausgesondert", std::move(items)}});
}

Response RetentionApi::ExportAktenplan(Ctx& c) {
    const std::string format = c.req.Query("format").value_or("");
    Result<std::string> text = InternalError("not run");
    Response res;
    if (format == "csv") {
        text = retention_->aktenplan().ExportCsv(c.p);
        res.SetHeader("Content-Type", "text/csv; charset=utf-8");
        res.SetHeader("Content-Disposition", "attachment; filename=\"aktenplan.csv\"");
    } else if (format == "xdomea") {
        text = retention_->aktenplan().Export0301(c.p);
        res.SetHeader("Content-Type", "application/xml; charset=utf-8");
        res.SetHeader("Content-Disposition",
                      "attachment; filename=\"Aktenplan.Aktenplan.0301.xml\"");
    } else {
        return Problem(InvalidArgumentError("format must be csv or xdomea"), c.req);
    }
    if (!text.ok()) return Problem(text.status(), c.req);
    res.SetHeader("Cache-Control", "no-store");
    res.body = std::move(text).value();
    return res;
}

// --- xdomea Fachverfahrensdaten --------------------------------------------------------------

// The answer is the 0630; when the message asked for a receipt, the 0629 comes first in a
// multipart/mixed body, so that one request gets both messages the standard defines.
Response RetentionApi::XdomeaNachricht(Ctx& c) {
    auto bytes = c.req.ReadBody(message_limit_);
    if (!bytes.ok()) return Problem(bytes.status(), c.req);
    auto antwort = retention_->fachverfahren().Verarbeiten(c.p, *bytes);
    if (!antwort.ok()) return Problem(antwort.status(), c.req);
    Response res;
    res.status = antwort->ausgang == retention::FvAusgang::kVerarbeitet  ? 200
                 : antwort->ausgang == retention::FvAusgang::kWiederholt ? 409
                                                                         : 400;
    res.SetHeader("Cache-Control", "no-store");
    res.SetHeader("X-Xdomea-ProzessID", antwort->prozess_id);
    if (antwort->empfang_bestaetigung.empty()) {
        res.SetHeader("Content-Type", "application/xml; charset=utf-8");
        res.body = std::move(antwort->import_bestaetigung);
        return res;
    }
    const std::string boundary = "xdomea-" + antwort->prozess_id;
    res.SetHeader("Content-Type", "multipart/mixed; boundary=" + boundary);
    for (const auto* part : {&antwort->empfang_bestaetigung, &antwort->import_bestaetigung}) {
        res.body += "--" + boundary + "\r\nContent-Type: application/xml; charset=utf-8\r\n\r\n" +
                    *part + "\r\n";
    }
    res.body += "--" + boundary + "--\r\n";
    return res;
}

Response RetentionApi::XdomeaObjekt(Ctx& c) {
    auto o = retention_->fachverfahren().FindBySchluessel(c.p, c.params.at(0));
    if (!o.ok()) return Problem(o.status(), c.req);
    return JsonResponse(200, dms::ToJson(*o));
}

// --- Aussonderung -----------------------------------------------------------------------------

Response RetentionApi::ListAussonderungen(Ctx& c) {
    auto list = retention_->aussonderungen().List(c.p);
    if (!list.ok()) return Problem(list.status(), c.req);
    json items = json::array();
    for (const auto& a : *list) items.push_back(AussonderungJson(a));
    return JsonResponse(200, {{"aussonderungen", std::move(items)}});
}

Response RetentionApi::CreateAussonderung(Ctx& c) {
    auto body = Body(c.req, false);
    if (!body.ok()) return Problem(body.status(), c.req);
    Status types = ExpectStrings(
        *body, {"einheit_id", "einheit_kennzeichen", "stichtag", "hinweis", "protokoll_akte_id"});
    if (!types.ok()) return Problem(types, c.req);
    retention::AussonderungsAntrag antrag;
    antrag.einheit_id = StringField(*body, "einheit_id");
    if (const std::string kz = StringField(*body, "einheit_kennzeichen"); !kz.empty()) {
        auto unit = repo_->FindByKennzeichen(c.p, kz);
        if (!unit.ok()) return Problem(unit.status(), c.req);
        antrag.einheit_id = unit->id;
    }
    if (antrag.einheit_id.empty()) antrag.einheit_id = std::string(dms::kRootId);
    if (const std::string s = StringField(*body, "stichtag"); !s.empty()) {
        antrag.stichtag = dms::CivilDate::Parse(s);
        if (!antrag.stichtag) {
            return Problem(InvalidArgumentError("stichtag must be a date YYYY-MM-DD that exists"),
                           c.req);
        }
    }
    for (const char* who : {"absender", "empfaenger"}) {
        auto it = body->find(who);
        if (it == body->end() || it->is_null()) continue;
        Status k = ExpectStrings(
            *it, {"praefix", "behoerdenschluessel", "institution", "organisationseinheit"});
        if (!k.ok()) return Problem(k.WithContext(who), c.req);
        retention::xdomea::Kontakt kontakt{
            StringField(*it, "praefix"), StringField(*it, "behoerdenschluessel"),
            StringField(*it, "institution"), StringField(*it, "organisationseinheit")};
        (std::string(who) == "absender" ? antrag.absender : antrag.empfaenger) = kontakt;
    }
    antrag.hinweis = StringField(*body, "hinweis");
    antrag.protokoll_akte_id = StringField(*body, "protokoll_akte_id");
    auto run = retention_->aussonderungen().Create(c.p, antrag);
    if (!run.ok()) return Problem(run.status(), c.req);
    Response res = JsonResponse(201, AussonderungJson(*run));
    res.SetHeader("Location", "/api/v1/aussonderungen/" + run->id);
    return res;
}

Response RetentionApi::GetAussonderung(Ctx& c) {
    auto run = retention_->aussonderungen().Get(c.p, c.id());
    if (!run.ok()) return Problem(run.status(), c.req);
    return JsonResponse(200, AussonderungJson(*run));
}

Response RetentionApi::ListObjekte(Ctx& c) {
    auto objekte = retention_->aussonderungen().Objekte(c.p, c.id());
    if (!objekte.ok()) return Problem(objekte.status(), c.req);
    json items = json::array();
    for (const auto& o : *objekte) items.push_back(retention::ToJson(o));
    return JsonResponse(200, {{"objekte", std::move(items)}});
}

Response RetentionApi::SetVorschlaege(Ctx& c) {
    auto body = Body(c.req, false);
    if (!body.ok()) return Problem(body.status(), c.req);
    std::map<std::string, char> vorschlaege;
    for (const auto& [id, art] : body->items()) {
        if (!art.is_string() || (art != "A" && art != "V")) {
            return Problem(InvalidArgumentError("the proposal for " + id + " must be A or V"),
                           c.req);
        }
        vorschlaege[id] = art.get<std::string>()[0];
    }
    auto run = retention_->aussonderungen().SetVorschlaege(c.p, c.id(), vorschlaege);
    if (!run.ok()) return Problem(run.status(), c.req);
    return JsonResponse(200, AussonderungJson(*run));
}

Response RetentionApi::Anbieten(Ctx& c) {
    auto run = retention_->aussonderungen().Anbieten(c.p, c.id());
    if (!run.ok()) return Problem(run.status(), c.req);
    return JsonResponse(200, AussonderungJson(*run));
}

Response RetentionApi::Empfangen(Ctx& c) {
    auto bytes = c.req.ReadBody(message_limit_);
    if (!bytes.ok()) return Problem(bytes.status(), c.req);
    auto run = retention_->aussonderungen().Empfangen(c.p, c.id(), *bytes);
    if (!run.ok()) return Problem(run.status(), c.req);
    return JsonResponse(200, AussonderungJson(*run));
}

Response RetentionApi::Nachricht(Ctx& c) {
    const std::string& code = c.params.at(1);
    if (code.size() != 4 || code.find_first_not_of("0123456789") != std::string::npos) {
        return Problem(NotFoundError("no message " + code), c.req);
    }
    auto path = retention_->aussonderungen().NachrichtDatei(c.p, c.id(), code);
    if (!path.ok()) return Problem(path.status(), c.req);
    const std::string name = path->substr(path->rfind('/') + 1);
    const bool zip = name.size() > 4 && name.substr(name.size() - 4) == ".zip";
    return FileResponse(*path, zip ? "application/zip" : "application/xml", name, c.req);
}

Response RetentionApi::Abgeben(Ctx& c) {
    auto run = retention_->aussonderungen().Abgeben(c.p, c.id());
    if (!run.ok()) return Problem(run.status(), c.req);
    return JsonResponse(200, AussonderungJson(*run));
}

Response RetentionApi::Freigeben(Ctx& c) {
    auto run = retention_->aussonderungen().Freigeben(c.p, c.id());
    if (!run.ok()) return Problem(run.status(), c.req);
    return JsonResponse(200, AussonderungJson(*run));
}

Response RetentionApi::Vernichten(Ctx& c) {
    auto result = retention_->aussonderungen().Vernichten(c.p, c.id());
    if (!result.ok()) return Problem(result.status(), c.req);
    json body = {{"aussonderung", AussonderungJson(result->aussonderung)},
                 {"entfernt", result->vernichtet},
                 {"offen", result->offen},
                 {"protokoll", result->protokoll.empty()
                                   ? json()
                                   : json("/api/v1/aussonderungen/" + result->aussonderung.id +
                                          "/vernichtungsprotokolle/" +
                                          std::to_string(result->aussonderung.protokolle.size()))}};
    return JsonResponse(200, body);
}

Response RetentionApi::Abbrechen(Ctx& c) {
    auto body = Body(c.req, false);
    if (!body.ok()) return Problem(body.status(), c.req);
    Status types = ExpectStrings(*body, {"grund"});
    if (!types.ok()) return Problem(types, c.req);
    auto run = retention_->aussonderungen().Abbrechen(c.p, c.id(), StringField(*body, "grund"));
    if (!run.ok()) return Problem(run.status(), c.req);
    return JsonResponse(200, AussonderungJson(*run));
}

Response RetentionApi::Protokoll(Ctx& c) {
    auto n = ParseNumber(c.params.at(1));
    if (!n || *n == 0) return Problem(NotFoundError("no protocol " + c.params.at(1)), c.req);
    auto path = retention_->aussonderungen().ProtokollDatei(c.p, c.id(), *n);
    if (!path.ok()) return Problem(path.status(), c.req);
    const std::string name = path->substr(path->rfind('/') + 1);
    // ?teil=signatur: the server's detached CMS over the protocol's bytes (issue #7).
    if (c.req.Query("teil").value_or("") == "signatur") {
        const std::string signature = *path + ".p7s";
        if (::access(signature.c_str(), F_OK) != 0) {
            return Problem(NotFoundError("Vernichtungsprotokoll " + name + " is not signed"),
                           c.req);
        }
        return FileResponse(signature, "application/pkcs7-signature", name + ".p7s", c.req);
    }
    return FileResponse(*path, "application/json; charset=utf-8", name, c.req);
}

}  // namespace aktenwerk::interfaces
