// The records service. Each change is one transaction of the metadata store: checks run
// inside it (transactions are serial), and the object, its indexes, the audit entry and the
// outbox entry for the indexer are written together.
#include "dms/repository.h"

#include <filesystem>

#include "dms/audit.h"
#include "dms/format_upgrade.h"
#include "dms/holds.h"
#include "dms/keys.h"
#include "dms/media_type.h"
#include "dms/objekt_io.h"
#include "dms/outbox.h"
#include "dms/uuid.h"
#include "dms/validation.h"
#include "storage/codec.h"
#include "storage/log.h"

namespace aktenwerk::dms {
namespace {

using nlohmann::json;

// Walks up the tree stop here and report corruption: no sound tree is this deep, because
// creations and moves keep every object within kMaxTreeDepth levels.
constexpr size_t kMaxDepth = 64;
// Levels from the top of the Aktenplan down to an object, the object included.
constexpr size_t kMaxTreeDepth = 32;
constexpr size_t kBetreffMax = 1000;
constexpr size_t kShortTextMax = 500;
constexpr size_t kMaxMetadataKeys = 64;
constexpr size_t kMaxMetadataValue = 4000;
const std::vector<std::string> kVertraulichkeit = {"offen", "VS-NfD", "vertraulich", "geheim"};

const log::Logger& Log() {
    static const log::Logger logger("dms");
    return logger;
}

std::string NewId() { return NewUuid(); }

char KindChar(Kind kind) { return static_cast<char>('0' + static_cast<int>(kind)); }

std::string ChildKey(const Objekt& o) { return ChildIndexKey(o); }

// The next creation sequence number. Transactions run serially, so numbers are unique and
// follow the commit order.
Result<uint64_t> NextSequenz(storage::Txn& txn) {
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, txn.Get(std::string(keys::kObjektSequenz)));
    uint64_t n = 0;
    if (raw) {
        AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
        n = j.get<uint64_t>();
    }
    txn.Put(std::string(keys::kObjektSequenz), storage::EncodeValue(n + 1));
    return n + 1;
}

template <typename Reader>
Result<Objekt> LoadFrom(const Reader& reader, std::string_view id) {
    return LoadObjekt(reader, id);
}

void PutObjekt(storage::Txn& txn, const Objekt& o) {
    txn.Put(keys::Objekt(o.id), storage::EncodeValue(ToJson(o)));
}

bool AllowedParent(Kind child, std::optional<Kind> parent) {
    switch (child) {
        case Kind::kAktenplaneinheit:
            return !parent || *parent == Kind::kAktenplaneinheit;
        case Kind::kAkte:
            return parent && (*parent == Kind::kAktenplaneinheit || *parent == Kind::kAkte);
        case Kind::kVorgang:
            return parent && (*parent == Kind::kAkte || *parent == Kind::kVorgang);
        case Kind::kDokument:
            return parent && (*parent == Kind::kAkte || *parent == Kind::kVorgang ||
                              *parent == Kind::kDokument);
    }
    return false;
}

// Refuses changes at or below a closed Akte or Vorgang: walks from `o` up to the Aktenplan.
template <typename Reader>
Status CheckWritable(const Reader& reader, const Objekt& o) {
    Objekt current = o;
    for (size_t depth = 0; depth < kMaxDepth; ++depth) {
        if (current.closed()) {
            std::string name = current.kind == Kind::kAkte ? "Akte " + current.aktenzeichen
                                                           : "Vorgang " + current.id;
            return FailedPreconditionError(
                name + " is closed (zdA " + current.zda->ToString() + "); reopen it first",
                "closed");
        }
        if (current.kind == Kind::kAktenplaneinheit || current.parent_id == kRootId) {
            return Status::Ok();
        }
        AKTENWERK_ASSIGN_OR_RETURN(current, LoadFrom(reader, current.parent_id));
    }
    return CorruptionError("object tree deeper than " + std::to_string(kMaxDepth) + " levels");
}

// The level of `o` in the tree: 1 for a top-level Aktenplaneinheit.
template <typename Reader>
Result<size_t> DepthOf(const Reader& reader, const Objekt& o) {
    Objekt current = o;
    for (size_t depth = 1; depth <= kMaxDepth; ++depth) {
        if (current.parent_id == kRootId) return depth;
        AKTENWERK_ASSIGN_OR_RETURN(current, LoadFrom(reader, current.parent_id));
    }
    return CorruptionError("object tree deeper than " + std::to_string(kMaxDepth) + " levels");
}

Status TooDeep(std::string_view what) {
    return InvalidArgumentError(std::string(what) + " would lie more than " +
                                    std::to_string(kMaxTreeDepth) + " levels deep in the Aktenplan",
                                "too-deep");
}

// Whether the subtree below `id` reaches more than `levels` levels below it. Reads
// committed state; visits at most the nodes within `levels + 1` levels.
Result<bool> DeeperThan(const storage::MetadataStore& store, const std::string& id, size_t levels) {
    std::vector<std::string> children;
    AKTENWERK_RETURN_IF_ERROR(
        store.Scan(keys::ChildPrefix(id), "", 0, [&](std::string_view key, std::string_view) {
            children.emplace_back(key.substr(key.rfind('/') + 1));
            return true;
        }));
    if (children.empty()) return false;
    if (levels == 0) return true;
    for (const auto& child : children) {
        AKTENWERK_ASSIGN_OR_RETURN(bool deeper, DeeperThan(store, child, levels - 1));
        if (deeper) return true;
    }
    return false;
}

}  // namespace

Status CheckWritableInTxn(const storage::Txn& txn, const Objekt& o) {
    return CheckWritable(txn, o);
}

Status AppendOutbox(storage::Txn& txn, const std::string& objekt_id, std::string_view aktion,
                    uint32_t version) {
    AKTENWERK_ASSIGN_OR_RETURN(auto head, txn.Get(std::string(keys::kOutboxHead)));
    uint64_t seq = 1;
    if (head) {
        AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*head));
        seq = j.get<uint64_t>() + 1;
    }
    // dms/search_indexer drains this outbox into the search index and deletes what it applied.
    txn.Put(
        keys::Outbox(seq),
        storage::EncodeValue({{"objekt_id", objekt_id}, {"aktion", aktion}, {"version", version}}));
    txn.Put(std::string(keys::kOutboxHead), storage::EncodeValue(seq));
    return Status::Ok();
}

