// The index on a real folder: entries in, searches out, with filters, visibility, facets,
// snippets with page numbers, stable paging, and commits that survive a reopen.
#include "indexing/search_index.h"

#include <set>

#include <gtest/gtest.h>

#include "tests/support/status_testing.h"
#include "tests/support/temp_dir.h"

namespace aktenwerk::indexing {
namespace {

class SearchIndexTest : public ::testing::Test {
  protected:
    void SetUp() override { Open(); }

    void Open() {
        index_.reset();
        auto opened = SearchIndex::Open(dir_.Sub("index"));
        ASSERT_TRUE(opened.ok()) << opened.status().ToString();
        index_ = std::move(opened).value();
    }

    // A Dokument version under unit 32 > 32.10 in Akte A-1 (or `akte`).
    IndexDocument Doc(const std::string& id, const std::string& text, uint64_t ordnung,
                      const std::string& kennzeichen = "32.10", const std::string& akte = "A-1") {
        IndexDocument d;
        d.uid = id + "#1";
        d.objekt_id = id;
        d.typ = "dokument";
        d.version = 1;
        d.ordnung = ordnung;
        d.betreff = "Schreiben " + id;
        d.aktenzeichen = akte == "A-1" ? "32.10-0001/2026" : "99-0001/2026";
        d.kennzeichen = kennzeichen;
        d.kennzeichen_pfad = {kennzeichen.substr(0, 2), kennzeichen};
        d.einheit_ids = {"u" + kennzeichen.substr(0, 2), "u" + kennzeichen};
        d.akte_ids = {akte};
        d.vorfahren_ids = {"u" + kennzeichen.substr(0, 2), "u" + kennzeichen, akte};
        d.datum = 20260101 + static_cast<int32_t>(ordnung % 28);
        d.seiten = {text};
        d.extraktion = "ok";
        return d;
    }

    void Put(const IndexDocument& d) { AKTENWERK_ASSERT_OK(index_->Upsert(d)); }
    void Commit(uint64_t position = 1) { AKTENWERK_ASSERT_OK(index_->Commit(position)); }

    SearchResult Find(SearchRequest r) {
        if (!r.visibility.alles && r.visibility.klauseln.empty())
            r.visibility = Visibility::Everything();
        auto result = index_->Search(r);
        EXPECT_TRUE(result.ok()) << result.status().ToString();
        return result.ok() ? *result : SearchResult{};
    }
    SearchResult Find(const std::string& text) {
        SearchRequest r;
        r.text = text;
        return Find(r);
    }
    std::set<std::string> Ids(const SearchResult& r) {
        std::set<std::string> out;
        for (const auto& h : r.hits) out.insert(h.objekt_id);
        return out;
    }

