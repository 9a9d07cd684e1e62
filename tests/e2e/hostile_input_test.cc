// The table of attacks of issue #6, sent as raw bytes to the real server: request smuggling
// and framing tricks, oversized and truncated input, malformed multipart, Range abuse,
// invalid UTF-8 in every place, traversal in paths, header injection through file names,
// slow clients and connection floods. After every row the server must still answer, and
// nothing may have changed but the audit of refusals.
//
// The xdomea endpoints (an archive's answer to an Aussonderung, the Aktenplan import of a
// 0301) get hostile XML and ZIP: external entities to a file and to a loopback listener,
// entity bombs, deep nesting, entry names that leave the folder, too many entries, expansion
// bombs, truncated and damaged archives. The first rows of that kind (a file entity, an entity
// bomb and deep nesting in a 0502, a "../" entry) are in aussonderung_test.cc.
//
// Names with traversal, control characters and invalid UTF-8 and JSON nesting bombs have
// their own table in bad_input_test.cc; ids of other users' objects in security_test.cc.
// TODO(#5): CMIS AtomPub and CMIS query injection belong here once those endpoints exist;
// the limits for their parsers are in dms/untrusted_input.h and tested there.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <chrono>
#include <filesystem>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/xdomea_archive.h"
#include "tests/support/zip_builder.h"

namespace aktenwerk::e2e {
namespace {

using test_support::BasicAuth;
using test_support::RawConnection;

struct Attack {
    std::string name;
    std::string bytes;            // the whole request as sent
    std::vector<int> acceptable;  // statuses that count as a proper refusal (0: no answer)
};

// The status of the first response in `raw`, or 0 when none arrived.
int StatusOf(const std::string& raw) {
    if (raw.rfind("HTTP/1.1 ", 0) != 0 || raw.size() < 12) return 0;
    return std::stoi(raw.substr(9, 3));
}

class HostileInputTest : public E2eTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(StartServer({"--header-timeout", "2", "--max-verbindungen", "8"}));
        ablage_ = CreateAblage("32.10.01");
        dokument_ = UploadDokument(ablage_.vorgang_id, "Antrag.txt", "0123456789");
        auth_ = "Authorization: " + BasicAuth("admin", server().admin_password()) + "\r\n";
    }

    std::string Send(const std::string& bytes,
                     std::chrono::milliseconds wait = std::chrono::seconds(10)) {
        RawConnection conn;
        if (!conn.Connect(server().host(), server().port())) return "";
        conn.Write(bytes);
        return conn.ReadUntilClose(wait);
    }

    std::string Post(const std::string& target, const std::string& headers,
                     const std::string& body) {
        return "POST " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth_ +
               headers + "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + body;
    }
    std::string Get(const std::string& target, const std::string& headers = "") {
        return "GET " + target + " HTTP/1.1\r\nHost: x\r\nConnection: close\r\n" + auth_ + headers +
               "\r\n";
    }
    std::string Multipart(const std::string& body) {
        return Post("/api/v1/dokumente", "Content-Type: multipart/form-data; boundary=XyZ\r\n",
                    body);
    }

    // What must not change: the objects under the Vorgang and the versions of the Dokument.
    void ExpectNothingChanged() {
        EXPECT_EQ(Children("/api/v1/vorgaenge/" + ablage_.vorgang_id + "/inhalt").size(), 1u);
        EXPECT_EQ(Versions(dokument_).size(), 1u);
        auto res = api().Get("/healthz");
        EXPECT_EQ(res.status, 200) << res.Describe();
    }

    void RunTable(const std::vector<Attack>& attacks) {
        for (const auto& attack : attacks) {
            SCOPED_TRACE(attack.name);
            std::string answer = Send(attack.bytes);
            int status = StatusOf(answer);
            EXPECT_TRUE(std::find(attack.acceptable.begin(), attack.acceptable.end(), status) !=
                        attack.acceptable.end())
                << "status " << status << ":\n"
                << answer.substr(0, 600);
            EXPECT_EQ(answer.find("Set-Cookie"), std::string::npos);
            ExpectNothingChanged();
        }
        ExpectAuditChainIntact();
    }

