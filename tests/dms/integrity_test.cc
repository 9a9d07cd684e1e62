// Tests of the integrity services on a real repository: server signatures checked by
// `openssl cms -verify`, signatures made by the openssl command line and attached, RFC 3161
// timestamps from a loopback authority run on `openssl ts -reply` and checked with
// `openssl ts -verify`, evidence paths, and what destruction leaves behind.
#include "dms/integrity.h"

#include <sys/stat.h>

#include <chrono>
#include <fstream>
#include <sstream>

#include <gtest/gtest.h>

#include "dms/evidence.h"
#include "dms/keys.h"
#include "tests/support/records_fixture.h"
#include "tests/support/server_process.h"
#include "tests/support/signed_pdf.h"
#include "tests/support/tsa_responder.h"

namespace aktenwerk::dms {
namespace {

using test_support::CommandResult;
using test_support::ExpectRefused;
using test_support::RunCommand;

void WriteFile(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

CommandResult Shell(const std::string& command) {
    return RunCommand({"/bin/sh", "-c", command + " 2>&1"}, {}, std::chrono::seconds(30));
}

class IntegrityTest : public test_support::RecordsFixture {
  protected:
    void SetUp() override {
        RecordsFixture::SetUp();
        MakeCa();
        // The openssl command line dates its certificates by the real clock: the clock is
        // set after they were made, or they would not be valid yet.
        clock_.SetMillis(std::chrono::duration_cast<std::chrono::milliseconds>(
                             std::chrono::system_clock::now().time_since_epoch())
                             .count());
        dokument_ = Dokument(Vorgang(Akte(Unit("32").id).id).id, "Bescheid vom 3. März");
    }
    void TearDown() override {
        integrity_.reset();
        identity_.reset();
    }

    void OpenIntegrity(IntegrityOptions options = {}) {
        integrity_.reset();
        if (!identity_) {
            identity_ = Must(SigningIdentity::LoadOrCreateSelfSigned(dir_.Sub("data"), "test",
                                                                     clock_.NowMillis()));
        }
        options.trust_anchor_files.push_back(dir_.Sub("ca.pem"));
        integrity_ = Must(IntegrityService::Open(repo_.get(), identity_.get(), options));
    }

    // A CA and a signer below it, valid from now for `days`, by the openssl command line.
    void MakeCa() {
        const std::string d = dir_.path();
        ASSERT_EQ(Shell("cd " + d +
                        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
                        " -keyout ca.key -out ca.pem -days 30 -subj '/CN=Test CA'"
                        " && openssl req -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
                        " -keyout signer.key -out signer.csr -subj '/CN=Erika Mustermann'"
                        " && openssl x509 -req -in signer.csr -CA ca.pem -CAkey ca.key"
                        " -CAcreateserial -days 2 -out signer.pem"
                        " && openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:P-256 -nodes"
                        " -keyout stranger.key -out stranger.pem -days 30 -subj '/CN=Fremd'")
                      .exit_code,
                  0);
    }

    // A signature of `content` by the openssl command line: detached unless `enveloping`.
    std::string OpensslSign(const std::string& content, const std::string& who = "signer",
                            bool enveloping = false) {
        WriteFile(dir_.Sub("to-sign"), content);
        CommandResult r = Shell("cd " + dir_.path() + " && openssl cms -sign -binary -md sha256" +
                                (enveloping ? " -nodetach" : "") + " -in to-sign -signer " + who +
                                ".pem -inkey " + who + ".key -outform DER -out sig.p7s");
        EXPECT_EQ(r.exit_code, 0) << r.output;
        return ReadFile(dir_.Sub("sig.p7s"));
    }

    std::string SignedPdf(const std::string& who, size_t start = 0) {
        return test_support::SignedPdf(dir_.path(), dir_.Sub(who + ".pem"), dir_.Sub(who + ".key"),
                                       start);
    }

    std::string ContentPath() {
        return repo_->blobs().PathFor(Must(repo_->GetVersion(admin_, dokument_.id, 1)).sha256);
    }

    Objekt dokument_;
    std::unique_ptr<SigningIdentity> identity_;
    std::unique_ptr<IntegrityService> integrity_;
};

TEST_F(IntegrityTest, ServerSignatureOfAVersionIsAcceptedByOpensslCmsVerify) {
    OpenIntegrity();
    VersionSignatur sig = Must(integrity_->SignVersion(user_, dokument_.id, 1));
    EXPECT_EQ(sig.ergebnis, "gueltig");
    EXPECT_GT(sig.signaturzeit, 0);

    WriteFile(dir_.Sub("server.p7s"), sig.cms);
    WriteFile(dir_.Sub("server.pem"), identity_->CertificatePem());
    CommandResult r = Shell("openssl cms -verify -binary -inform DER -in " +
                            dir_.Sub("server.p7s") + " -content " + ContentPath() + " -CAfile " +
                            dir_.Sub("server.pem") + " -purpose any -out /dev/null");
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Verification successful"), std::string::npos) << r.output;
    EXPECT_EQ(Aktionen(dokument_.id).back(), "signiert");
}

TEST_F(IntegrityTest, AttachedSignaturesAreRecordedWithTheirResult) {
    OpenIntegrity();
    const std::string content = "Bescheid vom 3. März";
    struct Row {
        std::string name;
        std::string cms;
        std::string expected;
    };
    const std::vector<Row> rows = {
        {"detached by a trusted signer", OpensslSign(content), "gueltig"},
        {"enveloping by a trusted signer", OpensslSign(content, "signer", true), "gueltig"},
        {"over other content", OpensslSign("Bescheid vom 4. März"), "ungueltig"},
        {"by an unknown signer", OpensslSign(content, "stranger"), "unbekannter-unterzeichner"},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        VersionSignatur sig = Must(integrity_->AttachSignature(user_, dokument_.id, 1, row.cms));
        EXPECT_EQ(sig.ergebnis, row.expected) << sig.detail;
        EXPECT_EQ(sig.art, "beigefuegt");
    }
    EXPECT_EQ(Must(integrity_->Signatures(user_, dokument_.id, 1)).size(), rows.size());
}

TEST_F(IntegrityTest, SignaturesInsideAnUploadedPdfAreCheckedAndRecorded) {
    OpenIntegrity();
    const std::string pdf = SignedPdf("signer");
    std::string changed = pdf;
    changed[changed.find("/Count 0") + 7] = '1';
    // An incremental update that redefines the page tree after signing.
    const std::string update = "2 0 obj\n<< /Type /Pages /Kids [] /Count 3 >>\nendobj\n%%EOF\n";
    struct Row {
        std::string name;
        std::string content;
        std::string expected;
        uint64_t appended;
        std::string detail;  // a part of the detail
    };
    const std::vector<Row> rows = {
        {"as signed", pdf, "gueltig", 0, ""},
        {"a signed byte changed", changed, "ungueltig", 0, "does not match"},
        {"by an unknown signer", SignedPdf("stranger"), "unbekannter-unterzeichner", 0, ""},
        {"with a page redefined after signing", pdf + update, "gueltig", update.size(),
         "document changed after signing"},
        {"with its first 100 bytes unsigned", SignedPdf("signer", 100), "ungueltig", 0,
         "does not start at the beginning"},
        {"truncated", pdf.substr(0, pdf.size() - 20), "ungueltig", 0, "beyond the end"},
    };
    for (const auto& row : rows) {
        SCOPED_TRACE(row.name);
        ASSERT_FALSE(row.content.empty());
        Objekt doc = Dokument(dokument_.parent_id, row.content, "signiert.pdf");
        auto found = Must(integrity_->CheckArrivedContent(user_, doc.id, 1));
        ASSERT_EQ(found.size(), 1u);
        EXPECT_EQ(found[0].format, "pdf-signatur");
        EXPECT_EQ(found[0].ergebnis, row.expected) << found[0].detail;
        EXPECT_EQ(found[0].nachtraeglich, row.appended);
        EXPECT_EQ(ToJson(found[0])["geaendert_nach_signatur"], row.appended > 0);
        EXPECT_NE(found[0].detail.find(row.detail), std::string::npos) << found[0].detail;
        if (row.appended == 0) {
            EXPECT_EQ(found[0].detail.find("changed after"), std::string::npos) << found[0].detail;
        }
        EXPECT_EQ(Must(integrity_->Signatures(user_, doc.id, 1)).size(), 1u);
        EXPECT_EQ(Must(integrity_->Signatures(user_, doc.id, 1))[0].nachtraeglich, row.appended);
    }
    VerifyOptions vo;
    vo.trust = &integrity_->trust();
    IntegrityReport report = Must(VerifyRepository(repo_->metadata(), repo_->blobs(), vo, {}));
    EXPECT_TRUE(report.ok()) << ToJson(report).dump();
    EXPECT_EQ(report.signaturen, rows.size());

    // A PDF without signatures has none to record.
    Objekt plain = Dokument(dokument_.parent_id, "%PDF-1.7\n%%EOF\n", "ohne.pdf");
    EXPECT_TRUE(Must(integrity_->CheckArrivedContent(user_, plain.id, 1)).empty());
}

TEST_F(IntegrityTest, SignatureWhoseCertificateHasExpiredIsRecordedSo) {
    OpenIntegrity();
    const std::string cms = OpensslSign("Bescheid vom 3. März");
    clock_.Advance(int64_t{10} * 24 * 3600 * 1000);  // the signer's certificate ran for 2 days
    VersionSignatur sig = Must(integrity_->AttachSignature(user_, dokument_.id, 1, cms));
    EXPECT_EQ(sig.ergebnis, "zertifikat-abgelaufen");
}

TEST_F(IntegrityTest, ServerDoesNotSignWithAnExpiredCertificate) {
    OpenIntegrity();
    clock_.Advance(int64_t{3660} * 24 * 3600 * 1000);  // its certificate runs for ten years
    ExpectRefused(integrity_->SignVersion(user_, dokument_.id, 1).status(),
                  StatusCode::kFailedPrecondition, "certificate-expired");
    EXPECT_TRUE(Keys(keys::DokumentSignaturPrefix(dokument_.id)).empty());
}

TEST_F(IntegrityTest, ContentThatIsNoSignatureIsRefused) {
    OpenIntegrity();
    ExpectRefused(integrity_->AttachSignature(user_, dokument_.id, 1, "kein CMS").status(),
                  StatusCode::kInvalidArgument, "not-a-signature");
}

TEST_F(IntegrityTest, TimestampsFromALocalAuthorityPassOpensslTsVerify) {
    test_support::TsaResponder tsa;
    ASSERT_TRUE(tsa.ok()) << tsa.error();
    IntegrityOptions options;
    options.tsa_url = tsa.url();
    options.tsa_trust_files = {tsa.cert_file()};
    OpenIntegrity(options);

    VersionSignatur sig = Must(integrity_->SignVersion(user_, dokument_.id, 1));
    ASSERT_FALSE(sig.zeitstempel.empty());
    EXPECT_EQ(Must(integrity_->SealAuditHead()) > 0, true);
    EXPECT_EQ(tsa.answered(), 2);

    WriteFile(dir_.Sub("sig.p7s"), sig.cms);
    WriteFile(dir_.Sub("sig.tst"), sig.zeitstempel);
    CommandResult r = Shell("openssl ts -verify -token_in -in " + dir_.Sub("sig.tst") + " -data " +
                            dir_.Sub("sig.p7s") + " -CAfile " + tsa.cert_file());
    EXPECT_EQ(r.exit_code, 0) << r.output;
    EXPECT_NE(r.output.find("Verification: OK"), std::string::npos) << r.output;

    VerifyOptions vo;
    vo.tsa_trust = &integrity_->tsa_trust();
    IntegrityReport report = Must(VerifyRepository(repo_->metadata(), repo_->blobs(), vo, {}));
    EXPECT_TRUE(report.ok()) << ToJson(report).dump();
    EXPECT_EQ(report.zeitstempel, 2u);
    integrity_.reset();  // its last seal asks the authority, which ends with this test
}

TEST_F(IntegrityTest, DestroyedVersionLeavesNoSignatureOrEvidenceButOthersKeepTheirProof) {
    OpenIntegrity();
    Objekt other = Dokument(dokument_.parent_id, "Anlage zum Bescheid", "anlage.txt");
    Must(integrity_->SignVersion(user_, dokument_.id, 1));
    Must(integrity_->SignVersion(user_, other.id, 1));
    ASSERT_GT(Must(integrity_->SealEvidence()), 0u);
    ASSERT_EQ(Keys(keys::DokumentEvidenzPrefix(dokument_.id)).size(), 1u);

    Must(repo_->Delete(user_, dokument_.id, "Fehlablage"));

    EXPECT_TRUE(Keys(keys::DokumentSignaturPrefix(dokument_.id)).empty());
    EXPECT_TRUE(Keys(keys::DokumentEvidenzPrefix(dokument_.id)).empty());
    EXPECT_EQ(Keys(keys::DokumentSignaturPrefix(other.id)).size(), 1u);
    IntegrityReport report = Must(VerifyRepository(repo_->metadata(), repo_->blobs(), {}, {}));
    EXPECT_TRUE(report.ok()) << ToJson(report).dump();
    EXPECT_EQ(report.evidenzpfade, 1u);
    EXPECT_EQ(report.signaturen, 1u);
}

TEST_F(IntegrityTest, EvidencePathsLeadToTheSignedRootOfTheirTree) {
    OpenIntegrity();
    for (int i = 0; i < 4; ++i) Dokument(dokument_.parent_id, "Anlage " + std::to_string(i));
    ASSERT_EQ(Must(integrity_->SealEvidence()), 1u);
    EXPECT_EQ(Must(integrity_->SealEvidence()), 0u);  // nothing new
    AddVersion(dokument_.id, "Bescheid, berichtigt");
    ASSERT_EQ(Must(integrity_->SealEvidence()), 2u);

    IntegrityReport report = Must(VerifyRepository(repo_->metadata(), repo_->blobs(), {}, {}));
    EXPECT_TRUE(report.ok()) << ToJson(report).dump();
    EXPECT_EQ(report.evidenzpfade, 6u);

    // A path altered by one step no longer reaches the root.
    const std::string key = keys::EvidenzPath(dokument_.id, 1);
    auto raw = Must(repo_->metadata().Get(key));
    ASSERT_TRUE(raw.has_value());
    nlohmann::json j = Must(storage::DecodeValue(*raw));
    j["pfad"][0]["links"] = !j["pfad"][0]["links"].get<bool>();
    AKTENWERK_ASSERT_OK(repo_->metadata().Commit([&](storage::Txn& txn) {
        txn.Put(key, storage::EncodeValue(j));
        return Status::Ok();
    }));
    report = Must(VerifyRepository(repo_->metadata(), repo_->blobs(), {}, {}));
    ASSERT_EQ(report.fehler.size(), 1u) << ToJson(report).dump();
    EXPECT_NE(report.fehler[0].fehler.find("signed root"), std::string::npos);
}

TEST_F(IntegrityTest, SelfSignedIdentityIsKeptAndReloaded) {
    auto first = Must(SigningIdentity::LoadOrCreateSelfSigned(dir_.Sub("data"), "x", 0));
    auto again = Must(SigningIdentity::LoadOrCreateSelfSigned(dir_.Sub("data"), "x", 0));
    EXPECT_EQ(first->fingerprint(), again->fingerprint());
    struct stat st = {};
    ASSERT_EQ(::stat(dir_.Sub("data/identity/server-key.pem").c_str(), &st), 0);
    EXPECT_EQ(st.st_mode & 0077, 0u) << "the key must be readable by its owner only";
}

TEST_F(IntegrityTest, Pkcs12IdentityNeedsItsPassword) {
    ASSERT_EQ(Shell("cd " + dir_.path() +
                    " && openssl pkcs12 -export -inkey signer.key -in signer.pem -out id.p12"
                    " -passout pass:richtig")
                  .exit_code,
              0);
    auto loaded = Must(SigningIdentity::LoadPkcs12(dir_.Sub("id.p12"), "richtig"));
    EXPECT_NE(loaded->Subject().find("Erika Mustermann"), std::string::npos);
    auto refused = SigningIdentity::LoadPkcs12(dir_.Sub("id.p12"), "falsch");
    ExpectRefused(refused.status(), StatusCode::kInvalidArgument);
    EXPECT_EQ(refused.status().message().find("richtig"), std::string::npos);
}

}  // namespace
}  // namespace aktenwerk::dms
