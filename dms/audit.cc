// Hash chain over audit entries.
#include "dms/audit.h"

#include "dms/keys.h"
#include "storage/codec.h"
#include "storage/sha256.h"

namespace aktenwerk::dms {
namespace {

using storage::Sha256Hex;

Result<std::vector<AuditEntry>> DecodeEntries(const storage::MetadataStore& store,
                                              const std::vector<std::string>& keys) {
    std::vector<AuditEntry> out;
    for (const auto& key : keys) {
        AKTENWERK_ASSIGN_OR_RETURN(auto raw, store.Get(key));
        if (!raw) return CorruptionError("audit index points to missing entry " + key);
        AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
        AKTENWERK_ASSIGN_OR_RETURN(auto entry, AuditEntryFromJson(j));
        out.push_back(std::move(entry));
    }
    return out;
}

}  // namespace

std::string AuditHash(const AuditEntry& entry) {
    nlohmann::json j = ToJson(entry);
    j.erase("hash");
    return Sha256Hex(entry.vorheriger_hash + "\n" + j.dump());
}

Status AppendAudit(storage::Txn& txn, int64_t zeit, std::string_view akteur,
                   std::string_view objekt_id, std::string_view aktion, nlohmann::json vorher,
                   nlohmann::json nachher) {
    AKTENWERK_ASSIGN_OR_RETURN(auto head_raw, txn.Get(std::string(keys::kAuditHead)));
    AuditEntry entry;
    entry.seq = 1;
    if (head_raw) {
        AKTENWERK_ASSIGN_OR_RETURN(auto head, storage::DecodeValue(*head_raw));
        entry.seq = head.value("seq", uint64_t{0}) + 1;
        entry.vorheriger_hash = head.value("hash", std::string());
    }
    entry.zeit = zeit;
    entry.akteur = akteur;
    entry.objekt_id = objekt_id;
    entry.aktion = aktion;
    entry.vorher = std::move(vorher);
    entry.nachher = std::move(nachher);
    entry.hash = AuditHash(entry);

    txn.Put(keys::Audit(entry.seq), storage::EncodeValue(ToJson(entry)));
    if (!entry.objekt_id.empty()) txn.Put(keys::AuditByObjekt(entry.objekt_id, entry.seq), "");
    txn.Put(std::string(keys::kAuditHead),
            storage::EncodeValue({{"seq", entry.seq}, {"hash", entry.hash}}));
    return Status::Ok();
}

Result<std::vector<AuditEntry>> ReadAudit(const storage::MetadataStore& store, uint64_t after,
                                          size_t limit) {
    std::vector<AuditEntry> out;
    Status decode_status;
    std::string start = after == 0 ? std::string() : keys::Audit(after);
    Status s = store.Scan(keys::kAuditPrefix, start, limit, [&](auto, std::string_view value) {
        auto j = storage::DecodeValue(value);
        if (!j.ok()) {
            decode_status = j.status();
            return false;
        }
        auto entry = AuditEntryFromJson(*j);
        if (!entry.ok()) {
            decode_status = entry.status();
            return false;
        }
        out.push_back(std::move(entry).value());
        return true;
    });
    AKTENWERK_RETURN_IF_ERROR(s);
    AKTENWERK_RETURN_IF_ERROR(decode_status);
    return out;
}

Result<std::vector<AuditEntry>> ReadObjektAudit(const storage::MetadataStore& store,
                                                std::string_view objekt_id, uint64_t after,
                                                size_t limit) {
    std::vector<std::string> entry_keys;
    std::string prefix = keys::AuditByObjektPrefix(objekt_id);
    std::string start = after == 0 ? std::string() : keys::AuditByObjekt(objekt_id, after);
    AKTENWERK_RETURN_IF_ERROR(store.Scan(prefix, start, limit, [&](std::string_view key, auto) {
        entry_keys.push_back(std::string(keys::kAuditPrefix) +
                             std::string(key.substr(prefix.size())));
        return true;
    }));
    return DecodeEntries(store, entry_keys);
}

Status VerifyAuditChain(const storage::MetadataStore& store, uint64_t* entries) {
    std::string previous;
    uint64_t expected = 1;
    Status fault;
    AKTENWERK_RETURN_IF_ERROR(store.Scan(keys::kAuditPrefix, "", 0, [&](auto, auto value) {
        auto j = storage::DecodeValue(value);
        auto entry = j.ok() ? AuditEntryFromJson(*j) : Result<AuditEntry>(j.status());
        if (!entry.ok()) {
            fault = entry.status();
            return false;
        }
        std::string where = "audit entry " + std::to_string(entry->seq);
        if (entry->seq != expected) {
            fault = CorruptionError(where + ": expected sequence " + std::to_string(expected));
        } else if (entry->vorheriger_hash != previous) {
            fault = CorruptionError(where + ": link to the previous entry is broken");
        } else if (AuditHash(*entry) != entry->hash) {
            fault = CorruptionError(where + ": content does not match its hash");
        }
        previous = entry->hash;
        ++expected;
        return fault.ok();
    }));
    if (entries) *entries = expected - 1;
    return fault;
}

}  // namespace aktenwerk::dms
