// `verify` and `audit-export`, and the signing options of `serve`.
#include "interfaces/integrity_cli.h"

#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <fstream>
#include <iostream>

#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/host_name_verification.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <boost/beast/ssl.hpp>
#include <nlohmann/json.hpp>

#include "dms/audit.h"
#include "dms/keys.h"
#include "dms/model.h"
#include "storage/blob_store.h"
#include "storage/codec.h"
#include "storage/log.h"
#include "storage/metadata_store.h"

namespace aktenwerk::interfaces {
namespace {

using nlohmann::json;

std::string Opt(const std::map<std::string, std::string>& options, const std::string& key) {
    auto it = options.find(key);
    return it == options.end() ? std::string() : it->second;
}

std::vector<std::string> Split(const std::string& text) {
    std::vector<std::string> out;
    size_t start = 0;
    while (start < text.size()) {
        size_t comma = text.find(',', start);
        if (comma == std::string::npos) comma = text.size();
        if (comma > start) out.push_back(text.substr(start, comma - start));
        start = comma + 1;
    }
    return out;
}

constexpr std::string_view kVerifyUsage =
    "usage: aktenwerk verify --data DIR | --url URL [--benutzer NAME] [--ca-datei PEM]\n"
    "           [--timeout SECONDS] [--vertrauensanker PEM,PEM] [--tsa-vertrauen PEM,PEM]\n"
    "  Checks the whole repository: every blob re-hashed, every reference, the audit chain\n"
    "  and its signed heads, every signature, timestamp and evidence path. Prints each\n"
    "  fault; exits 1 when one was found, 2 when the check could not run. --data reads a\n"
    "  stopped server's directory; --url asks a running server (administrators, default\n"
    "  user admin; password from AKTENWERK_PASSWORD or stdin; over https the server\n"
    "  certificate must chain to --ca-datei or the system's anchors). --timeout (default\n"
    "  600) is the longest a connection may go without progress, and so the longest the\n"
    "  server's check may take.\n";

constexpr std::string_view kAuditExportUsage =
    "usage: aktenwerk audit-export --data DIR --out FOLDER\n"
    "  Writes the audit chain, its signed heads and the server certificates with a\n"
    "  README.txt telling how to check them with openssl alone (server stopped). FOLDER\n"
    "  must be new or empty.\n";

// True when the arguments after the command ask for help (--help or -h).
bool WantsHelp(int argc, char** argv) {
    for (int i = 2; i < argc; ++i) {
        const std::string_view a = argv[i];
        if (a == "--help" || a == "-h") return true;
    }
    return false;
}

// "--key value" and "--key=value" pairs; anything else is refused.
Result<std::map<std::string, std::string>> ParseOptions(int argc, char** argv,
                                                        const std::vector<std::string>& known) {
    std::map<std::string, std::string> out;
    for (int i = 2; i < argc; ++i) {
        std::string key = argv[i];
        if (key.rfind("--", 0) != 0) return InvalidArgumentError("unexpected argument " + key);
        key = key.substr(2);
        std::string value;
        if (size_t eq = key.find('='); eq != std::string::npos) {
            value = key.substr(eq + 1);
            key.resize(eq);
        } else if (i + 1 < argc) {
            value = argv[++i];
        } else {
            return InvalidArgumentError("--" + key + " needs a value");
        }
        if (std::find(known.begin(), known.end(), key) == known.end()) {
            return InvalidArgumentError("unknown option --" + key + " (see aktenwerk help)");
        }
        out[key] = value;
    }
    return out;
}

// Shows progress on stderr: redrawn in place on a terminal, else one line every 10 s.
class Progress {
  public:
    Progress() : tty_(::isatty(2) == 1), last_(std::chrono::steady_clock::now()) {}

