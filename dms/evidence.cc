// Hash trees over version hashes, their signed roots and the paths kept per version.
#include "dms/evidence.h"

#include <algorithm>

#include <nlohmann/json.hpp>

#include "dms/keys.h"
#include "dms/model.h"
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

std::string FromHex(const std::string& hex) {
    std::string out;
    for (size_t i = 0; i + 1 < hex.size(); i += 2) {
        out += static_cast<char>(std::stoi(hex.substr(i, 2), nullptr, 16));
    }
    return out;
}

bool IsHex64(const std::string& s) {
    return s.size() == 64 && std::all_of(s.begin(), s.end(), [](char c) {
               return (c >= '0' && c <= '9') || (c >= 'a' && c <= 'f');
           });
}

std::string Str(const json& j, const char* key) {
    auto it = j.find(key);
    return it != j.end() && it->is_string() ? it->get<std::string>() : std::string();
}

struct Leaf {
    std::string key;  // ev/p/<dokument>/<nummer>
    std::string sha256;
    std::string hash;
    std::vector<EvidenzSchritt> pfad;
};

// Builds the tree bottom-up over `leaves`, appending each leaf's path; returns the root.
// A node without a sibling on its level rises unchanged.
std::string BuildTree(std::vector<Leaf>& leaves) {
    // members[i]: the leaves below node i of the current level.
    std::vector<std::string> level;
    std::vector<std::vector<size_t>> members;
    for (size_t i = 0; i < leaves.size(); ++i) {
        level.push_back(leaves[i].hash);
        members.push_back({i});
    }
    while (level.size() > 1) {
        std::vector<std::string> next;
        std::vector<std::vector<size_t>> next_members;
        for (size_t i = 0; i < level.size(); i += 2) {
            if (i + 1 == level.size()) {
                next.push_back(level[i]);
                next_members.push_back(std::move(members[i]));
                continue;
            }
            for (size_t m : members[i]) leaves[m].pfad.push_back({level[i + 1], false});
            for (size_t m : members[i + 1]) leaves[m].pfad.push_back({level[i], true});
            next.push_back(EvidenzKnoten(level[i], level[i + 1]));
            std::vector<size_t> joined = std::move(members[i]);
            joined.insert(joined.end(), members[i + 1].begin(), members[i + 1].end());
            next_members.push_back(std::move(joined));
        }
        level = std::move(next);
        members = std::move(next_members);
    }
    return level.empty() ? std::string() : level[0];
}

}  // namespace

std::string EvidenzBlatt(const std::string& sha256_hex) {
    return Sha256Hex(std::string(1, '\0') + FromHex(sha256_hex));
}

std::string EvidenzKnoten(const std::string& left_hex, const std::string& right_hex) {
    return Sha256Hex(std::string(1, '\1') + FromHex(left_hex) + FromHex(right_hex));
}

std::string EvidenzWurzel(const std::string& blatt, const std::vector<EvidenzSchritt>& pfad) {
    std::string node = blatt;
    for (const auto& step : pfad) {
        if (!IsHex64(step.hash)) return {};
        node = step.links ? EvidenzKnoten(step.hash, node) : EvidenzKnoten(node, step.hash);
    }
    return node;
}

std::string EvidenzText(uint64_t nummer, const std::string& wurzel, int64_t zeit,
                        uint64_t blaetter) {
    return "Aktenwerk evidence tree\nnummer=" + std::to_string(nummer) + "\nwurzel=" + wurzel +
           "\nzeit=" + std::to_string(zeit) + "\nblaetter=" + std::to_string(blaetter) + "\n";
}

