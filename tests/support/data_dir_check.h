// Test support: checks a stopped server's data directory the way an operator's `verify`
// would, for the crash, backup and restore tests. Opens it as the server does (so the
// start-up sweep runs first), then checks the audit chain, every blob reference and file.
// Tests that have the binary run `aktenwerk verify` beside it, which also re-hashes every
// blob and checks signatures and evidence paths.
#pragma once

#include <cstdint>
#include <map>
#include <set>
#include <string>

#include <gtest/gtest.h>

namespace aktenwerk::test_support {

// What a consistent data directory holds.
struct DataDirFacts {
    uint64_t objekte = 0;
    uint64_t versionen = 0;
    uint64_t audit_entries = 0;
    std::set<std::string> blobs;  // blob files on disk
    // Each Dokument's id with the SHA-256 of every version, in order ("v1,v2").
    std::map<std::string, std::string> dokumente;
    std::set<std::string> stubs;  // ids of removed Akten and Vorgänge
};

// Succeeds when: the data directory opens; the audit chain verifies (dms::VerifyAuditChain);
// every version's blob exists and has its hash; every blob reference count equals the
// number of versions that refer to the blob; no blob file lacks a reference (no orphan
// after the start-up sweep) and no temporary file is left; no version belongs to a missing
// Dokument and no Dokument misses a version (no half-done destruction). Fills `facts`.
::testing::AssertionResult DataDirIsConsistent(const std::string& data_dir,
                                               DataDirFacts* facts = nullptr);

}  // namespace aktenwerk::test_support