    Ablage ablage_;
    std::string dokument_;
    std::string auth_;
};

TEST_F(HostileInputTest, FramingTricksAndOversizedHeadersAreRefused) {
    const std::string v = ablage_.vorgang_id;
    const std::string upload = "/api/v1/dokumente?parent_id=" + v + "&dateiname=a.txt";
    RunTable({
        {"two different Content-Lengths (smuggling)",
         "POST " + upload + " HTTP/1.1\r\nHost: x\r\n" + auth_ +
             "Content-Length: 3\r\nContent-Length: 30\r\n\r\nabc",
         {400}},
        {"Content-Length and chunked together (smuggling)",
         "POST " + upload + " HTTP/1.1\r\nHost: x\r\n" + auth_ +
             "Content-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n3\r\nabc\r\n0\r\n\r\n",
         {400}},
        {"a chunk size that is not hex",
         "POST " + upload + " HTTP/1.1\r\nHost: x\r\n" + auth_ +
             "Transfer-Encoding: chunked\r\n\r\nzz\r\nabc\r\n0\r\n\r\n",
         {400}},
        {"a negative Content-Length",
         "POST " + upload + " HTTP/1.1\r\nHost: x\r\n" + auth_ + "Content-Length: -1\r\n\r\n",
         {400}},
        {"a Content-Length past 2^64",
         "POST " + upload + " HTTP/1.1\r\nHost: x\r\n" + auth_ +
             "Content-Length: 99999999999999999999999\r\n\r\n",
         {400}},
        {"a header line without a colon", Get("/healthz", "Kaputt\r\n"), {400}},
        {"a bare LF instead of CRLF", "GET /healthz HTTP/1.1\nHost: x\n\n", {400}},
        {"a header of 20 KiB",
         Get("/healthz", "X-Pad: " + std::string(20 * 1024, 'a') + "\r\n"),
         {431}},
        {"a URL of 20 KiB", Get("/api/v1/akten/" + std::string(20 * 1024, 'a')), {431}},
        {"HTTP/0.9 style request", "GET /healthz\r\n\r\n", {400, 0}},
        {"an unknown HTTP version", "GET /healthz HTTP/7.1\r\nHost: x\r\n\r\n", {400}},
        {"a NUL byte in the path", Get(std::string("/api/v1/akten/a\0b", 16)), {400}},
        {"an encoded NUL in the id", Get("/api/v1/akten/a%00b"), {400, 404}},
        {"TRACE",
         "TRACE /api/v1/aktenplan HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n",
         {405}},
        {"a body of 2 MiB on a JSON route",
         Post("/api/v1/akten", "Content-Type: application/json\r\n", std::string(2 << 20, ' ')),
         {413}},
    });
}

TEST_F(HostileInputTest, TraversalInPathsFindsNothingOutsideTheApi) {
    RunTable({
        {"dot segments", Get("/api/v1/dokumente/../../../../etc/passwd"), {404}},
        {"encoded dot segments",
         Get("/api/v1/dokumente/%2e%2e%2f%2e%2e%2fetc%2fpasswd"),
         {400, 404}},
        {"encoded slash in an id", Get("/api/v1/dokumente/..%2F..%2Fblobs/inhalt"), {400, 404}},
        {"backslashes", Get("/api/v1/dokumente/..\\..\\meta\\CURRENT/inhalt"), {400, 404}},
        {"a Kennzeichen lookup with dots", Get("/api/v1/akten?aktenzeichen=..%2F..%2F"), {404}},
        {"a version number with traversal",
         Get("/api/v1/dokumente/" + dokument_ + "/versionen/..%2F1/inhalt"),
         {400, 404}},
        {"not an absolute path", "GET api/v1/aktenplan HTTP/1.1\r\nHost: x\r\n\r\n", {400}},
    });
}