namespace {

Status Unknown(std::string_view field, Kind kind) {
    return InvalidArgumentError("field '" + std::string(field) + "' is not known for " +
                                    std::string(KindName(kind)) + " or cannot be set",
                                "unknown-field");
}

Status ReadString(const json& value, std::string_view field, size_t max, bool required,
                  std::string* out, bool multiline = false) {
    if (!value.is_string()) {
        return InvalidArgumentError("field '" + std::string(field) + "' must be a string");
    }
    const auto& s = value.get_ref<const std::string&>();
    AKTENWERK_RETURN_IF_ERROR(CheckText(field, s, max, required, multiline));
    *out = s;
    return Status::Ok();
}

Status ReadDate(const json& value, std::string_view field, std::optional<CivilDate>* out) {
    if (value.is_null()) {
        out->reset();
        return Status::Ok();
    }
    std::optional<CivilDate> d;
    if (value.is_string()) d = CivilDate::Parse(value.get<std::string>());
    if (!d) {
        return InvalidArgumentError("field '" + std::string(field) +
                                    "' must be a date YYYY-MM-DD that exists");
    }
    *out = d;
    return Status::Ok();
}

Status ReadMetadata(const json& value, json* out) {
    if (!value.is_object()) return InvalidArgumentError("field 'metadaten' must be an object");
    if (value.size() > kMaxMetadataKeys) {
        return InvalidArgumentError("field 'metadaten' has more than 64 keys");
    }
    for (const auto& [key, v] : value.items()) {
        AKTENWERK_RETURN_IF_ERROR(CheckText("metadaten key", key, 100, true));
        std::string ignored;
        AKTENWERK_RETURN_IF_ERROR(
            ReadString(v, "metadaten." + key, kMaxMetadataValue, false, &ignored, true));
    }
    *out = value;
    return Status::Ok();
}

// Applies API fields to an object. `create` allows the fields that are fixed afterwards.
Status ApplyFields(Objekt& o, const json& fields, bool create) {
    if (!fields.is_object()) return InvalidArgumentError("the body must be a JSON object");
    for (const auto& [field, value] : fields.items()) {
        const bool unit = o.kind == Kind::kAktenplaneinheit;
        const bool dok = o.kind == Kind::kDokument;
        const bool akte_or_vorgang = o.kind == Kind::kAkte || o.kind == Kind::kVorgang;
        Status s;
        if (unit && field == "kennzeichen") {
            s = ReadString(value, field, 40, true, &o.kennzeichen);
            if (s.ok()) s = CheckKennzeichen(o.kennzeichen);
        } else if (unit && field == "titel") {
            s = ReadString(value, field, kShortTextMax, true, &o.titel);
        } else if (unit && field == "beschreibung") {
            s = ReadString(value, field, 4000, false, &o.beschreibung, true);
        } else if (!unit && field == "betreff") {
            s = ReadString(value, field, kBetreffMax, true, &o.betreff);
        } else if (!unit && field == "metadaten") {
            s = ReadMetadata(value, &o.metadaten);
        } else if (akte_or_vorgang && field == "laufzeit_beginn") {
            s = ReadDate(value, field, &o.laufzeit_beginn);
        } else if (akte_or_vorgang && field == "laufzeit_ende") {
            s = ReadDate(value, field, &o.laufzeit_ende);
        } else if (akte_or_vorgang && field == "federfuehrung") {
            s = ReadString(value, field, kShortTextMax, false, &o.federfuehrung);
        } else if (o.kind == Kind::kAkte && field == "vertraulichkeit") {
            s = ReadString(value, field, 40, true, &o.vertraulichkeit);
            if (s.ok() && std::find(kVertraulichkeit.begin(), kVertraulichkeit.end(),
                                    o.vertraulichkeit) == kVertraulichkeit.end()) {
                s = InvalidArgumentError(
                    "field 'vertraulichkeit' must be offen, VS-NfD, vertraulich or geheim");
            }
        } else if (dok && field == "posteingangsdatum") {
            s = ReadDate(value, field, &o.posteingangsdatum);
        } else if (dok && field == "absender") {
            s = ReadString(value, field, kShortTextMax, false, &o.absender);
        } else if (dok && field == "dokumenttyp") {
            s = ReadString(value, field, 100, false, &o.dokumenttyp);
        } else if (create && (field == "parent_id" || field == "typ")) {
            continue;  // addressed by the caller
        } else {
            s = Unknown(field, o.kind);
        }
        AKTENWERK_RETURN_IF_ERROR(s);
    }
    if (o.laufzeit_beginn && o.laufzeit_ende && *o.laufzeit_ende < *o.laufzeit_beginn) {
        return InvalidArgumentError("laufzeit_ende lies before laufzeit_beginn");
    }
    return Status::Ok();
}

Status CheckRequired(const Objekt& o) {
    if (o.kind == Kind::kAktenplaneinheit) {
        if (o.kennzeichen.empty()) return InvalidArgumentError("field 'kennzeichen' is required");
        if (o.titel.empty()) return InvalidArgumentError("field 'titel' is required");
    } else if (o.betreff.empty()) {
        return InvalidArgumentError("field 'betreff' is required");
    }
    return Status::Ok();
}

void Touch(Objekt& o, const Principal& p, int64_t now) {
    o.revision += 1;
    o.geaendert_von = p.name;
    o.geaendert_am = now;
}

}  // namespace

std::string ChildIndexKey(const Objekt& o) {
    std::string sort =
        o.kind == Kind::kAktenplaneinheit ? o.kennzeichen : storage::SortableNumber(o.sequenz);
    return keys::Child(o.parent_id, KindChar(o.kind), sort, o.id);
}

std::string ChildPrefixOfKind(std::string_view parent_id, Kind kind) {
    return keys::ChildPrefix(parent_id) + KindChar(kind) + "/";
}

std::string Bezeichnung(const Objekt& o) {
    switch (o.kind) {
        case Kind::kAktenplaneinheit:
            return o.kennzeichen;
        case Kind::kAkte:
            return o.aktenzeichen;
        default:
            return o.betreff;
    }
}

struct Repository::StoredBlob {
    storage::BlobInfo info;
    storage::BlobPin pin;
    std::string mime_type;
    std::string zeichensatz;
};

Result<std::unique_ptr<Repository>> Repository::Open(const std::string& data_dir,
                                                     const RepositoryOptions& options,
                                                     const Clock* clock) {
    AKTENWERK_ASSIGN_OR_RETURN(auto pattern,
                               AktenzeichenPattern::Parse(options.aktenzeichen_pattern));
    std::error_code ec;
    std::filesystem::create_directories(data_dir, ec);
    if (ec) return ErrnoError("create data folder " + data_dir, ec.value());
    storage::MetadataStoreOptions metadata_options = options.metadata;
    metadata_options.reserve_bytes = options.reserve_bytes;
    AKTENWERK_ASSIGN_OR_RETURN(auto metadata,
                               storage::MetadataStore::Open(data_dir + "/meta", metadata_options));
    AKTENWERK_ASSIGN_OR_RETURN(
        auto blobs, storage::BlobStore::Open(data_dir + "/blobs", options.reserve_bytes));

    AKTENWERK_ASSIGN_OR_RETURN(auto format, metadata->Get(std::string(keys::kFormat)));
    if (format) {
        AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*format));
        int version = j.value("version", 0);
        if (version > kDataFormatVersion) {
            return FailedPreconditionError(
                "data folder " + data_dir + " has format " + std::to_string(version) +
                    ", this binary understands up to " + std::to_string(kDataFormatVersion),
                "format-too-new");
        }
        if (version < kDataFormatVersion) {
            AKTENWERK_RETURN_IF_ERROR(UpgradeDataFormat(*metadata, *blobs, data_dir, version,
                                                        kDataFormatVersion, FormatUpgradeSteps(),
                                                        *clock)
                                          .status());
        }
    } else {
        AKTENWERK_RETURN_IF_ERROR(metadata->Commit([](storage::Txn& txn) {
            txn.Put(std::string(keys::kFormat),
                    storage::EncodeValue({{"version", kDataFormatVersion}}));
            txn.Put(std::string(kInstanzKey), storage::EncodeValue({{"id", NewUuid()}}));
            return Status::Ok();
        }));
    }

    storage::MetadataStore* meta = metadata.get();
    AKTENWERK_ASSIGN_OR_RETURN(
        uint64_t removed, blobs->RemoveOrphans([meta](const std::string& sha) -> Result<bool> {
            AKTENWERK_ASSIGN_OR_RETURN(auto ref, meta->Get(keys::BlobRef(sha)));
            return ref.has_value();
        }));
    if (removed > 0) Log().Info("recovery removed orphans", "files=" + std::to_string(removed));

    std::unique_ptr<Repository> repo(
        new Repository(std::move(metadata), std::move(blobs), std::move(pattern), options, clock));
    repo->data_dir_ = data_dir;
    AKTENWERK_RETURN_IF_ERROR(repo->access_->Load());
    return repo;
}

