// Tests of the xdomea library: the embedded official schemas, the safety checks every received
// message passes (external entities, entity bombs, nesting, size, unknown versions), schema
// errors that name line and element, reading the archive's answers in 3.1.0, 3.0.0 and 2.4.0,
// writing a message that xmllint accepts too, and ZIP packages (path traversal, entry counts,
// expansion bombs) built byte by byte so that every hostile layout can be tried.
#include "retention/xdomea/validation.h"

#include <filesystem>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "dms/uuid.h"
#include "retention/xdomea/codes.h"
#include "retention/xdomea/dom.h"
#include "retention/xdomea/incoming.h"
#include "retention/xdomea/kopf.h"
#include "retention/xdomea/writer.h"
#include "retention/xdomea/zip.h"
#include "tests/support/server_process.h"
#include "tests/support/status_testing.h"
#include "tests/support/temp_dir.h"
#include "tests/support/xdomea_archive.h"
#include "tests/support/zip_builder.h"

namespace aktenwerk::retention::xdomea {
namespace {

using test_support::ArchiveMessages;
using test_support::ZipBuilder;

const std::string kProzess = "9fde4e7a-b41b-41ec-9225-005056871b7c";
const std::string kObjekt = "0a1b2c3d-0000-4000-8000-000000000001";

std::string SchemaDir() { return std::string(AKTENWERK_SOURCE_DIR) + "/retention/xdomea/schema"; }

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream s;
    s << in.rdbuf();
    return s.str();
}

std::string Valid0502() {
    return ArchiveMessages().Bewertungsverzeichnis(kProzess, {{kObjekt, 'A'}}, true);
}

void ExpectInvalid(const Status& s, const std::string& fragment) {
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument) << s.ToString();
    EXPECT_NE(s.message().find(fragment), std::string::npos) << s.message();
}

// Schemas

TEST(XdomeaSchemas, EveryEmbeddedEntrySchemaCompiles) {
    for (Version v : {Version::k2_3_0, Version::k2_4_0, Version::k3_0_0, Version::k3_1_0}) {
        for (Family f : {Family::kAussonderung, Family::kAktenplan, Family::kAbgabe,
                         Family::kFachverfahrensdaten, Family::kInformation}) {
            SCOPED_TRACE(std::string(VersionName(v)) + " " + std::string(EntrySchemaFile(f)));
            AKTENWERK_EXPECT_OK(PrepareSchema(f, v));
        }
    }
}

TEST(XdomeaSchemas, MessagesOfEachSupportedVersionValidate) {
    for (const std::string version : {"3.1.0", "3.0.0", "2.4.0", "2.3.0"}) {
        SCOPED_TRACE(version);
        auto info = ValidateMessage(
            ArchiveMessages(version).Bewertungsverzeichnis(kProzess, {{kObjekt, 'V'}}, false),
            Family::kAussonderung);
        ASSERT_TRUE(info.ok()) << info.status().ToString();
        EXPECT_EQ(VersionName(info->version), version);
        EXPECT_EQ(info->root, "Aussonderung.Bewertungsverzeichnis.0502");
    }
}

TEST(XdomeaSchemas, SchemaErrorNamesTheLineAndTheElement) {
    std::string xml = Valid0502();
    const std::string from = "<xdomea:ProzessID>";
    xml.replace(xml.find(from), from.size(), "<xdomea:Prozessnummer>");
    xml.replace(xml.find("</xdomea:ProzessID>"), 19, "</xdomea:Prozessnummer>");

    Status s = ValidateMessage(xml, Family::kAussonderung).status();

    ExpectInvalid(s, "line 4");
    ExpectInvalid(s, "xdomea:Prozessnummer");
    EXPECT_EQ(s.reason(), "invalid-xdomea");
}

TEST(XdomeaSchemas, UnknownNamespaceIsRefused) {
    std::string xml = Valid0502();
    xml.replace(xml.find("schema:3.1.0"), 12, "schema:4.0.0");
    ExpectInvalid(ValidateMessage(xml, Family::kAussonderung).status(), "namespace");
}

// Hostile XML

TEST(XdomeaSafety, ExternalEntityIsRefusedBeforeItIsRead) {
    std::string xml = Valid0502();
    xml.insert(xml.find("<xdomea:Aussonderung"),
               "<!DOCTYPE x [<!ENTITY xxe SYSTEM \"file:///etc/passwd\">]>\n");
    xml.replace(xml.find("Landesarchiv Musterland"), 23, "&xxe;");

    Status s = ValidateMessage(xml, Family::kAussonderung).status();

    ExpectInvalid(s, "DOCTYPE");
    EXPECT_EQ(s.message().find("root:"), std::string::npos) << "nothing of the file may leak";
}

