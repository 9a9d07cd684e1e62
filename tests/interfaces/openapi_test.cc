// Checks that the OpenAPI document describes exactly the REST API's route table, and that
// answers of the real handlers use statuses and fields the document names.
#include "interfaces/rest_api.h"

#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include <gtest/gtest.h>
#include <nlohmann/json.hpp>

#include "dms/clock.h"
#include "dms/principal.h"
#include "dms/repository.h"
#include "tests/support/status_testing.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::interfaces {
namespace {

using nlohmann::json;
using Headers = std::vector<std::pair<std::string, std::string>>;

const std::set<std::string> kHttpMethods = {"get",     "put",  "post",  "delete",
                                            "options", "head", "patch", "trace"};

// A request body held in memory.
class StringBodyReader final : public BodyReader {
  public:
    explicit StringBodyReader(std::string body) : body_(std::move(body)) {}

    Result<size_t> Read(char* buf, size_t n) override {
        size_t count = std::min(n, body_.size() - pos_);
        std::memcpy(buf, body_.data() + pos_, count);
        pos_ += count;
        return count;
    }
    std::optional<uint64_t> content_length() const override { return body_.size(); }

  private:
    std::string body_;
    size_t pos_ = 0;
};

std::string Base64(std::string_view in) {
    static constexpr char kAlphabet[] =
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
    std::string out;
    for (size_t i = 0; i < in.size(); i += 3) {
        uint32_t chunk = 0;
        for (size_t k = 0; k < 3; ++k) {
            chunk <<= 8;
            if (i + k < in.size()) chunk |= static_cast<unsigned char>(in[i + k]);
        }
        for (size_t k = 0; k < 4; ++k) {
            out += i + k <= in.size() ? kAlphabet[(chunk >> (18 - 6 * k)) & 63] : '=';
        }
    }
    return out;
}

std::string BasicAuth(std::string_view user, std::string_view password) {
    return "Basic " + Base64(std::string(user) + ":" + std::string(password));
}

std::string Lower(std::string text) {
    for (char& c : text) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return text;
}

std::string Upper(std::string text) {
    for (char& c : text) c = static_cast<char>(std::toupper(static_cast<unsigned char>(c)));
    return text;
}

// The names inside `{...}` of a route pattern, e.g. {"id", "nummer"}.
std::set<std::string> PatternParams(const std::string& pattern) {
    std::set<std::string> names;
    for (size_t open = pattern.find('{'); open != std::string::npos;
         open = pattern.find('{', open + 1)) {
        names.insert(pattern.substr(open + 1, pattern.find('}', open) - open - 1));
    }
    return names;
}

// A path that the pattern matches: "x" for ids, "1" for version numbers.
std::string ConcretePath(std::string pattern) {
    static const std::vector<std::pair<std::string, std::string>> kValues = {{"{id}", "x"},
                                                                             {"{nummer}", "1"}};
    for (const auto& [param, value] : kValues) {
        for (size_t at = pattern.find(param); at != std::string::npos; at = pattern.find(param)) {
            pattern.replace(at, param.size(), value);
        }
    }
    return pattern;
}

std::string HeaderOf(const Response& res, const std::string& name) {
    for (const auto& [key, value] : res.headers) {
        if (Lower(key) == Lower(name)) return value;
    }
    return {};
}

// The whole body, draining a streaming producer.
std::string BodyOf(const Response& res) {
    if (!res.producer) return res.body;
    std::string out;
    char buf[4096];
    for (uint64_t left = res.content_length; left > 0;) {
        // Like the HTTP server, never ask for more than is left: producers do not stop by
        // themselves at the end of a range.
        auto n = res.producer(buf, static_cast<size_t>(std::min<uint64_t>(left, sizeof(buf))));
        if (!n.ok() || *n == 0) break;
        out.append(buf, *n);
        left -= std::min<uint64_t>(left, *n);
    }
    return out;
}

std::set<std::string> SplitList(const std::string& text) {
    std::set<std::string> items;
    size_t start = 0;
    while (start <= text.size()) {
        size_t comma = text.find(',', start);
        std::string item = text.substr(start, comma - start);
        item.erase(0, item.find_first_not_of(' '));
        item.erase(item.find_last_not_of(' ') + 1);
        if (!item.empty()) items.insert(item);
        if (comma == std::string::npos) break;
        start = comma + 1;
    }
    return items;
}

class OpenApiTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto repo = dms::Repository::Open(dir_.Sub("data"), dms::RepositoryOptions{}, &clock_);
        AKTENWERK_ASSERT_OK(repo.status());
        repo_ = std::move(repo).value();
        api_ = std::make_unique<RestApi>(repo_.get(), RestApiOptions{});
        doc_ = json::parse(RestApi::OpenApiDocument(), nullptr, /*allow_exceptions=*/false);
        ASSERT_FALSE(doc_.is_discarded()) << "the OpenAPI document is not valid JSON";
    }

    // Sends one request through RestApi::Handle, as the HTTP server would.
    Response Send(const std::string& method, const std::string& target, Headers headers = {},
                  std::string body = "") {
        StringBodyReader reader(std::move(body));
        Request req;
        req.method = method;
        req.target = target;
        AKTENWERK_EXPECT_OK(ParseTarget(target, &req.path, &req.query));
        for (auto& [name, value] : headers) req.headers[name] = value;
        req.remote = "127.0.0.1";
        req.request_id = "test-" + std::to_string(++requests_);
        req.body = &reader;
        return api_->Handle(req);
    }

    // Creates the administrator "admin" and the plain user "leser". Password hashing is slow
    // on purpose, so only the tests that need credentials call this.
    void CreateUsers() {
        AKTENWERK_ASSERT_OK(
            repo_->users().Create(dms::Principal::System(), "admin", "admin-passwort", true));
        AKTENWERK_ASSERT_OK(
            repo_->users().Create(dms::Principal::System(), "leser", "leser-passwort", false));
    }
    Headers Admin(Headers more = {}) {
        more.emplace_back("Authorization", BasicAuth("admin", "admin-passwort"));
        return more;
    }

    // The operation documented for a route, or nullptr.
    const json* Operation(const std::string& pattern, const std::string& method) const {
        const json& paths = doc_.at("paths");
        auto path = paths.find(pattern);
        if (path == paths.end()) return nullptr;
        auto op = path->find(Lower(method));
        return op == path->end() ? nullptr : &*op;
    }

    // Whether `status` is listed (not merely covered by `default`) for the route.
    bool Documents(const std::string& pattern, const std::string& method, int status) const {
        const json* op = Operation(pattern, method);
        return op && op->contains("responses") &&
               (*op)["responses"].contains(std::to_string(status));
    }

    // Follows a local "$ref".
    const json& Resolve(const json& node) const {
        if (!node.is_object() || !node.contains("$ref")) return node;
        std::string ref = node["$ref"];
        return doc_.at(json::json_pointer(ref.substr(1)));
    }

    // Properties and required fields of a component schema, with allOf merged.
    void CollectSchema(const json& schema, std::set<std::string>* props,
                       std::set<std::string>* required) const {
        const json& s = Resolve(schema);
        for (const auto& part : s.value("allOf", json::array())) {
            CollectSchema(part, props, required);
        }
        const json properties = s.value("properties", json::object());
        for (const auto& [name, ignored] : properties.items()) props->insert(name);
        for (const auto& name : s.value("required", json::array())) {
            required->insert(name.get<std::string>());
        }
    }

    // Every field of `value` is a property of the schema and every required one is there.
    void ExpectMatchesSchema(const json& value, const std::string& schema_name) const {
        SCOPED_TRACE("schema " + schema_name + ", value " + value.dump());
        std::set<std::string> props, required;
        CollectSchema(doc_.at("components").at("schemas").at(schema_name), &props, &required);
        ASSERT_TRUE(value.is_object());
        for (const auto& [name, ignored] : value.items()) {
            EXPECT_TRUE(props.count(name)) << "undocumented field " << name;
        }
        for (const auto& name : required) {
            EXPECT_TRUE(value.contains(name)) << "missing required field " << name;
        }
    }

    // Checks the status of an answer and that the route documents it.
    void ExpectAnswer(const Response& res, int status, const std::string& pattern,
                      const std::string& method) const {
        EXPECT_EQ(res.status, status) << res.body;
        EXPECT_TRUE(Documents(pattern, method, res.status))
            << method << " " << pattern << " does not document status " << res.status;
    }

    void ExpectProblem(const Response& res, const std::string& type) const {
        EXPECT_EQ(HeaderOf(res, "Content-Type").rfind("application/problem+json", 0), 0u);
        json body = json::parse(res.body, nullptr, false);
        ExpectMatchesSchema(body, "Problem");
        EXPECT_EQ(body.value("type", ""), "urn:aktenwerk:problem:" + type);
        EXPECT_EQ(body.value("status", 0), res.status);
    }

    test_support::TempDir dir_;
    dms::ManualClock clock_;
    std::unique_ptr<dms::Repository> repo_;
    std::unique_ptr<RestApi> api_;
    json doc_;
    int requests_ = 0;
};

