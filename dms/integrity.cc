// Signed audit heads, version signatures and the repository check.
#include "dms/integrity.h"

#include <fcntl.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <map>
#include <set>

#include "dms/audit.h"
#include "dms/evidence.h"
#include "dms/keys.h"
#include "dms/pdf_signatur.h"
#include "dms/repository.h"
#include "dms/rights.h"
#include "storage/codec.h"
#include "storage/log.h"
#include "storage/sha256.h"

namespace aktenwerk::dms {
namespace {

using storage::Sha256Hex;

using nlohmann::json;

const log::Logger& Log() {
    static const log::Logger logger("signing");
    return logger;
}

std::string Str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

std::string Binary(const json& j, const char* key) {
    auto decoded = DecodeBase64(Str(j, key));
    return decoded ? *decoded : std::string();
}

json SignaturToStored(const VersionSignatur& s) {
    return {{"dokument_id", s.dokument_id},
            {"nummer", s.nummer},
            {"index", s.index},
            {"art", s.art},
            {"format", s.format},
            {"sha256", s.sha256},
            {"cms", EncodeBase64(s.cms)},
            {"ergebnis", s.ergebnis},
            {"unterzeichner", s.unterzeichner},
            {"zertifikat_sha256", s.zertifikat_sha256},
            {"signaturzeit", s.signaturzeit},
            {"geprueft_am", s.geprueft_am},
            {"detail", s.detail},
            {"zeitstempel", EncodeBase64(s.zeitstempel)},
            {"nachtraeglich", s.nachtraeglich}};
}

VersionSignatur SignaturFromStored(const json& j) {
    VersionSignatur s;
    s.dokument_id = Str(j, "dokument_id");
    s.nummer = j.value("nummer", uint32_t{0});
    s.index = j.value("index", uint64_t{0});
    s.art = Str(j, "art");
    s.format = Str(j, "format");
    s.sha256 = Str(j, "sha256");
    s.cms = Binary(j, "cms");
    s.ergebnis = Str(j, "ergebnis");
    s.unterzeichner = Str(j, "unterzeichner");
    s.zertifikat_sha256 = Str(j, "zertifikat_sha256");
    s.signaturzeit = j.value("signaturzeit", int64_t{0});
    s.geprueft_am = j.value("geprueft_am", int64_t{0});
    s.detail = Str(j, "detail");
    s.zeitstempel = Binary(j, "zeitstempel");
    s.nachtraeglich = j.value("nachtraeglich", uint64_t{0});
    return s;
}

void Apply(const SignaturPruefung& check, VersionSignatur* s) {
    s->ergebnis = SignaturErgebnisName(check.ergebnis);
    s->unterzeichner = check.unterzeichner;
    s->zertifikat_sha256 = check.zertifikat_sha256;
    s->signaturzeit = check.signaturzeit;
    s->detail = check.detail;
}

// Checks one signature dictionary of a PDF over the bytes it names. A damaged dictionary
// is invalid with its reason. A signature that leaves out bytes appended after it (an
// incremental update) holds for the revision it signed only: the detail says so.
SignaturPruefung CheckPdfSignature(std::string_view pdf, const PdfSignatur& sig,
                                   const TrustStore& trust, int64_t at_millis) {
    if (!sig.fehler.empty()) {
        SignaturPruefung check;
        check.ergebnis = SignaturErgebnis::kUngueltig;
        check.detail = "damaged signature dictionary: " + sig.fehler;
        return check;
    }
    SignaturPruefung check = VerifyCmsData(sig.cms, PdfSignedBytes(pdf, sig), trust, at_millis);
    if (sig.nachtraeglich > 0) {
        const uint64_t signed_end = sig.ranges[2] + sig.ranges[3];
        check.detail += std::string(check.detail.empty() ? "" : "; ") +
                        "document changed after signing: the signature covers the revision of "
                        "its first " +
                        std::to_string(signed_end) + " bytes only, " +
                        std::to_string(sig.nachtraeglich) +
                        " bytes were appended after it and are not signed";
    }
    return check;
}

// The server certificates that have ever signed here, as one trust store.
Result<std::unique_ptr<TrustStore>> ServerCerts(const storage::MetadataStore& store) {
    auto trust = std::make_unique<TrustStore>();
    Status bad;
    AKTENWERK_RETURN_IF_ERROR(store.Scan(keys::kServerCertPrefix, "", 0, [&](auto, auto value) {
        auto j = storage::DecodeValue(value);
        if (j.ok()) bad = trust->AddDer(Binary(*j, "der"));
        return true;
    }));
    return trust;
}

// Reads a file in large chunks through SHA-256; returns the hex digest.
Result<std::string> HashFile(const std::string& path, uint64_t* bytes,
                             const std::function<void(uint64_t)>& advance) {
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open " + path, errno);
    ::posix_fadvise(fd, 0, 0, POSIX_FADV_SEQUENTIAL);
    storage::Sha256 hasher;
    std::string buf(1 << 20, '\0');
    Status failure;
    while (true) {
        ssize_t n = ::read(fd, buf.data(), buf.size());
        if (n < 0 && errno == EINTR) continue;
        if (n < 0) failure = ErrnoError("read " + path, errno);
        if (n <= 0) break;
        hasher.Update(buf.data(), static_cast<size_t>(n));
        *bytes += static_cast<uint64_t>(n);
        advance(static_cast<uint64_t>(n));
    }
    ::close(fd);
    AKTENWERK_RETURN_IF_ERROR(failure);
    return hasher.HexDigest();
}

// The one pass of VerifyRepository, split into steps that share its state.
class Checker {
  public:
    Checker(const storage::MetadataStore& store, const storage::BlobStore& blobs,
            const VerifyOptions& options, const VerifyProgress& progress)
        : store_(store), blobs_(blobs), options_(options), progress_(progress) {}

