// What an operator relies on: /metrics parsed by the Prometheus client's own parser and its
// values moving with the requests, request ids in headers, problems and log lines, the
// access log, /readyz, the configuration file and the systemd unit.
#include <fcntl.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <map>
#include <regex>
#include <set>
#include <sstream>
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"

namespace aktenwerk::e2e {
namespace {

using test_support::HttpRequest;
using test_support::RunCommand;
namespace fs = std::filesystem;

const std::string kSourceDir = AKTENWERK_SOURCE_DIR;

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream text;
    text << in.rdbuf();
    return text.str();
}

void WriteFile(const std::string& path, const std::string& text) {
    std::ofstream(path, std::ios::binary) << text;
}

// Samples by "name{label=value,...}" (labels sorted), as parse_metrics.py prints them.
using Samples = std::map<std::string, double>;

class OperationsTest : public E2eTest {
  protected:
    // Scrapes /metrics and parses it with the Prometheus client's parser; a failure is
    // recorded when the text does not pass.
    Samples Scrape() {
        auto res = api().Get("/metrics");
        EXPECT_EQ(res.status, 200) << res.Describe();
        EXPECT_EQ(res.Header("Content-Type").rfind("text/plain; version=0.0.4", 0), 0u);
        const std::string file = scratch().Sub("metrics.txt");
        WriteFile(file, res.body);
        auto parsed =
            RunCommand({"/usr/bin/python3", kSourceDir + "/tests/e2e/parse_metrics.py", file});
        EXPECT_EQ(parsed.exit_code, 0) << parsed.output;
        Samples out;
        std::istringstream lines(parsed.output);
        for (std::string line; std::getline(lines, line);) {
            const size_t space = line.rfind(' ');
            if (space == std::string::npos) continue;
            out[line.substr(0, space)] = std::stod(line.substr(space + 1));
        }
        return out;
    }

    // The value of a series, 0 when it is absent (counters appear with their first count).
    static double Value(const Samples& samples, const std::string& key) {
        auto it = samples.find(key);
        return it == samples.end() ? 0 : it->second;
    }