TEST_F(OpenApiTest, DocumentIsOpenApi3WithPaths) {
    ASSERT_TRUE(doc_.is_object());
    EXPECT_EQ(doc_.value("openapi", "").rfind("3.", 0), 0u);
    EXPECT_TRUE(doc_["info"].contains("title"));
    EXPECT_TRUE(doc_["info"].contains("version"));
    ASSERT_TRUE(doc_["paths"].is_object());
}

TEST_F(OpenApiTest, EveryRouteIsDocumented) {
    for (const auto& route : api_->Routes()) {
        EXPECT_NE(Operation(route.pattern, route.method), nullptr)
            << route.method << " " << route.pattern << " has no operation in the document";
    }
}

TEST_F(OpenApiTest, EveryDocumentedOperationHasARoute) {
    std::set<std::pair<std::string, std::string>> routes;
    for (const auto& route : api_->Routes()) routes.insert({Lower(route.method), route.pattern});
    for (const auto& [path, item] : doc_["paths"].items()) {
        for (const auto& [method, ignored] : item.items()) {
            if (!kHttpMethods.count(method)) continue;
            EXPECT_TRUE(routes.count({method, path})) << method << " " << path << " has no route";
        }
    }
}

TEST_F(OpenApiTest, EachOperationHasAUniqueIdAndResponses) {
    std::set<std::string> ids;
    for (const auto& [path, item] : doc_["paths"].items()) {
        for (const auto& [method, op] : item.items()) {
            if (!kHttpMethods.count(method)) continue;
            SCOPED_TRACE(method + " " + path);
            ASSERT_TRUE(op.contains("operationId"));
            EXPECT_TRUE(ids.insert(op["operationId"].get<std::string>()).second)
                << "duplicate operationId " << op["operationId"];
            ASSERT_TRUE(op.contains("responses"));
            EXPECT_FALSE(op["responses"].empty());
        }
    }
}

