// End-to-end tests of `aktenwerk verify` and the audit export: a real server files and signs
// documents and is stopped; then copies of its data directory are tampered with on purpose
// (a byte of a blob, an audit entry changed or removed, the chain cut short, two signatures
// swapped) and the real binary must report each. Signatures and the exported chain are
// checked with the openssl command line.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>

#include <gtest/gtest.h>
#include <leveldb/db.h>
#include <nlohmann/json.hpp>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/signed_pdf.h"
#include "tests/support/tsa_responder.h"

namespace aktenwerk::e2e {
namespace {

using test_support::CommandResult;
using test_support::RunCommand;

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void WriteFile(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
}

std::string Sortable(uint64_t n) {
    std::string s = std::to_string(n);
    return std::string(20 - s.size(), '0') + s;
}

// The metadata store of a stopped data directory, opened with LevelDB itself, with the
// value encoding (a version byte, then MessagePack) undone and redone by hand.
class RawStore {
  public:
    explicit RawStore(const std::string& data_dir) {
        leveldb::DB* db = nullptr;
        leveldb::Options options;
        status_ = leveldb::DB::Open(options, data_dir + "/meta", &db);
        db_.reset(db);
    }
    bool ok() const { return status_.ok(); }
    json Get(const std::string& key) {
        std::string raw;
        if (!db_->Get(leveldb::ReadOptions(), key, &raw).ok() || raw.empty()) return json();
        return json::from_msgpack(raw.substr(1));
    }
    void Put(const std::string& key, const json& value) {
        std::vector<uint8_t> packed = json::to_msgpack(value);
        std::string raw(1, '\1');
        raw.append(packed.begin(), packed.end());
        ASSERT_TRUE(db_->Put(leveldb::WriteOptions(), key, raw).ok());
    }
    void Delete(const std::string& key) {
        ASSERT_TRUE(db_->Delete(leveldb::WriteOptions(), key).ok());
    }
    std::vector<std::string> KeysWithPrefix(const std::string& prefix) {
        std::vector<std::string> out;
        std::unique_ptr<leveldb::Iterator> it(db_->NewIterator(leveldb::ReadOptions()));
        for (it->Seek(prefix); it->Valid() && it->key().starts_with(prefix); it->Next()) {
            out.push_back(it->key().ToString());
        }
        return out;
    }

  private:
    leveldb::Status status_;
    std::unique_ptr<leveldb::DB> db_;
};

class IntegrityE2eTest : public E2eTest {
  protected:
    // Files two signed Dokumente, seals the audit head and stops the server.
    void FileSignAndStop() {
        ASSERT_TRUE(StartServer());
        Ablage ablage = CreateAblage();
        erster_ = UploadDokument(ablage.vorgang_id, "bescheid.txt", "Bescheid vom 3. März");
        zweiter_ = UploadDokument(ablage.vorgang_id, "anlage.txt", "Anlage zum Bescheid");
        for (const auto& id : {erster_, zweiter_}) {
            HttpResponse r = api().Post("/api/v1/dokumente/" + id + "/versionen/1/signieren", "",
                                        "application/json");
            ASSERT_EQ(r.status, 201) << r.body;
        }
        HttpResponse sealed = api().Post("/api/v1/integritaet/siegel", "", "application/json");
        ASSERT_EQ(sealed.status, 200) << sealed.body;
        ASSERT_EQ(server().Stop(), 0) << server().log_text();
    }

    CommandResult Verify(const std::string& data_dir) {
        return RunCommand({AktenwerkBinary(), "verify", "--data", data_dir});
    }

    // A copy of the stopped server's data directory, for one tampering.
    std::string Copy(const std::string& name) {
        const std::string to = scratch().Sub(name);
        std::filesystem::copy(server().data_dir(), to, std::filesystem::copy_options::recursive);
        return to;
    }