Repository::Repository(std::unique_ptr<storage::MetadataStore> metadata,
                       std::unique_ptr<storage::BlobStore> blobs, AktenzeichenPattern pattern,
                       const RepositoryOptions& options, const Clock* clock)
    : metadata_(std::move(metadata)),
      blobs_(std::move(blobs)),
      users_(std::make_unique<UserStore>(metadata_.get(), clock, options.password_iterations)),
      tokens_(std::make_unique<TokenStore>(metadata_.get(), clock)),
      access_(std::make_unique<AccessControl>(metadata_.get(), clock)),
      audit_queue_(std::make_unique<AuditQueue>(metadata_.get())),
      pattern_(std::move(pattern)),
      options_(options),
      clock_(clock) {
    users_->SetChangeListener([access = access_.get()] { access->PrincipalsChanged(); });
    users_->SetAuditQueue(audit_queue_.get());
    tokens_->SetAuditQueue(audit_queue_.get());
    access_->SetAuditQueue(audit_queue_.get());
}

Repository::~Repository() = default;

Result<Objekt> Repository::Load(std::string_view id) const { return LoadFrom(*metadata_, id); }

void Repository::Refuse(const Principal& p, const Objekt& o, uint32_t needed, bool visible) const {
    json detail = {{"rechte", RightNames(needed)}, {"sichtbar", visible}};
    if (p.token) detail["token"] = p.token->token_id;
    audit_queue_->Push({clock_->NowMillis(), p.name, o.id, "zugriff-verweigert", detail});
}

Result<Access> Repository::Authorize(const Principal& p, const Objekt& o, uint32_t needed,
                                     std::optional<size_t> level) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto access, access_->AccessTo(p, o));
    uint32_t rights = access.rights;
    if (level && *level != access.placement.stufe) {
        Placement at{access.placement.einheit_id, std::max(*level, access.placement.stufe)};
        AKTENWERK_ASSIGN_OR_RETURN(rights, access_->RightsAt(p, at));
    }
    if ((access.rights & kRightRead) == 0) {
        Refuse(p, o, needed, false);
        // The very message of a missing object: nothing tells the two apart.
        return NotFoundError("object " + o.id + " not found");
    }
    if ((rights & needed) != needed) {
        Refuse(p, o, needed, true);
        std::string what;
        for (const auto& name : RightNames(needed & ~rights))
            what += (what.empty() ? "" : ", ") + name;
        return PermissionDeniedError("this needs the right " + what + " on " + Bezeichnung(o));
    }
    return access;
}

Result<Objekt> Repository::LoadAuthorized(const Principal& p, std::string_view id,
                                          uint32_t needed) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto o, Load(id));
    AKTENWERK_RETURN_IF_ERROR(Authorize(p, o, needed).status());
    return o;
}

Result<Access> Repository::AccessOn(const Principal& p, std::string_view id) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto o, Load(id));
    return Authorize(p, o, kRightRead);
}

Result<Visibility> Repository::VisibilityFor(const Principal& p) const {
    return access_->VisibilityFor(p);
}

void Repository::FlushAudit() const { audit_queue_->Flush(); }

// Reads of confidential objects are on record, like every content read.
Status Repository::AuditConfidentialRead(const Principal& p, const Objekt& o, const Access& access,
                                         std::string_view what) const {
    if (access.placement.stufe < kAuditedLevel) return Status::Ok();
    return metadata_->Commit(
        [&](storage::Txn& txn) {
            return AppendAudit(txn, clock_->NowMillis(), p.name, o.id, "vertraulich-gelesen",
                               nullptr,
                               {{"was", what}, {"stufe", kLevelNames[access.placement.stufe]}});
        },
        storage::Room::kMayUseReserve);
}

// The right a change of `kind` needs on its parent or itself: the plan's structure is the
// records office's, the Akten's contents are the clerks'.
static uint32_t WriteRightFor(Kind kind) {
    return kind == Kind::kAktenplaneinheit ? kRightPlan : kRightWrite;
}

// The level a new or changed Akte asks for in `fields`, if any.
static std::optional<size_t> RequestedLevel(const json& fields) {
    if (!fields.is_object()) return std::nullopt;
    auto it = fields.find("vertraulichkeit");
    if (it == fields.end() || !it->is_string()) return std::nullopt;
    return ParseLevel(it->get<std::string>());
}

