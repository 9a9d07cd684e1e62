// PDF text with poppler, page by page so that a hit can name its page. A PDF whose pages
// carry (almost) no text is a scan: its pages are rendered in grey and OCRed.
#include <algorithm>
#include <cctype>
#include <cmath>
#include <memory>
#include <mutex>
#include <string>

#include <poppler/cpp/poppler-document.h>
#include <poppler/cpp/poppler-global.h>
#include <poppler/cpp/poppler-page-renderer.h>
#include <poppler/cpp/poppler-page.h>

#include "indexing/extraction_internal.h"
#include "indexing/ocr.h"

namespace aktenwerk::indexing::detail {
namespace {

// Fewer visible characters than this on a page mean it has no usable text layer.
constexpr size_t kMinCharsPerPage = 16;

void SilentPoppler(const std::string&, void*) {}

void QuietPoppler() {
    static std::once_flag once;
    std::call_once(once, [] { poppler::set_debug_error_function(SilentPoppler, nullptr); });
}

size_t VisibleChars(const std::string& text) {
    size_t n = 0;
    for (unsigned char c : text) {
        if (!std::isspace(c) && (c < 0x80 || c >= 0xC0)) ++n;  // count characters, not bytes
    }
    return n;
}

// Joins words hyphenated at a line end ("Gewerbe-\nanmeldung"), so the word is indexed
// whole; a hyphen before a capital letter ("Bau-\nAmt", "Nord-\nSüd") is kept.
std::string JoinHyphenated(const std::string& text) {
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        if (text[i] == '-' && i > 0 && std::isalpha(static_cast<unsigned char>(text[i - 1]))) {
            // Poppler may put an empty line between the two halves.
            size_t k = i + 1;
            size_t breaks = 0;
            while (k < text.size() && k < i + 8 &&
                   std::isspace(static_cast<unsigned char>(text[k]))) {
                breaks += text[k] == '\n' ? 1 : 0;
                ++k;
            }
            if (breaks > 0 && k < text.size() &&
                std::islower(static_cast<unsigned char>(text[k]))) {
                i = k - 1;
                continue;
            }
        }
        out.push_back(text[i]);
    }
    return out;
}

std::string PageText(const poppler::page& page) {
    poppler::byte_array utf8 =
        page.text(poppler::rectf(), poppler::page::non_raw_non_physical_layout).to_utf8();
    return JoinHyphenated(std::string(utf8.begin(), utf8.end()));
}

// Renders one page in grey at `dpi` (lowered when the page would exceed the pixel limit) and
// recognises it.
Result<std::string> OcrPage(const poppler::page& page, const ExtractionLimits& limits,
                            std::chrono::milliseconds budget) {
    const poppler::rectf box = page.page_rect();
    double dpi = limits.ocr_dpi;
    const double pixels = (box.width() / 72.0 * dpi) * (box.height() / 72.0 * dpi);
    if (pixels > static_cast<double>(limits.max_image_pixels)) {
        dpi *= std::sqrt(static_cast<double>(limits.max_image_pixels) / pixels);
    }
    if (dpi < 50) return std::string();  // a page this large holds no readable text for OCR
    poppler::page_renderer renderer;
    renderer.set_image_format(poppler::image::format_gray8);
    renderer.set_render_hint(poppler::page_renderer::antialiasing, true);
    renderer.set_render_hint(poppler::page_renderer::text_antialiasing, true);
    poppler::image image = renderer.render_page(&page, dpi, dpi);
    if (!image.is_valid()) return std::string();
    PageImage pi;
    pi.data = reinterpret_cast<const unsigned char*>(image.const_data());
    pi.width = image.width();
    pi.height = image.height();
    pi.bytes_per_pixel = 1;
    pi.bytes_per_line = image.bytes_per_row();
    pi.dpi = static_cast<int>(dpi);
    return RecognizePage(pi, budget);
}

Status OcrPages(poppler::document& doc, std::vector<size_t> pages, Context& ctx,
                ExtractedText* out) {
    if (ctx.request.ocr == OcrMode::kNever) {
        return FailedPreconditionError("the PDF has no text layer; its text needs OCR",
                                       "needs-ocr");
    }
    const ExtractionLimits& limits = ctx.request.limits;
    Deadline ocr_deadline(limits.ocr_budget);
    size_t budget_used = out->TotalBytes();
    for (size_t done = 0; done < pages.size(); ++done) {
        if (done >= limits.max_ocr_pages || ocr_deadline.Expired()) {
            out->truncated = true;
            break;
        }
        std::unique_ptr<poppler::page> page(doc.create_page(static_cast<int>(pages[done])));
        if (!page) continue;
        auto budget = std::min(limits.ocr_page_budget, ocr_deadline.Remaining());
        AKTENWERK_ASSIGN_OR_RETURN(std::string text, OcrPage(*page, limits, budget));
        if (budget_used + text.size() > limits.max_output_bytes) {
            out->truncated = true;
            break;
        }
        budget_used += text.size();
        out->pages[pages[done]] = std::move(text);
        ++out->ocr_pages;
    }
    out->method = "ocr";
    return Status::Ok();
}

}  // namespace

Status ExtractPdf(const Input& in, Context& ctx, ExtractedText* out) {
    QuietPoppler();
    std::unique_ptr<poppler::document> doc;
    std::string bytes;
    if (!in.path.empty()) {
        doc.reset(poppler::document::load_from_file(in.path));
    } else {
        if (in.bytes.size() > static_cast<size_t>(INT32_MAX)) return TooLarge("PDF too large");
        doc.reset(poppler::document::load_from_raw_data(in.bytes.data(),
                                                        static_cast<int>(in.bytes.size())));
    }
    if (!doc) return Malformed("the PDF cannot be read");
    if (doc->is_locked()) {
        return FailedPreconditionError("the PDF is protected by a password", "encrypted");
    }
    out->method = "pdf";
    out->paged = true;
    const ExtractionLimits& limits = ctx.request.limits;
    int count = doc->pages();
    if (count < 0) count = 0;
    size_t pages = std::min<size_t>(static_cast<size_t>(count), limits.max_pdf_pages);
    if (pages < static_cast<size_t>(count)) out->truncated = true;

    TextSink sink(out, limits.max_output_bytes);
    std::vector<size_t> without_text;
    for (size_t i = 0; i < pages; ++i) {
        if (ctx.deadline.Expired()) {
            if (i == 0) return TimedOut("PDF text");
            out->truncated = true;
            break;
        }
        std::unique_ptr<poppler::page> page(doc->create_page(static_cast<int>(i)));
        std::string text = page ? PageText(*page) : std::string();
        if (VisibleChars(text) < kMinCharsPerPage) without_text.push_back(i);
        sink.NewPage();
        sink.Append(text);
        if (sink.full()) break;
    }
    // A scan: most pages lack text. A text PDF with a few empty pages (a blank back side) is
    // not OCRed for their sake.
    if (!out->pages.empty() && without_text.size() * 2 > out->pages.size()) {
        return OcrPages(*doc, std::move(without_text), ctx, out);
    }
    return Status::Ok();
}

}  // namespace aktenwerk::indexing::detail
