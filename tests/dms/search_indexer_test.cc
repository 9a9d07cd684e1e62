// The search service on a real repository: the outbox drives the index, every kind of
// change reaches the entries it affects, destroyed objects leave no hit, a restart continues
// where the last commit left off, and a rebuild from storage gives the same answers.
#include "dms/search_indexer.h"

#include <cstring>
#include <filesystem>
#include <fstream>
#include <set>

#include <gtest/gtest.h>

#include "dms/keys.h"
#include "storage/codec.h"
#include "tests/support/server_process.h"
#include "tests/support/status_testing.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::dms {
namespace {

using nlohmann::json;

class StringSource final : public ContentSource {
  public:
    explicit StringSource(std::string data) : data_(std::move(data)) {}
    Result<size_t> Read(char* buf, size_t n) override {
        size_t count = std::min(n, data_.size() - pos_);
        std::memcpy(buf, data_.data() + pos_, count);
        pos_ += count;
        return count;
    }

  private:
    std::string data_;
    size_t pos_ = 0;
};

class SearchIndexerTest : public ::testing::Test {
  protected:
    void SetUp() override {
        auto repo = Repository::Open(dir_.Sub("data"), RepositoryOptions{}, &clock_);
        ASSERT_TRUE(repo.ok()) << repo.status().ToString();
        repo_ = std::move(repo).value();
        OpenIndexer();
    }

    void OpenIndexer() {
        indexer_.reset();
        SearchIndexerOptions options;
        options.index_dir = dir_.Sub("data/index");
        auto indexer = SearchIndexer::Open(repo_.get(), options);
        ASSERT_TRUE(indexer.ok()) << indexer.status().ToString();
        indexer_ = std::move(indexer).value();
    }

    std::string Create(Kind kind, const std::string& parent, json fields) {
        auto o = repo_->Create(admin_, kind, parent, fields);
        EXPECT_TRUE(o.ok()) << o.status().ToString();
        return o.ok() ? o->id : "";
    }
    std::string Unit(const std::string& kennzeichen, const std::string& parent = "root") {
        return Create(Kind::kAktenplaneinheit, parent,
                      {{"kennzeichen", kennzeichen}, {"titel", "Einheit " + kennzeichen}});
    }
    std::string Akte(const std::string& unit, const std::string& betreff) {
        return Create(Kind::kAkte, unit, {{"betreff", betreff}});
    }
    std::string Dokument(const std::string& parent, const std::string& name,
                         const std::string& content) {
        StringSource source(content);
        auto created = repo_->CreateDokument(admin_, parent, json::object(), source,
                                             NewVersion{name, true, ""});
        EXPECT_TRUE(created.ok()) << created.status().ToString();
        return created.ok() ? created->first.id : "";
    }

    void CatchUp(bool ocr = false) { AKTENWERK_ASSERT_OK(indexer_->CatchUp(ocr)); }

    indexing::SearchResult Search(indexing::SearchRequest r) {
        auto result = indexer_->Search(admin_, std::move(r));
        EXPECT_TRUE(result.ok()) << result.status().ToString();
        return result.ok() ? *result : indexing::SearchResult{};
    }
    static indexing::SearchRequest Text(const std::string& text) {
        indexing::SearchRequest r;
        r.text = text;
        return r;
    }
    std::set<std::string> Ids(const std::string& text) {
        indexing::SearchRequest r;
        r.text = text;
        std::set<std::string> out;
        for (const auto& h : Search(r).hits) out.insert(h.objekt_id);
        return out;
    }

    size_t OutboxEntries() {
        size_t n = 0;
        AKTENWERK_EXPECT_OK(repo_->metadata().Scan(keys::kOutboxPrefix, "", 0, [&](auto, auto) {
            ++n;
            return true;
        }));
        return n;
    }

    // What the retention service (#4) does on destruction: the object's keys go, and an
    // outbox entry "vernichtet" is written in the same transaction.
    void Destroy(const std::string& id) {
        AKTENWERK_ASSERT_OK(repo_->metadata().Commit([&](storage::Txn& txn) -> Status {
            txn.Delete(keys::Objekt(id));
            AKTENWERK_ASSIGN_OR_RETURN(auto head, txn.Get(std::string(keys::kOutboxHead)));
            uint64_t seq = 1;
            if (head) seq = storage::DecodeValue(*head)->get<uint64_t>() + 1;
            txn.Put(keys::Outbox(seq),
                    storage::EncodeValue(
                        {{"objekt_id", id}, {"aktion", "vernichtet"}, {"version", 0}}));
            txn.Put(std::string(keys::kOutboxHead), storage::EncodeValue(seq));
            return Status::Ok();
        }));
    }

