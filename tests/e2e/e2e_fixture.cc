// The end-to-end fixture's verbs. Each records a failure with the whole response when the
// server answers unexpectedly, so that a broken step says what the server said.
#include "tests/e2e/e2e_fixture.h"

#include <chrono>
#include <filesystem>
#include <sstream>
#include <thread>

namespace aktenwerk::e2e {

namespace fs = std::filesystem;
using test_support::UrlEncode;

std::string Problem(const std::string& kind) { return "urn:aktenwerk:problem:" + kind; }

std::string AktenwerkBinary() { return AKTENWERK_BINARY; }

void E2eTest::TearDown() {
    api_.reset();
    if (server_ && server_->running()) {
        if (HasFailure()) {
            std::cerr << "--- server log ---\n" << server_->log_text() << "--- end ---\n";
        }
        server_->Kill();
    }
}

::testing::AssertionResult E2eTest::StartServer(std::vector<std::string> extra_args,
                                                std::string data_dir, std::string admin_password) {
    ServerOptions options;
    options.binary = AktenwerkBinary();
    options.extra_args = std::move(extra_args);
    options.data_dir = std::move(data_dir);
    if (!admin_password.empty()) options.admin_password = std::move(admin_password);
    server_ = std::make_unique<ServerProcess>(options);
    auto started = server_->Start();
    if (started) ReconnectApi();
    return started;
}

std::unique_ptr<HttpClient> E2eTest::NewClient(bool admin) {
    auto client = std::make_unique<HttpClient>(server_->host(), server_->port());
    if (admin) client->SetBasicAuth("admin", server_->admin_password());
    return client;
}

void E2eTest::ReconnectApi() { api_ = NewClient(); }

json E2eTest::CreateEinheit(const std::string& kennzeichen, const std::string& titel,
                            const std::string& parent_id) {
    json body = {{"kennzeichen", kennzeichen}, {"titel", titel}};
    if (!parent_id.empty()) body["parent_id"] = parent_id;
    auto res = api().PostJson("/api/v1/aktenplan/einheiten", body);
    if (res.status != 201) {
        ADD_FAILURE() << "create unit " << kennzeichen << ":\n" << res.Describe();
        return nullptr;
    }
    return res.Json();
}

json E2eTest::CreateAkte(const std::string& einheit_id, const std::string& betreff) {
    auto res = api().PostJson("/api/v1/akten", {{"parent_id", einheit_id}, {"betreff", betreff}});
    if (res.status != 201) {
        ADD_FAILURE() << "create Akte " << betreff << ":\n" << res.Describe();
        return nullptr;
    }
    return res.Json();
}

json E2eTest::CreateVorgang(const std::string& parent_id, const std::string& betreff) {
    auto res =
        api().PostJson("/api/v1/vorgaenge", {{"parent_id", parent_id}, {"betreff", betreff}});
    if (res.status != 201) {
        ADD_FAILURE() << "create Vorgang " << betreff << ":\n" << res.Describe();
        return nullptr;
    }
    return res.Json();
}

E2eTest::Ablage E2eTest::CreateAblage(const std::string& kennzeichen) {
    Ablage a;
    json unit = CreateEinheit(kennzeichen, "Gewerbeangelegenheiten");
    if (unit.is_null()) return a;
    a.einheit_id = unit["id"];
    json akte = CreateAkte(a.einheit_id, "Gewerbeanmeldung Bäckerei Müller");
    if (akte.is_null()) return a;
    a.akte_id = akte["id"];
    a.aktenzeichen = akte["aktenzeichen"];
    json vorgang = CreateVorgang(a.akte_id, "Anmeldung des Betriebs");
    if (vorgang.is_null()) return a;
    a.vorgang_id = vorgang["id"];
    return a;
}

HttpResponse E2eTest::UploadRaw(const std::string& parent_id, const std::string& dateiname,
                                const std::string& content, const std::string& art) {
    return api().Post("/api/v1/dokumente?parent_id=" + UrlEncode(parent_id) +
                          "&dateiname=" + UrlEncode(dateiname) + "&art=" + art,
                      content, "application/octet-stream");
}

HttpResponse E2eTest::AddVersionRaw(const std::string& dokument_id, const std::string& dateiname,
                                    const std::string& content, const std::string& art) {
    return api().Post("/api/v1/dokumente/" + dokument_id +
                          "/versionen?dateiname=" + UrlEncode(dateiname) + "&art=" + art,
                      content, "application/octet-stream");
}

std::string E2eTest::UploadDokument(const std::string& parent_id, const std::string& dateiname,
                                    const std::string& content) {
    auto res = UploadRaw(parent_id, dateiname, content);
    if (res.status != 201) {
        ADD_FAILURE() << "upload " << dateiname << ":\n" << res.Describe();
        return {};
    }
    return res.Json().value("id", "");
}

HttpResponse E2eTest::Download(const std::string& dokument_id, unsigned nummer,
                               HeaderList headers) {
    std::string target = "/api/v1/dokumente/" + dokument_id;
    if (nummer != 0) target += "/versionen/" + std::to_string(nummer);
    return api().Get(target + "/inhalt", std::move(headers));
}

json E2eTest::Versions(const std::string& dokument_id) {
    auto res = api().Get("/api/v1/dokumente/" + dokument_id + "/versionen");
    if (res.status != 200) {
        ADD_FAILURE() << "versions of " << dokument_id << ":\n" << res.Describe();
        return json::array();
    }
    return res.Json()["versionen"];
}

json E2eTest::Children(const std::string& collection_path) {
    json all = json::array();
    std::string cursor;
    for (int page = 0; page < 1000; ++page) {
        std::string target = collection_path + "?limit=1000";
        if (!cursor.empty()) target += "&cursor=" + UrlEncode(cursor);
        auto res = api().Get(target);
        if (res.status != 200) {
            ADD_FAILURE() << "children of " << collection_path << ":\n" << res.Describe();
            return all;
        }
        json body = res.Json();
        for (auto& item : body["eintraege"]) all.push_back(item);
        if (!body["naechster_cursor"].is_string()) break;
        cursor = body["naechster_cursor"];
    }
    return all;
}

json E2eTest::AuditTrail() {
    json all = json::array();
    uint64_t after = 0;
    for (int page = 0; page < 1000; ++page) {
        auto res = api().Get("/api/v1/audit?seit=" + std::to_string(after));
        if (res.status != 200) {
            ADD_FAILURE() << "audit trail:\n" << res.Describe();
            return all;
        }
        const json body = res.Json();
        if (body["eintraege"].empty()) break;
        for (const auto& e : body["eintraege"]) all.push_back(e);
        after = all.back()["seq"].get<uint64_t>();
    }
    return all;
}

void E2eTest::ExpectAuditChainIntact() {
    json trail = AuditTrail();
    ASSERT_FALSE(trail.empty());
    for (size_t i = 1; i < trail.size(); ++i) {
        ASSERT_EQ(trail[i]["seq"].get<uint64_t>(), trail[i - 1]["seq"].get<uint64_t>() + 1)
            << "gap in the audit trail at entry " << i;
        ASSERT_EQ(trail[i]["vorheriger_hash"], trail[i - 1]["hash"])
            << "the hash chain breaks at seq " << trail[i]["seq"];
    }
}

void E2eTest::CollectHashes(const std::string& collection_path, std::set<std::string>* out,
                            int depth) {
    if (depth > 40) {
        ADD_FAILURE() << "tree deeper than 40 levels at " << collection_path;
        return;
    }
    for (const auto& child : Children(collection_path)) {
        const std::string id = child["id"];
        const std::string typ = child["typ"];
        if (typ == "aktenplaneinheit") {
            CollectHashes("/api/v1/aktenplan/einheiten/" + id + "/kinder", out, depth + 1);
        } else if (typ == "akte") {
            CollectHashes("/api/v1/akten/" + id + "/inhalt", out, depth + 1);
        } else if (typ == "vorgang") {
            CollectHashes("/api/v1/vorgaenge/" + id + "/inhalt", out, depth + 1);
        } else if (typ == "dokument") {
            for (const auto& v : Versions(id)) out->insert(v["sha256"].get<std::string>());
            CollectHashes("/api/v1/dokumente/" + id + "/anlagen", out, depth + 1);
        }
    }
}

std::set<std::string> E2eTest::ReferencedHashes() {
    std::set<std::string> out;
    auto plan = api().Get("/api/v1/aktenplan");
    if (plan.status != 200) {
        ADD_FAILURE() << "Aktenplan:\n" << plan.Describe();
        return out;
    }
    const json tree = plan.Json();
    for (const auto& unit : tree["einheiten"]) {
        CollectHashes("/api/v1/aktenplan/einheiten/" + unit["id"].get<std::string>() + "/kinder",
                      &out, 1);
    }
    return out;
}

std::set<std::string> E2eTest::BlobFilesOnDisk() const {
    // Every regular file below DATA/blobs except the temporary folder, whatever the fan-out
    // of the layout; a file that is not named by a hash is reported under its path.
    std::set<std::string> out;
    std::error_code ec;
    const fs::path root = fs::path(server_->data_dir()) / "blobs";
    for (auto it = fs::recursive_directory_iterator(root, ec);
         !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
        if (it.depth() == 0 && it->path().filename() == "tmp") {
            it.disable_recursion_pending();
            continue;
        }
        if (!it->is_regular_file()) continue;
        const std::string name = it->path().filename().string();
        const bool hash =
            name.size() == 64 && name.find_first_not_of("0123456789abcdef") == std::string::npos;
        out.insert(hash ? name : it->path().string());
    }
    return out;
}

std::vector<std::string> E2eTest::TmpFilesOnDisk() const {
    std::vector<std::string> out;
    std::error_code ec;
    for (const auto& file :
         fs::directory_iterator(fs::path(server_->data_dir()) / "blobs" / "tmp", ec)) {
        out.push_back(file.path().filename().string());
    }
    return out;
}

uint64_t E2eTest::Metric(const std::string& name) {
    auto res = api().Get("/metrics");
    std::istringstream lines(res.body);
    for (std::string line; std::getline(lines, line);) {
        if (line.rfind(name + " ", 0) == 0) return std::stoull(line.substr(name.size() + 1));
    }
    ADD_FAILURE() << "no metric " << name << " in\n" << res.body;
    return 0;
}

void E2eTest::WaitForIndex() {
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(60);
    int quiet = 0;
    while (std::chrono::steady_clock::now() < deadline) {
        // Twice in a row, so that an OCR result finished just now is applied as well.
        const bool pending =
            api().Get("/api/v1/suche?q=&typ=dokument&limit=100").body.find("\"ausstehend\"") !=
            std::string::npos;
        quiet = Metric("aktenwerk_index_lag") == 0 && Metric("aktenwerk_ocr_queue") == 0 && !pending
                    ? quiet + 1
                    : 0;
        if (quiet >= 2) return;
        std::this_thread::sleep_for(std::chrono::milliseconds(100));
    }
    ADD_FAILURE() << "the index did not catch up within a minute:\n" << server().log_text();
}

std::set<std::string> E2eTest::SearchHits(const std::string& q) {
    std::set<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 10; ++page) {
        auto res = api().Get("/api/v1/suche?q=" + test_support::UrlEncode(q) + "&limit=100" +
                             (cursor.empty() ? "" : "&cursor=" + test_support::UrlEncode(cursor)));
        EXPECT_EQ(res.status, 200) << res.Describe();
        if (res.status != 200) break;
        const json body = res.Json();
        for (const auto& hit : body["treffer"]) ids.insert(hit.value("id", ""));
        cursor =
            body["naechster_cursor"].is_string() ? body["naechster_cursor"].get<std::string>() : "";
        if (cursor.empty()) break;
    }
    return ids;
}

}  // namespace aktenwerk::e2e