    void Update(uint64_t done, uint64_t total) {
        const auto now = std::chrono::steady_clock::now();
        const auto every = tty_ ? std::chrono::milliseconds(200) : std::chrono::seconds(10);
        if (now - last_ < every && done != total) return;
        if (done == total && !shown_ && !tty_) return;
        last_ = now;
        shown_ = true;
        const double pct =
            total == 0 ? 100.0 : 100.0 * static_cast<double>(done) / static_cast<double>(total);
        char line[128];
        std::snprintf(line, sizeof(line), "verify: %llu of %llu MB hashed (%.0f%%)",
                      static_cast<unsigned long long>(done >> 20),
                      static_cast<unsigned long long>(total >> 20), pct);
        std::cerr << (tty_ ? "\r" : "") << line << (tty_ ? "" : "\n") << std::flush;
    }
    ~Progress() {
        if (tty_ && shown_) std::cerr << "\n";
    }

  private:
    bool tty_;
    bool shown_ = false;
    std::chrono::steady_clock::time_point last_;
};

int Report(const json& report) {
    for (const auto& f : report.value("fehler", json::array())) {
        std::cout << "FEHLER " << f.value("objekt", "") << ": " << f.value("fehler", "") << "\n";
    }
    const bool ok = report.value("ok", false);
    std::cout << (ok ? "verify ok" : "verify FAILED") << " blobs=" << report.value("blobs", 0)
              << " bytes=" << report.value("bytes", 0)
              << " versionen=" << report.value("versionen", 0)
              << " audit_eintraege=" << report.value("audit_eintraege", 0)
              << " siegel=" << report.value("siegel", 0)
              << " signaturen=" << report.value("signaturen", 0)
              << " zeitstempel=" << report.value("zeitstempel", 0)
              << " evidenzpfade=" << report.value("evidenzpfade", 0)
              << " fehler=" << report.value("fehler", json::array()).size() << "\n";
    return ok ? 0 : 1;
}

struct Stores {
    std::unique_ptr<storage::MetadataStore> meta;
    std::unique_ptr<storage::BlobStore> blobs;
};

// Opens the stores of a stopped data directory without the Repository, which would tidy
// up at start-up: verify must look at the directory exactly as it is.
Result<Stores> OpenStores(const std::string& data) {
    struct stat st = {};
    if (::stat((data + "/meta").c_str(), &st) != 0) {
        return NotFoundError(data + " is not an Aktenwerk data directory (no meta/)");
    }
    Stores s;
    auto meta = storage::MetadataStore::Open(data + "/meta");
    if (!meta.ok()) {
        if (meta.status().reason() == "locked") {
            return meta.status().WithContext(
                "the data directory is in use (stop the server, or use --url)");
        }
        return meta.status();
    }
    s.meta = std::move(meta).value();
    AKTENWERK_ASSIGN_OR_RETURN(s.blobs, storage::BlobStore::Open(data + "/blobs"));
    return s;
}

Status AddAnchors(dms::TrustStore* store, const std::string& files) {
    for (const auto& f : Split(files)) AKTENWERK_RETURN_IF_ERROR(store->AddPemFile(f));
    return Status::Ok();
}

int VerifyData(const std::map<std::string, std::string>& options) {
    auto stores = OpenStores(Opt(options, "data"));
    if (!stores.ok()) {
        std::cerr << "aktenwerk: " << stores.status().ToString() << "\n";
        return 2;
    }
    dms::TrustStore anchors, tsa;
    for (auto [store, key] :
         {std::pair{&anchors, "vertrauensanker"}, std::pair{&tsa, "tsa-vertrauen"}}) {
        if (Status s = AddAnchors(store, Opt(options, key)); !s.ok()) {
            std::cerr << "aktenwerk: " << s.message() << "\n";
            return 2;
        }
    }
    dms::VerifyOptions vo;
    vo.trust = anchors.size() > 0 ? &anchors : nullptr;
    vo.tsa_trust = &tsa;
    Progress progress;
    auto report = dms::VerifyRepository(*stores->meta, *stores->blobs, vo,
                                        [&](uint64_t d, uint64_t t) { progress.Update(d, t); });
    if (!report.ok()) {
        std::cerr << "aktenwerk: verify: " << report.status().ToString() << "\n";
        return 2;
    }
    return Report(dms::ToJson(*report));
}

namespace beast = boost::beast;
namespace http = beast::http;

// Runs the asynchronous operation that `start` begins (given a handler) to its end, and
// returns its error. The timeouts are those of the stream's beast::tcp_stream: the
// synchronous Beast calls would ignore them.
template <typename Start>
boost::system::error_code RunOne(boost::asio::io_context& io, Start start) {
    boost::system::error_code result = boost::asio::error::would_block;
    start([&result](boost::system::error_code ec, auto&&...) { result = ec; });
    io.restart();
    io.run();
    return result;
}

// The message for a failed step `what` with `hostport`, naming a timeout as such.
Status StepError(const std::string& what, const std::string& hostport, boost::system::error_code ec,
                 int seconds) {
    if (ec == beast::error::timeout) {
        return UnavailableError(what + " " + hostport + ": no progress for " +
                                std::to_string(seconds) + " s (see --timeout)");
    }
    return UnavailableError(what + " " + hostport + ": " + ec.message());
}

// Sends the check request over `stream` (plain or TLS, connected) and returns the answer.
// Each step may go `seconds` without progress; the server sends nothing until its check is
// done, so that is also the longest the check may take.
template <typename Stream>
Result<http::response<http::string_body>> Exchange(boost::asio::io_context& io, Stream& stream,
                                                   const std::string& hostport,
                                                   const std::string& credentials, int seconds) {
    http::request<http::string_body> req(http::verb::post, "/api/v1/integritaet/pruefung", 11);
    req.set(http::field::host, hostport);
    req.set(http::field::authorization, "Basic " + dms::EncodeBase64(credentials));
    req.set(http::field::content_length, "0");
    auto& tcp = beast::get_lowest_layer(stream);
    tcp.expires_after(std::chrono::seconds(seconds));
    auto ec = RunOne(io, [&](auto handler) { http::async_write(stream, req, handler); });
    if (ec) return StepError("send to", hostport, ec, seconds);

    beast::flat_buffer buffer;
    http::response_parser<http::string_body> parser;
    parser.body_limit(256 << 20);
    // One read at a time, each with a fresh timer: a slow answer that keeps coming is fine,
    // a connection that stalls is not.
    while (!parser.is_done()) {
        tcp.expires_after(std::chrono::seconds(seconds));
        ec = RunOne(io,
                    [&](auto handler) { http::async_read_some(stream, buffer, parser, handler); });
        if (ec) return StepError("answer from", hostport, ec, seconds);
    }
    return parser.release();
}

// Connects to `host`:`port` and exchanges the check request, over TLS when `tls`: the
// server's certificate must chain to `ca_file` (or the system's anchors when empty) and
// name `host`. Connecting and the TLS handshake may take at most min(`seconds`, 60) s.
Result<http::response<http::string_body>> Ask(bool tls, const std::string& host,
                                              const std::string& port, const std::string& ca_file,
                                              const std::string& credentials, int seconds) {
    using tcp = boost::asio::ip::tcp;
    boost::system::error_code ec;
    boost::asio::io_context io;
    tcp::resolver resolver(io);
    auto endpoints = resolver.resolve(host, port, ec);
    if (ec) return UnavailableError("resolve " + host + ": " + ec.message());
    const std::string hostport = host + ":" + port;
    const int connect_seconds = std::min(seconds, 60);
    auto connect = [&](beast::tcp_stream& stream) {
        stream.expires_after(std::chrono::seconds(connect_seconds));
        return RunOne(io, [&](auto handler) { stream.async_connect(endpoints, handler); });
    };
    if (!tls) {
        beast::tcp_stream stream(io);
        if (ec = connect(stream); ec) return StepError("connect", hostport, ec, connect_seconds);
        return Exchange(io, stream, hostport, credentials, seconds);
    }
    boost::asio::ssl::context ctx(boost::asio::ssl::context::tls_client);
    if (ca_file.empty()) {
        ctx.set_default_verify_paths(ec);
    } else {
        ctx.load_verify_file(ca_file, ec);
    }
    if (ec) return InvalidArgumentError("--ca-datei " + ca_file + ": " + ec.message());
    ctx.set_verify_mode(boost::asio::ssl::verify_peer);
    beast::ssl_stream<beast::tcp_stream> stream(io, ctx);
    SSL_set_tlsext_host_name(stream.native_handle(), host.c_str());
    stream.set_verify_callback(boost::asio::ssl::host_name_verification(host));
    if (ec = connect(beast::get_lowest_layer(stream)); ec)
        return StepError("connect", hostport, ec, connect_seconds);
    ec = RunOne(io, [&](auto handler) {
        stream.async_handshake(boost::asio::ssl::stream_base::client, handler);
    });
    if (ec) return StepError("TLS with", hostport, ec, connect_seconds);
    return Exchange(io, stream, hostport, credentials, seconds);
}

// POSTs to the live server's check and returns its JSON answer.
Result<json> AskServer(const std::string& url, const std::string& ca_file,
                       const std::string& credentials, int seconds) {
    const bool tls = url.rfind("https://", 0) == 0;
    if (!tls && url.rfind("http://", 0) != 0) {
        return InvalidArgumentError("--url must be http://HOST:PORT or https://HOST:PORT");
    }
    const std::string rest = url.substr(tls ? 8 : 7);
    const std::string hostport = rest.substr(0, rest.find('/'));
    const size_t colon = hostport.rfind(':');
    const std::string host = colon == std::string::npos ? hostport : hostport.substr(0, colon);
    const std::string port =
        colon == std::string::npos ? (tls ? "443" : "80") : hostport.substr(colon + 1);
    AKTENWERK_ASSIGN_OR_RETURN(auto res, Ask(tls, host, port, ca_file, credentials, seconds));
    json body = json::parse(res.body(), nullptr, false);
    if (res.result_int() != 200) {
        std::string detail = body.is_object() ? body.value("detail", res.body()) : res.body();
        return Status(res.result_int() == 401 || res.result_int() == 403
                          ? StatusCode::kPermissionDenied
                          : StatusCode::kUnavailable,
                      "server answered " + std::to_string(res.result_int()) + ": " + detail);
    }
    if (!body.is_object()) return CorruptionError("server answered no JSON");
    return body;
}

int VerifyUrl(const std::map<std::string, std::string>& options) {
    int seconds = 600;
    if (const std::string t = Opt(options, "timeout"); !t.empty()) {
        char* end = nullptr;
        const long v = std::strtol(t.c_str(), &end, 10);
        if (*end != '\0' || v < 1 || v > 86400) {
            std::cerr << "aktenwerk: verify: --timeout must be 1 to 86400 seconds\n";
            return 2;
        }
        seconds = static_cast<int>(v);
    }
    std::string user = Opt(options, "benutzer");
    if (user.empty()) user = "admin";
    const char* env = std::getenv("AKTENWERK_PASSWORD");
    std::string password = env ? env : "";
    if (password.empty()) std::getline(std::cin, password);
    if (::isatty(2) == 1) std::cerr << "verify: the server checks the repository ...\n";
    auto answer =
        AskServer(Opt(options, "url"), Opt(options, "ca-datei"), user + ":" + password, seconds);
    if (!answer.ok()) {
        std::cerr << "aktenwerk: verify: " << answer.status().message() << "\n";
        return 2;
    }
    return Report(*answer);
}

// The README of an audit export. The block between the marker lines is the check itself;
// a test runs exactly that block.
constexpr std::string_view kExportReadme = R"README(Aktenwerk audit trail export
=============================

This folder holds the audit trail of an Aktenwerk repository as a hash chain, the heads of
the chain that the server signed (CMS, its own key) and the server's certificates. It can be
checked with OpenSSL and a POSIX shell alone, without any Aktenwerk software.

