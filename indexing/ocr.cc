// OCR with tesseract 5 (LSTM engine, German model) and leptonica for image decoding.
//
// OpenMP inside tesseract would start a thread per core for every page; the OCR pool bounds
// the work by its own worker count instead, so OMP_THREAD_LIMIT=1 is set before the first
// model loads (the process sets it at start-up too, before any thread exists).
#include "indexing/ocr.h"

#include <cstdlib>
#include <memory>
#include <mutex>

#include <leptonica/allheaders.h>
#include <tesseract/baseapi.h>
#include <tesseract/ocrclass.h>

#include "indexing/extraction_internal.h"

namespace aktenwerk::indexing::detail {
namespace {

// One loaded model per thread; nullptr after a failed load, so that it is not retried per
// page.
struct ThreadModel {
    std::unique_ptr<tesseract::TessBaseAPI> api;
    bool tried = false;
};

tesseract::TessBaseAPI* Model() {
    thread_local ThreadModel model;
    if (!model.tried) {
        model.tried = true;
        static std::once_flag quiet;
        std::call_once(quiet, [] { setMsgSeverity(L_SEVERITY_NONE); });
        auto api = std::make_unique<tesseract::TessBaseAPI>();
        if (api->Init(nullptr, "deu", tesseract::OEM_LSTM_ONLY) == 0) {
            api->SetVariable("debug_file", "/dev/null");
            api->SetPageSegMode(tesseract::PSM_AUTO);
            model.api = std::move(api);
        }
    }
    return model.api.get();
}

Result<std::string> Recognize(tesseract::TessBaseAPI* api, int dpi,
                              std::chrono::milliseconds budget) {
    api->SetSourceResolution(dpi > 0 ? dpi : 300);
    tesseract::ETEXT_DESC monitor;
    monitor.set_deadline_msecs(static_cast<int32_t>(std::max<int64_t>(1, budget.count())));
    // A deadline that passes ends recognition early; the words found so far still count.
    api->Recognize(&monitor);
    std::unique_ptr<char[]> text(api->GetUTF8Text());
    api->Clear();
    return std::string(text ? text.get() : "");
}

Status Unavailable() {
    return Status(StatusCode::kUnavailable,
                  "the German OCR model (tesseract-ocr-deu) cannot be loaded", "ocr-unavailable");
}

}  // namespace

bool GermanModelAvailable() {
    static const bool available = [] {
        setenv("OMP_THREAD_LIMIT", "1", /*overwrite=*/0);
        tesseract::TessBaseAPI api;
        const bool ok = api.Init(nullptr, "deu", tesseract::OEM_LSTM_ONLY) == 0;
        api.End();
        return ok;
    }();
    return available;
}

Result<std::string> RecognizePage(const PageImage& image, std::chrono::milliseconds budget) {
    if (!GermanModelAvailable()) return Unavailable();
    tesseract::TessBaseAPI* api = Model();
    if (api == nullptr) return Unavailable();
    api->SetImage(image.data, image.width, image.height, image.bytes_per_pixel,
                  image.bytes_per_line);
    return Recognize(api, image.dpi, budget);
}

Result<std::string> RecognizePix(void* pix, int dpi, std::chrono::milliseconds budget) {
    if (!GermanModelAvailable()) return Unavailable();
    tesseract::TessBaseAPI* api = Model();
    if (api == nullptr) return Unavailable();
    api->SetImage(static_cast<Pix*>(pix));
    return Recognize(api, dpi, budget);
}

// Scans: TIFF (every page), PNG and JPEG. The header is read first, so that an image too
// large to decode is refused before leptonica allocates its pixels.
Status ExtractImage(const Input& in, Context& ctx, ExtractedText* out) {
    if (ctx.request.ocr == OcrMode::kNever) {
        return FailedPreconditionError("the image is a scan; its text needs OCR", "needs-ocr");
    }
    std::string bytes;
    AKTENWERK_RETURN_IF_ERROR(ReadInput(in, ctx.request.limits.max_input_bytes, true, &bytes));
    const auto* data = reinterpret_cast<const l_uint8*>(bytes.data());
    l_int32 format = 0, w = 0, h = 0, bps = 0, spp = 0, cmap = 0;
    if (pixReadHeaderMem(data, bytes.size(), &format, &w, &h, &bps, &spp, &cmap) != 0 || w <= 0 ||
        h <= 0) {
        return Malformed("the image cannot be decoded");
    }
    if (static_cast<uint64_t>(w) * static_cast<uint64_t>(h) > ctx.request.limits.max_image_pixels) {
        return TooLarge("the image has " + std::to_string(w) + "x" + std::to_string(h) +
                        " pixels, more than OCR is allowed to take");
    }
    const bool tiff =
        format == IFF_TIFF || (format >= IFF_TIFF_PACKBITS && format <= IFF_TIFF_JPEG);
    Deadline ocr_deadline(ctx.request.limits.ocr_budget);
    out->method = "ocr";
    out->paged = true;
    TextSink sink(out, ctx.request.limits.max_output_bytes);
    for (size_t page = 0;; ++page) {
        if (page >= ctx.request.limits.max_ocr_pages || ocr_deadline.Expired() || sink.full()) {
            // Whether more pages follow is only known by decoding them; a TIFF is cut here.
            out->truncated = tiff;
            break;
        }
        Pix* pix = tiff ? pixReadMemTiff(data, bytes.size(), static_cast<l_int32>(page))
                        : pixReadMem(data, bytes.size());
        if (pix == nullptr) {
            if (page == 0) return Malformed("the image cannot be decoded");
            break;
        }
        const uint64_t pixels = static_cast<uint64_t>(pixGetWidth(pix)) * pixGetHeight(pix);
        l_int32 xres = pixGetXRes(pix);
        Result<std::string> text = std::string();
        if (pixels <= ctx.request.limits.max_image_pixels) {
            auto budget = std::min(ctx.request.limits.ocr_page_budget, ocr_deadline.Remaining());
            text = RecognizePix(pix, xres > 0 ? xres : ctx.request.limits.ocr_dpi, budget);
        }
        pixDestroy(&pix);
        if (!text.ok()) return text.status();
        sink.NewPage();
        sink.Append(*text);
        ++out->ocr_pages;
        if (!tiff) break;
    }
    return Status::Ok();
}

}  // namespace aktenwerk::indexing::detail

namespace aktenwerk::indexing {

bool OcrAvailable() { return detail::GermanModelAvailable(); }

}  // namespace aktenwerk::indexing
