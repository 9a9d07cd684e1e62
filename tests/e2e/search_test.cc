// Full-text search over HTTP on the real server: real German documents (a texlive PDF,
// libreoffice help HTML, DOCX and ODT made with pandoc, a Windows-1252 letter, a scan
// rendered with pdftoppm) are found by a word only each contains, by another form of a word,
// by an umlaut spelled out and by a part of a compound; hostile queries never give a 500;
// kill -9 loses nothing and doubles nothing; `aktenwerk reindex` rebuilds from storage.
#include <chrono>
#include <fstream>
#include <set>
#include <sstream>
#include <thread>

#include "tests/e2e/e2e_fixture.h"

namespace aktenwerk::e2e {
namespace {

using test_support::RunCommand;
using test_support::UrlEncode;

constexpr const char* kJuraPdf =
    "/usr/share/doc/texlive-doc/latex/hausarbeit-jura/hausarbeit-jura.pdf";
constexpr const char* kBriefPdf =
    "/usr/share/doc/texlive-doc/latex/koma-script-examples/Anhang-C/result/briefDIN.pdf";
constexpr const char* kHelp = "/usr/share/libreoffice/help/de/text/";

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

class SearchTest : public E2eTest {
  protected:
    // GET /api/v1/suche with `params` (already encoded).
    HttpResponse Suche(const std::string& params) { return api().Get("/api/v1/suche?" + params); }

    std::set<std::string> Ids(const std::string& q) {
        auto res = Suche("q=" + UrlEncode(q) + "&limit=100");
        EXPECT_EQ(res.status, 200) << res.Describe();
        std::set<std::string> ids;
        const json body = res.Json();
        for (const auto& hit : body["treffer"]) ids.insert(hit.value("id", ""));
        return ids;
    }

    std::string Pandoc(const std::string& html, const std::string& format) {
        const std::string out = scratch().Sub("pandoc." + format);
        auto run = RunCommand({"pandoc", "-f", "html", "-t", format, html, "-o", out});
        EXPECT_EQ(run.exit_code, 0) << run.output;
        return ReadFile(out);
    }