Status Repository::CreateInTxn(storage::Txn& txn, const Principal& p, Objekt& o,
                               const json& fields) {
    std::optional<Kind> parent_kind;
    Objekt parent;
    if (o.parent_id != kRootId) {
        AKTENWERK_ASSIGN_OR_RETURN(parent, LoadFrom(txn, o.parent_id));
        parent_kind = parent.kind;
        AKTENWERK_RETURN_IF_ERROR(CheckWritable(txn, parent));
    }
    if (!AllowedParent(o.kind, parent_kind)) {
        return InvalidArgumentError(
            "a " + std::string(KindName(o.kind)) + " cannot be placed under " +
                (parent_kind ? "a " + std::string(KindName(*parent_kind)) : "the Aktenplan root"),
            "wrong-parent");
    }
    if (parent_kind) {
        AKTENWERK_ASSIGN_OR_RETURN(size_t parent_depth, DepthOf(txn, parent));
        if (parent_depth + 1 > kMaxTreeDepth) return TooDeep("the new object");
    }
    AKTENWERK_RETURN_IF_ERROR(ApplyFields(o, fields, /*create=*/true));
    AKTENWERK_RETURN_IF_ERROR(CheckRequired(o));
    const int64_t now = clock_->NowMillis();
    o.erstellt_von = o.geaendert_von = p.name;
    o.erstellt_am = o.geaendert_am = now;
    o.revision = 1;
    AKTENWERK_ASSIGN_OR_RETURN(o.sequenz, NextSequenz(txn));
    if ((o.kind == Kind::kAkte || o.kind == Kind::kVorgang) && !o.laufzeit_beginn) {
        o.laufzeit_beginn = clock_->Today();
    }

    if (o.kind == Kind::kAktenplaneinheit) {
        AKTENWERK_ASSIGN_OR_RETURN(auto taken, txn.Get(keys::Kennzeichen(o.kennzeichen)));
        if (taken) {
            return AlreadyExistsError("Kennzeichen " + o.kennzeichen + " is already in the plan",
                                      "duplicate-kennzeichen");
        }
        txn.Put(keys::Kennzeichen(o.kennzeichen), o.id);
    } else if (o.kind == Kind::kAkte) {
        if (parent.kind == Kind::kAkte) {
            // Numbers are never reused; skip any that a moved-in Akte already carries.
            while (true) {
                parent.teilakten_zaehler += 1;
                o.aktenzeichen =
                    parent.aktenzeichen + "-" + std::to_string(parent.teilakten_zaehler);
                AKTENWERK_ASSIGN_OR_RETURN(auto clash, txn.Get(keys::Aktenzeichen(o.aktenzeichen)));
                if (!clash) break;
            }
            Touch(parent, p, now);
            PutObjekt(txn, parent);
        } else {
            const int year = pattern_.per_year() ? clock_->Today().year : 0;
            const std::string counter_key = keys::AktenCounter(parent.id, year);
            AKTENWERK_ASSIGN_OR_RETURN(auto counter_raw, txn.Get(counter_key));
            uint64_t number = 0;
            if (counter_raw) {
                AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*counter_raw));
                number = j.get<uint64_t>();
            }
            // Numbers are never reused; skip any that a moved-in Akte already carries.
            while (true) {
                o.aktenzeichen =
                    pattern_.Format(parent.kennzeichen, ++number, clock_->Today().year);
                AKTENWERK_ASSIGN_OR_RETURN(auto clash, txn.Get(keys::Aktenzeichen(o.aktenzeichen)));
                if (!clash) break;
            }
            txn.Put(counter_key, storage::EncodeValue(number));
        }
        AKTENWERK_ASSIGN_OR_RETURN(auto clash, txn.Get(keys::Aktenzeichen(o.aktenzeichen)));
        if (clash) return AlreadyExistsError("Aktenzeichen " + o.aktenzeichen + " exists");
        txn.Put(keys::Aktenzeichen(o.aktenzeichen), o.id);
    }

    PutObjekt(txn, o);
    txn.Put(ChildKey(o), "");
    AKTENWERK_RETURN_IF_ERROR(AppendAudit(txn, now, p.name, o.id, "angelegt", nullptr, ToJson(o)));
    return AppendOutbox(txn, o.id, "angelegt", 0);
}

Result<Objekt> Repository::Create(const Principal& p, Kind kind, std::string_view parent_id,
                                  const json& fields) {
    Objekt o;
    o.id = NewId();
    o.kind = kind;
    o.parent_id = parent_id.empty() ? std::string(kRootId) : std::string(parent_id);
    if (o.parent_id == kRootId) {
        if (!p.admin) {
            audit_queue_->Refusal(clock_->NowMillis(), p, "", "einheit-anlegen");
            return PermissionDeniedError("only an administrator adds top-level units");
        }
    } else {
        AKTENWERK_ASSIGN_OR_RETURN(auto parent, Load(o.parent_id));
        AKTENWERK_RETURN_IF_ERROR(
            Authorize(p, parent, WriteRightFor(kind), RequestedLevel(fields)).status());
    }
    Status s = metadata_->Commit([&](storage::Txn& txn) { return CreateInTxn(txn, p, o, fields); });
    if (!s.ok()) return s.WithContext("create " + std::string(KindName(kind)));
    return o;
}

Result<ImportReport> Repository::ImportAktenplan(const Principal& p,
                                                 const std::vector<PlanUnit>& units) {
    if (!p.admin) {
        audit_queue_->Refusal(clock_->NowMillis(), p, "", "aktenplan-import");
        return PermissionDeniedError("only an administrator imports an Aktenplan");
    }
    ImportReport report;
    Status s = metadata_->Commit([&](storage::Txn& txn) -> Status {
        report = {};
        for (const auto& unit : units) {
            AKTENWERK_RETURN_IF_ERROR(CheckKennzeichen(unit.kennzeichen));
            AKTENWERK_ASSIGN_OR_RETURN(auto existing, txn.Get(keys::Kennzeichen(unit.kennzeichen)));
            if (existing) {
                ++report.vorhanden;
                continue;
            }
            Objekt o;
            o.id = NewId();
            o.kind = Kind::kAktenplaneinheit;
            o.parent_id = std::string(kRootId);
            if (!unit.eltern_kennzeichen.empty()) {
                AKTENWERK_ASSIGN_OR_RETURN(auto parent,
                                           txn.Get(keys::Kennzeichen(unit.eltern_kennzeichen)));
                if (!parent) {
                    return InvalidArgumentError("unit " + unit.kennzeichen +
                                                " names the unknown parent " +
                                                unit.eltern_kennzeichen);
                }
                o.parent_id = *parent;
            }
            json fields = {{"kennzeichen", unit.kennzeichen}, {"titel", unit.titel}};
            if (!unit.beschreibung.empty()) fields["beschreibung"] = unit.beschreibung;
            Status created = CreateInTxn(txn, p, o, fields);
            if (!created.ok()) return created.WithContext("unit " + unit.kennzeichen);
            ++report.angelegt;
        }
        return Status::Ok();
    });
    if (!s.ok()) return s.WithContext("import Aktenplan");
    return report;
}

Result<Repository::StoredBlob> Repository::WriteBlob(ContentSource& content) {
    AKTENWERK_ASSIGN_OR_RETURN(auto writer, blobs_->NewWriter(options_.max_content_bytes,
                                                              content.size_hint().value_or(0)));
    std::vector<char> buf(256 * 1024);
    Utf8Checker utf8;
    while (true) {
        AKTENWERK_ASSIGN_OR_RETURN(size_t n, content.Read(buf.data(), buf.size()));
        if (n == 0) break;
        AKTENWERK_RETURN_IF_ERROR(writer->Append(buf.data(), n));
        utf8.Feed(std::string_view(buf.data(), n));
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto finished, writer->Finish());
    StoredBlob blob{finished.first, std::move(finished.second), {}, {}};
    blob.mime_type = DetectMimeType(blobs_->PathFor(blob.info.sha256), writer->head());
    blob.zeichensatz = DetectCharset(blob.mime_type, writer->head(), utf8.valid());
    return blob;
}

void Repository::ReleaseBlob(const std::string& sha256) {
    auto removed = blobs_->RemoveIfUnused(sha256, [this](const std::string& sha) -> Result<bool> {
        AKTENWERK_ASSIGN_OR_RETURN(auto ref, metadata_->Get(keys::BlobRef(sha)));
        return ref.has_value();
    });
    if (!removed.ok()) {
        Log().Warning("unused blob not removed",
                      "sha256=" + sha256 + " error=" + log::Quote(removed.status().ToString()));
    }
}

