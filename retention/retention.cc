// The hook runs the Aussonderung's veto first (a change it refuses must not touch the index),
// then the due-date index update.
#include "retention/retention.h"

#include "retention/xdomea/validation.h"

namespace aktenwerk::retention {

class Retention::Hook final : public dms::LifecycleHook {
  public:
    explicit Hook(AussonderungService* aussonderungen) : aussonderungen_(aussonderungen) {}

    Status OnLifecycleChange(storage::Txn& txn, dms::LifecycleEvent event,
                             const dms::Objekt& before, const dms::Objekt& after) override {
        AKTENWERK_RETURN_IF_ERROR(aussonderungen_->Veto(txn, event, before));
        return UpdateForLifecycle(txn, event, before, after);
    }

  private:
    AussonderungService* aussonderungen_;
};

Retention::Retention(dms::Repository* repo, AussonderungOptions options)
    : repo_(repo),
      options_(std::move(options)),
      regeln_(repo),
      sperren_(repo),
      aussonderungen_(repo, options_),
      aktenplan_(repo, &regeln_, &options_),
      fachverfahren_(repo, {options_.absender, options_.instanz_id, options_.produkt_version}),
      hook_(std::make_unique<Hook>(&aussonderungen_)) {}

Result<std::unique_ptr<Retention>> Retention::Open(dms::Repository* repo,
                                                   AussonderungOptions options) {
    AKTENWERK_RETURN_IF_ERROR(BuildIndexIfMissing(repo->metadata()));
    // A broken embedded schema should stop the start, not the first Aussonderung.
    AKTENWERK_RETURN_IF_ERROR(
        xdomea::PrepareSchema(xdomea::Family::kAussonderung, xdomea::Version::k3_1_0));
    AKTENWERK_RETURN_IF_ERROR(
        xdomea::PrepareSchema(xdomea::Family::kFachverfahrensdaten, xdomea::Version::k3_1_0));
    std::unique_ptr<Retention> retention(new Retention(repo, std::move(options)));
    repo->SetLifecycleHook(retention->hook_.get());
    return retention;
}

Retention::~Retention() { repo_->SetLifecycleHook(nullptr); }

}  // namespace aktenwerk::retention
