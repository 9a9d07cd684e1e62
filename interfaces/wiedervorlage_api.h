// The REST routes of Wiedervorlagen (reminder dates): set and list them on an object
// (/api/v1/objekte/{id}/wiedervorlagen), the caller's due list (/api/v1/wiedervorlagen?bis=),
// mark one done and remove it. RestApi authenticates and dispatches; this class answers.
#pragma once

#include <map>
#include <string>
#include <utility>
#include <vector>

#include "dms/principal.h"
#include "dms/repository.h"
#include "dms/wiedervorlage.h"
#include "interfaces/http_message.h"

namespace aktenwerk::interfaces {

struct WiedervorlageRouteInfo {
    std::string method;
    std::string pattern;
};

// Thread-safe: handlers share no mutable state.
class WiedervorlageApi {
  public:
    // `repo` must outlive the API. `json_limit` bounds request bodies.
    WiedervorlageApi(dms::Repository* repo, size_t json_limit);

    // The routes this class answers, all authenticated.
    std::vector<WiedervorlageRouteInfo> Routes() const { return routes_; }

    // Answers a request matched to (method, pattern) with the caller and path parameters.
    Response Handle(const std::string& method, const std::string& pattern, Request& req,
                    const dms::Principal& p, const std::vector<std::string>& params);

  private:
    // One request being answered.
    struct Ctx {
        Request& req;
        const dms::Principal& p;
        const std::vector<std::string>& params;
        const std::string& id() const { return params.at(0); }
    };
    using Handler = Response (WiedervorlageApi::*)(Ctx&);
    void Add(std::string method, std::string pattern, Handler h);

    Response Create(Ctx& c);
    Response ListForObjekt(Ctx& c);
    Response Faellige(Ctx& c);
    Response Get(Ctx& c);
    Response Erledigen(Ctx& c);
    Response Remove(Ctx& c);

    dms::Repository* repo_;
    dms::WiedervorlageService service_;
    size_t json_limit_;
    std::vector<WiedervorlageRouteInfo> routes_;
    std::map<std::pair<std::string, std::string>, Handler> handlers_;
};

}  // namespace aktenwerk::interfaces