Status Repository::AddVersionInTxn(storage::Txn& txn, const Principal& p, Objekt& doc,
                                   const StoredBlob& blob, const NewVersion& nv, Version* out) {
    Version v;
    v.dokument_id = doc.id;
    v.nummer = doc.versionen + 1;
    if (doc.versionen == 0) {
        v.major = nv.major ? 1 : 0;
        v.minor = nv.major ? 0 : 1;
    } else {
        AKTENWERK_ASSIGN_OR_RETURN(auto prev_raw, txn.Get(keys::Version(doc.id, doc.versionen)));
        if (!prev_raw) return CorruptionError("latest version of " + doc.id + " is missing");
        AKTENWERK_ASSIGN_OR_RETURN(auto prev_json, storage::DecodeValue(*prev_raw));
        AKTENWERK_ASSIGN_OR_RETURN(auto prev, VersionFromJson(prev_json));
        v.major = nv.major ? prev.major + 1 : prev.major;
        v.minor = nv.major ? 0 : prev.minor + 1;
    }
    const int64_t now = clock_->NowMillis();
    v.sha256 = blob.info.sha256;
    v.groesse = blob.info.size;
    v.mime_type = blob.mime_type;
    v.zeichensatz = blob.zeichensatz;
    v.dateiname = nv.dateiname;
    v.kommentar = nv.kommentar;
    v.erstellt_von = p.name;
    v.erstellt_am = now;
    txn.Put(keys::Version(doc.id, v.nummer), storage::EncodeValue(ToJson(v)));

    AKTENWERK_ASSIGN_OR_RETURN(auto ref_raw, txn.Get(keys::BlobRef(v.sha256)));
    uint64_t refs = 0;
    if (ref_raw) {
        AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*ref_raw));
        refs = j.get<uint64_t>();
    }
    txn.Put(keys::BlobRef(v.sha256), storage::EncodeValue(refs + 1));

    doc.versionen = v.nummer;
    Touch(doc, p, now);
    PutObjekt(txn, doc);
    AKTENWERK_RETURN_IF_ERROR(
        AppendAudit(txn, now, p.name, doc.id, "version-angelegt", nullptr, ToJson(v)));
    AKTENWERK_RETURN_IF_ERROR(AppendOutbox(txn, doc.id, "version-angelegt", v.nummer));
    txn.OnCommit([this] { versions_stored_.fetch_add(1, std::memory_order_relaxed); });
    *out = v;
    return Status::Ok();
}

static Status CheckNewVersion(const NewVersion& nv) {
    AKTENWERK_RETURN_IF_ERROR(CheckFileName("dateiname", nv.dateiname));
    return CheckText("kommentar", nv.kommentar, 2000, false, true);
}

Result<std::pair<Objekt, Version>> Repository::CreateDokument(const Principal& p,
                                                              std::string_view parent_id,
                                                              const json& fields,
                                                              ContentSource& content,
                                                              const NewVersion& nv) {
    AKTENWERK_RETURN_IF_ERROR(CheckNewVersion(nv));
    // Check before reading the body, so that a large upload into a closed Vorgang is refused
    // early; the transaction checks again.
    AKTENWERK_ASSIGN_OR_RETURN(auto parent, LoadAuthorized(p, parent_id, kRightWrite));
    AKTENWERK_RETURN_IF_ERROR(CheckWritable(*metadata_, parent));

    AKTENWERK_ASSIGN_OR_RETURN(auto blob, WriteBlob(content));
    Objekt o;
    o.id = NewId();
    o.kind = Kind::kDokument;
    o.parent_id = std::string(parent_id);
    json with_default = fields;
    if (with_default.is_object() && !with_default.contains("betreff")) {
        with_default["betreff"] = nv.dateiname;
    }
    Version v;
    Status s = metadata_->Commit([&](storage::Txn& txn) {
        AKTENWERK_RETURN_IF_ERROR(CreateInTxn(txn, p, o, with_default));
        return AddVersionInTxn(txn, p, o, blob, nv, &v);
    });
    if (!s.ok()) {
        std::string sha = blob.info.sha256;
        blob.pin = storage::BlobPin();
        ReleaseBlob(sha);
        return s.WithContext("create dokument");
    }
    return std::make_pair(o, v);
}

Result<Version> Repository::AddVersion(const Principal& p, std::string_view dokument_id,
                                       ContentSource& content, const NewVersion& nv) {
    AKTENWERK_RETURN_IF_ERROR(CheckNewVersion(nv));
    AKTENWERK_ASSIGN_OR_RETURN(auto doc, LoadAuthorized(p, dokument_id, kRightWrite));
    if (doc.kind != Kind::kDokument) {
        return InvalidArgumentError(std::string(dokument_id) + " is not a Dokument", "wrong-kind");
    }
    AKTENWERK_RETURN_IF_ERROR(CheckWritable(*metadata_, doc));

    AKTENWERK_ASSIGN_OR_RETURN(auto blob, WriteBlob(content));
    Version v;
    Status s = metadata_->Commit([&](storage::Txn& txn) {
        AKTENWERK_ASSIGN_OR_RETURN(auto current, LoadFrom(txn, dokument_id));
        AKTENWERK_RETURN_IF_ERROR(CheckWritable(txn, current));
        return AddVersionInTxn(txn, p, current, blob, nv, &v);
    });
    if (!s.ok()) {
        std::string sha = blob.info.sha256;
        blob.pin = storage::BlobPin();
        ReleaseBlob(sha);
        return s.WithContext("add version to " + std::string(dokument_id));
    }
    return v;
}

Result<Objekt> Repository::Update(const Principal& p, std::string_view id, const json& patch,
                                  uint64_t expected_revision) {
    {
        AKTENWERK_ASSIGN_OR_RETURN(auto o, Load(id));
        AKTENWERK_RETURN_IF_ERROR(
            Authorize(p, o, WriteRightFor(o.kind), RequestedLevel(patch)).status());
    }
    Objekt result;
    Status s = metadata_->Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto o, LoadFrom(txn, id));
        if (expected_revision != 0 && expected_revision != o.revision) {
            return FailedPreconditionError(
                "object changed since revision " + std::to_string(expected_revision),
                "revision-mismatch");
        }
        AKTENWERK_RETURN_IF_ERROR(CheckWritable(txn, o));
        const Objekt before = o;
        AKTENWERK_RETURN_IF_ERROR(ApplyFields(o, patch, /*create=*/false));
        if (o.kind == Kind::kAktenplaneinheit && o.kennzeichen != before.kennzeichen) {
            AKTENWERK_ASSIGN_OR_RETURN(auto taken, txn.Get(keys::Kennzeichen(o.kennzeichen)));
            if (taken) {
                return AlreadyExistsError(
                    "Kennzeichen " + o.kennzeichen + " is already in the plan",
                    "duplicate-kennzeichen");
            }
            txn.Delete(keys::Kennzeichen(before.kennzeichen));
            txn.Put(keys::Kennzeichen(o.kennzeichen), o.id);
            txn.Delete(ChildKey(before));
            txn.Put(ChildKey(o), "");
        }
        const int64_t now = clock_->NowMillis();
        Touch(o, p, now);
        PutObjekt(txn, o);
        AKTENWERK_RETURN_IF_ERROR(
            AppendAudit(txn, now, p.name, o.id, "geaendert", ToJson(before), ToJson(o)));
        AKTENWERK_RETURN_IF_ERROR(AppendOutbox(txn, o.id, "geaendert", 0));
        result = o;
        return Status::Ok();
    });
    if (!s.ok()) return s.WithContext("update " + std::string(id));
    if (RequestedLevel(patch)) access_->TreeChanged();
    return result;
}