TEST_F(HostileInputTest, MalformedMultipartIsRefusedAndStoresNothing) {
    const std::string v = ablage_.vorgang_id;
    const std::string field =
        "--XyZ\r\nContent-Disposition: form-data; name=\"parent_id\"\r\n\r\n" + v + "\r\n";
    const std::string file_head =
        "--XyZ\r\nContent-Disposition: form-data; name=\"datei\"; filename=\"a.txt\"\r\n\r\n";
    RunTable({
        {"no boundary parameter",
         Post("/api/v1/dokumente", "Content-Type: multipart/form-data\r\n", field),
         {400}},
        {"the closing boundary never comes",
         Multipart(field + file_head + "Inhalt ohne Ende"),
         {400}},
        {"a part header of 20 KiB",
         Multipart("--XyZ\r\nContent-Disposition: form-data; name=\"" +
                   std::string(20 * 1024, 'n') + "\"\r\n\r\nx\r\n--XyZ--\r\n"),
         {400}},
        {"a part without Content-Disposition", Multipart("--XyZ\r\n\r\nx\r\n--XyZ--\r\n"), {400}},
        {"two file parts",
         Multipart(field + file_head + "a\r\n" + file_head + "b\r\n--XyZ--\r\n"),
         {400}},
        {"a field of 100 KiB",
         Multipart("--XyZ\r\nContent-Disposition: form-data; name=\"betreff\"\r\n\r\n" +
                   std::string(100 * 1024, 'b') + "\r\n--XyZ--\r\n"),
         {400, 413}},
        {"a boundary of 200 characters",
         Post("/api/v1/dokumente",
              "Content-Type: multipart/form-data; boundary=" + std::string(200, 'b') + "\r\n",
              field),
         {400}},
        {"a filename with CR LF and a header",
         Multipart(field + "--XyZ\r\nContent-Disposition: form-data; name=\"datei\"; "
                           "filename=\"a\r\nSet-Cookie: x=1.txt\"\r\n\r\nInhalt\r\n--XyZ--\r\n"),
         {400}},
        {"a filename* with encoded CR LF",
         Multipart(
             field +
             "--XyZ\r\nContent-Disposition: form-data; name=\"datei\"; "
             "filename*=UTF-8''a%0D%0ASet-Cookie%3A%20x%3D1.txt\r\n\r\nInhalt\r\n--XyZ--\r\n"),
         {400}},
    });
}

TEST_F(HostileInputTest, InvalidUtf8IsRefusedWhereverItIsSent) {
    const std::string bad =
        "Stra\xdf"
        "e";
    RunTable({
        {"in a query value", Get("/api/v1/akten?aktenzeichen=" + bad), {400, 404}},
        {"in the path", Get("/api/v1/akten/" + bad), {400, 404}},
        {"in a percent-encoded path", Get("/api/v1/akten/Stra%DFe"), {400, 404}},
        {"in the user name of Basic credentials",
         "GET /api/v1/aktenplan HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: " +
             BasicAuth(bad, "irgendwas") + "\r\n\r\n",
         {401}},
        {"in a bearer token",
         "GET /api/v1/aktenplan HTTP/1.1\r\nHost: x\r\nConnection: close\r\nAuthorization: "
         "Bearer awt_" +
             bad + "\r\n\r\n",
         {401}},
        {"in a JSON key",
         Post("/api/v1/vorgaenge", "Content-Type: application/json\r\n",
              "{\"parent_id\":\"" + ablage_.akte_id + "\",\"" + bad + "\":\"x\"}"),
         {400}},
        {"in a multipart field",
         Multipart("--XyZ\r\nContent-Disposition: form-data; name=\"parent_id\"\r\n\r\n" +
                   ablage_.vorgang_id +
                   "\r\n--XyZ\r\nContent-Disposition: form-data; "
                   "name=\"betreff\"\r\n\r\n" +
                   bad + "\r\n--XyZ--\r\n"),
         {400}},
        {"in an Aktenplan import",
         Post("/api/v1/aktenplan/import", "Content-Type: text/csv\r\n",
              "kennzeichen;titel\n99;" + bad + "\n"),
         {400}},
        {"in If-Match",
         Get("/api/v1/akten/" + ablage_.akte_id, "If-None-Match: \"" + bad + "\"\r\n"),
         {200}},
    });
}

