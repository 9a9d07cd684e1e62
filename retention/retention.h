// The retention layer's entry point: the services (rules, holds, Aussonderung) over one
// Repository, and the lifecycle hook that keeps the due-date index and the Aussonderung's
// vetoes in the records service's transactions.
#pragma once

#include <memory>

#include "dms/holds.h"
#include "dms/repository.h"
#include "retention/aktenplan_austausch.h"
#include "retention/aussonderung.h"
#include "retention/fachverfahren.h"
#include "retention/retention_service.h"

namespace aktenwerk::retention {

// Owns the services; registers its hook with the repository for its lifetime. Thread-safe.
class Retention {
  public:
    // Builds the due-date index of a data directory that has none yet, then registers the
    // hook. `repo` must outlive the returned object.
    static Result<std::unique_ptr<Retention>> Open(dms::Repository* repo,
                                                   AussonderungOptions options);
    ~Retention();
    Retention(const Retention&) = delete;
    Retention& operator=(const Retention&) = delete;

    RetentionService& regeln() { return regeln_; }
    dms::HoldService& sperren() { return sperren_; }
    AussonderungService& aussonderungen() { return aussonderungen_; }
    AktenplanAustausch& aktenplan() { return aktenplan_; }
    // The xdomea Fachverfahrensdaten messages of case systems (issue #10).
    FachverfahrenService& fachverfahren() { return fachverfahren_; }
    dms::Repository& repository() { return *repo_; }

  private:
    class Hook;
    Retention(dms::Repository* repo, AussonderungOptions options);

    dms::Repository* repo_;
    AussonderungOptions options_;
    RetentionService regeln_;
    dms::HoldService sperren_;
    AussonderungService aussonderungen_;
    AktenplanAustausch aktenplan_;
    FachverfahrenService fachverfahren_;
    std::unique_ptr<Hook> hook_;
};

}  // namespace aktenwerk::retention