Result<Objekt> Repository::Move(const Principal& p, std::string_view id,
                                std::string_view new_parent_id) {
    {
        // Moving Akten and units restructures the plan; Vorgänge and Dokumente move inside
        // the Akten a clerk works in. The same right is needed at the target.
        AKTENWERK_ASSIGN_OR_RETURN(auto o, Load(id));
        const uint32_t needed =
            o.kind == Kind::kAktenplaneinheit || o.kind == Kind::kAkte ? kRightPlan : kRightWrite;
        AKTENWERK_RETURN_IF_ERROR(Authorize(p, o, needed).status());
        if (new_parent_id.empty() || new_parent_id == kRootId) {
            if (!p.admin)
                return PermissionDeniedError("only an administrator adds top-level units");
        } else {
            AKTENWERK_ASSIGN_OR_RETURN(auto target, Load(new_parent_id));
            AKTENWERK_RETURN_IF_ERROR(Authorize(p, target, needed).status());
        }
    }
    Objekt result;
    Status s = metadata_->Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto o, LoadFrom(txn, id));
        // A closed Akte may be moved as a whole (the plan is restructured); taking something
        // out of a closed Akte or Vorgang changes that one, so its parents must be open.
        if (o.parent_id != kRootId) {
            AKTENWERK_ASSIGN_OR_RETURN(auto old_parent, LoadFrom(txn, o.parent_id));
            AKTENWERK_RETURN_IF_ERROR(CheckWritable(txn, old_parent));
        }
        std::string target_id =
            new_parent_id.empty() ? std::string(kRootId) : std::string(new_parent_id);
        if (target_id == o.parent_id) return InvalidArgumentError("object is already there");
        std::optional<Kind> target_kind;
        Objekt target;
        if (target_id != kRootId) {
            AKTENWERK_ASSIGN_OR_RETURN(target, LoadFrom(txn, target_id));
            target_kind = target.kind;
            AKTENWERK_RETURN_IF_ERROR(CheckWritable(txn, target));
            // The target must not lie inside the object itself.
            Objekt walk = target;
            for (size_t depth = 0; depth < kMaxDepth; ++depth) {
                if (walk.id == o.id) {
                    return InvalidArgumentError("cannot move an object into its own subtree",
                                                "cycle");
                }
                if (walk.parent_id == kRootId) break;
                AKTENWERK_ASSIGN_OR_RETURN(walk, LoadFrom(txn, walk.parent_id));
            }
        }
        if (!AllowedParent(o.kind, target_kind)) {
            return InvalidArgumentError(
                "a " + std::string(KindName(o.kind)) + " cannot be placed under that parent",
                "wrong-parent");
        }
        if (target_kind) {
            AKTENWERK_ASSIGN_OR_RETURN(size_t target_depth, DepthOf(txn, target));
            if (target_depth + 1 > kMaxTreeDepth) return TooDeep("the moved object");
            AKTENWERK_ASSIGN_OR_RETURN(
                bool deeper, DeeperThan(*metadata_, o.id, kMaxTreeDepth - target_depth - 1));
            if (deeper) return TooDeep("the contents of the moved object");
        }
        AKTENWERK_RETURN_IF_ERROR(CheckMoveKeepsHolds(txn, o, target_id));
        const Objekt before = o;
        std::string old_bezeichnung;
        if (o.parent_id != kRootId) {
            AKTENWERK_ASSIGN_OR_RETURN(auto old_parent, LoadFrom(txn, o.parent_id));
            old_bezeichnung = Bezeichnung(old_parent);
        }
        const int64_t now = clock_->NowMillis();
        txn.Delete(ChildKey(o));
        o.fruehere_ablagen.push_back({o.parent_id, old_bezeichnung, now});
        o.parent_id = target_id;
        Touch(o, p, now);
        txn.Put(ChildKey(o), "");
        PutObjekt(txn, o);
        if (hook_) {
            AKTENWERK_RETURN_IF_ERROR(
                hook_->OnLifecycleChange(txn, LifecycleEvent::kMoved, before, o));
        }
        AKTENWERK_RETURN_IF_ERROR(AppendAudit(
            txn, now, p.name, o.id, "verschoben",
            {{"parent_id", before.parent_id}, {"parent_bezeichnung", old_bezeichnung}},
            {{"parent_id", o.parent_id},
             {"parent_bezeichnung", target_kind ? Bezeichnung(target) : std::string()}}));
        AKTENWERK_RETURN_IF_ERROR(AppendOutbox(txn, o.id, "verschoben", 0));
        result = o;
        return Status::Ok();
    });
    if (!s.ok()) return s.WithContext("move " + std::string(id));
    access_->TreeChanged();
    return result;
}

Result<Objekt> Repository::Close(const Principal& p, std::string_view id,
                                 std::optional<CivilDate> date, std::string_view grund) {
    AKTENWERK_ASSIGN_OR_RETURN(auto target, LoadAuthorized(p, id, kRightWrite));
    // A retroactive zdA is the Registratur's: those who may also reopen (the Registrator
    // role). Checked (and a refusal audited) before the transaction.
    const bool registratur =
        date && date->year < clock_->Today().year && Authorize(p, target, kRightReopen).ok();
    Objekt result;
    Status s = metadata_->Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto o, LoadFrom(txn, id));
        if (o.kind != Kind::kAkte && o.kind != Kind::kVorgang) {
            return InvalidArgumentError("only an Akte or a Vorgang can be closed", "wrong-kind");
        }
        AKTENWERK_RETURN_IF_ERROR(CheckWritable(txn, o));
        const CivilDate today = clock_->Today();
        const CivilDate zda = date.value_or(today);
        if (today < zda) {
            return InvalidArgumentError("the zdA date " + zda.ToString() + " lies in the future");
        }
        if (o.laufzeit_beginn && zda < *o.laufzeit_beginn) {
            return InvalidArgumentError("the zdA date lies before the Laufzeit began (" +
                                        o.laufzeit_beginn->ToString() + ")");
        }
        // A zdA in an earlier year moves the due date of the retention period (it starts
        // when the zdA's calendar year ends), so only the Registratur may enter one.
        json nachher = {{"zda", zda.ToString()}};
        if (zda.year < today.year) {
            if (!registratur) {
                return PermissionDeniedError(
                    "a zdA date in an earlier year (" + zda.ToString() +
                    ") is a retroactive entry; only the Registratur may record it");
            }
            AKTENWERK_RETURN_IF_ERROR(CheckText("grund", grund, 2000, true, true)
                                          .WithContext("a retroactive zdA needs a reason"));
            nachher["nachgetragen"] = true;
            nachher["grund"] = std::string(grund);
        } else if (!grund.empty()) {
            AKTENWERK_RETURN_IF_ERROR(CheckText("grund", grund, 2000, false, true));
            nachher["grund"] = std::string(grund);
        }
        const Objekt before = o;
        o.zda = zda;
        // The Laufzeit ends with the zdA unless it was given; reopening takes it back.
        if (!o.laufzeit_ende) o.laufzeit_ende = zda;
        const int64_t now = clock_->NowMillis();
        Touch(o, p, now);
        PutObjekt(txn, o);
        if (hook_) {
            AKTENWERK_RETURN_IF_ERROR(
                hook_->OnLifecycleChange(txn, LifecycleEvent::kClosed, before, o));
        }
        nachher["laufzeit_ende"] = o.laufzeit_ende->ToString();
        AKTENWERK_RETURN_IF_ERROR(
            AppendAudit(txn, now, p.name, o.id, "zda",
                        {{"laufzeit_ende",
                          before.laufzeit_ende ? json(before.laufzeit_ende->ToString()) : json()}},
                        nachher));
        AKTENWERK_RETURN_IF_ERROR(AppendOutbox(txn, o.id, "zda", 0));
        result = o;
        return Status::Ok();
    });
    if (!s.ok()) return s.WithContext("close " + std::string(id));
    return result;
}