TEST_F(HostileInputTest, RangeAbuseGetsTheWholeContentOrA416) {
    const std::string content = "/api/v1/dokumente/" + dokument_ + "/inhalt";
    std::string many;
    for (int i = 0; i < 1000; ++i)
        many += (i ? "," : "") + std::to_string(i) + "-" + std::to_string(i);
    RunTable({
        {"1000 ranges", Get(content, "Range: bytes=" + many + "\r\n"), {200}},
        {"overlapping ranges", Get(content, "Range: bytes=0-5,1-6,2-7\r\n"), {200}},
        {"a start past 2^64",
         Get(content, "Range: bytes=99999999999999999999999-\r\n"),
         {200, 416}},
        {"a suffix of zero bytes", Get(content, "Range: bytes=-0\r\n"), {416}},
        {"start after end", Get(content, "Range: bytes=5-1\r\n"), {200}},
        {"another unit", Get(content, "Range: pages=1-2\r\n"), {200}},
        {"a start past the end", Get(content, "Range: bytes=100-200\r\n"), {416}},
        {"garbage", Get(content, "Range: bytes=a-b\r\n"), {200}},
    });
    // And an honest range still works.
    auto res = Download(dokument_, 0, {{"Range", "bytes=2-4"}});
    EXPECT_EQ(res.status, 206);
    EXPECT_EQ(res.body, "234");
}

TEST_F(HostileInputTest, AFileNameCannotInjectHeadersIntoTheDownload) {
    // Quotes, semicolons and non-ASCII pass validation; they must come back encoded.
    std::string id =
        UploadDokument(ablage_.vorgang_id, "a\"; filename=evil.exe; x=\"Müll.txt", "Inhalt");
    std::string answer = Send(Get("/api/v1/dokumente/" + id + "/inhalt"));

    ASSERT_EQ(StatusOf(answer), 200) << answer;
    std::string headers = answer.substr(0, answer.find("\r\n\r\n"));
    size_t at = headers.find("Content-Disposition: ");
    ASSERT_NE(at, std::string::npos);
    std::string disposition = headers.substr(at, headers.find("\r\n", at) - at);
    // The plain name is one quoted string (its own quotes replaced), the exact name is
    // percent-encoded: a parser finds exactly two parameters, whatever it does with quotes.
    EXPECT_EQ(std::count(disposition.begin(), disposition.end(), '"'), 2) << disposition;
    EXPECT_EQ(disposition.find("filename*=UTF-8''a%22%3B%20filename%3Devil.exe"),
              disposition.find("filename*="))
        << disposition;
    EXPECT_EQ(headers.find("\nx="), std::string::npos);
}

TEST_F(HostileInputTest, ASlowLorisIsCutOffAndOthersAreStillServed) {
    RawConnection slow;
    ASSERT_TRUE(slow.Connect(server().host(), server().port()));
    const std::string request = Get("/healthz");
    bool closed = false;
    // One byte every 300 ms would take minutes for the whole request; the header deadline
    // is 2 s. Bounded: at most 40 bytes (12 s).
    for (size_t i = 0; i < request.size() && i < 40 && !closed; ++i) {
        if (!slow.Write(request.substr(i, 1))) {
            closed = true;
            break;
        }
        closed = slow.WaitForPeerClose(std::chrono::milliseconds(300));
        EXPECT_EQ(api().Get("/healthz").status, 200);
    }
    if (!closed) closed = slow.WaitForPeerClose(std::chrono::seconds(5));
    EXPECT_TRUE(closed);
}