TEST_F(OpenApiTest, DeclaredPathParametersMatchThePattern) {
    for (const auto& [path, item] : doc_["paths"].items()) {
        for (const auto& [method, op] : item.items()) {
            if (!kHttpMethods.count(method)) continue;
            SCOPED_TRACE(method + " " + path);
            std::set<std::string> declared;
            for (const auto* list : {&item, &op}) {
                for (const auto& ref : list->value("parameters", json::array())) {
                    const json& param = Resolve(ref);
                    if (param.value("in", "") != "path") continue;
                    declared.insert(param.value("name", ""));
                    EXPECT_TRUE(param.value("required", false)) << param.dump();
                }
            }
            EXPECT_EQ(declared, PatternParams(path));
        }
    }
}

TEST_F(OpenApiTest, OnlyUnauthenticatedRoutesWaiveBasicAuth) {
    const json& scheme = doc_["components"]["securitySchemes"]["basicAuth"];
    EXPECT_EQ(scheme.value("type", ""), "http");
    EXPECT_EQ(scheme.value("scheme", ""), "basic");
    EXPECT_EQ(doc_["security"], json::parse(R"([{"basicAuth": []}, {"bearerAuth": []}])"));
    for (const auto& route : api_->Routes()) {
        const json* op = Operation(route.pattern, route.method);
        ASSERT_NE(op, nullptr) << route.pattern;
        SCOPED_TRACE(route.method + " " + route.pattern);
        if (route.authenticated) {
            EXPECT_FALSE(op->contains("security"));
            EXPECT_TRUE(Documents(route.pattern, route.method, 401));
        } else {
            EXPECT_EQ(op->value("security", json()), json::array());
        }
    }
}

