// Tests of the Aussonderung process on a real data directory with a manual clock: what a
// process offers, holds and duplicate processes, the vetoes while it runs, each bad message
// refused with nothing changed, and a whole run (A and V mixed, A inside V and V inside A)
// checked with the independent tools xmllint and unzip.
#include "retention/aussonderung.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "dms/integrity.h"
#include "dms/keys.h"
#include "dms/objekt_io.h"
#include "dms/signing.h"
#include "retention/aussonderung_export.h"
#include "retention/keys.h"
#include "retention/retention.h"
#include "tests/support/records_fixture.h"
#include "tests/support/server_process.h"
#include "tests/support/xdomea_archive.h"

namespace aktenwerk::retention {
namespace {

namespace fs = std::filesystem;
using dms::Objekt;
using nlohmann::json;
using test_support::ArchiveMessages;
using test_support::ExpectRefused;

std::string Schema() {
    return std::string(AKTENWERK_SOURCE_DIR) +
           "/retention/xdomea/schema/3.1.0/xdomea-Nachrichten-AussonderungDurchfuehren.xsd";
}

class AussonderungTest : public test_support::RecordsFixture {
  protected:
    void SetUp() override {
        RecordsFixture::SetUp();
        AussonderungOptions options;
        options.arbeitsverzeichnis = dir_.Sub("aus");
        options.absender = {"psw", "073110000000", "Stadt Musterstadt", "Registratur"};
        options.empfaenger = {"", "", "Landesarchiv Musterland", ""};
        options.instanz_id = "test";
        options.produkt_version = "0.1.0";
        auto r = Retention::Open(repo_.get(), options);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        retention_ = std::move(r).value();

        unit_ = Unit("32");
        sub_ = Unit("32.10", unit_.id);
        Must(retention_->regeln().SetRegel(
            admin_, unit_.id, {Aufbewahrungsfrist::Jahre(10), Aussonderungsart::kB}, ""));
        // Akte 1 (due 2023): two Vorgänge. Akte 2 (due 2024): a Vorgang and a Dokument.
        akte1_ = Akte(sub_.id, "Bauantrag Lindenweg 7");
        v1a_ = Vorgang(akte1_.id, "Antrag");
        d1_ = Dokument(v1a_.id, "%PDF-1.4 Antrag", "Antrag.pdf");
        AddVersion(d1_.id, "%PDF-1.4 Antrag, zweite Fassung");
        d2_ = Dokument(v1a_.id, "Stellungnahme Bauamt", "Stellungnahme.txt");
        v1b_ = Vorgang(akte1_.id, "Nachbarbeteiligung");
        d3_ = Dokument(v1b_.id, "Einwand Nachbar", "Einwand.txt");
        Close(akte1_.id, "2012-09-30");
        akte2_ = Akte(sub_.id, "Gewerbeanmeldung Müller");
        v2_ = Vorgang(akte2_.id, "Anmeldung");
        d4_ = Dokument(v2_.id, "Gewerbeanmeldung", "Anmeldung.txt");
        d5_ = Dokument(akte2_.id, "Vermerk", "Vermerk.txt");
        Close(akte2_.id, "2013-02-01");
        // Not due yet (2031), and a Vorgang due by itself (2022) in an open Akte.
        akte3_ = Akte(sub_.id, "Neuere Akte");
        Close(akte3_.id, "2020-01-01");
        akte4_ = Akte(sub_.id, "Laufende Sachakte");
        v4_ = Vorgang(akte4_.id, "Abgeschlossener Vorgang");
        d6_ = Dokument(v4_.id, "Alt", "Alt.txt");
        Close(v4_.id, "2011-05-05");
    }
    void TearDown() override { retention_.reset(); }

    AussonderungService& service() { return retention_->aussonderungen(); }

    Aussonderung Create() {
        AussonderungsAntrag antrag;
        antrag.einheit_id = unit_.id;
        return Must(service().Create(admin_, antrag));
    }

    std::map<std::string, AussonderungsObjekt> ObjekteOf(const std::string& run) {
        std::map<std::string, AussonderungsObjekt> out;
        for (auto& o : Must(service().Objekte(admin_, run))) out.emplace(o.id, o);
        return out;
    }