TEST_F(HostileInputTest, AConnectionFloodIsRefusedWith503AndTheServerRecovers) {
    // Eight connections are allowed; the fixture's client may hold one.
    api().Close();
    std::vector<std::unique_ptr<RawConnection>> idle;
    for (int i = 0; i < 8; ++i) {
        idle.push_back(std::make_unique<RawConnection>());
        ASSERT_TRUE(idle.back()->Connect(server().host(), server().port()));
    }
    // Let the server register them (each is accepted by its own thread).
    std::string answer;
    for (int attempt = 0; attempt < 50 && StatusOf(answer) != 503; ++attempt) {
        answer = Send("GET /healthz HTTP/1.1\r\nHost: x\r\n\r\n", std::chrono::seconds(2));
        if (StatusOf(answer) != 503) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_EQ(StatusOf(answer), 503) << answer;
    EXPECT_NE(answer.find("Retry-After"), std::string::npos);

    idle.clear();
    bool recovered = false;
    for (int attempt = 0; attempt < 100 && !recovered; ++attempt) {
        recovered = api().Get("/healthz").status == 200;
        if (!recovered) std::this_thread::sleep_for(std::chrono::milliseconds(50));
    }
    EXPECT_TRUE(recovered);
}

// A TCP listener on loopback that nothing may connect to: the target of external entities.
// Connections queue in the backlog whether or not anyone accepts them, so one made while the
// server parsed a message is pending by the time its answer has arrived.
class Tripwire {
  public:
    Tripwire() {
        fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
        socklen_t len = sizeof(addr);
        if (fd_ < 0 || ::bind(fd_, reinterpret_cast<sockaddr*>(&addr), len) != 0 ||
            ::listen(fd_, 16) != 0 ||
            ::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
            ADD_FAILURE() << "cannot listen on loopback";
            return;
        }
        port_ = ntohs(addr.sin_port);
    }
    ~Tripwire() {
        if (fd_ >= 0) ::close(fd_);
    }
    Tripwire(const Tripwire&) = delete;
    Tripwire& operator=(const Tripwire&) = delete;

    uint16_t port() const { return port_; }
    std::string Url(const std::string& path) const {
        return "http://127.0.0.1:" + std::to_string(port_) + path;
    }
    // True when a connection is waiting (does not wait itself).
    bool Touched() const {
        pollfd p{fd_, POLLIN, 0};
        return ::poll(&p, 1, 0) > 0;
    }

  private:
    int fd_ = -1;
    uint16_t port_ = 0;
};

struct XdomeaAttack {
    std::string name;
    std::string body;
    std::string type;  // Content-Type
    std::string problem;
    int status = 400;
};

// An Aussonderung offered to the archive (waiting for its 0502) and an Aktenplan with a rule,
// both checked after every hostile message for change.
class HostileXdomeaTest : public E2eTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(StartServer({"--behoerdenkennung", "psw:073110000000", "--behoerde",
                                 "Stadt Musterstadt", "--archiv", "Landesarchiv Musterland"}));
        const json unit = CreateEinheit("70", "Umwelt");
        ASSERT_FALSE(unit.is_null());
        auto rule = api().Send(
            {"PUT",
             "/api/v1/aktenplan/einheiten/" + unit["id"].get<std::string>() + "/aufbewahrung",
             {{"Content-Type", "application/json"}},
             json{{"frist_jahre", 10}, {"aussonderungsart", "B"}}.dump(),
             {}});
        ASSERT_EQ(rule.status, 200) << rule.Describe();
        auto akte = api().PostJson("/api/v1/akten", {{"parent_id", unit["id"]},
                                                     {"betreff", "Deponie Nord"},
                                                     {"laufzeit_beginn", "2005-01-03"}});
        ASSERT_EQ(akte.status, 201) << akte.Describe();
        akte_ = akte.Json()["id"];
        auto zda = api().PostJson("/api/v1/akten/" + akte_ + "/zda",
                                  {{"datum", "2011-11-30"}, {"grund", "Migration"}});
        ASSERT_EQ(zda.status, 200) << zda.Describe();

        auto run = api().PostJson("/api/v1/aussonderungen", {{"einheit_kennzeichen", "70"}});
        ASSERT_EQ(run.status, 201) << run.Describe();
        run_ = run.Json()["id"];
        auto offered =
            api().Post("/api/v1/aussonderungen/" + run_ + "/anbieten", "", "application/json");
        ASSERT_EQ(offered.status, 200) << offered.Describe();
        before_ = Snapshot();
        escape_name_ = "aktenwerk-hostile-" + run_ + ".xml";
    }

    // The 0502 the archive would send, with `doctype` put before its root element.
    std::string Appraisal(const std::string& doctype = "") const {
        std::string xml =
            test_support::ArchiveMessages().Bewertungsverzeichnis(run_, {{akte_, 'A'}}, false);
        const size_t root = xml.find("<xdomea:");
        return xml.substr(0, root) + doctype + xml.substr(root);
    }
    std::string AppraisalEntry() const {
        return run_ + "_Aussonderung.Bewertungsverzeichnis.0502.xml";
    }
    std::string AppraisalZip() const {
        return test_support::ZipBuilder().Add(AppraisalEntry(), Appraisal(), true).Build();
    }

    // What must not change: the process, its objects and the Aktenplan with its rules.
    json Snapshot() {
        const json run = api().Get("/api/v1/aussonderungen/" + run_).Json();
        return {{"status", run["status"]},
                {"nachrichten", run["nachrichten"]},
                {"objekte", api().Get("/api/v1/aussonderungen/" + run_ + "/objekte").Json()},
                {"aktenplan", api().Get("/api/v1/aktenplan").Json()},
                {"export", api().Get("/api/v1/aktenplan/export?format=csv").body}};
    }

    // Sends each attack to `target` and checks the refusal, that the server still answers,
    // that nothing changed, that no entity was fetched and no file written beside the data.
    void RunTable(const std::string& target, const std::vector<XdomeaAttack>& attacks) {
        for (const auto& a : attacks) {
            SCOPED_TRACE(a.name);
            auto res = api().Post(target, a.body, a.type);
            EXPECT_EQ(res.status, a.status) << res.Describe();
            EXPECT_EQ(res.Header("Content-Type").rfind("application/problem+json", 0), 0u)
                << res.Describe();
            EXPECT_EQ(res.ProblemType(), Problem(a.problem)) << res.Describe();
            EXPECT_EQ(api().Get("/healthz").status, 200);
            EXPECT_EQ(Snapshot(), before_);
            EXPECT_FALSE(tripwire_.Touched()) << "the server fetched an external entity";
            ExpectNothingEscaped();
        }
        ExpectAuditChainIntact();
    }

    // Entries named "../" + escape_name_ (and deeper) must not appear above the data folder.
    void ExpectNothingEscaped() {
        namespace fs = std::filesystem;
        fs::path dir = fs::path(server().data_dir());
        for (int up = 0; up < 4 && dir.has_parent_path(); ++up) {
            EXPECT_FALSE(fs::exists(dir / escape_name_)) << dir / escape_name_;
            dir = dir.parent_path();
        }
        EXPECT_FALSE(fs::exists(fs::path("/tmp") / escape_name_));
    }

    std::string Nachrichten() const { return "/api/v1/aussonderungen/" + run_ + "/nachrichten"; }

    std::string akte_, run_, escape_name_;
    json before_;
    Tripwire tripwire_;
};

