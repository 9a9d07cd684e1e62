// Benchmark (not a test): the 0503 of an Aussonderung over N documents, written by the real
// services on a real data directory: its time and the peak memory during it, beside the
// baseline of Info-ZIP's `zip -0` packing the very same content files on the same disk.
//
//   xdomea_export DIR DOCS
// Prints RESULT lines. DIR must not exist (it is created and left for inspection).
#include <sys/wait.h>
#include <unistd.h>

#include <chrono>
#include <cstdio>
#include <fstream>
#include <iostream>
#include <sstream>
#include <string>

#include "dms/folder_import.h"
#include "dms/repository.h"
#include "retention/retention.h"
#include "storage/log.h"
#include "tests/support/xdomea_archive.h"

namespace {

using namespace aktenwerk;

long StatusKib(const char* field) {
    std::ifstream in("/proc/self/status");
    std::string line;
    while (std::getline(in, line)) {
        if (line.rfind(field, 0) == 0) return std::stol(line.substr(std::string(field).size()));
    }
    return -1;
}

// Resets the peak resident size (VmHWM), so that the next reading covers only what follows.
void ResetPeak() { std::ofstream("/proc/self/clear_refs") << "5"; }

double Seconds(std::chrono::steady_clock::time_point since) {
    return std::chrono::duration<double>(std::chrono::steady_clock::now() - since).count();
}

// A deterministic German-looking text of 2 to 8 KB.
std::string Text(uint64_t n) {
    static const char* kWords[] = {"Antrag",      "Bescheid",   "Gewerbe", "Anmeldung",
                                   "Stadt",       "Verwaltung", "Frist",   "Gebühr",
                                   "Widerspruch", "Akte",       "Vorgang", "Prüfung",
                                   "Genehmigung", "Straße",     "Bürger"};
    uint64_t x = n * 6364136223846793005ULL + 1442695040888963407ULL;
    std::string out = "Dokument " + std::to_string(n) + "\n";
    const size_t size = 2048 + (x >> 33) % 6144;
    while (out.size() < size) {
        x = x * 6364136223846793005ULL + 1442695040888963407ULL;
        out += kWords[(x >> 33) % 15];
        out += (x >> 40) % 12 == 0 ? ".\n" : " ";
    }
    return out;
}

template <typename T>
T Must(Result<T> r, const char* what) {
    if (!r.ok()) {
        std::cerr << what << ": " << r.status().ToString() << "\n";
        std::exit(1);
    }
    return std::move(r).value();
}

}  // namespace