TEST_F(OpenApiTest, EveryReferenceResolves) {
    std::vector<const json*> todo = {&doc_};
    while (!todo.empty()) {
        const json* node = todo.back();
        todo.pop_back();
        if (node->is_object() && node->contains("$ref")) {
            std::string ref = (*node)["$ref"];
            ASSERT_EQ(ref.rfind("#/", 0), 0u) << ref;
            EXPECT_TRUE(doc_.contains(json::json_pointer(ref.substr(1)))) << ref;
        }
        if (node->is_structured()) {
            for (const auto& child : *node) todo.push_back(&child);
        }
    }
}

TEST_F(OpenApiTest, HealthzAnswersWithoutCredentials) {
    Response res = Send("GET", "/healthz");

    ExpectAnswer(res, 200, "/healthz", "GET");
    ExpectMatchesSchema(json::parse(res.body), "Health");
}

TEST_F(OpenApiTest, EveryAuthenticatedRouteAsksForCredentials) {
    for (const auto& route : api_->Routes()) {
        if (!route.authenticated) continue;
        SCOPED_TRACE(route.method + " " + route.pattern);

        Response res = Send(route.method, ConcretePath(route.pattern));

        ExpectAnswer(res, 401, route.pattern, route.method);
        EXPECT_EQ(HeaderOf(res, "WWW-Authenticate").rfind("Basic realm=", 0), 0u);
        ExpectProblem(res, "unauthenticated");
    }
}

TEST_F(OpenApiTest, WrongPasswordIsRefusedWithAChallenge) {
    CreateUsers();

    Response res = Send("GET", "/api/v1/aktenplan",
                        {{"Authorization", BasicAuth("leser", "falsches-passwort")}});

    ExpectAnswer(res, 401, "/api/v1/aktenplan", "GET");
    EXPECT_EQ(HeaderOf(res, "WWW-Authenticate"), "Basic realm=\"Aktenwerk\", charset=\"UTF-8\"");
    ExpectProblem(res, "unauthenticated");
}

TEST_F(OpenApiTest, UnknownPathIsANotFoundProblem) {
    Response res = Send("GET", "/api/v1/gibt-es-nicht");

    EXPECT_EQ(res.status, 404);
    ExpectProblem(res, "not-found");
    EXPECT_EQ(json::parse(res.body).value("instance", ""), "/api/v1/gibt-es-nicht");
    EXPECT_TRUE(doc_["components"]["responses"].contains("NotFound"));
}

TEST_F(OpenApiTest, WrongMethodIsNotAllowedAndAllowListsTheDocumentedMethods) {
    Response res = Send("PUT", "/api/v1/akten/x");

    EXPECT_EQ(res.status, 405);
    ExpectProblem(res, "method-not-allowed");
    std::set<std::string> documented;
    for (const auto& [method, ignored] : doc_["paths"]["/api/v1/akten/{id}"].items()) {
        if (kHttpMethods.count(method)) documented.insert(Upper(method));
    }
    // HEAD wherever GET is, and OPTIONS everywhere, are answered without being documented.
    if (documented.count("GET")) documented.insert("HEAD");
    documented.insert("OPTIONS");
    EXPECT_EQ(SplitList(HeaderOf(res, "Allow")), documented);
    EXPECT_TRUE(doc_["components"]["responses"].contains("MethodNotAllowed"));
}

TEST_F(OpenApiTest, ServedDocumentIsTheEmbeddedOne) {
    CreateUsers();

    Response res = Send("GET", "/api/v1/openapi.json", Admin());

    ExpectAnswer(res, 200, "/api/v1/openapi.json", "GET");
    EXPECT_EQ(res.body, RestApi::OpenApiDocument());
}