// An entity bomb: ten levels of ten references each (10^10 characters when expanded).
std::string EntityBomb() {
    std::string bomb = "<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">";
    for (char c = 'b'; c <= 'j'; ++c) {
        bomb += std::string("<!ENTITY ") + c + " \"";
        for (int k = 0; k < 10; ++k) bomb += std::string("&") + static_cast<char>(c - 1) + ";";
        bomb += "\">";
    }
    return bomb + "]>\n";
}

TEST_F(HostileXdomeaTest, EntitiesInAnArchivesAnswerAreNeverResolved) {
    {
        // The tripwire itself: a connection to it shows.
        Tripwire probe;
        RawConnection conn;
        ASSERT_TRUE(conn.Connect("127.0.0.1", probe.port()));
        EXPECT_TRUE(probe.Touched());
    }
    const std::string file_entity = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n";
    const std::string http_entity =
        "<!DOCTYPE x [<!ENTITY e SYSTEM \"" + tripwire_.Url("/entity") + "\">]>\n";
    std::string with_reference = Appraisal(http_entity);
    with_reference.insert(with_reference.find("</xdomea:ID>"), "&e;");
    RunTable(
        Nachrichten(),
        {
            {"an entity on a loopback URL, referenced", with_reference, "application/xml",
             "invalid-xdomea"},
            {"an external DTD on a loopback URL",
             Appraisal("<!DOCTYPE x SYSTEM \"" + tripwire_.Url("/dtd") + "\">\n"),
             "application/xml", "invalid-xdomea"},
            {"a parameter entity on a loopback URL",
             Appraisal("<!DOCTYPE x [<!ENTITY % p SYSTEM \"" + tripwire_.Url("/p") + "\"> %p;]>\n"),
             "application/xml", "invalid-xdomea"},
            {"a file entity inside a ZIP",
             test_support::ZipBuilder().Add(AppraisalEntry(), Appraisal(file_entity), true).Build(),
             "application/zip", "invalid-xdomea"},
            {"an entity bomb inside a ZIP",
             test_support::ZipBuilder()
                 .Add(AppraisalEntry(), Appraisal(EntityBomb()), true)
                 .Build(),
             "application/zip", "invalid-xdomea"},
        });
}

