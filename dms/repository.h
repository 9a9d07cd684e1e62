// The records service: the Aktenplan, Akten, Vorgänge and Dokumente with their versions,
// lifecycle (zdA, reopen), moves and the audit trail. Every interface (REST, CMIS, xdomea,
// command line) goes through this class, so the rules live in one place.
#pragma once

#include <atomic>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dms/access_control.h"
#include "dms/aktenplan_import.h"
#include "dms/aktenzeichen.h"
#include "dms/audit_queue.h"
#include "dms/clock.h"
#include "dms/destruction.h"
#include "dms/lifecycle_hook.h"
#include "dms/model.h"
#include "dms/principal.h"
#include "dms/tokens.h"
#include "dms/users.h"
#include "storage/blob_store.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

// The data format this binary writes. A data directory of a newer format is refused; an older
// one is upgraded on open (format_upgrade.h). 2: the instance id (m/instanz).
inline constexpr int kDataFormatVersion = 2;

struct RepositoryOptions {
    std::string aktenzeichen_pattern = std::string(AktenzeichenPattern::kDefault);
    // Largest accepted content of one version.
    uint64_t max_content_bytes = uint64_t{8} << 30;
    // Free space kept back on the data directory's file system: new content and ordinary
    // changes stop with "disk-full" before it is touched, so that reads (whose audit entries
    // need a little room) and deletions keep working on a full disk.
    uint64_t reserve_bytes = uint64_t{64} << 20;
    storage::MetadataStoreOptions metadata;
    // PBKDF2 iterations for new password hashes. Lower it only in tests.
    uint32_t password_iterations = UserStore::kIterations;
};

// A stream of bytes to store as a version. Read returns the number of bytes copied into
// `buf` (0 at the end) or an error (a truncated upload).
class ContentSource {
  public:
    virtual ~ContentSource() = default;
    virtual Result<size_t> Read(char* buf, size_t n) = 0;
    // The exact number of bytes that will be read, when known in advance (an announced
    // Content-Length); lets an upload that is too large or cannot fit be refused early.
    virtual std::optional<uint64_t> size_hint() const { return std::nullopt; }
};

// What the client says about a new version; the rest is measured from the content.
struct NewVersion {
    std::string dateiname;
    bool major = true;
    std::string kommentar;
};

// An opened version for download. The read has already been written to the audit trail.
struct Content {
    Version version;
    std::unique_ptr<storage::BlobReader> reader;
};

struct ImportReport {
    size_t angelegt = 0;   // units created
    size_t vorhanden = 0;  // units whose Kennzeichen was already in the plan (left as they are)
};

struct ChildPage {
    std::vector<Objekt> items;
    std::string next_cursor;  // empty on the last page
};

// Thread-safe. Methods that change data return only after the change and its audit entry
// are durable.
//
// Rights (issue #6): every method checks the caller's rights through Authorize() before it
// reads or changes anything, so no interface can forget them. An object the caller may not
// read answers kNotFound with the same message as a missing one (its existence is
// confidential); an object it may read but not change answers kPermissionDenied. Both are
// written to the audit trail. New methods call Authorize (or LoadAuthorized) first, too.
class Repository {
  public:
    // Opens (or creates) a data directory: DIR/meta (LevelDB), DIR/blobs. Refuses a directory
    // written by a newer format (kFailedPrecondition, reason "format-too-new"), upgrades one
    // of an older format after backing it up (see format_upgrade.h), and removes blobs left
    // without metadata by a crash.
    static Result<std::unique_ptr<Repository>> Open(const std::string& data_dir,
                                                    const RepositoryOptions& options,
                                                    const Clock* clock);
    ~Repository();

    // Creates an Aktenplaneinheit, Akte, Vorgang or Dokument (without content) under
    // `parent_id` (kRootId for a top-level unit) from the API fields in `fields`.
    // kNotFound for an unknown parent, kInvalidArgument for a parent of the wrong kind or a
    // bad field, kAlreadyExists for a duplicate Kennzeichen, kFailedPrecondition (reason
    // "closed") below a closed Akte or Vorgang.
    Result<Objekt> Create(const Principal& p, Kind kind, std::string_view parent_id,
                          const nlohmann::json& fields);

    // Creates a Dokument and its first version in one transaction.
    Result<std::pair<Objekt, Version>> CreateDokument(const Principal& p,
                                                      std::string_view parent_id,
                                                      const nlohmann::json& fields,
                                                      ContentSource& content,
                                                      const NewVersion& version);

