// The data directory check: reads the metadata store directly through the records model's
// key layout, and hashes every blob file.
#include "tests/support/data_dir_check.h"

#include <filesystem>
#include <sstream>

#include "dms/audit.h"
#include "dms/clock.h"
#include "dms/keys.h"
#include "dms/model.h"
#include "dms/repository.h"
#include "storage/backup_folder.h"
#include "storage/codec.h"
#include "storage/sha256.h"

namespace aktenwerk::test_support {
namespace {

namespace fs = std::filesystem;

struct Scan {
    std::map<std::string, uint64_t> refs;       // r/<sha> -> count
    std::map<std::string, uint64_t> referrers;  // sha -> versions that name it
    std::map<std::string, uint32_t> versionen;  // Dokument id -> versions stored
    std::map<std::string, uint32_t> expected;   // Dokument id -> its `versionen` field
};

}  // namespace

::testing::AssertionResult DataDirIsConsistent(const std::string& data_dir, DataDirFacts* facts) {
    DataDirFacts local;
    DataDirFacts& f = facts ? *facts : local;
    f = {};
    dms::SystemClock clock;
    dms::RepositoryOptions options;
    options.reserve_bytes = 0;
    auto repo = dms::Repository::Open(data_dir, options, &clock);
    if (!repo.ok()) return ::testing::AssertionFailure() << "open: " << repo.status().ToString();
    std::ostringstream problems;
    auto& meta = (*repo)->metadata();

    Status chain = dms::VerifyAuditChain(meta, &f.audit_entries);
    if (!chain.ok()) problems << "audit chain: " << chain.ToString() << "\n";

    Scan scan;
    Status s = meta.Scan("", "", 0, [&](std::string_view key, std::string_view value) {
        auto decoded = storage::DecodeValue(value);
        if (key.starts_with("r/")) {
            scan.refs[std::string(key.substr(2))] = decoded.ok() ? decoded->get<uint64_t>() : 0;
        } else if (key.starts_with("v/") && decoded.ok()) {
            auto v = dms::VersionFromJson(*decoded);
            if (!v.ok()) {
                problems << "unreadable version " << key << "\n";
                return true;
            }
            ++f.versionen;
            scan.referrers[v->sha256] += 1;
            scan.versionen[v->dokument_id] += 1;
            auto& list = f.dokumente[v->dokument_id];
            list += (list.empty() ? "" : ",") + v->sha256;
        } else if (key.starts_with("o/") && decoded.ok()) {
            ++f.objekte;
            auto o = dms::ObjektFromJson(*decoded);
            if (o.ok() && o->kind == dms::Kind::kDokument) scan.expected[o->id] = o->versionen;
        } else if (key.starts_with("x/")) {
            f.stubs.insert(std::string(key.substr(2)));
        }
        return true;
    });
    if (!s.ok()) problems << "scan: " << s.ToString() << "\n";

    for (const auto& [id, n] : scan.versionen) {
        auto it = scan.expected.find(id);
        if (it == scan.expected.end()) {
            problems << "versions of missing Dokument " << id << " (half-done removal)\n";
        } else if (it->second != n) {
            problems << "Dokument " << id << " has " << n << " versions, says " << it->second
                     << "\n";
        }
    }
    for (const auto& [id, n] : scan.expected) {
        if (n > 0 && scan.versionen.count(id) == 0)
            problems << "Dokument " << id << " lost its versions\n";
    }
    for (const auto& [sha, n] : scan.referrers) {
        if (scan.refs[sha] != n) {
            problems << "blob " << sha << " counted " << scan.refs[sha] << ", used by " << n
                     << "\n";
        }
    }
    for (const auto& [sha, n] : scan.refs) {
        if (scan.referrers.count(sha) == 0) problems << "reference to unused blob " << sha << "\n";
        auto hashed = storage::HashFile((*repo)->blobs().PathFor(sha));
        if (!hashed.ok()) {
            problems << "blob " << sha << " missing: " << hashed.status().ToString() << "\n";
        } else if (hashed->first != sha) {
            problems << "blob " << sha << " has other content\n";
        }
    }
    Status listed = (*repo)->blobs().ForEach([&](const std::string& sha) {
        f.blobs.insert(sha);
        if (scan.refs.count(sha) == 0) problems << "orphan blob " << sha << "\n";
        return true;
    });
    if (!listed.ok()) problems << "list blobs: " << listed.ToString() << "\n";
    std::error_code ec;
    for (const auto& entry : fs::directory_iterator(data_dir + "/blobs/tmp", ec)) {
        problems << "temporary file left: " << entry.path().filename().string() << "\n";
    }
    const std::string text = problems.str();
    if (!text.empty()) return ::testing::AssertionFailure() << data_dir << ":\n" << text;
    return ::testing::AssertionSuccess();
}

}  // namespace aktenwerk::test_support
