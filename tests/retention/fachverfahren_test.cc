// Tests of the Fachverfahrensdaten messages against a real repository: a case system creates
// an Akte and a Vorgang, files a Dokument with two versions from a ZIP, views, closes and
// reopens, asks for the system status; repeated messages do nothing twice; bad input (schema
// errors, an external entity, unknown types, stray files, a wrong Stapellaenge, objects the
// caller may not see) is refused and changes nothing. Every answer passes xmllint too.
#include "retention/fachverfahren.h"

#include <algorithm>
#include <fstream>

#include <gtest/gtest.h>

#include "dms/uuid.h"
#include "retention/retention.h"
#include "tests/support/records_fixture.h"
#include "tests/support/server_process.h"
#include "tests/support/xdomea_fv.h"
#include "tests/support/zip_builder.h"

namespace aktenwerk::retention {
namespace {

using test_support::FvDokument;
using test_support::FvIdsgo;
using test_support::FvNachricht;
using test_support::FvObjekt;
using test_support::FvVersion;

class FachverfahrenTest : public test_support::RecordsFixture {
  protected:
    void SetUp() override {
        RecordsFixture::SetUp();
        AussonderungOptions options;
        options.arbeitsverzeichnis = dir_.Sub("aus");
        options.absender = {"psw", "073110000000", "Stadt Musterstadt", ""};
        auto r = Retention::Open(repo_.get(), options);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        retention_ = std::move(r).value();
        unit_ = Unit("63");
    }
    void TearDown() override { retention_.reset(); }

    // Runs xmllint with the official schema over `xml`; "" when it is valid.
    std::string Xmllint(const std::string& xml) {
        const std::string path = dir_.Sub("nachricht-" + std::to_string(++files_) + ".xml");
        std::ofstream(path, std::ios::binary) << xml;
        auto run =
            test_support::RunCommand({"xmllint", "--noout", "--nonet", "--schema",
                                      test_support::FvSchemaPath(AKTENWERK_SOURCE_DIR), path});
        return run.exit_code == 0 ? "" : run.output;
    }

    // Sends a message (checked with xmllint first unless `roh`) and checks the answer.
    FvAntwort Senden(const std::string& bytes, const dms::Principal& p, bool roh = false) {
        if (!roh) {
            EXPECT_EQ(Xmllint(bytes), "") << "the test's own message is invalid";
        }
        auto answer = retention_->fachverfahren().Verarbeiten(p, bytes);
        EXPECT_TRUE(answer.ok()) << answer.status().ToString();
        if (!answer.ok()) return {};
        EXPECT_EQ(Xmllint(answer->import_bestaetigung), "") << answer->import_bestaetigung;
        if (!answer->empfang_bestaetigung.empty()) {
            EXPECT_EQ(Xmllint(answer->empfang_bestaetigung), "");
        }
        return std::move(answer).value();
    }

    // The IDSGO values of a 0630, in order.
    static std::vector<std::string> Ids(const std::string& antwort) {
        std::vector<std::string> out;
        for (size_t at = antwort.find("<xdomea:IDSGO>"); at != std::string::npos;
             at = antwort.find("<xdomea:IDSGO>", at + 1)) {
            const size_t start = at + 14;
            out.push_back(antwort.substr(start, antwort.find('<', start) - start));
        }
        return out;
    }

    std::string Erstellen(const std::string& prozess, const std::string& objekte) {
        return FvNachricht("SGOErstellen", "0604", prozess, objekte);
    }

