// The Aussonderung end to end on the real server over HTTP: Akten under retention rules,
// closed years ago as legacy files; a process over them; the 0501 checked with xmllint against
// the official 3.1.0 schema; every bad message of the issue refused with nothing changed; a
// 0502 written as an archive writes it (A and V mixed, A inside V and V inside A), sent as a
// ZIP; the 0503 with exactly the A set and its primary files, checked with xmllint and unzip;
// 0507 and 0506; approval and destruction; and finally, with the server stopped, a look into
// its LevelDB and blob folder for anything left of the destroyed records.
#include <leveldb/db.h>

#include <filesystem>
#include <sstream>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/sha256.h"
#include "tests/support/xdomea_archive.h"
#include "tests/support/zip_builder.h"

namespace aktenwerk::e2e {
namespace {

namespace fs = std::filesystem;
using test_support::ArchiveMessages;

std::string Schema(const std::string& entry) {
    return std::string(AKTENWERK_SOURCE_DIR) + "/retention/xdomea/schema/3.1.0/" + entry;
}
const std::string kAussonderungXsd = "xdomea-Nachrichten-AussonderungDurchfuehren.xsd";

class AussonderungE2eTest : public E2eTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(StartServer({"--behoerdenkennung", "psw:073110000000", "--behoerde",
                                 "Stadt Musterstadt", "--archiv", "Landesarchiv Musterland"}));
        unit_ = CreateEinheit("70", "Umwelt");
        sub_ = CreateEinheit("70.10", "Abfall", unit_["id"]);
        later_ = CreateEinheit("71", "Friedhöfe");
        ASSERT_FALSE(sub_.is_null());
        Put("/api/v1/aktenplan/einheiten/" + Id(unit_) + "/aufbewahrung",
            {{"frist_jahre", 10}, {"aussonderungsart", "B"}});
        Put("/api/v1/aktenplan/einheiten/" + Id(later_) + "/aufbewahrung",
            {{"frist_jahre", 30}, {"aussonderungsart", "A"}});

        // Akte 1: Vorgang 1a (two documents, one with two versions) and Vorgang 1b.
        akte1_ = Akte(Id(sub_), "Deponie Nord, Genehmigung");
        v1a_ = Vorgang(akte1_, "Genehmigungsverfahren");
        d1_ = Upload(v1a_, "Antrag Deponie.pdf", "%PDF-1.4 Antrag Deponie Nord");
        AddVersion(d1_, "Antrag Deponie v2.pdf", "%PDF-1.4 Antrag Deponie Nord, geändert");
        d2_ = Upload(v1a_, "Bescheid.txt", "Genehmigungsbescheid vom 3. Mai 2008");
        v1b_ = Vorgang(akte1_, "Beschwerden");
        d3_ = Upload(v1b_, "Beschwerde Anwohner.txt", "Geruchsbelästigung Juli 2010");
        Close(akte1_, "2011-11-30");
        // Akte 2: Vorgang 2 and a document directly in the Akte.
        akte2_ = Akte(Id(sub_), "Altkleidercontainer Stadtgebiet");
        v2_ = Vorgang(akte2_, "Standortverzeichnis");
        d4_ = Upload(v2_, "Standorte.txt", "Liste der 42 Standorte");
        d5_ = Upload(akte2_, "Vermerk.txt", "Vermerk über die Ausschreibung");
        Close(akte2_, "2012-02-14");
        // Not due: a later zdA under a 30-year rule; and one under a hold.
        kept_ = Akte(Id(later_), "Friedhofssatzung 2010");
        Close(kept_, "2012-03-01");
        held_ = Akte(Id(sub_), "Ölunfall Hafen");
        d6_ = Upload(held_, "Gutachten.txt", "Gutachten Bodenprobe");
        Close(held_, "2012-03-01");
        auto hold = api().PostJson("/api/v1/sperren", {{"objekt_id", held_},
                                                       {"grund", "Schadensersatzklage"},
                                                       {"anordnende_stelle", "Landgericht"},
                                                       {"aktenzeichen_anordnung", "3 O 12/26"}});
        ASSERT_EQ(hold.status, 201) << hold.Describe();
    }