Result<uint64_t> BuildEvidenzTree(storage::MetadataStore& store, const SigningIdentity& identity,
                                  const std::string& tsa_url, int64_t now_millis) {
    std::vector<Leaf> leaves;
    AKTENWERK_RETURN_IF_ERROR(store.Scan("v/", "", 0, [&](auto, std::string_view value) {
        auto j = storage::DecodeValue(value);
        auto v = j.ok() ? VersionFromJson(*j) : Result<Version>(j.status());
        if (!v.ok()) return true;  // verify reports unreadable versions
        leaves.push_back(
            {keys::EvidenzPath(v->dokument_id, v->nummer), v->sha256, EvidenzBlatt(v->sha256), {}});
        return true;
    }));
    std::vector<Leaf> fresh;
    for (auto& leaf : leaves) {
        AKTENWERK_ASSIGN_OR_RETURN(auto existing, store.Get(leaf.key));
        if (!existing) fresh.push_back(std::move(leaf));
    }
    if (fresh.empty()) return uint64_t{0};

    uint64_t nummer = 1;
    AKTENWERK_RETURN_IF_ERROR(store.ScanReverse(keys::kEvidenzTreePrefix, 1, [&](auto, auto value) {
        auto j = storage::DecodeValue(value);
        if (j.ok()) nummer = j->value("nummer", uint64_t{0}) + 1;
        return false;
    }));
    const std::string wurzel = BuildTree(fresh);
    AKTENWERK_ASSIGN_OR_RETURN(
        auto cms, identity.SignDetached(EvidenzText(nummer, wurzel, now_millis, fresh.size())));
    std::string token;
    if (!tsa_url.empty()) {
        auto stamped = RequestTimestamp(tsa_url, cms);
        if (stamped.ok()) {
            token = std::move(stamped).value();
        } else {
            Log().Warning("evidence tree not timestamped",
                          "error=" + log::Quote(stamped.status().ToString()));
        }
    }
    json tree = {{"nummer", nummer},         {"wurzel", wurzel},
                 {"zeit", now_millis},       {"blaetter", fresh.size()},
                 {"cms", EncodeBase64(cms)}, {"zeitstempel", EncodeBase64(token)}};
    AKTENWERK_RETURN_IF_ERROR(store.Commit(
        [&](storage::Txn& txn) {
            txn.Put(keys::EvidenzTree(nummer), storage::EncodeValue(tree));
            for (const auto& leaf : fresh) {
                // A version destroyed since the scan gets no path.
                const std::string rest = leaf.key.substr(keys::kEvidenzPathPrefix.size());
                AKTENWERK_ASSIGN_OR_RETURN(auto still, txn.Get("v/" + rest));
                if (!still) continue;
                json pfad = json::array();
                for (const auto& step : leaf.pfad) {
                    pfad.push_back({{"hash", step.hash}, {"links", step.links}});
                }
                txn.Put(leaf.key, storage::EncodeValue(
                                      {{"baum", nummer}, {"sha256", leaf.sha256}, {"pfad", pfad}}));
            }
            return Status::Ok();
        },
        storage::Room::kMayUseReserve));
    Log().Info("evidence tree sealed",
               "nummer=" + std::to_string(nummer) + " blaetter=" + std::to_string(fresh.size()));
    return nummer;
}

Status VerifyEvidence(const storage::MetadataStore& store,
                      const std::map<std::string, std::string>& versions,
                      const TrustStore& server_trust, const TrustStore* tsa_trust,
                      const std::function<void(std::string, std::string)>& fault, uint64_t* paths) {
    std::map<uint64_t, std::string> roots;  // trees whose signature holds
    AKTENWERK_RETURN_IF_ERROR(store.Scan(keys::kEvidenzTreePrefix, "", 0, [&](auto, auto value) {
        auto j = storage::DecodeValue(value);
        if (!j.ok()) return true;
        const uint64_t nummer = j->value("nummer", uint64_t{0});
        const std::string where = "evidence tree " + std::to_string(nummer);
        const std::string wurzel = Str(*j, "wurzel");
        const int64_t zeit = j->value("zeit", int64_t{0});
        const std::string cms = DecodeBase64(Str(*j, "cms")).value_or("");
        auto check =
            VerifyCmsData(cms, EvidenzText(nummer, wurzel, zeit, j->value("blaetter", uint64_t{0})),
                          server_trust, zeit);
        if (check.ergebnis != SignaturErgebnis::kGueltig) {
            fault(where, "root signature is " + std::string(SignaturErgebnisName(check.ergebnis)));
        }
        const std::string token = DecodeBase64(Str(*j, "zeitstempel")).value_or("");
        if (!token.empty()) {
            auto stamped = VerifyTimestamp(token, cms, tsa_trust);
            if (!stamped.ok()) fault(where, "timestamp: " + stamped.status().message());
        }
        roots[nummer] = wurzel;
        return true;
    }));
    const std::string prefix(keys::kEvidenzPathPrefix);
    return store.Scan(prefix, "", 0, [&](std::string_view key, auto value) {
        ++*paths;
        const std::string rest(key.substr(prefix.size()));
        const std::string where = "evidence path " + rest;
        auto j = storage::DecodeValue(value);
        if (!j.ok()) {
            fault(where, "unreadable");
            return true;
        }
        // rest is "<dokument>/<20-digit nummer>"; versions are keyed "<dokument>/<n>".
        const size_t slash = rest.rfind('/');
        uint64_t n = 0;
        storage::ParseSortableNumber(rest.substr(slash + 1), &n);
        auto it = versions.find(rest.substr(0, slash) + "/" + std::to_string(n));
        if (it == versions.end()) {
            fault(where, "left behind: its version no longer exists");
            return true;
        }
        if (Str(*j, "sha256") != it->second)
            fault(where, "covers other content than the version's");
        std::vector<EvidenzSchritt> pfad;
        for (const auto& step : j->value("pfad", json::array())) {
            pfad.push_back({Str(step, "hash"), step.value("links", false)});
        }
        auto root = roots.find(j->value("baum", uint64_t{0}));
        if (root == roots.end()) {
            fault(where, "its tree is missing");
        } else if (EvidenzWurzel(EvidenzBlatt(it->second), pfad) != root->second) {
            fault(where, "does not lead to the signed root of tree " + std::to_string(root->first));
        }
        return true;
    });
}

}  // namespace aktenwerk::dms
