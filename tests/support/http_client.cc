// The test HTTP client on Boost.Beast's serializer and parser, over a small blocking stream
// with poll timeouts (asio's blocking sockets would wait forever on a hung server, and a test
// must fail instead).
#include "tests/support/http_client.h"

#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <algorithm>
#include <cctype>
#include <cerrno>
#include <cstring>
#include <fstream>
#include <limits>
#include <sstream>

#include <openssl/evp.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/beast/core/file_posix.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/string.hpp>
#include <boost/beast/http.hpp>

#include "tests/support/server_process.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::test_support {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

bool IEquals(const std::string& a, const std::string& b) { return beast::iequals(a, b); }

std::string FindHeader(const HeaderList& headers, const std::string& name) {
    for (const auto& [n, v] : headers) {
        if (IEquals(n, name)) return v;
    }
    return {};
}

std::string DescribeResponse(int status, const HeaderList& headers, const std::string& body,
                             const std::string& error) {
    std::ostringstream out;
    out << "HTTP " << status;
    if (!error.empty()) out << " (error: " << error << ")";
    out << "\n";
    for (const auto& [n, v] : headers) out << n << ": " << v << "\n";
    out << "\n" << body.substr(0, 2000);
    if (body.size() > 2000) out << "... (" << body.size() << " bytes)";
    return out.str();
}

nlohmann::json ParseJson(const std::string& body) {
    return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
}

int Connect(const std::string& host, uint16_t port) {
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_NUMERICHOST | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    if (::getaddrinfo(host.c_str(), std::to_string(port).c_str(), &hints, &found) != 0) return -1;
    int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
    if (fd >= 0 && ::connect(fd, found->ai_addr, found->ai_addrlen) != 0) {
        ::close(fd);
        fd = -1;
    }
    ::freeaddrinfo(found);
    if (fd >= 0) {
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    return fd;
}

// Waits for `events` on `fd`; false with `ec` set on timeout or error.
bool WaitFd(int fd, short events, int timeout_ms, beast::error_code& ec) {
    pollfd p{fd, events, 0};
    while (true) {
        int rc = ::poll(&p, 1, timeout_ms);
        if (rc > 0) return true;
        if (rc == 0) {
            ec = net::error::timed_out;
            return false;
        }
        if (errno != EINTR) {
            ec = beast::error_code(errno, beast::system_category());
            return false;
        }
    }
}

// A blocking SyncReadStream/SyncWriteStream over a socket, with a timeout on each wait.
class PollStream {
  public:
    PollStream(int fd, int timeout_ms) : fd_(fd), timeout_ms_(timeout_ms) {}

    template <typename MutableBufferSequence>
    size_t read_some(const MutableBufferSequence& buffers, beast::error_code& ec) {
        ec = {};
        for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
             ++it) {
            net::mutable_buffer b = *it;
            if (b.size() == 0) continue;
            if (!WaitFd(fd_, POLLIN, timeout_ms_, ec)) return 0;
            while (true) {
                ssize_t n = ::recv(fd_, b.data(), b.size(), 0);
                if (n > 0) return static_cast<size_t>(n);
                if (n == 0) {
                    ec = net::error::eof;
                    return 0;
                }
                if (errno == EINTR) continue;
                ec = beast::error_code(errno, beast::system_category());
                return 0;
            }
        }
        return 0;
    }

    template <typename MutableBufferSequence>
    size_t read_some(const MutableBufferSequence& buffers) {
        beast::error_code ec;
        size_t n = read_some(buffers, ec);
        if (ec) throw beast::system_error(ec);
        return n;
    }

    template <typename ConstBufferSequence>
    size_t write_some(const ConstBufferSequence& buffers, beast::error_code& ec) {
        ec = {};
        iovec iov[16];
        int count = 0;
        for (auto it = net::buffer_sequence_begin(buffers);
             it != net::buffer_sequence_end(buffers) && count < 16; ++it) {
            net::const_buffer b = *it;
            if (b.size() == 0) continue;
            iov[count].iov_base = const_cast<void*>(b.data());
            iov[count].iov_len = b.size();
            ++count;
        }
        if (count == 0) return 0;
        if (!WaitFd(fd_, POLLOUT, timeout_ms_, ec)) return 0;
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = static_cast<size_t>(count);
        while (true) {
            ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL);
            if (n >= 0) return static_cast<size_t>(n);
            if (errno == EINTR) continue;
            ec = beast::error_code(errno, beast::system_category());
            return 0;
        }
    }

    template <typename ConstBufferSequence>
    size_t write_some(const ConstBufferSequence& buffers) {
        beast::error_code ec;
        size_t n = write_some(buffers, ec);
        if (ec) throw beast::system_error(ec);
        return n;
    }

  private:
    int fd_;
    int timeout_ms_;
};