TEST(XdomeaSafety, EntityExpansionBombIsRefused) {
    std::string dtd = "<!DOCTYPE lolz [<!ENTITY lol \"lol\">";
    for (int i = 1; i < 10; ++i) {
        std::string prev = "&lol" + (i == 1 ? std::string() : std::to_string(i - 1)) + ";";
        std::string refs;
        for (int k = 0; k < 10; ++k) refs += prev;
        dtd += "<!ENTITY lol" + std::to_string(i) + " \"" + refs + "\">";
    }
    dtd += "]>\n";
    std::string xml = Valid0502();
    xml.insert(xml.find("<xdomea:Aussonderung"), dtd);
    xml.replace(xml.find("Landesarchiv Musterland"), 23, "&lol9;");

    ExpectInvalid(ValidateMessage(xml, Family::kAussonderung).status(), "DOCTYPE");
}

TEST(XdomeaSafety, UndeclaredEntityReferenceIsRefused) {
    std::string xml = Valid0502();
    xml.replace(xml.find("Landesarchiv Musterland"), 23, "&fremd;");
    EXPECT_FALSE(ValidateMessage(xml, Family::kAussonderung).ok());
}

TEST(XdomeaSafety, DeeplyNestedXmlIsRefusedWithTheLine) {
    std::string deep;
    for (int i = 0; i < 5000; ++i) deep += "<a>";
    std::string xml = Valid0502();
    xml.replace(xml.find("Landesarchiv Musterland"), 23, deep);

    Status s = ValidateMessage(xml, Family::kAussonderung).status();

    ExpectInvalid(s, "nested deeper than 100 levels");
    ExpectInvalid(s, "line 8");
}

TEST(XdomeaSafety, MessageLargerThanTheLimitIsRefused) {
    XmlLimits limits;
    limits.max_bytes = 1024;
    std::string xml = Valid0502();
    xml.replace(xml.find("Landesarchiv Musterland"), 23, std::string(4000, 'x'));
    ExpectInvalid(ValidateMessage(xml, Family::kAussonderung, limits).status(), "larger than");
}

TEST(XdomeaSafety, NotWellFormedXmlNamesTheLine) {
    std::string xml = Valid0502();
    xml.replace(xml.find("</xdomea:ProzessID>"), 19, "</xdomea:Prozess>");
    Status s = ValidateMessage(xml, Family::kAussonderung).status();
    ExpectInvalid(s, "not well-formed");
    ExpectInvalid(s, "line 4");
}

TEST(XdomeaSafety, EmptyInputIsRefused) {
    EXPECT_FALSE(ValidateMessage("", Family::kAussonderung).ok());
    EXPECT_FALSE(ValidateMessage("   ", Family::kAussonderung).ok());
}

// Issue #6, found by the xdomea fuzz target: bytes that the declared encoding cannot convert
// stopped the checking pass without marking the message malformed, and the part read before
// them was taken for a whole valid message.
TEST(XdomeaSafety, AnEncodingErrorMidwayIsNotTakenForTheEndOfAValidMessage) {
    std::string xml = Valid0502();
    xml.replace(xml.find("UTF-8"), 5, "UTF-7");
    xml.insert(xml.find("</xdomea:Kopf>"), std::string(32, '\xff'));
    Status s = ValidateMessage(xml, Family::kAussonderung).status();
    ExpectInvalid(s, "not well-formed");
    EXPECT_EQ(s.reason(), "invalid-xdomea");
}

// Reading the archive's answers

TEST(XdomeaIncoming, BewertungenAreReadInBothCodeNestingsAndIn2x) {
    const std::vector<std::pair<std::string, char>> objekte = {
        {kObjekt, 'A'}, {"0a1b2c3d-0000-4000-8000-000000000002", 'V'}};
    for (const auto& [version, nested] : std::vector<std::pair<std::string, bool>>{
             {"3.1.0", true}, {"3.1.0", false}, {"3.0.0", true}, {"2.4.0", true}}) {
        SCOPED_TRACE(version + (nested ? " nested" : " konfigurierbar"));
        auto in = ReceiveMessage(
            ArchiveMessages(version).Bewertungsverzeichnis(kProzess, objekte, true, nested),
            Family::kAussonderung);
        ASSERT_TRUE(in.ok()) << in.status().ToString();
        EXPECT_EQ(in->code, "0502");
        EXPECT_EQ(in->kopf.prozess_id, kProzess);
        EXPECT_EQ(in->kopf.empfangsbestaetigung, true);
        auto bewertungen = ReadBewertungen(*in);
        ASSERT_TRUE(bewertungen.ok()) << bewertungen.status().ToString();
        ASSERT_EQ(bewertungen->size(), 2u);
        EXPECT_EQ((*bewertungen)[0].art, 'A');
        EXPECT_EQ((*bewertungen)[1].art, 'V');
    }
}