int main(int argc, char** argv) {
    if (argc != 3) {
        std::cerr << "usage: xdomea_export DIR DOCS\n";
        return 2;
    }
    const std::string dir = argv[1];
    const uint64_t docs = std::stoull(argv[2]);
    aktenwerk::log::Init(aktenwerk::log::Level::kWarning);
    dms::SystemClock clock;
    // AW_BLOCK_CACHE_MB sets LevelDB's block cache, which fills with the records read and
    // is part of the peak (32 MiB by default).
    dms::RepositoryOptions repo_options;
    if (const char* mb = std::getenv("AW_BLOCK_CACHE_MB")) {
        repo_options.metadata.block_cache_bytes = std::stoull(mb) << 20;
    }
    auto repo = Must(dms::Repository::Open(dir + "/data", repo_options, &clock), "open");
    retention::AussonderungOptions options;
    options.arbeitsverzeichnis = dir + "/data/aussonderung";
    options.absender = {"psw", "073110000000", "Stadt Musterstadt", ""};
    auto ret = Must(retention::Retention::Open(repo.get(), options), "retention");
    const dms::Principal admin{"bench", true};

    // One unit, Akten of 100 Vorgänge with 10 documents each, closed in 2010.
    auto t0 = std::chrono::steady_clock::now();
    auto unit = Must(repo->Create(admin, dms::Kind::kAktenplaneinheit, dms::kRootId,
                                  {{"kennzeichen", "99"}, {"titel", "Benchmark"}}),
                     "unit");
    Must(ret->regeln().SetRegel(
             admin, unit.id,
             {retention::Aufbewahrungsfrist::Jahre(5), retention::Aussonderungsart::kB}, ""),
         "rule");
    uint64_t bytes = 0;
    for (uint64_t made = 0; made < docs;) {
        auto akte = Must(repo->Create(admin, dms::Kind::kAkte, unit.id,
                                      {{"betreff", "Akte " + std::to_string(made)},
                                       {"laufzeit_beginn", "2005-01-03"}}),
                         "akte");
        for (int v = 0; v < 100 && made < docs; ++v) {
            auto vorgang = Must(repo->Create(admin, dms::Kind::kVorgang, akte.id,
                                             {{"betreff", "Vorgang " + std::to_string(v)}}),
                                "vorgang");
            for (int d = 0; d < 10 && made < docs; ++d, ++made) {
                std::string text = Text(made);
                bytes += text.size();
                dms::StringContentSource content(std::move(text));
                Must(repo->CreateDokument(admin, vorgang.id, nlohmann::json::object(), content,
                                          {"Schreiben " + std::to_string(made) + ".txt", true, ""}),
                     "dokument");
            }
        }
        Must(repo->Close(admin, akte.id, dms::CivilDate{2010, 6, 30}, "Benchmark"), "zda");
    }
    std::printf("RESULT test=setup docs=%llu mib=%.1f seconds=%.2f\n",
                static_cast<unsigned long long>(docs), static_cast<double>(bytes) / 1048576.0,
                Seconds(t0));

    auto run = Must(ret->aussonderungen().Create(admin, {unit.id, std::nullopt, {}, {}, "", ""}),
                    "create");
    Must(ret->aussonderungen().Anbieten(admin, run.id), "0501");
    std::vector<std::pair<std::string, char>> all_a;
    for (const auto& o : Must(ret->aussonderungen().Objekte(admin, run.id), "objekte")) {
        if (o.parent_id.empty()) all_a.emplace_back(o.id, 'A');
    }
    Must(ret->aussonderungen().Empfangen(
             admin, run.id,
             test_support::ArchiveMessages().Bewertungsverzeichnis(run.id, all_a, false)),
         "0502");

    // The measured step: the 0503 with every primary file, validated and packed.
    ResetPeak();
    const long rss_before = StatusKib("VmRSS:");
    t0 = std::chrono::steady_clock::now();
    Must(ret->aussonderungen().Abgeben(admin, run.id), "0503");
    const double ours = Seconds(t0);
    const long peak = StatusKib("VmHWM:");
    const std::string zip =
        Must(ret->aussonderungen().NachrichtDatei(admin, run.id, "0503"), "file");
    std::ifstream z(zip, std::ios::binary | std::ios::ate);
    const double zip_mib = static_cast<double>(z.tellg()) / 1048576.0;
    std::printf(
        "RESULT test=0503 docs=%llu seconds=%.2f zip_mib=%.1f rss_before_kib=%ld "
        "peak_kib=%ld growth_kib=%ld\n",
        static_cast<unsigned long long>(docs), ours, zip_mib, rss_before, peak, peak - rss_before);

    // Baseline: Info-ZIP packing the same content files, stored, from a list.
    const std::string list = dir + "/blobs.txt";
    {
        std::ofstream out(list);
        Status listed = repo->blobs().ForEach([&](const std::string& sha) {
            out << repo->blobs().PathFor(sha) << "\n";
            return true;
        });
        if (!listed.ok()) return 1;
    }
    // Stored (-0) is the pure copying; -6 deflates everything, as we deflate the text files.
    double deflated = 0;
    for (const char* level : {"-0", "-6"}) {
        t0 = std::chrono::steady_clock::now();
        const std::string command = std::string("zip -q ") + level + " -j " + dir + "/baseline" +
                                    level + ".zip -@ < " + list;
        const int rc = std::system(command.c_str());
        const double baseline = Seconds(t0);
        if (std::string(level) == "-6") deflated = baseline;
        std::printf("RESULT test=zip%s-baseline docs=%llu seconds=%.2f rc=%d\n", level,
                    static_cast<unsigned long long>(docs), baseline, rc);
    }
    std::printf("RESULT test=ratio ours_over_zip6=%.2f\n", deflated > 0 ? ours / deflated : 0.0);
    ret.reset();
    return 0;
}