    test_support::TempDir dir_;
    std::unique_ptr<SearchIndex> index_;
};

TEST_F(SearchIndexTest, CommittedEntriesAreFoundByStemUmlautAndCompoundPart) {
    Put(Doc("d1", "Die Gebühren für die Gewerbeanmeldung sind fällig.", 1));
    Put(Doc("d2", "Der Bauantrag wurde genehmigt.", 2));
    EXPECT_EQ(Find("Gebühr").total, 0u);  // not visible before the commit
    Commit();
    for (const char* q : {"Gebühr", "gebuehr", "GEBUHR", "Anmeldung", "gewerbeanmeldungen"}) {
        SCOPED_TRACE(q);
        EXPECT_EQ(Ids(Find(q)), std::set<std::string>{"d1"});
    }
    EXPECT_EQ(Ids(Find("Bauantrag OR Gebühr")), (std::set<std::string>{"d1", "d2"}));
    EXPECT_EQ(Ids(Find("Gebühr NOT Gewerbe")), std::set<std::string>{});
    EXPECT_EQ(Ids(Find("\"Gebühren für die Gewerbeanmeldung\"")), std::set<std::string>{"d1"});
    EXPECT_EQ(Ids(Find("\"Gewerbeanmeldung Gebühren\"")), std::set<std::string>{});
    EXPECT_EQ(Ids(Find("genehm*")), std::set<std::string>{"d2"});
    EXPECT_EQ(Ids(Find("Bauantrga~")), std::set<std::string>{"d2"});
}

TEST_F(SearchIndexTest, SnippetMarksTheMatchAndNamesItsPage) {
    IndexDocument d = Doc("d1", "", 1);
    d.seiten = {"Erste Seite ohne Treffer.", "Zweite Seite: die <Gebühr> ist fällig."};
    d.paginiert = true;
    Put(d);
    Commit();
    auto r = Find("Gebuehr");
    ASSERT_EQ(r.hits.size(), 1u);
    EXPECT_EQ(r.hits[0].seite, 2u);
    EXPECT_NE(r.hits[0].snippet.find("&lt;<em>Gebühr</em>&gt;"), std::string::npos)
        << r.hits[0].snippet;
}

TEST_F(SearchIndexTest, FiltersBySubtreeAkteTypeAndDate) {
    Put(Doc("d1", "Gebühr", 1, "32.10"));
    Put(Doc("d2", "Gebühr", 2, "32.20"));
    Put(Doc("d3", "Gebühr", 3, "40.10", "A-2"));
    Commit();
    SearchRequest r;
    r.text = "Gebühr";
    r.kennzeichen = {"32"};
    EXPECT_EQ(Ids(Find(r)), (std::set<std::string>{"d1", "d2"}));
    r.kennzeichen = {"32.20"};
    EXPECT_EQ(Ids(Find(r)), std::set<std::string>{"d2"});
    r.kennzeichen = {};
    r.akte_ids = {"A-2"};
    EXPECT_EQ(Ids(Find(r)), std::set<std::string>{"d3"});
    r.akte_ids = {};
    r.typen = {"akte"};
    EXPECT_EQ(Find(r).total, 0u);
    r.typen = {};
    r.datum_von = 20260103;  // d1 is dated 2 January, d2 the 3rd, d3 the 4th
    r.datum_bis = 20260104;
    EXPECT_EQ(Ids(Find(r)), (std::set<std::string>{"d2", "d3"}));
    EXPECT_EQ(Ids(Find("aktenzeichen:99-0001/2026")), std::set<std::string>{"d3"});
    EXPECT_EQ(Ids(Find("aktenzeichen:32.10*")), (std::set<std::string>{"d1", "d2"}));
}

TEST_F(SearchIndexTest, VisibilityRestrictsCountsFacetsAndHits) {
    Put(Doc("d1", "Gebühr", 1, "32.10"));
    Put(Doc("d2", "Gebühr", 2, "32.20"));
    IndexDocument secret = Doc("d3", "Gebühr", 3, "32.10", "A-9");
    secret.vertraulichkeit = "vertraulich";
    Put(secret);
    Commit();
    SearchRequest r;
    r.text = "Gebühr";
    r.facetten = true;
    // Read on 32 (offen only), except 32.20.
    r.visibility.klauseln = {{"u32", {"u32.20"}, {"offen"}}};
    auto result = Find(r);
    EXPECT_EQ(Ids(result), std::set<std::string>{"d1"});
    EXPECT_EQ(result.total, 1u);
    ASSERT_EQ(result.facets["typ"].size(), 1u);
    EXPECT_EQ(result.facets["typ"][0].anzahl, 1u);

    // Read on 32.10 up to vertraulich, and on 32.20 for open files only.
    r.visibility.klauseln = {{"u32.10", {}, {"offen", "VS-NfD", "vertraulich"}},
                             {"u32.20", {}, {"offen"}}};
    EXPECT_EQ(Ids(Find(r)), (std::set<std::string>{"d1", "d2", "d3"}));
    EXPECT_EQ(Find(r).total, 3u);
    r.visibility.klauseln[0].vertraulichkeiten = {"offen"};
    EXPECT_EQ(Ids(Find(r)), (std::set<std::string>{"d1", "d2"}));

    SearchRequest none;
    none.text = "Gebühr";
    none.facetten = true;
    none.visibility.alles = false;
    auto nothing = index_->Search(none);  // not Find, which reads no clause as "everything"
    ASSERT_TRUE(nothing.ok()) << nothing.status().ToString();
    EXPECT_EQ(nothing->total, 0u) << "no clause shows nothing";
    EXPECT_TRUE(nothing->facets["typ"].empty());
    none.visibility.klauseln = {{"nothing-here", {}, {"offen"}}};
    EXPECT_EQ(Find(none).total, 0u);
}

TEST_F(SearchIndexTest, FacetsCountMainGroupsTypesAndYears) {
    Put(Doc("d1", "Gebühr", 1, "32.10"));
    Put(Doc("d2", "Gebühr", 2, "32.20"));
    Put(Doc("d3", "Gebühr", 3, "40.10"));
    Commit();
    SearchRequest r;
    r.text = "Gebühr";
    r.facetten = true;
    auto result = Find(r);
    ASSERT_EQ(result.facets["hauptgruppe"].size(), 2u);
    EXPECT_EQ(result.facets["hauptgruppe"][0].wert, "32");
    EXPECT_EQ(result.facets["hauptgruppe"][0].anzahl, 2u);
    EXPECT_EQ(result.facets["jahr"][0].wert, "2026");
    EXPECT_EQ(result.facets["jahr"][0].anzahl, 3u);
}

TEST_F(SearchIndexTest, CursorPagesThroughEveryHitOnceInEachOrder) {
    for (uint64_t i = 1; i <= 25; ++i) Put(Doc("d" + std::to_string(i), "Gebühr Bescheid", i));
    Commit();
    for (SortOrder order :
         {SortOrder::kRelevanz, SortOrder::kDatumAbsteigend, SortOrder::kDatumAufsteigend}) {
        SCOPED_TRACE(static_cast<int>(order));
        SearchRequest r;
        r.text = "Gebühr";
        r.sortierung = order;
        r.limit = 7;
        std::set<std::string> seen;
        int32_t last_date = order == SortOrder::kDatumAufsteigend ? 0 : INT32_MAX;
        for (int page = 0; page < 10; ++page) {
            auto result = Find(r);
            EXPECT_EQ(result.total, 25u);
            for (const auto& h : result.hits) {
                EXPECT_TRUE(seen.insert(h.objekt_id).second) << "twice: " << h.objekt_id;
                if (order == SortOrder::kDatumAufsteigend) {
                    EXPECT_GE(h.datum, last_date);
                } else if (order == SortOrder::kDatumAbsteigend) {
                    EXPECT_LE(h.datum, last_date);
                }
                if (order != SortOrder::kRelevanz) last_date = h.datum;
            }
            if (result.next_cursor.empty()) break;
            r.cursor = result.next_cursor;
        }
        EXPECT_EQ(seen.size(), 25u);
    }
}

TEST_F(SearchIndexTest, CursorOfAnotherSearchIsRefused) {
    for (uint64_t i = 1; i <= 3; ++i) Put(Doc("d" + std::to_string(i), "Gebühr", i));
    Commit();
    SearchRequest r;
    r.text = "Gebühr";
    r.limit = 1;
    r.visibility = Visibility::Everything();
    auto first = index_->Search(r);
    ASSERT_TRUE(first.ok());
    r.text = "Bescheid";
    r.cursor = first->next_cursor;
    EXPECT_EQ(index_->Search(r).status().reason(), "invalid-cursor");
    r.cursor = "c1.garbage";
    EXPECT_EQ(index_->Search(r).status().reason(), "invalid-cursor");
}

TEST_F(SearchIndexTest, OnlyTheLatestVersionUnlessAllAreAsked) {
    IndexDocument v1 = Doc("d1", "Entwurf mit Tippfehlern", 1);
    v1.aktuell = false;
    IndexDocument v2 = Doc("d1", "Endfassung", 2);
    v2.uid = "d1#2";
    v2.version = 2;
    Put(v1);
    Put(v2);
    Commit();
    EXPECT_EQ(Find("Entwurf").total, 0u);
    SearchRequest r;
    r.text = "Entwurf";
    r.alle_versionen = true;
    auto all = Find(r);
    ASSERT_EQ(all.hits.size(), 1u);
    EXPECT_EQ(all.hits[0].version, 1u);
}

TEST_F(SearchIndexTest, RemovingAnObjectRemovesEverythingBelowIt) {
    Put(Doc("d1", "Gebühr", 1, "32.10", "A-1"));
    Put(Doc("d2", "Gebühr", 2, "32.10", "A-2"));
    Commit();
    AKTENWERK_ASSERT_OK(index_->RemoveObjekt("A-1"));
    Commit(2);
    EXPECT_EQ(Ids(Find("Gebühr")), std::set<std::string>{"d2"});
    AKTENWERK_ASSERT_OK(index_->RemoveObjekt("d2"));
    Commit(3);
    EXPECT_EQ(Find("Gebühr").total, 0u);
}

TEST_F(SearchIndexTest, CommitPositionAndEntriesSurviveAReopen) {
    Put(Doc("d1", "Gebühr auf Seite eins", 1));
    Commit(42);
    Put(Doc("d2", "nicht committed", 2));
    Open();
    EXPECT_FALSE(index_->needs_rebuild());
    EXPECT_EQ(index_->committed_position(), 42u);
    EXPECT_EQ(Ids(Find("Gebühr")), std::set<std::string>{"d1"});
    EXPECT_EQ(Find("committed").total, 0u);
    auto entries = index_->EntriesOf("d1");
    ASSERT_TRUE(entries.ok());
    ASSERT_EQ(entries->size(), 1u);
    EXPECT_EQ((*entries)[0].seiten, std::vector<std::string>{"Gebühr auf Seite eins"});
    EXPECT_EQ((*entries)[0].kennzeichen_pfad, (std::vector<std::string>{"32", "32.10"}));
}

// Regression (tester, issue #4): the stored text of a version without text was a compressed
// empty string, and reading it back (every refresh of the Dokument, every start) crashed.
TEST_F(SearchIndexTest, VersionsWithoutTextAndLongTextsAreReadBack) {
    Put(Doc("leer", "", 1));
    IndexDocument zwei_leer = Doc("leer2", "", 2);
    zwei_leer.seiten = {"", ""};
    Put(zwei_leer);
    std::string lang;
    for (int i = 0; lang.size() < 300'000; ++i) lang += "Zeile " + std::to_string(i) + " Gebühr\n";
    Put(Doc("lang", lang, 3));
    Commit(7);
    Open();

    auto leer = index_->EntriesOf("leer");
    ASSERT_TRUE(leer.ok());
    ASSERT_EQ(leer->size(), 1u);
    EXPECT_TRUE((*leer)[0].seiten.empty() || (*leer)[0].seiten == std::vector<std::string>{""});
    auto leer2 = index_->EntriesOf("leer2");
    ASSERT_TRUE(leer2.ok());
    ASSERT_EQ(leer2->size(), 1u);
    EXPECT_EQ((*leer2)[0].seiten, (std::vector<std::string>{"", ""}));
    auto lang_entries = index_->EntriesOf("lang");
    ASSERT_TRUE(lang_entries.ok());
    ASSERT_EQ(lang_entries->size(), 1u);
    EXPECT_EQ((*lang_entries)[0].seiten, std::vector<std::string>{lang});
}

TEST_F(SearchIndexTest, SecondWriterOnTheSameFolderIsRefused) {
    auto second = SearchIndex::Open(dir_.Sub("index"));
    ASSERT_FALSE(second.ok());
    EXPECT_EQ(second.status().reason(), "locked");
}

TEST_F(SearchIndexTest, PrefixMatchingTooManyTermsIsRefused) {
    for (int i = 0; i < 21000; ++i) {
        IndexDocument d = Doc("d" + std::to_string(i), "", static_cast<uint64_t>(i));
        d.seiten = {"abc" + std::to_string(i) + "x"};
        Put(d);
    }
    Commit();
    SearchRequest r;
    r.text = "abc*";
    r.visibility = Visibility::Everything();
    EXPECT_EQ(index_->Search(r).status().reason(), "query-too-expensive");
    r.text = "abc1234*";
    EXPECT_TRUE(index_->Search(r).ok());
}

}  // namespace
}  // namespace aktenwerk::indexing
