// The REST routes of the retention layer and of deletion: holds (/api/v1/sperren), retention
// rules and due dates on Aktenplaneinheiten, Akten and Vorgänge, the deletion of records
// under the records rules, stubs of removed records, the Aussonderung with its xdomea
// messages (/api/v1/aussonderungen), the Aktenplan export, and the xdomea endpoint of case
// systems (/api/v1/xdomea, Fachverfahrensdaten). RestApi authenticates and
// dispatches; this class answers.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dms/principal.h"
#include "dms/repository.h"
#include "interfaces/http_message.h"
#include "retention/retention.h"

namespace aktenwerk::interfaces {

struct RetentionRouteInfo {
    std::string method;
    std::string pattern;
};

// Thread-safe: handlers share no mutable state.
class RetentionApi {
  public:
    RetentionApi(dms::Repository* repo, retention::Retention* retention, size_t json_limit,
                 size_t message_limit);

    // The routes this class answers, all authenticated.
    std::vector<RetentionRouteInfo> Routes() const;

    // Answers a request matched to (method, pattern) with the caller and path parameters.
    Response Handle(const std::string& method, const std::string& pattern, Request& req,
                    const dms::Principal& p, const std::vector<std::string>& params);

  private:
    // One request being answered.
    struct Ctx {
        Request& req;
        const dms::Principal& p;
        const std::vector<std::string>& params;
        const std::string& pattern;
        const std::string& id() const { return params.at(0); }
    };
    using Handler = Response (RetentionApi::*)(Ctx&);
    void Add(std::string method, std::string pattern, Handler h);

    Response ListSperren(Ctx& c);
    Response CreateSperre(Ctx& c);
    Response GetSperre(Ctx& c);
    Response ReleaseSperre(Ctx& c);
    Response GetAufbewahrung(Ctx& c);
    Response PutAufbewahrung(Ctx& c);
    Response DeleteAufbewahrung(Ctx& c);
    Response Faellige(Ctx& c);
    Response DeleteObjekt(Ctx& c);
    Response GetStub(Ctx& c);
    Response ListStubs(Ctx& c);
    Response ListAussonderungen(Ctx& c);
    Response CreateAussonderung(Ctx& c);
    Response GetAussonderung(Ctx& c);
    Response ListObjekte(Ctx& c);
    Response SetVorschlaege(Ctx& c);
    Response Anbieten(Ctx& c);
    Response Empfangen(Ctx& c);
    Response Nachricht(Ctx& c);
    Response Abgeben(Ctx& c);
    Response Freigeben(Ctx& c);
    Response Vernichten(Ctx& c);
    Response Abbrechen(Ctx& c);
    Response Protokoll(Ctx& c);
    Response ExportAktenplan(Ctx& c);
    Response XdomeaNachricht(Ctx& c);
    Response XdomeaObjekt(Ctx& c);

    // The object of a typed route (/api/v1/akten/{id}/...), or kNotFound when it is of
    // another kind.
    Result<dms::Objekt> Typed(const std::string& pattern, const dms::Principal& p,
                              const std::string& id);
    Result<nlohmann::json> Body(Request& req, bool allow_empty);

    dms::Repository* repo_;
    retention::Retention* retention_;
    size_t json_limit_;
    size_t message_limit_;
    std::vector<RetentionRouteInfo> routes_;
    std::map<std::pair<std::string, std::string>, Handler> handlers_;
};

}  // namespace aktenwerk::interfaces