    static std::string Id(const json& j) { return j.is_object() ? j.value("id", "") : ""; }

    void Put(const std::string& path, const json& body) {
        auto res =
            api().Send({"PUT", path, {{"Content-Type", "application/json"}}, body.dump(), {}});
        ASSERT_EQ(res.status, 200) << res.Describe();
    }
    std::string Akte(const std::string& unit, const std::string& betreff) {
        auto res = api().PostJson(
            "/api/v1/akten",
            {{"parent_id", unit}, {"betreff", betreff}, {"laufzeit_beginn", "2005-01-03"}});
        EXPECT_EQ(res.status, 201) << res.Describe();
        return res.Json().value("id", "");
    }
    std::string Vorgang(const std::string& akte, const std::string& betreff) {
        auto res = api().PostJson(
            "/api/v1/vorgaenge",
            {{"parent_id", akte}, {"betreff", betreff}, {"laufzeit_beginn", "2005-01-03"}});
        EXPECT_EQ(res.status, 201) << res.Describe();
        return res.Json().value("id", "");
    }
    std::string Upload(const std::string& parent, const std::string& name,
                       const std::string& text) {
        contents_[name] = text;
        return UploadDokument(parent, name, text);
    }
    void AddVersion(const std::string& dokument, const std::string& name, const std::string& text) {
        contents_[name] = text;
        EXPECT_EQ(AddVersionRaw(dokument, name, text, "major").status, 201);
    }
    void Close(const std::string& akte, const std::string& datum) {
        auto res = api().PostJson("/api/v1/akten/" + akte + "/zda",
                                  {{"datum", datum}, {"grund", "Migration aus dem Altverfahren"}});
        ASSERT_EQ(res.status, 200) << res.Describe();
    }

    json Run(const std::string& run_id) {
        return api().Get("/api/v1/aussonderungen/" + run_id).Json();
    }
    HttpResponse Step(const std::string& run_id, const std::string& step) {
        return api().Post("/api/v1/aussonderungen/" + run_id + "/" + step, "", "application/json");
    }
    HttpResponse Send(const std::string& run_id, const std::string& body,
                      const std::string& type = "application/xml") {
        return api().Post("/api/v1/aussonderungen/" + run_id + "/nachrichten", body, type);
    }

    // Downloads a message ZIP of the process into the scratch folder and unpacks it with unzip;
    // returns the folder.
    std::string Fetch(const std::string& run_id, const std::string& code) {
        auto res = api().Get("/api/v1/aussonderungen/" + run_id + "/nachrichten/" + code);
        EXPECT_EQ(res.status, 200) << res.Describe();
        EXPECT_EQ(res.Header("Content-Type"), "application/zip");
        const std::string dir = scratch().Sub(code);
        fs::create_directories(dir);
        const std::string zip = dir + ".zip";
        test_support::WriteFileBytes(zip, res.body);
        auto unzip = test_support::RunCommand({"unzip", "-o", "-q", zip, "-d", dir});
        EXPECT_EQ(unzip.exit_code, 0) << unzip.output;
        return dir;
    }

    static std::set<std::string> Files(const std::string& dir) {
        std::set<std::string> out;
        for (const auto& f : fs::directory_iterator(dir)) out.insert(f.path().filename().string());
        return out;
    }

    static void ExpectSchemaValid(const std::string& file) {
        auto lint = test_support::RunCommand(
            {"xmllint", "--noout", "--schema", Schema(kAussonderungXsd), file});
        EXPECT_EQ(lint.exit_code, 0) << file << "\n" << lint.output;
    }