  chain.txt           one line per entry: sequence number and SHA-256 of the entry
  entries/N.txt       exactly the bytes hashed for entry N: the hash of entry N-1 (empty for
                      the first), a newline, and the entry as JSON
  heads/N.txt         a signed chain head: "seq=N" and "hash=..." name entry N
  heads/N.p7s         the server's detached CMS signature over heads/N.txt (DER)
  heads/N.tst         an RFC 3161 timestamp over that signature, where one was obtained
  certs.pem           every certificate the server has signed with

What holds when the check passes: every entry hashes to its value in chain.txt, each entry
names the hash of the one before (so none was changed, removed or inserted), every signed
head verifies with the server's certificate and names an entry with that very hash (so the
chain was not cut short behind a signed head). Decide yourself whether you trust certs.pem
(compare its fingerprint with the one the operator gave you:
openssl x509 -in certs.pem -noout -fingerprint -sha256).

Run in this folder:

# --- check ---
fail=0; prev=""; last=0
while read -r seq hash; do
  f="entries/$seq.txt"
  [ "$(head -n 1 "$f")" = "$prev" ] ||
    { echo "entry $seq: link to entry before is broken"; fail=1; }
  [ "$(openssl dgst -sha256 -r "$f" | cut -d' ' -f1)" = "$hash" ] ||
    { echo "entry $seq: hash differs"; fail=1; }
  [ "$seq" -eq $((last + 1)) ] || { echo "entry $seq: entries before it are missing"; fail=1; }
  prev="$hash"; last="$seq"
done < chain.txt
for h in heads/*.txt; do
  [ -e "$h" ] || continue
  n=$(basename "$h" .txt)
  openssl cms -verify -binary -inform DER -in "heads/$n.p7s" -content "$h" \
      -CAfile certs.pem -purpose any -out /dev/null 2>/dev/null \
      || { echo "head $n: signature does not verify"; fail=1; }
  grep -qx "$n $(sed -n 's/^hash=//p' "$h")" chain.txt \
      || { echo "head $n: the chain does not reach this signed head"; fail=1; }
done
[ "$fail" -eq 0 ] && echo "audit chain ok: $last entries"
# --- end ---

A timestamp (heads/N.tst, an RFC 3161 TimeStampToken) covers the whole signature file
heads/N.p7s; check it with the authority's certificate tsa.pem, which the operator gives you:

openssl ts -verify -token_in -in heads/N.tst -data heads/N.p7s -CAfile tsa.pem
)README";

Status WriteText(const std::string& path, std::string_view text) {
    std::ofstream out(path, std::ios::binary);
    out.write(text.data(), static_cast<std::streamsize>(text.size()));
    out.close();
    return out ? Status::Ok() : ErrnoError("write " + path, errno);
}

Status ExportEntries(const storage::MetadataStore& meta, const std::string& out, uint64_t* count) {
    std::string chain;
    Status failure;
    AKTENWERK_RETURN_IF_ERROR(meta.Scan(dms::keys::kAuditPrefix, "", 0, [&](auto, auto value) {
        auto j = storage::DecodeValue(value);
        auto entry = j.ok() ? dms::AuditEntryFromJson(*j) : Result<dms::AuditEntry>(j.status());
        if (!entry.ok()) {
            failure = entry.status();
            return false;
        }
        json body = dms::ToJson(*entry);
        body.erase("hash");
        const std::string seq = std::to_string(entry->seq);
        failure = WriteText(out + "/entries/" + seq + ".txt",
                            entry->vorheriger_hash + "\n" + body.dump());
        chain += seq + " " + entry->hash + "\n";
        ++*count;
        return failure.ok();
    }));
    AKTENWERK_RETURN_IF_ERROR(failure);
    return WriteText(out + "/chain.txt", chain);
}

Status ExportHeads(const storage::MetadataStore& meta, const std::string& out) {
    Status failure;
    std::string certs;
    AKTENWERK_RETURN_IF_ERROR(meta.Scan(dms::keys::kServerCertPrefix, "", 0, [&](auto, auto v) {
        auto j = storage::DecodeValue(v);
        if (!j.ok()) return true;
        auto der = dms::DecodeBase64(j->value("der", std::string()));
        if (!der) return true;
        // PEM by hand: base64 in lines of 64.
        const std::string b64 = dms::EncodeBase64(*der);
        certs += "-----BEGIN CERTIFICATE-----\n";
        for (size_t i = 0; i < b64.size(); i += 64) certs += b64.substr(i, 64) + "\n";
        certs += "-----END CERTIFICATE-----\n";
        return true;
    }));
    AKTENWERK_RETURN_IF_ERROR(WriteText(out + "/certs.pem", certs));
    AKTENWERK_RETURN_IF_ERROR(meta.Scan(dms::keys::kAuditSealPrefix, "", 0, [&](auto, auto v) {
        auto j = storage::DecodeValue(v);
        if (!j.ok()) return true;
        const uint64_t seq = j->value("seq", uint64_t{0});
        const std::string base = out + "/heads/" + std::to_string(seq);
        failure = WriteText(base + ".txt",
                            dms::IntegrityService::HeadText(seq, j->value("hash", std::string()),
                                                            j->value("zeit", int64_t{0})));
        if (failure.ok()) {
            failure = WriteText(base + ".p7s",
                                dms::DecodeBase64(j->value("cms", std::string())).value_or(""));
        }
        auto token = dms::DecodeBase64(j->value("zeitstempel", std::string())).value_or("");
        if (failure.ok() && !token.empty()) failure = WriteText(base + ".tst", token);
        return failure.ok();
    }));
    return failure;
}

}  // namespace

const std::vector<std::string>& IntegrityServeOptions() {
    static const std::vector<std::string> kOptions = {"signatur-schluessel",
                                                      "signatur-zertifikat",
                                                      "signatur-pkcs12",
                                                      "vertrauensanker",
                                                      "tsa-url",
                                                      "tsa-vertrauen",
                                                      "siegel-intervall"};
    return kOptions;
}

std::vector<std::string> WithIntegrityOptions(std::vector<std::string> options) {
    options.insert(options.end(), IntegrityServeOptions().begin(), IntegrityServeOptions().end());
    return options;
}

Result<std::unique_ptr<dms::SigningIdentity>> LoadIdentity(
    const std::map<std::string, std::string>& options, const std::string& data_dir,
    int64_t now_millis) {
    const std::string p12 = Opt(options, "signatur-pkcs12");
    const std::string key = Opt(options, "signatur-schluessel");
    const std::string cert = Opt(options, "signatur-zertifikat");
    if (!p12.empty()) {
        if (!key.empty() || !cert.empty()) {
            return InvalidArgumentError(
                "--signatur-pkcs12 excludes --signatur-schluessel/-zertifikat");
        }
        const char* password = std::getenv("AKTENWERK_SIGNATUR_PASSWORT");
        return dms::SigningIdentity::LoadPkcs12(p12, password ? password : "");
    }
    if (key.empty() != cert.empty()) {
        return InvalidArgumentError("--signatur-schluessel and --signatur-zertifikat go together");
    }
    if (!key.empty()) return dms::SigningIdentity::LoadPem(key, cert);
    char host[256] = {};
    if (::gethostname(host, sizeof(host) - 1) != 0) host[0] = '\0';
    return dms::SigningIdentity::LoadOrCreateSelfSigned(data_dir, host[0] ? host : "localhost",
                                                        now_millis);
}

dms::IntegrityOptions IntegrityOptionsFrom(const std::map<std::string, std::string>& options) {
    dms::IntegrityOptions out;
    out.trust_anchor_files = Split(Opt(options, "vertrauensanker"));
    out.tsa_url = Opt(options, "tsa-url");
    out.tsa_trust_files = Split(Opt(options, "tsa-vertrauen"));
    return out;
}

Result<int64_t> SealIntervalFrom(const std::map<std::string, std::string>& options) {
    const std::string text = Opt(options, "siegel-intervall");
    if (text.empty()) return int64_t{300'000};
    char* end = nullptr;
    const long seconds = std::strtol(text.c_str(), &end, 10);
    if (*end != '\0' || seconds < 1 || seconds > 86400) {
        return InvalidArgumentError("--siegel-intervall must be 1 to 86400 seconds");
    }
    return static_cast<int64_t>(seconds) * 1000;
}

// Missing, or an empty folder: an export never mixes with other files (it could replace
// them, or an auditor could take them for part of the export).
Status CheckExportTarget(const std::string& out) {
    std::error_code ec;
    const auto st = std::filesystem::symlink_status(out, ec);
    if (ec && ec != std::errc::no_such_file_or_directory) {
        return UnavailableError("cannot inspect " + out + ": " + ec.message());
    }
    if (!std::filesystem::exists(st)) return Status::Ok();
    if (!std::filesystem::is_directory(st)) {
        return FailedPreconditionError(out + " exists and is no folder; give a new or empty one");
    }
    if (!std::filesystem::is_empty(out, ec) || ec) {
        return FailedPreconditionError(out + " is not empty; give a new or empty folder");
    }
    return Status::Ok();
}

int VerifyMain(int argc, char** argv) {
    if (WantsHelp(argc, argv)) {
        std::cout << kVerifyUsage;
        return 0;
    }
    log::Init(log::Level::kWarning);
    auto options = ParseOptions(
        argc, argv,
        {"data", "url", "benutzer", "ca-datei", "timeout", "vertrauensanker", "tsa-vertrauen"});
    if (!options.ok()) {
        std::cerr << "aktenwerk: " << options.status().message() << "\n";
        return 2;
    }
    const bool data = !Opt(*options, "data").empty();
    const bool url = !Opt(*options, "url").empty();
    if (data == url) {
        std::cerr << "aktenwerk: verify needs either --data DIR or --url URL\n";
        return 2;
    }
    return data ? VerifyData(*options) : VerifyUrl(*options);
}

int AuditExportMain(int argc, char** argv) {
    if (WantsHelp(argc, argv)) {
        std::cout << kAuditExportUsage;
        return 0;
    }
    log::Init(log::Level::kWarning);
    auto options = ParseOptions(argc, argv, {"data", "out"});
    if (!options.ok() || Opt(*options, "data").empty() || Opt(*options, "out").empty()) {
        if (!options.ok()) std::cerr << "aktenwerk: " << options.status().message() << "\n";
        std::cerr << "aktenwerk: " << kAuditExportUsage;
        return 2;
    }
    const std::string out = Opt(*options, "out");
    if (Status target = CheckExportTarget(out); !target.ok()) {
        std::cerr << "aktenwerk: audit-export: " << target.message() << "\n";
        return 2;
    }
    std::error_code ec;
    std::filesystem::create_directories(out + "/entries", ec);
    std::filesystem::create_directories(out + "/heads", ec);
    if (ec) {
        std::cerr << "aktenwerk: cannot create " << out << ": " << ec.message() << "\n";
        return 2;
    }
    auto stores = OpenStores(Opt(*options, "data"));
    uint64_t count = 0;
    Status s = stores.ok() ? ExportEntries(*stores->meta, out, &count) : stores.status();
    if (s.ok()) s = ExportHeads(*stores->meta, out);
    if (s.ok()) s = WriteText(out + "/README.txt", kExportReadme);
    if (!s.ok()) {
        std::cerr << "aktenwerk: audit-export: " << s.ToString() << "\n";
        return 2;
    }
    std::cout << "exported entries=" << count << " to " << out << "\n";
    return 0;
}

}  // namespace aktenwerk::interfaces
