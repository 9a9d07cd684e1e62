// Optical character recognition of scanned pages with tesseract's German model, for the
// extractors of images and of PDFs without a text layer. Internal to indexing/.
#pragma once

#include <chrono>
#include <cstdint>
#include <string>

#include "storage/status.h"

namespace aktenwerk::indexing::detail {

// One page image in memory: 8-bit grey (bytes_per_pixel 1), RGB (3) or RGBA (4) rows.
struct PageImage {
    const unsigned char* data = nullptr;
    int width = 0;
    int height = 0;
    int bytes_per_pixel = 1;
    int bytes_per_line = 0;
    int dpi = 300;
};

// Recognises the text of one page with the German model, giving up after `budget` (what was
// recognised until then is returned). Each thread keeps its own loaded model, since a
// tesseract instance is not thread-safe and loading the model costs about half a second.
// kUnavailable (reason "ocr-unavailable") when the model cannot be loaded.
Result<std::string> RecognizePage(const PageImage& image, std::chrono::milliseconds budget);

// Recognises a page held as a leptonica PIX (opaque here to keep leptonica out of the header).
Result<std::string> RecognizePix(void* pix, int dpi, std::chrono::milliseconds budget);

// Whether the German model can be loaded.
bool GermanModelAvailable();

}  // namespace aktenwerk::indexing::detail
