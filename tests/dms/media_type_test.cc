// Tests of media type detection on real files: the quick path for prose must give the same
// answer as libmagic's full tests, and structured formats must reach the full tests.
#include "dms/media_type.h"

#include <filesystem>
#include <fstream>
#include <string>

#include <gtest/gtest.h>
#include <magic.h>

#include "tests/support/temp_dir.h"

namespace aktenwerk::dms {
namespace {

constexpr char kGermanPdf[] = "/usr/share/doc/texlive-doc/latex/lshort-german/l2kurz.pdf";
constexpr char kHelpPage[] = "/usr/share/libreoffice/help/de/text/shared/00/00000001.html";

class MediaTypeTest : public ::testing::Test {
  protected:
    std::string Write(const std::string& name, const std::string& content) {
        std::string path = dir_.Sub(name);
        std::ofstream(path, std::ios::binary) << content;
        return path;
    }

    static std::string Head(const std::string& path) {
        std::ifstream in(path, std::ios::binary);
        std::string head(4096, '\0');
        in.read(head.data(), static_cast<std::streamsize>(head.size()));
        head.resize(static_cast<size_t>(in.gcount()));
        return head;
    }

    // What libmagic says with all of its tests.
    static std::string Libmagic(const std::string& path) {
        magic_t m = magic_open(MAGIC_MIME_TYPE);
        magic_load(m, nullptr);
        std::string type = magic_file(m, path.c_str());
        magic_close(m);
        return type;
    }

    std::string Detect(const std::string& path) { return DetectMimeType(path, Head(path)); }

    test_support::TempDir dir_;
};

TEST_F(MediaTypeTest, PlainGermanProseIsTextPlainAsLibmagicSays) {
    std::string path = Write("brief.txt",
                             "Hansestadt Stralsund\nDer Oberbürgermeister\n\nSehr geehrte Frau "
                             "Müller,\nIhr Antrag vom 3. März ist eingegangen: wir prüfen ihn.\n");

    EXPECT_EQ(Detect(path), "text/plain");
    EXPECT_EQ(Detect(path), Libmagic(path));
}

TEST_F(MediaTypeTest, StructuredTextGoesThroughTheFullTests) {
    struct Row {
        const char* name;
        const char* content;
        const char* expected;
    };
    const Row kRows[] = {
        {"mail.eml",
         "Received: from mx.example.org\nFrom: Amt <amt@example.org>\nSubject: Antrag\n"
         "Date: Tue, 3 Mar 2026 10:00:00 +0100\nMessage-ID: <1@example.org>\n\nText\n",
         "message/rfc822"},
        {"seite.html", "\n  <!DOCTYPE html>\n<html><head><title>Amt</title></head></html>\n",
         "text/html"},
        {"daten.xml", "<?xml version=\"1.0\"?>\n<akte><betreff>Bau</betreff></akte>\n", "text/xml"},
        {"skript.sh", "#!/bin/sh\necho hallo\n", "text/x-shellscript"},
    };
    for (const auto& row : kRows) {
        SCOPED_TRACE(row.name);
        std::string path = Write(row.name, row.content);
        EXPECT_EQ(Detect(path), row.expected);
        EXPECT_EQ(Detect(path), Libmagic(path));
    }
}

TEST_F(MediaTypeTest, RealGermanPdfAndHelpPageAsLibmagicSays) {
    for (const char* path : {kGermanPdf, kHelpPage}) {
        SCOPED_TRACE(path);
        ASSERT_TRUE(std::filesystem::exists(path)) << "install texlive-lang-german, "
                                                      "libreoffice-help-de";
        EXPECT_EQ(Detect(path), Libmagic(path));
    }
    EXPECT_EQ(Detect(kGermanPdf), "application/pdf");
}

TEST_F(MediaTypeTest, EmptyAndBinaryContentIsOctetStream) {
    EXPECT_EQ(Detect(Write("leer", "")), "application/octet-stream");
    EXPECT_EQ(Detect(Write("zufall", std::string("\x01\x02\xfe\xff\x00\x10", 6))),
              "application/octet-stream");
}

}  // namespace
}  // namespace aktenwerk::dms