Result<Objekt> Repository::Reopen(const Principal& p, std::string_view id) {
    AKTENWERK_RETURN_IF_ERROR(LoadAuthorized(p, id, kRightReopen).status());
    Objekt result;
    Status s = metadata_->Commit([&](storage::Txn& txn) -> Status {
        AKTENWERK_ASSIGN_OR_RETURN(auto o, LoadFrom(txn, id));
        if (!o.closed()) return FailedPreconditionError("object is not closed", "not-closed");
        if (o.parent_id != kRootId) {
            AKTENWERK_ASSIGN_OR_RETURN(auto parent, LoadFrom(txn, o.parent_id));
            AKTENWERK_RETURN_IF_ERROR(CheckWritable(txn, parent));
        }
        const Objekt before = o;
        if (o.laufzeit_ende == o.zda) o.laufzeit_ende.reset();
        o.zda.reset();
        const int64_t now = clock_->NowMillis();
        Touch(o, p, now);
        PutObjekt(txn, o);
        if (hook_) {
            AKTENWERK_RETURN_IF_ERROR(
                hook_->OnLifecycleChange(txn, LifecycleEvent::kReopened, before, o));
        }
        AKTENWERK_RETURN_IF_ERROR(AppendAudit(txn, now, p.name, o.id, "wiedereroeffnet",
                                              {{"zda", before.zda->ToString()}}, nullptr));
        AKTENWERK_RETURN_IF_ERROR(AppendOutbox(txn, o.id, "wiedereroeffnet", 0));
        result = o;
        return Status::Ok();
    });
    if (!s.ok()) return s.WithContext("reopen " + std::string(id));
    return result;
}

Result<Objekt> Repository::Get(const Principal& p, std::string_view id) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto o, Load(id));
    AKTENWERK_ASSIGN_OR_RETURN(auto access, Authorize(p, o, kRightRead));
    AKTENWERK_RETURN_IF_ERROR(AuditConfidentialRead(p, o, access, "metadaten"));
    return o;
}

Result<Objekt> Repository::FindByKennzeichen(const Principal& p,
                                             std::string_view kennzeichen) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto id, metadata_->Get(keys::Kennzeichen(kennzeichen)));
    const Status missing =
        NotFoundError("no Aktenplaneinheit with Kennzeichen " + std::string(kennzeichen));
    if (!id) return missing;
    auto o = Get(p, *id);
    if (!o.ok() && o.status().code() == StatusCode::kNotFound) return missing;
    return o;
}

Result<Objekt> Repository::FindByAktenzeichen(const Principal& p,
                                              std::string_view aktenzeichen) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto id, metadata_->Get(keys::Aktenzeichen(aktenzeichen)));
    // An Aktenzeichen the caller may not see answers exactly like one that does not exist.
    const Status missing = NotFoundError("no Akte with Aktenzeichen " + std::string(aktenzeichen));
    if (!id) return missing;
    auto o = Get(p, *id);
    if (!o.ok() && o.status().code() == StatusCode::kNotFound) {
        // A removed Akte says so to those who may see its stub: an Aktenzeichen is guessable,
        // its fate is not everyone's business.
        if (o.status().reason() == "ausgesondert" && GetStub(p, *id).ok()) return o;
        return missing;
    }
    return o;
}

Result<std::vector<Objekt>> Repository::Path(const Principal& p, std::string_view id) const {
    std::vector<Objekt> chain;
    AKTENWERK_ASSIGN_OR_RETURN(auto current, Get(p, id));
    for (size_t depth = 0; depth < kMaxDepth; ++depth) {
        chain.push_back(current);
        if (current.parent_id == kRootId) {
            std::reverse(chain.begin(), chain.end());
            return chain;
        }
        AKTENWERK_ASSIGN_OR_RETURN(current, Load(current.parent_id));
    }
    return CorruptionError("object tree deeper than " + std::to_string(kMaxDepth) + " levels");
}

Result<ChildPage> Repository::Children(const Principal& p, std::string_view parent_id,
                                       std::optional<Kind> kind, std::string_view cursor,
                                       size_t limit) const {
    if (parent_id != kRootId) {
        AKTENWERK_ASSIGN_OR_RETURN(auto parent, Load(parent_id));
        AKTENWERK_ASSIGN_OR_RETURN(auto access, Authorize(p, parent, kRightRead));
        AKTENWERK_RETURN_IF_ERROR(AuditConfidentialRead(p, parent, access, "inhalt"));
    }
    std::string prefix = keys::ChildPrefix(parent_id);
    if (kind) prefix += std::string(1, KindChar(*kind)) + "/";
    if (!cursor.empty() && cursor.substr(0, prefix.size()) != prefix) {
        return InvalidArgumentError("the paging cursor does not belong to this listing");
    }
    limit = std::clamp<size_t>(limit, 1, 1000);
    // Children the caller may not read are skipped. A page stops after a bounded number of
    // keys even when few of them are visible, and then carries a cursor to go on.
    const size_t budget = limit * 10 + 1000;
    size_t scanned = 0;
    std::string last_key;
    bool more = false;
    Status inner;
    ChildPage page;
    AKTENWERK_RETURN_IF_ERROR(metadata_->Scan(prefix, cursor, 0, [&](std::string_view key, auto) {
        if (page.items.size() == limit || scanned == budget) {
            more = true;
            return false;
        }
        ++scanned;
        auto child = Load(key.substr(key.rfind('/') + 1));
        auto access = child.ok() ? access_->AccessTo(p, *child) : Result<Access>(child.status());
        if (!access.ok()) {
            inner = access.status();
            return false;
        }
        if (access->rights & kRightRead) page.items.push_back(std::move(child).value());
        last_key = key;
        return true;
    }));
    AKTENWERK_RETURN_IF_ERROR(inner);
    if (more) page.next_cursor = last_key;
    return page;
}

