// Test support: a small synchronous HTTP/1.1 client for end-to-end tests (keep-alive, Basic
// authentication, raw and streamed bodies), a raw socket for malformed traffic, and a wrapper
// around the real `curl` command line. The Beast code lives in http_client.cc only, so that
// tests including this header compile quickly.
#pragma once

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

namespace aktenwerk::test_support {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

// A received response. `status` is 0 when no response arrived; `error` then says why.
struct HttpResponse {
    int status = 0;
    HeaderList headers;
    std::string body;
    std::string error;

    // The first header of that name (case-insensitive), or empty.
    std::string Header(const std::string& name) const;
    bool HasHeader(const std::string& name) const;
    // The body parsed as JSON; a discarded value when it is not JSON.
    nlohmann::json Json() const;
    // "urn:aktenwerk:problem:..." of a problem+json body, or empty.
    std::string ProblemType() const;
    // Status, headers and up to 2000 bytes of body, for failure messages.
    std::string Describe() const;
};

// A request to send. The body is `body`, or the file at `body_file` streamed from disk with
// its size as Content-Length.
struct HttpRequest {
    std::string method = "GET";
    std::string target;  // path and query, already percent-encoded
    HeaderList headers;
    std::string body;
    std::string body_file;
};

// "Basic base64(user:password)".
std::string BasicAuth(const std::string& user, const std::string& password);

// Percent-encodes everything but RFC 3986 unreserved characters (for query values).
std::string UrlEncode(const std::string& text);

// One keep-alive connection to a server on a loopback address; reconnects when the server
// closed it. Not thread-safe: one client per thread.
class HttpClient {
  public:
    HttpClient(std::string host, uint16_t port);
    ~HttpClient();
    HttpClient(const HttpClient&) = delete;
    HttpClient& operator=(const HttpClient&) = delete;

    // Sends `Authorization: Basic ...` with every following request.
    void SetBasicAuth(const std::string& user, const std::string& password);
    void ClearAuth();
    // Socket read and write timeout (default 30 s).
    void SetTimeout(std::chrono::milliseconds timeout);

    // Sends the request and reads the whole response. A request on a reused connection that
    // fails before any response byte arrived is sent once more on a new connection (the
    // server may have closed an idle connection); everything else is reported in `error`.
    HttpResponse Send(const HttpRequest& request);

    HttpResponse Get(const std::string& target, HeaderList headers = {});
    HttpResponse Delete(const std::string& target);
    HttpResponse PostJson(const std::string& target, const nlohmann::json& body);
    HttpResponse PatchJson(const std::string& target, const nlohmann::json& body);
    HttpResponse Post(const std::string& target, std::string body, const std::string& content_type,
                      HeaderList headers = {});
    // Streams the file at `path` as the body with Content-Length.
    HttpResponse PostFile(const std::string& target, const std::string& path,
                          const std::string& content_type = "application/octet-stream");

    // Whether a connection is open now.
    bool connected() const;
    // Closes the connection; the next request opens a new one.
    void Close();
    // How many TCP connections this client has opened so far.
    int connections_opened() const;

  private:
    struct Impl;
    std::unique_ptr<Impl> impl_;
};

// A plain TCP connection for traffic a proper client would never send (truncated bodies,
// broken framing). Not thread-safe.
class RawConnection {
  public:
    RawConnection();
    ~RawConnection();
    RawConnection(const RawConnection&) = delete;
    RawConnection& operator=(const RawConnection&) = delete;

    bool Connect(const std::string& host, uint16_t port);
    // Writes all bytes; false when the peer closed or the write failed.
    bool Write(const std::string& bytes);
    // Reads until the peer closes or `timeout` passes; returns what arrived.
    std::string ReadUntilClose(std::chrono::milliseconds timeout);
    // Waits up to `timeout` for the peer to close its side; true when it did (EOF or reset).
    bool WaitForPeerClose(std::chrono::milliseconds timeout);
    // Closes abruptly: SO_LINGER 0 sends a reset instead of a FIN when `reset`.
    void Close(bool reset = false);

  private:
    int fd_ = -1;
};

// What `curl` returned: its exit code, the HTTP status of the last response, the headers of
// the last response and the body.
struct CurlResult {
    int exit_code = -1;
    int status = 0;
    HeaderList headers;
    std::string body;
    std::string output;  // curl's own messages (stderr)

    std::string Header(const std::string& name) const;
    nlohmann::json Json() const;
    std::string Describe() const;
};

// Runs the real curl command line with `args` (URL included) plus options that capture the
// response: `-sS -D headers -o body -w %{http_code}`. No shell is involved.
CurlResult RunCurl(const std::vector<std::string>& args);

}  // namespace aktenwerk::test_support
