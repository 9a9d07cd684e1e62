// Tests of the limits for untrusted XML and archives: external entities, billion laughs and
// any other DOCTYPE are refused before anything is expanded; archive names that leave their
// folder, entry floods and expansion bombs are refused.
#include "dms/untrusted_input.h"

#include <string>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace aktenwerk::dms {
namespace {

constexpr std::string_view kXdomeaLike =
    R"(<?xml version="1.0" encoding="UTF-8"?>
<xdomea:Aussonderung.Anbieteverzeichnis.0501 xmlns:xdomea="urn:xoev-de:xdomea:schema:3.1.0">
  <xdomea:Kopf><xdomea:ProzessID>1</xdomea:ProzessID></xdomea:Kopf>
</xdomea:Aussonderung.Anbieteverzeichnis.0501>)";

TEST(ParseUntrustedXml, AnOrdinaryMessageParses) {
    auto doc = ParseUntrustedXml(kXdomeaLike);
    ASSERT_TRUE(doc.ok()) << doc.status().ToString();
    EXPECT_STREQ(reinterpret_cast<const char*>(xmlDocGetRootElement(doc->get())->name),
                 "Aussonderung.Anbieteverzeichnis.0501");
}

TEST(ParseUntrustedXml, AnExternalEntityIsRefusedAndTheFileNeverRead) {
    test_support::TempDir dir;
    const std::string secret = dir.Sub("geheim.txt");
    FILE* f = std::fopen(secret.c_str(), "w");
    std::fputs("GEHEIMER-INHALT", f);
    std::fclose(f);
    std::string xml = "<?xml version=\"1.0\"?><!DOCTYPE a [<!ENTITY x SYSTEM \"file://" + secret +
                      "\">]><a>&x;</a>";

    auto doc = ParseUntrustedXml(xml);

    ASSERT_FALSE(doc.ok());
    EXPECT_EQ(doc.status().reason(), "xml-dtd");
    EXPECT_EQ(doc.status().message().find("GEHEIM"), std::string::npos);
}

TEST(ParseUntrustedXml, BillionLaughsAreRefusedWithoutExpansion) {
    std::string xml = "<?xml version=\"1.0\"?><!DOCTYPE lolz [<!ENTITY lol \"lol\">";
    for (int i = 1; i <= 9; ++i) {
        std::string prev = i == 1 ? "lol" : "lol" + std::to_string(i - 1);
        std::string refs;
        for (int k = 0; k < 10; ++k) refs += "&" + prev + ";";
        xml += "<!ENTITY lol" + std::to_string(i) + " \"" + refs + "\">";
    }
    xml += "]><lolz>&lol9;</lolz>";

    auto doc = ParseUntrustedXml(xml);

    ASSERT_FALSE(doc.ok());
    EXPECT_EQ(doc.status().reason(), "xml-dtd");
}

TEST(ParseUntrustedXml, AnExternalDtdAndAParameterEntityAreRefused) {
    EXPECT_EQ(
        ParseUntrustedXml("<!DOCTYPE a SYSTEM \"http://127.0.0.1:9/x.dtd\"><a/>").status().reason(),
        "xml-dtd");
    EXPECT_EQ(ParseUntrustedXml("<!DOCTYPE a [<!ENTITY % p SYSTEM \"file:///etc/passwd\"> %p;]>"
                                "<a/>")
                  .status()
                  .reason(),
              "xml-dtd");
}

TEST(ParseUntrustedXml, DeepNestingAndOversizedInputAreRefused) {
    std::string deep;
    for (int i = 0; i < 200; ++i) deep += "<a>";
    for (int i = 0; i < 200; ++i) deep += "</a>";
    EXPECT_FALSE(ParseUntrustedXml(deep).ok());
    EXPECT_EQ(ParseUntrustedXml(kXdomeaLike, XmlLimits{100, 128}).status().reason(),
              "xml-too-large");
    EXPECT_EQ(ParseUntrustedXml("<a><b><c/></b></a>", XmlLimits{1000, 2}).status().reason(),
              "xml-too-large");
}

TEST(ParseUntrustedXml, MalformedXmlIsRefused) {
    for (std::string_view bad : {"", "<a>", "<a></b>", "kein xml", "<a>\xff</a>"}) {
        SCOPED_TRACE(std::string(bad));
        EXPECT_EQ(ParseUntrustedXml(bad).status().reason(), "malformed-xml");
    }
}

TEST(CheckArchiveEntryName, NamesThatLeaveTheirFolderAreRefused) {
    for (std::string_view bad : {"../etc/passwd", "a/../../b", "/etc/passwd", "C:/Windows/x",
                                 "a\\..\\b", "a//b", "./a", "a/./b", "",
                                 "a\x01"
                                 "b",
                                 "Stra\xdf"
                                 "e"}) {
        SCOPED_TRACE(std::string(bad));
        EXPECT_EQ(CheckArchiveEntryName(bad).reason(), "unsafe-entry-name");
    }
    for (std::string_view good :
         {"0503.xml", "Akte/Vorgang/Antrag Müller.pdf", "ordner/", "a..b"}) {
        SCOPED_TRACE(std::string(good));
        EXPECT_TRUE(CheckArchiveEntryName(good).ok());
    }
}

TEST(ArchiveBudget, AnExpansionBombIsRefusedEvenWhenItsHeaderLies) {
    ArchiveBudget honest;
    EXPECT_EQ(honest.Admit("bomb.bin", 10'000, uint64_t{4} << 30).reason(), "archive-too-large");

    ArchiveBudget lied_to;
    ASSERT_TRUE(lied_to.Admit("harmlos.txt", 10'000, 20'000).ok());
    EXPECT_TRUE(lied_to.Inflated(10'000, 20'000).ok());
    EXPECT_EQ(lied_to.Inflated(10'000, 50 << 20).reason(), "archive-too-large");
}

TEST(ArchiveBudget, TooManyEntriesOrTooMuchInTotalAreRefused) {
    ArchiveBudget budget(ZipLimits{3, 1000, 200});
    for (int i = 0; i < 3; ++i) EXPECT_TRUE(budget.Admit("f" + std::to_string(i), 10, 10).ok());
    EXPECT_EQ(budget.Admit("f3", 10, 10).reason(), "archive-too-large");

    ArchiveBudget total(ZipLimits{100, 1000, 200});
    ASSERT_TRUE(total.Admit("a", 600, 600).ok());
    ASSERT_TRUE(total.Inflated(600, 600).ok());
    EXPECT_EQ(total.Admit("b", 600, 600).reason(), "archive-too-large");
}

}  // namespace
}  // namespace aktenwerk::dms
