// How content goes back to browsers: only passive types inline, a sandbox for everything
// but PDF, and text with the character set it was written in.
#include <string>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/sha256.h"

namespace aktenwerk::e2e {
namespace {

constexpr char kGermanPdf[] = "/usr/share/doc/texlive-doc/latex/lshort-german/l2kurz.pdf";

class ContentSafetyTest : public E2eTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(StartServer());
        ablage_ = CreateAblage();
        ASSERT_FALSE(ablage_.vorgang_id.empty());
    }

    HttpResponse Inline(const std::string& dateiname, const std::string& content) {
        const std::string id = UploadDokument(ablage_.vorgang_id, dateiname, content);
        return api().Get("/api/v1/dokumente/" + id + "/inhalt?download=inline");
    }

    Ablage ablage_;
};

// Regression (new-user trial of #2): an uploaded SVG or HTML file with a script was served
// inline in the API's origin, where the script could act with the viewer's credentials.
TEST_F(ContentSafetyTest, ActiveContentIsNeverShownInlineAndIsSandboxed) {
    const std::string kScript = "<script>alert(document.cookie)</script>";
    for (const auto& [name, content] :
         {std::pair<std::string, std::string>{
              "bild.svg", "<svg xmlns=\"http://www.w3.org/2000/svg\">" + kScript + "</svg>"},
          {"seite.html", "<!DOCTYPE html><html>" + kScript + "</html>"}}) {
        SCOPED_TRACE(name);
        auto res = Inline(name, content);
        ASSERT_EQ(res.status, 200) << res.Describe();
        EXPECT_EQ(res.Header("Content-Disposition").rfind("attachment", 0), 0u)
            << res.Header("Content-Disposition");
        EXPECT_NE(res.Header("Content-Security-Policy").find("sandbox"), std::string::npos);
        EXPECT_EQ(res.Header("X-Content-Type-Options"), "nosniff");
    }
}

TEST_F(ContentSafetyTest, PdfAndPlainTextAreShownInline) {
    auto pdf = Inline("Anleitung.pdf", test_support::ReadFileBytes(kGermanPdf));
    auto text = Inline("Notiz.txt", "Sehr geehrte Frau Müller,\n");

    EXPECT_EQ(pdf.Header("Content-Type"), "application/pdf");
    EXPECT_EQ(pdf.Header("Content-Disposition").rfind("inline", 0), 0u);
    EXPECT_EQ(pdf.Header("Content-Security-Policy"), "") << "a sandbox breaks the PDF viewer";
    EXPECT_EQ(text.Header("Content-Disposition").rfind("inline", 0), 0u);
    EXPECT_NE(text.Header("Content-Security-Policy").find("sandbox"), std::string::npos);
}

// Regression (new-user trial of #2): text came back as bare text/plain, and a browser
// showed the umlauts of UTF-8 files as mojibake.
TEST_F(ContentSafetyTest, TextIsServedWithTheCharacterSetItWasWrittenIn) {
    const struct {
        const char* name;
        std::string content;
        const char* charset;
    } kRows[] = {
        {"utf8.txt", "Grüße aus München\n", "utf-8"},
        {"ascii.txt", std::string(5000, 'a') + "\nund dann Größe\n", "utf-8"},
        {"latin1.txt",
         "Gr\xFC\xDF"
         "e aus M\xFC"
         "nchen\n",
         "iso-8859-1"},
        {"cp1252.txt",
         "Rechnung \x80 12,50 \x84"
         "Angebot\x93\n",
         "windows-1252"},
    };
    for (const auto& row : kRows) {
        SCOPED_TRACE(row.name);
        const std::string id = UploadDokument(ablage_.vorgang_id, row.name, row.content);
        auto res = Download(id);
        EXPECT_EQ(res.Header("Content-Type"), std::string("text/plain; charset=") + row.charset);
        EXPECT_EQ(Versions(id)[0].value("zeichensatz", ""), row.charset);
        EXPECT_EQ(res.body, row.content);
    }
    const std::string pdf =
        UploadDokument(ablage_.vorgang_id, "a.pdf", test_support::ReadFileBytes(kGermanPdf));
    EXPECT_TRUE(Versions(pdf)[0]["zeichensatz"].is_null());
}

}  // namespace
}  // namespace aktenwerk::e2e