    // Everything retention keeps about processes, to show that a refusal changed nothing.
    std::vector<std::string> State() {
        std::vector<std::string> out;
        AKTENWERK_EXPECT_OK(repo_->metadata().Scan("t/aus", "", 0, [&](auto k, auto v) {
            out.push_back(std::string(k) + "=" + std::to_string(std::hash<std::string_view>()(v)));
            return true;
        }));
        for (const auto& k : Keys("a/")) out.push_back(k);
        std::error_code ec;
        for (auto it = fs::recursive_directory_iterator(dir_.Sub("aus"), ec);
             !ec && it != fs::recursive_directory_iterator(); it.increment(ec)) {
            out.push_back(it->path().string());
        }
        return out;
    }

    std::string Receive(const std::string& run, const std::string& message) {
        auto r = service().Empfangen(admin_, run, message);
        return r.ok() ? std::string() : r.status().reason() + ": " + r.status().message();
    }

    // The run through the 0502: Akte 1 A with its Vorgang 1b V (V inside A), Akte 2 V with
    // its Vorgang 2 A (A inside V); the lone Vorgang 4 has no entry and counts as V.
    Aussonderung Appraised() {
        Aussonderung run = Create();
        Must(service().Anbieten(admin_, run.id));
        EXPECT_EQ(Receive(run.id, ArchiveMessages().Bewertungsverzeichnis(run.id,
                                                                          {{akte1_.id, 'A'},
                                                                           {v1a_.id, 'A'},
                                                                           {v1b_.id, 'V'},
                                                                           {akte2_.id, 'V'},
                                                                           {v2_.id, 'A'}},
                                                                          true)),
                  "");
        return Must(service().Get(admin_, run.id));
    }

    static test_support::CommandResult Xmllint(const std::vector<std::string>& args) {
        std::vector<std::string> argv = {"xmllint"};
        argv.insert(argv.end(), args.begin(), args.end());
        return test_support::RunCommand(argv);
    }

    // The message XML of a package, unpacked by unzip.
    std::string Unpack(const std::string& zip, const std::string& entry) {
        auto r = test_support::RunCommand({"unzip", "-o", "-q", zip, entry, "-d", dir_.Sub("x")});
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return dir_.Sub("x") + "/" + entry;
    }

    std::set<std::string> XPath(const std::string& file, const std::string& local_name) {
        auto r = Xmllint({"--xpath", "//*[local-name()='" + local_name + "']/text()", file});
        std::set<std::string> out;
        if (r.output.find("XPath set is empty") != std::string::npos) return out;
        EXPECT_EQ(r.exit_code, 0) << r.output;
        std::istringstream lines(r.output);
        for (std::string line; std::getline(lines, line);) {
            if (!line.empty()) out.insert(line);
        }
        return out;
    }