    static bool Has(const Samples& samples, const std::string& key) {
        return samples.count(key) != 0;
    }
};

TEST_F(OperationsTest, MetricsParseAndMoveWithRequests) {
    ASSERT_TRUE(StartServer());
    Ablage a = CreateAblage();
    ASSERT_FALSE(a.vorgang_id.empty());
    const Samples before = Scrape();

    const std::string doc = UploadDokument(a.vorgang_id, "Antrag.txt", "Ein Antrag auf Prüfung");
    ASSERT_FALSE(doc.empty());
    ASSERT_EQ(Download(doc).status, 200);
    auto stranger = NewClient(false);
    stranger->SetBasicAuth("admin", "falsch");
    EXPECT_EQ(stranger->Get("/api/v1/akten/" + a.akte_id).status, 401);
    // A request is counted once its answer is sent, on its connection's thread; the next
    // answer on the same connection comes after that.
    stranger->Get("/healthz");
    const Samples after = Scrape();

    const std::string content = "route=/api/v1/dokumente/{id}/inhalt";
    EXPECT_EQ(
        Value(after, "aktenwerk_http_requests_total{method=GET," + content + ",status=200}") -
            Value(before, "aktenwerk_http_requests_total{method=GET," + content + ",status=200}"),
        1);
    EXPECT_EQ(Value(after,
                    "aktenwerk_http_requests_total{method=GET,route=/api/v1/akten/{id},"
                    "status=401}"),
              1);
    EXPECT_EQ(
        Value(after, "aktenwerk_http_request_duration_seconds_count{method=GET," + content + "}"),
        1);
    EXPECT_EQ(Value(after, "aktenwerk_http_request_duration_seconds_bucket{le=+Inf,method=GET," +
                               content + "}"),
              1);
    EXPECT_EQ(Value(after, "aktenwerk_versions_stored_total{}") -
                  Value(before, "aktenwerk_versions_stored_total{}"),
              1);
    EXPECT_EQ(Value(after, "aktenwerk_blobs{}") - Value(before, "aktenwerk_blobs{}"), 1);
    EXPECT_EQ(Value(after, "aktenwerk_blob_bytes{}") - Value(before, "aktenwerk_blob_bytes{}"),
              std::string("Ein Antrag auf Prüfung").size());
    // The upload and the read are both in the audit chain.
    EXPECT_GE(
        Value(after, "aktenwerk_audit_entries{}") - Value(before, "aktenwerk_audit_entries{}"), 2);
    EXPECT_EQ(Value(after, "aktenwerk_failed_logins_total{}") -
                  Value(before, "aktenwerk_failed_logins_total{}"),
              1);
    EXPECT_GT(Value(after, "aktenwerk_outbox_written_total{}"),
              Value(before, "aktenwerk_outbox_written_total{}"));
    for (const char* key :
         {"aktenwerk_index_lag{}", "aktenwerk_index_applied_total{}", "aktenwerk_outbox_entries{}",
          "aktenwerk_ocr_queue{}", "aktenwerk_disk_free_bytes{}", "aktenwerk_disk_reserve_bytes{}",
          "aktenwerk_disk_inside_reserve{}", "aktenwerk_disk_read_only{}"}) {
        EXPECT_TRUE(Has(after, key)) << key;
    }
    EXPECT_EQ(Value(after, "aktenwerk_storage_writable{}"), 1);
    EXPECT_EQ(Value(after, "aktenwerk_ready{}"), 1);
}

// A client that sends random paths and methods makes no new series beyond "unmatched" and
// "other": the labels are route patterns, not raw paths.
TEST_F(OperationsTest, MetricLabelsStayBoundedWhateverThePath) {
    ASSERT_TRUE(StartServer());
    for (int i = 0; i < 20; ++i) {
        api().Get("/gibt/es/nicht/" + std::to_string(i));
        api().Get("/api/v1/akten/unbekannt-" + std::to_string(i));
        HttpRequest odd;
        odd.method = "FROB" + std::to_string(i);
        odd.target = "/api/v1/akten";
        api().Send(odd);
    }
    const Samples samples = Scrape();
    EXPECT_EQ(
        Value(samples, "aktenwerk_http_requests_total{method=GET,route=unmatched,status=404}"), 20);
    EXPECT_EQ(
        Value(samples,
              "aktenwerk_http_requests_total{method=GET,route=/api/v1/akten/{id},status=404}"),
        20);
    size_t series = 0;
    for (const auto& [key, value] : samples) {
        if (key.rfind("aktenwerk_http_requests_total{", 0) == 0) ++series;
        EXPECT_EQ(key.find("unbekannt"), std::string::npos) << key;
        EXPECT_EQ(key.find("FROB"), std::string::npos) << key;
    }
    EXPECT_LE(series, 6u);
}

TEST_F(OperationsTest, RequestIdIsTakenWhenWellFormedAndOnEveryAnswerAndLogLine) {
    ASSERT_TRUE(StartServer());
    auto mine = api().Get("/api/v1/akten/gibt-es-nicht", {{"X-Request-Id", "portal-4711.a_b:c"}});
    EXPECT_EQ(mine.status, 404);
    EXPECT_EQ(mine.Header("X-Request-Id"), "portal-4711.a_b:c");
    EXPECT_EQ(mine.Json().value("request_id", ""), "portal-4711.a_b:c") << mine.Describe();

    // Forged log content or an overlong id is replaced by one of the server's own.
    for (const std::string& bad :
         std::vector<std::string>{"evil\" user=root", std::string(65, 'a'), "x y"}) {
        SCOPED_TRACE(bad);
        auto res = api().Get("/api/v1/akten/gibt-es-nicht", {{"X-Request-Id", bad}});
        const std::string id = res.Header("X-Request-Id");
        EXPECT_FALSE(id.empty());
        EXPECT_NE(id, bad);
        EXPECT_EQ(res.Json().value("request_id", ""), id);
        EXPECT_TRUE(std::regex_match(id, std::regex("[0-9a-f]{8}-[0-9]+"))) << id;
    }
    auto first = api().Get("/healthz");
    auto second = api().Get("/healthz");
    EXPECT_NE(first.Header("X-Request-Id"), second.Header("X-Request-Id"));

    // The access log: one line per request with method, route, status, bytes, duration,
    // user and request id.
    auto ok = api().Get("/api/v1/aktenplan", {{"X-Request-Id", "zugriff-1"}});
    ASSERT_EQ(ok.status, 200);
    ASSERT_TRUE(server().Stop().has_value());
    const std::string log = server().log_text();
    std::smatch line;
    ASSERT_TRUE(
        std::regex_search(log, line, std::regex("access request served [^\n]*zugriff-1[^\n]*")))
        << log;
    const std::string text = line.str();
    for (const std::string& field : std::vector<std::string>{
             "method=GET", "route=/api/v1/aktenplan", "status=200",
             "bytes=" + std::to_string(ok.body.size()), "user=admin", "request_id=zugriff-1"}) {
        EXPECT_NE(text.find(field), std::string::npos) << field << " missing in " << text;
    }
    EXPECT_TRUE(std::regex_search(text, std::regex(" micros=[0-9]+"))) << text;
    EXPECT_NE(log.find("route=/api/v1/akten/{id} path=/api/v1/akten/gibt-es-nicht status=404"),
              std::string::npos);
}

TEST_F(OperationsTest, ReadinessSaysStorageOkAndHowFarTheIndexIs) {
    ASSERT_TRUE(StartServer());
    Ablage a = CreateAblage();
    for (int i = 0; i < 5; ++i)
        UploadDokument(a.vorgang_id, "Notiz.txt", "Notiz " + std::to_string(i));
    auto busy = api().Get("/readyz");
    ASSERT_EQ(busy.status, 200) << busy.Describe();
    const json b = busy.Json();
    EXPECT_EQ(b.value("status", ""), "ready");
    EXPECT_EQ(b["storage"].value("state", ""), "ok");
    EXPECT_TRUE(b["index"].contains("lag"));
    EXPECT_TRUE(b["outbox"].contains("entries"));
    EXPECT_EQ(b["disk"].value("state", ""), "ok");
    EXPECT_GT(b["disk"].value("free_bytes", uint64_t{0}), 0u);
    const std::string index_state = b["index"].value("state", "");
    EXPECT_EQ(b.value("message", ""),
              "storage ok, index " +
                  (index_state == "catching-up" ? std::string("catching up") : index_state));
    EXPECT_EQ(index_state == "catching-up",
              b["index"].value("lag", 0) > 0 || b["index"].value("ocr_queue", 0) > 0);

    WaitForIndex();
    auto quiet = api().Get("/readyz").Json();
    EXPECT_EQ(quiet.value("message", ""), "storage ok, index ok") << quiet.dump();
    EXPECT_EQ(quiet["index"].value("lag", -1), 0);
    // No credentials needed, like /healthz.
    auto anonymous = NewClient(false);
    EXPECT_EQ(anonymous->Get("/readyz").status, 200);
}

// The options in `aktenwerk help` for serve and the keys of deploy/aktenwerk.conf are the
// same set, so that neither can drift from the other.
TEST_F(OperationsTest, SampleConfigurationDocumentsEveryServeOptionAndNoOther) {
    auto help = RunCommand({AktenwerkBinary(), "help"});
    ASSERT_EQ(help.exit_code, 0);
    const size_t start = help.output.find("  aktenwerk serve");
    const size_t end = help.output.find("\n  aktenwerk ", start + 1);
    ASSERT_NE(start, std::string::npos);
    const std::string usage = help.output.substr(start, end - start);
    std::set<std::string> options;
    const std::regex option("--([a-z][a-z0-9-]*)");
    for (auto it = std::sregex_iterator(usage.begin(), usage.end(), option);
         it != std::sregex_iterator(); ++it) {
        options.insert((*it)[1]);
    }
    options.erase("config");  // the file itself

    const std::string sample = ReadFile(kSourceDir + "/deploy/aktenwerk.conf");
    std::set<std::string> keys;
    const std::regex key("(^|\n)#? ?([a-z][a-z0-9-]*) = ");
    for (auto it = std::sregex_iterator(sample.begin(), sample.end(), key);
         it != std::sregex_iterator(); ++it) {
        keys.insert((*it)[2]);
    }
    EXPECT_GE(options.size(), 15u);
    EXPECT_EQ(options, keys);
}

TEST_F(OperationsTest, SampleConfigurationStartsAServer) {
    // The test's --data and --listen come after and win over the sample's.
    ASSERT_TRUE(StartServer({"--config", kSourceDir + "/deploy/aktenwerk.conf"}));
    EXPECT_EQ(api().Get("/api/v1/aktenplan").status, 200);
    EXPECT_EQ(Metric("aktenwerk_disk_reserve_bytes"), uint64_t{64} << 20);
}

TEST_F(OperationsTest, CommandLineWinsOverTheConfigurationFile) {
    const std::string file = scratch().Sub("server.conf");
    WriteFile(file, "# test\nreserve = 1M\nlog-level = info\naccess-log = false\n");
    ASSERT_TRUE(StartServer({"--config", file}));
    EXPECT_EQ(Metric("aktenwerk_disk_reserve_bytes"), uint64_t{1} << 20);
    ASSERT_TRUE(server().Stop().has_value());
    EXPECT_NE(server().log_text().find("server started"), std::string::npos);
    EXPECT_EQ(server().log_text().find("request served"), std::string::npos);

    ASSERT_TRUE(StartServer({"--config", file, "--reserve", "2M", "--access-log", "true"}));
    EXPECT_EQ(Metric("aktenwerk_disk_reserve_bytes"), uint64_t{2} << 20);
    ASSERT_TRUE(server().Stop().has_value());
    EXPECT_NE(server().log_text().find("request served"), std::string::npos);
}

TEST_F(OperationsTest, UnknownConfigurationKeyStopsTheServerNamingTheKey) {
    const std::string file = scratch().Sub("typo.conf");
    WriteFile(file, "listen = 127.0.0.1:0\nmax-verbindung = 10\n");
    auto run =
        RunCommand({AktenwerkBinary(), "serve", "--config", file, "--data", scratch().Sub("data")});
    EXPECT_EQ(run.exit_code, 1) << run.output;
    EXPECT_NE(run.output.find("unknown key 'max-verbindung'"), std::string::npos) << run.output;

    WriteFile(file, "demo = vielleicht\n");
    run = RunCommand({AktenwerkBinary(), "serve", "--config", file, "--data", scratch().Sub("d")});
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.output.find("demo must be true or false"), std::string::npos) << run.output;