    std::string erster_, zweiter_;
};

TEST_F(IntegrityE2eTest, VerifyFindsNothingWrongInAnUntouchedDataDirectory) {
    FileSignAndStop();
    CommandResult r = Verify(server().data_dir());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("verify ok"), std::string::npos) << r.output;
    EXPECT_NE(r.output.find("signaturen=2"), std::string::npos) << r.output;
}

TEST_F(IntegrityE2eTest, EachTamperingOfAStoppedDataDirectoryIsReported) {
    FileSignAndStop();
    struct Row {
        std::string name;
        std::function<void(const std::string& dir)> tamper;
        std::string expected;  // part of the fault line
    };
    const std::vector<Row> rows = {
        {"a changed byte in a blob",
         [](const std::string& dir) {
             for (const auto& e : std::filesystem::recursive_directory_iterator(dir + "/blobs")) {
                 if (!e.is_regular_file() || e.path().parent_path().filename() == "tmp") continue;
                 std::filesystem::permissions(e.path(), std::filesystem::perms::owner_write,
                                              std::filesystem::perm_options::add);
                 std::string content = ReadFile(e.path());
                 content[0] = static_cast<char>(content[0] ^ 1);
                 WriteFile(e.path(), content);
                 return;
             }
         },
         "content does not match its name"},
        {"a changed audit entry",
         [](const std::string& dir) {
             RawStore store(dir);
             ASSERT_TRUE(store.ok());
             json entry = store.Get("a/" + Sortable(3));
             entry["akteur"] = "mallory";
             store.Put("a/" + Sortable(3), entry);
         },
         "audit 3: content does not match its hash"},
        {"a removed audit entry",
         [](const std::string& dir) {
             RawStore store(dir);
             ASSERT_TRUE(store.ok());
             store.Delete("a/" + Sortable(3));
         },
         "audit 4: entries 3 to 3 are missing"},
        {"a chain cut short behind its signed head",
         [](const std::string& dir) {
             RawStore store(dir);
             ASSERT_TRUE(store.ok());
             std::vector<std::string> entries = store.KeysWithPrefix("a/");
             ASSERT_GT(entries.size(), 3u);
             for (size_t i = entries.size() - 2; i < entries.size(); ++i) store.Delete(entries[i]);
             json last = store.Get(entries[entries.size() - 3]);
             store.Put("m/audit-head", {{"seq", last["seq"]}, {"hash", last["hash"]}});
         },
         "truncated"},
        {"two signatures swapped",
         [](const std::string& dir) {
             RawStore store(dir);
             ASSERT_TRUE(store.ok());
             std::vector<std::string> sigs = store.KeysWithPrefix("sig/v/");
             ASSERT_EQ(sigs.size(), 2u);
             json a = store.Get(sigs[0]);
             json b = store.Get(sigs[1]);
             std::swap(a["cms"], b["cms"]);
             store.Put(sigs[0], a);
             store.Put(sigs[1], b);
         },
         "server signature is ungueltig"},
    };
    int n = 0;
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        const std::string dir = Copy("case" + std::to_string(++n));
        row.tamper(dir);
        CommandResult r = Verify(dir);
        EXPECT_EQ(r.exit_code, 1) << r.output;
        EXPECT_NE(r.output.find("FEHLER"), std::string::npos) << r.output;
        EXPECT_NE(r.output.find(row.expected), std::string::npos) << r.output;
    }
}

TEST_F(IntegrityE2eTest, VerifyThroughTheApiOfALiveServerIsForAdministratorsOnly) {
    ASSERT_TRUE(StartServer());
    Ablage ablage = CreateAblage();
    UploadDokument(ablage.vorgang_id, "bescheid.txt", "Bescheid vom 3. März");
    const std::string url = server().base_url();
    CommandResult ok = RunCommand({AktenwerkBinary(), "verify", "--url", url},
                                  {"AKTENWERK_PASSWORD=" + server().admin_password()});
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_NE(ok.output.find("verify ok"), std::string::npos) << ok.output;

    CommandResult wrong =
        RunCommand({AktenwerkBinary(), "verify", "--url", url}, {"AKTENWERK_PASSWORD=falsch"});
    EXPECT_EQ(wrong.exit_code, 2) << wrong.output;

    // A blob changed under the running server is found by the live check.
    for (const auto& e :
         std::filesystem::recursive_directory_iterator(server().data_dir() + "/blobs")) {
        if (!e.is_regular_file() || e.path().parent_path().filename() == "tmp") continue;
        std::filesystem::permissions(e.path(), std::filesystem::perms::owner_write,
                                     std::filesystem::perm_options::add);
        WriteFile(e.path(), "verändert");
    }
    CommandResult bad = RunCommand({AktenwerkBinary(), "verify", "--url", url},
                                   {"AKTENWERK_PASSWORD=" + server().admin_password()});
    EXPECT_EQ(bad.exit_code, 1) << bad.output;
    EXPECT_NE(bad.output.find("content does not match its name"), std::string::npos) << bad.output;
}

