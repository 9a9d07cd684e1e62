#include "interfaces/multipart.h"

#include <string>

#include <gtest/gtest.h>

namespace aktenwerk::interfaces {
namespace {

// Serves a string as a request body in chunks of a fixed size, so that boundaries fall
// across reads.
class ChunkedBody final : public BodyReader {
  public:
    ChunkedBody(std::string data, size_t chunk) : data_(std::move(data)), chunk_(chunk) {}
    Result<size_t> Read(char* buf, size_t n) override {
        size_t count = std::min({n, chunk_, data_.size() - pos_});
        data_.copy(buf, count, pos_);
        pos_ += count;
        return count;
    }
    std::optional<uint64_t> content_length() const override { return data_.size(); }

  private:
    std::string data_;
    size_t chunk_;
    size_t pos_ = 0;
};

std::string Form(const std::string& file_content) {
    return "preamble\r\n--XyZ\r\n"
           "Content-Disposition: form-data; name=\"betreff\"\r\n\r\n"
           "Antrag auf Gewerbeanmeldung\r\n"
           "--XyZ\r\n"
           "Content-Disposition: form-data; name=\"datei\"; filename=\"a.txt\"; "
           "filename*=UTF-8''Antrag%20M%C3%BCller.txt\r\n"
           "Content-Type: text/plain\r\n\r\n" +
           file_content + "\r\n--XyZ--\r\n";
}

TEST(MultipartReader, ReadsFieldsAndFileAcrossEveryChunkSize) {
    // Looks like the delimiter up to its last byte, which a parser must not take for it.
    const std::string content = "Zeile 1\r\n--XyA nicht die Grenze\r\n--Xy\r\n\r\nEnde";
    for (size_t chunk : {1, 2, 3, 7, 64, 100000}) {
        SCOPED_TRACE("chunk " + std::to_string(chunk));
        ChunkedBody body(Form(content), chunk);
        auto mp = MultipartReader::Create(&body, "multipart/form-data; boundary=XyZ");
        ASSERT_TRUE(mp.ok()) << mp.status().ToString();

        PartInfo part;
        ASSERT_TRUE(*mp->NextPart(&part));
        EXPECT_EQ(part.name, "betreff");
        EXPECT_FALSE(part.has_filename);
        EXPECT_EQ(*mp->ReadText(1000), "Antrag auf Gewerbeanmeldung");

        ASSERT_TRUE(*mp->NextPart(&part));
        EXPECT_EQ(part.name, "datei");
        EXPECT_EQ(part.filename, "Antrag Müller.txt");
        EXPECT_EQ(part.content_type, "text/plain");
        EXPECT_EQ(*mp->ReadText(1000), content);

        EXPECT_FALSE(*mp->NextPart(&part));
    }
}

TEST(MultipartReader, BodyWithoutClosingBoundaryIsAnError) {
    std::string form = Form("abc");
    form.resize(form.size() - 12);
    ChunkedBody body(form, 5);
    auto mp = MultipartReader::Create(&body, "multipart/form-data; boundary=XyZ");
    ASSERT_TRUE(mp.ok());
    PartInfo part;
    ASSERT_TRUE(*mp->NextPart(&part));
    ASSERT_TRUE(*mp->NextPart(&part));
    auto text = mp->ReadText(1000);
    EXPECT_FALSE(text.ok());
    EXPECT_EQ(text.status().code(), StatusCode::kInvalidArgument);
}

TEST(MultipartReader, RefusesMissingOrOverlongBoundary) {
    ChunkedBody body("", 1);
    EXPECT_FALSE(MultipartReader::Create(&body, "multipart/form-data").ok());
    EXPECT_FALSE(MultipartReader::Create(&body, "text/plain; boundary=a").ok());
    EXPECT_FALSE(
        MultipartReader::Create(&body, "multipart/form-data; boundary=" + std::string(71, 'a'))
            .ok());
}

TEST(MultipartReader, RefusesPartWithoutContentDisposition) {
    ChunkedBody body("--b\r\nContent-Type: text/plain\r\n\r\nx\r\n--b--\r\n", 4);
    auto mp = MultipartReader::Create(&body, "multipart/form-data; boundary=b");
    ASSERT_TRUE(mp.ok());
    PartInfo part;
    EXPECT_FALSE(mp->NextPart(&part).ok());
}

TEST(MultipartReader, RefusesEndlessPartHeader) {
    std::string form =
        "--b\r\nContent-Disposition: form-data; name=\"x\"\r\nX-Pad: " + std::string(40000, 'a');
    ChunkedBody body(form, 4096);
    auto mp = MultipartReader::Create(&body, "multipart/form-data; boundary=b");
    ASSERT_TRUE(mp.ok());
    PartInfo part;
    auto next = mp->NextPart(&part);
    ASSERT_FALSE(next.ok());
    EXPECT_NE(next.status().message().find("16 KiB"), std::string::npos);
}

TEST(ContentDisposition, KeepsNonAsciiNamesAndGivesAsciiFallback) {
    EXPECT_EQ(ContentDisposition("attachment", "Bescheid Müller.pdf"),
              "attachment; filename=\"Bescheid M_ller.pdf\"; "
              "filename*=UTF-8''Bescheid%20M%C3%BCller.pdf");
}

TEST(ContentDisposition, NeutralisesQuotesAndLineBreaks) {
    std::string value = ContentDisposition("inline", "a\"b\r\nSet-Cookie: x.txt");
    EXPECT_EQ(value.find('\r'), std::string::npos);
    EXPECT_EQ(value.find('\n'), std::string::npos);
    EXPECT_NE(value.find("filename=\"a_b__Set-Cookie: x.txt\""), std::string::npos);
}

TEST(ParseContentDisposition, PrefersExtendedFilename) {
    PartInfo info;
    ASSERT_TRUE(ParseContentDisposition(
        "attachment; filename=\"fallback.txt\"; filename*=UTF-8''%C3%84nderung.txt", &info));
    EXPECT_EQ(info.filename, "Änderung.txt");
}

// Regression (#6): a file name cut by a line break left an unterminated quote, and the part
// was stored under the part of the name before the break.
TEST(ParseContentDisposition, UnterminatedQuoteIsRefused) {
    PartInfo info;
    EXPECT_FALSE(ParseContentDisposition("form-data; name=\"datei\"; filename=\"a", &info));
    EXPECT_TRUE(ParseContentDisposition("form-data; name=\"datei\"; filename=\"a;b\"", &info));
    EXPECT_EQ(info.filename, "a;b");
}

// Regression (new-user trial of #2): blanks inside quotes were trimmed, so " x.txt" became
// "x.txt" (and the name check that refuses leading blanks never saw them).
TEST(ParseContentDisposition, KeepsBlanksInsideQuotesAndDropsThemOutside) {
    PartInfo quoted;
    PartInfo around;
    ASSERT_TRUE(
        ParseContentDisposition("form-data; name=\"datei\"; filename=\" x.txt \"", &quoted));
    ASSERT_TRUE(
        ParseContentDisposition("form-data; name = datei ; filename=  \"a b.txt\"  ", &around));

    EXPECT_EQ(quoted.filename, " x.txt ");
    EXPECT_EQ(around.name, "datei");
    EXPECT_EQ(around.filename, "a b.txt");
}

// RFC 5987 allows ISO-8859-1 beside UTF-8; such a name used to be ignored, which turned the
// file part into an unknown form field.
TEST(ParseContentDisposition, DecodesIso88591ExtendedFilenames) {
    PartInfo info;
    ASSERT_TRUE(ParseContentDisposition("form-data; name=datei; filename*=ISO-8859-1''M%FCller.pdf",
                                        &info));

    EXPECT_TRUE(info.has_filename);
    EXPECT_EQ(info.filename, "Müller.pdf");
}

}  // namespace
}  // namespace aktenwerk::interfaces
