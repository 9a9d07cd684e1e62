// Versions over HTTP: major and minor labels, every version retrievable by number with its
// hash, conditional requests with the content ETag, and byte ranges.
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/sha256.h"

namespace aktenwerk::e2e {
namespace {

using test_support::RunCurl;
using test_support::Sha256Hex;

// Five versions of a letter: 1.0, 1.1, 1.2, 2.0, 2.1.
class VersionsTest : public E2eTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(StartServer());
        ablage_ = CreateAblage();
        ASSERT_FALSE(ablage_.vorgang_id.empty());
        for (int i = 0; i < 5; ++i) {
            contents_.push_back("Bescheid über die Gewerbeanmeldung, Fassung " +
                                std::to_string(i + 1) + "\n" + std::string(100 * (i + 1), 'x'));
        }
        dokument_ = UploadDokument(ablage_.vorgang_id, "Bescheid Müller.txt", contents_[0]);
        ASSERT_FALSE(dokument_.empty());
        const std::vector<std::string> arten = {"minor", "minor", "major", "minor"};
        for (size_t i = 0; i < arten.size(); ++i) {
            auto res =
                AddVersionRaw(dokument_, "Bescheid Müller v" + std::to_string(i + 2) + ".txt",
                              contents_[i + 1], arten[i]);
            ASSERT_EQ(res.status, 201) << res.Describe();
            added_.push_back(res.Json());
        }
    }

    Ablage ablage_;
    std::string dokument_;
    std::vector<std::string> contents_;
    std::vector<json> added_;
};

TEST_F(VersionsTest, MajorAndMinorUploadsGetTheirLabels) {
    json versions = Versions(dokument_);
    ASSERT_EQ(versions.size(), 5u);
    const std::vector<std::string> labels = {"1.0", "1.1", "1.2", "2.0", "2.1"};
    for (size_t i = 0; i < labels.size(); ++i) {
        SCOPED_TRACE("version " + std::to_string(i + 1));
        EXPECT_EQ(versions[i]["nummer"], i + 1);
        EXPECT_EQ(versions[i]["label"], labels[i]);
        EXPECT_EQ(versions[i]["erstellt_von"], "admin");
    }
    EXPECT_EQ(added_.back()["label"], "2.1");
    EXPECT_EQ(api().Get("/api/v1/dokumente/" + dokument_).Json()["versionen"], 5);
}

TEST_F(VersionsTest, FirstUploadAsMinorIsZeroPointOne) {
    auto res = UploadRaw(ablage_.vorgang_id, "Entwurf.txt", "Entwurf", "minor");
    ASSERT_EQ(res.status, 201) << res.Describe();
    json versions = Versions(res.Json()["id"]);
    ASSERT_EQ(versions.size(), 1u);
    EXPECT_EQ(versions[0]["label"], "0.1");
}

TEST_F(VersionsTest, EveryVersionIsRetrievableWithItsHash) {
    for (size_t i = 0; i < contents_.size(); ++i) {
        SCOPED_TRACE("version " + std::to_string(i + 1));
        const unsigned nummer = static_cast<unsigned>(i + 1);
        auto info =
            api().Get("/api/v1/dokumente/" + dokument_ + "/versionen/" + std::to_string(nummer));
        ASSERT_EQ(info.status, 200) << info.Describe();
        EXPECT_EQ(info.Json()["sha256"], Sha256Hex(contents_[i]));
        EXPECT_EQ(info.Json()["groesse"], contents_[i].size());
        EXPECT_EQ(info.Json()["mime_type"], "text/plain");

        auto content = Download(dokument_, nummer);
        ASSERT_EQ(content.status, 200) << content.Describe();
        EXPECT_EQ(Sha256Hex(content.body), Sha256Hex(contents_[i]));
        EXPECT_EQ(content.Header("ETag"), "\"" + Sha256Hex(contents_[i]) + "\"");
    }
    auto latest = Download(dokument_);
    EXPECT_EQ(latest.body, contents_.back());
    EXPECT_NE(latest.Header("Content-Disposition").find("v5.txt"), std::string::npos)
        << latest.Header("Content-Disposition");
}

TEST_F(VersionsTest, SameContentAgainSharesOneBlob) {
    const size_t blobs_before = BlobFilesOnDisk().size();
    auto res = AddVersionRaw(dokument_, "Bescheid Müller.txt", contents_[0], "major");
    ASSERT_EQ(res.status, 201) << res.Describe();
    EXPECT_EQ(res.Json()["sha256"], Sha256Hex(contents_[0]));
    EXPECT_EQ(res.Json()["label"], "3.0");
    EXPECT_EQ(BlobFilesOnDisk().size(), blobs_before);
    EXPECT_EQ(Download(dokument_, 6).body, contents_[0]);
}