    Result<IntegrityReport> Run() {
        AKTENWERK_ASSIGN_OR_RETURN(server_trust_, ServerCerts(store_));
        AKTENWERK_RETURN_IF_ERROR(CheckVersions());
        AKTENWERK_RETURN_IF_ERROR(CheckRefs());
        AKTENWERK_RETURN_IF_ERROR(CheckBlobs());
        AKTENWERK_RETURN_IF_ERROR(LoadSeals());
        AKTENWERK_RETURN_IF_ERROR(CheckAudit());
        CheckSeals();
        AKTENWERK_RETURN_IF_ERROR(CheckSignatures());
        AKTENWERK_RETURN_IF_ERROR(CheckEvidence());
        return std::move(report_);
    }

  private:
    struct Seal {
        json stored;
        bool reached = false;
    };

    void Fault(std::string objekt, std::string fehler) {
        if (report_.fehler.size() < options_.max_faults) {
            report_.fehler.push_back({std::move(objekt), std::move(fehler)});
        }
    }

    Status CheckVersions() {
        return store_.Scan("v/", "", 0, [&](std::string_view key, std::string_view value) {
            const std::string where = "version " + std::string(key.substr(2));
            auto j = storage::DecodeValue(value);
            auto v = j.ok() ? VersionFromJson(*j) : Result<Version>(j.status());
            if (!v.ok()) {
                Fault(where, "unreadable: " + v.status().message());
                return true;
            }
            ++report_.versionen;
            versions_[v->dokument_id + "/" + std::to_string(v->nummer)] = v->sha256;
            ++refs_[v->sha256];
            if (!blobs_.Exists(v->sha256))
                Fault(where, "its content (blob " + v->sha256 + ") is missing");
            return true;
        });
    }

    Status CheckRefs() {
        std::set<std::string> seen;
        AKTENWERK_RETURN_IF_ERROR(store_.Scan(
            keys::kBlobRefPrefix, "", 0, [&](std::string_view key, std::string_view value) {
                const std::string sha(key.substr(keys::kBlobRefPrefix.size()));
                seen.insert(sha);
                auto j = storage::DecodeValue(value);
                const uint64_t stored = j.ok() && j->is_number_unsigned() ? j->get<uint64_t>() : 0;
                const uint64_t counted = refs_.count(sha) ? refs_[sha] : 0;
                if (stored != counted) {
                    Fault("blob " + sha, "reference count is " + std::to_string(stored) + " but " +
                                             std::to_string(counted) + " versions refer to it");
                }
                return true;
            }));
        for (const auto& [sha, count] : refs_) {
            if (!seen.count(sha)) Fault("blob " + sha, "referenced by versions but not counted");
        }
        return Status::Ok();
    }

