// Fuzz target: the xdomea reader. The bytes are a received message, bare XML or a ZIP package,
// taken in as the Aussonderung and the Aktenplan import take them (ReceiveMessage: ZIP entries
// checked, then the XML's safety and its schema); what passes is read as a 0502 and a 0506.
// The limits are small so that inputs stay fast: 64 KiB of XML, nesting 32, 16 ZIP entries.
// They are the reader's own (xdomea/validation.h, xdomea/zip.h), which it keeps beside those
// of dms/untrusted_input.h.
#include <cstdint>
#include <cstdlib>
#include <string_view>

#include "retention/xdomea/incoming.h"

namespace {

namespace xdomea = aktenwerk::retention::xdomea;

// A refusal must be a clear one: invalid argument with a reason. The tree is built only after
// the checks passed and its own errors carry no reason, so a refusal without one also means
// that the checking pass accepted a message the full parse does not.
void CheckRefusal(const aktenwerk::Status& s) {
    if (s.code() != aktenwerk::StatusCode::kInvalidArgument || s.reason().empty() ||
        s.message().empty()) {
        std::abort();
    }
}

void Receive(std::string_view bytes, xdomea::Family family) {
    const xdomea::XmlLimits xml{uint64_t{64} << 10, 32, 20'000};
    const xdomea::ZipLimits zip{uint64_t{1} << 20, 16, uint64_t{64} << 10, 200};
    auto msg = xdomea::ReceiveMessage(bytes, family, xml, zip);
    if (!msg.ok()) return CheckRefusal(msg.status());
    if (msg->code == "0502") {
        auto bewertungen = xdomea::ReadBewertungen(*msg);
        if (!bewertungen.ok()) CheckRefusal(bewertungen.status());
    } else if (msg->code == "0506") {
        (void)xdomea::ReadImportbestaetigung(*msg);
    }
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    const std::string_view bytes(reinterpret_cast<const char*>(data), size);
    Receive(bytes, xdomea::Family::kAussonderung);
    Receive(bytes, xdomea::Family::kAktenplan);
    return 0;
}