    // Imports Aktenplaneinheiten in one transaction: all of them or none. A unit whose
    // Kennzeichen exists is left unchanged; a unit naming an unknown parent fails the import
    // with kInvalidArgument.
    Result<ImportReport> ImportAktenplan(const Principal& p, const std::vector<PlanUnit>& units);

    // Changes the updatable fields named in `patch`. When `expected_revision` is non-zero and
    // differs from the stored one, fails with kFailedPrecondition (reason "revision-mismatch").
    Result<Objekt> Update(const Principal& p, std::string_view id, const nlohmann::json& patch,
                          uint64_t expected_revision = 0);

    // Moves an object under another parent of an allowed kind. Refuses moves into the
    // object's own subtree, out of or into closed objects, and out of the scope of a hold
    // on an ancestor (kFailedPrecondition, reason "held"). An Akte keeps its Aktenzeichen;
    // the former place is kept in `fruehere_ablagen` and in the audit trail.
    Result<Objekt> Move(const Principal& p, std::string_view id, std::string_view new_parent_id);

    // zdA: closes an Akte or Vorgang on `date` (default today; not in the future, not before
    // the Laufzeit began). A date in an earlier calendar year than today moves the due date
    // of the retention period, so it is a retroactive entry (migration of legacy files): it
    // needs an authorised user (kPermissionDenied otherwise) and a `grund` (kInvalidArgument
    // without), and is audited as such.
    Result<Objekt> Close(const Principal& p, std::string_view id, std::optional<CivilDate> date,
                         std::string_view grund = {});
    // Reopens a closed Akte or Vorgang (audited). Refused inside a closed parent.
    Result<Objekt> Reopen(const Principal& p, std::string_view id);

    // Stores new content of a Dokument as its next version (major: n+1.0, minor: n.m+1).
    Result<Version> AddVersion(const Principal& p, std::string_view dokument_id,
                               ContentSource& content, const NewVersion& version);

    Result<Objekt> Get(const Principal& p, std::string_view id) const;
    Result<Objekt> FindByKennzeichen(const Principal& p, std::string_view kennzeichen) const;
    Result<Objekt> FindByAktenzeichen(const Principal& p, std::string_view aktenzeichen) const;

    // The chain of ancestors from the top-level unit down to and including `id`.
    Result<std::vector<Objekt>> Path(const Principal& p, std::string_view id) const;

    // Children in order (units by Kennzeichen, then Akten, Vorgänge, Dokumente by creation),
    // optionally of one kind; `cursor` continues a previous page.
    Result<ChildPage> Children(const Principal& p, std::string_view parent_id,
                               std::optional<Kind> kind, std::string_view cursor,
                               size_t limit) const;

    Result<std::vector<Version>> Versions(const Principal& p, std::string_view dokument_id) const;
    // `nummer` 0 means the latest version.
    Result<Version> GetVersion(const Principal& p, std::string_view dokument_id,
                               uint32_t nummer) const;
    // Opens a version's content and records the read in the audit trail first. When the disk
    // is full or read-only, content outside confidential Akten is still served (the missing
    // entry is logged); confidential content is then refused with the storage error.
    Result<Content> OpenContent(const Principal& p, std::string_view dokument_id, uint32_t nummer);

    // Deletes an object directly under the records rules, with a reason: a Dokument filed in
    // an open Akte or Vorgang (with all its versions and Anlagen), an empty open Akte or
    // Vorgang, or an empty Aktenplaneinheit (authorised users only). Refused with
    // kFailedPrecondition: reason "closed" at or below a closed Akte or Vorgang (records
    // under retention leave only through the Aussonderung), "not-empty" for an Akte, Vorgang
    // or unit with content, "held" when a hold covers the object or anything below it. The
    // check and the removal are one transaction; blobs no longer referenced are removed after
    // it. Akten and Vorgänge leave a stub.
    Result<EntfernungsBericht> Delete(const Principal& p, std::string_view id,
                                      std::string_view grund);

    // The destruction or transfer of the Aussonderung (used by the retention layer, never by
    // an interface directly): removes `auftrag.objekt_id` and its subtree in one transaction,
    // after the hold check and `auftrag.pruefen`, see destruction.h. Archivists only.
    Result<EntfernungsBericht> Destroy(const Principal& p, const EntfernungsAuftrag& auftrag);

    // The stub of a removed Akte or Vorgang; kNotFound when there is none.
    Result<Stub> GetStub(const Principal& p, std::string_view id) const;
    // The stubs of the objects removed from below `parent_id`, at most `limit`.
    Result<std::vector<Stub>> Stubs(const Principal& p, std::string_view parent_id,
                                    size_t limit) const;