    Status CheckBlobs() {
        std::vector<std::pair<std::string, uint64_t>> all;
        uint64_t total = 0;
        AKTENWERK_RETURN_IF_ERROR(blobs_.ForEach([&](const std::string& sha) {
            struct stat st = {};
            const uint64_t size = ::stat(blobs_.PathFor(sha).c_str(), &st) == 0
                                      ? static_cast<uint64_t>(st.st_size)
                                      : 0;
            all.emplace_back(sha, size);
            total += size;
            return true;
        }));
        uint64_t done = 0;
        for (const auto& [sha, size] : all) {
            ++report_.blobs;
            auto hash = HashFile(blobs_.PathFor(sha), &report_.bytes, [&](uint64_t n) {
                done += n;
                if (progress_) progress_(done, total);
            });
            if (!hash.ok()) {
                Fault("blob " + sha, "cannot be read: " + hash.status().message());
            } else if (*hash != sha) {
                Fault("blob " + sha, "content does not match its name (SHA-256 is " + *hash + ")");
            }
        }
        if (progress_) progress_(total, total);
        return Status::Ok();
    }

    Status LoadSeals() {
        return store_.Scan(keys::kAuditSealPrefix, "", 0, [&](std::string_view key, auto value) {
            auto j = storage::DecodeValue(value);
            if (!j.ok()) {
                Fault("signed audit head " + std::string(key), "unreadable");
                return true;
            }
            seals_[j->value("seq", uint64_t{0})] = Seal{*j, false};
            return true;
        });
    }

    Status CheckAudit() {
        std::string previous;
        uint64_t expected = 1;
        uint64_t last = 0;
        std::string last_hash;
        AKTENWERK_RETURN_IF_ERROR(store_.Scan(keys::kAuditPrefix, "", 0, [&](auto key, auto value) {
            auto j = storage::DecodeValue(value);
            auto entry = j.ok() ? AuditEntryFromJson(*j) : Result<AuditEntry>(j.status());
            if (!entry.ok()) {
                Fault("audit " + std::string(key.substr(2)), "unreadable entry");
                return true;
            }
            ++report_.audit_eintraege;
            const std::string where = "audit " + std::to_string(entry->seq);
            if (entry->seq != expected) {
                Fault(where, entry->seq > expected
                                 ? "entries " + std::to_string(expected) + " to " +
                                       std::to_string(entry->seq - 1) + " are missing"
                                 : "out of sequence");
            } else if (entry->vorheriger_hash != previous) {
                Fault(where, "link to the previous entry is broken");
            }
            if (AuditHash(*entry) != entry->hash) Fault(where, "content does not match its hash");
            if (auto it = seals_.find(entry->seq); it != seals_.end()) {
                it->second.reached = true;
                if (Str(it->second.stored, "hash") != entry->hash) {
                    Fault(where, "differs from the signed audit head of that sequence");
                }
            }
            previous = entry->hash;
            expected = entry->seq + 1;
            last = entry->seq;
            last_hash = entry->hash;
            return true;
        }));
        last_seq_ = last;
        AKTENWERK_ASSIGN_OR_RETURN(auto head_raw, store_.Get(std::string(keys::kAuditHead)));
        if (head_raw) {
            auto head = storage::DecodeValue(*head_raw);
            if (!head.ok() || head->value("seq", uint64_t{0}) != last ||
                Str(*head, "hash") != last_hash) {
                Fault("audit head", "does not name the last entry of the chain");
            }
        } else if (last != 0) {
            Fault("audit head", "missing");
        }
        return Status::Ok();
    }

    void CheckSeals() {
        for (const auto& [seq, seal] : seals_) {
            ++report_.siegel;
            const std::string where = "signed audit head " + std::to_string(seq);
            const json& j = seal.stored;
            const std::string text =
                IntegrityService::HeadText(seq, Str(j, "hash"), j.value("zeit", int64_t{0}));
            const std::string cms = Binary(j, "cms");
            SignaturPruefung check =
                VerifyCmsData(cms, text, *server_trust_, j.value("zeit", int64_t{0}));
            if (check.ergebnis != SignaturErgebnis::kGueltig) {
                Fault(where, "signature is " + std::string(SignaturErgebnisName(check.ergebnis)) +
                                 (check.detail.empty() ? "" : ": " + check.detail));
            }
            if (!seal.reached) {
                Fault(where, seq > last_seq_
                                 ? "the audit chain ends at " + std::to_string(last_seq_) +
                                       ": entries after it were removed (truncated)"
                                 : "its entry is missing from the chain");
            }
            CheckToken(where, Binary(j, "zeitstempel"), cms);
        }
    }

