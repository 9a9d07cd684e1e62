// The clock every part of the records model reads, injected so that tests can set it
// (retention depends on civil dates).
#pragma once

#include <atomic>
#include <cstdint>

#include "dms/civil_date.h"

namespace aktenwerk::dms {

// Thread-safe.
class Clock {
  public:
    virtual ~Clock() = default;
    // Milliseconds since the Unix epoch.
    virtual int64_t NowMillis() const = 0;
    // Today's civil date where the records office is (the process's local time zone).
    virtual CivilDate Today() const = 0;
};

// The real clock.
class SystemClock final : public Clock {
  public:
    int64_t NowMillis() const override;
    CivilDate Today() const override;
};

// A clock tests set by hand. Starts at 2026-03-15 09:00 UTC.
class ManualClock final : public Clock {
  public:
    int64_t NowMillis() const override { return millis_.load(); }
    CivilDate Today() const override;
    void SetMillis(int64_t millis) { millis_.store(millis); }
    void SetToday(CivilDate date);
    void Advance(int64_t millis) { millis_.fetch_add(millis); }

  private:
    std::atomic<int64_t> millis_{1773565200000};
};

}  // namespace aktenwerk::dms
