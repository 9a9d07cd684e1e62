// The HTTP request and response as handlers see them, free of Boost.Beast so that handler
// code compiles quickly and can be tested without sockets. Bodies stream in both directions.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace aktenwerk::interfaces {

// Pulls the request body. Read returns 0 at the end of the body and an error when the
// client disconnected or sent a malformed body. Not thread-safe.
class BodyReader {
  public:
    virtual ~BodyReader() = default;
    virtual Result<size_t> Read(char* buf, size_t n) = 0;
    // The declared Content-Length, if any.
    virtual std::optional<uint64_t> content_length() const = 0;
};

// Compares header names case-insensitively.
struct HeaderLess {
    bool operator()(const std::string& a, const std::string& b) const;
};

struct Request {
    std::string method;                             // upper case, e.g. "GET"
    std::string target;                             // as received: path and query
    std::string path;                               // percent-decoded path
    std::multimap<std::string, std::string> query;  // percent-decoded; '+' is a space
    std::map<std::string, std::string, HeaderLess> headers;
    std::string remote;  // peer address
    std::string request_id;
    // Set by the handler for the access log and the metrics: the route pattern that matched
    // ("/api/v1/akten/{id}"; empty when none did) and the authenticated user (empty when
    // none).
    std::string route;
    std::string user;
    BodyReader* body = nullptr;  // never null while the handler runs

    // The header value or empty.
    std::string Header(const std::string& name) const;
    // The first value of a query parameter, or nullopt.
    std::optional<std::string> Query(const std::string& name) const;

    // Reads the whole body as text, refusing more than `limit` bytes with kResourceExhausted
    // (reason "body-too-large").
    Result<std::string> ReadBody(size_t limit) const;
};

// Streams a response body: called repeatedly to fill `buf`; returns the number of bytes
// written (0 at the end) or an error (the connection is then closed).
using BodyProducer = std::function<Result<size_t>(char* buf, size_t n)>;

// A response body that is a range of an open file, which the server may send with
// sendfile(2) instead of copying it through the producer. `owner` keeps the file open.
struct FileRange {
    int fd = -1;
    uint64_t offset = 0;
    std::shared_ptr<void> owner;
};

struct Response {
    int status = 200;
    std::vector<std::pair<std::string, std::string>> headers;
    std::string body;             // used when `producer` is empty
    BodyProducer producer;        // streams `content_length` bytes
    uint64_t content_length = 0;  // only with a producer
    // The same `content_length` bytes as the producer, as a file range; optional.
    std::optional<FileRange> file;
    bool close_connection = false;

    void SetHeader(std::string name, std::string value);
};

// Decodes %XX escapes; `plus_is_space` for query strings. Returns nullopt for malformed
// escapes.
std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space);

// Encodes everything but RFC 3986 unreserved characters.
std::string PercentEncode(std::string_view text);

// Splits a request target into a decoded path and decoded query parameters.
// kInvalidArgument for malformed escapes or a path that is not absolute.
Status ParseTarget(std::string_view target, std::string* path,
                   std::multimap<std::string, std::string>* query);

}  // namespace aktenwerk::interfaces