TEST_F(VersionsTest, IfNoneMatchWithTheContentEtagIsNotModified) {
    const std::string etag = "\"" + Sha256Hex(contents_.back()) + "\"";
    auto unchanged = Download(dokument_, 0, {{"If-None-Match", etag}});
    EXPECT_EQ(unchanged.status, 304) << unchanged.Describe();
    EXPECT_TRUE(unchanged.body.empty());
    EXPECT_EQ(unchanged.Header("ETag"), etag);

    auto old_version = Download(dokument_, 1, {{"If-None-Match", etag}});
    EXPECT_EQ(old_version.status, 200) << "version 1 has another ETag";
    EXPECT_EQ(old_version.body, contents_[0]);

    const std::string etag1 = "\"" + Sha256Hex(contents_[0]) + "\"";
    EXPECT_EQ(Download(dokument_, 1, {{"If-None-Match", "\"abc\", " + etag1}}).status, 304);
    EXPECT_EQ(Download(dokument_, 1, {{"If-None-Match", "*"}}).status, 304);
}

TEST_F(VersionsTest, RangesAnswerPartialContent) {
    const std::string& content = contents_[2];
    const std::string total = "/" + std::to_string(content.size());
    struct Row {
        std::string range;
        size_t first;
        size_t last;
    };
    for (const auto& row : std::vector<Row>{
             {"bytes=0-9", 0, 9},
             {"bytes=10-", 10, content.size() - 1},
             {"bytes=-7", content.size() - 7, content.size() - 1},
             {"bytes=5-100000", 5, content.size() - 1},
             {"bytes=0-0", 0, 0},
         }) {
        SCOPED_TRACE(row.range);
        auto res = Download(dokument_, 3, {{"Range", row.range}});
        ASSERT_EQ(res.status, 206) << res.Describe();
        EXPECT_EQ(res.Header("Content-Range"),
                  "bytes " + std::to_string(row.first) + "-" + std::to_string(row.last) + total);
        EXPECT_EQ(res.body, content.substr(row.first, row.last - row.first + 1));
        EXPECT_EQ(res.Header("Accept-Ranges"), "bytes");
    }
}

TEST_F(VersionsTest, IfRangeWithAnotherEtagSendsTheWholeContent) {
    auto res = Download(dokument_, 2, {{"Range", "bytes=0-9"}, {"If-Range", "\"veraltet\""}});
    EXPECT_EQ(res.status, 200) << res.Describe();
    EXPECT_EQ(res.body, contents_[1]);
    const std::string etag = "\"" + Sha256Hex(contents_[1]) + "\"";
    auto ranged = Download(dokument_, 2, {{"Range", "bytes=0-9"}, {"If-Range", etag}});
    EXPECT_EQ(ranged.status, 206) << ranged.Describe();
}

TEST_F(VersionsTest, EmptyContentRoundTrips) {
    auto res = UploadRaw(ablage_.vorgang_id, "Leer.txt", "");
    ASSERT_EQ(res.status, 201) << res.Describe();
    const std::string id = res.Json()["id"];
    json versions = Versions(id);
    ASSERT_EQ(versions.size(), 1u);
    EXPECT_EQ(versions[0]["groesse"], 0);
    EXPECT_EQ(versions[0]["sha256"], Sha256Hex(""));
    auto content = Download(id);
    EXPECT_EQ(content.status, 200) << content.Describe();
    EXPECT_TRUE(content.body.empty());
    EXPECT_EQ(Download(id, 0, {{"Range", "bytes=0-"}}).status, 416);
}

TEST_F(VersionsTest, FileNameWithQuotesAndSemicolonsComesBackExactly) {
    const std::string name = "Bericht \"Entwurf\"; Version 2 – Änderung, 50% fertig.txt";
    std::string id = UploadDokument(ablage_.vorgang_id, name, "Inhalt");
    ASSERT_FALSE(id.empty());
    EXPECT_EQ(Versions(id)[0]["dateiname"], name);
    const std::string disposition = Download(id).Header("Content-Disposition");
    // One filename parameter with an ASCII fallback, one with the exact UTF-8 name.
    EXPECT_EQ(
        disposition.find("filename=\"Bericht _Entwurf_; Version 2 _ _nderung, 50% fertig.txt\""),
        std::string("attachment; ").size())
        << disposition;
    EXPECT_NE(disposition.find("filename*=UTF-8''" + test_support::UrlEncode(name)),
              std::string::npos)
        << disposition;
}

TEST_F(VersionsTest, CurlRangeAndHeadWork) {
    const std::string url =
        server().base_url() + "/api/v1/dokumente/" + dokument_ + "/versionen/4/inhalt";
    auto ranged = RunCurl({"-u", "admin:" + server().admin_password(), "-r", "3-12", url});
    ASSERT_EQ(ranged.status, 206) << ranged.Describe();
    EXPECT_EQ(ranged.body, contents_[3].substr(3, 10));
    EXPECT_EQ(ranged.Header("Content-Range"), "bytes 3-12/" + std::to_string(contents_[3].size()));

    auto head = RunCurl({"-u", "admin:" + server().admin_password(), "-I", url});
    ASSERT_EQ(head.status, 200) << head.Describe();
    EXPECT_EQ(head.Header("Content-Length"), std::to_string(contents_[3].size()));
    // curl -I writes the headers where the body would go; no content follows them.
    EXPECT_EQ(head.body.find(contents_[3]), std::string::npos);
}

}  // namespace
}  // namespace aktenwerk::e2e
