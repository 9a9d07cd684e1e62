// OpenSSL CMS, X509 and TS behind the Status model. Each OpenSSL object is owned by a
// unique_ptr with its free function, so that every early return releases what it holds.
#include "dms/signing.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cstdio>
#include <ctime>
#include <filesystem>

// pem.h before cms.h: cms.h declares its PEM functions only when pem.h came first.
#include <openssl/pem.h>

#include <openssl/bio.h>
#include <openssl/cms.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/http.h>
#include <openssl/pkcs12.h>
#include <openssl/rand.h>
#include <openssl/ts.h>
#include <openssl/x509.h>
#include <openssl/x509v3.h>

#include "storage/log.h"
#include "storage/sha256.h"

namespace aktenwerk::dms {
namespace {

using storage::Sha256Hex;

template <typename T, void (*Free)(T*)>
struct Deleter {
    void operator()(T* p) const { Free(p); }
};
void FreeBio(BIO* b) { BIO_free_all(b); }
void FreeX509Stack(STACK_OF(X509) * s) { sk_X509_pop_free(s, X509_free); }
using BioPtr = std::unique_ptr<BIO, Deleter<BIO, FreeBio>>;
using X509Ptr = std::unique_ptr<X509, Deleter<X509, X509_free>>;
using KeyPtr = std::unique_ptr<EVP_PKEY, Deleter<EVP_PKEY, EVP_PKEY_free>>;
using CmsPtr = std::unique_ptr<CMS_ContentInfo, Deleter<CMS_ContentInfo, CMS_ContentInfo_free>>;
using StackPtr = std::unique_ptr<STACK_OF(X509), Deleter<STACK_OF(X509), FreeX509Stack>>;
using StoreCtxPtr = std::unique_ptr<X509_STORE_CTX, Deleter<X509_STORE_CTX, X509_STORE_CTX_free>>;

const log::Logger& Log() {
    static const log::Logger logger("signing");
    return logger;
}

// The reason of the last OpenSSL error, without key material (OpenSSL never puts any into
// its error strings); clears the error queue.
std::string OpenSslError() {
    unsigned long code = ERR_get_error();
    char buf[256] = "unknown OpenSSL error";
    if (code != 0) ERR_error_string_n(code, buf, sizeof(buf));
    ERR_clear_error();
    return buf;
}

BioPtr MemBio(std::string_view data) {
    return BioPtr(BIO_new_mem_buf(data.data(), static_cast<int>(data.size())));
}

std::string BioString(BIO* bio) {
    char* data = nullptr;
    long len = BIO_get_mem_data(bio, &data);
    return len > 0 ? std::string(data, static_cast<size_t>(len)) : std::string();
}

std::string CertDer(X509* cert) {
    unsigned char* der = nullptr;
    int len = i2d_X509(cert, &der);
    if (len <= 0) return {};
    std::string out(reinterpret_cast<char*>(der), static_cast<size_t>(len));
    OPENSSL_free(der);
    return out;
}

std::string SubjectLine(X509* cert) {
    BioPtr out(BIO_new(BIO_s_mem()));
    X509_NAME_print_ex(out.get(), X509_get_subject_name(cert), 0, XN_FLAG_ONELINE);
    return BioString(out.get());
}

int64_t AsnTimeMillis(const ASN1_TIME* t) {
    struct tm tm = {};
    if (!t || ASN1_TIME_to_tm(t, &tm) != 1) return 0;
    return static_cast<int64_t>(timegm(&tm)) * 1000;
}

// Parses DER, or PEM with a CMS or PKCS7 header.
CmsPtr ParseCms(std::string_view bytes) {
    auto bio = MemBio(bytes);
    CmsPtr cms(d2i_CMS_bio(bio.get(), nullptr));
    if (!cms) {
        auto pem = MemBio(bytes);
        cms.reset(PEM_read_bio_CMS(pem.get(), nullptr, nullptr, nullptr));
    }
    ERR_clear_error();
    return cms;
}

std::string CmsDer(CMS_ContentInfo* cms) {
    BioPtr out(BIO_new(BIO_s_mem()));
    if (i2d_CMS_bio(out.get(), cms) != 1) return {};
    return BioString(out.get());
}

// The signing-time attribute of the first signer, or 0.
int64_t SigningTime(CMS_ContentInfo* cms) {
    STACK_OF(CMS_SignerInfo)* infos = CMS_get0_SignerInfos(cms);
    if (!infos || sk_CMS_SignerInfo_num(infos) == 0) return 0;
    CMS_SignerInfo* si = sk_CMS_SignerInfo_value(infos, 0);
    int idx = CMS_signed_get_attr_by_NID(si, NID_pkcs9_signingTime, -1);
    if (idx < 0) return 0;
    X509_ATTRIBUTE* attr = CMS_signed_get_attr(si, idx);
    ASN1_TYPE* value = X509_ATTRIBUTE_get0_type(attr, 0);
    if (!value) return 0;
    if (value->type == V_ASN1_UTCTIME) return AsnTimeMillis(value->value.utctime);
    if (value->type == V_ASN1_GENERALIZEDTIME) return AsnTimeMillis(value->value.generalizedtime);
    return 0;
}

Result<std::string> Sign(X509* cert, EVP_PKEY* key, STACK_OF(X509) * chain, BIO* data) {
    const unsigned int flags = CMS_DETACHED | CMS_BINARY | CMS_PARTIAL;
    CmsPtr cms(CMS_sign(nullptr, nullptr, chain, nullptr, flags));
    if (!cms) return InternalError("cms sign: " + OpenSslError());
    if (!CMS_add1_signer(cms.get(), cert, key, EVP_sha256(), flags)) {
        return InternalError("cms add signer: " + OpenSslError());
    }
    if (CMS_final(cms.get(), data, nullptr, flags) != 1) {
        return InternalError("cms final: " + OpenSslError());
    }
    std::string der = CmsDer(cms.get());
    if (der.empty()) return InternalError("cms encode: " + OpenSslError());
    return der;
}

// Builds a P-256 key and a self-signed certificate for it.
Status MakeSelfSigned(const std::string& common_name, int64_t now_millis, KeyPtr* key_out,
                      X509Ptr* cert_out) {
    KeyPtr key(EVP_EC_gen("P-256"));
    X509Ptr cert(X509_new());
    if (!key || !cert) return InternalError("key generation: " + OpenSslError());
    X509_set_version(cert.get(), X509_VERSION_3);
    unsigned char serial[16];
    RAND_bytes(serial, sizeof(serial));
    serial[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(serial, sizeof(serial), nullptr);
    BN_to_ASN1_INTEGER(bn, X509_get_serialNumber(cert.get()));
    BN_free(bn);
    const time_t now = static_cast<time_t>(now_millis / 1000);
    ASN1_TIME_adj(X509_getm_notBefore(cert.get()), now, 0, -3600);
    ASN1_TIME_adj(X509_getm_notAfter(cert.get()), now, 3653, 0);
    X509_NAME* name = X509_get_subject_name(cert.get());
    const std::string cn = "Aktenwerk Server " + common_name;
    X509_NAME_add_entry_by_txt(name, "O", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>("Aktenwerk"), -1, -1, 0);
    X509_NAME_add_entry_by_txt(name, "CN", MBSTRING_UTF8,
                               reinterpret_cast<const unsigned char*>(cn.c_str()), -1, -1, 0);
    X509_set_issuer_name(cert.get(), name);
    X509_set_pubkey(cert.get(), key.get());

    // A self-signed certificate is its own trust anchor: it must be allowed to sign
    // certificates (itself), or OpenSSL does not accept it as the issuer of itself.
    X509V3_CTX ctx;
    X509V3_set_ctx_nodb(&ctx);
    X509V3_set_ctx(&ctx, cert.get(), cert.get(), nullptr, nullptr, 0);
    for (auto [nid, value] : {std::pair{NID_basic_constraints, "critical,CA:TRUE"},
                              std::pair{NID_key_usage,
                                        "critical,digitalSignature,nonRepudiation,"
                                        "keyCertSign"},
                              std::pair{NID_subject_key_identifier, "hash"}}) {
        X509_EXTENSION* ext = X509V3_EXT_conf_nid(nullptr, &ctx, nid, value);
        if (!ext) return InternalError("certificate extension: " + OpenSslError());
        X509_add_ext(cert.get(), ext, -1);
        X509_EXTENSION_free(ext);
    }
    if (X509_sign(cert.get(), key.get(), EVP_sha256()) <= 0) {
        return InternalError("certificate signing: " + OpenSslError());
    }
    *key_out = std::move(key);
    *cert_out = std::move(cert);
    return Status::Ok();
}

// Writes `data` to `path` with `mode`, durable before the rename into place.
Status WriteFileAtomically(const std::string& path, const std::string& data, mode_t mode) {
    const std::string tmp = path + ".tmp";
    int fd = ::open(tmp.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, mode);
    if (fd < 0) return ErrnoError("create " + tmp, errno);
    bool ok = ::write(fd, data.data(), data.size()) == static_cast<ssize_t>(data.size()) &&
              ::fsync(fd) == 0;
    int err = errno;
    ::close(fd);
    if (!ok || ::rename(tmp.c_str(), path.c_str()) != 0) {
        ::unlink(tmp.c_str());
        return ErrnoError("write " + path, ok ? errno : err);
    }
    return Status::Ok();
}

// Checks the signer certificate of a verified CMS against `trust` at `at`.
void ClassifySigner(CMS_ContentInfo* cms, const TrustStore& trust, int64_t at_millis,
                    SignaturPruefung* out) {
    StackPtr signers(CMS_get0_signers(cms));
    if (!signers || sk_X509_num(signers.get()) == 0) {
        out->ergebnis = SignaturErgebnis::kUnbekannterUnterzeichner;
        out->detail = "the signature carries no signer certificate";
        return;
    }
    // CMS_get0_signers returns borrowed pointers: release the stack only.
    STACK_OF(X509)* raw = signers.release();
    X509* signer = sk_X509_value(raw, 0);
    out->unterzeichner = SubjectLine(signer);
    out->zertifikat_sha256 = Sha256Hex(CertDer(signer));
    STACK_OF(X509)* untrusted = CMS_get1_certs(cms);

    StoreCtxPtr ctx(X509_STORE_CTX_new());
    X509_STORE_CTX_init(ctx.get(), static_cast<X509_STORE*>(trust.native()), signer, untrusted);
    X509_VERIFY_PARAM* param = X509_STORE_CTX_get0_param(ctx.get());
    X509_VERIFY_PARAM_set_time(param, static_cast<time_t>(at_millis / 1000));
    X509_VERIFY_PARAM_set_flags(param, X509_V_FLAG_PARTIAL_CHAIN);
    X509_STORE_CTX_set_purpose(ctx.get(), X509_PURPOSE_ANY);
    const int verified = X509_verify_cert(ctx.get());
    const int err = X509_STORE_CTX_get_error(ctx.get());
    sk_X509_free(raw);
    sk_X509_pop_free(untrusted, X509_free);
    ERR_clear_error();
    if (verified == 1) {
        out->ergebnis = SignaturErgebnis::kGueltig;
    } else if (err == X509_V_ERR_CERT_HAS_EXPIRED || err == X509_V_ERR_CERT_NOT_YET_VALID) {
        out->ergebnis = SignaturErgebnis::kZertifikatAbgelaufen;
        out->detail = X509_verify_cert_error_string(err);
    } else {
        out->ergebnis = SignaturErgebnis::kUnbekannterUnterzeichner;
        out->detail = X509_verify_cert_error_string(err);
    }
}

SignaturPruefung Verify(std::string_view cms_bytes, BIO* content, const TrustStore& trust,
                        int64_t at_millis, std::string* enveloped_content) {
    SignaturPruefung out;
    CmsPtr cms = ParseCms(cms_bytes);
    if (!cms || OBJ_obj2nid(CMS_get0_type(cms.get())) != NID_pkcs7_signed) {
        out.detail = "not a CMS SignedData";
        return out;
    }
    const bool detached = CMS_is_detached(cms.get()) == 1;
    if (detached != (content != nullptr)) {
        out.detail = detached ? "detached signature without content" : "signature holds content";
        return out;
    }
    out.signaturzeit = SigningTime(cms.get());
    // First the signature and the content digest alone; the chain is judged after, so that
    // "intact but untrusted" and "broken" are told apart.
    BioPtr envelope_out(BIO_new(BIO_s_mem()));
    const unsigned int flags = CMS_BINARY | CMS_NO_SIGNER_CERT_VERIFY;
    if (CMS_verify(cms.get(), nullptr, nullptr, content, envelope_out.get(), flags) != 1) {
        out.ergebnis = SignaturErgebnis::kUngueltig;
        out.detail = "signature does not match the content: " + OpenSslError();
        return out;
    }
    if (enveloped_content) *enveloped_content = BioString(envelope_out.get());
    ClassifySigner(cms.get(), trust, at_millis, &out);
    return out;
}

// "http://host:port/path" into its parts; only plain HTTP on purpose (a TSA answer is
// signed, the transport needs no protection).
Status ParseHttpUrl(const std::string& url, std::string* host, std::string* port,
                    std::string* path) {
    char* h = nullptr;
    char* p = nullptr;
    char* pa = nullptr;
    int ssl = 0;
    if (OSSL_HTTP_parse_url(url.c_str(), &ssl, nullptr, &h, &p, nullptr, &pa, nullptr, nullptr) !=
            1 ||
        ssl) {
        OPENSSL_free(h);
        OPENSSL_free(p);
        OPENSSL_free(pa);
        ERR_clear_error();
        return InvalidArgumentError("timestamp authority URL must be http://HOST[:PORT]/PATH");
    }
    *host = h;
    *port = p;
    *path = pa;
    OPENSSL_free(h);
    OPENSSL_free(p);
    OPENSSL_free(pa);
    return Status::Ok();
}

}  // namespace

std::string_view SignaturErgebnisName(SignaturErgebnis e) {
    switch (e) {
        case SignaturErgebnis::kGueltig:
            return "gueltig";
        case SignaturErgebnis::kUngueltig:
            return "ungueltig";
        case SignaturErgebnis::kUnbekannterUnterzeichner:
            return "unbekannter-unterzeichner";
        case SignaturErgebnis::kZertifikatAbgelaufen:
            return "zertifikat-abgelaufen";
    }
    return "ungueltig";
}

std::string EncodeBase64(std::string_view data) {
    std::string out(4 * ((data.size() + 2) / 3) + 1, '\0');
    const int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(data.data()),
                                  static_cast<int>(data.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

std::optional<std::string> DecodeBase64(std::string_view text) {
    if (text.size() % 4 != 0) return std::nullopt;
    std::string out(text.size() / 4 * 3 + 1, '\0');
    const int n = EVP_DecodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                                  reinterpret_cast<const unsigned char*>(text.data()),
                                  static_cast<int>(text.size()));
    if (n < 0) return std::nullopt;
    size_t len = static_cast<size_t>(n);
    // EVP_DecodeBlock counts the padding as zero bytes.
    if (!text.empty() && text.back() == '=') --len;
    if (text.size() > 1 && text[text.size() - 2] == '=') --len;
    out.resize(len);
    return out;
}

TrustStore::TrustStore() : store_(X509_STORE_new()) {}
TrustStore::~TrustStore() { X509_STORE_free(static_cast<X509_STORE*>(store_)); }

Status TrustStore::AddPemFile(const std::string& path) {
    BioPtr bio(BIO_new_file(path.c_str(), "r"));
    if (!bio) {
        ERR_clear_error();
        return InvalidArgumentError("trust anchors " + path + ": cannot be read");
    }
    size_t added = 0;
    while (X509* cert = PEM_read_bio_X509(bio.get(), nullptr, nullptr, nullptr)) {
        X509_STORE_add_cert(static_cast<X509_STORE*>(store_), cert);
        X509_free(cert);
        ++added;
    }
    ERR_clear_error();
    if (added == 0) return InvalidArgumentError("trust anchors " + path + ": no certificate");
    count_ += added;
    return Status::Ok();
}

Status TrustStore::AddDer(std::string_view der) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(der.data());
    X509Ptr cert(d2i_X509(nullptr, &p, static_cast<long>(der.size())));
    if (!cert) return InvalidArgumentError("trust anchor: not a DER certificate");
    X509_STORE_add_cert(static_cast<X509_STORE*>(store_), cert.get());
    ERR_clear_error();
    ++count_;
    return Status::Ok();
}

SigningIdentity::SigningIdentity(void* key, void* cert, void* chain)
    : key_(key), cert_(cert), chain_(chain) {
    cert_der_ = CertDer(static_cast<X509*>(cert_));
    fingerprint_ = Sha256Hex(cert_der_);
}

SigningIdentity::~SigningIdentity() {
    EVP_PKEY_free(static_cast<EVP_PKEY*>(key_));
    X509_free(static_cast<X509*>(cert_));
    FreeX509Stack(static_cast<STACK_OF(X509)*>(chain_));
}

Result<std::unique_ptr<SigningIdentity>> SigningIdentity::LoadPem(const std::string& key_file,
                                                                  const std::string& cert_file) {
    BioPtr key_bio(BIO_new_file(key_file.c_str(), "r"));
    KeyPtr key(key_bio ? PEM_read_bio_PrivateKey(key_bio.get(), nullptr, nullptr, nullptr)
                       : nullptr);
    ERR_clear_error();
    if (!key) return InvalidArgumentError("signing key " + key_file + ": not a readable PEM key");
    BioPtr cert_bio(BIO_new_file(cert_file.c_str(), "r"));
    X509Ptr cert(cert_bio ? PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr) : nullptr);
    if (!cert) {
        ERR_clear_error();
        return InvalidArgumentError("signing certificate " + cert_file + ": not a PEM certificate");
    }
    StackPtr chain(sk_X509_new_null());
    while (X509* extra = PEM_read_bio_X509(cert_bio.get(), nullptr, nullptr, nullptr)) {
        sk_X509_push(chain.get(), extra);
    }
    ERR_clear_error();
    if (X509_check_private_key(cert.get(), key.get()) != 1) {
        ERR_clear_error();
        return InvalidArgumentError("signing key " + key_file + " does not belong to " + cert_file);
    }
    return std::unique_ptr<SigningIdentity>(
        new SigningIdentity(key.release(), cert.release(), chain.release()));
}

Result<std::unique_ptr<SigningIdentity>> SigningIdentity::LoadPkcs12(const std::string& file,
                                                                     const std::string& password) {
    BioPtr bio(BIO_new_file(file.c_str(), "rb"));
    PKCS12* p12 = bio ? d2i_PKCS12_bio(bio.get(), nullptr) : nullptr;
    if (!p12) {
        ERR_clear_error();
        return InvalidArgumentError("signing identity " + file + ": not a PKCS#12 file");
    }
    EVP_PKEY* key = nullptr;
    X509* cert = nullptr;
    STACK_OF(X509)* chain = nullptr;
    const int parsed = PKCS12_parse(p12, password.c_str(), &key, &cert, &chain);
    PKCS12_free(p12);
    ERR_clear_error();
    if (parsed != 1 || !key || !cert) {
        EVP_PKEY_free(key);
        X509_free(cert);
        if (chain) FreeX509Stack(chain);
        return InvalidArgumentError("signing identity " + file +
                                    ": wrong password or no key and certificate in it");
    }
    if (!chain) chain = sk_X509_new_null();
    return std::unique_ptr<SigningIdentity>(new SigningIdentity(key, cert, chain));
}

Result<std::unique_ptr<SigningIdentity>> SigningIdentity::LoadOrCreateSelfSigned(
    const std::string& data_dir, const std::string& common_name, int64_t now_millis) {
    const std::string dir = data_dir + "/identity";
    const std::string key_file = dir + "/server-key.pem";
    const std::string cert_file = dir + "/server-cert.pem";
    if (::access(key_file.c_str(), F_OK) == 0) return LoadPem(key_file, cert_file);

    std::error_code ec;
    std::filesystem::create_directories(dir, ec);
    if (ec) return InternalError("create " + dir + ": " + ec.message());
    ::chmod(dir.c_str(), 0700);
    KeyPtr key;
    X509Ptr cert;
    AKTENWERK_RETURN_IF_ERROR(MakeSelfSigned(common_name, now_millis, &key, &cert));
    BioPtr key_pem(BIO_new(BIO_s_mem()));
    BioPtr cert_pem(BIO_new(BIO_s_mem()));
    PEM_write_bio_PrivateKey(key_pem.get(), key.get(), nullptr, nullptr, 0, nullptr, nullptr);
    PEM_write_bio_X509(cert_pem.get(), cert.get());
    // The certificate first: a key file without its certificate would be loaded next time.
    AKTENWERK_RETURN_IF_ERROR(WriteFileAtomically(cert_file, BioString(cert_pem.get()), 0644));
    AKTENWERK_RETURN_IF_ERROR(WriteFileAtomically(key_file, BioString(key_pem.get()), 0600));
    Log().Info("self-signed server identity created", "certificate=" + log::Quote(cert_file));
    return std::unique_ptr<SigningIdentity>(
        new SigningIdentity(key.release(), cert.release(), sk_X509_new_null()));
}

Result<std::string> SigningIdentity::SignDetached(std::string_view data) const {
    auto bio = MemBio(data);
    return Sign(static_cast<X509*>(cert_), static_cast<EVP_PKEY*>(key_),
                static_cast<STACK_OF(X509)*>(chain_), bio.get());
}

Result<std::string> SigningIdentity::SignDetachedFile(const std::string& path) const {
    BioPtr bio(BIO_new_file(path.c_str(), "rb"));
    if (!bio) {
        ERR_clear_error();
        return NotFoundError("content " + path + " cannot be opened");
    }
    return Sign(static_cast<X509*>(cert_), static_cast<EVP_PKEY*>(key_),
                static_cast<STACK_OF(X509)*>(chain_), bio.get());
}

std::string SigningIdentity::CertificatePem() const {
    BioPtr out(BIO_new(BIO_s_mem()));
    PEM_write_bio_X509(out.get(), static_cast<X509*>(cert_));
    return BioString(out.get());
}

std::string SigningIdentity::Subject() const { return SubjectLine(static_cast<X509*>(cert_)); }

SignaturPruefung VerifyCms(std::string_view cms, const std::string& content_path,
                           const TrustStore& trust, int64_t at_millis,
                           std::string* enveloped_content) {
    if (content_path.empty()) return Verify(cms, nullptr, trust, at_millis, enveloped_content);
    BioPtr content(BIO_new_file(content_path.c_str(), "rb"));
    if (!content) {
        ERR_clear_error();
        SignaturPruefung out;
        out.detail = "content missing";
        return out;
    }
    return Verify(cms, content.get(), trust, at_millis, nullptr);
}

SignaturPruefung VerifyCmsData(std::string_view cms, std::string_view content,
                               const TrustStore& trust, int64_t at_millis) {
    auto bio = MemBio(content);
    return Verify(cms, bio.get(), trust, at_millis, nullptr);
}

bool LooksLikeCms(std::string_view bytes) {
    CmsPtr cms = ParseCms(bytes);
    return cms && OBJ_obj2nid(CMS_get0_type(cms.get())) == NID_pkcs7_signed;
}

Result<std::string> RequestTimestamp(const std::string& tsa_url, std::string_view data,
                                     int timeout_seconds) {
    std::string host, port, path;
    AKTENWERK_RETURN_IF_ERROR(ParseHttpUrl(tsa_url, &host, &port, &path));

    // The request: SHA-256 imprint, a 64-bit nonce, and the authority's certificate asked
    // for so that the token can be checked without fetching it.
    unsigned char digest[32];
    unsigned int len = 0;
    EVP_Digest(data.data(), data.size(), digest, &len, EVP_sha256(), nullptr);
    TS_REQ* req = TS_REQ_new();
    TS_MSG_IMPRINT* imprint = TS_MSG_IMPRINT_new();
    X509_ALGOR* algo = X509_ALGOR_new();
    X509_ALGOR_set0(algo, OBJ_nid2obj(NID_sha256), V_ASN1_NULL, nullptr);
    TS_MSG_IMPRINT_set_algo(imprint, algo);
    TS_MSG_IMPRINT_set_msg(imprint, digest, static_cast<int>(len));
    TS_REQ_set_version(req, 1);
    TS_REQ_set_msg_imprint(req, imprint);
    TS_REQ_set_cert_req(req, 1);
    unsigned char nonce_bytes[8];
    RAND_bytes(nonce_bytes, sizeof(nonce_bytes));
    nonce_bytes[0] &= 0x7f;
    BIGNUM* bn = BN_bin2bn(nonce_bytes, sizeof(nonce_bytes), nullptr);
    ASN1_INTEGER* nonce = BN_to_ASN1_INTEGER(bn, nullptr);
    BN_free(bn);
    TS_REQ_set_nonce(req, nonce);
    ASN1_INTEGER_free(nonce);
    X509_ALGOR_free(algo);
    TS_MSG_IMPRINT_free(imprint);

    BioPtr req_bio(BIO_new(BIO_s_mem()));
    i2d_TS_REQ_bio(req_bio.get(), req);
    BIO* answer = OSSL_HTTP_transfer(nullptr, host.c_str(), port.c_str(), path.c_str(), 0, nullptr,
                                     nullptr, nullptr, nullptr, nullptr, nullptr, 0, nullptr,
                                     "application/timestamp-query", req_bio.get(),
                                     "application/timestamp-reply", 0, 1 << 20, timeout_seconds, 0);
    if (!answer) {
        TS_REQ_free(req);
        return UnavailableError("timestamp authority " + tsa_url + ": " + OpenSslError());
    }
    BioPtr answer_owner(answer);
    TS_RESP* resp = d2i_TS_RESP_bio(answer, nullptr);
    if (!resp) {
        TS_REQ_free(req);
        return CorruptionError("timestamp authority " + tsa_url + ": malformed answer");
    }

    // The answer must be granted and answer this very request (imprint and nonce).
    TS_VERIFY_CTX* vctx = TS_REQ_to_TS_VERIFY_CTX(req, nullptr);
    TS_VERIFY_CTX_set_flags(vctx, TS_VFY_VERSION | TS_VFY_IMPRINT | TS_VFY_NONCE);
    const int ok = TS_RESP_verify_response(vctx, resp);
    std::string token;
    if (ok == 1) {
        PKCS7* p7 = TS_RESP_get_token(resp);
        unsigned char* der = nullptr;
        int der_len = i2d_PKCS7(p7, &der);
        if (der_len > 0) token.assign(reinterpret_cast<char*>(der), static_cast<size_t>(der_len));
        OPENSSL_free(der);
    }
    const std::string error = ok == 1 ? std::string() : OpenSslError();
    TS_VERIFY_CTX_free(vctx);
    TS_RESP_free(resp);
    TS_REQ_free(req);
    if (ok != 1) return UnavailableError("timestamp authority " + tsa_url + ": " + error);
    if (token.empty()) return CorruptionError("timestamp authority " + tsa_url + ": no token");
    return token;
}

Result<int64_t> VerifyTimestamp(std::string_view token, std::string_view data,
                                const TrustStore* trust) {
    const unsigned char* p = reinterpret_cast<const unsigned char*>(token.data());
    PKCS7* p7 = d2i_PKCS7(nullptr, &p, static_cast<long>(token.size()));
    if (!p7) {
        ERR_clear_error();
        return CorruptionError("timestamp token is malformed");
    }
    TS_TST_INFO* info = PKCS7_to_TS_TST_INFO(p7);
    if (!info) {
        PKCS7_free(p7);
        ERR_clear_error();
        return CorruptionError("timestamp token holds no TSTInfo");
    }
    const int64_t when = AsnTimeMillis(TS_TST_INFO_get_time(info));
    TS_TST_INFO_free(info);

    TS_VERIFY_CTX* vctx = TS_VERIFY_CTX_new();
    int flags = TS_VFY_VERSION | TS_VFY_DATA | TS_VFY_SIGNATURE;
    BIO* data_bio = BIO_new_mem_buf(data.data(), static_cast<int>(data.size()));
    TS_VERIFY_CTX_set_data(vctx, data_bio);  // owned by vctx from here
    X509_STORE* store = nullptr;
    if (trust && trust->size() > 0) {
        store = static_cast<X509_STORE*>(trust->native());
        X509_STORE_up_ref(store);
    } else {
        // Without configured anchors only the token's own signature is checked: trust the
        // certificate it carries.
        store = X509_STORE_new();
        STACK_OF(X509)* certs = p7->d.sign ? p7->d.sign->cert : nullptr;
        for (int i = 0; certs && i < sk_X509_num(certs); ++i) {
            X509_STORE_add_cert(store, sk_X509_value(certs, i));
        }
        X509_STORE_set_flags(store, X509_V_FLAG_PARTIAL_CHAIN);
    }
    TS_VERIFY_CTX_set_store(vctx, store);
    TS_VERIFY_CTX_set_flags(vctx, flags);
    const int ok = TS_RESP_verify_token(vctx, p7);
    const std::string error = ok == 1 ? std::string() : OpenSslError();
    TS_VERIFY_CTX_free(vctx);
    PKCS7_free(p7);
    if (ok != 1) return CorruptionError("timestamp token does not verify: " + error);
    return when;
}

}  // namespace aktenwerk::dms
