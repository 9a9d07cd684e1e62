// Text extraction: format detection, the bounded sink, plain text, and the dispatch to the
// extractor of each format.
#include "indexing/text_extraction.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <cstring>

#include "indexing/charset.h"
#include "indexing/extraction_internal.h"

namespace aktenwerk::indexing {
namespace detail {

using namespace std::string_view_literals;
namespace {

bool StartsWith(std::string_view s, std::string_view prefix) {
    return s.substr(0, prefix.size()) == prefix;
}

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c + 32);
    }
    return out;
}

std::string Extension(std::string_view file_name) {
    size_t dot = file_name.rfind('.');
    if (dot == std::string_view::npos || dot + 1 == file_name.size()) return {};
    return Lower(file_name.substr(dot + 1));
}

// The format a media type names, or kUnsupported when it names none we know (or only a
// container such as application/zip, where the content decides).
Format FormatOfMediaType(std::string_view type) {
    const std::string t = Lower(type.substr(0, type.find(';')));
    if (t == "application/pdf") return Format::kPdf;
    if (t == "image/tiff" || t == "image/png" || t == "image/jpeg") return Format::kImage;
    if (t == "text/html" || t == "application/xhtml+xml") return Format::kHtml;
    if (t == "text/xml" || t == "application/xml") return Format::kXml;
    if (t == "message/rfc822") return Format::kMail;
    if (StartsWith(t, "application/vnd.oasis.opendocument.")) return Format::kOdf;
    if (t == "application/vnd.openxmlformats-officedocument.wordprocessingml.document") {
        return Format::kDocx;
    }
    if (t == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet") {
        return Format::kXlsx;
    }
    if (t == "application/vnd.openxmlformats-officedocument.presentationml.presentation") {
        return Format::kPptx;
    }
    if (StartsWith(t, "text/")) return Format::kText;
    return Format::kUnsupported;
}

Format FormatOfExtension(std::string_view ext) {
    if (ext == "pdf") return Format::kPdf;
    if (ext == "tif" || ext == "tiff" || ext == "png" || ext == "jpg" || ext == "jpeg") {
        return Format::kImage;
    }
    if (ext == "html" || ext == "htm" || ext == "xhtml") return Format::kHtml;
    if (ext == "xml") return Format::kXml;
    if (ext == "eml") return Format::kMail;
    if (ext == "odt" || ext == "ods" || ext == "odp" || ext == "odg") return Format::kOdf;
    if (ext == "docx") return Format::kDocx;
    if (ext == "xlsx") return Format::kXlsx;
    if (ext == "pptx") return Format::kPptx;
    if (ext == "txt" || ext == "csv" || ext == "text" || ext == "md") return Format::kText;
    return Format::kUnsupported;
}

// A mail begins with header fields such as "Received:", "From:" or "Return-Path:".
bool LooksLikeMail(std::string_view head) {
    static constexpr std::array<std::string_view, 7> kFields = {
        "Received:",     "From:", "Return-Path:", "Message-ID:",
        "MIME-Version:", "Date:", "Delivered-To:"};
    for (auto field : kFields) {
        if (StartsWith(head, field))
            return head.find("\n\n") != std::string_view::npos ||
                   head.find("\r\n\r\n") != std::string_view::npos || head.size() >= 4096;
    }
    return false;
}

}  // namespace

