// `aktenwerk import` on a stopped server's data directory: a folder tree becomes Vorgänge
// (one per subfolder) and Dokumente, which the restarted server serves.
#include <filesystem>
#include <map>
#include <string>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/sha256.h"

namespace aktenwerk::e2e {
namespace {

namespace fs = std::filesystem;
using test_support::RunCommand;
using test_support::Sha256Hex;
using test_support::WriteFileBytes;

class ImportTest : public E2eTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(StartServer());
        json unit = CreateEinheit("63.10.01", "Baugenehmigungen");
        ASSERT_FALSE(unit.is_null());
        json akte = CreateAkte(unit["id"], "Neubau Einfamilienhaus Lindenweg 7");
        ASSERT_FALSE(akte.is_null());
        akte_id_ = akte["id"];
        aktenzeichen_ = akte["aktenzeichen"];

        // Relative path (below the import folder) to content.
        files_ = {
            {"Deckblatt.txt", "Bauakte Lindenweg 7"},
            {"Anträge/Bauantrag Müller.txt", "Antrag auf Baugenehmigung nach § 64 BauO"},
            {"Anträge/Lageplan.txt", "Flurstück 412/3, Gemarkung Musterstadt"},
            {"Bescheide/Baugenehmigung.txt", "Die Baugenehmigung wird erteilt."},
        };
        folder_ = scratch().Sub("Übernahme");
        for (const auto& [relative, content] : files_) {
            fs::create_directories(fs::path(folder_ + "/" + relative).parent_path());
            ASSERT_TRUE(WriteFileBytes(folder_ + "/" + relative, content));
        }
    }

    test_support::CommandResult Import() {
        return RunCommand({AktenwerkBinary(), "import", "--data", server().data_dir(), "--akte",
                           aktenzeichen_, "--from", folder_});
    }

    std::string akte_id_;
    std::string aktenzeichen_;
    std::map<std::string, std::string> files_;
    std::string folder_;
};

TEST_F(ImportTest, FolderTreeBecomesVorgaengeAndDokumente) {
    ASSERT_EQ(server().Stop(), 0);
    auto run = Import();
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("dokumente=4 vorgaenge=2"), std::string::npos) << run.output;

    ASSERT_TRUE(server().Start());
    ReconnectApi();
    std::map<std::string, std::string> found;  // relative path to sha256 of the download
    for (const auto& child : Children("/api/v1/akten/" + akte_id_ + "/inhalt")) {
        if (child["typ"] == "dokument") {
            found[child["betreff"]] = Sha256Hex(Download(child["id"]).body);
            continue;
        }
        ASSERT_EQ(child["typ"], "vorgang");
        const std::string vorgang = child["betreff"];
        for (const auto& doc :
             Children("/api/v1/vorgaenge/" + std::string(child["id"]) + "/inhalt")) {
            json versions = Versions(doc["id"]);
            ASSERT_EQ(versions.size(), 1u);
            EXPECT_EQ(versions[0]["mime_type"], "text/plain");
            found[vorgang + "/" + std::string(versions[0]["dateiname"])] =
                Sha256Hex(Download(doc["id"]).body);
        }
    }
    std::map<std::string, std::string> expected;
    for (const auto& [relative, content] : files_) expected[relative] = Sha256Hex(content);
    EXPECT_EQ(found, expected);
}

TEST_F(ImportTest, RefusesTheDataDirectoryOfARunningServer) {
    auto run = Import();
    EXPECT_NE(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("in use"), std::string::npos) << run.output;
    EXPECT_EQ(Children("/api/v1/akten/" + akte_id_ + "/inhalt").size(), 0u);
}

TEST_F(ImportTest, UnknownAkteFails) {
    ASSERT_EQ(server().Stop(), 0);
    auto run = RunCommand({AktenwerkBinary(), "import", "--data", server().data_dir(), "--akte",
                           "99.99-0001/2026", "--from", folder_});
    EXPECT_EQ(run.exit_code, 1) << run.output;
    EXPECT_NE(run.output.find("no Akte"), std::string::npos) << run.output;
}

}  // namespace
}  // namespace aktenwerk::e2e
