// The table of attacks of issue #6, sent as raw bytes to the real server: request smuggling
// and framing tricks, oversized and truncated input, malformed multipart, Range abuse,
// invalid UTF-8 in every place, traversal in paths, header injection through file names,
// slow clients and connection floods. After every row the server must still answer, and
// nothing may have changed but the audit of refusals.
//
// Names with traversal, control characters and invalid UTF-8 and JSON nesting bombs have
// their own table in bad_input_test.cc; ids of other users' objects in security_test.cc.
// TODO(#4): XML (external entities, billion laughs) and ZIP (entry names, count, ratio)
// rows for the xdomea endpoints, and TODO(#5) for CMIS AtomPub and CMIS query injection,
// belong here once those endpoints exist; the limits for their parsers are in
// dms/untrusted_input.h and tested there.
#include <chrono>
#include <string>
#include <thread>
#include <vector>

#include "tests/e2e/e2e_fixture.h"

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

}  // namespace
}  // namespace aktenwerk::e2e