Result<std::vector<Version>> Repository::Versions(const Principal& p,
                                                  std::string_view dokument_id) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto doc, LoadAuthorized(p, dokument_id, kRightRead));
    if (doc.kind != Kind::kDokument) {
        return InvalidArgumentError(std::string(dokument_id) + " is not a Dokument", "wrong-kind");
    }
    std::vector<Version> out;
    Status decode;
    AKTENWERK_RETURN_IF_ERROR(
        metadata_->Scan(keys::VersionPrefix(dokument_id), "", 0, [&](auto, std::string_view value) {
            auto j = storage::DecodeValue(value);
            auto v = j.ok() ? VersionFromJson(*j) : Result<Version>(j.status());
            if (!v.ok()) {
                decode = v.status();
                return false;
            }
            out.push_back(std::move(v).value());
            return true;
        }));
    AKTENWERK_RETURN_IF_ERROR(decode);
    return out;
}

Result<Version> Repository::GetVersion(const Principal& p, std::string_view dokument_id,
                                       uint32_t nummer) const {
    AKTENWERK_ASSIGN_OR_RETURN(auto doc, LoadAuthorized(p, dokument_id, kRightRead));
    if (doc.kind != Kind::kDokument) {
        return InvalidArgumentError(std::string(dokument_id) + " is not a Dokument", "wrong-kind");
    }
    if (nummer == 0) nummer = doc.versionen;
    if (nummer == 0) return NotFoundError("Dokument " + doc.id + " has no content yet");
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, metadata_->Get(keys::Version(dokument_id, nummer)));
    if (!raw) {
        return NotFoundError("Dokument " + doc.id + " has no version " + std::to_string(nummer));
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    return VersionFromJson(j);
}

Result<Content> Repository::OpenContent(const Principal& p, std::string_view dokument_id,
                                        uint32_t nummer) {
    AKTENWERK_ASSIGN_OR_RETURN(auto doc, Load(dokument_id));
    AKTENWERK_ASSIGN_OR_RETURN(auto access, Authorize(p, doc, kRightRead));
    const size_t stufe = access.placement.stufe;
    AKTENWERK_ASSIGN_OR_RETURN(auto version, GetVersion(p, dokument_id, nummer));
    AKTENWERK_ASSIGN_OR_RETURN(auto reader, blobs_->OpenReader(version.sha256));
    if (reader->size() != version.groesse) {
        return CorruptionError("blob of " + std::string(dokument_id) + " version " +
                               std::to_string(version.nummer) + " has the wrong size");
    }
    Status audited = metadata_->Commit(
        [&](storage::Txn& txn) {
            return AppendAudit(txn, clock_->NowMillis(), p.name, version.dokument_id,
                               "inhalt-gelesen", nullptr,
                               {{"version", version.nummer},
                                {"sha256", version.sha256},
                                {"stufe", kLevelNames[stufe]}});
        },
        storage::Room::kMayUseReserve);
    if (!audited.ok()) AKTENWERK_RETURN_IF_ERROR(AllowUnauditedRead(version.dokument_id, audited));
    return Content{std::move(version), std::move(reader)};
}

// On a full or read-only disk the audit entry of a read cannot be written. Reads must keep
// working there, so the content of ordinary Akten is served and the gap is logged; content
// under a confidential Akte is refused instead, since its reads must be on record.
Status Repository::AllowUnauditedRead(std::string_view dokument_id, const Status& audit) const {
    const bool storage_full =
        (audit.code() == StatusCode::kResourceExhausted && audit.reason() == "disk-full") ||
        audit.reason() == "read-only";
    if (!storage_full) return audit.WithContext("audit content read");
    AKTENWERK_ASSIGN_OR_RETURN(auto current, Load(dokument_id));
    for (size_t depth = 0; depth < kMaxDepth && current.kind != Kind::kAktenplaneinheit; ++depth) {
        if (current.kind == Kind::kAkte && current.vertraulichkeit != "offen") {
            return audit.WithContext("audit read of confidential content");
        }
        if (current.parent_id == kRootId) break;
        AKTENWERK_ASSIGN_OR_RETURN(current, Load(current.parent_id));
    }
    Log().Warning("content read not audited", "dokument=" + std::string(dokument_id) +
                                                  " cause=" + log::Quote(audit.ToString()));
    return Status::Ok();
}

Result<std::vector<AuditEntry>> Repository::History(const Principal& p, std::string_view id,
                                                    uint64_t after, size_t limit) const {
    auto o = Load(id);
    if (!o.ok()) {
        if (o.status().code() != StatusCode::kNotFound) return o.status();
        // The audit trail outlives the record: a removed object's history stays readable,
        // but its former place no longer carries grants, so only administrators read it.
        if (!p.admin) return o.status();
        auto entries = ReadObjektAudit(*metadata_, id, after, std::clamp<size_t>(limit, 1, 1000));
        if (entries.ok() && entries->empty() && after == 0) return o.status();
        return entries;
    }
    AKTENWERK_ASSIGN_OR_RETURN(auto access, Authorize(p, *o, kRightRead));
    AKTENWERK_RETURN_IF_ERROR(AuditConfidentialRead(p, *o, access, "historie"));
    audit_queue_->Flush();
    limit = std::clamp<size_t>(limit, 1, 1000);
    if (access.rights & kRightAdminister) return ReadObjektAudit(*metadata_, id, after, limit);

    static const std::vector<std::string_view> kProtocol = {
        "inhalt-gelesen",        "vertraulich-gelesen",   "zugriff-verweigert",
        "berechtigung-gesetzt",  "berechtigung-entfernt", "token-angelegt",
        "token-widerrufen",      "wiedervorlage-gesetzt", "wiedervorlage-erledigt",
        "wiedervorlage-entfernt"};
    std::vector<AuditEntry> out;
    // Bounded: a page of reads only is skipped, but not forever.
    for (int pages = 0; pages < 10 && out.size() < limit; ++pages) {
        AKTENWERK_ASSIGN_OR_RETURN(auto page, ReadObjektAudit(*metadata_, id, after, limit));
        if (page.empty()) break;
        after = page.back().seq;
        for (auto& e : page) {
            if (out.size() < limit &&
                std::find(kProtocol.begin(), kProtocol.end(), e.aktion) == kProtocol.end()) {
                out.push_back(std::move(e));
            }
        }
    }
    return out;
}

Result<std::vector<AuditEntry>> Repository::Audit(const Principal& p, uint64_t after,
                                                  size_t limit) const {
    if (!p.admin) {
        audit_queue_->Refusal(clock_->NowMillis(), p, "", "audit-lesen");
        return PermissionDeniedError("only an administrator reads the whole audit trail");
    }
    audit_queue_->Flush();
    return ReadAudit(*metadata_, after, std::clamp<size_t>(limit, 1, 1000));
}

}  // namespace aktenwerk::dms
