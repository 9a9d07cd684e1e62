// The one wrapper over OpenSSL's CMS, X509 and TS APIs: the server's signing identity,
// detached CMS signatures and their verification, and RFC 3161 timestamps. Everything
// crypto in the server goes through here, so that no other file touches OpenSSL's signing
// APIs. Key material never leaves this file: no accessor returns the private key and no
// message or log line holds it.
#pragma once

#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

namespace aktenwerk::dms {

// How a signature was found when it was checked.
enum class SignaturErgebnis {
    kGueltig,                   // the content matches and the signer chains to a trust anchor
    kUngueltig,                 // the content or the signature itself does not match
    kUnbekannterUnterzeichner,  // intact, but the signer is not trusted
    kZertifikatAbgelaufen,      // intact and trusted, but the certificate was not valid then
};

// Stable API names: "gueltig", "ungueltig", "unbekannter-unterzeichner",
// "zertifikat-abgelaufen".
std::string_view SignaturErgebnisName(SignaturErgebnis e);

// What a check of one CMS signature found.
struct SignaturPruefung {
    SignaturErgebnis ergebnis = SignaturErgebnis::kUngueltig;
    std::string unterzeichner;      // the signer certificate's subject, one line
    std::string zertifikat_sha256;  // SHA-256 of the signer certificate (DER), hex
    int64_t signaturzeit = 0;       // the signing-time attribute, ms since the epoch; 0: none
    std::string detail;             // why it is not valid, for people
};

// A set of trusted certificates (PEM bundle files). Thread-safe after construction.
class TrustStore {
  public:
    TrustStore();
    ~TrustStore();
    TrustStore(const TrustStore&) = delete;
    TrustStore& operator=(const TrustStore&) = delete;

    // Adds every certificate of a PEM file. kInvalidArgument when it holds none or cannot
    // be read.
    Status AddPemFile(const std::string& path);
    // Adds a DER certificate.
    Status AddDer(std::string_view der);
    size_t size() const { return count_; }

    // The OpenSSL X509_STORE*, for this file's implementation only.
    void* native() const { return store_; }

  private:
    void* store_;
    size_t count_ = 0;
};

// The server's key and certificate (with its chain). Immutable after loading; thread-safe.
class SigningIdentity {
  public:
    ~SigningIdentity();
    SigningIdentity(const SigningIdentity&) = delete;
    SigningIdentity& operator=(const SigningIdentity&) = delete;

    // Loads a PEM private key and a PEM certificate file (the certificate first, then its
    // chain). kInvalidArgument when either is unreadable or the key does not belong to the
    // certificate. The error messages name the files, never their content.
    static Result<std::unique_ptr<SigningIdentity>> LoadPem(const std::string& key_file,
                                                            const std::string& cert_file);
    // Loads a PKCS#12 file with `password`. kInvalidArgument on a wrong password or file.
    static Result<std::unique_ptr<SigningIdentity>> LoadPkcs12(const std::string& file,
                                                               const std::string& password);
    // Loads DIR/identity/server-key.pem and server-cert.pem, or creates them first: a new
    // P-256 key (file mode 0600) and a self-signed certificate valid for ten years from
    // `now_millis`, named "Aktenwerk Server <common_name>".
    static Result<std::unique_ptr<SigningIdentity>> LoadOrCreateSelfSigned(
        const std::string& data_dir, const std::string& common_name, int64_t now_millis);

    // A detached CMS SignedData (DER) over `data`: SHA-256, the signing-time attribute,
    // the signer certificate and its chain included.
    Result<std::string> SignDetached(std::string_view data) const;
    // The same over the content of a file, streamed (for blobs of any size).
    Result<std::string> SignDetachedFile(const std::string& path) const;

    // The certificate, DER and PEM, and the SHA-256 of the DER as hex.
    const std::string& certificate_der() const { return cert_der_; }
    std::string CertificatePem() const;
    const std::string& fingerprint() const { return fingerprint_; }
    std::string Subject() const;

  private:
    SigningIdentity(void* key, void* cert, void* chain);

    void* key_;    // EVP_PKEY*
    void* cert_;   // X509*
    void* chain_;  // STACK_OF(X509)*
    std::string cert_der_;
    std::string fingerprint_;
};

// Checks a detached CMS signature (DER or PEM) over the content of the file at
// `content_path`, or an enveloping one (its content inside) when `content_path` is empty.
// The signer must chain to `trust` at `at_millis`. Never fails: a malformed signature is
// kUngueltig with the reason in `detail`. `enveloped_content`, when given, receives the
// content of an enveloping signature.
SignaturPruefung VerifyCms(std::string_view cms, const std::string& content_path,
                           const TrustStore& trust, int64_t at_millis,
                           std::string* enveloped_content = nullptr);

// Same for content held in memory.
SignaturPruefung VerifyCmsData(std::string_view cms, std::string_view content,
                               const TrustStore& trust, int64_t at_millis);

// True when `bytes` parse as a CMS SignedData (DER, or PEM "-----BEGIN CMS-----"/PKCS7).
bool LooksLikeCms(std::string_view bytes);

// Standard base64 (with padding) of `data`, and back; DecodeBase64 returns nullopt for
// anything that is not well-formed base64.
std::string EncodeBase64(std::string_view data);
std::optional<std::string> DecodeBase64(std::string_view text);

// RFC 3161: asks the authority at `tsa_url` (http://host:port/path) for a timestamp over
// the SHA-256 of `data`, with a random nonce and its certificate requested. Returns the
// TimeStampToken (DER, a CMS SignedData). kUnavailable when the authority cannot be reached
// or answers with an error status; kCorruption when the answer does not match the request.
Result<std::string> RequestTimestamp(const std::string& tsa_url, std::string_view data,
                                     int timeout_seconds = 10);

// Checks a TimeStampToken over `data`: the imprint must be the SHA-256 of `data` and the
// token's signature intact; when `trust` holds certificates, the authority must chain to
// them. Returns the time the authority certified (ms since the epoch) or kCorruption with
// what is wrong.
Result<int64_t> VerifyTimestamp(std::string_view token, std::string_view data,
                                const TrustStore* trust);

}  // namespace aktenwerk::dms
