// The HTTP/1.1 server on Boost.Beast: one thread per connection with blocking I/O and socket
// timeouts, a cap on connections, keep-alive, optional TLS (OpenSSL), and graceful shutdown.
// Handlers see only the Beast-free Request and Response of http_message.h.
#pragma once

#include <atomic>
#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <thread>

#include "interfaces/http_message.h"
#include "storage/status.h"

namespace aktenwerk::interfaces {

struct HttpServerOptions {
    std::string host = "127.0.0.1";
    uint16_t port = 8080;  // 0 picks a free port
    size_t max_connections = 512;
    uint32_t header_limit = 16 * 1024;
    // A client that sends nothing for this long is disconnected (slow clients, idle
    // keep-alive connections).
    int io_timeout_seconds = 60;
    // A request header must be complete this long after the server began to wait for it
    // (however slowly it trickles in); also the idle time of a keep-alive connection.
    int header_timeout_seconds = 30;
    // How long shutdown waits for requests in flight.
    int shutdown_grace_seconds = 30;
    // PEM files of the certificate (with its chain) and the private key. When both are
    // set, the server speaks only TLS (1.2 or 1.3); when neither is set, plain HTTP.
    std::string tls_cert_file;
    std::string tls_key_file;
    // One info line per request on the "access" logger: method, route, status, bytes,
    // duration, user, request id.
    bool access_log = true;
};

using Handler = std::function<Response(Request&)>;

// Told about every answered request after its last byte went out (or the send failed), on
// the connection's thread: `seconds` from the complete header to the end of the send.
using RequestObserver = std::function<void(const Request&, const Response&, double seconds)>;

// The request id to use for a request that carried `incoming` in its X-Request-Id header
// (empty when it had none): `incoming` when it is well-formed (1 to 64 characters of
// letters, digits and ".-_:"), else `generated`. A client's id links its logs with ours;
// anything else could forge log lines or bloat them.
std::string ChooseRequestId(std::string_view incoming, std::string generated);

// Thread-safe. Start once, Stop once.
class HttpServer {
  public:
    HttpServer(HttpServerOptions options, Handler handler, RequestObserver observer = {});
    ~HttpServer();

    // Binds and starts accepting in a background thread. kUnavailable when the address is
    // in use; kInvalidArgument when the TLS certificate or key cannot be used.
    Status Start();
    // The bound port (useful with port 0).
    uint16_t port() const { return bound_port_; }
    // Stops accepting, lets requests in flight finish (up to the grace period), closes idle
    // keep-alive connections, and returns when every connection thread has ended.
    void Stop();

    uint64_t active_connections() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
    uint16_t bound_port_ = 0;
};

}  // namespace aktenwerk::interfaces