TEST_F(IntegrityE2eTest, VerifyOverHttpsTrustsOnlyTheGivenCertificateForItsHost) {
    const std::string cert = scratch().Sub("tls.pem");
    const std::string key = scratch().Sub("tls.key");
    CommandResult made =
        RunCommand({"openssl", "req", "-x509", "-newkey", "ec", "-pkeyopt",
                    "ec_paramgen_curve:P-256", "-nodes", "-keyout", key, "-out", cert, "-days", "2",
                    "-subj", "/CN=127.0.0.1", "-addext", "subjectAltName=IP:127.0.0.1"});
    ASSERT_EQ(made.exit_code, 0) << made.output;
    ASSERT_TRUE(StartServer({"--tls-cert", cert, "--tls-key", key}));
    const std::string port = std::to_string(server().port());
    const std::vector<std::string> env = {"AKTENWERK_PASSWORD=" + server().admin_password()};
    auto verify = [&](const std::string& url, std::vector<std::string> extra) {
        std::vector<std::string> argv = {AktenwerkBinary(), "verify", "--url", url};
        argv.insert(argv.end(), extra.begin(), extra.end());
        return RunCommand(argv, env);
    };

    CommandResult ok = verify("https://127.0.0.1:" + port, {"--ca-datei", cert});
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
    EXPECT_NE(ok.output.find("verify ok"), std::string::npos) << ok.output;
    CommandResult untrusted = verify("https://127.0.0.1:" + port, {});
    EXPECT_EQ(untrusted.exit_code, 2) << untrusted.output;
    CommandResult other_name = verify("https://localhost:" + port, {"--ca-datei", cert});
    EXPECT_EQ(other_name.exit_code, 2) << other_name.output;
}

