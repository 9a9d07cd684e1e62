// A streaming reader of multipart/form-data request bodies (RFC 7578), as browsers and curl
// send uploads: file parts are passed through without being held in memory.
#pragma once

#include <string>
#include <string_view>

#include "interfaces/http_message.h"

namespace aktenwerk::interfaces {

struct PartInfo {
    std::string name;      // form field name
    std::string filename;  // set for file parts (from filename* or filename)
    bool has_filename = false;
    std::string content_type;
};

// Not thread-safe; reads from one request body.
class MultipartReader {
  public:
    // Takes the boundary from a "multipart/form-data; boundary=..." Content-Type.
    // kInvalidArgument when there is none or it is longer than 70 characters.
    static Result<MultipartReader> Create(BodyReader* body, std::string_view content_type);

    // Skips what is left of the current part and moves to the next. Returns false after the
    // closing boundary. kInvalidArgument for malformed part headers (over 16 KiB, no
    // Content-Disposition) or a body that ends before the closing boundary.
    Result<bool> NextPart(PartInfo* info);

    // Reads data of the current part; 0 at its end.
    Result<size_t> Read(char* buf, size_t n);

    // Reads the rest of the current part as text, at most `limit` bytes.
    Result<std::string> ReadText(size_t limit);

  private:
    MultipartReader(BodyReader* body, std::string boundary);
    Status Fill();
    size_t Available() const { return buffer_.size() - start_; }
    void Consume(size_t n);

    BodyReader* body_;
    std::string delimiter_;  // "\r\n--" + boundary
    std::string buffer_;
    size_t start_ = 0;
    bool body_done_ = false;
    bool in_part_ = false;
    bool finished_ = false;
};

// Parses the value of a Content-Disposition header ("form-data; name=...; filename=...", or
// "attachment; filename*=UTF-8''...") into `info`. Returns false when it is malformed.
bool ParseContentDisposition(std::string_view value, PartInfo* info);

// Builds a Content-Disposition value that keeps non-ASCII file names (RFC 6266, RFC 5987):
// an ASCII fallback in `filename` and the UTF-8 name in `filename*`.
std::string ContentDisposition(std::string_view disposition, std::string_view filename);

}  // namespace aktenwerk::interfaces