TEST(XdomeaIncoming, ImportbestaetigungIsReadIn3xAnd2x) {
    const std::vector<test_support::ArchivImport> objekte = {{kObjekt, true, "LA-1234", ""}};
    for (const std::string version : {"3.1.0", "2.4.0"}) {
        SCOPED_TRACE(version);
        auto in = ReceiveMessage(
            ArchiveMessages(version).AussonderungImportBestaetigen(kProzess, objekte),
            Family::kAussonderung);
        ASSERT_TRUE(in.ok()) << in.status().ToString();
        auto bestaetigung = ReadImportbestaetigung(*in);
        ASSERT_TRUE(bestaetigung.ok());
        ASSERT_EQ(bestaetigung->objekte.size(), 1u);
        EXPECT_TRUE(bestaetigung->objekte[0].erfolgreich);
        EXPECT_EQ(bestaetigung->objekte[0].archivkennung, "LA-1234");
    }
}

TEST(XdomeaIncoming, MessageOfAnotherFamilyIsRefused) {
    std::string xml = Valid0502();
    EXPECT_FALSE(ReceiveMessage(xml, Family::kAktenplan).ok());
}

TEST(XdomeaIncoming, ZippedMessageIsUnpackedAndChecked) {
    std::string zip =
        ZipBuilder()
            .Add(kProzess + "_Aussonderung.Bewertungsverzeichnis.0502.xml", Valid0502(), true)
            .Build();
    auto in = ReceiveMessage(zip, Family::kAussonderung);
    ASSERT_TRUE(in.ok()) << in.status().ToString();
    EXPECT_EQ(in->code, "0502");
}

// ZIP packages

TEST(XdomeaZip, ParentDirectoryNamesAreRefused) {
    for (const std::string name :
         {"../0502.xml", "a/../../0502.xml", "/etc/0502.xml", "C:\\0502.xml", "a\\..\\0502.xml"}) {
        SCOPED_TRACE(name);
        std::string zip = ZipBuilder().Add(name, Valid0502()).Build();
        auto xml = ReadMessageXml(zip);
        ASSERT_FALSE(xml.ok());
        EXPECT_EQ(xml.status().reason(), "unsafe-zip") << xml.status().ToString();
    }
}

TEST(XdomeaZip, HugeEntryCountIsRefusedBeforeTheEntriesAreRead) {
    ZipBuilder builder;
    builder.Add("0502.xml", Valid0502());
    auto xml = ReadMessageXml(builder.Build(/*claimed_entries=*/60000));
    ASSERT_FALSE(xml.ok());
    EXPECT_NE(xml.status().message().find("60000 entries"), std::string::npos)
        << xml.status().ToString();

    ZipBuilder many;
    for (int i = 0; i < 1100; ++i) many.Add("f" + std::to_string(i) + ".txt", "x");
    auto refused = ReadMessageXml(many.Add("0502.xml", Valid0502()).Build());
    ASSERT_FALSE(refused.ok());
    EXPECT_EQ(refused.status().reason(), "unsafe-zip");
}

TEST(XdomeaZip, ExpansionBombIsRefused) {
    // 20 MB of zeros deflate to about 20 KB: a ratio of about 1000.
    std::string zeros(20u << 20, '\0');
    auto xml = ReadMessageXml(ZipBuilder().Add("0502.xml", zeros, true).Build());
    ASSERT_FALSE(xml.ok());
    EXPECT_EQ(xml.status().reason(), "unsafe-zip") << xml.status().ToString();
}

TEST(XdomeaZip, EntryThatLiesAboutItsSizeStopsAtTheLimit) {
    ZipLimits limits;
    limits.max_entry_bytes = 1 << 20;
    limits.max_ratio = 100000;
    std::string zeros(8u << 20, 'a');
    auto xml =
        ReadMessageXml(ZipBuilder().Add("0502.xml", zeros, true, /*claimed=*/100).Build(), limits);
    ASSERT_FALSE(xml.ok());
    EXPECT_NE(xml.status().message().find("expands past"), std::string::npos)
        << xml.status().ToString();
}