template <typename Body>
void SetCommonFields(http::request<Body>& req, const HttpRequest& request, const std::string& host,
                     const std::string& auth) {
    req.method_string(request.method);
    req.target(request.target);
    req.version(11);
    req.set(http::field::host, host);
    req.set(http::field::user_agent, "aktenwerk-e2e-test");
    if (!auth.empty()) req.set(http::field::authorization, auth);
    for (const auto& [name, value] : request.headers) req.set(name, value);
    req.keep_alive(true);
}

}  // namespace

std::string HttpResponse::Header(const std::string& name) const {
    return FindHeader(headers, name);
}

bool HttpResponse::HasHeader(const std::string& name) const {
    return std::any_of(headers.begin(), headers.end(),
                       [&](const auto& h) { return IEquals(h.first, name); });
}

nlohmann::json HttpResponse::Json() const { return ParseJson(body); }

std::string HttpResponse::ProblemType() const {
    auto j = Json();
    if (!j.is_object() || !j.contains("type") || !j["type"].is_string()) return {};
    return j["type"].get<std::string>();
}

std::string HttpResponse::Describe() const {
    return DescribeResponse(status, headers, body, error);
}

std::string BasicAuth(const std::string& user, const std::string& password) {
    std::string plain = user + ":" + password;
    std::string out(4 * ((plain.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(plain.data()),
                            static_cast<int>(plain.size()));
    out.resize(static_cast<size_t>(n));
    return "Basic " + out;
}

std::string UrlEncode(const std::string& text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        if (std::isalnum(c) || c == '-' || c == '.' || c == '_' || c == '~') {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

struct HttpClient::Impl {
    std::string host;
    uint16_t port;
    std::string auth;
    int timeout_ms = 30'000;
    int fd = -1;
    int opened = 0;
    beast::flat_buffer buffer;

    bool Open() {
        fd = Connect(host, port);
        buffer.clear();
        if (fd >= 0) ++opened;
        return fd >= 0;
    }
    void CloseFd() {
        if (fd >= 0) ::close(fd);
        fd = -1;
        buffer.clear();
    }

    // One attempt on the current connection. `retryable` is set when nothing of a response
    // arrived, so that the caller may try again on a fresh connection.
    HttpResponse Attempt(const HttpRequest& request, bool* retryable) {
        HttpResponse out;
        *retryable = false;
        PollStream stream(fd, timeout_ms);
        beast::error_code write_ec;
        if (!request.body_file.empty()) {
            http::request<http::file_body> req;
            SetCommonFields(req, request, host + ":" + std::to_string(port), auth);
            req.body().open(request.body_file.c_str(), beast::file_mode::scan, write_ec);
            if (write_ec) {
                out.error = "cannot open " + request.body_file + ": " + write_ec.message();
                return out;
            }
            req.prepare_payload();
            http::write(stream, req, write_ec);
        } else {
            http::request<http::string_body> req;
            SetCommonFields(req, request, host + ":" + std::to_string(port), auth);
            req.body() = request.body;
            if (!request.body.empty() || request.method == "POST" || request.method == "PUT" ||
                request.method == "PATCH") {
                req.prepare_payload();
            }
            http::write(stream, req, write_ec);
        }

        // Even when the write failed (the server may answer early and close, as for a body
        // over the limit), the response may be waiting: read it.
        http::response_parser<http::string_body> parser;
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        parser.skip(request.method == "HEAD");
        beast::error_code read_ec;
        http::read(stream, buffer, parser, read_ec);
        if (read_ec) {
            *retryable = !parser.got_some();
            out.error = (write_ec ? "write: " + write_ec.message() + "; " : std::string()) +
                        "read: " + read_ec.message();
            CloseFd();
            return out;
        }
        const auto& res = parser.get();
        out.status = static_cast<int>(res.result_int());
        for (const auto& field : res) {
            out.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
        }
        out.body = res.body();
        if (!res.keep_alive() || write_ec) CloseFd();
        return out;
    }
};

HttpClient::HttpClient(std::string host, uint16_t port) : impl_(std::make_unique<Impl>()) {
    impl_->host = std::move(host);
    impl_->port = port;
}

HttpClient::~HttpClient() { impl_->CloseFd(); }

void HttpClient::SetBasicAuth(const std::string& user, const std::string& password) {
    impl_->auth = BasicAuth(user, password);
}

void HttpClient::ClearAuth() { impl_->auth.clear(); }

void HttpClient::SetTimeout(std::chrono::milliseconds timeout) {
    impl_->timeout_ms = static_cast<int>(timeout.count());
}

HttpResponse HttpClient::Send(const HttpRequest& request) {
    const bool reused = impl_->fd >= 0;
    if (!reused && !impl_->Open()) {
        HttpResponse out;
        out.error = "cannot connect to " + impl_->host + ":" + std::to_string(impl_->port) + ": " +
                    std::strerror(errno);
        return out;
    }
    bool retryable = false;
    HttpResponse out = impl_->Attempt(request, &retryable);
    if (out.status == 0 && retryable && reused && impl_->Open()) {
        out = impl_->Attempt(request, &retryable);
    }
    return out;
}

HttpResponse HttpClient::Get(const std::string& target, HeaderList headers) {
    return Send({"GET", target, std::move(headers), {}, {}});
}

HttpResponse HttpClient::Delete(const std::string& target) {
    return Send({"DELETE", target, {}, {}, {}});
}

HttpResponse HttpClient::PostJson(const std::string& target, const nlohmann::json& body) {
    return Post(target, body.dump(), "application/json");
}

HttpResponse HttpClient::PatchJson(const std::string& target, const nlohmann::json& body) {
    return Send({"PATCH", target, {{"Content-Type", "application/json"}}, body.dump(), {}});
}

HttpResponse HttpClient::Post(const std::string& target, std::string body,
                              const std::string& content_type, HeaderList headers) {
    headers.emplace_back("Content-Type", content_type);
    return Send({"POST", target, std::move(headers), std::move(body), {}});
}

HttpResponse HttpClient::PostFile(const std::string& target, const std::string& path,
                                  const std::string& content_type) {
    return Send({"POST", target, {{"Content-Type", content_type}}, {}, path});
}

bool HttpClient::connected() const { return impl_->fd >= 0; }

void HttpClient::Close() { impl_->CloseFd(); }

int HttpClient::connections_opened() const { return impl_->opened; }

RawConnection::RawConnection() = default;

RawConnection::~RawConnection() { Close(); }

bool RawConnection::Connect(const std::string& host, uint16_t port) {
    Close();
    fd_ = test_support::Connect(host, port);
    return fd_ >= 0;
}

bool RawConnection::Write(const std::string& bytes) {
    size_t done = 0;
    while (done < bytes.size()) {
        ssize_t n = ::send(fd_, bytes.data() + done, bytes.size() - done, MSG_NOSIGNAL);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return false;
        done += static_cast<size_t>(n);
    }
    return true;
}

std::string RawConnection::ReadUntilClose(std::chrono::milliseconds timeout) {
    std::string out;
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[16384];
    while (fd_ >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) break;
        beast::error_code ec;
        if (!WaitFd(fd_, POLLIN, static_cast<int>(left.count()), ec)) break;
        ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) break;
        out.append(buf, static_cast<size_t>(n));
    }
    return out;
}

bool RawConnection::WaitForPeerClose(std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    char buf[16384];
    while (fd_ >= 0) {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            deadline - std::chrono::steady_clock::now());
        if (left.count() <= 0) return false;
        beast::error_code ec;
        if (!WaitFd(fd_, POLLIN, static_cast<int>(left.count()), ec)) return false;
        ssize_t n = ::recv(fd_, buf, sizeof(buf), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return true;
    }
    return true;
}

void RawConnection::Close(bool reset) {
    if (fd_ < 0) return;
    if (reset) {
        linger l{1, 0};
        ::setsockopt(fd_, SOL_SOCKET, SO_LINGER, &l, sizeof(l));
    }
    ::close(fd_);
    fd_ = -1;
}

std::string CurlResult::Header(const std::string& name) const { return FindHeader(headers, name); }

nlohmann::json CurlResult::Json() const { return ParseJson(body); }

std::string CurlResult::Describe() const {
    return "curl exit " + std::to_string(exit_code) + " " + output + "\n" +
           DescribeResponse(status, headers, body, {});
}

CurlResult RunCurl(const std::vector<std::string>& args) {
    TempDir temp;
    const std::string header_path = temp.Sub("headers");
    const std::string body_path = temp.Sub("body");
    std::vector<std::string> argv = {"curl",      "-sS", "--max-time", "60", "-D",
                                     header_path, "-o",  body_path,    "-w", "%{http_code}"};
    argv.insert(argv.end(), args.begin(), args.end());
    CommandResult run = RunCommand(argv);

    CurlResult out;
    out.exit_code = run.exit_code;
    // -w prints the status last; curl's error messages come before it on stderr.
    std::string text = run.output;
    size_t digits = text.size();
    while (digits > 0 && std::isdigit(static_cast<unsigned char>(text[digits - 1]))) --digits;
    if (digits < text.size()) out.status = std::stoi(text.substr(digits));
    out.output = text.substr(0, digits);

    std::ifstream body(body_path, std::ios::binary);
    std::ostringstream body_text;
    body_text << body.rdbuf();
    out.body = body_text.str();

    // The header file holds every response (100 Continue first); keep the last.
    std::ifstream headers(header_path, std::ios::binary);
    std::string line;
    while (std::getline(headers, line)) {
        if (!line.empty() && line.back() == '\r') line.pop_back();
        if (line.rfind("HTTP/", 0) == 0) {
            out.headers.clear();
        } else if (size_t colon = line.find(':'); colon != std::string::npos) {
            size_t value = line.find_first_not_of(' ', colon + 1);
            out.headers.emplace_back(line.substr(0, colon),
                                     value == std::string::npos ? "" : line.substr(value));
        }
    }
    return out;
}

}  // namespace aktenwerk::test_support
