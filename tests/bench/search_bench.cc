// Search benchmark driver (not a test; run by run_search_bench.sh beside shared/bench).
//
//   search_bench raw CORPUS INDEXDIR THREADS     raw Lucene++ with Aktenwerk's German analyzer
//   search_bench ingest CORPUS DATA              files every original of CORPUS as a Dokument
//   search_bench catchup DATA THREADS            times the indexer draining the whole outbox
//   search_bench build CORPUS DATA N             N Dokumente straight into storage and index
//   search_bench replicate DATA TIMES            the index's segments added TIMES-1 more times
//   search_bench query HOST PORT USER:PW QUERIES /api/v1/suche latency over HTTP
//   search_bench direct DATA QUERIES             the same queries on the index in process
// Each prints RESULT lines (key=value) like the drivers of shared/bench.
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/resource.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <fstream>
#include <functional>
#include <iostream>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <lucene++/LuceneHeaders.h>
#include <openssl/evp.h>

#include "dms/keys.h"
#include "dms/repository.h"
#include "dms/search_indexer.h"
#include "indexing/charset.h"
#include "indexing/german_analyzer.h"
#include "indexing/search_index.h"
#include "storage/codec.h"
#include "storage/log.h"

namespace {

using namespace aktenwerk;
using Clock = std::chrono::steady_clock;

double Seconds(Clock::time_point a, Clock::time_point b) {
    return std::chrono::duration<double>(b - a).count();
}

long PeakRssKiB() {
    rusage ru{};
    getrusage(RUSAGE_SELF, &ru);
    return ru.ru_maxrss;
}

struct Entry {
    uint64_t id;
    std::string kind, original, text;
};

std::vector<Entry> Manifest(const std::string& corpus) {
    std::ifstream in(corpus + "/manifest.tsv");
    std::vector<Entry> out;
    for (std::string line; std::getline(in, line);) {
        std::istringstream f(line);
        Entry e;
        std::string id;
        std::getline(f, id, '\t');
        std::getline(f, e.kind, '\t');
        std::getline(f, e.original, '\t');
        std::getline(f, e.text, '\t');
        e.id = std::stoull(id);
        e.original = corpus + "/" + e.original;
        e.text = corpus + "/" + e.text;
        out.push_back(std::move(e));
    }
    return out;
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

uint64_t DirBytes(const std::string& dir) {
    uint64_t n = 0;
    std::error_code ec;
    for (const auto& e : std::filesystem::recursive_directory_iterator(dir, ec)) {
        if (e.is_regular_file(ec)) n += e.file_size(ec);
    }
    return n;
}

void Fail(const Status& s, const char* what) {
    if (s.ok()) return;
    std::cerr << what << ": " << s.ToString() << "\n";
    std::exit(1);
}

// Runs fn(i) for i in [0, n) on `threads` threads.
void Parallel(size_t n, int threads, const std::function<void(size_t)>& fn) {
    std::atomic<size_t> next{0};
    auto work = [&] {
        for (size_t i; (i = next.fetch_add(1)) < n;) fn(i);
    };
    std::vector<std::thread> pool;
    for (int t = 1; t < threads; ++t) pool.emplace_back(work);
    work();
    for (auto& t : pool) t.join();
}

// Raw Lucene++ with the analyzer Aktenwerk indexes with: id and body, as lucene_bench does.
int Raw(const std::string& corpus, const std::string& dir, int threads) {
    const auto docs = Manifest(corpus);
    auto dict = indexing::CompoundDictionary::Load(std::string(indexing::kDefaultDictionaryPath));
    Fail(dict.status(), "dictionary");
    std::filesystem::remove_all(dir);
    auto t0 = Clock::now();
    auto writer = Lucene::newLucene<Lucene::IndexWriter>(
        Lucene::FSDirectory::open(indexing::Widen(dir)),
        indexing::NewGermanAnalyzer(indexing::AnalysisMode::kIndex, *dict), true,
        Lucene::IndexWriter::MaxFieldLengthUNLIMITED);
    writer->setRAMBufferSizeMB(64);
    std::atomic<uint64_t> bytes{0};
    Parallel(docs.size(), threads, [&](size_t i) {
        const std::string text = indexing::SanitizeUtf8(ReadFile(docs[i].text));
        bytes += text.size();
        auto doc = Lucene::newLucene<Lucene::Document>();
        doc->add(Lucene::newLucene<Lucene::Field>(L"id", std::to_wstring(docs[i].id),
                                                  Lucene::Field::STORE_YES,
                                                  Lucene::Field::INDEX_NOT_ANALYZED_NO_NORMS));
        doc->add(Lucene::newLucene<Lucene::Field>(L"body", indexing::Widen(text),
                                                  Lucene::Field::STORE_NO,
                                                  Lucene::Field::INDEX_ANALYZED));
        writer->addDocument(doc);
    });
    writer->commit();
    const double s = Seconds(t0, Clock::now());
    writer->close();
    printf(
        "RESULT engine=lucene++-aktenwerk-analyzer phase=index threads=%d docs=%zu text_mib=%.1f "
        "seconds=%.2f docs_per_s=%.0f index_bytes=%lu peak_rss_kib=%ld\n",
        threads, docs.size(), static_cast<double>(bytes) / 1048576.0, s,
        static_cast<double>(docs.size()) / s, DirBytes(dir), PeakRssKiB());
    return 0;
}

class FileSource final : public dms::ContentSource {
  public:
    explicit FileSource(std::string data) : data_(std::move(data)) {}
    Result<size_t> Read(char* buf, size_t n) override {
        size_t count = std::min(n, data_.size() - pos_);
        std::memcpy(buf, data_.data() + pos_, count);
        pos_ += count;
        return count;
    }
    std::optional<uint64_t> size_hint() const override { return data_.size(); }

  private:
    std::string data_;
    size_t pos_ = 0;
};

Result<std::unique_ptr<dms::Repository>> OpenRepo(const std::string& data,
                                                  const dms::Clock* clock) {
    return dms::Repository::Open(data, dms::RepositoryOptions{}, clock);
}

// Ten main groups of ten Akten each, so that facets and filters have something to count.
std::vector<dms::Objekt> MakeAkten(dms::Repository& repo) {
    const auto p = dms::Principal::System();
    std::vector<dms::Objekt> akten;
    for (int g = 1; g <= 10; ++g) {
        auto unit = repo.Create(p, dms::Kind::kAktenplaneinheit, "root",
                                {{"kennzeichen", std::to_string(g * 10)},
                                 {"titel", "Hauptgruppe " + std::to_string(g)}});
        Fail(unit.status(), "unit");
        for (int a = 0; a < 10; ++a) {
            auto akte = repo.Create(p, dms::Kind::kAkte, unit->id,
                                    {{"betreff", "Akte " + std::to_string(a)}});
            Fail(akte.status(), "akte");
            akten.push_back(*akte);
        }
    }
    return akten;
}

int Ingest(const std::string& corpus, const std::string& data) {
    const auto docs = Manifest(corpus);
    dms::SystemClock clock;
    auto repo = OpenRepo(data, &clock);
    Fail(repo.status(), "repository");
    const auto akten = MakeAkten(**repo);
    std::atomic<uint64_t> bytes{0};
    auto t0 = Clock::now();
    // Eight writers share synced batches (group commit), as concurrent uploads would.
    Parallel(docs.size(), 8, [&](size_t i) {
        std::string content = ReadFile(docs[i].original);
        bytes += content.size();
        FileSource source(std::move(content));
        const std::string name = docs[i].original.substr(docs[i].original.rfind('/') + 1);
        auto made = (*repo)->CreateDokument(dms::Principal::System(), akten[i % akten.size()].id,
                                            nlohmann::json::object(), source,
                                            dms::NewVersion{name, true, ""});
        Fail(made.status(), "dokument");
    });
    const double s = Seconds(t0, Clock::now());
    printf("RESULT engine=aktenwerk phase=ingest docs=%zu mib=%.1f seconds=%.2f docs_per_s=%.0f\n",
           docs.size(), static_cast<double>(bytes) / 1048576.0, s,
           static_cast<double>(docs.size()) / s);
    return 0;
}

int CatchUp(const std::string& data, int threads) {
    dms::SystemClock clock;
    auto repo = OpenRepo(data, &clock);
    Fail(repo.status(), "repository");
    dms::SearchIndexerOptions options;
    options.index_dir = data + "/index";
    options.threads = static_cast<size_t>(threads);
    auto indexer = dms::SearchIndexer::Open(repo->get(), options);
    Fail(indexer.status(), "indexer");
    const uint64_t lag = (*indexer)->stats().lag;
    auto t0 = Clock::now();
    Fail((*indexer)->CatchUp(false), "catch up");
    const double s = Seconds(t0, Clock::now());
    const auto st = (*indexer)->stats();
    // Every Dokument here has one version: two outbox entries, one index entry.
    const uint64_t docs = lag / 2;
    printf(
        "RESULT engine=aktenwerk phase=index threads=%d outbox_entries=%lu docs=%lu seconds=%.2f "
        "docs_per_s=%.0f entries=%lu index_bytes=%lu extraction_failures=%lu ocr_pending=%lu "
        "peak_rss_kib=%ld\n",
        threads, lag, docs, s, static_cast<double>(docs) / s, st.documents, st.index_bytes,
        st.extraction_failures, st.ocr_queued + st.ocr_running, PeakRssKiB());
    return 0;
}

// N Dokumente written straight into storage (object records, no content) and the index (the
// corpus text, cycled), for the 1M query benchmark: filing a million documents through the
// service takes longer than the machine can be lent for.
int Build(const std::string& corpus, const std::string& data, size_t n) {
    const auto docs = Manifest(corpus);
    dms::SystemClock clock;
    auto repo = OpenRepo(data, &clock);
    Fail(repo.status(), "repository");
    const auto akten = MakeAkten(**repo);
    std::vector<std::vector<dms::Objekt>> chains;
    for (const auto& akte : akten) {
        auto path = (*repo)->Path(dms::Principal::System(), akte.id);
        Fail(path.status(), "path");
        chains.push_back(*path);
    }
    auto index = indexing::SearchIndex::Open(data + "/index");
    Fail(index.status(), "index");
    auto t0 = Clock::now();
    constexpr size_t kBatch = 10'000;
    for (size_t start = 0; start < n; start += kBatch) {
        const size_t end = std::min(n, start + kBatch);
        Fail((*repo)->metadata().Commit([&](storage::Txn& txn) {
            for (size_t i = start; i < end; ++i) {
                dms::Objekt o;
                o.id = "bench-" + std::to_string(i);
                o.kind = dms::Kind::kDokument;
                o.parent_id = akten[i % akten.size()].id;
                o.betreff = "Dokument " + std::to_string(i);
                o.versionen = 1;
                txn.Put(dms::keys::Objekt(o.id), storage::EncodeValue(dms::ToJson(o)));
            }
            return Status::Ok();
        }),
             "objects");
        Parallel(end - start, 2, [&](size_t k) {
            const size_t i = start + k;
            const auto& chain = chains[i % chains.size()];
            indexing::IndexDocument d;
            d.objekt_id = "bench-" + std::to_string(i);
            d.uid = d.objekt_id + "#1";
            d.typ = "dokument";
            d.version = 1;
            d.ordnung = (i + 1000) << 20 | 1;
            d.betreff = "Dokument " + std::to_string(i);
            d.aktenzeichen = chain[1].aktenzeichen;
            d.kennzeichen = chain[0].kennzeichen;
            d.kennzeichen_pfad = {chain[0].kennzeichen};
            d.einheit_ids = {chain[0].id};
            d.akte_ids = {chain[1].id};
            d.vorfahren_ids = {chain[0].id, chain[1].id};
            d.datum = 20200101 + static_cast<int32_t>((i % 6) * 10000 + (i % 12) * 100 + i % 28);
            d.erstellt_von = "bench";
            d.mime_type = "text/plain";
            d.seiten = {indexing::SanitizeUtf8(ReadFile(docs[i % docs.size()].text))};
            d.extraktion = "ok";
            Fail((*index)->Upsert(d), "upsert");
        });
        if ((start / kBatch) % 10 == 9) {
            fprintf(stderr, "built %zu documents in %.0f s\n", end, Seconds(t0, Clock::now()));
        }
    }
    auto head = (*repo)->metadata().Get(std::string(dms::keys::kOutboxHead));
    uint64_t position = 0;
    if (head.ok() && *head) position = storage::DecodeValue(**head)->get<uint64_t>();
    Fail((*index)->Commit(position), "commit");
    const double s = Seconds(t0, Clock::now());
    printf(
        "RESULT engine=aktenwerk phase=build docs=%zu seconds=%.2f docs_per_s=%.0f "
        "index_bytes=%lu peak_rss_kib=%ld\n",
        n, s, static_cast<double>(n) / s, DirBytes(data + "/index"), PeakRssKiB());
    return 0;
}

// Makes an index of N documents into one of N*TIMES entries by adding copies of its own
// segments: the posting lists grow as with TIMES as many documents, at the cost of a file
// copy instead of hours of analysis. Each copy's entries point to the same stored objects.
int Replicate(const std::string& data, int times) {
    const std::string dir = data + "/index";
    auto t0 = Clock::now();
    auto writer = Lucene::newLucene<Lucene::IndexWriter>(
        Lucene::FSDirectory::open(indexing::Widen(dir)),
        indexing::NewGermanAnalyzer(indexing::AnalysisMode::kIndex, indexing::DictionaryLoader()),
        false, Lucene::IndexWriter::MaxFieldLengthUNLIMITED);
    auto data_map =
        Lucene::IndexReader::getCommitUserData(Lucene::FSDirectory::open(indexing::Widen(dir)));
    auto copies = Lucene::Collection<Lucene::DirectoryPtr>::newInstance();
    for (int t = 1; t < times; ++t) {
        const std::string copy = data + "/copy-" + std::to_string(t);
        std::filesystem::remove_all(copy);
        std::filesystem::create_directories(copy);
        for (const auto& e : std::filesystem::directory_iterator(dir)) {
            const std::string name = e.path().filename().string();
            if (name == "write.lock" || name == "REBUILDING") continue;
            std::filesystem::copy_file(e.path(), copy + "/" + name);
        }
        copies.add(Lucene::FSDirectory::open(indexing::Widen(copy)));
    }
    writer->addIndexesNoOptimize(copies);
    writer->commit(data_map);
    const int docs = writer->maxDoc();
    writer->close();
    for (int t = 1; t < times; ++t)
        std::filesystem::remove_all(data + "/copy-" + std::to_string(t));
    printf(
        "RESULT engine=aktenwerk phase=replicate times=%d entries=%d seconds=%.2f "
        "index_bytes=%lu\n",
        times, docs, Seconds(t0, Clock::now()), DirBytes(dir));
    return 0;
}

std::vector<std::string> Queries(const std::string& path) {
    std::ifstream in(path);
    std::vector<std::string> out;
    for (std::string line; std::getline(in, line);) {
        if (!line.empty()) out.push_back(line);
    }
    return out;
}

double Percentile(std::vector<double> v, double p) {
    if (v.empty()) return 0;
    std::sort(v.begin(), v.end());
    size_t k = static_cast<size_t>(p / 100.0 * static_cast<double>(v.size() - 1) + 0.5);
    return v[std::min(k, v.size() - 1)];
}

// One warm-up pass, then three measured passes, one query at a time (the protocol of
// shared/bench/src/bench_common.h, so that the figures compare).
void Measure(const std::string& engine, const std::vector<std::string>& queries,
             const std::function<int(const std::string&)>& run) {
    for (const auto& q : queries) run(q);
    std::vector<double> one, two;
    int empty_one = 0, empty_two = 0;
    for (int pass = 0; pass < 3; ++pass) {
        for (const auto& q : queries) {
            auto t0 = Clock::now();
            int hits = run(q);
            const double ms = Seconds(t0, Clock::now()) * 1000;
            const bool two_terms = q.find(' ') != std::string::npos;
            (two_terms ? two : one).push_back(ms);
            if (pass == 0 && hits == 0) ++(two_terms ? empty_two : empty_one);
        }
    }
    for (auto [name, v, empty] : {std::make_tuple("one-term", &one, empty_one),
                                  std::make_tuple("two-term", &two, empty_two)}) {
        printf(
            "RESULT engine=%s queries=%s n=%zu p50_ms=%.3f p95_ms=%.3f p99_ms=%.3f max_ms=%.3f "
            "zero_hit_queries=%d\n",
            engine.c_str(), name, v->size(), Percentile(*v, 50), Percentile(*v, 95),
            Percentile(*v, 99), v->empty() ? 0 : *std::max_element(v->begin(), v->end()), empty);
    }
    fflush(stdout);
}

std::string Base64(const std::string& in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()),
                            static_cast<int>(in.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

std::string Encode(const std::string& s) {
    std::string out;
    for (unsigned char c : s) {
        if (std::isalnum(c) || c == '-' || c == '_' || c == '.' || c == '~') {
            out.push_back(static_cast<char>(c));
        } else {
            char buf[4];
            std::snprintf(buf, sizeof(buf), "%%%02X", c);
            out += buf;
        }
    }
    return out;
}

// A keep-alive HTTP/1.1 client on a plain socket: it must cost little next to the server.
class Client {
  public:
    Client(const char* host, int port, const std::string& auth) : auth_(Base64(auth)) {
        fd_ = socket(AF_INET, SOCK_STREAM, 0);
        sockaddr_in addr{};
        addr.sin_family = AF_INET;
        addr.sin_port = htons(static_cast<uint16_t>(port));
        inet_pton(AF_INET, host, &addr.sin_addr);
        if (connect(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
            perror("connect");
            std::exit(1);
        }
        int one = 1;
        setsockopt(fd_, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    }
    ~Client() { close(fd_); }

    // The body of GET target; exits on anything but 200.
    std::string Get(const std::string& target) {
        const std::string req = "GET " + target +
                                " HTTP/1.1\r\nHost: bench\r\nAuthorization: Basic " + auth_ +
                                "\r\n\r\n";
        if (write(fd_, req.data(), req.size()) != static_cast<ssize_t>(req.size())) std::exit(1);
        std::string buf;
        char chunk[65536];
        size_t header_end = std::string::npos, length = 0;
        while (true) {
            ssize_t n = read(fd_, chunk, sizeof(chunk));
            if (n <= 0) std::exit(1);
            buf.append(chunk, static_cast<size_t>(n));
            if (header_end == std::string::npos &&
                (header_end = buf.find("\r\n\r\n")) != std::string::npos) {
                if (buf.compare(9, 3, "200") != 0) {
                    std::cerr << "HTTP error: " << buf.substr(0, 400) << "\n";
                    std::exit(1);
                }
                size_t cl = buf.find("Content-Length: ");
                if (cl == std::string::npos) cl = buf.find("content-length: ");
                length = std::stoul(buf.substr(cl + 16));
            }
            if (header_end != std::string::npos && buf.size() >= header_end + 4 + length) {
                return buf.substr(header_end + 4, length);
            }
        }
    }

  private:
    int fd_;
    std::string auth_;
};

int Query(const char* host, int port, const std::string& auth, const std::string& path) {
    const auto queries = Queries(path);
    Client client(host, port, auth);
    Measure("aktenwerk-http", queries, [&](const std::string& q) {
        std::string body = client.Get("/api/v1/suche?limit=10&q=" + Encode(q));
        int hits = 0;
        for (size_t at = body.find("\"self\""); at != std::string::npos;
             at = body.find("\"self\"", at + 1)) {
            ++hits;
        }
        return hits;
    });
    return 0;
}

int Direct(const std::string& data, const std::string& path) {
    const auto queries = Queries(path);
    auto index = indexing::SearchIndex::Open(data + "/index");
    Fail(index.status(), "index");
    Measure("aktenwerk-in-process", queries, [&](const std::string& q) {
        indexing::SearchRequest r;
        r.text = q;
        r.limit = 10;
        r.visibility = indexing::Visibility::Everything();
        auto result = (*index)->Search(r);
        return result.ok() ? static_cast<int>(result->hits.size()) : 0;
    });
    return 0;
}

}  // namespace

int main(int argc, char** argv) {
    setenv("OMP_THREAD_LIMIT", "1", 0);
    aktenwerk::log::Init(aktenwerk::log::Level::kWarning);
    const std::string mode = argc > 1 ? argv[1] : "";
    try {
        if (mode == "raw" && argc == 5) return Raw(argv[2], argv[3], std::atoi(argv[4]));
        if (mode == "ingest" && argc == 4) return Ingest(argv[2], argv[3]);
        if (mode == "catchup" && argc == 4) return CatchUp(argv[2], std::atoi(argv[3]));
        if (mode == "build" && argc == 5) return Build(argv[2], argv[3], std::stoul(argv[4]));
        if (mode == "replicate" && argc == 4) return Replicate(argv[2], std::atoi(argv[3]));
        if (mode == "query" && argc == 6)
            return Query(argv[2], std::atoi(argv[3]), argv[4], argv[5]);
        if (mode == "direct" && argc == 4) return Direct(argv[2], argv[3]);
    } catch (const Lucene::LuceneException& e) {
        std::cerr << "lucene: " << aktenwerk::indexing::Narrow(e.getError()) << "\n";
        return 1;
    }
    std::cerr << "usage: see the comment at the top of search_bench.cc\n";
    return 2;
}