// A short walk through the records API: each answer must have the expected status, the
// route must document it, and the JSON must use the documented field names.
TEST_F(OpenApiTest, RecordsAnswersUseDocumentedStatusesAndFields) {
    CreateUsers();
    const Headers json_type = Admin({{"Content-Type", "application/json"}});

    Response unit = Send("POST", "/api/v1/aktenplan/einheiten", json_type,
                         R"({"kennzeichen": "32", "titel": "Ordnung"})");
    ExpectAnswer(unit, 201, "/api/v1/aktenplan/einheiten", "POST");
    ExpectMatchesSchema(json::parse(unit.body), "Aktenplaneinheit");
    Response duplicate = Send("POST", "/api/v1/aktenplan/einheiten", json_type,
                              R"({"kennzeichen": "32", "titel": "Noch einmal"})");
    ExpectAnswer(duplicate, 409, "/api/v1/aktenplan/einheiten", "POST");
    ExpectProblem(duplicate, "duplicate-kennzeichen");

    Response akte = Send("POST", "/api/v1/akten", json_type,
                         R"({"einheit_kennzeichen": "32", "betreff": "Straßenreinigung"})");
    ExpectAnswer(akte, 201, "/api/v1/akten", "POST");
    ExpectMatchesSchema(json::parse(akte.body), "Akte");
    const std::string akte_id = json::parse(akte.body).value("id", "");
    Response stale = Send("PATCH", "/api/v1/akten/" + akte_id, Admin({{"If-Match", "\"r99\""}}),
                          R"({"betreff": "Neu"})");
    ExpectAnswer(stale, 412, "/api/v1/akten/{id}", "PATCH");
    ExpectProblem(stale, "revision-mismatch");

    Response dokument = Send("POST", "/api/v1/dokumente?parent_id=" + akte_id + "&dateiname=a.txt",
                             Admin({{"Content-Type", "application/octet-stream"}}), "hallo welt");
    ExpectAnswer(dokument, 201, "/api/v1/dokumente", "POST");
    ExpectMatchesSchema(json::parse(dokument.body), "Dokument");
    const std::string dok_id = json::parse(dokument.body).value("id", "");
    Response version = Send("GET", "/api/v1/dokumente/" + dok_id + "/versionen/1", Admin());
    ExpectAnswer(version, 200, "/api/v1/dokumente/{id}/versionen/{nummer}", "GET");
    ExpectMatchesSchema(json::parse(version.body), "Version");

    Response part =
        Send("GET", "/api/v1/dokumente/" + dok_id + "/inhalt", Admin({{"Range", "bytes=0-4"}}));
    ExpectAnswer(part, 206, "/api/v1/dokumente/{id}/inhalt", "GET");
    EXPECT_EQ(BodyOf(part), "hallo");
    Response beyond =
        Send("GET", "/api/v1/dokumente/" + dok_id + "/inhalt", Admin({{"Range", "bytes=100-"}}));
    ExpectAnswer(beyond, 416, "/api/v1/dokumente/{id}/inhalt", "GET");
    EXPECT_EQ(HeaderOf(beyond, "Content-Range"), "bytes */10");

    Response inhalt = Send("GET", "/api/v1/akten/" + akte_id + "/inhalt", Admin());
    ExpectAnswer(inhalt, 200, "/api/v1/akten/{id}/inhalt", "GET");
    const json page = json::parse(inhalt.body);
    ExpectMatchesSchema(page, "ChildPage");
    for (const auto& entry : page["eintraege"]) {
        EXPECT_EQ(entry.value("typ", ""), "dokument");
        ExpectMatchesSchema(entry, "Dokument");
    }
    Response wrong_kind = Send("GET", "/api/v1/akten/" + dok_id, Admin());
    ExpectAnswer(wrong_kind, 404, "/api/v1/akten/{id}", "GET");

    Response closed = Send("POST", "/api/v1/akten/" + akte_id + "/zda", Admin());
    ExpectAnswer(closed, 200, "/api/v1/akten/{id}/zda", "POST");
    Response refused = Send("POST", "/api/v1/dokumente/" + dok_id + "/versionen?dateiname=b.txt",
                            Admin({{"Content-Type", "application/octet-stream"}}), "neu");
    ExpectAnswer(refused, 409, "/api/v1/dokumente/{id}/versionen", "POST");
    ExpectProblem(refused, "closed");

    Response historie = Send("GET", "/api/v1/akten/" + akte_id + "/historie", Admin());
    ExpectAnswer(historie, 200, "/api/v1/akten/{id}/historie", "GET");
    const json history = json::parse(historie.body);
    for (const auto& entry : history["eintraege"]) {
        ExpectMatchesSchema(entry, "AuditEntry");
    }
    Response audit =
        Send("GET", "/api/v1/audit", {{"Authorization", BasicAuth("leser", "leser-passwort")}});
    ExpectAnswer(audit, 403, "/api/v1/audit", "GET");
}

