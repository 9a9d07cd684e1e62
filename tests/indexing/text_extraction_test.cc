// Text extraction from real German documents that Debian ships (texlive-lang-german PDFs,
// libreoffice-help-de HTML), from DOCX and ODT that pandoc makes of them, from a scan that
// pdftoppm renders, and from hostile input that must fail cleanly within its bounds.
#include "indexing/text_extraction.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>
#include <zip.h>

#include "tests/support/server_process.h"
#include "tests/support/status_testing.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::indexing {
namespace {

constexpr const char* kJuraPdf =
    "/usr/share/doc/texlive-doc/latex/hausarbeit-jura/hausarbeit-jura.pdf";
constexpr const char* kBriefPdf =
    "/usr/share/doc/texlive-doc/latex/koma-script-examples/Anhang-C/result/briefDIN.pdf";
constexpr const char* kPivotHtml =
    "/usr/share/libreoffice/help/de/text/scalc/guide/datapilot_createtable.html";
constexpr const char* kHyphenHtml =
    "/usr/share/libreoffice/help/de/text/swriter/guide/hyphen_prevent.html";

std::string Joined(const ExtractedText& t) {
    std::string out;
    for (const auto& p : t.pages) out += p + "\n";
    return out;
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

void WriteFile(const std::string& path, const std::string& bytes) {
    std::ofstream(path, std::ios::binary) << bytes;
}

class TextExtractionTest : public ::testing::Test {
  protected:
    Result<ExtractedText> Extract(const std::string& path, const std::string& type,
                                  OcrMode ocr = OcrMode::kNever) {
        ExtractRequest r;
        r.media_type = type;
        r.file_name = path.substr(path.rfind('/') + 1);
        r.ocr = ocr;
        r.limits = limits_;
        return ExtractFile(path, r);
    }

    // Converts with the real pandoc command line.
    std::string Pandoc(const std::string& html, const std::string& format) {
        const std::string out = dir_.Sub("out." + format);
        auto run =
            test_support::RunCommand({"pandoc", "-f", "html", "-t", format, html, "-o", out});
        EXPECT_EQ(run.exit_code, 0) << run.output;
        return out;
    }

    // Renders page 1 of a PDF with pdftoppm, as a scanner would deliver it.
    std::string Render(const std::string& pdf, const std::string& format) {
        const std::string prefix = dir_.Sub("scan");
        auto run = test_support::RunCommand({"pdftoppm", "-r", "200", "-f", "1", "-l", "1",
                                             "-singlefile", "-" + format, pdf, prefix});
        EXPECT_EQ(run.exit_code, 0) << run.output;
        return prefix + (format == "png" ? ".png" : ".pgm");
    }

    test_support::TempDir dir_;
    ExtractionLimits limits_;
};

TEST_F(TextExtractionTest, PdfTextComesPageByPage) {
    auto text = Extract(kJuraPdf, "application/pdf");
    AKTENWERK_ASSERT_OK(text.status());
    EXPECT_TRUE(text->paged);
    EXPECT_EQ(text->method, "pdf");
    EXPECT_EQ(text->pages.size(), 8u);
    EXPECT_NE(text->pages[0].find("Erstsemester"), std::string::npos);
    EXPECT_NE(text->pages[0].find("Universitäten"), std::string::npos);
    EXPECT_EQ(text->pages[0].find("Literaturverzeichnis"), std::string::npos);
    EXPECT_NE(Joined(*text).find("Literaturverzeichnis"), std::string::npos);
}

TEST_F(TextExtractionTest, WordsHyphenatedAtLineEndsAreJoined) {
    auto text = Extract(kJuraPdf, "application/pdf");
    AKTENWERK_ASSERT_OK(text.status());
    // "vorausge-\nsetzt" in the PDF's first section.
    EXPECT_NE(Joined(*text).find("vorausgesetzt"), std::string::npos);
}

TEST_F(TextExtractionTest, HtmlTextWithoutScriptsOrStyles) {
    auto text = Extract(kPivotHtml, "text/html");
    AKTENWERK_ASSERT_OK(text.status());
    const std::string all = Joined(*text);
    EXPECT_NE(all.find("Spaltenköpfen"), std::string::npos);
    EXPECT_NE(all.find("Pivot-Tabelle erstellen"), std::string::npos);
    EXPECT_EQ(all.find("function("), std::string::npos);
    EXPECT_EQ(all.find("<"), std::string::npos);

    WriteFile(dir_.Sub("s.html"),
              "<html><head><title>Bescheid</title><style>p{color:red}</style>"
              "<script>var geheim = 1;</script></head><body><p>Gebühr</p><td>a</td><td>b</td>"
              "</body></html>");
    auto small = Extract(dir_.Sub("s.html"), "text/html");
    AKTENWERK_ASSERT_OK(small.status());
    EXPECT_NE(Joined(*small).find("Bescheid"), std::string::npos);
    EXPECT_NE(Joined(*small).find("Gebühr"), std::string::npos);
    EXPECT_EQ(Joined(*small).find("geheim"), std::string::npos);
    EXPECT_EQ(Joined(*small).find("color"), std::string::npos);
    EXPECT_NE(Joined(*small).find("a\nb"), std::string::npos);
}

TEST_F(TextExtractionTest, DocxMadeWithPandoc) {
    auto text = Extract(Pandoc(kHyphenHtml, "docx"),
                        "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    AKTENWERK_ASSERT_OK(text.status());
    EXPECT_EQ(text->method, "ooxml");
    EXPECT_NE(Joined(*text).find("Silbentrennung"), std::string::npos);
    EXPECT_NE(Joined(*text).find("Benutzerwörterbücher"), std::string::npos);
}

TEST_F(TextExtractionTest, OdtMadeWithPandocEvenWhenLabelledAsZip) {
    auto text = Extract(Pandoc(kPivotHtml, "odt"), "application/zip");
    AKTENWERK_ASSERT_OK(text.status());
    EXPECT_EQ(text->method, "odf");
    EXPECT_NE(Joined(*text).find("Spaltenköpfen"), std::string::npos);
}

TEST_F(TextExtractionTest, Windows1252TextIsConvertedNotMangled) {
    WriteFile(dir_.Sub("brief.txt"),
              "Sehr geehrte Frau M\xFCller,\r\n\x84Stra\xDF"
              "enbauma\xDFnahme\x93 kostet 1.250 \x80.");
    auto text = Extract(dir_.Sub("brief.txt"), "text/plain");
    AKTENWERK_ASSERT_OK(text.status());
    EXPECT_EQ(text->charset, "windows-1252");
    EXPECT_NE(Joined(*text).find("„Straßenbaumaßnahme“ kostet 1.250 €"), std::string::npos);
    EXPECT_NE(Joined(*text).find("Müller"), std::string::npos);
}

TEST_F(TextExtractionTest, MailWithQuotedPrintableBodyAndAttachment) {
    const std::string mail =
        "From: =?ISO-8859-1?Q?J=FCrgen_M=FCller?= <jm@example.org>\r\n"
        "To: poststelle@example.org\r\n"
        "Subject: =?UTF-8?B?R2V3ZXJiZWFubWVsZHVuZw==?=\r\n"
        "MIME-Version: 1.0\r\n"
        "Content-Type: multipart/mixed; boundary=\"XYZ\"\r\n\r\n"
        "--XYZ\r\n"
        "Content-Type: text/plain; charset=iso-8859-1\r\n"
        "Content-Transfer-Encoding: quoted-printable\r\n\r\n"
        "Anbei mein Antrag f=FCr die Schankerlaubnis, bitte um R=\r\nückmeldung.\r\n"
        "--XYZ\r\n"
        "Content-Type: text/html; charset=utf-8\r\n"
        "Content-Disposition: attachment; filename*=utf-8''Anlage%20M%C3%BCller.html\r\n"
        "Content-Transfer-Encoding: base64\r\n\r\n"
        "PGh0bWw+PGJvZHk+PHA+QmF1Z2VuZWhtaWd1bmc8L3A+PC9ib2R5PjwvaHRtbD4=\r\n"
        "--XYZ--\r\n";
    WriteFile(dir_.Sub("antrag.eml"), mail);
    auto text = Extract(dir_.Sub("antrag.eml"), "message/rfc822");
    AKTENWERK_ASSERT_OK(text.status());
    const std::string all = Joined(*text);
    EXPECT_NE(all.find("Betreff: Gewerbeanmeldung"), std::string::npos) << all;
    EXPECT_NE(all.find("Von: Jürgen Müller"), std::string::npos) << all;
    EXPECT_NE(all.find("Antrag für die Schankerlaubnis"), std::string::npos) << all;
    EXPECT_NE(all.find("Anlage: Anlage Müller.html"), std::string::npos) << all;
    EXPECT_NE(all.find("Baugenehmigung"), std::string::npos) << all;
}

TEST_F(TextExtractionTest, XmlExternalEntitiesAreNotResolved) {
    WriteFile(dir_.Sub("x.xml"),
              "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>"
              "<a><b>Vorgang</b>&e;<c>Akte</c></a>");
    auto text = Extract(dir_.Sub("x.xml"), "application/xml");
    AKTENWERK_ASSERT_OK(text.status());
    EXPECT_NE(Joined(*text).find("Vorgang"), std::string::npos);
    EXPECT_EQ(Joined(*text).find("root:"), std::string::npos);
}

TEST_F(TextExtractionTest, ScanIsOcredOnlyWhenAllowed) {
    if (!OcrAvailable()) GTEST_SKIP() << "tesseract-ocr-deu is not installed";
    const std::string png = Render(kBriefPdf, "png");
    auto refused = Extract(png, "image/png");
    EXPECT_TRUE(NeedsOcr(refused.status())) << refused.status().ToString();
    auto text = Extract(png, "image/png", OcrMode::kAllowed);
    AKTENWERK_ASSERT_OK(text.status());
    EXPECT_EQ(text->method, "ocr");
    EXPECT_EQ(text->ocr_pages, 1u);
    EXPECT_NE(Joined(*text).find("Totenkopfinsel"), std::string::npos) << Joined(*text);
    EXPECT_NE(Joined(*text).find("Krokodil"), std::string::npos) << Joined(*text);
}

// A PDF whose only page is a grey image (as a scanner writes it), from a PGM by pdftoppm.
std::string ImagePdf(const std::string& pgm_path, int dpi) {
    std::string pgm = ReadFile(pgm_path);
    std::istringstream header(pgm);
    std::string magic;
    int w = 0, h = 0, max = 0;
    header >> magic >> w >> h >> max;
    const size_t data_at = static_cast<size_t>(header.tellg()) + 1;
    const std::string pixels = pgm.substr(data_at, static_cast<size_t>(w) * static_cast<size_t>(h));
    const double pw = w * 72.0 / dpi, ph = h * 72.0 / dpi;
    std::ostringstream content;
    content << "q " << pw << " 0 0 " << ph << " 0 0 cm /Im0 Do Q";
    std::vector<std::string> objects = {
        "<</Type/Catalog/Pages 2 0 R>>", "<</Type/Pages/Kids[3 0 R]/Count 1>>",
        "<</Type/Page/Parent 2 0 R/MediaBox[0 0 " + std::to_string(pw) + " " + std::to_string(ph) +
            "]/Resources<</XObject<</Im0 4 0 R>>>>/Contents 5 0 R>>",
        "<</Type/XObject/Subtype/Image/Width " + std::to_string(w) + "/Height " +
            std::to_string(h) + "/ColorSpace/DeviceGray/BitsPerComponent 8/Length " +
            std::to_string(pixels.size()) + ">>\nstream\n" + pixels + "\nendstream",
        "<</Length " + std::to_string(content.str().size()) + ">>\nstream\n" + content.str() +
            "\nendstream"};
    std::string pdf = "%PDF-1.4\n";
    std::vector<size_t> offsets;
    for (size_t i = 0; i < objects.size(); ++i) {
        offsets.push_back(pdf.size());
        pdf += std::to_string(i + 1) + " 0 obj\n" + objects[i] + "\nendobj\n";
    }
    const size_t xref = pdf.size();
    pdf += "xref\n0 " + std::to_string(objects.size() + 1) + "\n0000000000 65535 f \n";
    for (size_t off : offsets) {
        char line[32];
        std::snprintf(line, sizeof(line), "%010zu 00000 n \n", off);
        pdf += line;
    }
    pdf += "trailer\n<</Size " + std::to_string(objects.size() + 1) + "/Root 1 0 R>>\nstartxref\n" +
           std::to_string(xref) + "\n%%EOF\n";
    return pdf;
}

TEST_F(TextExtractionTest, PdfWithoutTextLayerIsOcredPageByPage) {
    if (!OcrAvailable()) GTEST_SKIP() << "tesseract-ocr-deu is not installed";
    WriteFile(dir_.Sub("scan.pdf"), ImagePdf(Render(kBriefPdf, "gray"), 200));
    auto refused = Extract(dir_.Sub("scan.pdf"), "application/pdf");
    EXPECT_TRUE(NeedsOcr(refused.status())) << refused.status().ToString();
    auto text = Extract(dir_.Sub("scan.pdf"), "application/pdf", OcrMode::kAllowed);
    AKTENWERK_ASSERT_OK(text.status());
    EXPECT_EQ(text->method, "ocr");
    EXPECT_TRUE(text->paged);
    EXPECT_NE(Joined(*text).find("Nimmerland"), std::string::npos) << Joined(*text);
}

// A DOCX whose document.xml inflates a thousandfold: refused as a ZIP bomb, not inflated.
TEST_F(TextExtractionTest, ZipBombIsRefused) {
    const std::string path = dir_.Sub("bomb.docx");
    int err = 0;
    zip_t* z = zip_open(path.c_str(), ZIP_CREATE | ZIP_TRUNCATE, &err);
    ASSERT_NE(z, nullptr);
    static std::string zeros(size_t{64} << 20, 'a');
    zip_source_t* src = zip_source_buffer(z, zeros.data(), zeros.size(), 0);
    ASSERT_GE(zip_file_add(z, "word/document.xml", src, ZIP_FL_OVERWRITE), 0);
    ASSERT_EQ(zip_close(z), 0);
    auto text =
        Extract(path, "application/vnd.openxmlformats-officedocument.wordprocessingml.document");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.status().reason(), "zip-bomb") << text.status().ToString();
}

TEST_F(TextExtractionTest, BrokenFilesFailAsMalformed) {
    WriteFile(dir_.Sub("kaputt.pdf"), "%PDF-1.4\n1 0 obj <</Type/Catalog garbage");
    auto pdf = Extract(dir_.Sub("kaputt.pdf"), "application/pdf");
    ASSERT_FALSE(pdf.ok());
    EXPECT_EQ(pdf.status().reason(), "malformed");

    std::string docx = ReadFile(Pandoc(kHyphenHtml, "docx"));
    WriteFile(dir_.Sub("halb.docx"), docx.substr(0, docx.size() / 2));
    auto half = Extract(dir_.Sub("halb.docx"), "application/zip");
    ASSERT_FALSE(half.ok());
    EXPECT_EQ(half.status().code(), StatusCode::kInvalidArgument);
}

TEST_F(TextExtractionTest, FormatsWithoutTextAreUnsupported) {
    WriteFile(dir_.Sub("ton.mp3"), std::string("ID3\x03\0\0\0\0\0\0binary", 16));
    auto text = Extract(dir_.Sub("ton.mp3"), "audio/mpeg");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.status().reason(), "unsupported-type");
}

TEST_F(TextExtractionTest, OutputIsCutAtTheLimit) {
    limits_.max_output_bytes = 1000;
    auto text = Extract(kJuraPdf, "application/pdf");
    AKTENWERK_ASSERT_OK(text.status());
    EXPECT_TRUE(text->truncated);
    EXPECT_LE(text->TotalBytes(), 1000u);
}

TEST_F(TextExtractionTest, TimeBudgetEndsExtraction) {
    limits_.time_budget = std::chrono::milliseconds(0);
    auto text = Extract(kJuraPdf, "application/pdf");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.status().reason(), "timeout");
}

TEST_F(TextExtractionTest, TooLargeInputIsNotRead) {
    limits_.max_input_bytes = 1000;
    auto text = Extract(kJuraPdf, "application/pdf");
    ASSERT_FALSE(text.ok());
    EXPECT_EQ(text.status().reason(), "too-large");
}

}  // namespace
}  // namespace aktenwerk::indexing