Format DetectFormat(std::string_view media_type, std::string_view file_name,
                    std::string_view head) {
    Format declared = FormatOfMediaType(media_type);
    if (declared != Format::kUnsupported && declared != Format::kText) return declared;
    if (StartsWith(head, "%PDF-")) return Format::kPdf;
    if (StartsWith(head, "\x89PNG") || StartsWith(head, "\xFF\xD8\xFF") ||
        StartsWith(head, "II*\0"sv) || StartsWith(head, "MM\0*"sv)) {
        return Format::kImage;
    }
    const Format by_name = FormatOfExtension(Extension(file_name));
    if (StartsWith(head, "PK\x03\x04")) {
        if (head.find("mimetypeapplication/vnd.oasis.opendocument.") != std::string_view::npos) {
            return Format::kOdf;
        }
        if (by_name == Format::kOdf || by_name == Format::kDocx || by_name == Format::kXlsx ||
            by_name == Format::kPptx) {
            return by_name;
        }
        if (head.find("word/") != std::string_view::npos) return Format::kDocx;
        if (head.find("xl/") != std::string_view::npos) return Format::kXlsx;
        if (head.find("ppt/") != std::string_view::npos) return Format::kPptx;
        return Format::kUnsupported;
    }
    if (LooksLikeMail(head)) return Format::kMail;
    if (declared == Format::kText) return by_name == Format::kUnsupported ? Format::kText : by_name;
    if (by_name != Format::kUnsupported) return by_name;
    // Unlabelled content without NUL bytes in its head is text in some charset.
    if (!head.empty() && head.find('\0') == std::string_view::npos &&
        (StartsWith(Lower(media_type), "application/octet-stream") || media_type.empty())) {
        return Format::kText;
    }
    return Format::kUnsupported;
}

void TextSink::NewPage() { out_->pages.emplace_back(); }

void TextSink::Append(std::string_view text) {
    if (out_->pages.empty()) out_->pages.emplace_back();
    if (used_ + text.size() > max_bytes_) {
        size_t room = max_bytes_ - used_;
        // Cut before a UTF-8 continuation byte, so that no character is split.
        while (room > 0 && (static_cast<unsigned char>(text[room]) & 0xC0) == 0x80) --room;
        text = text.substr(0, room);
        out_->truncated = true;
    }
    out_->pages.back().append(text);
    used_ += text.size();
}

void TextSink::Break() {
    if (out_->pages.empty() || out_->pages.back().empty() || out_->pages.back().back() == '\n') {
        return;
    }
    Append("\n");
}

Status TooLarge(std::string what) { return ResourceExhaustedError(std::move(what), "too-large"); }
Status TimedOut(std::string what) { return ResourceExhaustedError(std::move(what), "timeout"); }
Status Malformed(std::string what) { return InvalidArgumentError(std::move(what), "malformed"); }