    static std::vector<std::string> XPath(const std::string& file, const std::string& local) {
        auto r = test_support::RunCommand(
            {"xmllint", "--xpath", "//*[local-name()='" + local + "']/text()", file});
        std::vector<std::string> out;
        if (r.output.find("XPath set is empty") != std::string::npos) return out;
        std::istringstream lines(r.output);
        for (std::string line; std::getline(lines, line);) {
            if (!line.empty()) out.push_back(line);
        }
        return out;
    }

    // What a refusal must leave alone: the process as the API shows it.
    json Snapshot(const std::string& run_id) {
        json run = Run(run_id);
        return {{"status", run["status"]},
                {"nachrichten", run["nachrichten"].size()},
                {"objekte", api().Get("/api/v1/aussonderungen/" + run_id + "/objekte").Json()}};
    }

    json unit_, sub_, later_;
    std::string akte1_, v1a_, v1b_, akte2_, v2_, kept_, held_;
    std::string d1_, d2_, d3_, d4_, d5_, d6_;
    std::map<std::string, std::string> contents_;
};

TEST_F(AussonderungE2eTest, WholeRunFromOfferToDestructionLeavesNothingBehind) {
    // The process holds what is due, without what a hold keeps or what is not due yet.
    auto created = api().PostJson("/api/v1/aussonderungen", {{"einheit_kennzeichen", "70"}});
    ASSERT_EQ(created.status, 201) << created.Describe();
    const std::string run_id = created.Json()["id"];
    ASSERT_EQ(created.Json()["ausgelassen"].size(), 1u);
    EXPECT_EQ(created.Json()["ausgelassen"][0]["id"], held_);
    auto duplicate = api().PostJson("/api/v1/aussonderungen", {{"einheit_kennzeichen", "70.10"}});
    EXPECT_EQ(duplicate.status, 409);
    EXPECT_EQ(duplicate.ProblemType(), Problem("in-aussonderung")) << duplicate.Describe();
    auto reopen = api().PostJson("/api/v1/akten/" + akte1_ + "/wiedereroeffnen", json::object());
    EXPECT_EQ(reopen.ProblemType(), Problem("in-aussonderung")) << reopen.Describe();

    // 0501: a valid ZIP with the message only.
    ASSERT_EQ(Step(run_id, "anbieten").status, 200);
    const std::string offer = Fetch(run_id, "0501");
    const std::string offer_xml = run_id + "_Aussonderung.Anbieteverzeichnis.0501.xml";
    EXPECT_EQ(Files(offer), (std::set<std::string>{offer_xml}));
    ExpectSchemaValid(offer + "/" + offer_xml);

    // Bad input, each refused precisely, nothing changed.
    const json before = Snapshot(run_id);
    const std::string other = "0f0e0d0c-0b0a-4909-8807-060504030201";
    const ArchiveMessages archive;
    std::string bomb = "<?xml version=\"1.0\"?>\n<!DOCTYPE l [<!ENTITY a \"aaaaaaaaaa\">";
    for (int i = 1; i < 10; ++i) {
        bomb += "<!ENTITY " + std::string(1, static_cast<char>('a' + i)) + " \"";
        for (int k = 0; k < 10; ++k)
            bomb += "&" + std::string(1, static_cast<char>('a' + i - 1)) + ";";
        bomb += "\">";
    }
    bomb += "]>\n<l>&j;</l>\n";
    std::string deep = "<?xml version=\"1.0\"?>\n";
    for (int i = 0; i < 20000; ++i) deep += "<x>";
    const std::string traversal =
        test_support::ZipBuilder()
            .Add("../../" + run_id + "_Aussonderung.Bewertungsverzeichnis.0502.xml",
                 archive.Bewertungsverzeichnis(run_id, {{akte1_, 'A'}}, false))
            .Build();
    struct Case {
        std::string name, body, type;
        int status;
        std::string problem;
    };
    const std::vector<Case> cases = {
        {"0502 of another process", archive.Bewertungsverzeichnis(other, {{akte1_, 'A'}}, false),
         "application/xml", 400, "wrong-process"},
        {"0502 naming an id never offered",
         archive.Bewertungsverzeichnis(run_id, {{akte1_, 'A'}, {kept_, 'V'}}, false),
         "application/xml", 400, "unknown-object"},
        {"external entity",
         "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>\n"
         "<x>&e;</x>\n",
         "application/xml", 400, "invalid-xdomea"},
        {"entity expansion bomb", bomb, "application/xml", 400, "invalid-xdomea"},
        {"deeply nested XML", deep, "application/xml", 400, "invalid-xdomea"},
        {"ZIP with ../ names", traversal, "application/zip", 400, "unsafe-zip"},
        {"huge XML", std::string(70u << 20, ' '), "application/xml", 413, "body-too-large"},
    };
    for (const auto& c : cases) {
        SCOPED_TRACE(c.name);
        auto res = Send(run_id, c.body, c.type);
        EXPECT_EQ(res.status, c.status) << res.Describe();
        EXPECT_EQ(res.ProblemType(), Problem(c.problem)) << res.Describe();
        EXPECT_EQ(Snapshot(run_id), before);
    }
    auto early = Step(run_id, "abgeben");
    EXPECT_EQ(early.ProblemType(), Problem("not-appraised")) << early.Describe();
    EXPECT_EQ(Snapshot(run_id), before);

    // The archive's 0504, then its 0502 as a ZIP: A and V mixed, V inside A (Vorgang 1b in
    // Akte 1), A inside V (Vorgang 2 in Akte 2); it asks for a receipt.
    ASSERT_EQ(Send(run_id, archive.AnbietungEmpfangBestaetigen(run_id)).status, 200);
    const std::string appraisal =
        test_support::ZipBuilder()
            .Add(run_id + "_Aussonderung.Bewertungsverzeichnis.0502.xml",
                 archive.Bewertungsverzeichnis(
                     run_id, {{akte1_, 'A'}, {v1a_, 'A'}, {v1b_, 'V'}, {akte2_, 'V'}, {v2_, 'A'}},
                     true),
                 true)
            .Build();
    auto appraised = Send(run_id, appraisal, "application/zip");
    ASSERT_EQ(appraised.status, 200) << appraised.Describe();
    EXPECT_EQ(appraised.Json()["status"], "bewertet");
    const std::string receipt = Fetch(run_id, "0505");
    ExpectSchemaValid(receipt + "/" + run_id +
                      "_Aussonderung.BewertungEmpfangBestaetigen.0505.xml");
    auto twice = Send(run_id, archive.Bewertungsverzeichnis(run_id, {{akte1_, 'V'}}, false));
    EXPECT_EQ(twice.ProblemType(), Problem("wrong-state")) << twice.Describe();

    // 0503: exactly the A set, each primary file named as its Dateiname and byte-identical.
    ASSERT_EQ(Step(run_id, "abgeben").status, 200);
    const std::string transfer = Fetch(run_id, "0503");
    const std::string transfer_xml = run_id + "_Aussonderung.Aussonderung.0503.xml";
    ExpectSchemaValid(transfer + "/" + transfer_xml);
    const auto ids = XPath(transfer + "/" + transfer_xml, "ID");
    EXPECT_EQ(std::set<std::string>(ids.begin(), ids.end()),
              (std::set<std::string>{akte1_, v1a_, d1_, d2_, v2_, d4_}));
    const auto dateinamen = XPath(transfer + "/" + transfer_xml, "Dateiname");
    const auto originale = XPath(transfer + "/" + transfer_xml, "DateinameOriginal");
    ASSERT_EQ(dateinamen.size(), 4u);
    ASSERT_EQ(originale.size(), dateinamen.size());
    std::set<std::string> expected_files(dateinamen.begin(), dateinamen.end());
    expected_files.insert(transfer_xml);
    EXPECT_EQ(Files(transfer), expected_files);
    for (size_t i = 0; i < dateinamen.size(); ++i) {
        SCOPED_TRACE(originale[i]);
        EXPECT_EQ(test_support::ReadFileBytes(transfer + "/" + dateinamen[i]),
                  contents_[originale[i]]);
    }

    // Receipt and import confirmation, then approval and destruction.
    ASSERT_EQ(Send(run_id, archive.AussonderungEmpfangBestaetigen(run_id)).status, 200);
    auto confirmed = Send(
        run_id, archive.AussonderungImportBestaetigen(run_id, {{akte1_, true, "LAM 70/2011-1", ""},
                                                               {v2_, true, "LAM 70/2012-2", ""}}));
    ASSERT_EQ(confirmed.status, 200) << confirmed.Describe();
    ASSERT_EQ(Step(run_id, "freigeben").status, 200);
    WaitForIndex();
    EXPECT_EQ(SearchHits("Genehmigungsbescheid"), (std::set<std::string>{d2_}))
        << "filed records are found before their destruction";
    auto destroyed = Step(run_id, "vernichten");
    ASSERT_EQ(destroyed.status, 200) << destroyed.Describe();
    EXPECT_EQ(destroyed.Json()["aussonderung"]["status"], "abgeschlossen") << destroyed.Describe();
    EXPECT_TRUE(destroyed.Json()["offen"].empty()) << destroyed.Describe();

    // The protocol names every removed object with its decision and hashes.
    auto protokoll = api().Get("/api/v1/aussonderungen/" + run_id + "/vernichtungsprotokolle/1");
    ASSERT_EQ(protokoll.status, 200) << protokoll.Describe();
    const json protokoll_json = protokoll.Json();
    std::map<std::string, json> zeilen;
    for (const auto& z : protokoll_json["objekte"]) zeilen[z["objekt_id"]] = z;
    EXPECT_EQ(zeilen.size(), 10u) << protokoll.Describe();
    EXPECT_EQ(zeilen[akte2_]["entscheidung"]["aussonderungsart"], "V");
    EXPECT_EQ(zeilen[v2_]["entscheidung"]["archivkennung"], "LAM 70/2012-2");
    EXPECT_EQ(zeilen[d3_]["inhalte"][0]["sha256"],
              test_support::Sha256Hex(contents_["Beschwerde Anwohner.txt"]));

    // The protocol is signed with the server key, checkable by openssl alone.
    auto signatur =
        api().Get("/api/v1/aussonderungen/" + run_id + "/vernichtungsprotokolle/1?teil=signatur");
    ASSERT_EQ(signatur.status, 200) << signatur.Describe();
    EXPECT_EQ(signatur.Header("Content-Type"), "application/pkcs7-signature");
    test_support::WriteFileBytes(scratch().Sub("protokoll.json"), protokoll.body);
    test_support::WriteFileBytes(scratch().Sub("protokoll.p7s"), signatur.body);
    test_support::WriteFileBytes(scratch().Sub("server.pem"),
                                 api().Get("/api/v1/integritaet/zertifikat").body);
    auto checked = test_support::RunCommand(
        {"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
         scratch().Sub("protokoll.p7s"), "-content", scratch().Sub("protokoll.json"), "-CAfile",
         scratch().Sub("server.pem"), "-purpose", "any", "-out", "/dev/null"});
    EXPECT_EQ(checked.exit_code, 0) << checked.output;

    // Stubs answer for the Akten; the held and the not-due Akte are untouched.
    EXPECT_EQ(api().Get("/api/v1/akten/" + akte1_).status, 410);
    auto stub = api().Get("/api/v1/ausgesondert/" + akte1_).Json();
    EXPECT_EQ(stub["art"], "abgegeben");
    EXPECT_EQ(stub["info"]["archivkennung"], "LAM 70/2011-1");
    EXPECT_EQ(api().Get("/api/v1/ausgesondert/" + akte2_).Json()["art"], "vernichtet");
    EXPECT_EQ(api().Get("/api/v1/dokumente/" + d1_).status, 404);
    EXPECT_EQ(api().Get("/api/v1/akten/" + held_).status, 200);
    EXPECT_EQ(api().Get("/api/v1/akten/" + kept_).status, 200);
    ExpectAuditChainIntact();

    // The search index forgets them as well: no hit, by word or in a listing of everything,
    // names a removed object.
    WaitForIndex();
    EXPECT_TRUE(SearchHits("Genehmigungsbescheid").empty());
    const std::set<std::string> everything = SearchHits("");
    EXPECT_TRUE(everything.count(d6_)) << "the held Akte's document stays findable";
    for (const auto& id : {akte1_, v1a_, v1b_, akte2_, v2_, d1_, d2_, d3_, d4_, d5_}) {
        EXPECT_FALSE(everything.count(id)) << "search still finds removed " << id;
    }

    // Nothing of the destroyed records is left: no blob, and (server stopped) no key but the
    // audit trail, the stubs and the process's own records.
    const std::set<std::string> on_disk = BlobFilesOnDisk();
    for (const auto& [name, text] : contents_) {
        if (name == "Gutachten.txt") continue;
        EXPECT_FALSE(on_disk.count(test_support::Sha256Hex(text))) << name;
    }
    EXPECT_EQ(on_disk, ReferencedHashes());
    ASSERT_EQ(server().Stop(), 0);
    leveldb::DB* raw = nullptr;
    leveldb::Options options;
    ASSERT_TRUE(leveldb::DB::Open(options, server().data_dir() + "/meta", &raw).ok());
    std::unique_ptr<leveldb::DB> db(raw);
    std::unique_ptr<leveldb::Iterator> it(db->NewIterator(leveldb::ReadOptions()));
    const std::vector<std::string> removed = {akte1_, v1a_, v1b_, akte2_, v2_,
                                              d1_,    d2_,  d3_,  d4_,    d5_};
    for (it->SeekToFirst(); it->Valid(); it->Next()) {
        const std::string key = it->key().ToString();
        // Outbox entries are the indexer's, deleted once applied (checked through the search
        // above; that destruction writes them is a test of the records service).
        if (key.rfind("q/", 0) == 0) continue;
        for (const auto& id : removed) {
            if (key.find(id) == std::string::npos) continue;
            const bool allowed = key.rfind("h/" + id, 0) == 0 || key.rfind("x/", 0) == 0 ||
                                 key.rfind("xc/", 0) == 0 || key.rfind("t/aus-obj/", 0) == 0 ||
                                 key.rfind("t/aus-prot/", 0) == 0;
            EXPECT_TRUE(allowed) << "left of " << id << ": " << key;
        }
    }
}

TEST_F(AussonderungE2eTest, HoldBlocksDirectDeletionOverHttp) {
    const std::string open_akte = Akte(Id(sub_), "Laufende Akte");
    const std::string doc = Upload(open_akte, "Notiz.txt", "Notiz");
    auto hold = api().PostJson(
        "/api/v1/sperren",
        {{"objekt_id", open_akte}, {"grund", "Prüfung"}, {"anordnende_stelle", "Rechnungshof"}});
    ASSERT_EQ(hold.status, 201);

    auto refused = api().Delete("/api/v1/dokumente/" + doc + "?grund=Fehlablage");
    EXPECT_EQ(refused.status, 409);
    EXPECT_EQ(refused.ProblemType(), Problem("held")) << refused.Describe();
    ASSERT_EQ(api()
                  .PostJson("/api/v1/sperren/" + hold.Json()["id"].get<std::string>() + "/aufheben",
                            {{"grund", "Prüfung abgeschlossen"}})
                  .status,
              200);
    EXPECT_EQ(api().Delete("/api/v1/dokumente/" + doc + "?grund=Fehlablage").status, 200);
    EXPECT_EQ(api().Get("/api/v1/dokumente/" + doc).status, 404);
}

}  // namespace
}  // namespace aktenwerk::e2e
