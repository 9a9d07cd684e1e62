// Handlers of the integrity routes: translate between HTTP and dms::IntegrityService.
#include "interfaces/integrity_api.h"

#include <charconv>

#include <nlohmann/json.hpp>

#include "interfaces/rest_support.h"
#include "storage/log.h"

namespace aktenwerk::interfaces {
namespace {

using nlohmann::json;

constexpr std::string_view kVersion = "/api/v1/dokumente/{id}/versionen/{nummer}";
constexpr size_t kSignatureLimit = 1 << 20;  // a CMS signature with its chain is a few KB

std::optional<uint64_t> Number(std::string_view text) {
    uint64_t v = 0;
    auto [ptr, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
    if (ec != std::errc() || ptr != text.data() + text.size() || text.empty()) return std::nullopt;
    return v;
}

Result<uint32_t> VersionNummer(const std::vector<std::string>& params) {
    auto n = Number(params.at(1));
    if (!n || *n == 0 || *n > UINT32_MAX) return NotFoundError("no version " + params.at(1));
    return static_cast<uint32_t>(*n);
}

}  // namespace

IntegrityApi::IntegrityApi(dms::Repository* repo, dms::IntegrityService* integrity)
    : repo_(repo), integrity_(integrity) {}

std::vector<IntegrityRouteInfo> IntegrityApi::Routes() {
    const std::string v(kVersion);
    return {{"POST", "/api/v1/integritaet/pruefung"},
            {"POST", "/api/v1/integritaet/siegel"},
            {"GET", "/api/v1/integritaet/zertifikat"},
            {"POST", v + "/signieren"},
            {"GET", v + "/signaturen"},
            {"POST", v + "/signaturen"},
            {"GET", v + "/signaturen/{index}"}};
}

void IntegrityApi::CheckUpload(const dms::Principal& p, const dms::Version& version) {
    auto checked = integrity_->CheckArrivedContent(p, version.dokument_id, version.nummer);
    if (!checked.ok()) {
        static const log::Logger logger("signing");
        logger.Warning("signature of an upload not checked",
                       "dokument=" + version.dokument_id +
                           " nummer=" + std::to_string(version.nummer) +
                           " error=" + log::Quote(checked.status().ToString()));
    }
}

Response IntegrityApi::Handle(const std::string& method, const std::string& pattern, Request& req,
                              const dms::Principal& p, const std::vector<std::string>& params) {
    if (pattern == "/api/v1/integritaet/pruefung") return Check(req, p);
    if (pattern == "/api/v1/integritaet/siegel") return Seal(req, p);
    if (pattern == "/api/v1/integritaet/zertifikat") return Certificate(req);
    if (pattern.ends_with("/signieren")) return Sign(req, p, params);
    if (pattern.ends_with("/signaturen")) {
        return method == "POST" ? Attach(req, p, params) : List(req, p, params);
    }
    return Download(req, p, params);
}

// The whole check runs in the request: it reads the live store through one snapshot per
// scan, so writes may go on meanwhile.
Response IntegrityApi::Check(Request& req, const dms::Principal& p) {
    if (!p.admin)
        return Problem(PermissionDeniedError("only administrators check the repository"), req);
    dms::VerifyOptions options;
    options.trust = &integrity_->trust();
    options.tsa_trust = &integrity_->tsa_trust();
    auto report = dms::VerifyRepository(repo_->metadata(), repo_->blobs(), options, nullptr);
    if (!report.ok()) return Problem(report.status(), req);
    return JsonResponse(200, dms::ToJson(*report));
}

Response IntegrityApi::Seal(Request& req, const dms::Principal& p) {
    if (!p.admin)
        return Problem(PermissionDeniedError("only administrators seal the audit trail"), req);
    auto seq = integrity_->SealAuditHead();
    if (!seq.ok()) return Problem(seq.status(), req);
    auto tree = integrity_->SealEvidence();
    if (!tree.ok()) return Problem(tree.status(), req);
    return JsonResponse(200, {{"seq", *seq}, {"evidenzbaum", *tree}});
}

Response IntegrityApi::Certificate(Request&) {
    Response res;
    res.SetHeader("Content-Type", "application/x-pem-file");
    res.body = integrity_->identity().CertificatePem();
    return res;
}

Response IntegrityApi::Sign(Request& req, const dms::Principal& p,
                            const std::vector<std::string>& params) {
    auto nummer = VersionNummer(params);
    if (!nummer.ok()) return Problem(nummer.status(), req);
    auto sig = integrity_->SignVersion(p, params.at(0), *nummer);
    if (!sig.ok()) return Problem(sig.status(), req);
    return JsonResponse(201, dms::ToJson(*sig));
}

Response IntegrityApi::Attach(Request& req, const dms::Principal& p,
                              const std::vector<std::string>& params) {
    auto nummer = VersionNummer(params);
    if (!nummer.ok()) return Problem(nummer.status(), req);
    auto body = req.ReadBody(kSignatureLimit);
    if (!body.ok()) return Problem(body.status(), req);
    auto sig = integrity_->AttachSignature(p, params.at(0), *nummer, *body);
    if (!sig.ok()) return Problem(sig.status(), req);
    return JsonResponse(201, dms::ToJson(*sig));
}

Response IntegrityApi::List(Request& req, const dms::Principal& p,
                            const std::vector<std::string>& params) {
    auto nummer = VersionNummer(params);
    if (!nummer.ok()) return Problem(nummer.status(), req);
    auto sigs = integrity_->Signatures(p, params.at(0), *nummer);
    if (!sigs.ok()) return Problem(sigs.status(), req);
    json list = json::array();
    for (const auto& s : *sigs) list.push_back(dms::ToJson(s));
    return JsonResponse(200, {{"signaturen", std::move(list)}});
}

Response IntegrityApi::Download(Request& req, const dms::Principal& p,
                                const std::vector<std::string>& params) {
    auto nummer = VersionNummer(params);
    if (!nummer.ok()) return Problem(nummer.status(), req);
    auto index = Number(params.at(2));
    auto sigs = integrity_->Signatures(p, params.at(0), *nummer);
    if (!sigs.ok()) return Problem(sigs.status(), req);
    for (const auto& s : *sigs) {
        if (!index || s.index != *index) continue;
        Response res;
        const bool token = req.Query("teil").value_or("") == "zeitstempel";
        if (token && s.zeitstempel.empty()) break;
        res.SetHeader("Content-Type",
                      token ? "application/octet-stream" : "application/pkcs7-signature");
        res.SetHeader("Content-Disposition",
                      "attachment; filename=\"" + s.dokument_id + "-" + std::to_string(s.nummer) +
                          "-" + std::to_string(s.index) + (token ? ".tst\"" : ".p7s\""));
        res.body = token ? s.zeitstempel : s.cms;
        return res;
    }
    return Problem(NotFoundError("no signature " + params.at(2)), req);
}

}  // namespace aktenwerk::interfaces
