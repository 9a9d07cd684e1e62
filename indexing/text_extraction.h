// Text extraction: the bytes of one stored version (a blob file or a buffer) and its media
// type in, UTF-8 text out, page by page where the format has pages. Every extraction is
// bounded in time, output size, decompressed size and nesting, so that a hostile or broken
// file costs a bounded amount of work and ends as a recorded failure, never as a crash.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace aktenwerk::indexing {

// The bounds of one extraction. The defaults suit a records office: a 2,000-page PDF or a
// 300-page scan stays within them, a ZIP bomb or a PDF that takes minutes does not.
struct ExtractionLimits {
    // Content larger than this is not read at all (reason "too-large").
    uint64_t max_input_bytes = uint64_t{1} << 30;
    // Text beyond this is cut off and the result marked truncated.
    size_t max_output_bytes = size_t{16} << 20;
    // Wall-clock budget of the whole extraction without OCR (reason "timeout").
    std::chrono::milliseconds time_budget{60'000};
    // Wall-clock budget of the OCR of one page; a page past it keeps what was recognised.
    std::chrono::milliseconds ocr_page_budget{30'000};
    // Wall-clock budget of the OCR of one document (reason "timeout" when nothing came out).
    std::chrono::milliseconds ocr_budget{600'000};
    size_t max_pdf_pages = 10'000;
    // Pages of a scan (or of a PDF without text layer) that are OCRed; the rest are skipped
    // and the result is marked truncated.
    size_t max_ocr_pages = 300;
    // ZIP containers (ODF, OOXML): entries looked at, bytes one entry and all entries may
    // inflate to, and the largest inflated/compressed ratio of an entry past its first MiB
    // (reason "zip-bomb").
    size_t max_zip_entries = 20'000;
    uint64_t max_zip_entry_bytes = uint64_t{256} << 20;
    uint64_t max_zip_total_bytes = uint64_t{512} << 20;
    double max_zip_ratio = 200.0;
    // Markup (HTML, XML) larger than this is not parsed (reason "too-large").
    uint64_t max_markup_bytes = uint64_t{64} << 20;
    // A mail with its attachments larger than this is not parsed (reason "too-large").
    uint64_t max_mail_bytes = uint64_t{256} << 20;
    // Images larger than this many pixels are not OCRed (reason "too-large"); a PDF page is
    // rendered at a lower resolution instead.
    uint64_t max_image_pixels = uint64_t{80'000'000};
    int ocr_dpi = 300;
    // Attachments within mails within mails.
    int max_nesting = 3;
};

// Whether a scan may be OCRed in this call. The indexer extracts without OCR on its own
// thread and hands the documents that need OCR to the OCR pool.
enum class OcrMode { kNever, kAllowed };

struct ExtractRequest {
    std::string media_type;  // as detected on upload, e.g. "application/pdf"
    std::string file_name;   // the original name; its extension helps when the type is vague
    OcrMode ocr = OcrMode::kNever;
    ExtractionLimits limits;
};

// The text of one document.
struct ExtractedText {
    // UTF-8 text; for PDFs and multi-page scans one entry per page (page n at index n-1),
    // otherwise one entry per part (a mail's body, then each attachment).
    std::vector<std::string> pages;
    bool paged = false;  // whether `pages` are real pages that a hit can name
    // How the text was obtained: "pdf", "ocr", "text", "html", "xml", "odf", "ooxml", "mail".
    std::string method;
    std::string charset;     // plain text: the detected source charset
    bool truncated = false;  // a limit cut the text short
    size_t ocr_pages = 0;    // pages that went through OCR

    size_t TotalBytes() const;
};

// Extracts the text of the file at `path`.
// Errors, with the reason a caller records: kInvalidArgument "unsupported-type" (no text in
// this format, e.g. audio) or "malformed" (the file is broken); kResourceExhausted
// "too-large", "zip-bomb" or "timeout"; kFailedPrecondition "encrypted" (password-protected)
// or "needs-ocr" (a scan, and OcrMode::kNever was asked); kUnavailable "ocr-unavailable"
// (the German OCR model is not installed); kNotFound when the file does not exist.
// Thread-safe: any number of calls may run at once.
Result<ExtractedText> ExtractFile(const std::string& path, const ExtractRequest& request);

// The same for content held in memory (attachments, tests).
Result<ExtractedText> ExtractBytes(std::string_view bytes, const ExtractRequest& request);

// True when `status` from an extraction asks for OCR (reason "needs-ocr").
bool NeedsOcr(const Status& status);

// Whether the German OCR model can be loaded on this machine (tesseract with "deu").
// Thread-safe; the answer is computed once.
bool OcrAvailable();

}  // namespace aktenwerk::indexing
