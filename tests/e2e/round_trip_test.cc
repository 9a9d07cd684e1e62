// Real German input goes in through curl (multipart, as browsers send it) and through a raw
// streamed body, and comes back byte for byte with its detected media type and its file name.
#include <algorithm>
#include <array>
#include <filesystem>
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/sha256.h"

namespace aktenwerk::e2e {
namespace {

namespace fs = std::filesystem;
using test_support::RunCommand;
using test_support::RunCurl;
using test_support::Sha256Hex;
using test_support::Sha256OfFile;

constexpr char kLshortGerman[] = "/usr/share/doc/texlive-doc/latex/lshort-german/l2kurz.pdf";
constexpr char kBabelGerman[] = "/usr/share/doc/texlive-doc/generic/babel-german/ngermanb.pdf";
constexpr char kLibreOfficeHelp[] = "/usr/share/libreoffice/help/de/text/shared/";

// The UTF-8 file name in the filename* parameter of a Content-Disposition (RFC 5987).
std::string FilenameStar(const std::string& disposition) {
    const std::string key = "filename*=UTF-8''";
    size_t start = disposition.find(key);
    if (start == std::string::npos) return {};
    start += key.size();
    std::string encoded = disposition.substr(start, disposition.find(';', start) - start);
    std::string out;
    for (size_t i = 0; i < encoded.size(); ++i) {
        if (encoded[i] == '%' && i + 2 < encoded.size()) {
            out += static_cast<char>(std::stoi(encoded.substr(i + 1, 2), nullptr, 16));
            i += 2;
        } else {
            out += encoded[i];
        }
    }
    return out;
}

// A German HTML page of the LibreOffice help, chosen at run time: the first file (sorted)
// of a few kilobytes that contains umlauts.
std::string PickHelpPage() {
    std::vector<fs::path> pages;
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(kLibreOfficeHelp, ec)) {
        if (entry.path().extension() == ".html") pages.push_back(entry.path());
    }
    std::sort(pages.begin(), pages.end());
    for (const auto& page : pages) {
        std::string text = test_support::ReadFileBytes(page.string());
        if (text.size() > 4000 &&
            (text.find("ä") != std::string::npos || text.find("ü") != std::string::npos)) {
            return page.string();
        }
    }
    return {};
}

class RoundTripTest : public E2eTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(StartServer());
        ablage_ = CreateAblage();
        ASSERT_FALSE(ablage_.vorgang_id.empty());
    }

    // Copies `source` into the scratch folder under the German `dateiname`.
    std::string Stage(const std::string& source, const std::string& dateiname) {
        std::string path = scratch().Sub(dateiname);
        std::error_code ec;
        fs::copy_file(source, path, fs::copy_options::overwrite_existing, ec);
        EXPECT_FALSE(ec) << "copy " << source << ": " << ec.message();
        return path;
    }

    // Checks the stored version and the download of `dokument_id` against the file.
    void ExpectStoredAsIs(const std::string& dokument_id, const std::string& path,
                          const std::string& dateiname, const std::string& mime_type) {
        const std::string sha = Sha256OfFile(path);
        json versions = Versions(dokument_id);
        ASSERT_EQ(versions.size(), 1u);
        EXPECT_EQ(versions[0]["sha256"], sha);
        EXPECT_EQ(versions[0]["groesse"], fs::file_size(path));
        EXPECT_EQ(versions[0]["mime_type"], mime_type);
        EXPECT_EQ(versions[0]["dateiname"], dateiname);

        auto download = Download(dokument_id);
        ASSERT_EQ(download.status, 200) << download.Describe();
        EXPECT_EQ(Sha256Hex(download.body), sha) << "the content changed on its way";
        EXPECT_EQ(download.Header("ETag"), "\"" + sha + "\"");
        EXPECT_EQ(download.Header("Content-Type").rfind(mime_type, 0), 0u)
            << download.Header("Content-Type");
        const std::string disposition = download.Header("Content-Disposition");
        EXPECT_EQ(disposition.rfind("attachment;", 0), 0u) << disposition;
        EXPECT_EQ(FilenameStar(disposition), dateiname) << disposition;
    }

    // Uploads `path` with curl as multipart/form-data (fields before the file part).
    void UploadWithCurl(const std::string& path, const std::string& dateiname,
                        const std::string& mime_type) {
        SCOPED_TRACE("curl multipart upload of " + dateiname);
        auto res = RunCurl({"-u", "admin:" + server().admin_password(), "-F",
                            "parent_id=" + ablage_.vorgang_id, "-F", "art=major", "-F",
                            "datei=@" + path, server().base_url() + "/api/v1/dokumente"});
        ASSERT_EQ(res.status, 201) << res.Describe();
        std::string id = res.Json().value("id", "");
        ASSERT_FALSE(id.empty()) << res.Describe();
        ExpectStoredAsIs(id, path, dateiname, mime_type);
    }

    // Uploads `path` as a raw body, streamed from disk by the Beast client.
    void UploadRawBody(const std::string& path, const std::string& dateiname,
                       const std::string& mime_type) {
        SCOPED_TRACE("raw body upload of " + dateiname);
        auto res =
            api().PostFile("/api/v1/dokumente?parent_id=" + ablage_.vorgang_id +
                               "&dateiname=" + test_support::UrlEncode(dateiname) + "&art=major",
                           path);
        ASSERT_EQ(res.status, 201) << res.Describe();
        std::string id = res.Json().value("id", "");
        ASSERT_FALSE(id.empty()) << res.Describe();
        ExpectStoredAsIs(id, path, dateiname, mime_type);
    }

    void RoundTrip(const std::string& source, const std::string& dateiname,
                   const std::string& mime_type) {
        ASSERT_TRUE(fs::exists(source)) << source << " is missing (deploy/install-deps.sh)";
        std::string path = Stage(source, dateiname);
        UploadWithCurl(path, dateiname, mime_type);
        UploadRawBody(path, dateiname, mime_type);
    }

    Ablage ablage_;
};

TEST_F(RoundTripTest, GermanPdfsComeBackByteIdentical) {
    RoundTrip(kLshortGerman, "Kurzeinführung in LaTeX – lshort.pdf", "application/pdf");
    RoundTrip(kBabelGerman, "Silbentrennung für Übungsblätter (ngerman).pdf", "application/pdf");
}

TEST_F(RoundTripTest, LibreOfficeHelpPageComesBackByteIdentical) {
    std::string page = PickHelpPage();
    ASSERT_FALSE(page.empty()) << "no German help page in " << kLibreOfficeHelp
                               << " (libreoffice-help-de)";
    RoundTrip(page, "Hilfeseite Größe ändern.html", "text/html");
}

TEST_F(RoundTripTest, PandocDocxAndOdtComeBackByteIdentical) {
    std::string page = PickHelpPage();
    ASSERT_FALSE(page.empty()) << "no German help page in " << kLibreOfficeHelp;
    for (const auto& [format, dateiname, mime_type] : std::vector<std::array<std::string, 3>>{
             {"docx", "Bescheid über Gebühren.docx",
              "application/vnd.openxmlformats-officedocument.wordprocessingml.document"},
             {"odt", "Stellungnahme Straßenbauamt.odt", "application/vnd.oasis.opendocument.text"},
         }) {
        SCOPED_TRACE(format);
        std::string made = scratch().Sub("pandoc." + format);
        auto run = RunCommand({"pandoc", "-f", "html", "-t", format, "-o", made, page});
        ASSERT_EQ(run.exit_code, 0) << run.output;
        RoundTrip(made, dateiname, mime_type);
    }
}

}  // namespace
}  // namespace aktenwerk::e2e
