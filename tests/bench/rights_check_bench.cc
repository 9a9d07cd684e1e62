// Micro-benchmark of the rights check on the read path, in one process: Repository::Get of
// a Dokument (load, check, placement of its Vorgang and Akte) as an administrator and as a
// Sachbearbeiter whose role comes from a group three units up among 200 other grants,
// against the baseline of loading the same record straight from the metadata store
// (what Get did before rights). Not a test; prints figures and ratios.
//
//   rights_check_bench [ITERATIONS]   (default 200000)
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <filesystem>
#include <string>

#include "dms/folder_import.h"
#include "dms/keys.h"
#include "dms/repository.h"
#include "storage/codec.h"

using namespace aktenwerk;
using namespace aktenwerk::dms;

namespace {

template <typename Fn>
double NanosPerCall(long n, Fn fn) {
    auto t0 = std::chrono::steady_clock::now();
    for (long i = 0; i < n; ++i) fn();
    return std::chrono::duration<double, std::nano>(std::chrono::steady_clock::now() - t0).count() /
           static_cast<double>(n);
}

template <typename T>
T Must(Result<T> r) {
    if (!r.ok()) {
        std::fprintf(stderr, "%s\n", r.status().ToString().c_str());
        std::exit(1);
    }
    return std::move(r).value();
}

void Must(const Status& s) {
    if (!s.ok()) {
        std::fprintf(stderr, "%s\n", s.ToString().c_str());
        std::exit(1);
    }
}

}  // namespace

int main(int argc, char** argv) {
    const long n = argc > 1 ? std::atol(argv[1]) : 200'000;
    std::string dir = (std::filesystem::temp_directory_path() / "aw-rights-bench-XXXXXX").string();
    if (::mkdtemp(dir.data()) == nullptr) return 1;
    ManualClock clock;
    RepositoryOptions options;
    options.password_iterations = 1000;
    auto repo = Must(Repository::Open(dir + "/data", options, &clock));
    const Principal admin = Principal::System();

    auto unit = [&](const std::string& k, const std::string& parent) {
        return Must(repo->Create(admin, Kind::kAktenplaneinheit, parent,
                                 {{"kennzeichen", k}, {"titel", k}}));
    };
    Objekt top = unit("30", std::string(kRootId));
    Objekt mid = unit("30.1", top.id);
    Objekt leaf = unit("30.1.1", mid.id);
    Objekt akte = Must(repo->Create(admin, Kind::kAkte, leaf.id, {{"betreff", "Akte"}}));
    Objekt vorgang = Must(repo->Create(admin, Kind::kVorgang, akte.id, {{"betreff", "V"}}));
    StringContentSource content("Inhalt");
    Objekt doc = Must(repo->CreateDokument(admin, vorgang.id, nlohmann::json::object(), content,
                                           NewVersion{"a.txt", true, ""}))
                     .first;
    Must(repo->users().CreateGroup(admin, "bench", ""));
    Must(repo->users().Create(admin, "clerk", "benchbench", false));
    UserUpdate groups;
    groups.gruppen = std::vector<std::string>{"bench"};
    Must(repo->users().Update(admin, "clerk", groups));
    for (int i = 0; i < 100; ++i) {
        Objekt u = unit("40." + std::to_string(i), std::string(kRootId));
        for (const char* g : {"a", "b"}) {
            std::string name = "g" + std::to_string(i) + g;
            Must(repo->users().CreateGroup(admin, name, ""));
            Must(repo->access().SetGrant(
                admin, Grant{u.id, "gruppe:" + name, {Role::kLeser}, 0, false, "", 0}));
        }
    }
    Must(repo->access().SetGrant(
        admin, Grant{top.id, "gruppe:bench", {Role::kSachbearbeiter}, 1, false, "", 0}));
    Objekt sibling = unit("30.2", top.id);
    Must(repo->access().SetGrant(admin, Grant{sibling.id, "gruppe:bench", {}, 0, true, "", 0}));
    const Principal clerk{"clerk", false};

    auto raw = [&] {
        auto bytes = repo->metadata().Get(keys::Objekt(doc.id));
        auto j = storage::DecodeValue(**bytes);
        if (!ObjektFromJson(*j).ok()) std::abort();
    };
    auto as = [&](const Principal& p) {
        return [&repo, &doc, &p] {
            if (!repo->Get(p, doc.id).ok()) std::abort();
        };
    };
    // Warm the caches, then alternate so that drift falls on all alike.
    raw();
    as(admin)();
    as(clerk)();
    double best_raw = 1e18, best_admin = 1e18, best_clerk = 1e18;
    for (int round = 0; round < 5; ++round) {
        best_raw = std::min(best_raw, NanosPerCall(n, raw));
        best_admin = std::min(best_admin, NanosPerCall(n, as(admin)));
        best_clerk = std::min(best_clerk, NanosPerCall(n, as(clerk)));
    }
    auto visibility = [&] {
        if (!repo->VisibilityFor(clerk).ok()) std::abort();
    };
    double vis = NanosPerCall(n / 20, visibility);
    std::printf(
        "RESULT test=rights-check iterations=%ld raw_load_ns=%.0f get_admin_ns=%.0f "
        "get_sachbearbeiter_ns=%.0f ratio_admin=%.2f ratio_sachbearbeiter=%.2f "
        "visibility_ns=%.0f\n",
        n, best_raw, best_admin, best_clerk, best_admin / best_raw, best_clerk / best_raw, vis);
    repo.reset();
    std::filesystem::remove_all(dir);
    return 0;
}
