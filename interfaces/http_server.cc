// HTTP/1.1 over Beast's parser and serializer on plain blocking sockets.
//
// Why not asio's sockets: asio's blocking reads retry with an unbounded poll after a
// socket timeout, so a slow client could hold a thread forever. A small stream over the file
// descriptor polls with our timeout instead, and Beast reads and writes through it.
// Why a thread per connection: handlers block on fsync (group commit) and on file I/O, and
// bodies stream through them; a thread per connection keeps that code straight-line, and
// the connection cap bounds the threads.
#include "interfaces/http_server.h"

#include <arpa/inet.h>
#include <fcntl.h>
#include <netdb.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <poll.h>
#include <sys/sendfile.h>
#include <sys/socket.h>
#include <sys/uio.h>
#include <unistd.h>

#include <cerrno>
#include <chrono>
#include <cstring>
#include <limits>
#include <vector>

#include <openssl/err.h>
#include <openssl/rand.h>
#include <openssl/ssl.h>
#include <boost/asio/buffer.hpp>
#include <boost/asio/error.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/http.hpp>

#include "interfaces/problem.h"
#include "storage/log.h"

namespace aktenwerk::interfaces {
namespace {

namespace beast = boost::beast;
namespace http = boost::beast::http;
namespace net = boost::asio;

const log::Logger& Log() {
    static const log::Logger logger("http");
    return logger;
}

const log::Logger& AccessLog() {
    static const log::Logger logger("access");
    return logger;
}

// Generated request ids: a random prefix per server start, so that ids stay unique across
// restarts in the collected logs, and a counter, so that they are cheap and ordered.
std::string RandomPrefix() {
    unsigned char bytes[4] = {};
    RAND_bytes(bytes, sizeof(bytes));
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    for (unsigned char b : bytes) {
        out += kHex[b >> 4];
        out += kHex[b & 15];
    }
    return out;
}

using SteadyClock = std::chrono::steady_clock;

// Waits for `events` on `fd` for at most `timeout_ms`, and not past `deadline` when one is
// set. False with `ec` set on a timeout or an error.
bool WaitFor(int fd, short events, int timeout_ms, std::optional<SteadyClock::time_point> deadline,
             beast::error_code& ec) {
    pollfd p{fd, events, 0};
    while (true) {
        int wait_ms = timeout_ms;
        if (deadline) {
            auto left = std::chrono::duration_cast<std::chrono::milliseconds>(*deadline -
                                                                              SteadyClock::now());
            wait_ms = static_cast<int>(std::clamp<int64_t>(left.count(), 0, timeout_ms));
        }
        int rc = wait_ms > 0 ? ::poll(&p, 1, wait_ms) : 0;
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

// A blocking stream over a connected socket with a poll timeout on every read and write.
class FdStream {
  public:
    FdStream(int fd, int timeout_ms) : fd_(fd), timeout_ms_(timeout_ms) {}

    // Reads and writes fail with timed_out past `deadline` (slow clients); nullopt clears it.
    void SetDeadline(std::optional<SteadyClock::time_point> deadline) { deadline_ = deadline; }
    int fd() const { return fd_; }

    template <typename MutableBufferSequence>
    size_t read_some(const MutableBufferSequence& buffers, beast::error_code& ec) {
        ec = {};
        for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
             ++it) {
            net::mutable_buffer b = *it;
            if (b.size() == 0) continue;
            // Try first and poll only when nothing is there: during a large upload data is
            // nearly always waiting, and a poll before every read doubles the system calls.
            while (true) {
                ssize_t n = ::recv(fd_, b.data(), b.size(), MSG_DONTWAIT);
                if (n > 0) return static_cast<size_t>(n);
                if (n == 0) {
                    ec = net::error::eof;
                    return 0;
                }
                if (errno == EINTR) continue;
                if (errno == EAGAIN || errno == EWOULDBLOCK) {
                    if (!Wait(POLLIN, ec)) return 0;
                    continue;
                }
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
        msghdr msg{};
        msg.msg_iov = iov;
        msg.msg_iovlen = static_cast<size_t>(count);
        while (true) {
            ssize_t n = ::sendmsg(fd_, &msg, MSG_NOSIGNAL | MSG_DONTWAIT);
            if (n >= 0) return static_cast<size_t>(n);
            if (errno == EINTR) continue;
            if (errno == EAGAIN || errno == EWOULDBLOCK) {
                if (!Wait(POLLOUT, ec)) return 0;
                continue;
            }
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

    // Sends `length` bytes of `file` from `offset` with sendfile(2): the kernel copies from
    // the page cache to the socket without a round trip through user space.
    bool SendFile(int file, uint64_t offset, uint64_t length) {
        auto off = static_cast<off_t>(offset);
        while (length > 0) {
            const size_t chunk = static_cast<size_t>(std::min<uint64_t>(length, 1 << 30));
            ssize_t n = ::sendfile(fd_, file, &off, chunk);
            if (n > 0) {
                length -= static_cast<uint64_t>(n);
                continue;
            }
            if (n == 0) return false;  // the file is shorter than announced
            if (errno == EINTR) continue;
            beast::error_code ec;
            if ((errno == EAGAIN || errno == EWOULDBLOCK) && Wait(POLLOUT, ec)) continue;
            return false;
        }
        return true;
    }

  private:
    bool Wait(short events, beast::error_code& ec) {
        return WaitFor(fd_, events, timeout_ms_, deadline_, ec);
    }

    int fd_;
    int timeout_ms_;
    std::optional<SteadyClock::time_point> deadline_;
};

// The same stream under TLS (OpenSSL). The socket is non-blocking; OpenSSL's "want read" and
// "want write" become polls with the same timeouts as the plain stream. sendfile(2) cannot
// encrypt, so files go through a buffer.
class TlsStream {
  public:
    TlsStream(int fd, SSL* ssl, int timeout_ms) : fd_(fd), ssl_(ssl), timeout_ms_(timeout_ms) {}
    ~TlsStream() { SSL_free(ssl_); }
    TlsStream(const TlsStream&) = delete;
    TlsStream& operator=(const TlsStream&) = delete;

    void SetDeadline(std::optional<SteadyClock::time_point> deadline) { deadline_ = deadline; }
    int fd() const { return fd_; }

    // The TLS handshake, bounded by the deadline.
    bool Handshake() {
        while (true) {
            ERR_clear_error();
            int rc = SSL_accept(ssl_);
            if (rc == 1) return true;
            beast::error_code ec;
            if (!Retry(rc, ec)) return false;
        }
    }

    // Sends close_notify once, without waiting for the peer's.
    void Shutdown() {
        ERR_clear_error();
        if (!failed_) SSL_shutdown(ssl_);
    }

    template <typename MutableBufferSequence>
    size_t read_some(const MutableBufferSequence& buffers, beast::error_code& ec) {
        ec = {};
        for (auto it = net::buffer_sequence_begin(buffers); it != net::buffer_sequence_end(buffers);
             ++it) {
            net::mutable_buffer b = *it;
            if (b.size() == 0) continue;
            const int want = static_cast<int>(std::min<size_t>(b.size(), 1 << 30));
            while (true) {
                ERR_clear_error();
                int n = SSL_read(ssl_, b.data(), want);
                if (n > 0) return static_cast<size_t>(n);
                if (!Retry(n, ec)) return 0;
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

    // Gathers small buffers (a header and the start of a body) into one TLS record.
    template <typename ConstBufferSequence>
    size_t write_some(const ConstBufferSequence& buffers, beast::error_code& ec) {
        ec = {};
        gather_.clear();
        for (auto it = net::buffer_sequence_begin(buffers);
             it != net::buffer_sequence_end(buffers) && gather_.size() < kGather; ++it) {
            net::const_buffer b = *it;
            const auto* data = static_cast<const char*>(b.data());
            gather_.insert(gather_.end(), data,
                           data + std::min(b.size(), kGather - gather_.size()));
        }
        if (gather_.empty()) return 0;
        return WriteAll(gather_.data(), gather_.size(), ec) ? gather_.size() : 0;
    }

    template <typename ConstBufferSequence>
    size_t write_some(const ConstBufferSequence& buffers) {
        beast::error_code ec;
        size_t n = write_some(buffers, ec);
        if (ec) throw beast::system_error(ec);
        return n;
    }

    bool SendFile(int file, uint64_t offset, uint64_t length) {
        std::vector<char> buf(256 * 1024);
        while (length > 0) {
            const size_t want = static_cast<size_t>(std::min<uint64_t>(length, buf.size()));
            ssize_t n = ::pread(file, buf.data(), want, static_cast<off_t>(offset));
            if (n < 0 && errno == EINTR) continue;
            if (n <= 0) return false;
            beast::error_code ec;
            if (!WriteAll(buf.data(), static_cast<size_t>(n), ec)) return false;
            offset += static_cast<uint64_t>(n);
            length -= static_cast<uint64_t>(n);
        }
        return true;
    }

  private:
    static constexpr size_t kGather = 64 * 1024;

    bool WriteAll(const char* data, size_t size, beast::error_code& ec) {
        while (size > 0) {
            ERR_clear_error();
            int n = SSL_write(ssl_, data, static_cast<int>(std::min<size_t>(size, 1 << 30)));
            if (n > 0) {
                data += n;
                size -= static_cast<size_t>(n);
                continue;
            }
            if (!Retry(n, ec)) return false;
        }
        return true;
    }

    // After a failed SSL call: waits when OpenSSL wants more I/O and returns true to retry;
    // otherwise sets `ec` and returns false.
    bool Retry(int rc, beast::error_code& ec) {
        switch (SSL_get_error(ssl_, rc)) {
            case SSL_ERROR_WANT_READ:
                return WaitFor(fd_, POLLIN, timeout_ms_, deadline_, ec);
            case SSL_ERROR_WANT_WRITE:
                return WaitFor(fd_, POLLOUT, timeout_ms_, deadline_, ec);
            case SSL_ERROR_ZERO_RETURN:
                ec = net::error::eof;
                return false;
            case SSL_ERROR_SYSCALL:
                if (errno == EINTR) return true;
                failed_ = true;
                ec = rc == 0 || errno == 0 ? beast::error_code(net::error::eof)
                                           : beast::error_code(errno, beast::system_category());
                return false;
            default:
                failed_ = true;
                ec = net::error::connection_reset;
                return false;
        }
    }

    int fd_;
    SSL* ssl_;
    int timeout_ms_;
    std::optional<SteadyClock::time_point> deadline_;
    std::vector<char> gather_;
    bool failed_ = false;
};

using RequestParser = http::request_parser<http::buffer_body>;

// Streams the body of the request being handled. A body of known length (no chunked coding)
// is read straight from the socket into the caller's buffer, after the bytes Beast already
// holds: that saves a copy and many small reads on large uploads. Chunked bodies go through
// Beast's parser.
template <typename Stream>
class ParserBodyReader final : public BodyReader {
  public:
    ParserBodyReader(Stream& stream, beast::flat_buffer& buffer, RequestParser& parser)
        : stream_(stream), buffer_(buffer), parser_(parser) {
        if (auto len = parser_.content_length()) content_length_ = *len;
        direct_ = content_length_.has_value() && !parser_.chunked();
        remaining_ = content_length_.value_or(0);
        auto expect = parser_.get()[http::field::expect];
        expects_continue_ = beast::iequals(expect, "100-continue");
    }

    Result<size_t> Read(char* buf, size_t n) override {
        if (complete()) return size_t{0};
        if (expects_continue_) {
            // The client waits for this before sending a large body.
            static constexpr char kContinue[] = "HTTP/1.1 100 Continue\r\n\r\n";
            beast::error_code ec;
            net::write(stream_, net::buffer(kContinue, sizeof(kContinue) - 1), ec);
            expects_continue_ = false;
            if (ec) return UnavailableError("client went away: " + ec.message());
        }
        return direct_ ? ReadDirect(buf, n) : ReadParsed(buf, n);
    }

    std::optional<uint64_t> content_length() const override { return content_length_; }
    bool failed() const { return failed_; }
    // True when the whole body has been read.
    bool complete() const { return direct_ ? remaining_ == 0 : parser_.is_done(); }

  private:
    Result<size_t> ReadDirect(char* buf, size_t n) {
        const size_t want = static_cast<size_t>(std::min<uint64_t>(n, remaining_));
        size_t got = 0;
        if (buffer_.size() > 0) {
            got = net::buffer_copy(net::buffer(buf, want), buffer_.data());
            buffer_.consume(got);
        } else {
            beast::error_code ec;
            got = stream_.read_some(net::buffer(buf, want), ec);
            if (ec) return Truncated(ec);
        }
        remaining_ -= got;
        return got;
    }

    Result<size_t> ReadParsed(char* buf, size_t n) {
        while (!parser_.is_done()) {
            auto& body = parser_.get().body();
            body.data = buf;
            body.size = n;
            beast::error_code ec;
            http::read(stream_, buffer_, parser_, ec);
            if (ec == http::error::need_buffer) ec = {};
            if (ec) return Truncated(ec);
            size_t got = n - body.size;
            if (got > 0) return got;
        }
        return size_t{0};
    }

    Status Truncated(const beast::error_code& ec) {
        failed_ = true;
        return InvalidArgumentError("the request body is incomplete: " + ec.message(),
                                    "truncated-body");
    }

    Stream& stream_;
    beast::flat_buffer& buffer_;
    RequestParser& parser_;
    std::optional<uint64_t> content_length_;
    bool direct_ = false;
    uint64_t remaining_ = 0;  // of a body read directly
    bool expects_continue_ = false;
    bool failed_ = false;
};

template <typename Stream>
bool SendResponse(Stream& stream, Response& res, bool head, bool keep_alive) {
    beast::error_code ec;
    if (!res.producer) {
        http::response<http::string_body> out{static_cast<http::status>(res.status), 11};
        for (auto& [name, value] : res.headers) out.set(name, value);
        out.keep_alive(keep_alive);
        if (head) {
            out.content_length(res.body.size());
            http::response_serializer<http::string_body> sr{out};
            http::write_header(stream, sr, ec);
        } else {
            out.body() = std::move(res.body);
            out.prepare_payload();
            http::write(stream, out, ec);
        }
        return !ec;
    }

    http::response<http::buffer_body> out{static_cast<http::status>(res.status), 11};
    for (auto& [name, value] : res.headers) out.set(name, value);
    out.keep_alive(keep_alive);
    out.content_length(res.content_length);
    out.body().data = nullptr;
    out.body().more = !head && res.content_length > 0;
    http::response_serializer<http::buffer_body> sr{out};
    http::write_header(stream, sr, ec);
    if (ec || head) return !ec;
    if (res.file) {
        const bool sent = stream.SendFile(res.file->fd, res.file->offset, res.content_length);
        if (!sent) Log().Error("response body failed", "error=sendfile");
        return sent;
    }

    std::vector<char> chunk(256 * 1024);
    uint64_t remaining = res.content_length;
    while (remaining > 0) {
        size_t want = static_cast<size_t>(std::min<uint64_t>(remaining, chunk.size()));
        auto n = res.producer(chunk.data(), want);
        if (!n.ok() || *n == 0) {
            Log().Error("response body failed",
                        "error=" + log::Quote(n.ok() ? "short content" : n.status().ToString()));
            return false;
        }
        remaining -= *n;
        out.body().data = chunk.data();
        out.body().size = *n;
        out.body().more = remaining > 0;
        http::write(stream, sr, ec);
        if (ec == http::error::need_buffer) ec = {};
        if (ec) return false;
    }
    out.body().data = nullptr;
    out.body().more = false;
    http::write(stream, sr, ec);
    if (ec == http::error::need_buffer) ec = {};
    return !ec;
}

// An error the server answers itself, before or instead of a handler; the connection closes.
Response ServerProblem(int status, std::string_view type, std::string_view detail,
                       std::string_view instance = {}, std::string_view request_id = {}) {
    Response res = ProblemResponse(status, type, detail, instance, request_id);
    res.close_connection = true;
    return res;
}

// The staged close of RFC 9112 section 9.6: after an answer sent before the request body was
// read, stop writing and read what the client still sends, so that closing with unread data
// does not reset the connection before the client has read the answer. Bounded in time, so
// a client that never stops costs at most a few seconds of one thread.
void DrainBeforeClose(int fd) {
    ::shutdown(fd, SHUT_WR);
    const auto deadline = std::chrono::steady_clock::now() + std::chrono::seconds(5);
    std::vector<char> sink(64 * 1024);
    while (std::chrono::steady_clock::now() < deadline) {
        pollfd p{fd, POLLIN, 0};
        int rc = ::poll(&p, 1, 1000);
        if (rc < 0 && errno == EINTR) continue;
        if (rc <= 0) return;
        ssize_t n = ::recv(fd, sink.data(), sink.size(), 0);
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) return;
    }
}

}  // namespace

struct HttpServer::Impl {
    struct Connection {
        int fd;
        std::string remote;
        bool busy = false;  // guarded by Impl::mu
    };

    HttpServerOptions options;
    Handler handler;
    RequestObserver observer;
    std::string id_prefix = RandomPrefix();
    SSL_CTX* tls = nullptr;  // set when a certificate is configured
    int listen_fd = -1;
    std::thread accept_thread;
    std::atomic<uint64_t> next_request{1};  // of generated request ids

    mutable std::mutex mu;
    std::condition_variable cv;
    std::set<Connection*> connections;  // guarded by mu
    bool stopping = false;              // guarded by mu

    void AcceptLoop();
    void Serve(Connection* conn);
    // Serves requests until the connection ends; true when an answer went out before its
    // request body was read (the connection then needs a staged close).
    template <typename Stream>
    bool ServeOn(Stream& stream, Connection* conn);
    bool MarkBusy(Connection* conn, bool busy);
    void LogAccess(const Request& req, const Response& res, uint64_t bytes, double seconds,
                   bool sent) const;
};

// The access log line; server errors are warnings so that they show at a quieter level.
void HttpServer::Impl::LogAccess(const Request& req, const Response& res, uint64_t bytes,
                                 double seconds, bool sent) const {
    const log::Level level = res.status >= 500 ? log::Level::kWarning : log::Level::kInfo;
    if (!options.access_log && level < log::Level::kWarning) return;
    if (!AccessLog().Enabled(level)) return;
    AccessLog().Write(
        level, sent ? "request served" : "request aborted",
        "method=" + log::Quote(req.method) +
            " route=" + log::Quote(req.route.empty() ? "unmatched" : req.route) +
            " path=" + log::Quote(req.path) + " status=" + std::to_string(res.status) +
            " bytes=" + std::to_string(bytes) +
            " micros=" + std::to_string(static_cast<uint64_t>(seconds * 1e6)) +
            " user=" + log::Quote(req.user.empty() ? "-" : req.user) + " remote=" + req.remote);
}

std::string ChooseRequestId(std::string_view incoming, std::string generated) {
    bool ok = !incoming.empty() && incoming.size() <= 64;
    for (char c : incoming) {
        const bool allowed = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                             (c >= '0' && c <= '9') || c == '.' || c == '-' || c == '_' || c == ':';
        if (!allowed) ok = false;
    }
    return ok ? std::string(incoming) : generated;
}

void HttpServer::Impl::AcceptLoop() {
    while (true) {
        sockaddr_storage addr{};
        socklen_t len = sizeof(addr);
        int fd = ::accept4(listen_fd, reinterpret_cast<sockaddr*>(&addr), &len, SOCK_CLOEXEC);
        if (fd < 0) {
            if (errno == EINTR || errno == ECONNABORTED) continue;
            std::lock_guard lock(mu);
            if (stopping) return;
            if (errno == EMFILE || errno == ENFILE) {
                Log().Error("accept failed: out of file descriptors");
                std::this_thread::sleep_for(std::chrono::milliseconds(50));
                continue;
            }
            Log().Error("accept failed", "errno=" + std::to_string(errno));
            return;
        }
        int one = 1;
        ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
        char host[INET6_ADDRSTRLEN] = "?";
        if (addr.ss_family == AF_INET) {
            ::inet_ntop(AF_INET, &reinterpret_cast<sockaddr_in*>(&addr)->sin_addr, host,
                        sizeof(host));
        } else if (addr.ss_family == AF_INET6) {
            ::inet_ntop(AF_INET6, &reinterpret_cast<sockaddr_in6*>(&addr)->sin6_addr, host,
                        sizeof(host));
        }

        auto* conn = new Connection{fd, host};
        {
            std::lock_guard lock(mu);
            if (stopping || connections.size() >= options.max_connections) {
                if (tls) {
                    // A plain-text answer means nothing to a TLS client; a handshake just
                    // to refuse would cost what the cap protects.
                    ::close(fd);
                    delete conn;
                    continue;
                }
                FdStream stream(fd, 1000);
                Response busy = ServerProblem(503, "too-many-connections",
                                              "too many connections, try again later");
                busy.SetHeader("Retry-After", "1");
                SendResponse(stream, busy, false, false);
                ::close(fd);
                delete conn;
                continue;
            }
            connections.insert(conn);
        }
        std::thread([this, conn] { Serve(conn); }).detach();
    }
}

bool HttpServer::Impl::MarkBusy(Connection* conn, bool busy) {
    std::lock_guard lock(mu);
    conn->busy = busy;
    return !stopping;
}

void HttpServer::Impl::Serve(Connection* conn) {
    const int timeout_ms = options.io_timeout_seconds * 1000;
    bool unread_body = false;
    if (tls) {
        ::fcntl(conn->fd, F_SETFL, ::fcntl(conn->fd, F_GETFL) | O_NONBLOCK);
        SSL* ssl = SSL_new(tls);
        if (ssl != nullptr && SSL_set_fd(ssl, conn->fd) == 1) {
            TlsStream stream(conn->fd, ssl, timeout_ms);
            stream.SetDeadline(SteadyClock::now() +
                               std::chrono::seconds(options.header_timeout_seconds));
            if (stream.Handshake()) {
                unread_body = ServeOn(stream, conn);
                if (!unread_body) stream.Shutdown();
            } else {
                Log().Debug("tls handshake failed", "remote=" + conn->remote);
            }
        } else {
            SSL_free(ssl);
        }
    } else {
        FdStream stream(conn->fd, timeout_ms);
        unread_body = ServeOn(stream, conn);
    }
    if (unread_body) DrainBeforeClose(conn->fd);
    ::shutdown(conn->fd, SHUT_RDWR);
    ::close(conn->fd);
    std::lock_guard lock(mu);
    connections.erase(conn);
    delete conn;
    cv.notify_all();
}

template <typename Stream>
bool HttpServer::Impl::ServeOn(Stream& stream, Connection* conn) {
    // The buffer must hold a whole header of the allowed size; body bytes pass through it
    // only for chunked bodies.
    beast::flat_buffer buffer(options.header_limit + 64 * 1024);
    bool unread_body = false;
    while (true) {
        RequestParser parser;
        parser.header_limit(options.header_limit);
        parser.body_limit(std::numeric_limits<std::uint64_t>::max());
        beast::error_code ec;
        // The whole header must arrive in time, however slowly it trickles in (slow loris);
        // an idle keep-alive connection ends at the same deadline.
        stream.SetDeadline(SteadyClock::now() +
                           std::chrono::seconds(options.header_timeout_seconds));
        http::read_header(stream, buffer, parser, ec);
        stream.SetDeadline(std::nullopt);
        if (ec == http::error::end_of_stream || ec == net::error::eof ||
            ec == net::error::timed_out || ec == net::error::connection_reset) {
            break;
        }
        if (ec) {
            const bool too_large =
                ec == http::error::header_limit || ec == http::error::buffer_overflow;
            Response res =
                too_large
                    ? ServerProblem(431, "header-too-large", "the request header is too large")
                    : ServerProblem(400, "malformed-request", "the request is not valid HTTP/1.1");
            SendResponse(stream, res, false, false);
            break;
        }
        const bool accepting = MarkBusy(conn, true);
        auto started = std::chrono::steady_clock::now();

        Request req;
        const auto& msg = parser.get();
        req.method = std::string(msg.method_string());
        req.target = std::string(msg.target());
        req.remote = conn->remote;
        for (const auto& field : msg) {
            req.headers[std::string(field.name_string())] = std::string(field.value());
        }
        req.request_id = ChooseRequestId(req.Header("X-Request-Id"),
                                         id_prefix + "-" + std::to_string(next_request++));
        // Every line logged on this thread until the answer is sent names the request.
        log::ScopedFields request_fields("request_id=" + req.request_id);
        ParserBodyReader<Stream> body(stream, buffer, parser);
        req.body = &body;

        Response res;
        Status target_ok = ParseTarget(req.target, &req.path, &req.query);
        if (!target_ok.ok()) {
            res = ServerProblem(400, "invalid-argument", target_ok.message(), "", req.request_id);
        } else if (msg.version() >= 11 && msg.find(http::field::host) == msg.end()) {
            // RFC 9112 section 3.2: an HTTP/1.1 request without Host is malformed.
            res = ServerProblem(400, "malformed-request", "an HTTP/1.1 request needs a Host header",
                                req.path, req.request_id);
        } else {
            res = handler(req);
        }
        res.SetHeader("X-Request-Id", req.request_id);
        // An unread body would be taken for the next request: close instead of draining.
        bool keep_alive = msg.keep_alive() && !res.close_connection && accepting &&
                          !body.failed() && body.complete();
        // Counted before sending, which consumes the body.
        const uint64_t bytes = req.method == "HEAD" ? 0
                               : res.producer       ? res.content_length
                                                    : res.body.size();
        bool sent = SendResponse(stream, res, req.method == "HEAD", keep_alive);

        const double seconds =
            std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
        if (observer) observer(req, res, seconds);
        LogAccess(req, res, bytes, seconds, sent);
        if (!sent || !keep_alive || !MarkBusy(conn, false)) {
            unread_body = sent && !body.failed() && !body.complete();
            break;
        }
    }
    return unread_body;
}

HttpServer::HttpServer(HttpServerOptions options, Handler handler, RequestObserver observer)
    : impl_(std::make_unique<Impl>()) {
    impl_->options = std::move(options);
    impl_->handler = std::move(handler);
    impl_->observer = std::move(observer);
}

HttpServer::~HttpServer() {
    Stop();
    SSL_CTX_free(impl_->tls);
}

namespace {

std::string OpenSslError() {
    unsigned long code = ERR_get_error();
    char text[256] = "unknown error";
    if (code != 0) ERR_error_string_n(code, text, sizeof(text));
    ERR_clear_error();
    return text;
}

// TLS 1.2 and 1.3 only. For 1.2, forward-secret AEAD suites only (ECDHE/DHE with AES-GCM or
// ChaCha20-Poly1305); 1.3's suites are all of that kind. No renegotiation, no compression,
// the server's order of preference, no session tickets (no long-lived ticket key to leak).
Result<SSL_CTX*> NewTlsContext(const std::string& cert_file, const std::string& key_file) {
    SSL_CTX* ctx = SSL_CTX_new(TLS_server_method());
    if (ctx == nullptr) return InternalError("cannot create a TLS context: " + OpenSslError());
    auto fail = [&](const std::string& what) -> Status {
        std::string detail = OpenSslError();
        SSL_CTX_free(ctx);
        return InvalidArgumentError(what + ": " + detail);
    };
    SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION);
    SSL_CTX_set_options(ctx, SSL_OP_NO_RENEGOTIATION | SSL_OP_CIPHER_SERVER_PREFERENCE |
                                 SSL_OP_NO_COMPRESSION | SSL_OP_NO_TICKET);
    if (SSL_CTX_set_cipher_list(ctx, "ECDHE+AESGCM:ECDHE+CHACHA20:DHE+AESGCM:DHE+CHACHA20") != 1) {
        return fail("cannot set the TLS cipher list");
    }
    if (SSL_CTX_use_certificate_chain_file(ctx, cert_file.c_str()) != 1) {
        return fail("cannot read the TLS certificate " + cert_file);
    }
    if (SSL_CTX_use_PrivateKey_file(ctx, key_file.c_str(), SSL_FILETYPE_PEM) != 1) {
        return fail("cannot read the TLS key " + key_file);
    }
    if (SSL_CTX_check_private_key(ctx) != 1) {
        return fail("the TLS key does not belong to the certificate");
    }
    return ctx;
}

}  // namespace

Status HttpServer::Start() {
    if (!impl_->options.tls_cert_file.empty() || !impl_->options.tls_key_file.empty()) {
        if (impl_->options.tls_cert_file.empty() || impl_->options.tls_key_file.empty()) {
            return InvalidArgumentError("TLS needs both a certificate and a key");
        }
        AKTENWERK_ASSIGN_OR_RETURN(
            impl_->tls, NewTlsContext(impl_->options.tls_cert_file, impl_->options.tls_key_file));
    }
    addrinfo hints{};
    hints.ai_family = AF_UNSPEC;
    hints.ai_socktype = SOCK_STREAM;
    hints.ai_flags = AI_PASSIVE | AI_NUMERICSERV;
    addrinfo* found = nullptr;
    std::string port = std::to_string(impl_->options.port);
    int rc = ::getaddrinfo(impl_->options.host.c_str(), port.c_str(), &hints, &found);
    if (rc != 0 || found == nullptr) {
        return InvalidArgumentError("cannot resolve listen address " + impl_->options.host);
    }
    int fd = ::socket(found->ai_family, found->ai_socktype | SOCK_CLOEXEC, 0);
    int one = 1;
    ::setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, sizeof(one));
    if (fd < 0 || ::bind(fd, found->ai_addr, found->ai_addrlen) != 0 || ::listen(fd, 1024) != 0) {
        int err = errno;
        ::freeaddrinfo(found);
        if (fd >= 0) ::close(fd);
        return Status(StatusCode::kUnavailable, "cannot listen on " + impl_->options.host + ":" +
                                                    port + ": " + std::strerror(err));
    }
    ::freeaddrinfo(found);
    sockaddr_storage bound{};
    socklen_t len = sizeof(bound);
    ::getsockname(fd, reinterpret_cast<sockaddr*>(&bound), &len);
    bound_port_ =
        ntohs(bound.ss_family == AF_INET ? reinterpret_cast<sockaddr_in*>(&bound)->sin_port
                                         : reinterpret_cast<sockaddr_in6*>(&bound)->sin6_port);
    impl_->listen_fd = fd;
    impl_->accept_thread = std::thread([this] { impl_->AcceptLoop(); });
    return Status::Ok();
}

void HttpServer::Stop() {
    {
        std::lock_guard lock(impl_->mu);
        if (impl_->stopping) return;
        impl_->stopping = true;
        if (impl_->listen_fd >= 0) ::shutdown(impl_->listen_fd, SHUT_RDWR);
        // Idle keep-alive connections wait for a next request that will not be served.
        for (auto* conn : impl_->connections) {
            if (!conn->busy) ::shutdown(conn->fd, SHUT_RDWR);
        }
    }
    if (impl_->accept_thread.joinable()) impl_->accept_thread.join();
    if (impl_->listen_fd >= 0) ::close(impl_->listen_fd);

    std::unique_lock lock(impl_->mu);
    auto deadline = std::chrono::steady_clock::now() +
                    std::chrono::seconds(impl_->options.shutdown_grace_seconds);
    if (!impl_->cv.wait_until(lock, deadline, [&] { return impl_->connections.empty(); })) {
        for (auto* conn : impl_->connections) ::shutdown(conn->fd, SHUT_RDWR);
        impl_->cv.wait(lock, [&] { return impl_->connections.empty(); });
    }
}

uint64_t HttpServer::active_connections() const {
    std::lock_guard lock(impl_->mu);
    return impl_->connections.size();
}

}  // namespace aktenwerk::interfaces
