// The integrity services of the records model: signed heads of the audit chain, signatures
// of versions (made by the server on request, or arriving with the document and checked),
// RFC 3161 timestamps over both, and the check of a whole repository (`aktenwerk verify`).
// Everything they keep is in the metadata store (keys.h, "sig/" and "ev/").
#pragma once

#include <condition_variable>
#include <cstdint>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "dms/clock.h"
#include "dms/principal.h"
#include "dms/signing.h"
#include "storage/blob_store.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

class Repository;

// One signature kept with a version.
struct VersionSignatur {
    std::string dokument_id;
    uint32_t nummer = 0;
    uint64_t index = 0;  // 1, 2, ... per version
    std::string art;     // "server" (made here) or "beigefuegt" (arrived with the document)
    // "cms-detached", "cms-enveloping" (its content inside), "cms-enveloping-inhalt" (the
    // version's content is the signature) or "pdf-signatur" (a signature dictionary of
    // the version's PDF)
    std::string format;
    std::string sha256;    // of the version's content at signing
    std::string cms;       // DER
    std::string ergebnis;  // SignaturErgebnisName at arrival (server signatures: "gueltig")
    std::string unterzeichner;
    std::string zertifikat_sha256;
    int64_t signaturzeit = 0;
    int64_t geprueft_am = 0;
    std::string detail;
    std::string zeitstempel;  // RFC 3161 token (DER) over the signature value; may be empty
    // pdf-signatur only: bytes appended to the PDF after the revision this signature signed
    // (an incremental update, which may redefine pages). `ergebnis` then judges the signed
    // revision only; the API shows `geaendert_nach_signatur`. 0: it covers the whole file.
    uint64_t nachtraeglich = 0;
};

// The API view of a signature (without the DER; that is served on its own).
nlohmann::json ToJson(const VersionSignatur& s);

struct IntegrityOptions {
    // PEM files of trusted certificates for signatures arriving with documents. The
    // server's own certificates are always trusted for its own signatures.
    std::vector<std::string> trust_anchor_files;
    // RFC 3161 authority (http://host:port/path); empty: no timestamps.
    std::string tsa_url;
    // PEM files of the authority's trusted certificates, for checking its tokens.
    std::vector<std::string> tsa_trust_files;
};

// Thread-safe. Owns no storage; `repo` and `identity` must outlive it.
class IntegrityService {
  public:
    // Records the identity's certificate among the server certificates (sig/cert/) and
    // loads the trust anchors. kInvalidArgument for unreadable anchor files.
    static Result<std::unique_ptr<IntegrityService>> Open(Repository* repo,
                                                          const SigningIdentity* identity,
                                                          IntegrityOptions options);
    // Stops the sealer and seals the head one last time.
    ~IntegrityService();

    // Signs the current head of the audit chain when it moved since the last seal: a CMS
    // over HeadText(seq, hash), timestamped when an authority is configured (the timestamp
    // covers the DER of the signature; a failed one is logged and the seal kept without). Returns
    // the sealed sequence (0 when the chain is empty).
    Result<uint64_t> SealAuditHead();
    // Gathers the versions without an evidence path into a new signed hash tree (see
    // evidence.h). Returns the tree's number, 0 when there was nothing new.
    Result<uint64_t> SealEvidence();
    // Seals the audit head and the evidence every `interval_ms` in a background thread until
    // Stop or destruction.
    void StartSealer(int64_t interval_ms);
    void Stop();