    test_support::TempDir dir_;
    ManualClock clock_;
    Principal admin_ = Principal::System();
    std::unique_ptr<Repository> repo_;
    std::unique_ptr<SearchIndexer> indexer_;
};

TEST_F(SearchIndexerTest, DocumentIsFoundOnceTheOutboxIsDrained) {
    const std::string akte = Akte(Unit("32"), "Gewerbeanmeldung Muster GmbH");
    const std::string dok = Dokument(akte, "bescheid.txt", "Die Gebühr beträgt 26 Euro.");
    EXPECT_GT(OutboxEntries(), 0u);
    EXPECT_GT(indexer_->stats().lag, 0u);
    CatchUp();
    EXPECT_EQ(Ids("Gebuehr"), std::set<std::string>{dok});
    EXPECT_EQ(Ids("Anmeldung"), std::set<std::string>{akte});
    EXPECT_EQ(OutboxEntries(), 0u);  // applied entries are deleted
    EXPECT_EQ(indexer_->stats().lag, 0u);
}

TEST_F(SearchIndexerTest, NewVersionReplacesTheLatestAndKeepsTheOldSearchable) {
    const std::string dok = Dokument(Akte(Unit("32"), "Akte"), "v1.txt", "Entwurf der Satzung");
    StringSource v2("Endfassung der Satzung");
    AKTENWERK_ASSERT_OK(
        repo_->AddVersion(admin_, dok, v2, NewVersion{"v2.txt", true, ""}).status());
    CatchUp();
    EXPECT_TRUE(Ids("Entwurf").empty());
    EXPECT_EQ(Ids("Endfassung"), std::set<std::string>{dok});
    indexing::SearchRequest all;
    all.text = "Entwurf";
    all.alle_versionen = true;
    auto result = Search(all);
    ASSERT_EQ(result.hits.size(), 1u);
    EXPECT_EQ(result.hits[0].version, 1u);
    EXPECT_EQ(Search(Text("Satzung")).total, 1u);  // one hit per Dokument by default
}

TEST_F(SearchIndexerTest, MoveReindexesTheWholeSubtree) {
    const std::string u32 = Unit("32");
    const std::string u40 = Unit("40");
    const std::string akte = Akte(u32, "Akte");
    const std::string vorgang = Create(Kind::kVorgang, akte, {{"betreff", "Vorgang"}});
    const std::string dok = Dokument(vorgang, "a.txt", "Baugenehmigung erteilt");
    CatchUp();
    AKTENWERK_ASSERT_OK(repo_->Move(admin_, akte, u40).status());
    CatchUp();
    indexing::SearchRequest r;
    r.text = "Baugenehmigung";
    r.kennzeichen = {"40"};
    EXPECT_EQ(Search(r).total, 1u);
    r.kennzeichen = {"32"};
    EXPECT_EQ(Search(r).total, 0u);
}

TEST_F(SearchIndexerTest, ClosingAnAkteClosesWhatIsInIt) {
    const std::string akte = Akte(Unit("32"), "Akte");
    Dokument(akte, "a.txt", "Schlussbericht");
    CatchUp();
    indexing::SearchRequest r;
    r.text = "Schlussbericht";
    r.zustaende = {"geschlossen"};
    EXPECT_EQ(Search(r).total, 0u);
    AKTENWERK_ASSERT_OK(repo_->Close(admin_, akte, std::nullopt).status());
    CatchUp();
    EXPECT_EQ(Search(r).total, 1u);
    AKTENWERK_ASSERT_OK(repo_->Reopen(admin_, akte).status());
    CatchUp();
    EXPECT_EQ(Search(r).total, 0u);
}

TEST_F(SearchIndexerTest, VertraulichkeitOfTheAkteReachesItsDocuments) {
    const std::string unit = Unit("32");
    const std::string akte = Akte(unit, "Personalakte");
    Dokument(akte, "a.txt", "Beurteilung");
    CatchUp();
    AKTENWERK_ASSERT_OK(repo_->Update(admin_, akte, {{"vertraulichkeit", "vertraulich"}}).status());
    CatchUp();
    indexing::SearchRequest r;
    r.text = "Beurteilung";
    r.visibility.klauseln = {{unit, {}, {"offen"}}};
    EXPECT_EQ(indexer_->index().Search(r)->total, 0u);
    r.visibility.klauseln[0].vertraulichkeiten = {"offen", "vertraulich"};
    EXPECT_EQ(indexer_->index().Search(r)->total, 1u);
}

TEST_F(SearchIndexerTest, DestroyedObjectLeavesNoHitBelowIt) {
    const std::string akte = Akte(Unit("32"), "Akte");
    const std::string vorgang = Create(Kind::kVorgang, akte, {{"betreff", "Vorgang"}});
    const std::string dok = Dokument(vorgang, "a.txt", "Vernichtungsreif");
    CatchUp();
    ASSERT_EQ(Ids("Vernichtungsreif"), std::set<std::string>{dok});
    Destroy(dok);
    Destroy(vorgang);
    Destroy(akte);
    // Storage has the last word even before the index caught up.
    EXPECT_TRUE(Ids("Vernichtungsreif").empty());
    CatchUp();
    indexing::SearchRequest r;
    r.text = "Vernichtungsreif";
    r.visibility = indexing::Visibility::Everything();
    r.alle_versionen = true;
    EXPECT_EQ(indexer_->index().Search(r)->total, 0u);
}

TEST_F(SearchIndexerTest, DestroyingOnlyTheAkteRemovesItsWholeSubtree) {
    const std::string akte = Akte(Unit("32"), "Akte");
    Dokument(Create(Kind::kVorgang, akte, {{"betreff", "Vorgang"}}), "a.txt", "Kassenprüfung");
    CatchUp();
    Destroy(akte);
    CatchUp();
    indexing::SearchRequest r;
    r.text = "Kassenprüfung";
    r.visibility = indexing::Visibility::Everything();
    EXPECT_EQ(indexer_->index().Search(r)->total, 0u);
}

TEST_F(SearchIndexerTest, RestartContinuesFromTheCommittedPosition) {
    const std::string akte = Akte(Unit("32"), "Akte");
    const std::string first = Dokument(akte, "a.txt", "Widerspruchsbescheid");
    CatchUp();
    const uint64_t applied = indexer_->stats().applied_position;
    indexer_.reset();
    const std::string second = Dokument(akte, "b.txt", "Ablehnungsbescheid");
    OpenIndexer();
    EXPECT_EQ(indexer_->stats().applied_position, applied);
    CatchUp();
    EXPECT_EQ(Ids("Widerspruchsbescheid"), std::set<std::string>{first});
    EXPECT_EQ(Ids("Ablehnungsbescheid"), std::set<std::string>{second});
    EXPECT_EQ(Search(Text("Bescheid")).total, 2u);  // each once, nothing doubled
}

TEST_F(SearchIndexerTest, RebuildFromStorageGivesTheSameAnswers) {
    const std::string akte = Akte(Unit("32"), "Gewerbeanmeldung");
    const std::string dok = Dokument(akte, "a.txt", "Die Gebühr beträgt 26 Euro.");
    CatchUp();
    indexer_.reset();
    std::filesystem::remove_all(dir_.Sub("data/index"));
    OpenIndexer();
    EXPECT_TRUE(Ids("Gebühr").empty());
    AKTENWERK_ASSERT_OK(indexer_->Rebuild());
    EXPECT_EQ(Ids("Gebühr"), std::set<std::string>{dok});
    EXPECT_EQ(Ids("Anmeldung"), std::set<std::string>{akte});
    EXPECT_FALSE(std::filesystem::exists(dir_.Sub("data/index/REBUILDING")));
}

TEST_F(SearchIndexerTest, FailedExtractionIsRecordedAndTheDocumentStaysDownloadable) {
    const std::string dok =
        Dokument(Akte(Unit("32"), "Akte"), "Bauplan.pdf", "%PDF-1.4\n1 0 obj <</Type garbage");
    CatchUp();
    indexing::SearchRequest r;
    r.text = "Bauplan";
    auto result = Search(r);
    ASSERT_EQ(result.hits.size(), 1u);
    EXPECT_EQ(result.hits[0].extraktion, "fehlgeschlagen");
    EXPECT_EQ(result.hits[0].extraktion_grund.rfind("malformed: ", 0), 0u)
        << result.hits[0].extraktion_grund;
    EXPECT_EQ(indexer_->stats().extraction_failures, 1u);
    EXPECT_TRUE(repo_->OpenContent(admin_, dok, 0).ok());
}

TEST_F(SearchIndexerTest, ScanWaitsForOcrAndIsFoundAfterIt) {
    if (!indexing::OcrAvailable()) GTEST_SKIP() << "tesseract-ocr-deu is not installed";
    const std::string png = dir_.Sub("scan");
    auto run = test_support::RunCommand(
        {"pdftoppm", "-r", "200", "-singlefile", "-png",
         "/usr/share/doc/texlive-doc/latex/koma-script-examples/Anhang-C/result/briefDIN.pdf",
         png});
    ASSERT_EQ(run.exit_code, 0) << run.output;
    std::ifstream in(png + ".png", std::ios::binary);
    std::string bytes((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    const std::string dok = Dokument(Akte(Unit("32"), "Akte"), "Scan.png", bytes);
    CatchUp(/*ocr=*/false);
    auto pending = Search(Text("Scan"));
    ASSERT_EQ(pending.hits.size(), 1u);
    EXPECT_EQ(pending.hits[0].extraktion, "ausstehend");
    CatchUp(/*ocr=*/true);
    EXPECT_EQ(Ids("Totenkopfinsel"), std::set<std::string>{dok});
    EXPECT_EQ(Search(Text("Totenkopfinsel")).hits[0].extraktion, "ocr");
}

}  // namespace
}  // namespace aktenwerk::dms
