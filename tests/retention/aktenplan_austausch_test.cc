// Tests of the Aktenplan exchange with retention rules: the demo plan, CSV from a spreadsheet
// (and its malformed rules, refused with the line before anything is imported), and round
// trips through CSV and through an xdomea 0301 that xmllint accepts.
#include "retention/aktenplan_austausch.h"

#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "retention/retention.h"
#include "tests/support/records_fixture.h"
#include "tests/support/server_process.h"

namespace aktenwerk::retention {
namespace {

using test_support::ExpectRefused;

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

class AktenplanAustauschTest : public test_support::RecordsFixture {
  protected:
    void SetUp() override {
        RecordsFixture::SetUp();
        retention_ = Open(repo_.get(), "aus");
    }
    void TearDown() override {
        retention_.reset();
        other_retention_.reset();
    }

    std::unique_ptr<Retention> Open(dms::Repository* repo, const std::string& sub) {
        AussonderungOptions options;
        options.arbeitsverzeichnis = dir_.Sub(sub);
        options.absender = {"psw", "073110000000", "Stadt Musterstadt", ""};
        auto r = Retention::Open(repo, options);
        EXPECT_TRUE(r.ok()) << r.status().ToString();
        return r.ok() ? std::move(r).value() : nullptr;
    }

    // A second, empty repository to import into.
    Retention& Other() {
        auto opened = dms::Repository::Open(dir_.Sub("other"), {}, &clock_);
        EXPECT_TRUE(opened.ok());
        other_repo_ = std::move(opened).value();
        other_retention_ = Open(other_repo_.get(), "other-aus");
        return *other_retention_;
    }

    // Kennzeichen -> own rule as "10V" / "-A" (unlimited) / "" (none).
    std::map<std::string, std::string> Rules(Retention& r) {
        std::map<std::string, std::string> out;
        auto csv = Must(r.aktenplan().ExportCsv(admin_));
        auto units = Must(dms::ParseAktenplanCsv(csv));
        for (const auto& u : units) {
            out[u.kennzeichen] =
                u.weitere.value("frist_jahre", "") + u.weitere.value("aussonderungsart", "");
        }
        return out;
    }

    Result<PlanImportBericht> ImportCsv(Retention& r, const std::string& csv) {
        AKTENWERK_ASSIGN_OR_RETURN(auto units, dms::ParseAktenplanCsv(csv));
        AKTENWERK_ASSIGN_OR_RETURN(auto plan, PlanMitRegeln(std::move(units)));
        return r.aktenplan().Import(admin_, plan);
    }

