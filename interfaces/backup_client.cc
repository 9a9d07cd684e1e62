// A synchronous Beast client for one request: the body goes out whole (the list of held
// blobs), the answer streams through a fixed buffer into the backup folder.
#include "interfaces/backup_client.h"

#include <sys/socket.h>
#include <sys/time.h>

#include <limits>
#include <vector>

#include <openssl/evp.h>
#include <boost/asio/connect.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <nlohmann/json.hpp>

#include "storage/backup_folder.h"

namespace aktenwerk::interfaces {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

struct Endpoint {
    std::string host;
    std::string port;
};

Result<Endpoint> ParseUrl(const std::string& url) {
    constexpr std::string_view kScheme = "http://";
    if (url.rfind("https://", 0) == 0) {
        // TODO(#9): HTTPS for the online backup; a server with --tls-cert answers only TLS,
        // so it can be backed up online only through a local plain listener for now.
        return InvalidArgumentError("the online backup speaks plain http:// only for now");
    }
    if (url.rfind(kScheme, 0) != 0) return InvalidArgumentError("--url must be http://HOST:PORT");
    std::string rest = url.substr(kScheme.size());
    if (!rest.empty() && rest.back() == '/') rest.pop_back();
    const size_t colon = rest.rfind(':');
    if (colon == std::string::npos || colon == 0 || rest.find('/') != std::string::npos) {
        return InvalidArgumentError("--url must be http://HOST:PORT");
    }
    Endpoint e{rest.substr(0, colon), rest.substr(colon + 1)};
    if (e.host.front() == '[' && e.host.back() == ']') e.host = e.host.substr(1, e.host.size() - 2);
    return e;
}

std::string Base64(const std::string& text) {
    std::vector<unsigned char> out(4 * ((text.size() + 2) / 3) + 1);
    const int n = EVP_EncodeBlock(out.data(), reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    return std::string(reinterpret_cast<const char*>(out.data()), static_cast<size_t>(n));
}

void SetTimeouts(tcp::socket& socket, int seconds) {
    timeval tv{};
    tv.tv_sec = seconds;
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
    ::setsockopt(socket.native_handle(), SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

Status Refusal(int status, const std::string& body) {
    auto j = nlohmann::json::parse(body, nullptr, false);
    std::string detail = j.is_object() ? j.value("detail", std::string()) : std::string();
    if (detail.empty()) detail = "HTTP status " + std::to_string(status);
    const std::string msg = "the server refused the backup: " + detail;
    if (status == 401 || status == 403) return PermissionDeniedError(msg);
    return UnavailableError(msg);
}

}  // namespace

Result<dms::BackupResult> BackupFromServer(const BackupClientOptions& options,
                                           const std::string& dir) {
    AKTENWERK_ASSIGN_OR_RETURN(auto endpoint, ParseUrl(options.url));
    AKTENWERK_ASSIGN_OR_RETURN(auto folder, storage::BackupFolder::OpenOrCreate(dir));
    AKTENWERK_ASSIGN_OR_RETURN(auto held, folder.BlobNames());
    std::string have;
    have.reserve(held.size() * 65);
    for (const auto& sha : held) have += sha + "\n";

    asio::io_context io;
    tcp::resolver resolver(io);
    tcp::socket socket(io);
    beast::error_code ec;
    auto resolved = resolver.resolve(endpoint.host, endpoint.port, ec);
    if (!ec) asio::connect(socket, resolved, ec);
    if (ec) return UnavailableError("cannot reach " + options.url + ": " + ec.message());
    SetTimeouts(socket, options.timeout_seconds);

    http::request<http::string_body> req{http::verb::post, "/api/v1/sicherungen", 11};
    req.set(http::field::host, endpoint.host);
    req.set(http::field::authorization, "Basic " + Base64(options.user + ":" + options.password));
    req.set(http::field::content_type, "text/plain");
    req.body() = std::move(have);
    req.prepare_payload();
    http::write(socket, req, ec);
    if (ec) return UnavailableError("send the backup request: " + ec.message());

    beast::flat_buffer buffer;
    http::response_parser<http::buffer_body> parser;
    // Not boost::none: Beast 1.81 compares the Content-Length with the empty optional and
    // reports every body as too large.
    parser.body_limit(std::numeric_limits<std::uint64_t>::max());
    http::read_header(socket, buffer, parser, ec);
    if (ec) return UnavailableError("read the backup answer: " + ec.message());
    if (parser.get().result_int() != 200) {
        std::string body;
        std::vector<char> chunk(64 << 10);
        while (!parser.is_done() && body.size() < (1 << 20)) {
            parser.get().body().data = chunk.data();
            parser.get().body().size = chunk.size();
            http::read(socket, buffer, parser, ec);
            if (ec == http::error::need_buffer) ec = {};
            if (ec) break;
            body.append(chunk.data(), chunk.size() - parser.get().body().size);
        }
        return Refusal(static_cast<int>(parser.get().result_int()), body);
    }

    storage::ByteSource stream = [&](char* out, size_t n) -> Result<size_t> {
        while (!parser.is_done()) {
            parser.get().body().data = out;
            parser.get().body().size = n;
            http::read(socket, buffer, parser, ec);
            if (ec == http::error::need_buffer) ec = {};
            if (ec) return UnavailableError("backup stream broke off: " + ec.message());
            const size_t got = n - parser.get().body().size;
            if (got > 0) return got;
        }
        return size_t{0};
    };
    return dms::WriteBackup(dir, stream, options.url);
}

}  // namespace aktenwerk::interfaces