TEST_F(HostileXdomeaTest, HostileZipsAreRefusedBeforeTheirContentIsUsed) {
    const std::string xml = Appraisal();
    test_support::ZipBuilder many;
    for (int i = 0; i < 1001; ++i) many.Add("anlage" + std::to_string(i) + ".txt", "x");
    many.Add(AppraisalEntry(), xml);
    // 64 MiB of zeros deflate to about 64 KiB: a ratio of about 1000.
    const std::string zeros(64u << 20, '\0');
    const std::string zip = AppraisalZip();
    // Inverted bytes inside the deflated message, past its local header and name.
    std::string damaged = zip;
    const size_t data_at = 30 + AppraisalEntry().size();
    for (size_t i = data_at + 8; i < data_at + 40; ++i) damaged[i] = static_cast<char>(~damaged[i]);
    RunTable(
        Nachrichten(),
        {
            {"1001 attachments beside the message", many.Build(), "application/zip", "unsafe-zip"},
            {"the same, its end record claiming 2 entries", many.Build(2), "application/zip",
             "unsafe-zip"},
            {"an expansion bomb beside the message",
             test_support::ZipBuilder()
                 .Add(AppraisalEntry(), xml, true)
                 .Add("anlage.bin", zeros, true)
                 .Build(),
             "application/zip", "unsafe-zip"},
            {"an expansion bomb as the message, its size understated",
             test_support::ZipBuilder().Add(AppraisalEntry(), zeros, true, 1000).Build(),
             "application/zip", "unsafe-zip"},
            {"an absolute entry name",
             test_support::ZipBuilder()
                 .Add(AppraisalEntry(), xml, true)
                 .Add("/tmp/" + escape_name_, xml)
                 .Build(),
             "application/zip", "unsafe-zip"},
            {"a deep ../ entry name beside the message",
             test_support::ZipBuilder()
                 .Add(AppraisalEntry(), xml, true)
                 .Add("../../../../" + escape_name_, xml)
                 .Build(),
             "application/zip", "unsafe-zip"},
            {"a backslash entry name",
             test_support::ZipBuilder()
                 .Add(AppraisalEntry(), xml, true)
                 .Add("..\\..\\" + escape_name_, xml)
                 .Build(),
             "application/zip", "unsafe-zip"},
            {"a truncated ZIP", zip.substr(0, zip.size() / 2), "application/zip", "invalid-zip"},
            {"a ZIP whose data was cut out, its directory kept",
             zip.substr(0, data_at + 8) + zip.substr(zip.find(std::string("PK\x01\x02", 4))),
             "application/zip", "invalid-zip"},
            {"a ZIP with damaged compressed data", damaged, "application/zip", "invalid-zip"},
            {"a local header and nothing else", std::string("PK\x03\x04", 4), "application/zip",
             "invalid-zip"},
        });

    // The same process takes the honest answer afterwards.
    auto res = api().Post(Nachrichten(), zip, "application/zip");
    ASSERT_EQ(res.status, 200) << res.Describe();
    EXPECT_EQ(res.Json()["status"], "bewertet");
}