    // Registers the hook that higher layers use to keep derived state in the lifecycle
    // changes' transactions (see lifecycle_hook.h); nullptr removes it. Call before the
    // repository is used by other threads; `hook` must outlive the repository's use of it.
    void SetLifecycleHook(LifecycleHook* hook) { hook_ = hook; }
    // The registered hook, or nullptr; for the removal core run outside this class (restore).
    LifecycleHook* lifecycle_hook() const { return hook_; }

    // The audit entries of one object, oldest first. Who read it, who was refused and who
    // holds which roles there is the business of those who administer the unit (reading
    // habits of staff are personal data too), and so are people's Wiedervorlagen: without
    // kRightAdminister those entries are left out.
    Result<std::vector<AuditEntry>> History(const Principal& p, std::string_view id, uint64_t after,
                                            size_t limit) const;
    // The whole audit trail; administrators only.
    Result<std::vector<AuditEntry>> Audit(const Principal& p, uint64_t after, size_t limit) const;

    // The rights check of the service. Returns the caller's access to `o` when it holds
    // every right in `needed` (a mask of Right) there, evaluated at `level` when given
    // (a Vertraulichkeitsstufe the change would give the object) or else at the object's
    // own. kNotFound (as for a missing object) when `p` may not read `o`, kPermissionDenied
    // when it may read but lacks a right; both refusals are queued for the audit trail.
    Result<Access> Authorize(const Principal& p, const Objekt& o, uint32_t needed,
                             std::optional<size_t> level = std::nullopt) const;
    // Loads `id` and Authorize()s it.
    Result<Objekt> LoadAuthorized(const Principal& p, std::string_view id, uint32_t needed) const;
    // The caller's own rights on an object (kNotFound when it may not read it).
    Result<Access> AccessOn(const Principal& p, std::string_view id) const;
    // What `p` may read, for filters inside the search index.
    Result<Visibility> VisibilityFor(const Principal& p) const;
    // Writes audit entries queued so far (refusals); for tests and shutdown.
    void FlushAudit() const;

    UserStore& users() { return *users_; }
    TokenStore& tokens() { return *tokens_; }
    AccessControl& access() { return *access_; }
    const AccessControl& access() const { return *access_; }
    storage::MetadataStore& metadata() { return *metadata_; }
    storage::BlobStore& blobs() { return *blobs_; }
    const Clock& clock() const { return *clock_; }
    const RepositoryOptions& options() const { return options_; }
    // The data directory given to Open.
    const std::string& data_dir() const { return data_dir_; }
    // Versions stored (new Dokumente included) since Open, counted once durable; for the
    // ingest rate of /metrics.
    uint64_t versions_stored() const { return versions_stored_.load(std::memory_order_relaxed); }

  private:
    struct StoredBlob;

    Repository(std::unique_ptr<storage::MetadataStore> metadata,
               std::unique_ptr<storage::BlobStore> blobs, AktenzeichenPattern pattern,
               const RepositoryOptions& options, const Clock* clock);

    Result<Objekt> Load(std::string_view id) const;
    Status AuditConfidentialRead(const Principal& p, const Objekt& o, const Access& access,
                                 std::string_view what) const;
    void Refuse(const Principal& p, const Objekt& o, uint32_t needed, bool visible) const;
    Status AllowUnauditedRead(std::string_view dokument_id, const Status& audit) const;
    Result<StoredBlob> WriteBlob(ContentSource& content);
    void ReleaseBlob(const std::string& sha256);
    Status CreateInTxn(storage::Txn& txn, const Principal& p, Objekt& o,
                       const nlohmann::json& fields);
    Status AddVersionInTxn(storage::Txn& txn, const Principal& p, Objekt& doc,
                           const StoredBlob& blob, const NewVersion& nv, Version* out);
    Status CheckDeletable(const storage::Txn& txn, const Objekt& o) const;

    std::unique_ptr<storage::MetadataStore> metadata_;
    std::unique_ptr<storage::BlobStore> blobs_;
    std::unique_ptr<UserStore> users_;
    std::unique_ptr<TokenStore> tokens_;
    std::unique_ptr<AccessControl> access_;
    std::unique_ptr<AuditQueue> audit_queue_;
    AktenzeichenPattern pattern_;
    RepositoryOptions options_;
    const Clock* clock_;
    LifecycleHook* hook_ = nullptr;
    std::string data_dir_;
    std::atomic<uint64_t> versions_stored_{0};
};

}  // namespace aktenwerk::dms