    run = RunCommand({AktenwerkBinary(), "serve", "--config", scratch().Sub("fehlt.conf"), "--data",
                      scratch().Sub("d")});
    EXPECT_EQ(run.exit_code, 1);
    EXPECT_NE(run.output.find("not found"), std::string::npos) << run.output;
}

// Whether `tool` is on PATH; the tests of deploy/ need it (deploy/install-deps.sh installs
// it) and skip only where it is truly absent.
bool HaveTool(const std::string& tool) {
    return RunCommand({"/bin/sh", "-c", "command -v " + tool}).exit_code == 0;
}

// systemd-analyze reads unit files without a running systemd (it is not PID 1 here). It
// needs the ExecStart binary to exist, so the unit is checked with the binary under test.
// --man=no: the unit's Documentation= pages are looked up with man(1), which a fresh machine
// without man-db lacks; the check is of the unit, not of the documentation.
TEST_F(OperationsTest, SystemdUnitVerifiesCleanAndIsHardened) {
    if (!HaveTool("systemd-analyze")) GTEST_SKIP() << "systemd-analyze missing (package systemd)";
    std::string unit = ReadFile(kSourceDir + "/deploy/aktenwerk.service");
    const std::string installed = "/usr/local/bin/aktenwerk";
    ASSERT_NE(unit.find(installed), std::string::npos);
    unit.replace(unit.find(installed), installed.size(), AktenwerkBinary());
    const std::string file = scratch().Sub("aktenwerk.service");
    WriteFile(file, unit);

    auto verify = RunCommand({"systemd-analyze", "verify", "--man=no", file});
    EXPECT_EQ(verify.exit_code, 0) << verify.output;
    // verify exits 0 on settings it ignores; it warns about them.
    EXPECT_EQ(verify.output, "") << verify.output;

    auto security = RunCommand({"systemd-analyze", "security", "--offline=yes", file});
    std::smatch exposure;
    ASSERT_TRUE(std::regex_search(security.output, exposure,
                                  std::regex("Overall exposure level for [^:]+: ([0-9.]+)")))
        << security.output;
    EXPECT_LE(std::stod(exposure[1]), 2.0) << security.output;
    for (const std::string setting :
         {"User=aktenwerk", "DynamicUser=no", "NoNewPrivileges=yes", "ProtectSystem=strict",
          "ProtectHome=yes", "PrivateTmp=yes", "ReadWritePaths=/var/lib/aktenwerk\n",
          "CapabilityBoundingSet=\n", "SystemCallFilter=@system-service"}) {
        EXPECT_NE(unit.find(setting), std::string::npos) << setting;
    }
    // The data directory is the only writable place: no other ReadWritePaths.
    EXPECT_EQ(unit.find("ReadWritePaths="), unit.rfind("ReadWritePaths="));
}

