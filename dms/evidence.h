// Long-term evidence in the spirit of RFC 4998: the content hashes of versions gathered into
// a hash tree per interval, its root signed (and timestamped when an authority is
// configured), and each version's path from its leaf to the root kept beside it. A path
// holds only sibling hashes, so removing one version (and its path) leaves every other
// version's proof whole.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <string>
#include <vector>

#include "dms/signing.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

// One step of a path: the sibling's hash (hex) and whether it stands left of the node.
struct EvidenzSchritt {
    std::string hash;
    bool links = false;
};

// The leaf of a content hash: SHA-256 over 0x00 and the 32 bytes of `sha256_hex`; inner
// nodes are SHA-256 over 0x01, left and right (the domain bytes keep a leaf from passing for
// a node). Both as hex.
std::string EvidenzBlatt(const std::string& sha256_hex);
std::string EvidenzKnoten(const std::string& left_hex, const std::string& right_hex);

// Walks `pfad` up from `blatt`; returns the root it reaches.
std::string EvidenzWurzel(const std::string& blatt, const std::vector<EvidenzSchritt>& pfad);

// The text whose CMS signature seals tree `nummer`.
std::string EvidenzText(uint64_t nummer, const std::string& wurzel, int64_t zeit,
                        uint64_t blaetter);

// Gathers every version without a path yet into a new tree, signs its root with `identity`
// (timestamped through `tsa_url` when not empty; a failed timestamp is kept out and logged)
// and stores tree and paths in one commit. Returns the tree's number, or 0 when there was
// nothing to gather. Not for concurrent use with itself.
// TODO(#7): the versions without a path are found by a scan of all versions; at millions of
// versions an index of new versions (written with the version) would keep this cheap.
Result<uint64_t> BuildEvidenzTree(storage::MetadataStore& store, const SigningIdentity& identity,
                                  const std::string& tsa_url, int64_t now_millis);

// Checks every stored path: its version exists with that content hash, the path leads to
// its tree's root, the root's signature verifies against `server_trust` and its timestamp
// (if any) against `tsa_trust`. Calls `fault` for each problem and counts the paths.
Status VerifyEvidence(const storage::MetadataStore& store,
                      const std::map<std::string, std::string>& versions,
                      const TrustStore& server_trust, const TrustStore* tsa_trust,
                      const std::function<void(std::string, std::string)>& fault, uint64_t* paths);

}  // namespace aktenwerk::dms