Status ReadInput(const Input& in, uint64_t limit, bool fail_if_larger, std::string* out) {
    if (in.size > limit && fail_if_larger) {
        return TooLarge("content of " + std::to_string(in.size) + " bytes exceeds the limit of " +
                        std::to_string(limit));
    }
    const size_t want = static_cast<size_t>(std::min<uint64_t>(in.size, limit));
    if (in.path.empty()) {
        out->assign(in.bytes.substr(0, want));
        return Status::Ok();
    }
    int fd = ::open(in.path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open " + in.path, errno);
    out->resize(want);
    size_t got = 0;
    while (got < want) {
        ssize_t n = ::pread(fd, out->data() + got, want - got, static_cast<off_t>(got));
        if (n < 0 && errno == EINTR) continue;
        if (n <= 0) {
            int err = errno;
            ::close(fd);
            if (n == 0) break;
            return ErrnoError("read " + in.path, err);
        }
        got += static_cast<size_t>(n);
    }
    ::close(fd);
    out->resize(got);
    return Status::Ok();
}

Status ExtractPlainText(const Input& in, Context& ctx, ExtractedText* out) {
    // Only as much is read as could be kept: the output is cut at the limit anyway, and the
    // UTF-8 form is never shorter than a single-byte original.
    const uint64_t limit = ctx.request.limits.max_output_bytes;
    std::string raw;
    AKTENWERK_RETURN_IF_ERROR(ReadInput(in, limit, /*fail_if_larger=*/false, &raw));
    if (in.size > raw.size()) {
        out->truncated = true;
        // Drop a character cut in half at the end, so that it is not taken for Latin-1.
        size_t keep = raw.size();
        size_t back = 0;
        while (keep > 0 && back < 4 && (static_cast<unsigned char>(raw[keep - 1]) & 0xC0) == 0x80) {
            --keep, ++back;
        }
        if (keep > 0 && static_cast<unsigned char>(raw[keep - 1]) >= 0xC0) raw.resize(keep - 1);
    }
    Charset charset;
    std::string text = DecodeText(raw, &charset);
    out->method = "text";
    out->charset = std::string(CharsetName(charset));
    TextSink sink(out, ctx.request.limits.max_output_bytes);
    sink.NewPage();
    sink.Append(text);
    return Status::Ok();
}

namespace {

Status Dispatch(const Input& in, Context& ctx, ExtractedText* out) {
    std::string head;
    AKTENWERK_RETURN_IF_ERROR(ReadInput(in, 4096, /*fail_if_larger=*/false, &head));
    const Format format = DetectFormat(ctx.request.media_type, ctx.request.file_name, head);
    switch (format) {
        case Format::kPdf:
            return ExtractPdf(in, ctx, out);
        case Format::kImage:
            return ExtractImage(in, ctx, out);
        case Format::kText:
            return ExtractPlainText(in, ctx, out);
        case Format::kHtml:
            return ExtractHtml(in, ctx, out);
        case Format::kXml:
            return ExtractXml(in, ctx, out);
        case Format::kOdf:
        case Format::kDocx:
        case Format::kXlsx:
        case Format::kPptx:
            return ExtractZipDocument(in, format, ctx, out);
        case Format::kMail:
            return ExtractMail(in, ctx, out);
        case Format::kUnsupported:
            break;
    }
    return InvalidArgumentError(
        "no text can be extracted from " +
            (ctx.request.media_type.empty() ? std::string("this content") : ctx.request.media_type),
        "unsupported-type");
}

Result<ExtractedText> Run(const Input& in, const ExtractRequest& request, int depth) {
    if (in.size > request.limits.max_input_bytes) {
        return TooLarge("content of " + std::to_string(in.size) +
                        " bytes exceeds the extraction limit");
    }
    Context ctx{request, Deadline(request.limits.time_budget), depth};
    ExtractedText out;
    AKTENWERK_RETURN_IF_ERROR(Dispatch(in, ctx, &out));
    for (auto& page : out.pages) {
        if (!IsUtf8(page)) page = SanitizeUtf8(page);
    }
    return out;
}

}  // namespace

Result<ExtractedText> ExtractNested(std::string_view bytes, std::string_view media_type,
                                    std::string_view file_name, Context& ctx) {
    if (ctx.depth >= ctx.request.limits.max_nesting) {
        return TooLarge("attachments nested deeper than " +
                        std::to_string(ctx.request.limits.max_nesting) + " levels");
    }
    ExtractRequest nested = ctx.request;
    nested.media_type = std::string(media_type);
    nested.file_name = std::string(file_name);
    nested.limits.time_budget = ctx.deadline.Remaining();
    Input in{{}, bytes, bytes.size()};
    return Run(in, nested, ctx.depth + 1);
}

}  // namespace detail

size_t ExtractedText::TotalBytes() const {
    size_t n = 0;
    for (const auto& p : pages) n += p.size();
    return n;
}

bool NeedsOcr(const Status& status) {
    return status.code() == StatusCode::kFailedPrecondition && status.reason() == "needs-ocr";
}

Result<ExtractedText> ExtractFile(const std::string& path, const ExtractRequest& request) {
    struct stat st {};
    if (::stat(path.c_str(), &st) != 0) return ErrnoError("stat " + path, errno);
    if (!S_ISREG(st.st_mode)) return InvalidArgumentError(path + " is not a regular file");
    detail::Input in{path, {}, static_cast<uint64_t>(st.st_size)};
    return detail::Run(in, request, 0);
}

Result<ExtractedText> ExtractBytes(std::string_view bytes, const ExtractRequest& request) {
    detail::Input in{{}, bytes, bytes.size()};
    return detail::Run(in, request, 0);
}

}  // namespace aktenwerk::indexing