    void CheckToken(const std::string& where, const std::string& token, const std::string& cms) {
        if (token.empty()) return;
        ++report_.zeitstempel;
        auto checked = VerifyTimestamp(token, cms, options_.tsa_trust);
        if (!checked.ok()) Fault(where, "timestamp: " + checked.status().message());
    }

    Status CheckSignatures() {
        return store_.Scan(keys::kSignaturPrefix, "", 0, [&](std::string_view key, auto value) {
            ++report_.signaturen;
            auto j = storage::DecodeValue(value);
            const std::string where = "signature " + std::string(key.substr(6));
            if (!j.ok()) {
                Fault(where, "unreadable");
                return true;
            }
            VersionSignatur s = SignaturFromStored(*j);
            auto it = versions_.find(s.dokument_id + "/" + std::to_string(s.nummer));
            if (it == versions_.end()) {
                Fault(where, "left behind: its version no longer exists");
                return true;
            }
            if (it->second != s.sha256)
                Fault(where, "was made over other content than the version's");
            CheckOne(where, s, it->second);
            CheckToken(where, s.zeitstempel, s.cms);
            return true;
        });
    }

    void CheckOne(const std::string& where, const VersionSignatur& s, const std::string& sha) {
        const bool server = s.art == "server";
        const TrustStore& trust = server || !options_.trust ? *server_trust_ : *options_.trust;
        if (s.format == "pdf-signatur") {
            CheckPdf(where, s, sha, trust);
            return;
        }
        if (s.format == "cms-enveloping-inhalt") {
            // The content is the signature: it is checked as the blob is, and for intactness.
            SignaturPruefung check = VerifyCms(s.cms, "", trust, s.geprueft_am);
            if (Sha256Hex(s.cms) != sha) Fault(where, "differs from the version's content");
            if ((check.ergebnis == SignaturErgebnis::kUngueltig) != (s.ergebnis == "ungueltig")) {
                Fault(where, "is now " + std::string(SignaturErgebnisName(check.ergebnis)) +
                                 " but was recorded " + s.ergebnis);
            }
            return;
        }
        const std::string path = s.format == "cms-enveloping" ? "" : blobs_.PathFor(sha);
        std::string enveloped;
        SignaturPruefung check =
            VerifyCms(s.cms, path, trust, s.signaturzeit ? s.signaturzeit : s.geprueft_am,
                      path.empty() ? &enveloped : nullptr);
        if (path.empty() && check.ergebnis != SignaturErgebnis::kUngueltig &&
            Sha256Hex(enveloped) != sha) {
            check.ergebnis = SignaturErgebnis::kUngueltig;
            check.detail = "enveloped content differs from the version";
        }
        if (server && check.ergebnis != SignaturErgebnis::kGueltig) {
            Fault(where, "server signature is " +
                             std::string(SignaturErgebnisName(check.ergebnis)) +
                             (check.detail.empty() ? "" : ": " + check.detail));
        } else if (!server && (check.ergebnis == SignaturErgebnis::kUngueltig) !=
                                  (s.ergebnis == "ungueltig")) {
            Fault(where, "is now " + std::string(SignaturErgebnisName(check.ergebnis)) +
                             " but was recorded " + s.ergebnis);
        }
    }

    // The signature must still be one of the PDF's signature dictionaries, and hold as it
    // did when it arrived.
    void CheckPdf(const std::string& where, const VersionSignatur& s, const std::string& sha,
                  const TrustStore& trust) {
        std::string pdf;
        if (Status read = ReadBlob(sha, &pdf); !read.ok()) {
            Fault(where, "its PDF cannot be read: " + read.message());
            return;
        }
        for (const PdfSignatur& found : FindPdfSignatures(pdf)) {
            if (found.cms != s.cms) continue;
            SignaturPruefung check = CheckPdfSignature(pdf, found, trust, s.geprueft_am);
            if ((check.ergebnis == SignaturErgebnis::kUngueltig) != (s.ergebnis == "ungueltig")) {
                Fault(where, "is now " + std::string(SignaturErgebnisName(check.ergebnis)) +
                                 " but was recorded " + s.ergebnis);
            }
            return;
        }
        Fault(where, "is no longer among the signatures of the version's PDF");
    }

    Status ReadBlob(const std::string& sha, std::string* out) {
        AKTENWERK_ASSIGN_OR_RETURN(auto reader, blobs_.OpenReader(sha));
        std::string buf(1 << 20, '\0');
        for (uint64_t at = 0;;) {
            AKTENWERK_ASSIGN_OR_RETURN(auto n, reader->ReadAt(at, buf.data(), buf.size()));
            if (n == 0) return Status::Ok();
            out->append(buf.data(), n);
            at += n;
        }
    }