    std::unique_ptr<Retention> retention_;
    dms::Objekt unit_;
    int files_ = 0;
};

TEST_F(FachverfahrenTest, SGOErstellenCreatesAkteAndVorgangAddressedByTheirKeys) {
    auto akte = Senden(
        Erstellen(dms::NewUuid(), FvObjekt("SchriftgutobjektZumErstellen", "BAU-17", "63", "Akte",
                                           dms::NewUuid(), "Bauantrag Musterstraße 1")),
        user_);
    EXPECT_EQ(akte.ausgang, FvAusgang::kVerarbeitet);
    EXPECT_NE(akte.import_bestaetigung.find("<code>0000000</code>"), std::string::npos);
    auto vorgang =
        Senden(Erstellen(dms::NewUuid(), FvObjekt("SchriftgutobjektZumErstellen", "BAU-17-V1",
                                                  "BAU-17", "Vorgang", dms::NewUuid(), "Anhörung")),
               user_);

    auto by_key = Must(retention_->fachverfahren().FindBySchluessel(user_, "BAU-17"));
    EXPECT_EQ(by_key.kind, dms::Kind::kAkte);
    EXPECT_EQ(by_key.parent_id, unit_.id);
    EXPECT_EQ(by_key.betreff, "Bauantrag Musterstraße 1");
    EXPECT_EQ(Ids(akte.import_bestaetigung), std::vector<std::string>{by_key.id});
    auto v = Must(retention_->fachverfahren().FindBySchluessel(user_, "BAU-17-V1"));
    EXPECT_EQ(v.parent_id, by_key.id);
    EXPECT_EQ(Ids(vorgang.import_bestaetigung), std::vector<std::string>{v.id});
    EXPECT_EQ(v.metadaten.value("fachverfahren_objekt_id", ""), "BAU-17-V1");
    // Another principal's keys are its own.
    EXPECT_EQ(retention_->fachverfahren().FindBySchluessel(admin_, "BAU-17").status().code(),
              StatusCode::kNotFound);
}

TEST_F(FachverfahrenTest, SameMessageTwiceCreatesNothingTwice) {
    const std::string msg =
        Erstellen(dms::NewUuid(), FvObjekt("SchriftgutobjektZumErstellen", "BAU-18", "63", "Akte",
                                           dms::NewUuid(), "Bauantrag"));
    auto first = Senden(msg, user_);
    auto second = Senden(msg, user_);
    EXPECT_EQ(second.ausgang, FvAusgang::kWiederholt);
    EXPECT_NE(second.import_bestaetigung.find("<code>0000009</code>"), std::string::npos);
    EXPECT_EQ(Ids(second.import_bestaetigung), Ids(first.import_bestaetigung));
    auto kinder = Must(repo_->Children(admin_, unit_.id, dms::Kind::kAkte, "", 10));
    EXPECT_EQ(kinder.items.size(), 1u);

    // The same key in a new message is refused, naming the object that has it.
    auto again =
        Senden(Erstellen(dms::NewUuid(), FvObjekt("SchriftgutobjektZumErstellen", "BAU-18", "63",
                                                  "Akte", dms::NewUuid(), "Bauantrag")),
               user_);
    EXPECT_NE(again.import_bestaetigung.find("<code>0604003</code>"), std::string::npos);
    EXPECT_NE(again.import_bestaetigung.find("1 von 1 Objekten nicht verarbeitet"),
              std::string::npos);
    EXPECT_EQ(Must(repo_->Children(admin_, unit_.id, dms::Kind::kAkte, "", 10)).items.size(), 1u);
}

TEST_F(FachverfahrenTest, SGOAblegenFilesEveryVersionFromTheZip) {
    auto akte = Akte(unit_.id);
    const std::string f1 = dms::NewUuid() + "_bescheid.pdf";
    const std::string f2 = dms::NewUuid() + "_bescheid.pdf";
    const std::string xml = FvNachricht(
        "SGOAblegen", "0605", dms::NewUuid(),
        FvDokument("DOK-1", akte.aktenzeichen, dms::NewUuid(), "Baugenehmigung",
                   FvVersion(1, f1, "Bescheid.pdf") + FvVersion(2, f2, "Bescheid.pdf")));
    EXPECT_EQ(Xmllint(xml), "");
    const std::string zip = test_support::ZipBuilder()
                                .Add("x_FVDaten.SGOAblegen.0605.xml", xml, true)
                                .Add(f1, "%PDF-1.4 erste Fassung")
                                .Add(f2, "%PDF-1.4 zweite Fassung")
                                .Build();
    auto answer = Senden(zip, admin_, /*roh=*/true);
    EXPECT_EQ(answer.ausgang, FvAusgang::kVerarbeitet) << answer.import_bestaetigung;

    auto dok = Must(retention_->fachverfahren().FindBySchluessel(admin_, "DOK-1"));
    EXPECT_EQ(dok.parent_id, akte.id);
    auto versionen = Must(repo_->Versions(admin_, dok.id));
    ASSERT_EQ(versionen.size(), 2u);
    EXPECT_EQ(versionen[0].dateiname, "Bescheid.pdf");
    auto content = Must(repo_->OpenContent(admin_, dok.id, 2));
    std::string bytes(64, '\0');
    auto n = content.reader->ReadAt(0, bytes.data(), bytes.size());
    ASSERT_TRUE(n.ok());
    EXPECT_EQ(bytes.substr(0, *n), "%PDF-1.4 zweite Fassung");
}

TEST_F(FachverfahrenTest, SGOAblegenFilesAVorgangWithItsDokumenteAndTeilvorgang) {
    auto akte = Akte(unit_.id);
    const std::string f1 = dms::NewUuid() + ".pdf";
    const std::string f2 = dms::NewUuid() + ".pdf";
    auto dokument = [](const std::string& betreff, const std::string& versionen) {
        return "<xdomea:Dokument>" + test_support::FvKern(dms::NewUuid(), betreff) + versionen +
               "</xdomea:Dokument>";
    };
    const std::string vorgang =
        "<xdomea:Vorgang>" + test_support::FvKern(dms::NewUuid(), "Widerspruch") +
        dokument("Widerspruchsschreiben", FvVersion(1, f1, "Widerspruch.pdf")) +
        dokument("Stellungnahme", FvVersion(1, f2, "Stellungnahme.pdf")) + "<xdomea:Teilvorgang>" +
        test_support::FvKern(dms::NewUuid(), "Anhörung") + "</xdomea:Teilvorgang></xdomea:Vorgang>";
    const std::string xml =
        FvNachricht("SGOAblegen", "0605", dms::NewUuid(),
                    "<xdomea:SchriftgutobjektZumAblegen><xdomea:FachverfahrenObjektID>W-1"
                    "</xdomea:FachverfahrenObjektID><xdomea:IDContainer>" +
                        akte.id + "</xdomea:IDContainer><xdomea:Schriftgutobjekt>" + vorgang +
                        "</xdomea:Schriftgutobjekt></xdomea:SchriftgutobjektZumAblegen>");
    EXPECT_EQ(Xmllint(xml), "");
    const std::string zip = test_support::ZipBuilder()
                                .Add("m.xml", xml)
                                .Add(f1, "%PDF-1.4 Widerspruch")
                                .Add(f2, "%PDF-1.4 Stellungnahme")
                                .Build();
    auto answer = Senden(zip, admin_, true);
    EXPECT_EQ(answer.ausgang, FvAusgang::kVerarbeitet) << answer.import_bestaetigung;
    auto v = Must(retention_->fachverfahren().FindBySchluessel(admin_, "W-1"));
    auto inhalt = Must(repo_->Children(admin_, v.id, std::nullopt, "", 10)).items;
    ASSERT_EQ(inhalt.size(), 3u);
    std::vector<std::string> betreffe;
    for (const auto& o : inhalt) betreffe.push_back(o.betreff);
    EXPECT_EQ(betreffe,
              (std::vector<std::string>{"Anhörung", "Widerspruchsschreiben", "Stellungnahme"}));
    EXPECT_EQ(Must(repo_->Versions(admin_, inhalt[2].id)).at(0).dateiname, "Stellungnahme.pdf");
}

TEST_F(FachverfahrenTest, DokumentAktualisierenAddsTheNextVersion) {
    auto akte = Akte(unit_.id);
    auto dok = Dokument(akte.id, "%PDF-1.4 Entwurf", "bescheid.pdf");
    const std::string f = dms::NewUuid() + ".pdf";
    const std::string xml =
        FvNachricht("DokumentAktualisieren", "0601", dms::NewUuid(),
                    "<xdomea:DokumentZumAktualisieren><xdomea:IDDokument>" + dok.id +
                        "</xdomea:IDDokument><xdomea:Ablageort>" + akte.aktenzeichen +
                        "</xdomea:Ablageort><xdomea:Dokument>" +
                        test_support::FvKern(dms::NewUuid(), "Bescheid vom 15. März") +
                        FvVersion(2, f, "Bescheid.pdf") +
                        "</xdomea:Dokument></xdomea:DokumentZumAktualisieren>");
    EXPECT_EQ(Xmllint(xml), "");
    auto answer =
        Senden(test_support::ZipBuilder().Add("m.xml", xml).Add(f, "%PDF-1.4 Endfassung").Build(),
               admin_, true);
    EXPECT_NE(answer.import_bestaetigung.find("<xdomea:Wert>2</xdomea:Wert>"), std::string::npos)
        << answer.import_bestaetigung;
    auto versionen = Must(repo_->Versions(admin_, dok.id));
    ASSERT_EQ(versionen.size(), 2u);
    EXPECT_EQ(versionen[1].dateiname, "Bescheid.pdf");
    EXPECT_EQ(Must(repo_->Get(admin_, dok.id)).betreff, "Bescheid vom 15. März");
}

TEST_F(FachverfahrenTest, ZipWithAFileTheMessageDoesNotNameChangesNothing) {
    auto akte = Akte(unit_.id);
    const std::string f1 = dms::NewUuid() + ".pdf";
    const std::string xml = FvNachricht(
        "SGOAblegen", "0605", dms::NewUuid(),
        FvDokument("DOK-2", akte.aktenzeichen, dms::NewUuid(), "Brief", FvVersion(1, f1, "a.pdf")));
    const std::string zip = test_support::ZipBuilder()
                                .Add("m.xml", xml)
                                .Add(f1, "%PDF-1.4")
                                .Add("fremd.exe", "MZ")
                                .Build();
    const size_t before = Keys("o/").size();
    auto answer = Senden(zip, admin_, true);
    EXPECT_EQ(answer.ausgang, FvAusgang::kAbgelehnt);
    EXPECT_NE(answer.import_bestaetigung.find("fremd.exe"), std::string::npos);
    EXPECT_EQ(Keys("o/").size(), before);

    // A named file missing from the package fails that object only, and nothing is made.
    auto missing = Senden(xml, admin_);
    EXPECT_NE(missing.import_bestaetigung.find("<code>0605004</code>"), std::string::npos);
    EXPECT_EQ(Keys("o/").size(), before);
}

TEST_F(FachverfahrenTest, ZdAVerfuegenAndAufhebenCloseAndReopen) {
    auto akte = Akte(unit_.id);
    auto zu = Senden(FvNachricht("SGOZDAVerfuegen", "0624", dms::NewUuid(),
                                 FvIdsgo("SchriftgutobjektZumZDAVerfuegen", akte.id)),
                     admin_);
    EXPECT_NE(zu.import_bestaetigung.find("<code>0000000</code>"), std::string::npos);
    EXPECT_TRUE(Must(repo_->Get(admin_, akte.id)).closed());
    auto again = Senden(FvNachricht("SGOZDAVerfuegen", "0624", dms::NewUuid(),
                                    FvIdsgo("SchriftgutobjektZumZDAVerfuegen", akte.id)),
                        admin_);
    EXPECT_NE(again.import_bestaetigung.find("<code>0624002</code>"), std::string::npos);
    Senden(FvNachricht("SGOZDAAufheben", "0632", dms::NewUuid(),
                       FvIdsgo("SGOZumZDAAufheben", akte.id)),
           admin_);
    EXPECT_FALSE(Must(repo_->Get(admin_, akte.id)).closed());
}

TEST_F(FachverfahrenTest, AnsehenAndSystemstatusAnswerWithoutChangingAnything) {
    auto akte = Akte(unit_.id);
    auto an = Senden(FvNachricht("SGOAnsehen", "0602", dms::NewUuid(),
                                 FvIdsgo("SchriftgutobjektZumAnsehen", akte.id), true),
                     admin_);
    EXPECT_NE(an.import_bestaetigung.find("<xdomea:Ablageort>/api/v1/objekte/" + akte.id),
              std::string::npos);
    EXPECT_NE(an.empfang_bestaetigung.find("FVDaten.EmpfangBestaetigen.0629"), std::string::npos);
    auto unbekannt = Senden(FvNachricht("SGOAnsehen", "0602", dms::NewUuid(),
                                        FvIdsgo("SchriftgutobjektZumAnsehen", dms::NewUuid())),
                            admin_);
    EXPECT_NE(unbekannt.import_bestaetigung.find("<code>0602001</code>"), std::string::npos);

    auto status = Senden(FvNachricht("SystemstatusAbfragen", "0625", dms::NewUuid(),
                                     "<xdomea:SystemstatusZumAbfragen><xdomea:SystemstatusID>1"
                                     "</xdomea:SystemstatusID></xdomea:SystemstatusZumAbfragen>"),
                         admin_);
    EXPECT_NE(status.import_bestaetigung.find("<xdomea:Wert>verfuegbar</xdomea:Wert>"),
              std::string::npos);
}

TEST_F(FachverfahrenTest, MetadatenAreAddedChangedReadAndRemoved) {
    auto akte = Akte(unit_.id);
    auto msg = [&](const std::string& name, const std::string& code, const std::string& element,
                   const std::string& feld, const std::string& wert) {
        std::string metadatum = "<xdomea:Metadatum><xdomea:Name>" + feld + "</xdomea:Name>";
        if (!wert.empty()) metadatum += "<xdomea:Wert>" + wert + "</xdomea:Wert>";
        metadatum += "</xdomea:Metadatum>";
        return FvNachricht(name, code, dms::NewUuid(),
                           "<xdomea:" + element + "><xdomea:IDSGO>" + akte.id + "</xdomea:IDSGO>" +
                               metadatum + "</xdomea:" + element + ">");
    };
    auto meta = [&] { return Must(repo_->Get(admin_, akte.id)).metadaten; };

    Senden(msg("MetadatenAnlegen", "0609", "MetadatenZumAnlegen", "Bauherr", "Erika Muster"),
           admin_);
    EXPECT_EQ(meta().value("Bauherr", ""), "Erika Muster");
    auto doppelt = Senden(
        msg("MetadatenAnlegen", "0609", "MetadatenZumAnlegen", "Bauherr", "Max Muster"), admin_);
    EXPECT_NE(doppelt.import_bestaetigung.find("<code>0609006</code>"), std::string::npos);
    Senden(msg("MetadatenAktualisieren", "0610", "MetadatenZumAktualisieren", "Bauherr",
               "Erika Mustermann"),
           admin_);
    auto gelesen =
        Senden(msg("MetadatenAnsehen", "0611", "MetadatenZumAnsehen", "Bauherr", ""), admin_);
    EXPECT_NE(gelesen.import_bestaetigung.find("<xdomea:Wert>Erika Mustermann</xdomea:Wert>"),
              std::string::npos);
    auto falsch =
        Senden(msg("MetadatenLoeschen", "0612", "MetadatenZumLoeschen", "Bauherr", "Erika Muster"),
               admin_);
    EXPECT_NE(falsch.import_bestaetigung.find("<code>0612006</code>"), std::string::npos);
    EXPECT_TRUE(meta().contains("Bauherr"));
    Senden(msg("MetadatenLoeschen", "0612", "MetadatenZumLoeschen", "Bauherr", ""), admin_);
    EXPECT_FALSE(meta().contains("Bauherr"));
    const auto aktionen = Aktionen(akte.id);
    EXPECT_NE(std::find(aktionen.begin(), aktionen.end(), "geaendert"), aktionen.end());
}

TEST_F(FachverfahrenTest, ObjectsTheCallerMayNotSeeAreAnsweredAsUnknown) {
    auto geheim = Akte(Unit("99").id);
    const dms::Principal fremd{"fremd", false};
    AKTENWERK_ASSERT_OK(repo_->users().Create(admin_, fremd.name, "ein-langes-passwort", false));
    const size_t before = Keys("o/").size();
    auto answer =
        Senden(Erstellen(dms::NewUuid(), FvObjekt("SchriftgutobjektZumErstellen", "X-1", geheim.id,
                                                  "Vorgang", dms::NewUuid(), "Anhörung")),
               fremd);
    EXPECT_NE(answer.import_bestaetigung.find("<code>0604001</code>"), std::string::npos)
        << answer.import_bestaetigung;
    // A unit it may see but not write to: refused with the right it lacks.
    auto unit =
        Senden(Erstellen(dms::NewUuid(), FvObjekt("SchriftgutobjektZumErstellen", "X-2", "99",
                                                  "Akte", dms::NewUuid(), "Bauantrag")),
               fremd);
    EXPECT_NE(unit.import_bestaetigung.find("<code>0604003</code>"), std::string::npos);
    EXPECT_NE(unit.import_bestaetigung.find("schreiben"), std::string::npos);
    EXPECT_EQ(Keys("o/").size(), before);
    EXPECT_TRUE(Keys("t/fv-").empty());
}

TEST_F(FachverfahrenTest, BadMessagesAreRefusedWithAValidAnswerAndChangeNothing) {
    const std::string gut =
        Erstellen(dms::NewUuid(), FvObjekt("SchriftgutobjektZumErstellen", "BAU-20", "63", "Akte",
                                           dms::NewUuid(), "Bauantrag"));
    std::string ohne_kennung = gut;
    ohne_kennung.erase(
        ohne_kennung.find("<xdomea:Erstellerkennung>"),
        std::string("<xdomea:Erstellerkennung>m.muster</xdomea:Erstellerkennung>").size());
    const std::string entity =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" +
        gut.substr(gut.find("<xdomea:FVDaten"));
    const std::string stapel = FvNachricht(
        "SGOErstellen", "0604", dms::NewUuid(),
        FvObjekt("SchriftgutobjektZumErstellen", "BAU-21", "63", "Akte", dms::NewUuid(), "A"),
        false, 3);
    const std::string suchen = FvNachricht(
        "SGOSuchen", "0608", dms::NewUuid(),
        "<xdomea:SchriftgutobjektZumSuchen><xdomea:Suchbegriffe>Bau</xdomea:Suchbegriffe>"
        "<xdomea:Volltext>true</xdomea:Volltext><xdomea:Metadaten>false</xdomea:Metadaten>"
        "</xdomea:SchriftgutobjektZumSuchen>");
    struct Fall {
        const char* name;
        std::string bytes;
        std::string erwartet;
    };
    const std::vector<Fall> faelle = {
        {"schema-invalid", ohne_kennung, "<code>0000008</code>"},
        {"external entity", entity, "<code>0000008</code>"},
        {"not XML", "Bauantrag bitte anlegen", "<code>0000008</code>"},
        {"wrong Stapellaenge", stapel, "<code>0000013</code>"},
        {"not implemented", suchen, "FVDaten.SGOSuchen.0608 wird von diesem DMS nicht"},
    };
    const size_t before = Keys("o/").size();
    for (const auto& f : faelle) {
        SCOPED_TRACE(f.name);
        auto answer = Senden(f.bytes, user_, /*roh=*/true);
        EXPECT_EQ(answer.ausgang, FvAusgang::kAbgelehnt);
        EXPECT_NE(answer.import_bestaetigung.find(f.erwartet), std::string::npos)
            << answer.import_bestaetigung;
        EXPECT_EQ(answer.import_bestaetigung.find("root:"), std::string::npos)
            << "no file content in the answer";
    }
    EXPECT_EQ(Keys("o/").size(), before);
    EXPECT_TRUE(Keys("t/fv-").empty());
}

}  // namespace
}  // namespace aktenwerk::retention