TEST_F(HostileXdomeaTest, HostileAktenplanImportsChangeNothing) {
    const std::string plan = api().Get("/api/v1/aktenplan/export?format=xdomea").body;
    ASSERT_NE(plan.find("Aktenplan.Aktenplan.0301"), std::string::npos) << plan.substr(0, 400);
    // The exported plan with a new unit 71, so that an accepted import would show.
    std::string extended = plan;
    const size_t first = extended.find("<xdomea:Kennzeichen>70<");
    ASSERT_NE(first, std::string::npos) << plan;
    extended.replace(first, 23, "<xdomea:Kennzeichen>71<");
    auto doctype = [&](const std::string& dtd) {
        const size_t root = extended.find("<xdomea:Aktenplan.Aktenplan.0301");
        return extended.substr(0, root) + dtd + extended.substr(root);
    };
    std::string file_entity = doctype("<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n");
    file_entity.insert(file_entity.find("</xdomea:Bezeichnung>"), "&e;");
    std::string http_entity =
        doctype("<!DOCTYPE x [<!ENTITY e SYSTEM \"" + tripwire_.Url("/plan") + "\">]>\n");
    http_entity.insert(http_entity.find("</xdomea:Bezeichnung>"), "&e;");
    std::string bomb = doctype(EntityBomb());
    bomb.insert(bomb.find("</xdomea:Bezeichnung>"), "&j;");
    std::string deep = extended;
    std::string nest;
    for (int i = 0; i < 5000; ++i) nest += "<xdomea:Einheit>";
    deep.insert(deep.find("</xdomea:Aktenplan>"), nest);
    const std::string zipped =
        test_support::ZipBuilder().Add("plan_Aktenplan.Aktenplan.0301.xml", extended, true).Build();

    RunTable("/api/v1/aktenplan/import",
             {
                 {"a file entity", file_entity, "application/xml", "invalid-xdomea"},
                 {"an entity on a loopback URL", http_entity, "application/xml", "invalid-xdomea"},
                 {"an external DTD on a loopback URL",
                  doctype("<!DOCTYPE x SYSTEM \"" + tripwire_.Url("/plan.dtd") + "\">\n"),
                  "application/xml", "invalid-xdomea"},
                 {"an entity bomb", bomb, "application/xml", "invalid-xdomea"},
                 {"5000 nested units", deep, "application/xml", "invalid-xdomea"},
                 {"a ZIP package (the import takes XML text only)", zipped, "application/xml",
                  "invalid-argument"},
             });

    // The extended plan itself is taken: the refusals were not for want of a valid message.
    auto res = api().Post("/api/v1/aktenplan/import", extended, "application/xml");
    ASSERT_EQ(res.status, 200) << res.Describe();
    EXPECT_EQ(res.Json()["angelegt"], 1) << res.Describe();
}

}  // namespace
}  // namespace aktenwerk::e2e