// The rotation that deploy/aktenwerk.logrotate sets up, run by the real logrotate on a copy
// pointed at a scratch file: the old lines move to the rotated file, and a writer that keeps
// its descriptor open in append mode (as systemd's StandardError=append: gives the server)
// goes on at the start of the cut file instead of leaving a hole.
TEST_F(OperationsTest, LogrotateConfigRotatesTheLogUnderAnOpenAppendingWriter) {
    if (!HaveTool("logrotate")) GTEST_SKIP() << "logrotate missing (package logrotate)";
    const std::string dir = scratch().Sub("log");
    fs::create_directories(dir);
    const std::string log = dir + "/aktenwerk.log";
    std::string config = ReadFile(kSourceDir + "/deploy/aktenwerk.logrotate");
    const std::string installed = "/var/log/aktenwerk/aktenwerk.log";
    ASSERT_NE(config.find(installed), std::string::npos);
    config.replace(config.find(installed), installed.size(), log);
    const std::string conf = scratch().Sub("logrotate.conf");
    WriteFile(conf, config);

    const int fd = ::open(log.c_str(), O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC, 0640);
    ASSERT_GE(fd, 0);
    const std::string before = "server started listen=127.0.0.1:8080\n";
    ASSERT_EQ(::write(fd, before.data(), before.size()), static_cast<ssize_t>(before.size()));
    auto rotated = RunCommand({"logrotate", "-f", "-s", scratch().Sub("state"), conf});
    ASSERT_EQ(rotated.exit_code, 0) << rotated.output;
    const std::string after = "request served status=200\n";
    ASSERT_EQ(::write(fd, after.data(), after.size()), static_cast<ssize_t>(after.size()));
    ::close(fd);

    EXPECT_EQ(ReadFile(log), after);
    std::vector<std::string> old;
    for (const auto& entry : fs::directory_iterator(dir)) {
        if (entry.path() != log) old.push_back(entry.path().string());
    }
    ASSERT_EQ(old.size(), 1u);
    EXPECT_EQ(ReadFile(old[0]), before) << old[0];
}

}  // namespace
}  // namespace aktenwerk::e2e