// Holds, retention rules, deletion and the Aussonderung: statuses and fields as documented.
TEST_F(OpenApiTest, RetentionAnswersUseDocumentedStatusesAndFields) {
    CreateUsers();
    const Headers json_type = Admin({{"Content-Type", "application/json"}});
    const std::string unit_id = json::parse(Send("POST", "/api/v1/aktenplan/einheiten", json_type,
                                                 R"({"kennzeichen": "32", "titel": "Ordnung"})")
                                                .body)
                                    .value("id", "");
    Response rule = Send("PUT", "/api/v1/aktenplan/einheiten/" + unit_id + "/aufbewahrung",
                         json_type, R"({"frist_jahre": 10, "aussonderungsart": "V"})");
    ExpectAnswer(rule, 200, "/api/v1/aktenplan/einheiten/{id}/aufbewahrung", "PUT");
    ExpectMatchesSchema(json::parse(rule.body), "Aufbewahrung");

    const std::string akte_id =
        json::parse(Send("POST", "/api/v1/akten", json_type,
                         R"({"parent_id": ")" + unit_id +
                             R"(", "betreff": "Altakte", "laufzeit_beginn": "2010-01-04"})")
                        .body)
            .value("id", "");
    Response late =
        Send("POST", "/api/v1/akten/" + akte_id + "/zda", json_type, R"({"datum": "2012-05-02"})");
    ExpectAnswer(late, 400, "/api/v1/akten/{id}/zda", "POST");
    Response closed = Send("POST", "/api/v1/akten/" + akte_id + "/zda", json_type,
                           R"({"datum": "2012-05-02", "grund": "Altbestand"})");
    ExpectAnswer(closed, 200, "/api/v1/akten/{id}/zda", "POST");
    Response aufbewahrung = Send("GET", "/api/v1/akten/" + akte_id + "/aufbewahrung", Admin());
    ExpectAnswer(aufbewahrung, 200, "/api/v1/akten/{id}/aufbewahrung", "GET");
    const json a = json::parse(aufbewahrung.body);
    ExpectMatchesSchema(a["faelligkeit"], "Faelligkeit");
    EXPECT_EQ(a["faelligkeit"]["faellig_ab"], "2023-01-01");
    Response due = Send("GET", "/api/v1/aktenplan/einheiten/" + unit_id + "/faellig", Admin());
    ExpectAnswer(due, 200, "/api/v1/aktenplan/einheiten/{id}/faellig", "GET");
    ExpectMatchesSchema(json::parse(due.body), "FaelligkeitListe");
    EXPECT_EQ(json::parse(due.body)["faellig"].size(), 1u);

    Response hold = Send("POST", "/api/v1/sperren", json_type,
                         R"({"objekt_id": ")" + akte_id +
                             R"(", "grund": "Klage", "anordnende_stelle": "VG Musterstadt"})");
    ExpectAnswer(hold, 201, "/api/v1/sperren", "POST");
    ExpectMatchesSchema(json::parse(hold.body), "Sperre");
    Response holds = Send("GET", "/api/v1/sperren?wirksam_fuer=" + akte_id, Admin());
    ExpectAnswer(holds, 200, "/api/v1/sperren", "GET");
    ExpectMatchesSchema(json::parse(holds.body), "SperreListe");
    Response held = Send("DELETE", "/api/v1/akten/" + akte_id + "?grund=weg", Admin());
    ExpectAnswer(held, 409, "/api/v1/akten/{id}", "DELETE");
    Response released =
        Send("POST", "/api/v1/sperren/" + json::parse(hold.body).value("id", "") + "/aufheben",
             json_type, R"({"grund": "Klage zurückgenommen"})");
    ExpectAnswer(released, 200, "/api/v1/sperren/{id}/aufheben", "POST");

    Response run = Send("POST", "/api/v1/aussonderungen", json_type,
                        R"({"einheit_id": ")" + unit_id +
                            R"(", "absender": {"praefix": "psw", "behoerdenschluessel": "0731"}})");
    ExpectAnswer(run, 201, "/api/v1/aussonderungen", "POST");
    ExpectMatchesSchema(json::parse(run.body), "Aussonderung");
    const std::string run_id = json::parse(run.body).value("id", "");
    Response objekte = Send("GET", "/api/v1/aussonderungen/" + run_id + "/objekte", Admin());
    ExpectAnswer(objekte, 200, "/api/v1/aussonderungen/{id}/objekte", "GET");
    const json objekte_json = json::parse(objekte.body);
    for (const auto& o : objekte_json["objekte"]) {
        ExpectMatchesSchema(o, "AussonderungsObjekt");
    }
    Response early = Send("POST", "/api/v1/aussonderungen/" + run_id + "/abgeben", Admin());
    ExpectAnswer(early, 409, "/api/v1/aussonderungen/{id}/abgeben", "POST");
    ExpectProblem(early, "not-appraised");

    const std::string mistake_id =
        json::parse(Send("POST", "/api/v1/akten", json_type,
                         R"({"parent_id": ")" + unit_id + R"(", "betreff": "Doppelt"})")
                        .body)
            .value("id", "");
    Response deleted =
        Send("DELETE", "/api/v1/akten/" + mistake_id + "?grund=Doppelanlage", Admin());
    ExpectAnswer(deleted, 200, "/api/v1/akten/{id}", "DELETE");
    ExpectMatchesSchema(json::parse(deleted.body), "Entfernungsbericht");
    Response gone = Send("GET", "/api/v1/akten/" + mistake_id, Admin());
    ExpectAnswer(gone, 410, "/api/v1/akten/{id}", "GET");
    ExpectProblem(gone, "ausgesondert");
    Response stub = Send("GET", "/api/v1/ausgesondert/" + mistake_id, Admin());
    ExpectAnswer(stub, 200, "/api/v1/ausgesondert/{id}", "GET");
    ExpectMatchesSchema(json::parse(stub.body), "Stub");
    Response csv = Send("GET", "/api/v1/aktenplan/export?format=csv", Admin());
    ExpectAnswer(csv, 200, "/api/v1/aktenplan/export", "GET");
    EXPECT_NE(csv.body.find("32;Ordnung;;;10;V"), std::string::npos) << csv.body;
}