TEST(XdomeaZip, NoneOrSeveralMessageXmlsAreRefused) {
    EXPECT_EQ(ReadMessageXml(ZipBuilder().Add("a.txt", "x").Build()).status().reason(),
              "invalid-zip");
    EXPECT_EQ(ReadMessageXml(ZipBuilder().Add("a.xml", "<a/>").Add("b.xml", "<b/>").Build())
                  .status()
                  .reason(),
              "invalid-zip");
    EXPECT_EQ(ReadMessageXml("PK\x03\x04 not really a zip").status().reason(), "invalid-zip");
}

TEST(XdomeaZip, WrittenZipHoldsItsEntriesFlatAndUnzipAgrees) {
    test_support::TempDir dir;
    {
        std::ofstream(dir.Sub("m.xml")) << Valid0502();
        std::ofstream(dir.Sub("p.pdf")) << "%PDF-1.4 Inhalt";
    }
    auto zip = ZipWriter::Create(dir.Sub("out.zip"), false);
    ASSERT_TRUE(zip.ok());
    AKTENWERK_ASSERT_OK((*zip)->AddFile("nachricht.xml", dir.Sub("m.xml"), true, 1773565200000));
    AKTENWERK_ASSERT_OK((*zip)->AddFile(kObjekt + ".pdf", dir.Sub("p.pdf"), false, 1773565200000));
    AKTENWERK_ASSERT_OK((*zip)->Finish());

    auto names = ListZipEntries(dir.Sub("out.zip"));
    ASSERT_TRUE(names.ok());
    EXPECT_EQ(names->size(), 2u);
    auto test = test_support::RunCommand({"unzip", "-t", dir.Sub("out.zip")});
    EXPECT_EQ(test.exit_code, 0) << test.output;
    auto xml = ReadMessageXml(ReadFile(dir.Sub("out.zip")));
    ASSERT_TRUE(xml.ok()) << xml.status().ToString();
    EXPECT_EQ(*xml, Valid0502());
}

TEST(XdomeaZip, EmptyEntriesAndZip64HeadersAreReadableByUnzip) {
    test_support::TempDir dir;
    {
        std::ofstream(dir.Sub("leer.txt"));
        std::ofstream(dir.Sub("m.xml")) << Valid0502();
    }
    auto zip = ZipWriter::Create(dir.Sub("out.zip"), /*zip64=*/true);
    ASSERT_TRUE(zip.ok());
    for (int i = 0; i < 3; ++i) {
        AKTENWERK_ASSERT_OK((*zip)->AddFile(kObjekt.substr(0, 35) + std::to_string(i) + ".txt",
                                            dir.Sub("leer.txt"), true, 1773565200000));
    }
    AKTENWERK_ASSERT_OK((*zip)->AddFile("nachricht.xml", dir.Sub("m.xml"), true, 1773565200000));
    AKTENWERK_ASSERT_OK((*zip)->Finish());

    auto test = test_support::RunCommand({"unzip", "-t", dir.Sub("out.zip")});
    EXPECT_EQ(test.exit_code, 0) << test.output;
    auto names = ListZipEntries(dir.Sub("out.zip"));
    ASSERT_TRUE(names.ok()) << names.status().ToString();
    EXPECT_EQ(names->size(), 4u);
    EXPECT_FALSE(std::filesystem::exists(dir.Sub("out.zip.verzeichnis")))
        << "the side file of the central directory is gone";
}

// Writing

TEST(XdomeaWriter, WrittenKopfIsValidForOurValidatorAndForXmllint) {
    test_support::TempDir dir;
    const std::string path = dir.Sub(PackageBaseName(kProzess, "0505") + ".xml");
    auto w = XmlWriter::Create(path, Version::k3_1_0);
    ASSERT_TRUE(w.ok());
    (*w)->StartRoot(RootElement("0505"), Family::kAussonderung);
    Kopf kopf{kProzess,
              "0505",
              1773565200000,
              {"psw", "12345", "Stadt Musterstadt", "Registratur"},
              {"", "", "Landesarchiv Musterland", ""},
              "aktenwerk-1",
              "0.1.0",
              "Umlaute: äöüß <&>"};
    WriteKopfStart(**w, kopf, Version::k3_1_0);
    (*w)->End();
    (*w)->End();
    AKTENWERK_ASSERT_OK((*w)->Finish());

    AKTENWERK_EXPECT_OK(ValidateMessageFile(path, Family::kAussonderung, Version::k3_1_0).status());
    auto xmllint = test_support::RunCommand(
        {"xmllint", "--noout", "--schema",
         SchemaDir() + "/3.1.0/xdomea-Nachrichten-AussonderungDurchfuehren.xsd", path});
    EXPECT_EQ(xmllint.exit_code, 0) << xmllint.output;
    auto in = ReceiveMessage(ReadFile(path), Family::kAussonderung);
    ASSERT_TRUE(in.ok()) << in.status().ToString();
    EXPECT_EQ(in->kopf.absender.behoerdenschluessel, "12345");
    EXPECT_EQ(in->kopf.absender.praefix, "psw");
}