TEST_F(IntegrityE2eTest, ExportedSignatureIsAcceptedByOpensslCmsVerify) {
    ASSERT_TRUE(StartServer());
    Ablage ablage = CreateAblage();
    const std::string id =
        UploadDokument(ablage.vorgang_id, "bescheid.txt", "Bescheid vom 3. März");
    ASSERT_EQ(
        api()
            .Post("/api/v1/dokumente/" + id + "/versionen/1/signieren", "", "application/json")
            .status,
        201);
    HttpResponse sig = api().Get("/api/v1/dokumente/" + id + "/versionen/1/signaturen/1");
    ASSERT_EQ(sig.status, 200) << sig.body;
    EXPECT_EQ(sig.Header("Content-Type"), "application/pkcs7-signature");
    HttpResponse cert = api().Get("/api/v1/integritaet/zertifikat");
    ASSERT_EQ(cert.status, 200);
    EXPECT_EQ(cert.body.find("PRIVATE"), std::string::npos);
    WriteFile(scratch().Sub("sig.p7s"), sig.body);
    WriteFile(scratch().Sub("cert.pem"), cert.body);
    WriteFile(scratch().Sub("inhalt"), Download(id).body);

    CommandResult r =
        RunCommand({"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
                    scratch().Sub("sig.p7s"), "-content", scratch().Sub("inhalt"), "-CAfile",
                    scratch().Sub("cert.pem"), "-purpose", "any", "-out", "/dev/null"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
    json list = api().Get("/api/v1/dokumente/" + id + "/versionen/1/signaturen").Json();
    ASSERT_EQ(list["signaturen"].size(), 1u);
    EXPECT_EQ(list["signaturen"][0]["ergebnis"], "gueltig");
    EXPECT_EQ(server().log_text().find("PRIVATE KEY"), std::string::npos);
}

TEST_F(IntegrityE2eTest, AuditExportChecksWithExactlyTheOpensslCommandsOfItsReadme) {
    FileSignAndStop();
    const std::string out = scratch().Sub("export");
    CommandResult exported = RunCommand(
        {AktenwerkBinary(), "audit-export", "--data", server().data_dir(), "--out", out});
    ASSERT_EQ(exported.exit_code, 0) << exported.output;

    const std::string readme = ReadFile(out + "/README.txt");
    const size_t begin = readme.find("# --- check ---\n");
    const size_t end = readme.find("# --- end ---\n");
    ASSERT_TRUE(begin != std::string::npos && end != std::string::npos) << readme;
    WriteFile(scratch().Sub("check.sh"), readme.substr(begin, end - begin));
    auto check = [&] {
        return RunCommand(
            {"/bin/sh", "-c", "cd '" + out + "' && sh '" + scratch().Sub("check.sh") + "'"});
    };
    CommandResult r = check();
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("audit chain ok"), std::string::npos) << r.output;

    // An entry changed after the export is found by the same commands.
    std::string entry = ReadFile(out + "/entries/2.txt");
    entry.back() = entry.back() == '}' ? ' ' : '}';
    WriteFile(out + "/entries/2.txt", entry);
    r = check();
    EXPECT_NE(r.output.find("entry 2: hash differs"), std::string::npos) << r.output;
    EXPECT_EQ(r.output.find("audit chain ok"), std::string::npos) << r.output;
}

TEST_F(IntegrityE2eTest, TimestampsOfSignaturesAndChainHeadsPassOpensslTsVerify) {
    test_support::TsaResponder tsa;  // outlives the server: its shutdown seal is stamped too
    ASSERT_TRUE(tsa.ok()) << tsa.error();
    ASSERT_TRUE(StartServer({"--tsa-url", tsa.url(), "--tsa-vertrauen", tsa.cert_file()}));
    Ablage ablage = CreateAblage();
    const std::string id =
        UploadDokument(ablage.vorgang_id, "bescheid.txt", "Bescheid vom 3. März");
    const std::string base = "/api/v1/dokumente/" + id + "/versionen/1/";
    ASSERT_EQ(api().Post(base + "signieren", "", "application/json").status, 201);
    ASSERT_EQ(api().Post("/api/v1/integritaet/siegel", "", "application/json").status, 200);
    json listed = api().Get(base + "signaturen").Json();
    ASSERT_EQ(listed["signaturen"].size(), 1u);
    EXPECT_EQ(listed["signaturen"][0]["zeitstempel"], true);
    WriteFile(scratch().Sub("sig.p7s"), api().Get(base + "signaturen/1").body);
    WriteFile(scratch().Sub("sig.tst"), api().Get(base + "signaturen/1?teil=zeitstempel").body);
    UploadDokument(ablage.vorgang_id, "anlage.txt", "Anlage");  // moves the head once more
    ASSERT_EQ(server().Stop(), 0) << server().log_text();

    auto ts_verify = [&](const std::string& token, const std::string& data) {
        return RunCommand({"openssl", "ts", "-verify", "-token_in", "-in", token, "-data", data,
                           "-CAfile", tsa.cert_file()});
    };
    CommandResult sig = ts_verify(scratch().Sub("sig.tst"), scratch().Sub("sig.p7s"));
    EXPECT_EQ(sig.exit_code, 0) << sig.output;
    EXPECT_NE(sig.output.find("Verification: OK"), std::string::npos) << sig.output;

    const std::string out = scratch().Sub("export");
    ASSERT_EQ(
        RunCommand({AktenwerkBinary(), "audit-export", "--data", server().data_dir(), "--out", out})
            .exit_code,
        0);
    int heads = 0;
    for (const auto& e : std::filesystem::directory_iterator(out + "/heads")) {
        if (e.path().extension() != ".tst") continue;
        SCOPED_TRACE(e.path().string());
        std::filesystem::path p7s = e.path();
        p7s.replace_extension(".p7s");
        CommandResult head = ts_verify(e.path().string(), p7s.string());
        EXPECT_EQ(head.exit_code, 0) << head.output;
        ++heads;
    }
    EXPECT_GE(heads, 2) << "the sealed head and the shutdown seal";

    CommandResult verified = RunCommand({AktenwerkBinary(), "verify", "--data", server().data_dir(),
                                         "--tsa-vertrauen", tsa.cert_file()});
    EXPECT_EQ(verified.exit_code, 0) << verified.output;
    EXPECT_EQ(verified.output.find("zeitstempel=0"), std::string::npos) << verified.output;
}

TEST_F(IntegrityE2eTest, SignaturesArrivingWithDocumentsAreCheckedAgainstTheTrustAnchors) {
    const std::string d = scratch().path();
    CommandResult made = RunCommand(
        {"/bin/sh", "-c",
         "cd '" + d +
             "' && printf 'Antrag auf Erlaubnis' > antrag.txt"
             " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes -keyout "
             "ca.key -out ca.pem -days 30 -subj '/CN=Test CA' 2>&1"
             " && openssl cms -sign -binary -nodetach -in antrag.txt -signer ca.pem -inkey ca.key"
             " -outform DER -out antrag.p7m && openssl cms -sign -binary -in antrag.txt -signer "
             "ca.pem -inkey ca.key -outform DER -out antrag.p7s"});
    ASSERT_EQ(made.exit_code, 0) << made.output;
    ASSERT_TRUE(StartServer({"--vertrauensanker", d + "/ca.pem"}));
    Ablage ablage = CreateAblage();

    // An enveloping signature uploaded as the document itself (.p7m).
    const std::string p7m =
        UploadDokument(ablage.vorgang_id, "antrag.txt.p7m", ReadFile(d + "/antrag.p7m"));
    json list = api().Get("/api/v1/dokumente/" + p7m + "/versionen/1/signaturen").Json();
    ASSERT_EQ(list["signaturen"].size(), 1u) << list.dump();
    EXPECT_EQ(list["signaturen"][0]["ergebnis"], "gueltig");
    EXPECT_EQ(list["signaturen"][0]["format"], "cms-enveloping-inhalt");

    // A signed PDF: its signature dictionary is checked on upload, and a changed byte in
    // what it signs is found.
    const std::string pdf = test_support::SignedPdf(d, d + "/ca.pem", d + "/ca.key");
    ASSERT_FALSE(pdf.empty());
    std::string changed = pdf;
    changed[changed.find("/Count 0") + 7] = '1';
    for (const auto& [content, expected] :
         {std::pair{pdf, "gueltig"}, std::pair{changed, "ungueltig"}}) {
        const std::string id = UploadDokument(ablage.vorgang_id, "signiert.pdf", content);
        json sigs = api().Get("/api/v1/dokumente/" + id + "/versionen/1/signaturen").Json();
        ASSERT_EQ(sigs["signaturen"].size(), 1u) << sigs.dump();
        EXPECT_EQ(sigs["signaturen"][0]["format"], "pdf-signatur");
        EXPECT_EQ(sigs["signaturen"][0]["ergebnis"], expected) << sigs.dump();
        EXPECT_EQ(sigs["signaturen"][0]["geaendert_nach_signatur"], false) << sigs.dump();
    }
    // An incremental update appended after signing: valid for the signed revision only, and
    // the API says the document changed after signing.
    const std::string updated =
        UploadDokument(ablage.vorgang_id, "nachtrag.pdf",
                       pdf + "2 0 obj\n<< /Type /Pages /Kids [] /Count 2 >>\nendobj\n%%EOF\n");
    json after = api().Get("/api/v1/dokumente/" + updated + "/versionen/1/signaturen").Json();
    ASSERT_EQ(after["signaturen"].size(), 1u) << after.dump();
    EXPECT_EQ(after["signaturen"][0]["ergebnis"], "gueltig") << after.dump();
    EXPECT_EQ(after["signaturen"][0]["geaendert_nach_signatur"], true) << after.dump();
    EXPECT_NE(after["signaturen"][0].value("detail", "").find("changed after signing"),
              std::string::npos)
        << after.dump();
    // A truncated signed PDF is not taken for an unsigned one.
    const std::string cut = UploadDokument(ablage.vorgang_id, "kurz.pdf", pdf.substr(0, 200));
    json damaged = api().Get("/api/v1/dokumente/" + cut + "/versionen/1/signaturen").Json();
    ASSERT_EQ(damaged["signaturen"].size(), 1u) << damaged.dump();
    EXPECT_EQ(damaged["signaturen"][0]["ergebnis"], "ungueltig") << damaged.dump();

    // A detached .p7s sent with the document, and one over other content.
    const std::string doc = UploadDokument(ablage.vorgang_id, "antrag.txt", "Antrag auf Erlaubnis");
    HttpResponse good = api().Post("/api/v1/dokumente/" + doc + "/versionen/1/signaturen",
                                   ReadFile(d + "/antrag.p7s"), "application/pkcs7-signature");
    ASSERT_EQ(good.status, 201) << good.body;
    EXPECT_EQ(good.Json()["ergebnis"], "gueltig");
    const std::string other = UploadDokument(ablage.vorgang_id, "b.txt", "Antrag auf Erlaubnis!");
    HttpResponse bad = api().Post("/api/v1/dokumente/" + other + "/versionen/1/signaturen",
                                  ReadFile(d + "/antrag.p7s"), "application/pkcs7-signature");
    ASSERT_EQ(bad.status, 201) << bad.body;
    EXPECT_EQ(bad.Json()["ergebnis"], "ungueltig");
    HttpResponse junk = api().Post("/api/v1/dokumente/" + doc + "/versionen/1/signaturen",
                                   "kein CMS", "application/pkcs7-signature");
    EXPECT_EQ(junk.status, 400) << junk.body;

    ASSERT_EQ(server().Stop(), 0);
    CommandResult r = RunCommand({AktenwerkBinary(), "verify", "--data", server().data_dir(),
                                  "--vertrauensanker", d + "/ca.pem"});
    EXPECT_EQ(r.exit_code, 0) << r.output;
}

// A loopback listener whose connections the kernel completes and nobody ever answers.
class SilentListener {
  public:
    SilentListener() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof(addr);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
            ::listen(fd_, 8) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            return;
        }
        port_ = ntohs(addr.sin_port);
    }
    ~SilentListener() {
        if (fd_ >= 0) ::close(fd_);
    }
    int port() const { return port_; }

  private:
    int fd_ = -1;
    int port_ = 0;
};

