// The REST routes of integrity (issue #7): the repository check behind `aktenwerk verify
// --url`, sealing the audit head on demand, the server certificate, and the signatures of
// versions (sign on request, attach one that came with the document, list, download).
// RestApi authenticates and dispatches; this class answers.
#pragma once

#include <string>
#include <vector>

#include "dms/integrity.h"
#include "dms/principal.h"
#include "dms/repository.h"
#include "interfaces/http_message.h"

namespace aktenwerk::interfaces {

struct IntegrityRouteInfo {
    std::string method;
    std::string pattern;
};

// Thread-safe: handlers share no mutable state.
class IntegrityApi {
  public:
    // Neither pointer is owned; both must outlive the API.
    IntegrityApi(dms::Repository* repo, dms::IntegrityService* integrity);

    // The routes this class answers, all authenticated. RestApi registers them always and
    // answers 503 while no IntegrityApi is set.
    static std::vector<IntegrityRouteInfo> Routes();

    // Answers a request matched to (method, pattern) with the caller and path parameters.
    Response Handle(const std::string& method, const std::string& pattern, Request& req,
                    const dms::Principal& p, const std::vector<std::string>& params);

    // After an upload: when the new version's content is itself an enveloping CMS signature
    // (a .p7m) or a signed PDF, checks its signatures and records the results with the
    // version. Failures are logged; the upload stands either way.
    void CheckUpload(const dms::Principal& p, const dms::Version& version);

  private:
    Response Check(Request& req, const dms::Principal& p);
    Response Seal(Request& req, const dms::Principal& p);
    Response Certificate(Request& req);
    Response Sign(Request& req, const dms::Principal& p, const std::vector<std::string>& params);
    Response Attach(Request& req, const dms::Principal& p, const std::vector<std::string>& params);
    Response List(Request& req, const dms::Principal& p, const std::vector<std::string>& params);
    Response Download(Request& req, const dms::Principal& p,
                      const std::vector<std::string>& params);

    dms::Repository* repo_;
    dms::IntegrityService* integrity_;
};

}  // namespace aktenwerk::interfaces
