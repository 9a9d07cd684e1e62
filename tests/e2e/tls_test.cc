// End-to-end tests of TLS: the real server with a certificate made by `openssl req`, checked
// with `openssl s_client` (protocol versions and cipher suites it accepts and refuses) and
// with `curl` (the API and content up- and download over HTTPS).
#include <fstream>
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"

namespace aktenwerk::e2e {
namespace {

using test_support::CommandResult;
using test_support::RunCommand;
using test_support::RunCurl;

class TlsTest : public E2eTest {
  protected:
    void SetUp() override {
        cert_ = scratch().Sub("cert.pem");
        key_ = scratch().Sub("key.pem");
        CommandResult made = RunCommand({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                                         "ec_paramgen_curve:prime256v1", "-nodes", "-keyout", key_,
                                         "-out", cert_, "-days", "2", "-subj", "/CN=127.0.0.1",
                                         "-addext", "subjectAltName=IP:127.0.0.1"});
        ASSERT_EQ(made.exit_code, 0) << made.output;
        ASSERT_TRUE(StartServer({"--tls-cert", cert_, "--tls-key", key_}));
    }

    std::string Url(const std::string& path) {
        return "https://127.0.0.1:" + std::to_string(server().port()) + path;
    }
    std::string Credentials() { return "admin:" + server().admin_password(); }

    // Runs `openssl s_client` with `options`, sends one HTTP request and returns its output.
    CommandResult SClient(const std::vector<std::string>& options) {
        std::string command =
            "printf 'GET /healthz HTTP/1.1\\r\\nHost: x\\r\\nConnection: "
            "close\\r\\n\\r\\n' | openssl s_client -connect 127.0.0.1:" +
            std::to_string(server().port()) + " -CAfile " + cert_ +
            " -verify_return_error -servername localhost -ign_eof";
        for (const auto& o : options) command += " '" + o + "'";
        return RunCommand({"/bin/sh", "-c", command + " 2>&1"}, {}, std::chrono::seconds(30));
    }

    std::string cert_;
    std::string key_;
};

TEST_F(TlsTest, OpensslClientSpeaksTls13AndTls12WithAForwardSecretCipher) {
    CommandResult tls13 = SClient({"-tls1_3"});
    EXPECT_NE(tls13.output.find("HTTP/1.1 200"), std::string::npos) << tls13.output;
    EXPECT_NE(tls13.output.find("TLSv1.3"), std::string::npos);
    EXPECT_NE(tls13.output.find("Verify return code: 0 (ok)"), std::string::npos);

    CommandResult tls12 = SClient({"-tls1_2"});
    EXPECT_NE(tls12.output.find("HTTP/1.1 200"), std::string::npos) << tls12.output;
    EXPECT_NE(tls12.output.find("Protocol  : TLSv1.2"), std::string::npos);
    EXPECT_NE(tls12.output.find("ECDHE"), std::string::npos);
}

TEST_F(TlsTest, OldProtocolsAndWeakCiphersAreRefused) {
    // The client is told to allow what its own defaults forbid, so that the refusal is the
    // server's.
    for (const std::vector<std::string>& options :
         {std::vector<std::string>{"-tls1_1", "-cipher", "DEFAULT:@SECLEVEL=0"},
          std::vector<std::string>{"-tls1", "-cipher", "DEFAULT:@SECLEVEL=0"},
          std::vector<std::string>{"-tls1_2", "-cipher", "AES128-SHA:@SECLEVEL=0"},
          std::vector<std::string>{"-tls1_2", "-cipher", "ECDHE-ECDSA-AES128-SHA:@SECLEVEL=0"}}) {
        std::string label;
        for (const auto& o : options) label += o + " ";
        SCOPED_TRACE(label);
        CommandResult refused = SClient(options);
        EXPECT_EQ(refused.output.find("HTTP/1.1 200"), std::string::npos) << refused.output;
    }
    // The server still serves after the refusals.
    EXPECT_NE(SClient({}).output.find("HTTP/1.1 200"), std::string::npos);
}

TEST_F(TlsTest, CurlUsesTheApiAndMovesContentOverHttps) {
    auto plan = RunCurl({"--cacert", cert_, "-u", Credentials(), Url("/api/v1/aktenplan")});
    ASSERT_EQ(plan.status, 200) << plan.Describe();

    auto unit = RunCurl(
        {"--cacert", cert_, "-u", Credentials(), "-H", "Content-Type: application/json", "--data",
         R"({"kennzeichen":"32","titel":"Ordnung"})", Url("/api/v1/aktenplan/einheiten")});
    ASSERT_EQ(unit.status, 201) << unit.Describe();
    auto akte =
        RunCurl({"--cacert", cert_, "-u", Credentials(), "-H", "Content-Type: application/json",
                 "--data", json({{"parent_id", unit.Json()["id"]}, {"betreff", "TLS"}}).dump(),
                 Url("/api/v1/akten")});
    ASSERT_EQ(akte.status, 201) << akte.Describe();

    // Larger than one TLS record and one read buffer, so that both directions loop.
    std::string content;
    for (int i = 0; content.size() < 3'000'000; ++i) content += "Zeile " + std::to_string(i) + "\n";
    const std::string file = scratch().Sub("gross.txt");
    std::ofstream(file, std::ios::binary) << content;
    std::string id_of_akte = akte.Json()["id"];
    auto upload =
        RunCurl({"--cacert", cert_, "-u", Credentials(), "--data-binary", "@" + file,
                 Url("/api/v1/dokumente?parent_id=" + id_of_akte + "&dateiname=gross.txt")});
    ASSERT_EQ(upload.status, 201) << upload.Describe();

    std::string id = upload.Json()["id"];
    auto download = RunCurl(
        {"--cacert", cert_, "-u", Credentials(), Url("/api/v1/dokumente/" + id + "/inhalt")});
    ASSERT_EQ(download.status, 200) << download.output;
    EXPECT_EQ(download.body.size(), content.size());
    EXPECT_TRUE(download.body == content);

    auto range = RunCurl({"--cacert", cert_, "-u", Credentials(), "-r", "6-10",
                          Url("/api/v1/dokumente/" + id + "/inhalt")});
    EXPECT_EQ(range.status, 206);
    EXPECT_EQ(range.body, "0\nZei");
}

TEST_F(TlsTest, PlainHttpOnTheTlsPortGetsNoAnswer) {
    auto plain = RunCurl({"http://127.0.0.1:" + std::to_string(server().port()) + "/healthz"});
    EXPECT_NE(plain.status, 200) << plain.Describe();
    // And the server goes on serving TLS.
    EXPECT_EQ(RunCurl({"--cacert", cert_, Url("/healthz")}).status, 200);
}

TEST_F(TlsTest, AKeyThatDoesNotMatchTheCertificateStopsTheStart) {
    const std::string other_key = scratch().Sub("other.pem");
    ASSERT_EQ(RunCommand({"openssl", "genpkey", "-algorithm", "ec", "-pkeyopt",
                          "ec_paramgen_curve:prime256v1", "-out", other_key})
                  .exit_code,
              0);
    server().Kill();

    CommandResult run =
        RunCommand({AktenwerkBinary(), "serve", "--data", scratch().Sub("d2"), "--listen",
                    "127.0.0.1:0", "--tls-cert", cert_, "--tls-key", other_key},
                   {"AKTENWERK_ADMIN_PASSWORD=irgendein-passwort"});

    EXPECT_NE(run.exit_code, 0);
    EXPECT_NE(run.output.find("TLS key"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace aktenwerk::e2e