TEST_F(IntegrityE2eTest, VerifyGivesUpOnAServerThatAcceptsAndNeverAnswers) {
    SilentListener silent;
    ASSERT_NE(silent.port(), 0);
    const auto started = std::chrono::steady_clock::now();
    CommandResult r =
        RunCommand({AktenwerkBinary(), "verify", "--url",
                    "http://127.0.0.1:" + std::to_string(silent.port()), "--timeout", "1"},
                   {"AKTENWERK_PASSWORD=egal"}, std::chrono::seconds(30));
    EXPECT_EQ(r.exit_code, 2) << r.output;
    EXPECT_NE(r.output.find("answer from 127.0.0.1:" + std::to_string(silent.port()) +
                            ": no progress for 1 s"),
              std::string::npos)
        << r.output;
    EXPECT_LT(std::chrono::steady_clock::now() - started, std::chrono::seconds(20));
    CommandResult bad =
        RunCommand({AktenwerkBinary(), "verify", "--url", "http://127.0.0.1:1", "--timeout", "0"});
    EXPECT_EQ(bad.exit_code, 2) << bad.output;
    EXPECT_NE(bad.output.find("--timeout must be"), std::string::npos) << bad.output;
}

TEST_F(IntegrityE2eTest, AuditExportRefusesATargetThatIsNotNewOrEmpty) {
    FileSignAndStop();
    const std::string full = scratch().Sub("voll");
    std::filesystem::create_directories(full);
    WriteFile(full + "/chain.txt", "fremd\n");
    const std::string file = scratch().Sub("datei");
    WriteFile(file, "fremd\n");
    for (const std::string& out : {full, file, server().data_dir() + "/meta"}) {
        SCOPED_TRACE(out);
        CommandResult r = RunCommand(
            {AktenwerkBinary(), "audit-export", "--data", server().data_dir(), "--out", out});
        EXPECT_EQ(r.exit_code, 2) << r.output;
        EXPECT_NE(r.output.find(out), std::string::npos) << r.output;
        EXPECT_FALSE(std::filesystem::exists(out + "/entries"));
    }
    EXPECT_EQ(ReadFile(full + "/chain.txt"), "fremd\n");
    EXPECT_EQ(ReadFile(file), "fremd\n");
    EXPECT_EQ(Verify(server().data_dir()).exit_code, 0);
    const std::string empty = scratch().Sub("leer");
    std::filesystem::create_directories(empty);
    CommandResult ok = RunCommand(
        {AktenwerkBinary(), "audit-export", "--data", server().data_dir(), "--out", empty});
    EXPECT_EQ(ok.exit_code, 0) << ok.output;
}

TEST_F(IntegrityE2eTest, HelpOfVerifyAndAuditExportPrintsTheirUsage) {
    for (const auto& [command, flag] :
         {std::pair{"verify", "--help"}, std::pair{"verify", "-h"},
          std::pair{"audit-export", "--help"}, std::pair{"audit-export", "-h"}}) {
        SCOPED_TRACE(std::string(command) + " " + flag);
        CommandResult r = RunCommand({AktenwerkBinary(), command, flag});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        EXPECT_NE(r.output.find(std::string("usage: aktenwerk ") + command), std::string::npos)
            << r.output;
        EXPECT_EQ(r.output.find("needs a value"), std::string::npos) << r.output;
    }
    CommandResult verify = RunCommand({AktenwerkBinary(), "verify", "--help"});
    EXPECT_NE(verify.output.find("--benutzer"), std::string::npos) << verify.output;
    EXPECT_NE(verify.output.find("--timeout"), std::string::npos) << verify.output;
}

}  // namespace
}  // namespace aktenwerk::e2e