TEST_F(OpenApiTest, WiedervorlageAnswersUseDocumentedStatusesAndFields) {
    CreateUsers();
    const Headers json_type = Admin({{"Content-Type", "application/json"}});
    const std::string unit_id = json::parse(Send("POST", "/api/v1/aktenplan/einheiten", json_type,
                                                 R"({"kennzeichen": "32", "titel": "Ordnung"})")
                                                .body)
                                    .value("id", "");
    const std::string akte_id =
        json::parse(Send("POST", "/api/v1/akten", json_type,
                         R"({"parent_id": ")" + unit_id + R"(", "betreff": "Bauantrag"})")
                        .body)
            .value("id", "");
    const std::string base = "/api/v1/objekte/" + akte_id + "/wiedervorlagen";

    Response bad = Send("POST", base, json_type, R"({"datum": "2026-02-30"})");
    ExpectAnswer(bad, 400, "/api/v1/objekte/{id}/wiedervorlagen", "POST");
    ExpectProblem(bad, "invalid-argument");
    Response set = Send("POST", base, json_type, R"({"datum": "2026-03-10", "notiz": "Frist"})");
    ExpectAnswer(set, 201, "/api/v1/objekte/{id}/wiedervorlagen", "POST");
    const json w = json::parse(set.body);
    ExpectMatchesSchema(w, "Wiedervorlage");
    EXPECT_EQ(HeaderOf(set, "Location"), w.value("self", ""));
    EXPECT_EQ(w.value("fuer", ""), "admin");
    EXPECT_TRUE(w.value("ueberfaellig", false));  // the manual clock says 2026-03-15

    Response list = Send("GET", base, Admin());
    ExpectAnswer(list, 200, "/api/v1/objekte/{id}/wiedervorlagen", "GET");
    ExpectMatchesSchema(json::parse(list.body), "WiedervorlageListe");
    Response due = Send("GET", "/api/v1/wiedervorlagen", Admin());
    ExpectAnswer(due, 200, "/api/v1/wiedervorlagen", "GET");
    const json due_json = json::parse(due.body);
    ExpectMatchesSchema(due_json, "FaelligeWiedervorlagen");
    EXPECT_EQ(due_json.value("bis", ""), "2026-03-15");
    EXPECT_EQ(due_json["wiedervorlagen"].size(), 1u);
    Response early = Send("GET", "/api/v1/wiedervorlagen?bis=2026-03-09", Admin());
    EXPECT_TRUE(json::parse(early.body)["wiedervorlagen"].empty()) << early.body;
    Response bad_date = Send("GET", "/api/v1/wiedervorlagen?bis=morgen", Admin());
    ExpectAnswer(bad_date, 400, "/api/v1/wiedervorlagen", "GET");

    const std::string self = w.value("self", "");
    Response got = Send("GET", self, Admin());
    ExpectAnswer(got, 200, "/api/v1/wiedervorlagen/{id}", "GET");
    Response done = Send("POST", self + "/erledigt", Admin());
    ExpectAnswer(done, 200, "/api/v1/wiedervorlagen/{id}/erledigt", "POST");
    EXPECT_TRUE(json::parse(done.body).value("erledigt", false));
    Response again = Send("POST", self + "/erledigt", Admin());
    ExpectAnswer(again, 409, "/api/v1/wiedervorlagen/{id}/erledigt", "POST");
    ExpectProblem(again, "already-done");
    Response removed = Send("DELETE", self, Admin());
    ExpectAnswer(removed, 204, "/api/v1/wiedervorlagen/{id}", "DELETE");
    Response gone = Send("GET", self, Admin());
    ExpectAnswer(gone, 404, "/api/v1/wiedervorlagen/{id}", "GET");
}

}  // namespace
}  // namespace aktenwerk::interfaces