    std::string Scan(const std::string& pdf) {
        const std::string prefix = scratch().Sub("scan");
        auto run = RunCommand({"pdftoppm", "-r", "200", "-singlefile", "-png", pdf, prefix});
        EXPECT_EQ(run.exit_code, 0) << run.output;
        return ReadFile(prefix + ".png");
    }
};

struct Expectation {
    std::string name;
    std::string id;
    std::vector<std::string> queries;  // unique word, other form, umlaut spelled out, part
};

TEST_F(SearchTest, RealGermanDocumentsAreFoundByWordStemUmlautAndCompoundPart) {
    ASSERT_TRUE(StartServer());
    const Ablage ablage = CreateAblage();
    const std::string v = ablage.vorgang_id;
    const std::string letter =
        "Sehr geehrte Frau M\xFCller,\r\nf\xFCr die Stra\xDF"
        "enbauma\xDFnahme in der Schlo\xDF"
        "allee erhalten die Anlieger einen \x84Vorausleistungsbescheid\x93 \xFC"
        "ber 1.250 \x80.\r\n";
    std::vector<Expectation> docs = {
        {"hausarbeit-jura.pdf",
         UploadDokument(v, "hausarbeit-jura.pdf", ReadFile(kJuraPdf)),
         {"Erstsemester", "Hausarbeit", "Universitaeten", "Semester"}},
        {"Pivot-Tabelle.html",
         UploadDokument(v, "Pivot-Tabelle.html",
                        ReadFile(std::string(kHelp) + "scalc/guide/datapilot_createtable.html")),
         {"Spaltenköpfen", "Datenbereiche", "Spaltenkoepfen", "Bereich"}},
        {"Silbentrennung.docx",
         UploadDokument(v, "Silbentrennung.docx",
                        Pandoc(std::string(kHelp) + "swriter/guide/hyphen_prevent.html", "docx")),
         {"Silbentrennung", "Benutzerwörterbuch", "Woerterbuch", "Trennung"}},
        {"Ausnahmen.odt",
         UploadDokument(v, "Ausnahmen.odt",
                        Pandoc(std::string(kHelp) + "swriter/guide/autocorr_except.html", "odt")),
         {"Großbuchstaben", "Abkürzung", "Grossbuchstaben", "Buchstaben"}},
        {"Anliegerbrief.txt",
         UploadDokument(v, "Anliegerbrief.txt", letter),
         {"Vorausleistungsbescheid", "Anliegern", "Strassenbaumassnahme", "Bescheid"}},
        {"Scan.png",
         UploadDokument(v, "Scan.png", Scan(kBriefPdf)),
         {"Totenkopfinsel", "Krokodile", "Kapitaen", "Insel"}},
    };
    WaitForIndex();
    for (const auto& doc : docs) {
        for (const auto& q : doc.queries) {
            SCOPED_TRACE(doc.name + ": " + q);
            EXPECT_EQ(Ids(q), std::set<std::string>{doc.id});
        }
    }
    // A hit in a PDF names its page and marks the word.
    auto res = Suche("q=Literaturverzeichnis");
    ASSERT_EQ(res.status, 200) << res.Describe();
    ASSERT_EQ(res.Json()["treffer"].size(), 1u) << res.Describe();
    const json hit = res.Json()["treffer"][0];
    EXPECT_GE(hit.value("seite", 0), 2);
    EXPECT_NE(hit.value("snippet", "").find("<em>Literaturverzeichnis</em>"), std::string::npos)
        << hit.dump();
    EXPECT_EQ(hit.value("inhalt", ""), "/api/v1/dokumente/" + docs[0].id + "/versionen/1/inhalt");
    EXPECT_EQ(Ids("Totenkopfinsel").size(), 1u);
    auto scan = Suche("q=Totenkopfinsel").Json()["treffer"][0];
    EXPECT_EQ(scan.value("extraktion", ""), "ocr");
}

TEST_F(SearchTest, HostileQueriesNeverGiveAServerError) {
    ASSERT_TRUE(StartServer());
    const Ablage ablage = CreateAblage();
    UploadDokument(ablage.vorgang_id, "a.txt", "Gebühr für die Gewerbeanmeldung");
    const std::vector<std::string> params = {
        "q=" + UrlEncode("\"unclosed"),
        "q=" + UrlEncode("(((("),
        "q=" + UrlEncode("))"),
        "q=" + UrlEncode("AND OR NOT"),
        "q=%FF%FE%00",
        "q=" + std::string(5000, 'x'),
        "q=" + UrlEncode("a*"),
        "q=" + UrlEncode("*"),
        "q=" + UrlEncode("ab~2"),
        "q=" + UrlEncode("aktenzeichen:"),
        "q=" + UrlEncode("inhalt:\"\""),
        "q=" + UrlEncode("' OR 1=1 --"),
        "q=" + UrlEncode("<script>alert(1)</script>"),
        "q=" + UrlEncode(std::string(100, '(') + "x"),
        "limit=0",
        "limit=abc",
        "limit=100000",
        "cursor=garbage",
        "cursor=c1.0000000000000000.0000000000000000.0000000000000000",
        "von=2026-02-30",
        "bis=gestern",
        "von=2026-03-01&bis=2026-01-01",
        "typ=kaese",
        "zustand=halb",
        "sortierung=zufall",
        "versionen=manche",
        "facetten=vielleicht",
        "unbekannt=1",
        "akte=gibt-es-nicht",
        "einheit=gibt-es-nicht",
        "q=Geb%C3%BChr&q=zwei",
    };
    for (const auto& p : params) {
        SCOPED_TRACE(p.substr(0, 60));
        auto res = Suche(p);
        EXPECT_TRUE(res.status == 200 || res.status == 400 || res.status == 404) << res.Describe();
        if (res.status != 200) {
            EXPECT_EQ(res.Header("Content-Type").rfind("application/problem+json", 0), 0u);
            EXPECT_FALSE(res.Json().value("detail", "").empty());
        }
    }
    EXPECT_EQ(Suche("q=" + UrlEncode("\"unclosed")).ProblemType(), Problem("invalid-query"));
    EXPECT_EQ(Suche("q=" + UrlEncode("a*")).ProblemType(), Problem("query-too-expensive"));
    EXPECT_EQ(Suche("cursor=garbage").ProblemType(), Problem("invalid-cursor"));
    EXPECT_EQ(api().Get("/healthz").status, 200);  // still serving
}

TEST_F(SearchTest, FiltersFacetsAndPagingWorkOverHttp) {
    ASSERT_TRUE(StartServer());
    const Ablage in32 = CreateAblage("32.10.01");
    const json unit40 = CreateEinheit("40", "Schulen");
    const json akte40 = CreateAkte(unit40.value("id", ""), "Schulbau");
    for (int i = 0; i < 25; ++i) {
        UploadDokument(in32.vorgang_id, "k" + std::to_string(i) + ".txt", "Kassenprüfung Bericht");
    }
    for (int i = 0; i < 5; ++i) {
        UploadDokument(akte40.value("id", ""), "s" + std::to_string(i) + ".txt", "Kassenprüfung");
    }
    WaitForIndex();
    auto all = Suche("q=Kassenpr%C3%BCfung&facetten=true");
    ASSERT_EQ(all.status, 200) << all.Describe();
    EXPECT_EQ(all.Json().value("anzahl", 0), 30);
    const json groups = all.Json()["facetten"]["hauptgruppe"];
    ASSERT_EQ(groups.size(), 2u) << all.body;
    EXPECT_EQ(groups[0].value("wert", ""), "32.10.01");  // the Ablage unit is top-level
    EXPECT_EQ(groups[0].value("anzahl", 0), 25);
    EXPECT_EQ(groups[1].value("titel", ""), "Schulen");

    EXPECT_EQ(Suche("q=Kassenpr%C3%BCfung&kennzeichen=40").Json().value("anzahl", 0), 5);
    EXPECT_EQ(Suche("q=Kassenpr%C3%BCfung&akte=" + UrlEncode(in32.aktenzeichen))
                  .Json()
                  .value("anzahl", 0),
              25);
    EXPECT_EQ(Suche("q=Schulbau&typ=akte").Json().value("anzahl", 0), 1);

    std::set<std::string> seen;
    std::string cursor;
    for (int page = 0; page < 10; ++page) {
        auto res = Suche("q=Kassenpr%C3%BCfung&sortierung=datum&limit=7" +
                         (cursor.empty() ? "" : "&cursor=" + UrlEncode(cursor)));
        ASSERT_EQ(res.status, 200) << res.Describe();
        const json body = res.Json();
        for (const auto& hit : body["treffer"])
            EXPECT_TRUE(seen.insert(hit.value("id", "")).second);
        if (body["naechster_cursor"].is_null()) break;
        cursor = body["naechster_cursor"].get<std::string>();
    }
    EXPECT_EQ(seen.size(), 30u);
}

TEST_F(SearchTest, KillDuringIndexingLosesNothingAndDoublesNothing) {
    ASSERT_TRUE(StartServer());
    const Ablage ablage = CreateAblage();
    std::vector<std::string> ids;
    for (int i = 0; i < 40; ++i) {
        ids.push_back(UploadDokument(ablage.vorgang_id, "e" + std::to_string(i) + ".txt",
                                     "Widerspruchsverfahren Aktenvermerk ref" + std::to_string(i)));
    }
    server().Kill();
    ASSERT_TRUE(server().Restart());
    ReconnectApi();
    WaitForIndex();
    EXPECT_EQ(Suche("q=Widerspruchsverfahren").Json().value("anzahl", 0), 40);
    for (int i = 0; i < 40; i += 7) {
        SCOPED_TRACE(i);
        EXPECT_EQ(Ids("ref" + std::to_string(i)),
                  std::set<std::string>{ids[static_cast<size_t>(i)]});
    }
    EXPECT_EQ(Metric("aktenwerk_index_lag"), 0u);
}

TEST_F(SearchTest, ReindexRebuildsTheIndexFromStorage) {
    ASSERT_TRUE(StartServer());
    const Ablage ablage = CreateAblage();
    const std::string id = UploadDokument(ablage.vorgang_id, "a.txt", "Baugenehmigung erteilt");
    WaitForIndex();
    auto busy = RunCommand({AktenwerkBinary(), "reindex", "--data", server().data_dir()});
    EXPECT_NE(busy.exit_code, 0) << busy.output;  // the running server holds the data
    ASSERT_EQ(server().Stop(), 0);

    auto run = RunCommand({AktenwerkBinary(), "reindex", "--data", server().data_dir()});
    ASSERT_EQ(run.exit_code, 0) << run.output;
    EXPECT_NE(run.output.find("reindexed entries="), std::string::npos) << run.output;
    ASSERT_TRUE(server().Start());
    ReconnectApi();
    EXPECT_EQ(Ids("Genehmigung"), std::set<std::string>{id});
    EXPECT_EQ(Ids("Baugenehmigungen"), std::set<std::string>{id});
}

}  // namespace
}  // namespace aktenwerk::e2e
