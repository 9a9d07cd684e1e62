// Fuzz target: the streaming multipart/form-data reader and Content-Disposition parsing.
// Input: a first byte choosing the read size (so that delimiters split across reads), a line
// with the Content-Type, then the body.
#include <algorithm>
#include <cstdint>
#include <string>

#include "interfaces/multipart.h"
#include "tests/fuzz/fuzz_input.h"

namespace {

using aktenwerk::Result;
using aktenwerk::interfaces::BodyReader;

// Hands out the body in pieces of a chosen size.
class PieceReader final : public BodyReader {
  public:
    PieceReader(std::string body, size_t piece) : body_(std::move(body)), piece_(piece) {}
    Result<size_t> Read(char* buf, size_t n) override {
        size_t got = std::min({n, piece_, body_.size() - pos_});
        body_.copy(buf, got, pos_);
        pos_ += got;
        return got;
    }
    std::optional<uint64_t> content_length() const override { return body_.size(); }

  private:
    std::string body_;
    size_t piece_;
    size_t pos_ = 0;
};

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
    aktenwerk::fuzz::FuzzInput in(data, size);
    const size_t piece = 1 + in.Byte() % 97;
    const std::string content_type = in.Line();
    const std::string body = in.Rest();

    aktenwerk::interfaces::PartInfo info;
    (void)aktenwerk::interfaces::ParseContentDisposition(content_type, &info);
    (void)aktenwerk::interfaces::ContentDisposition("attachment", body.substr(0, 300));

    PieceReader reader(body, piece);
    auto mp = aktenwerk::interfaces::MultipartReader::Create(&reader, content_type);
    if (!mp.ok()) return 0;
    // Every part, alternating the two ways of reading it; bounded since each step consumes
    // input or ends.
    char buf[512];
    for (int parts = 0; parts < 10'000; ++parts) {
        auto more = mp->NextPart(&info);
        if (!more.ok() || !*more) break;
        if (parts % 2 == 0) {
            if (!mp->ReadText(4096).ok()) break;
            continue;
        }
        while (true) {
            auto got = mp->Read(buf, sizeof(buf));
            if (!got.ok() || *got == 0) break;
        }
    }
    return 0;
}
