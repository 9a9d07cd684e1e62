// xdomea Fachverfahrensdaten end to end: a scripted case system drives the real server over
// POST /api/v1/xdomea on loopback: it creates an Akte and a Vorgang, files documents with
// primary files from a ZIP, views, closes and reopens, asks for a receipt and the system
// status, repeats a message, and sends bad input (schema errors, an external entity, an
// unsupported type). Every request and every answer is checked with xmllint against the
// official 3.1.0 schema, and the records are checked through the REST API.
#include <cstdio>
#include <fstream>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/xdomea_fv.h"
#include "tests/support/zip_builder.h"

namespace aktenwerk::e2e {
namespace {

using test_support::FvDokument;
using test_support::FvIdsgo;
using test_support::FvNachricht;
using test_support::FvObjekt;
using test_support::FvVersion;

// Fixed UUIDs: the test is the same on every run.
std::string Uuid(int n) {
    char buf[40];
    std::snprintf(buf, sizeof(buf), "6b1e0c3a-9d2f-4e57-8a10-%012d", n);
    return buf;
}

class XdomeaFvE2eTest : public E2eTest {
  protected:
    void SetUp() override {
        ASSERT_TRUE(StartServer(
            {"--behoerdenkennung", "psw:073110000000", "--behoerde", "Stadt Musterstadt"}));
        unit_ = CreateEinheit("63", "Bauaufsicht");
        ASSERT_FALSE(unit_.is_null());
    }

    // "" when xmllint accepts `xml` under the official schema, else its output.
    std::string Xmllint(const std::string& xml) {
        const std::string path = scratch().Sub("m" + std::to_string(++files_) + ".xml");
        std::ofstream(path, std::ios::binary) << xml;
        auto run =
            test_support::RunCommand({"xmllint", "--noout", "--nonet", "--schema",
                                      test_support::FvSchemaPath(AKTENWERK_SOURCE_DIR), path});
        return run.exit_code == 0 ? "" : run.output;
    }

    // Posts a message and checks that the answer (each part of a multipart answer) is valid.
    HttpResponse Send(const std::string& body, const std::string& type, int status) {
        HttpResponse res = api().Post("/api/v1/xdomea", body, type);
        EXPECT_EQ(res.status, status) << res.Describe();
        for (const auto& part : Parts(res)) EXPECT_EQ(Xmllint(part), "") << part;
        return res;
    }
    HttpResponse SendXml(const std::string& xml, int status = 200) {
        EXPECT_EQ(Xmllint(xml), "") << "the case system's own message is invalid";
        return Send(xml, "application/xml", status);
    }

    // The XML messages of an answer: the body, or the parts of a multipart/mixed body.
    static std::vector<std::string> Parts(const HttpResponse& res) {
        const std::string type = res.Header("Content-Type");
        if (type.rfind("multipart/mixed; boundary=", 0) != 0) return {res.body};
        const std::string delim = "--" + type.substr(type.find('=') + 1);
        std::vector<std::string> out;
        for (size_t at = res.body.find(delim); at != std::string::npos;) {
            const size_t start = res.body.find("\r\n\r\n", at);
            const size_t next = res.body.find("\r\n" + delim, at + delim.size());
            if (start == std::string::npos || next == std::string::npos) break;
            out.push_back(res.body.substr(start + 4, next - start - 4));
            at = next + 2;
        }
        return out;
    }

    json ByKey(const std::string& key) {
        auto res = api().Get("/api/v1/xdomea/objekte/" + key);
        EXPECT_EQ(res.status, 200) << res.Describe();
        return res.Json();
    }

    size_t AktenIn(const std::string& unit_id) {
        return Children("/api/v1/aktenplan/einheiten/" + unit_id + "/kinder").size();
    }