TEST(XdomeaWriter, FileThatBreaksTheSchemaIsCaughtBeforeItIsOffered) {
    test_support::TempDir dir;
    const std::string path = dir.Sub("bad.xml");
    auto w = XmlWriter::Create(path, Version::k3_1_0);
    ASSERT_TRUE(w.ok());
    (*w)->StartRoot(RootElement("0505"), Family::kAussonderung);
    (*w)->Start("Kopf");
    (*w)->Element("ProzessID", "keine-uuid");
    (*w)->End();
    (*w)->End();
    AKTENWERK_ASSERT_OK((*w)->Finish());

    Status s = ValidateMessageFile(path, Family::kAussonderung, Version::k3_1_0).status();
    ExpectInvalid(s, "xdomea:ProzessID");
}

// Code lists

// The rows (code, name) of a genericode code list.
std::vector<std::pair<std::string, std::string>> CodeListRows(const std::string& file) {
    auto doc = XmlDocument::Parse(
        ReadFile(std::string(AKTENWERK_SOURCE_DIR) + "/retention/xdomea/codelists/" + file));
    std::vector<std::pair<std::string, std::string>> rows;
    if (!doc.ok()) return rows;
    for (XmlNode row : Children(Child(doc->root(), "SimpleCodeList"), "Row")) {
        auto values = Children(row, "Value");
        if (values.size() >= 2) {
            rows.emplace_back(Text(Child(values[0], "SimpleValue")),
                              Text(Child(values[1], "SimpleValue")));
        }
    }
    return rows;
}

TEST(XdomeaCodes, EveryFormatCodeWeEmitIsInTheCodeList) {
    std::set<std::string> codes;
    for (const auto& [code, name] : CodeListRows("Dateiformat_1.0.xml")) codes.insert(code);
    ASSERT_GT(codes.size(), 40u);
    const std::vector<std::pair<std::string, std::string>> files = {
        {"application/pdf", "a.pdf"},
        {"text/plain", "a.txt"},
        {"text/plain", "a.csv"},
        {"text/html", "a.htm"},
        {"text/html", "a.html"},
        {"image/jpeg", "a.jpeg"},
        {"image/jpeg", "a.jpg"},
        {"image/tiff", "a.tif"},
        {"image/png", "a.png"},
        {"application/zip", "a.docx"},
        {"application/zip", "a.odt"},
        {"application/xml", "a.xml"},
        {"application/octet-stream", "a.msg"},
        {"application/x-foo", "a.foo"}};
    for (const auto& [mime, name] : files) {
        SCOPED_TRACE(mime + " " + name);
        EXPECT_TRUE(codes.count(DateiformatFor(mime, name).code));
    }
    EXPECT_EQ(DateiformatFor("application/zip", "a.docx").code, "035");
    EXPECT_EQ(DateiformatFor("application/x-foo", "a.foo").code, "100");
    EXPECT_EQ(DateiformatFor("application/x-foo", "a.foo").sonstiger_name, "application/x-foo");
}

TEST(XdomeaCodes, MessageNamesMatchTheCodeList) {
    auto rows = CodeListRows("Nachrichtentyp_2.0.xml");
    ASSERT_GT(rows.size(), 50u);
    size_t compared = 0;
    for (const auto& [code, name] : rows) {
        if (NachrichtenName(code).empty()) continue;
        EXPECT_EQ(NachrichtenName(code), name) << code;
        ++compared;
    }
    EXPECT_EQ(compared, 53u);  // with the Fachverfahrensdaten 0601-0632 (issue #10)
    EXPECT_EQ(CodeOfRoot("Aussonderung.Bewertungsverzeichnis.0502"), "0502");
    EXPECT_EQ(CodeOfRoot("Aussonderung.Bewertungsverzeichnis.0503"), "");
}

}  // namespace
}  // namespace aktenwerk::retention::xdomea
