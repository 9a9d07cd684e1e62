// The indexer. Each batch reads outbox entries after the applied position, refreshes the
// objects they name from the current state of storage (so that applying an entry twice, or
// out of order with its neighbours, gives the same index), removes what is gone, commits the
// index together with the batch's last position, and only then deletes the applied entries.
// After kill -9 the index is as of its last commit and the outbox still holds every entry
// after it: nothing is lost, and re-applied entries overwrite by uid instead of duplicating.
#include "dms/search_indexer.h"

#include <sys/resource.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>

#include <algorithm>
#include <filesystem>
#include <fstream>
#include <map>
#include <set>

#include "dms/keys.h"
#include "storage/codec.h"
#include "storage/disk_space.h"
#include "storage/log.h"

namespace aktenwerk::dms {
namespace {

using indexing::IndexDocument;

constexpr std::string_view kRebuildMarker = "REBUILDING";
constexpr size_t kRebuildChunk = 512;
constexpr size_t kRebuildCommitEvery = 20'000;
constexpr uint32_t kVersionBits = 20;

const log::Logger& Log() {
    static const log::Logger logger("indexing");
    return logger;
}

// An unknown level ranks above every known one, so that nobody's grant reaches it.
size_t Rank(const std::string& v) { return ParseLevel(v).value_or(kLevels); }

int32_t DateNumber(const CivilDate& d) { return d.year * 10000 + d.month * 100 + d.day; }

// The local civil date of a timestamp (the records office's time zone, like Clock::Today).
int32_t LocalDateNumber(int64_t millis) {
    time_t seconds = static_cast<time_t>(millis / 1000);
    struct tm tm {};
    localtime_r(&seconds, &tm);
    return (tm.tm_year + 1900) * 10000 + (tm.tm_mon + 1) * 100 + tm.tm_mday;
}

// Runs fn(i) for i in [0, n) on `threads` threads (this one included); the first error wins.
Status ForEachParallel(size_t n, size_t threads, const std::function<Status(size_t)>& fn) {
    std::atomic<size_t> next{0};
    std::mutex mu;
    Status first;
    auto work = [&] {
        for (size_t i; (i = next.fetch_add(1)) < n;) {
            Status s = fn(i);
            if (!s.ok()) {
                std::lock_guard lock(mu);
                if (first.ok()) first = s;
            }
        }
    };
    std::vector<std::thread> helpers;
    for (size_t t = 1; t < std::min(threads, n); ++t) helpers.emplace_back(work);
    work();
    for (auto& h : helpers) h.join();
    return first;
}

std::string MarkerPath(const std::string& index_dir) {
    return index_dir + "/" + std::string(kRebuildMarker);
}

}  // namespace

struct SearchIndexer::Target {
    std::string id;
    bool recursive = false;
};

indexing::Visibility ToIndexVisibility(const Visibility& v) {
    indexing::Visibility out;
    out.alles = v.alles;
    for (const auto& clause : v.klauseln) {
        indexing::VisibilityClause c;
        c.einheit = clause.einheit_id;
        c.ausgenommen = clause.ausgenommen;
        c.vertraulichkeiten.clear();
        for (size_t level = 0; level <= clause.bis_stufe && level < kLevels; ++level) {
            c.vertraulichkeiten.emplace_back(kLevelNames[level]);
        }
        out.klauseln.push_back(std::move(c));
    }
    return out;
}

Result<std::unique_ptr<SearchIndexer>> SearchIndexer::Open(Repository* repo,
                                                           SearchIndexerOptions options) {
    if (options.index_dir.empty()) return InvalidArgumentError("the index folder is not set");
    AKTENWERK_ASSIGN_OR_RETURN(auto index,
                               indexing::SearchIndex::Open(options.index_dir, options.index));
    auto indexer = std::unique_ptr<SearchIndexer>(
        new SearchIndexer(repo, std::move(options), std::move(index)));
    std::error_code ec;
    indexer->rebuild_on_start_ =
        indexer->index_->needs_rebuild() ||
        std::filesystem::exists(MarkerPath(indexer->options_.index_dir), ec);
    return indexer;
}

SearchIndexer::SearchIndexer(Repository* repo, SearchIndexerOptions options,
                             std::unique_ptr<indexing::SearchIndex> index)
    : repo_(repo), options_(std::move(options)), index_(std::move(index)) {
    indexing::OcrPoolOptions pool;
    pool.workers = options_.ocr_workers;
    ocr_ = std::make_unique<indexing::OcrPool>(pool);
    ocr_->SetOnFinished([this] {
        std::lock_guard lock(run_mu_);
        woken_ = true;
        wake_.notify_one();
    });
    applied_ = index_->committed_position();
    // A crash between an index commit and the deletion of what it applied leaves entries at
    // or before the committed position; they are done and go now.
    Status s = DeleteOutbox(0, applied_);
    if (!s.ok())
        Log().Warning("applied outbox entries not deleted", "error=" + log::Quote(s.ToString()));
}

SearchIndexer::~SearchIndexer() {
    Stop();
    ocr_.reset();
}

Status SearchIndexer::Start() {
    std::lock_guard lock(run_mu_);
    if (thread_.joinable()) return FailedPreconditionError("the indexer runs already");
    stopping_ = false;
    thread_ = std::thread([this] { Run(); });
    return Status::Ok();
}

void SearchIndexer::Stop() {
    {
        std::lock_guard lock(run_mu_);
        stopping_ = true;
        wake_.notify_one();
    }
    if (thread_.joinable()) thread_.join();
}

void SearchIndexer::Run() {
    // Indexing yields to request handling when the CPU is scarce; the threads a batch starts
    // inherit this (Linux keeps the nice value per thread).
    ::setpriority(PRIO_PROCESS, static_cast<id_t>(::syscall(SYS_gettid)), 5);
    if (rebuild_on_start_) {
        Status s = Rebuild();
        if (!s.ok()) Log().Error("index rebuild failed", "error=" + log::Quote(s.ToString()));
    }
    Status pending = SubmitPendingOcr();
    if (!pending.ok())
        Log().Warning("pending OCR not resubmitted", "error=" + log::Quote(pending.ToString()));
    auto last_failure = std::chrono::steady_clock::time_point();
    while (true) {
        {
            std::lock_guard lock(run_mu_);
            if (stopping_) return;
        }
        auto worked = Cycle();
        if (!worked.ok() &&
            std::chrono::steady_clock::now() - last_failure > std::chrono::seconds(10)) {
            // Logged at most every 10 s: a persistent fault (a full disk) would flood the log.
            Log().Error("index batch failed", "error=" + log::Quote(worked.status().ToString()));
            last_failure = std::chrono::steady_clock::now();
        }
        if (worked.ok() && *worked) continue;
        std::unique_lock lock(run_mu_);
        wake_.wait_for(lock, worked.ok() ? options_.poll_interval : std::chrono::seconds(1),
                       [this] { return stopping_ || woken_; });
        woken_ = false;
    }
}

Result<uint64_t> SearchIndexer::OutboxHead() const {
    AKTENWERK_ASSIGN_OR_RETURN(auto raw, repo_->metadata().Get(std::string(keys::kOutboxHead)));
    if (!raw) return uint64_t{0};
    AKTENWERK_ASSIGN_OR_RETURN(auto j, storage::DecodeValue(*raw));
    if (!j.is_number_unsigned()) return CorruptionError("outbox head is not a number");
    return j.get<uint64_t>();
}

Result<bool> SearchIndexer::Cycle() {
    // The head is read before the entries: every entry up to it is visible by then, since
    // each is written in the same batch as the head that counts it.
    AKTENWERK_ASSIGN_OR_RETURN(uint64_t head, OutboxHead());
    const uint64_t from = applied_.load();
    std::map<std::string, bool> wanted;  // object id -> recursive
    uint64_t last = from;
    Status decode;
    AKTENWERK_RETURN_IF_ERROR(repo_->metadata().Scan(
        keys::kOutboxPrefix, keys::Outbox(from), options_.batch_size,
        [&](std::string_view key, std::string_view value) {
            uint64_t seq = 0;
            if (!storage::ParseSortableNumber(key.substr(keys::kOutboxPrefix.size()), &seq)) {
                return true;
            }
            auto entry = storage::DecodeValue(value);
            if (!entry.ok() || !entry->is_object() || !(*entry)["objekt_id"].is_string()) {
                decode = CorruptionError("outbox entry " + std::string(key) + " is unreadable");
                return false;
            }
            const std::string id = (*entry)["objekt_id"].get<std::string>();
            const std::string aktion = entry->value("aktion", "");
            // Changes that alter what enclosing objects say about their contents (the
            // Kennzeichen path, the state, the Vertraulichkeit) reach the whole subtree.
            const bool recursive = aktion == "verschoben" || aktion == "geaendert" ||
                                   aktion == "zda" || aktion == "wiedereroeffnet" ||
                                   aktion == "vernichtet";
            wanted[id] = wanted[id] || recursive;
            last = seq;
            return true;
        }));
    AKTENWERK_RETURN_IF_ERROR(decode);

    for (auto& outcome : ocr_->TakeFinished()) {
        std::lock_guard lock(ocr_mu_);
        ocr_done_.insert_or_assign(outcome.key, std::move(outcome.text));
    }
    std::vector<std::string> ocr_keys;
    {
        std::lock_guard lock(ocr_mu_);
        for (const auto& [sha, unused] : ocr_done_) {
            ocr_keys.push_back(sha);
            for (const auto& owner : ocr_owners_[sha]) wanted.emplace(owner, false);
        }
    }
    if (wanted.empty()) {
        if (head > applied_) applied_ = head;  // entries up to head were applied and deleted
        return false;
    }
    AKTENWERK_RETURN_IF_ERROR(CheckRoom());
    std::vector<Target> targets;
    for (const auto& [id, recursive] : wanted) targets.push_back({id, recursive});
    AKTENWERK_RETURN_IF_ERROR(ApplyTargets(std::move(targets)));
    {
        // OCR results whose Dokument was destroyed or given other content meanwhile were
        // not taken by any refresh; they are dropped, not carried into every later batch.
        std::lock_guard lock(ocr_mu_);
        for (const auto& sha : ocr_keys) {
            ocr_done_.erase(sha);
            ocr_owners_.erase(sha);
        }
    }
    AKTENWERK_RETURN_IF_ERROR(index_->Commit(std::max(last, from)));
    if (last > from) {
        AKTENWERK_RETURN_IF_ERROR(DeleteOutbox(from, last));
        applied_ = last;
    }
    batches_.fetch_add(1);
    return true;
}

// The index is derived data: it must never take the free space that the data directory
// keeps back for the audit entries of reads and for deletions. Indexing pauses (the lag
// grows, nothing is lost) while less than the reserve and a margin for one batch is free.
Status SearchIndexer::CheckRoom() const {
    constexpr uint64_t kMinMargin = uint64_t{8} << 20;
    const uint64_t reserve = repo_->options().reserve_bytes;
    if (reserve == 0) return Status::Ok();
    storage::SpaceReserve room(options_.index_dir, reserve + std::max(reserve, kMinMargin));
    Status s = room.CheckRoom(0);
    if (!s.ok()) return s.WithContext("search index paused until space is freed");
    return Status::Ok();
}

Status SearchIndexer::ApplyTargets(std::vector<Target> targets) {
    std::mutex mu;
    std::vector<std::string> missing;
    AKTENWERK_RETURN_IF_ERROR(ForEachParallel(targets.size(), options_.threads, [&](size_t i) {
        std::vector<std::string> gone;
        Status s = RefreshTree(targets[i].id, targets[i].recursive, &gone);
        std::lock_guard lock(mu);
        missing.insert(missing.end(), gone.begin(), gone.end());
        return s;
    }));
    // Removals run after every refresh of the batch: a refresh that read an object just
    // before it was destroyed cannot put its entry back after the removal.
    for (const auto& t : targets) missing.push_back(t.id);
    std::set<std::string> done;
    for (const auto& id : missing) {
        if (!done.insert(id).second) continue;
        AKTENWERK_ASSIGN_OR_RETURN(auto exists, repo_->metadata().Get(keys::Objekt(id)));
        if (!exists) AKTENWERK_RETURN_IF_ERROR(index_->RemoveObjekt(id));
    }
    return Status::Ok();
}

Status SearchIndexer::RefreshTree(const std::string& id, bool recursive,
                                  std::vector<std::string>* missing) {
    const Principal system = Principal::System();
    auto chain = repo_->Path(system, id);
    if (!chain.ok() && chain.status().code() == StatusCode::kNotFound) {
        missing->push_back(id);
        return Status::Ok();
    }
    AKTENWERK_RETURN_IF_ERROR(chain.status());
    AKTENWERK_RETURN_IF_ERROR(RefreshObjekt(chain->back(), *chain));
    if (!recursive) return Status::Ok();
    // Depth first with an explicit stack: a subtree may be deep and wide.
    std::vector<std::vector<Objekt>> stack{std::move(chain).value()};
    while (!stack.empty()) {
        std::vector<Objekt> parent_chain = std::move(stack.back());
        stack.pop_back();
        std::string cursor;
        do {
            auto page = repo_->Children(system, parent_chain.back().id, std::nullopt, cursor, 1000);
            if (!page.ok() && page.status().code() == StatusCode::kNotFound) break;
            AKTENWERK_RETURN_IF_ERROR(page.status());
            for (auto& child : page->items) {
                std::vector<Objekt> child_chain = parent_chain;
                child_chain.push_back(std::move(child));
                AKTENWERK_RETURN_IF_ERROR(RefreshObjekt(child_chain.back(), child_chain));
                stack.push_back(std::move(child_chain));
            }
            cursor = page->next_cursor;
        } while (!cursor.empty());
    }
    return Status::Ok();
}

IndexDocument SearchIndexer::BaseEntry(const Objekt& o, const std::vector<Objekt>& chain) const {
    IndexDocument e;
    e.objekt_id = o.id;
    e.uid = o.id;
    e.typ = std::string(KindName(o.kind));
    e.ordnung = o.sequenz << kVersionBits;
    e.betreff = o.kind == Kind::kAktenplaneinheit ? o.titel : o.betreff;
    for (const auto& c : chain) {
        if (c.id != o.id) e.vorfahren_ids.push_back(c.id);
        if (c.kind == Kind::kAktenplaneinheit) {
            e.einheit_ids.push_back(c.id);
            e.kennzeichen_pfad.push_back(c.kennzeichen);
            e.kennzeichen = c.kennzeichen;
        } else if (c.kind == Kind::kAkte) {
            e.akte_ids.push_back(c.id);
            e.aktenzeichen = c.aktenzeichen;
            if (Rank(c.vertraulichkeit) > Rank(e.vertraulichkeit))
                e.vertraulichkeit = c.vertraulichkeit;
        }
        if ((c.kind == Kind::kAkte || c.kind == Kind::kVorgang) && c.closed()) {
            e.zustand = "geschlossen";
        }
    }
    if (o.kind == Kind::kDokument && o.posteingangsdatum) {
        e.datum = DateNumber(*o.posteingangsdatum);
    } else if ((o.kind == Kind::kAkte || o.kind == Kind::kVorgang) && o.laufzeit_beginn) {
        e.datum = DateNumber(*o.laufzeit_beginn);
    } else {
        e.datum = LocalDateNumber(o.erstellt_am);
    }
    e.erstellt_am = o.erstellt_am;
    e.erstellt_von = o.erstellt_von;
    e.absender = o.absender;
    e.dokumenttyp = o.dokumenttyp;
    // What a clerk wrote about a unit, Akte or Vorgang is searchable like content.
    std::string about;
    if (!o.beschreibung.empty()) about += o.beschreibung + "\n";
    if (!o.federfuehrung.empty()) about += o.federfuehrung + "\n";
    for (const auto& [key, value] : o.metadaten.items()) {
        if (value.is_string()) about += key + ": " + value.get<std::string>() + "\n";
    }
    if (!about.empty() && o.kind != Kind::kDokument) {
        e.seiten = {about};
        e.extraktion = "ok";
    }
    return e;
}

Status SearchIndexer::RefreshObjekt(const Objekt& o, const std::vector<Objekt>& chain) {
    indexing::SearchIndex& index = target_index_ ? *target_index_ : *index_;
    IndexDocument base = BaseEntry(o, chain);
    if (o.kind != Kind::kDokument) return index.Upsert(base);

    AKTENWERK_ASSIGN_OR_RETURN(auto versions, repo_->Versions(Principal::System(), o.id));
    std::map<std::string, IndexDocument> previous;
    if (!rebuilding_) {
        AKTENWERK_ASSIGN_OR_RETURN(auto entries, index.EntriesOf(o.id));
        for (auto& entry : entries) previous.emplace(entry.uid, std::move(entry));
    }
    std::set<std::string> current;
    if (versions.empty()) {
        base.uid = o.id + "#0";
        current.insert(base.uid);
        AKTENWERK_RETURN_IF_ERROR(index.Upsert(base));
    }
    for (const auto& v : versions) {
        IndexDocument entry = base;
        entry.uid = o.id + "#" + std::to_string(v.nummer);
        entry.version = v.nummer;
        entry.aktuell = v.nummer == o.versionen;
        entry.ordnung = (o.sequenz << kVersionBits) |
                        std::min<uint64_t>(v.nummer, (uint64_t{1} << kVersionBits) - 1);
        entry.mime_type = v.mime_type;
        entry.dateiname = v.dateiname;
        entry.sha256 = v.sha256;
        auto it = previous.find(entry.uid);
        AKTENWERK_RETURN_IF_ERROR(
            FillContent(v, it == previous.end() ? nullptr : &it->second, &entry));
        current.insert(entry.uid);
        AKTENWERK_RETURN_IF_ERROR(index.Upsert(entry));
    }
    for (const auto& [uid, unused] : previous) {
        if (current.count(uid) == 0) AKTENWERK_RETURN_IF_ERROR(index.RemoveEntry(uid));
    }
    return Status::Ok();
}

Status SearchIndexer::FillContent(const Version& v, const IndexDocument* previous,
                                  IndexDocument* entry) {
    auto take = [entry](const IndexDocument& from) {
        entry->seiten = from.seiten;
        entry->paginiert = from.paginiert;
        entry->extraktion = from.extraktion;
        entry->extraktion_grund = from.extraktion_grund;
        entry->gekuerzt = from.gekuerzt;
    };
    // Versions are immutable: text extracted once is kept on every later update.
    if (previous && previous->sha256 == v.sha256 && previous->extraktion != "ausstehend") {
        take(*previous);
        return Status::Ok();
    }
    auto record = [this, entry, &v](const Result<indexing::ExtractedText>& text) {
        if (text.ok()) {
            entry->seiten = text->pages;
            entry->paginiert = text->paged;
            entry->gekuerzt = text->truncated;
            entry->extraktion = text->method == "ocr" ? "ocr" : "ok";
            return;
        }
        const Status& s = text.status();
        entry->extraktion = s.reason() == "unsupported-type" ? "keine" : "fehlgeschlagen";
        entry->extraktion_grund =
            (s.reason().empty() ? std::string(StatusCodeName(s.code())) : s.reason()) + ": " +
            s.message();
        if (entry->extraktion == "fehlgeschlagen") {
            extraction_failures_.fetch_add(1);
            Log().Warning("text extraction failed", "dokument=" + entry->objekt_id +
                                                        " version=" + std::to_string(v.nummer) +
                                                        " reason=" + log::Quote(s.reason()));
        }
    };
    {
        std::lock_guard lock(ocr_mu_);
        auto done = ocr_done_.find(v.sha256);
        if (done != ocr_done_.end()) {
            record(done->second);
            auto& owners = ocr_owners_[v.sha256];
            owners.erase(entry->objekt_id);
            if (owners.empty()) {
                ocr_owners_.erase(v.sha256);
                ocr_done_.erase(done);
            }
            return Status::Ok();
        }
    }
    const std::string path = repo_->blobs().PathFor(v.sha256);
    indexing::ExtractRequest request{v.mime_type, v.dateiname, indexing::OcrMode::kNever,
                                     options_.limits};
    if (previous && previous->sha256 == v.sha256) {
        // Waiting for OCR already: keep waiting, and make sure the job is queued.
        take(*previous);
    } else {
        auto text = indexing::ExtractFile(path, request);
        if (!indexing::NeedsOcr(text.status())) {
            record(text);
            return Status::Ok();
        }
        entry->extraktion = "ausstehend";
    }
    std::lock_guard lock(ocr_mu_);
    ocr_owners_[v.sha256].insert(entry->objekt_id);
    ocr_->Submit({v.sha256, path, request});
    return Status::Ok();
}

Status SearchIndexer::SubmitPendingOcr() {
    AKTENWERK_ASSIGN_OR_RETURN(auto uids, index_->PendingOcr(10'000));
    for (const auto& uid : uids) {
        size_t hash = uid.rfind('#');
        if (hash == std::string::npos) continue;
        const std::string dokument_id = uid.substr(0, hash);
        uint32_t nummer = static_cast<uint32_t>(std::strtoul(uid.c_str() + hash + 1, nullptr, 10));
        auto v = repo_->GetVersion(Principal::System(), dokument_id, nummer);
        if (!v.ok()) continue;  // gone meanwhile; its outbox entry removes the entry
        indexing::ExtractRequest request{v->mime_type, v->dateiname, indexing::OcrMode::kNever,
                                         options_.limits};
        std::lock_guard lock(ocr_mu_);
        ocr_owners_[v->sha256].insert(dokument_id);
        ocr_->Submit({v->sha256, repo_->blobs().PathFor(v->sha256), request});
    }
    return Status::Ok();
}

Status SearchIndexer::DeleteOutbox(uint64_t after, uint64_t up_to) {
    std::vector<std::string> doomed;
    // Starting after the entries deleted before keeps the scan off LevelDB's tombstones.
    const std::string start = after == 0 ? std::string() : keys::Outbox(after);
    AKTENWERK_RETURN_IF_ERROR(repo_->metadata().Scan(
        keys::kOutboxPrefix, start, 0, [&](std::string_view key, std::string_view) {
            uint64_t seq = 0;
            if (!storage::ParseSortableNumber(key.substr(keys::kOutboxPrefix.size()), &seq) ||
                seq > up_to) {
                return false;
            }
            doomed.emplace_back(key);
            return true;
        }));
    if (doomed.empty()) return Status::Ok();
    // Deleting frees space, so it may use the reserve kept for a full disk.
    return repo_->metadata().Commit(
        [&](storage::Txn& txn) {
            for (auto& key : doomed) txn.Delete(std::move(key));
            return Status::Ok();
        },
        storage::Room::kMayUseReserve);
}

Status SearchIndexer::CatchUp(bool wait_for_ocr) {
    while (true) {
        AKTENWERK_ASSIGN_OR_RETURN(bool worked, Cycle());
        if (worked) continue;
        if (!wait_for_ocr || (ocr_->queued() == 0 && ocr_->running() == 0)) {
            // A job that finished after this cycle's look at the pool is taken by one more.
            if (!wait_for_ocr) return Status::Ok();
            AKTENWERK_ASSIGN_OR_RETURN(bool late, Cycle());
            if (!late) return Status::Ok();
            continue;
        }
        ocr_->WaitIdle();
    }
}

Status SearchIndexer::IndexEverything(indexing::SearchIndex& index) {
    const Principal system = Principal::System();
    size_t since_commit = 0;
    std::vector<std::vector<Objekt>> chunk;
    auto flush = [&]() -> Status {
        AKTENWERK_RETURN_IF_ERROR(ForEachParallel(chunk.size(), options_.threads, [&](size_t i) {
            return RefreshObjekt(chunk[i].back(), chunk[i]);
        }));
        since_commit += chunk.size();
        chunk.clear();
        if (since_commit >= kRebuildCommitEvery) {
            since_commit = 0;
            return index.Commit(0);  // bounds Lucene's memory; the position comes at the end
        }
        return Status::Ok();
    };
    std::vector<std::vector<Objekt>> stack{{}};
    while (!stack.empty()) {
        std::vector<Objekt> parent_chain = std::move(stack.back());
        stack.pop_back();
        const std::string parent =
            parent_chain.empty() ? std::string(kRootId) : parent_chain.back().id;
        std::string cursor;
        do {
            AKTENWERK_ASSIGN_OR_RETURN(auto page,
                                       repo_->Children(system, parent, std::nullopt, cursor, 1000));
            for (auto& child : page.items) {
                std::vector<Objekt> child_chain = parent_chain;
                child_chain.push_back(std::move(child));
                chunk.push_back(child_chain);
                stack.push_back(std::move(child_chain));
                if (chunk.size() >= kRebuildChunk) AKTENWERK_RETURN_IF_ERROR(flush());
            }
            cursor = page.next_cursor;
        } while (!cursor.empty());
    }
    return flush();
}

Status SearchIndexer::Rebuild() {
    rebuilding_ = true;
    target_index_ = index_.get();
    struct Reset {
        SearchIndexer* self;
        ~Reset() {
            self->rebuilding_ = false;
            self->target_index_ = nullptr;
        }
    } reset{this};
    const std::string marker = MarkerPath(options_.index_dir);
    {
        std::ofstream out(marker);
        out << "rebuild started\n";
        if (!out) return ErrnoError("write " + marker, errno);
    }
    Log().Info("index rebuild started");
    const auto started = std::chrono::steady_clock::now();
    AKTENWERK_ASSIGN_OR_RETURN(uint64_t head, OutboxHead());
    AKTENWERK_RETURN_IF_ERROR(index_->RemoveAll());
    AKTENWERK_RETURN_IF_ERROR(IndexEverything(*index_));
    // Scans found on the way are OCRed now, and their entries written with the text.
    ocr_->WaitIdle();
    std::vector<std::string> owners;
    for (auto& outcome : ocr_->TakeFinished()) {
        std::lock_guard lock(ocr_mu_);
        for (const auto& owner : ocr_owners_[outcome.key]) owners.push_back(owner);
        ocr_done_.insert_or_assign(outcome.key, std::move(outcome.text));
    }
    std::vector<std::string> missing;
    for (const auto& id : owners) AKTENWERK_RETURN_IF_ERROR(RefreshTree(id, false, &missing));
    AKTENWERK_RETURN_IF_ERROR(index_->Commit(head));
    std::error_code ec;
    std::filesystem::remove(marker, ec);
    AKTENWERK_RETURN_IF_ERROR(DeleteOutbox(0, head));
    applied_ = head;
    const auto ms = std::chrono::duration_cast<std::chrono::milliseconds>(
                        std::chrono::steady_clock::now() - started)
                        .count();
    Log().Info("index rebuild finished", "entries=" + std::to_string(index_->stats().documents) +
                                             " ms=" + std::to_string(ms));
    return Status::Ok();
}

Result<indexing::SearchResult> SearchIndexer::Search(const Principal& p,
                                                     indexing::SearchRequest request) const {
    // The caller's rights as a filter inside the query: totals, facets and pages count only
    // what the caller may read.
    AKTENWERK_ASSIGN_OR_RETURN(auto visibility, repo_->VisibilityFor(p));
    request.visibility = ToIndexVisibility(visibility);
    AKTENWERK_ASSIGN_OR_RETURN(auto result, index_->Search(request));
    // Between a destruction and the next index commit (well under a second) the index may
    // still hold entries of the destroyed object; storage has the last word.
    std::vector<indexing::SearchHit> kept;
    for (auto& hit : result.hits) {
        AKTENWERK_ASSIGN_OR_RETURN(auto exists, repo_->metadata().Get(keys::Objekt(hit.objekt_id)));
        if (exists) {
            kept.push_back(std::move(hit));
        } else if (result.total > 0) {
            --result.total;
        }
    }
    result.hits = std::move(kept);
    return result;
}

IndexerStats SearchIndexer::stats() const {
    IndexerStats st;
    auto head = OutboxHead();
    st.outbox_head = head.ok() ? *head : 0;
    st.applied_position = applied_.load();
    st.lag = st.outbox_head > st.applied_position ? st.outbox_head - st.applied_position : 0;
    auto index = index_->stats();
    st.documents = index.documents;
    st.index_bytes = index.size_bytes;
    st.ocr_queued = ocr_->queued();
    st.ocr_running = ocr_->running();
    st.extraction_failures = extraction_failures_.load();
    st.batches = batches_.load();
    st.rebuilding = rebuilding_.load();
    return st;
}

}  // namespace aktenwerk::dms