    std::unique_ptr<Retention> retention_;
    Objekt unit_, sub_, akte1_, v1a_, v1b_, akte2_, v2_, akte3_, akte4_, v4_;
    Objekt d1_, d2_, d3_, d4_, d5_, d6_;
};

TEST_F(AussonderungTest, ProcessHoldsWhatIsDueWithRuleAndProposal) {
    const Aussonderung run = Create();

    auto objekte = ObjekteOf(run.id);
    std::set<std::string> tops;
    for (const auto& [id, o] : objekte) {
        if (o.parent_id.empty()) tops.insert(id);
    }
    EXPECT_EQ(tops, (std::set<std::string>{akte1_.id, akte2_.id, v4_.id}));
    EXPECT_EQ(objekte.size(), 12u);
    EXPECT_FALSE(objekte.count(akte3_.id)) << "not due before 2031";
    EXPECT_FALSE(objekte.count(akte4_.id)) << "open";
    EXPECT_EQ(objekte[akte1_.id].faelligkeit->faellig_ab, (dms::CivilDate{2023, 1, 1}));
    EXPECT_EQ(objekte[d1_.id].parent_id, v1a_.id);
    EXPECT_EQ(run.status, AussonderungsStatus::kAngelegt);
    EXPECT_EQ(Aktionen(akte1_.id).back(), "zur-aussonderung-vorgesehen");
}

TEST_F(AussonderungTest, HeldObjectsAreLeftOutAndListed) {
    Must(retention_->sperren().Place(admin_, d4_.id, {"Klage", "Verwaltungsgericht", "1 K 2/26"}));

    const Aussonderung run = Create();

    auto objekte = ObjekteOf(run.id);
    EXPECT_FALSE(objekte.count(akte2_.id)) << "a hold below it keeps the whole Akte";
    EXPECT_TRUE(objekte.count(akte1_.id));
    ASSERT_EQ(run.ausgelassen.size(), 1u);
    EXPECT_EQ(run.ausgelassen[0]["id"], akte2_.id);
}

// An archivist's process holds only what the archivist may dispose of: what lies in a denied
// sub-unit or above the grant's level is not in it, not even as left out.
TEST_F(AussonderungTest, ArchivistsProcessLeavesOutWhatTheyMayNotSee) {
    const Objekt personal = Must(repo_->Create(admin_, dms::Kind::kAkte, sub_.id,
                                               {{"betreff", "Personalsache"},
                                                {"laufzeit_beginn", "2000-01-01"},
                                                {"vertraulichkeit", "vertraulich"}}));
    Close(personal.id, "2012-03-01");
    const Objekt closed_off = Unit("32.20", unit_.id);
    const Objekt verborgen = Akte(closed_off.id, "Akte im gesperrten Bereich");
    Close(verborgen.id, "2012-04-01");
    Grant(unit_, user_, dms::Role::kArchivar);  // up to VS-NfD
    dms::Grant deny;
    deny.einheit_id = closed_off.id;
    deny.subjekt = "benutzer:" + user_.name;
    deny.verweigert = true;
    AKTENWERK_ASSERT_OK(repo_->access().SetGrant(admin_, deny));

    AussonderungsAntrag antrag;
    antrag.einheit_id = unit_.id;
    const Aussonderung run = Must(service().Create(user_, antrag));

    std::set<std::string> tops;
    for (const auto& o : Must(service().Objekte(user_, run.id))) {
        if (o.parent_id.empty()) tops.insert(o.id);
    }
    EXPECT_EQ(tops, (std::set<std::string>{akte1_.id, akte2_.id, v4_.id}));
    EXPECT_TRUE(run.ausgelassen.empty()) << run.ausgelassen.dump();
    // The administrator's process over the same unit would have taken both.
    AKTENWERK_ASSERT_OK(service().Abbrechen(user_, run.id, "Test").status());
    const Aussonderung all = Create();
    std::set<std::string> admin_tops;
    for (const auto& o : ObjekteOf(all.id)) {
        if (o.second.parent_id.empty()) admin_tops.insert(o.first);
    }
    EXPECT_TRUE(admin_tops.count(personal.id));
    EXPECT_TRUE(admin_tops.count(verborgen.id));
}

TEST_F(AussonderungTest, NothingDueIsRefusedAndNothingChanges) {
    const auto before = State();
    AussonderungsAntrag antrag;
    antrag.einheit_id = unit_.id;
    antrag.stichtag = dms::CivilDate{2021, 12, 31};

    ExpectRefused(service().Create(admin_, antrag).status(), StatusCode::kFailedPrecondition,
                  "nothing-due");
    EXPECT_EQ(State(), before);
}

TEST_F(AussonderungTest, CutOffInTheFutureAndSenderWithoutKennungAreRefused) {
    AussonderungsAntrag antrag;
    antrag.einheit_id = unit_.id;
    antrag.stichtag = dms::CivilDate{2026, 3, 16};
    ExpectRefused(service().Create(admin_, antrag).status(), StatusCode::kInvalidArgument);
    ExpectRefused(service().Create(user_, {}).status(), StatusCode::kPermissionDenied);
}

TEST_F(AussonderungTest, SecondProcessOverTheSameAkteIsRefusedAndNothingChanges) {
    const Aussonderung first = Create();
    const auto before = State();

    AussonderungsAntrag antrag;
    antrag.einheit_id = sub_.id;
    Status s = service().Create(admin_, antrag).status();

    ExpectRefused(s, StatusCode::kFailedPrecondition, "in-aussonderung");
    EXPECT_NE(s.message().find(first.id), std::string::npos) << s.message();
    EXPECT_EQ(State(), before);
}

TEST_F(AussonderungTest, ObjectsOfAnUnfinishedProcessCannotBeReopenedOrMoved) {
    const Aussonderung run = Create();
    const Objekt other = Unit("33");

    ExpectRefused(repo_->Reopen(admin_, akte1_.id).status(), StatusCode::kFailedPrecondition,
                  "in-aussonderung");
    ExpectRefused(repo_->Move(admin_, akte2_.id, other.id).status(),
                  StatusCode::kFailedPrecondition, "in-aussonderung");

    Must(service().Abbrechen(admin_, run.id, "falscher Stichtag"));
    EXPECT_TRUE(repo_->Reopen(admin_, akte1_.id).ok());
}

TEST_F(AussonderungTest, OfferIsASchemaValidZipWithMetadataOnly) {
    Aussonderung run = Create();

    run = Must(service().Anbieten(admin_, run.id));

    const std::string zip = Must(service().NachrichtDatei(admin_, run.id, "0501"));
    EXPECT_EQ(fs::path(zip).filename(), run.id + "_Aussonderung.Anbieteverzeichnis.0501.zip");
    const std::string xml = Unpack(zip, run.id + "_Aussonderung.Anbieteverzeichnis.0501.xml");
    auto lint = Xmllint({"--noout", "--schema", Schema(), xml});
    EXPECT_EQ(lint.exit_code, 0) << lint.output;
    auto ids = XPath(xml, "ID");
    EXPECT_TRUE(ids.count(akte1_.id) && ids.count(d1_.id) && ids.count(v4_.id));
    EXPECT_FALSE(ids.count(akte3_.id));
    EXPECT_TRUE(XPath(xml, "Dateiname").empty()) << "no primary files in an offer";
    EXPECT_EQ(XPath(xml, "Aufbewahrungsende"),
              (std::set<std::string>{"2022-12-31", "2021-12-31", "2023-12-31"}));
    EXPECT_EQ(run.status, AussonderungsStatus::kAngeboten);
}

TEST_F(AussonderungTest, EachBadMessageIsRefusedPreciselyAndChangesNothing) {
    const Aussonderung run = Create();
    // Before the offer, nothing may come back.
    EXPECT_EQ(
        Receive(run.id, ArchiveMessages().Bewertungsverzeichnis(run.id, {{akte1_.id, 'A'}}, false))
            .substr(0, 11),
        "wrong-state");
    Must(service().Anbieten(admin_, run.id));
    const auto before = State();
    const std::string other = "11111111-2222-4333-8444-555555555555";
    const std::vector<std::pair<std::string, std::string>> cases = {
        {"wrong-process",
         ArchiveMessages().Bewertungsverzeichnis(other, {{akte1_.id, 'A'}}, false)},
        {"unknown-object",
         ArchiveMessages().Bewertungsverzeichnis(run.id, {{akte1_.id, 'A'}, {other, 'V'}}, false)},
        {"unknown-object",
         ArchiveMessages().Bewertungsverzeichnis(run.id, {{akte3_.id, 'A'}}, false)},
        {"undecided", ArchiveMessages().Bewertungsverzeichnis(run.id, {{akte1_.id, 'B'}}, false)},
        {"duplicate-object", ArchiveMessages().Bewertungsverzeichnis(
                                 run.id, {{akte1_.id, 'A'}, {akte1_.id, 'V'}}, false)},
        {"wrong-state",
         ArchiveMessages().AussonderungImportBestaetigen(run.id, {{akte1_.id, true, "LA-1", ""}})},
        {"wrong-state", ArchiveMessages().AussonderungEmpfangBestaetigen(run.id)},
        {"invalid-xdomea", "<kein xdomea/>"},
        {"invalid-xdomea",
         "<?xml version=\"1.0\"?><!DOCTYPE x [<!ENTITY e SYSTEM "
         "\"file:///etc/passwd\">]><x>&e;</x>"},
    };
    for (const auto& [reason, message] : cases) {
        SCOPED_TRACE(reason + ": " + message.substr(0, 200));
        const std::string refused = Receive(run.id, message);
        EXPECT_EQ(refused.substr(0, reason.size()), reason) << refused;
        EXPECT_EQ(State(), before);
    }
    ExpectRefused(service().Abgeben(admin_, run.id).status(), StatusCode::kFailedPrecondition,
                  "not-appraised");
    EXPECT_EQ(State(), before);
}

TEST_F(AussonderungTest, AppraisalInheritsDownwardsAndDefaultsToV) {
    const Aussonderung run = Appraised();

    auto o = ObjekteOf(run.id);
    EXPECT_EQ(o[akte1_.id].bewertung, 'A');
    EXPECT_EQ(o[d1_.id].bewertung, 'A');
    EXPECT_EQ(o[d1_.id].bewertung_quelle, "geerbt");
    EXPECT_EQ(o[v1b_.id].bewertung, 'V');
    EXPECT_EQ(o[d3_.id].bewertung, 'V');
    EXPECT_EQ(o[akte2_.id].bewertung, 'V');
    EXPECT_EQ(o[d5_.id].bewertung, 'V');
    EXPECT_EQ(o[v2_.id].bewertung, 'A');
    EXPECT_EQ(o[d4_.id].bewertung, 'A');
    EXPECT_EQ(o[v4_.id].bewertung, 'V');
    EXPECT_EQ(o[v4_.id].bewertung_quelle, "ohne-eintrag");
    EXPECT_EQ(run.status, AussonderungsStatus::kBewertet);
    // The 0502 asked for a receipt: a valid 0505 is there.
    const std::string zip = Must(service().NachrichtDatei(admin_, run.id, "0505"));
    const std::string xml =
        Unpack(zip, run.id + "_Aussonderung.BewertungEmpfangBestaetigen.0505.xml");
    EXPECT_EQ(Xmllint({"--noout", "--schema", Schema(), xml}).exit_code, 0);
}

TEST_F(AussonderungTest, AppraisalIn2xIsTakenIn) {
    Aussonderung run = Create();
    Must(service().Anbieten(admin_, run.id));
    EXPECT_EQ(Receive(run.id, ArchiveMessages("2.4.0").Bewertungsverzeichnis(
                                  run.id, {{akte1_.id, 'A'}}, false)),
              "");
    EXPECT_EQ(ObjekteOf(run.id)[akte1_.id].bewertung, 'A');
}

TEST_F(AussonderungTest, TransferHoldsExactlyTheASetWithEveryVersionsPrimaryFile) {
    const Aussonderung run = Appraised();

    Must(service().Abgeben(admin_, run.id));

    const std::string zip = Must(service().NachrichtDatei(admin_, run.id, "0503"));
    const std::string base = run.id + "_Aussonderung.Aussonderung.0503";
    const std::string xml = Unpack(zip, base + ".xml");
    auto lint = Xmllint({"--noout", "--schema", Schema(), xml});
    EXPECT_EQ(lint.exit_code, 0) << lint.output;
    EXPECT_EQ(XPath(xml, "ID"),
              (std::set<std::string>{akte1_.id, v1a_.id, d1_.id, d2_.id, v2_.id, d4_.id}));
    // Every Dateiname is an entry of the ZIP, and the ZIP holds nothing else.
    const auto names = XPath(xml, "Dateiname");
    EXPECT_EQ(names.size(), 4u) << "d1 has two versions";
    std::set<std::string> entries;
    auto listing = test_support::RunCommand({"unzip", "-Z1", zip});
    std::istringstream lines(listing.output);
    for (std::string line; std::getline(lines, line);) entries.insert(line);
    std::set<std::string> expected = names;
    expected.insert(base + ".xml");
    EXPECT_EQ(entries, expected);
    EXPECT_TRUE(names.count(PrimaerdateiName(d1_.id, 2, "brief-v2.txt")));
    // The primary file is the stored content, byte for byte.
    const std::string pdf = Unpack(zip, PrimaerdateiName(d1_.id, 1, "Antrag.pdf"));
    std::ifstream in(pdf);
    std::string content((std::istreambuf_iterator<char>(in)), std::istreambuf_iterator<char>());
    EXPECT_EQ(content, "%PDF-1.4 Antrag");
    EXPECT_TRUE(XPath(xml, "Aktion").count("version-angelegt")) << "history from the audit trail";
    EXPECT_EQ(Aktionen(akte1_.id).back(), "an-archiv-abgegeben");
}

TEST_F(AussonderungTest, ImportConfirmationDestructionAndProtocolLeaveOnlyStubs) {
    const Aussonderung run = Appraised();
    Must(service().Abgeben(admin_, run.id));
    EXPECT_EQ(Receive(run.id, ArchiveMessages().AussonderungEmpfangBestaetigen(run.id)), "");
    EXPECT_EQ(Receive(run.id, ArchiveMessages().AussonderungImportBestaetigen(
                                  run.id, {{akte1_.id, true, "LA 32/7", ""},
                                           {v2_.id, true, "LA 32/8", ""}})),
              "");

    // Without the approval only the confirmed A objects may go; their V parts keep them.
    auto first = Must(service().Vernichten(admin_, run.id));
    EXPECT_EQ(std::set<std::string>(first.vernichtet.begin(), first.vernichtet.end()),
              (std::set<std::string>{v1a_.id, d1_.id, d2_.id, v2_.id, d4_.id}));
    Must(service().Freigeben(admin_, run.id));
    auto second = Must(service().Vernichten(admin_, run.id));

    EXPECT_EQ(second.aussonderung.status, AussonderungsStatus::kAbgeschlossen);
    EXPECT_TRUE(second.offen.empty()) << second.offen.dump();
    EXPECT_EQ(second.aussonderung.protokolle.size(), 2u);
    for (const auto& o : {akte1_, v1a_, v1b_, akte2_, v2_, v4_, d1_, d2_, d3_, d4_, d5_, d6_}) {
        SCOPED_TRACE(o.id);
        EXPECT_EQ(repo_->Get(admin_, o.id).status().code(), StatusCode::kNotFound);
        EXPECT_TRUE(KeysMentioning(o.id, {"x/", "xc/", "z/", "t/aus-obj/", "t/aus-prot/"}).empty());
    }
    const auto stub = Must(repo_->GetStub(admin_, akte1_.id));
    EXPECT_EQ(stub.art, dms::Entfernung::kAbgegeben);
    EXPECT_EQ(stub.info["archivkennung"], "LA 32/7");
    EXPECT_EQ(Must(repo_->GetStub(admin_, akte2_.id)).art, dms::Entfernung::kVernichtet);
    EXPECT_TRUE(BlobFiles().empty());
    EXPECT_FALSE(repo_->Get(admin_, akte3_.id).status().code() == StatusCode::kNotFound);

    std::ifstream in(Must(service().ProtokollDatei(admin_, run.id, 2)));
    const json protokoll = json::parse(in, nullptr, false);
    ASSERT_TRUE(protokoll.is_object());
    std::map<std::string, json> zeilen;
    for (const auto& z : protokoll["objekte"]) zeilen[z["objekt_id"]] = z;
    ASSERT_TRUE(zeilen.count(akte2_.id));
    EXPECT_EQ(zeilen[akte2_.id]["aktenzeichen"], akte2_.aktenzeichen);
    EXPECT_EQ(zeilen[akte2_.id]["faellig_ab"], "2024-01-01");
    EXPECT_EQ(zeilen[akte2_.id]["entscheidung"]["aussonderungsart"], "V");
    EXPECT_EQ(zeilen[akte2_.id]["freigegeben_von"], admin_.name);
    EXPECT_EQ(zeilen[d5_.id]["inhalte"][0]["sha256"].get<std::string>().size(), 64u);
    EXPECT_EQ(Aktionen(akte2_.id).back(), "vernichtet");
}

// Rights taken away after the approval keep the objects, as a hold does: the run reports them
// as open instead of failing halfway, and whoever still may dispose of them finishes it.
TEST_F(AussonderungTest, ObjectsTheArchivistMayNoLongerDisposeOfStayOpen) {
    Grant(unit_, user_, dms::Role::kArchivar);
    const Aussonderung run = Appraised();
    Must(service().Freigeben(admin_, run.id));
    dms::Grant deny;
    deny.einheit_id = sub_.id;
    deny.subjekt = "benutzer:" + user_.name;
    deny.verweigert = true;
    AKTENWERK_ASSERT_OK(repo_->access().SetGrant(admin_, deny));

    auto refused = Must(service().Vernichten(user_, run.id));

    EXPECT_TRUE(refused.vernichtet.empty());
    EXPECT_FALSE(refused.offen.empty());
    EXPECT_TRUE(repo_->Get(admin_, v4_.id).ok()) << "nothing was destroyed";
    auto done = Must(service().Vernichten(admin_, run.id));
    EXPECT_FALSE(done.vernichtet.empty());
    EXPECT_EQ(repo_->Get(admin_, v4_.id).status().code(), StatusCode::kNotFound)
        << "the lone V Vorgang goes once the administrator runs it";
}

TEST_F(AussonderungTest, ProtocolIsFiledAsARecordWhereTheProcessAsks) {
    const Objekt protokolle = Akte(Unit("01").id, "Vernichtungsprotokolle");
    AussonderungsAntrag antrag;
    antrag.einheit_id = unit_.id;
    antrag.protokoll_akte_id = protokolle.id;
    const Aussonderung run = Must(service().Create(admin_, antrag));
    Must(service().Anbieten(admin_, run.id));
    EXPECT_EQ(
        Receive(run.id, ArchiveMessages().Bewertungsverzeichnis(run.id, {{akte1_.id, 'V'}}, false)),
        "");
    Must(service().Freigeben(admin_, run.id));

    Must(service().Vernichten(admin_, run.id));

    auto filed = Must(repo_->Children(admin_, protokolle.id, dms::Kind::kDokument, "", 10)).items;
    ASSERT_EQ(filed.size(), 1u);
    EXPECT_EQ(filed[0].dokumenttyp, "Vernichtungsprotokoll");
    auto content = Must(repo_->OpenContent(admin_, filed[0].id, 0));
    std::string text(content.reader->size(), '\0');
    ASSERT_TRUE(content.reader->ReadAt(0, text.data(), text.size()).ok());
    EXPECT_EQ(json::parse(text)["objekte"].size(), 12u) << "everything was V";
}

TEST_F(AussonderungTest, ObjectHeldAfterTheTransferIsNotDeletedAndIsReported) {
    const Aussonderung run = Appraised();
    Must(service().Abgeben(admin_, run.id));
    EXPECT_EQ(Receive(run.id, ArchiveMessages().AussonderungImportBestaetigen(
                                  run.id, {{akte1_.id, true, "LA 1", ""}, {v2_.id, true, "", ""}})),
              "");
    Must(service().Freigeben(admin_, run.id));
    Must(retention_->sperren().Place(admin_, d2_.id, {"Auskunftsersuchen", "Datenschutz", ""}));

    auto result = Must(service().Vernichten(admin_, run.id));

    EXPECT_TRUE(repo_->Get(admin_, d2_.id).ok());
    EXPECT_TRUE(repo_->Get(admin_, akte1_.id).ok());
    EXPECT_FALSE(repo_->Get(admin_, akte2_.id).ok()) << "the rest goes";
    bool reported = false;
    for (const auto& o : result.offen) {
        reported = reported || o["grund"].get<std::string>().find("hold") != std::string::npos;
    }
    EXPECT_TRUE(reported) << result.offen.dump();
    EXPECT_EQ(result.aussonderung.status, AussonderungsStatus::kAbgegeben);
}

TEST_F(AussonderungTest, TransferIsRefusedWhileAnObjectToTransferIsHeld) {
    const Aussonderung run = Appraised();
    const auto hold = Must(retention_->sperren().Place(admin_, d4_.id, {"Klage", "VG", ""}));

    ExpectRefused(service().Abgeben(admin_, run.id).status(), StatusCode::kFailedPrecondition,
                  "held");
    EXPECT_EQ(Must(service().Get(admin_, run.id)).status, AussonderungsStatus::kBewertet);
    EXPECT_FALSE(service().NachrichtDatei(admin_, run.id, "0503").ok());
    Must(retention_->sperren().Release(admin_, hold.id, "erledigt"));
    EXPECT_TRUE(service().Abgeben(admin_, run.id).ok());
}

// Issue #7: a version's signature travels in the 0503 as a SignaturSiegelDatei beside its
// primary file (checked by xmllint against the schema and by openssl cms -verify), the
// Vernichtungsprotokoll is signed, and destruction leaves no signature behind.
TEST_F(AussonderungTest, SignaturesGoIntoThe0503AndAwayWithTheDestroyedRecords) {
    auto identity = Must(
        dms::SigningIdentity::LoadOrCreateSelfSigned(dir_.Sub("data"), "t", clock_.NowMillis()));
    auto integrity = Must(dms::IntegrityService::Open(repo_.get(), identity.get(), {}));
    Must(integrity->SignVersion(admin_, d1_.id, 1));
    retention_.reset();
    AussonderungOptions options;
    options.arbeitsverzeichnis = dir_.Sub("aus");
    options.absender = {"psw", "073110000000", "Stadt Musterstadt", "Registratur"};
    options.empfaenger = {"", "", "Landesarchiv Musterland", ""};
    options.signieren = [&](std::string_view text) { return identity->SignDetached(text); };
    retention_ = Must(Retention::Open(repo_.get(), options));
    const Aussonderung run = Appraised();
    Must(service().Abgeben(admin_, run.id));

    const std::string zip = Must(service().NachrichtDatei(admin_, run.id, "0503"));
    const std::string xml = Unpack(zip, run.id + "_Aussonderung.Aussonderung.0503.xml");
    EXPECT_EQ(Xmllint({"--noout", "--schema", Schema(), xml}).exit_code, 0);
    const std::string primaer = PrimaerdateiName(d1_.id, 1, "Antrag.pdf");
    const std::string signatur = primaer.substr(0, primaer.find('.')) + "_signatur-1.p7s";
    EXPECT_EQ(XPath(xml, "SignaturSiegelDatei"), std::set<std::string>{signatur});
    std::ofstream(dir_.Sub("server.pem")) << identity->CertificatePem();
    auto verified = test_support::RunCommand(
        {"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in", Unpack(zip, signatur),
         "-content", Unpack(zip, primaer), "-CAfile", dir_.Sub("server.pem"), "-purpose", "any",
         "-out", "/dev/null"});
    EXPECT_EQ(verified.exit_code, 0) << verified.output;

    EXPECT_EQ(Receive(run.id, ArchiveMessages().AussonderungImportBestaetigen(
                                  run.id, {{akte1_.id, true, "LA 32/7", ""},
                                           {v2_.id, true, "LA 32/8", ""}})),
              "");
    Must(service().Vernichten(admin_, run.id));
    EXPECT_TRUE(Keys(dms::keys::DokumentSignaturPrefix(d1_.id)).empty());
    const std::string protokoll = Must(service().ProtokollDatei(admin_, run.id, 1));
    auto signed_protocol =
        test_support::RunCommand({"openssl", "cms", "-verify", "-binary", "-inform", "DER", "-in",
                                  protokoll + ".p7s", "-content", protokoll, "-CAfile",
                                  dir_.Sub("server.pem"), "-purpose", "any", "-out", "/dev/null"});
    EXPECT_EQ(signed_protocol.exit_code, 0) << signed_protocol.output;
    EXPECT_EQ(Keys("t/protokoll-signatur/" + run.id + "/").size(), 1u);
}

}  // namespace
}  // namespace aktenwerk::retention