namespace aktenwerk::interfaces {
namespace {

TEST_F(OpenApiTest, SearchAnswersUseDocumentedStatusesAndFields) {
    CreateUsers();
    dms::SearchIndexerOptions options;
    options.index_dir = dir_.Sub("index");
    auto search = dms::SearchIndexer::Open(repo_.get(), options);
    ASSERT_TRUE(search.ok()) << search.status().ToString();
    api_->SetSearch(search->get());
    const Headers json_type = Admin({{"Content-Type", "application/json"}});
    Send("POST", "/api/v1/aktenplan/einheiten", json_type,
         R"({"kennzeichen": "32", "titel": "Ordnung"})");
    Response akte = Send("POST", "/api/v1/akten", json_type,
                         R"({"einheit_kennzeichen": "32", "betreff": "Straßenreinigung"})");
    const std::string akte_id = json::parse(akte.body).value("id", "");
    Send("POST", "/api/v1/dokumente?parent_id=" + akte_id + "&dateiname=a.txt",
         Admin({{"Content-Type", "application/octet-stream"}}), "Gebühren der Straßenreinigung");
    AKTENWERK_ASSERT_OK((*search)->CatchUp());

    Response found = Send("GET", "/api/v1/suche?q=Strassenreinigung&facetten=true", Admin());
    ExpectAnswer(found, 200, "/api/v1/suche", "GET");
    const json body = json::parse(found.body);
    ExpectMatchesSchema(body, "Suchergebnis");
    EXPECT_EQ(body.value("anzahl", 0), 2);
    for (const auto& hit : body["treffer"]) ExpectMatchesSchema(hit, "Treffer");
    for (const auto& value : body["facetten"]["typ"]) ExpectMatchesSchema(value, "Facettenwert");

    Response bad = Send("GET", "/api/v1/suche?q=%22offen", Admin());
    ExpectAnswer(bad, 400, "/api/v1/suche", "GET");
    ExpectProblem(bad, "invalid-query");
    Response unknown = Send("GET", "/api/v1/suche?akte=nichts", Admin());
    ExpectAnswer(unknown, 404, "/api/v1/suche", "GET");
    api_->SetSearch(nullptr);
}

}  // namespace
}  // namespace aktenwerk::interfaces
