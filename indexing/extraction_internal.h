// Internals shared by the extractors of each format: the deadline, the bounded text sink,
// format detection and the per-format entry points. Not part of the indexing API.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "indexing/text_extraction.h"

namespace aktenwerk::indexing::detail {

// A point in time after which an extraction gives up.
class Deadline {
  public:
    explicit Deadline(std::chrono::milliseconds budget)
        : end_(std::chrono::steady_clock::now() + budget) {}
    bool Expired() const { return std::chrono::steady_clock::now() >= end_; }
    std::chrono::milliseconds Remaining() const {
        auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            end_ - std::chrono::steady_clock::now());
        return left.count() > 0 ? left : std::chrono::milliseconds(0);
    }

  private:
    std::chrono::steady_clock::time_point end_;
};

// Collects extracted text into pages, never more than the output limit in total. Appends past
// the limit are dropped and mark the result truncated.
class TextSink {
  public:
    TextSink(ExtractedText* out, size_t max_bytes) : out_(out), max_bytes_(max_bytes) {}

    // Starts a new page (or part).
    void NewPage();
    // Appends UTF-8 text to the current page, cut at a character boundary at the limit.
    void Append(std::string_view text);
    // Ends a paragraph: one line break, unless the page is empty or ends with one already.
    void Break();
    bool full() const { return out_->truncated; }
    size_t used() const { return used_; }

  private:
    ExtractedText* out_;
    size_t max_bytes_;
    size_t used_ = 0;
};

// The formats we extract, after looking at the media type, the file name and the content.
enum class Format {
    kPdf,
    kImage,
    kText,
    kHtml,
    kXml,
    kOdf,
    kDocx,
    kXlsx,
    kPptx,
    kMail,
    kUnsupported,
};

// Decides the format from the declared media type, then the content's first bytes, then the
// file name's extension.
Format DetectFormat(std::string_view media_type, std::string_view file_name, std::string_view head);

// The state of one extraction: its request, deadline and nesting depth.
struct Context {
    const ExtractRequest& request;
    Deadline deadline;
    int depth = 0;
};

// One input: a file on disk (`path` set) or bytes in memory.
struct Input {
    std::string path;
    std::string_view bytes;
    uint64_t size = 0;
};

// Reads up to `limit` bytes of the input into `out`. kResourceExhausted "too-large" when the
// input is larger and `fail_if_larger`, else the prefix.
Status ReadInput(const Input& in, uint64_t limit, bool fail_if_larger, std::string* out);

Status ExtractPdf(const Input& in, Context& ctx, ExtractedText* out);
Status ExtractImage(const Input& in, Context& ctx, ExtractedText* out);
Status ExtractPlainText(const Input& in, Context& ctx, ExtractedText* out);
Status ExtractHtml(const Input& in, Context& ctx, ExtractedText* out);
Status ExtractXml(const Input& in, Context& ctx, ExtractedText* out);
Status ExtractZipDocument(const Input& in, Format format, Context& ctx, ExtractedText* out);
Status ExtractMail(const Input& in, Context& ctx, ExtractedText* out);

// HTML held in memory, appended to `sink` (mail bodies use it).
Status AppendHtmlText(std::string_view html, Context& ctx, TextSink& sink);

// Runs the extraction of nested content (a mail attachment) with the same context, one level
// deeper.
Result<ExtractedText> ExtractNested(std::string_view bytes, std::string_view media_type,
                                    std::string_view file_name, Context& ctx);

// Errors with the stable reasons of ExtractFile's contract.
Status TooLarge(std::string what);
Status TimedOut(std::string what);
Status Malformed(std::string what);

}  // namespace aktenwerk::indexing::detail