    std::unique_ptr<Retention> retention_;
    std::unique_ptr<dms::Repository> other_repo_;
    std::unique_ptr<Retention> other_retention_;
};

TEST_F(AktenplanAustauschTest, DemoPlanImportsWithItsRules) {
    auto units = Must(dms::ParseAktenplanJson(
        ReadFile(std::string(AKTENWERK_SOURCE_DIR) + "/deploy/demo/aktenplan.json")));
    size_t with_rule = 0;
    for (const auto& u : units) with_rule += u.weitere.contains("aufbewahrung") ? 1 : 0;
    auto plan = Must(PlanMitRegeln(std::move(units)));

    auto bericht = Must(retention_->aktenplan().Import(admin_, plan));

    EXPECT_GT(with_rule, 50u);
    EXPECT_EQ(bericht.regeln, with_rule);
    const auto rules = Rules(*retention_);
    EXPECT_EQ(rules.at("00.10"), "unbefristetA");
}

TEST_F(AktenplanAustauschTest, CsvRulesAreReadAndMalformedOnesRefusedWithTheirLine) {
    auto ok = ImportCsv(*retention_,
                        "kennzeichen;titel;eltern_kennzeichen;frist_jahre;aussonderungsart\n"
                        "1;Ordnung;;;\n1.1;Gewerbe;1;10;V\n1.2;Wahlen;1;unbegrenzt;A\n");
    ASSERT_TRUE(ok.ok()) << ok.status().ToString();
    EXPECT_EQ(ok->regeln, 2u);
    EXPECT_EQ(Rules(*retention_), (std::map<std::string, std::string>{
                                      {"1", ""}, {"1.1", "10V"}, {"1.2", "unbefristetA"}}));

    for (const std::string bad : {"2;X;;zehn;V\n", "2;X;;10;\n", "2;X;;;A\n", "2;X;;10;Q\n",
                                  "2;X;;-3;V\n", "2;X;;9999;V\n"}) {
        SCOPED_TRACE(bad);
        Status s = ImportCsv(*retention_,
                             "kennzeichen;titel;eltern_kennzeichen;frist_jahre;"
                             "aussonderungsart\n" +
                                 bad)
                       .status();
        EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
        EXPECT_NE(s.message().find("line 2"), std::string::npos) << s.message();
        ExpectRefused(repo_->FindByKennzeichen(admin_, "2").status(), StatusCode::kNotFound);
    }
}

TEST_F(AktenplanAustauschTest, CsvExportImportsBackToTheSameRules) {
    ASSERT_TRUE(ImportCsv(*retention_,
                          "kennzeichen;titel;beschreibung;eltern_kennzeichen;"
                          "frist_jahre;aussonderungsart\n"
                          "5;Soziales;\"Mit ; Semikolon\";;30;B\n"
                          "5.1;Hilfe;;5;;\n5.2;Pflege;;5;3;V\n")
                    .ok());
    const std::string csv = Must(retention_->aktenplan().ExportCsv(admin_));

    Retention& other = Other();
    ASSERT_TRUE(ImportCsv(other, csv).ok());

    EXPECT_EQ(Rules(other), Rules(*retention_));
    EXPECT_EQ(Must(other_repo_->FindByKennzeichen(admin_, "5")).beschreibung, "Mit ; Semikolon");
}

TEST_F(AktenplanAustauschTest, Xdomea0301IsValidAndImportsBackWithInheritance) {
    ASSERT_TRUE(ImportCsv(*retention_,
                          "kennzeichen;titel;beschreibung;eltern_kennzeichen;"
                          "frist_jahre;aussonderungsart\n"
                          "6;Bauen;Bauordnung & Planung;;;\n"
                          "6.1;Bauanträge;;6;30;A\n6.1.1;Einfamilienhäuser;;6.1;;\n"
                          "6.2;Denkmal;;6;unbefristet;A\n")
                    .ok());

    const std::string xml = Must(retention_->aktenplan().Export0301(admin_));

    const std::string path = dir_.Sub("plan.xml");
    std::ofstream(path) << xml;
    auto lint = test_support::RunCommand(
        {"xmllint", "--noout", "--schema",
         std::string(AKTENWERK_SOURCE_DIR) +
             "/retention/xdomea/schema/3.1.0/xdomea-Nachrichten-AktenplanAustauschen.xsd",
         path});
    EXPECT_EQ(lint.exit_code, 0) << lint.output;
    auto plan = Must(ParseAktenplan0301(xml));
    Retention& other = Other();
    Must(other.aktenplan().Import(admin_, plan));
    EXPECT_EQ(Rules(other), Rules(*retention_));
    EXPECT_EQ(Must(other_repo_->FindByKennzeichen(admin_, "6")).beschreibung,
              "Bauordnung & Planung");
    EXPECT_EQ(Must(other_repo_->FindByKennzeichen(admin_, "6.1.1")).titel, "Einfamilienhäuser");
}

TEST_F(AktenplanAustauschTest, HostileOrForeign0301IsRefused) {
    ExpectRefused(
        ParseAktenplan0301("<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY b \"c\">]><a/>").status(),
        StatusCode::kInvalidArgument, "invalid-xdomea");
    ExpectRefused(ParseAktenplan0301("<a xmlns=\"urn:xoev-de:xdomea:schema:3.1.0\"/>").status(),
                  StatusCode::kInvalidArgument, "invalid-xdomea");
}

}  // namespace
}  // namespace aktenwerk::retention
