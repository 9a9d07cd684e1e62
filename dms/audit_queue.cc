// The background writer of queued audit entries.
#include "dms/audit_queue.h"

#include <vector>

#include "dms/audit.h"
#include "storage/log.h"

namespace aktenwerk::dms {
namespace {

constexpr size_t kBatch = 512;

const log::Logger& Log() {
    static const log::Logger logger("dms");
    return logger;
}

}  // namespace

AuditQueue::AuditQueue(storage::MetadataStore* store) : store_(store) {
    thread_ = std::thread([this] { Run(); });
}

AuditQueue::~AuditQueue() {
    {
        std::lock_guard lock(mu_);
        stopping_ = true;
    }
    cv_.notify_all();
    thread_.join();
}

void AuditQueue::Push(PendingAudit entry) {
    {
        std::lock_guard lock(mu_);
        if (pending_.size() >= kMaxPending) {
            ++dropped_;
            return;
        }
        pending_.push_back(std::move(entry));
        ++pushed_;
    }
    cv_.notify_one();
}

void AuditQueue::Refusal(int64_t zeit, const Principal& p, std::string_view objekt_id,
                         std::string_view was) {
    nlohmann::json detail = {{"was", was}};
    if (p.token) detail["token"] = p.token->token_id;
    Push({zeit, p.name, std::string(objekt_id), "zugriff-verweigert", std::move(detail)});
}

void AuditQueue::Flush() {
    std::unique_lock lock(mu_);
    const uint64_t target = pushed_;
    flushed_.wait(lock, [&] { return written_ >= target; });
}

uint64_t AuditQueue::dropped() const {
    std::lock_guard lock(mu_);
    return dropped_;
}

void AuditQueue::Run() {
    std::unique_lock lock(mu_);
    while (true) {
        cv_.wait(lock, [&] { return stopping_ || !pending_.empty(); });
        if (pending_.empty() && stopping_) return;
        std::vector<PendingAudit> batch;
        while (!pending_.empty() && batch.size() < kBatch) {
            batch.push_back(std::move(pending_.front()));
            pending_.pop_front();
        }
        lock.unlock();
        // Refusals are records of reads, not changes: like read audits they may use the
        // reserve of a nearly full disk.
        Status s = store_->Commit(
            [&](storage::Txn& txn) -> Status {
                for (const auto& e : batch) {
                    AKTENWERK_RETURN_IF_ERROR(AppendAudit(txn, e.zeit, e.akteur, e.objekt_id,
                                                          e.aktion, nullptr, e.nachher));
                }
                return Status::Ok();
            },
            storage::Room::kMayUseReserve);
        if (!s.ok()) {
            Log().Error(
                "queued audit entries not written",
                "count=" + std::to_string(batch.size()) + " error=" + log::Quote(s.ToString()));
        }
        lock.lock();
        written_ += batch.size();
        flushed_.notify_all();
    }
}

}  // namespace aktenwerk::dms