    // Signs version `nummer` of a Dokument with the server key (needs kRightWrite there),
    // stores the signature beside it with an audit entry, timestamped when configured.
    Result<VersionSignatur> SignVersion(const Principal& p, std::string_view dokument_id,
                                        uint32_t nummer);
    // Checks a signature that arrived with version `nummer` (a detached CMS over its
    // content, or an enveloping CMS whose content is the version's content) and records
    // the result with an audit entry. kInvalidArgument when `cms` is no CMS SignedData.
    Result<VersionSignatur> AttachSignature(const Principal& p, std::string_view dokument_id,
                                            uint32_t nummer, std::string_view cms);
    // Looks into the content of version `nummer` for signatures that came inside it: an
    // enveloping CMS (a .p7m) is the content itself; a signed PDF holds one per signature
    // dictionary (dms/pdf_signatur.h). Checks and records each as AttachSignature does and
    // returns them (empty: none found). A damaged signature dictionary is recorded as
    // "ungueltig" with its reason; one followed by later bytes gets `nachtraeglich`.
    // Content over 64 MiB is not looked into.
    Result<std::vector<VersionSignatur>> CheckArrivedContent(const Principal& p,
                                                             std::string_view dokument_id,
                                                             uint32_t nummer);
    // The signatures of a version (kRightRead).
    Result<std::vector<VersionSignatur>> Signatures(const Principal& p,
                                                    std::string_view dokument_id,
                                                    uint32_t nummer) const;

    // The text a signed audit head covers; also what an auditor checks with openssl.
    static std::string HeadText(uint64_t seq, std::string_view hash, int64_t zeit);

    const SigningIdentity& identity() const { return *identity_; }
    const TrustStore& trust() const { return *trust_; }
    const TrustStore& tsa_trust() const { return *tsa_trust_; }

  private:
    IntegrityService(Repository* repo, const SigningIdentity* identity, IntegrityOptions options);
    Result<VersionSignatur> Record(const Principal& p, VersionSignatur sig);
    std::string Timestamp(std::string_view signature_cms) const;
    void RunSealer(int64_t interval_ms);

    Repository* repo_;
    const SigningIdentity* identity_;
    IntegrityOptions options_;
    std::unique_ptr<TrustStore> trust_;      // anchors + server certificates
    std::unique_ptr<TrustStore> tsa_trust_;  // the authority's anchors
    std::mutex seal_mu_;                     // one seal at a time
    std::mutex mu_;
    std::condition_variable cv_;
    bool stopping_ = false;  // guarded by mu_
    std::thread sealer_;
};

// One thing `verify` found wrong.
struct IntegrityFault {
    std::string objekt;  // "blob <sha256>", "version <dokument>/<n>", "audit <seq>", ...
    std::string fehler;  // what is wrong
};

struct IntegrityReport {
    uint64_t blobs = 0;
    uint64_t bytes = 0;
    uint64_t versionen = 0;
    uint64_t audit_eintraege = 0;
    uint64_t siegel = 0;  // signed audit heads checked
    uint64_t signaturen = 0;
    uint64_t zeitstempel = 0;
    uint64_t evidenzpfade = 0;
    std::vector<IntegrityFault> fehler;
    bool ok() const { return fehler.empty(); }
};

nlohmann::json ToJson(const IntegrityReport& r);

// Progress of a long check: bytes hashed so far of `total`.
using VerifyProgress = std::function<void(uint64_t done, uint64_t total)>;

struct VerifyOptions {
    // Anchors for signatures that arrived with documents; the server certificates recorded
    // under sig/cert/ are trusted for the server's own signatures and seals.
    const TrustStore* trust = nullptr;
    const TrustStore* tsa_trust = nullptr;
    // Stop listing faults past this many (the counts still cover everything).
    size_t max_faults = 10'000;
};

// Checks a whole repository, read-only: every blob re-hashed against its name, every
// version's blob present and every reference count right, every audit entry's link and
// hash, every signed head (its signature, and that the chain reaches it with that hash),
// every version signature against the content, every timestamp and every evidence path.
// Returns the report; an error only when the store cannot be read at all.
// TODO(#7): object records are not compared with the state the audit trail gives them, so
// a record edited in the data directory (a Betreff, a signer's name in a signature record)
// passes, and so does a backup forged the same way with its unkeyed checksums recomputed.
Result<IntegrityReport> VerifyRepository(const storage::MetadataStore& store,
                                         const storage::BlobStore& blobs,
                                         const VerifyOptions& options,
                                         const VerifyProgress& progress);

}  // namespace aktenwerk::dms