    json unit_;
    int files_ = 0;
};

TEST_F(XdomeaFvE2eTest, CaseSystemDrivesARecordThroughItsLife) {
    SendXml(FvNachricht("SGOErstellen", "0604", Uuid(1),
                        FvObjekt("SchriftgutobjektZumErstellen", "BAU-2026-17", "63", "Akte",
                                 Uuid(101), "Bauantrag Musterstraße 1")));
    SendXml(FvNachricht("SGOErstellen", "0604", Uuid(2),
                        FvObjekt("SchriftgutobjektZumErstellen", "BAU-2026-17-V1", "BAU-2026-17",
                                 "Vorgang", Uuid(102), "Anhörung der Nachbarn")));
    const json akte = ByKey("BAU-2026-17");
    const json vorgang = ByKey("BAU-2026-17-V1");
    EXPECT_EQ(akte.value("betreff", ""), "Bauantrag Musterstraße 1");
    EXPECT_EQ(vorgang.value("parent_id", ""), akte.value("id", ""));

    // Three documents filed in one message with their primary files.
    std::string objekte;
    test_support::ZipBuilder zip;
    for (int i = 1; i <= 3; ++i) {
        const std::string datei = Uuid(200 + i) + "_schreiben.pdf";
        objekte += FvDokument("DOK-" + std::to_string(i), "BAU-2026-17-V1", Uuid(300 + i),
                              "Schreiben Nr. " + std::to_string(i),
                              FvVersion(1, datei, "Schreiben " + std::to_string(i) + ".pdf"));
        zip.Add(datei, "%PDF-1.4\n% Schreiben an Frau Müller Nr. " + std::to_string(i) + "\n");
    }
    const std::string ablegen = FvNachricht("SGOAblegen", "0605", Uuid(3), objekte, false, 3);
    EXPECT_EQ(Xmllint(ablegen), "");
    zip.Add(Uuid(3) + "_FVDaten.SGOAblegen.0605.xml", ablegen, true);
    Send(zip.Build(), "application/zip", 200);
    for (int i = 1; i <= 3; ++i) {
        const json dok = ByKey("DOK-" + std::to_string(i));
        EXPECT_EQ(dok.value("parent_id", ""), vorgang.value("id", ""));
        auto content = Download(dok.value("id", ""));
        EXPECT_EQ(content.body,
                  "%PDF-1.4\n% Schreiben an Frau Müller Nr. " + std::to_string(i) + "\n");
    }

    // View with a receipt: 0629 and 0630 in one multipart answer.
    auto view =
        SendXml(FvNachricht("SGOAnsehen", "0602", Uuid(4),
                            FvIdsgo("SchriftgutobjektZumAnsehen", akte.value("id", "")), true));
    auto parts = Parts(view);
    ASSERT_EQ(parts.size(), 2u) << view.Describe();
    EXPECT_NE(parts[0].find("FVDaten.EmpfangBestaetigen.0629"), std::string::npos);
    EXPECT_NE(parts[1].find("/api/v1/objekte/" + akte.value("id", "")), std::string::npos);

    // Close the Vorgang and then the Akte, and reopen the Akte.
    SendXml(FvNachricht("SGOZDAVerfuegen", "0624", Uuid(5),
                        FvIdsgo("SchriftgutobjektZumZDAVerfuegen", vorgang.value("id", "")) +
                            FvIdsgo("SchriftgutobjektZumZDAVerfuegen", akte.value("id", ""))));
    EXPECT_TRUE(ByKey("BAU-2026-17").value("zda", json()).is_string());
    SendXml(FvNachricht("SGOZDAAufheben", "0632", Uuid(6),
                        FvIdsgo("SGOZumZDAAufheben", akte.value("id", ""))));
    EXPECT_FALSE(ByKey("BAU-2026-17").value("zda", json()).is_string());

    auto status = SendXml(FvNachricht(
        "SystemstatusAbfragen", "0625", Uuid(7),
        "<xdomea:SystemstatusZumAbfragen><xdomea:SystemstatusID>1</xdomea:SystemstatusID>"
        "</xdomea:SystemstatusZumAbfragen>"));
    EXPECT_NE(status.body.find("verfuegbar"), std::string::npos);
    ExpectAuditChainIntact();
}

TEST_F(XdomeaFvE2eTest, RepeatedAndBadMessagesChangeNothing) {
    const std::string erstellen = FvNachricht(
        "SGOErstellen", "0604", Uuid(10),
        FvObjekt("SchriftgutobjektZumErstellen", "BAU-9", "63", "Akte", Uuid(110), "Bauantrag"));
    auto first = SendXml(erstellen);
    auto again = SendXml(erstellen, 409);
    EXPECT_NE(again.body.find("<code>0000009</code>"), std::string::npos);
    const std::string id = ByKey("BAU-9").value("id", "");
    EXPECT_NE(again.body.find("<xdomea:IDSGO>" + id + "</xdomea:IDSGO>"), std::string::npos);
    const size_t akten = AktenIn(unit_.value("id", ""));
    EXPECT_EQ(akten, 1u);

    std::string invalid = FvNachricht(
        "SGOErstellen", "0604", Uuid(11),
        FvObjekt("SchriftgutobjektZumErstellen", "BAU-10", "63", "Akte", Uuid(111), "Bauantrag"));
    invalid.replace(invalid.find("<xdomea:Stapel>"), 15, "<xdomea:Stapelx>");
    invalid.replace(invalid.find("</xdomea:Stapel>"), 16, "</xdomea:Stapelx>");
    auto bad = Send(invalid, "application/xml", 400);
    EXPECT_NE(bad.body.find("<code>0000008</code>"), std::string::npos);

    const std::string xxe =
        "<?xml version=\"1.0\"?>\n<!DOCTYPE r [<!ENTITY e SYSTEM \"file:///etc/passwd\">]>" +
        erstellen.substr(erstellen.find("<xdomea:FVDaten"));
    auto attack = Send(xxe, "application/xml", 400);
    EXPECT_EQ(attack.body.find("root:"), std::string::npos);

    auto suchen = SendXml(
        FvNachricht(
            "SGOSuchen", "0608", Uuid(12),
            "<xdomea:SchriftgutobjektZumSuchen><xdomea:Suchbegriffe>Bau"
            "</xdomea:Suchbegriffe><xdomea:Volltext>true</xdomea:Volltext>"
            "<xdomea:Metadaten>false</xdomea:Metadaten></xdomea:SchriftgutobjektZumSuchen>"),
        400);
    EXPECT_NE(suchen.body.find("nicht unterstützt"), std::string::npos);
    Send("\x01\x02 kein XML", "application/xml", 400);

    EXPECT_EQ(AktenIn(unit_.value("id", "")), akten);
    EXPECT_EQ(api().Get("/api/v1/xdomea/objekte/BAU-10").status, 404);
}

}  // namespace
}  // namespace aktenwerk::e2e