    Status CheckEvidence() {
        return VerifyEvidence(
            store_, versions_, *server_trust_, options_.tsa_trust,
            [&](std::string objekt, std::string fehler) {
                Fault(std::move(objekt), std::move(fehler));
            },
            &report_.evidenzpfade);
    }

    const storage::MetadataStore& store_;
    const storage::BlobStore& blobs_;
    const VerifyOptions& options_;
    const VerifyProgress& progress_;
    IntegrityReport report_;
    std::unique_ptr<TrustStore> server_trust_;
    std::map<std::string, std::string> versions_;  // "<dokument>/<n>" -> sha256
    std::map<std::string, uint64_t> refs_;         // sha256 -> versions counted
    std::map<uint64_t, Seal> seals_;
    uint64_t last_seq_ = 0;
};

}  // namespace

json ToJson(const VersionSignatur& s) {
    json j = {{"dokument_id", s.dokument_id},
              {"nummer", s.nummer},
              {"index", s.index},
              {"art", s.art},
              {"format", s.format},
              {"sha256", s.sha256},
              {"ergebnis", s.ergebnis},
              {"unterzeichner", s.unterzeichner},
              {"zertifikat_sha256", s.zertifikat_sha256},
              {"signaturzeit", s.signaturzeit},
              {"geprueft_am", s.geprueft_am},
              {"zeitstempel", !s.zeitstempel.empty()}};
    if (s.format == "pdf-signatur") j["geaendert_nach_signatur"] = s.nachtraeglich > 0;
    if (!s.detail.empty()) j["detail"] = s.detail;
    return j;
}

json ToJson(const IntegrityReport& r) {
    json fehler = json::array();
    for (const auto& f : r.fehler) fehler.push_back({{"objekt", f.objekt}, {"fehler", f.fehler}});
    return {{"ok", r.ok()},
            {"blobs", r.blobs},
            {"bytes", r.bytes},
            {"versionen", r.versionen},
            {"audit_eintraege", r.audit_eintraege},
            {"siegel", r.siegel},
            {"signaturen", r.signaturen},
            {"zeitstempel", r.zeitstempel},
            {"evidenzpfade", r.evidenzpfade},
            {"fehler", std::move(fehler)}};
}

std::string IntegrityService::HeadText(uint64_t seq, std::string_view hash, int64_t zeit) {
    return "Aktenwerk audit chain head\nseq=" + std::to_string(seq) +
           "\nhash=" + std::string(hash) + "\nzeit=" + std::to_string(zeit) + "\n";
}

IntegrityService::IntegrityService(Repository* repo, const SigningIdentity* identity,
                                   IntegrityOptions options)
    : repo_(repo),
      identity_(identity),
      options_(std::move(options)),
      trust_(std::make_unique<TrustStore>()),
      tsa_trust_(std::make_unique<TrustStore>()) {}

Result<std::unique_ptr<IntegrityService>> IntegrityService::Open(Repository* repo,
                                                                 const SigningIdentity* identity,
                                                                 IntegrityOptions options) {
    std::unique_ptr<IntegrityService> service(new IntegrityService(repo, identity, options));
    for (const auto& file : options.trust_anchor_files) {
        AKTENWERK_RETURN_IF_ERROR(service->trust_->AddPemFile(file));
    }
    for (const auto& file : options.tsa_trust_files) {
        AKTENWERK_RETURN_IF_ERROR(service->tsa_trust_->AddPemFile(file));
    }
    // Every certificate that has signed here stays trusted for what it signed, so that a
    // new key does not turn old seals into unknown signers.
    const std::string cert_key = keys::ServerCert(identity->fingerprint());
    AKTENWERK_RETURN_IF_ERROR(repo->metadata().Commit(
        [&](storage::Txn& txn) {
            AKTENWERK_ASSIGN_OR_RETURN(auto existing, txn.Get(cert_key));
            if (!existing) {
                txn.Put(cert_key,
                        storage::EncodeValue({{"der", EncodeBase64(identity->certificate_der())},
                                              {"subjekt", identity->Subject()},
                                              {"seit", repo->clock().NowMillis()}}));
            }
            return Status::Ok();
        },
        storage::Room::kMayUseReserve));
    AKTENWERK_RETURN_IF_ERROR(
        repo->metadata().Scan(keys::kServerCertPrefix, "", 0, [&](auto, auto value) {
            auto j = storage::DecodeValue(value);
            if (j.ok()) (void)service->trust_->AddDer(Binary(*j, "der"));
            return true;
        }));
    return service;
}

IntegrityService::~IntegrityService() {
    Stop();
    auto tree = SealEvidence();
    if (!tree.ok()) {
        Log().Error("evidence not sealed at shutdown",
                    "error=" + log::Quote(tree.status().ToString()));
    }
    auto sealed = SealAuditHead();
    if (!sealed.ok()) {
        Log().Error("audit head not sealed at shutdown",
                    "error=" + log::Quote(sealed.status().ToString()));
    }
}

std::string IntegrityService::Timestamp(std::string_view signature_cms) const {
    if (options_.tsa_url.empty()) return {};
    auto token = RequestTimestamp(options_.tsa_url, signature_cms);
    if (!token.ok()) {
        Log().Warning("timestamp not obtained", "error=" + log::Quote(token.status().ToString()));
        return {};
    }
    return std::move(token).value();
}

Result<uint64_t> IntegrityService::SealAuditHead() {
    std::lock_guard<std::mutex> lock(seal_mu_);
    storage::MetadataStore& store = repo_->metadata();
    AKTENWERK_ASSIGN_OR_RETURN(auto head_raw, store.Get(std::string(keys::kAuditHead)));
    if (!head_raw) return uint64_t{0};
    AKTENWERK_ASSIGN_OR_RETURN(auto head, storage::DecodeValue(*head_raw));
    const uint64_t seq = head.value("seq", uint64_t{0});
    const std::string hash = Str(head, "hash");
    uint64_t sealed = 0;
    AKTENWERK_RETURN_IF_ERROR(store.ScanReverse(keys::kAuditSealPrefix, 1, [&](auto, auto value) {
        auto j = storage::DecodeValue(value);
        if (j.ok()) sealed = j->value("seq", uint64_t{0});
        return false;
    }));
    if (sealed >= seq) return seq;

    // Signing and the timestamp run outside the commit: a seal of sequence n stays true
    // when entries are appended meanwhile.
    const int64_t zeit = repo_->clock().NowMillis();
    AKTENWERK_ASSIGN_OR_RETURN(auto cms, identity_->SignDetached(HeadText(seq, hash, zeit)));
    const std::string token = Timestamp(cms);
    json stored = {{"seq", seq},
                   {"hash", hash},
                   {"zeit", zeit},
                   {"zertifikat_sha256", identity_->fingerprint()},
                   {"cms", EncodeBase64(cms)},
                   {"zeitstempel", EncodeBase64(token)}};
    AKTENWERK_RETURN_IF_ERROR(store.Commit(
        [&](storage::Txn& txn) {
            txn.Put(keys::AuditSeal(seq), storage::EncodeValue(stored));
            return Status::Ok();
        },
        storage::Room::kMayUseReserve));
    Log().Debug("audit head sealed", "seq=" + std::to_string(seq));
    return seq;
}

Result<uint64_t> IntegrityService::SealEvidence() {
    std::lock_guard<std::mutex> lock(seal_mu_);
    return BuildEvidenzTree(repo_->metadata(), *identity_, options_.tsa_url,
                            repo_->clock().NowMillis());
}

void IntegrityService::StartSealer(int64_t interval_ms) {
    sealer_ = std::thread([this, interval_ms] { RunSealer(interval_ms); });
}

void IntegrityService::RunSealer(int64_t interval_ms) {
    std::unique_lock<std::mutex> lock(mu_);
    while (!stopping_) {
        cv_.wait_for(lock, std::chrono::milliseconds(interval_ms), [&] { return stopping_; });
        if (stopping_) break;
        lock.unlock();
        auto sealed = SealAuditHead();
        if (!sealed.ok()) {
            Log().Error("audit head not sealed", "error=" + log::Quote(sealed.status().ToString()));
        }
        auto tree = SealEvidence();
        if (!tree.ok()) {
            Log().Error("evidence not sealed", "error=" + log::Quote(tree.status().ToString()));
        }
        lock.lock();
    }
}

void IntegrityService::Stop() {
    {
        std::lock_guard<std::mutex> lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    if (sealer_.joinable()) sealer_.join();
}

Result<VersionSignatur> IntegrityService::Record(const Principal& p, VersionSignatur sig) {
    const bool server = sig.art == "server";
    auto write = [&](storage::Txn& txn) -> Status {
        // The version may have been destroyed since it was read: no signature without it.
        AKTENWERK_ASSIGN_OR_RETURN(auto version,
                                   txn.Get(keys::Version(sig.dokument_id, sig.nummer)));
        if (!version)
            return NotFoundError("Dokument " + sig.dokument_id + " has no version " +
                                 std::to_string(sig.nummer));
        uint64_t count = 0;
        AKTENWERK_RETURN_IF_ERROR(
            txn.Scan(keys::VersionSignaturPrefix(sig.dokument_id, sig.nummer), "", [&](auto, auto) {
                ++count;
                return true;
            }));
        sig.index = count + 1;
        txn.Put(keys::VersionSignatur(sig.dokument_id, sig.nummer, sig.index),
                storage::EncodeValue(SignaturToStored(sig)));
        return AppendAudit(txn, repo_->clock().NowMillis(), p.name, sig.dokument_id,
                           server ? "signiert" : "signatur-geprueft", nullptr,
                           {{"nummer", sig.nummer},
                            {"signatur", sig.index},
                            {"ergebnis", sig.ergebnis},
                            {"sha256", sig.sha256}});
    };
    AKTENWERK_RETURN_IF_ERROR(repo_->metadata().Commit(write));
    return sig;
}

Result<VersionSignatur> IntegrityService::SignVersion(const Principal& p,
                                                      std::string_view dokument_id,
                                                      uint32_t nummer) {
    AKTENWERK_RETURN_IF_ERROR(repo_->LoadAuthorized(p, dokument_id, kRightWrite).status());
    AKTENWERK_ASSIGN_OR_RETURN(auto version, repo_->GetVersion(p, dokument_id, nummer));
    AKTENWERK_ASSIGN_OR_RETURN(auto cms,
                               identity_->SignDetachedFile(repo_->blobs().PathFor(version.sha256)));
    VersionSignatur sig;
    sig.dokument_id = version.dokument_id;
    sig.nummer = version.nummer;
    sig.art = "server";
    sig.format = "cms-detached";
    sig.sha256 = version.sha256;
    sig.cms = std::move(cms);
    sig.geprueft_am = repo_->clock().NowMillis();
    Apply(VerifyCms(sig.cms, repo_->blobs().PathFor(version.sha256), *trust_, sig.geprueft_am),
          &sig);
    // The server signs nothing that it would not accept itself: with its certificate
    // expired that is the operator's to fix (a new identity), not a fault of the request.
    if (sig.ergebnis == "zertifikat-abgelaufen") {
        return FailedPreconditionError("the server's signing certificate is not valid now (" +
                                           sig.detail + "); configure a new one",
                                       "certificate-expired");
    }
    if (sig.ergebnis != "gueltig") {
        return InternalError("own signature of " + sig.dokument_id +
                             " does not verify: " + sig.detail);
    }
    sig.zeitstempel = Timestamp(sig.cms);
    return Record(p, std::move(sig));
}

Result<VersionSignatur> IntegrityService::AttachSignature(const Principal& p,
                                                          std::string_view dokument_id,
                                                          uint32_t nummer, std::string_view cms) {
    AKTENWERK_RETURN_IF_ERROR(repo_->LoadAuthorized(p, dokument_id, kRightWrite).status());
    AKTENWERK_ASSIGN_OR_RETURN(auto version, repo_->GetVersion(p, dokument_id, nummer));
    if (!LooksLikeCms(cms)) {
        return InvalidArgumentError("the body is not a CMS signature (PKCS#7 SignedData)",
                                    "not-a-signature");
    }
    VersionSignatur sig;
    sig.dokument_id = version.dokument_id;
    sig.nummer = version.nummer;
    sig.art = "beigefuegt";
    sig.sha256 = version.sha256;
    sig.geprueft_am = repo_->clock().NowMillis();
    // Kept as DER whatever form it came in, so that exports are uniform.
    const std::string path = repo_->blobs().PathFor(version.sha256);
    SignaturPruefung check = VerifyCms(cms, path, *trust_, sig.geprueft_am);
    sig.format = "cms-detached";
    if (check.detail == "signature holds content") {
        std::string enveloped;
        check = VerifyCms(cms, "", *trust_, sig.geprueft_am, &enveloped);
        sig.format = "cms-enveloping";
        if (check.ergebnis != SignaturErgebnis::kUngueltig && Sha256Hex(enveloped) != sig.sha256) {
            check.ergebnis = SignaturErgebnis::kUngueltig;
            check.detail = "enveloped content differs from the version";
        }
    }
    Apply(check, &sig);
    sig.cms = std::string(cms);
    if (cms.rfind("-----BEGIN", 0) == 0) {
        // PEM in, DER kept: the armour carries nothing the signature needs.
        std::string body;
        for (size_t pos = 0; pos < cms.size();) {
            size_t end = cms.find('\n', pos);
            std::string_view line =
                cms.substr(pos, end == std::string_view::npos ? cms.size() - pos : end - pos);
            if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
            if (line.rfind("-----", 0) != 0) body += line;
            if (end == std::string_view::npos) break;
            pos = end + 1;
        }
        if (auto der = DecodeBase64(body)) sig.cms = *der;
    }
    if (sig.ergebnis != "ungueltig") sig.zeitstempel = Timestamp(sig.cms);
    return Record(p, std::move(sig));
}

Result<std::vector<VersionSignatur>> IntegrityService::CheckArrivedContent(
    const Principal& p, std::string_view dokument_id, uint32_t nummer) {
    std::vector<VersionSignatur> out;
    AKTENWERK_ASSIGN_OR_RETURN(auto version, repo_->GetVersion(p, dokument_id, nummer));
    // A signature inside the content is found only by reading it whole: only content of a
    // modest size is looked into.
    static constexpr uint64_t kMaxLookedInto = 64 << 20;
    if (version.groesse == 0 || version.groesse > kMaxLookedInto) return out;
    AKTENWERK_ASSIGN_OR_RETURN(auto reader, repo_->blobs().OpenReader(version.sha256));
    std::string head(std::min<uint64_t>(version.groesse, 5), '\0');
    AKTENWERK_ASSIGN_OR_RETURN(auto got, reader->ReadAt(0, head.data(), head.size()));
    head.resize(got);
    // DER SignedData starts with a SEQUENCE, PEM with its armour, a PDF with its header.
    const bool pdf = head == "%PDF-";
    if (head.empty() || (!pdf && head[0] != 0x30 && head[0] != '-')) return out;
    std::string content(version.groesse, '\0');
    AKTENWERK_ASSIGN_OR_RETURN(auto n, reader->ReadAt(0, content.data(), content.size()));
    content.resize(n);

    VersionSignatur sig;
    sig.dokument_id = version.dokument_id;
    sig.nummer = version.nummer;
    sig.art = "beigefuegt";
    sig.sha256 = version.sha256;
    sig.geprueft_am = repo_->clock().NowMillis();
    if (pdf) {
        sig.format = "pdf-signatur";
        for (const PdfSignatur& found : FindPdfSignatures(content)) {
            VersionSignatur one = sig;
            Apply(CheckPdfSignature(content, found, *trust_, one.geprueft_am), &one);
            one.cms = found.cms;
            one.nachtraeglich = found.nachtraeglich;
            AKTENWERK_ASSIGN_OR_RETURN(auto recorded, Record(p, std::move(one)));
            out.push_back(std::move(recorded));
        }
        return out;
    }
    if (!LooksLikeCms(content)) return out;
    sig.format = "cms-enveloping-inhalt";
    Apply(VerifyCms(content, "", *trust_, sig.geprueft_am), &sig);
    sig.cms = std::move(content);
    AKTENWERK_ASSIGN_OR_RETURN(auto recorded, Record(p, std::move(sig)));
    out.push_back(std::move(recorded));
    return out;
}

Result<std::vector<VersionSignatur>> IntegrityService::Signatures(const Principal& p,
                                                                  std::string_view dokument_id,
                                                                  uint32_t nummer) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto version, repo_->GetVersion(p, dokument_id, nummer));
    std::vector<VersionSignatur> out;
    AKTENWERK_RETURN_IF_ERROR(
        repo_->metadata().Scan(keys::VersionSignaturPrefix(version.dokument_id, version.nummer), "",
                               0, [&](auto, auto value) {
                                   auto j = storage::DecodeValue(value);
                                   if (j.ok()) out.push_back(SignaturFromStored(*j));
                                   return true;
                               }));
    return out;
}

Result<IntegrityReport> VerifyRepository(const storage::MetadataStore& store,
                                         const storage::BlobStore& blobs,
                                         const VerifyOptions& options,
                                         const VerifyProgress& progress) {
    Checker checker(store, blobs, options, progress);
    return checker.Run();
}

}  // namespace aktenwerk::dms
