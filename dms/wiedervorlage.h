// Wiedervorlagen: reminder dates on an Akte, Vorgang or Dokument, each for one user, so that a
// clerk has a personal list of what is due. Open reminders are indexed by user and date, so
// "what is due for me up to day X" is one range scan. Every change is an audited transaction;
// the removal of an object removes its reminders in the removal's transaction.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dms/civil_date.h"
#include "dms/model.h"
#include "dms/principal.h"
#include "storage/metadata_store.h"

namespace aktenwerk::dms {

class Repository;

// One reminder, open or done. Done reminders stay (for the object's list) until removed.
struct Wiedervorlage {
    std::string id;
    std::string objekt_id;
    Kind objekt_typ = Kind::kAkte;
    std::string objekt_bezeichnung;  // Aktenzeichen or Betreff when set
    std::string objekt_betreff;
    CivilDate datum;
    std::string fuer;   // the user the reminder is for
    std::string notiz;  // optional
    std::string erstellt_von;
    int64_t erstellt_am = 0;
    bool erledigt = false;
    std::string erledigt_von;
    int64_t erledigt_am = 0;
};

nlohmann::json ToJson(const Wiedervorlage& w);
// kCorruption for a stored record that lacks its id, object, type or date.
Result<Wiedervorlage> WiedervorlageFromJson(const nlohmann::json& j);

// What the caller gives when setting a reminder.
struct WiedervorlageAntrag {
    CivilDate datum;
    std::string fuer;  // empty: the caller
    std::string notiz;
};

// Longest accepted note, in bytes.
inline constexpr size_t kWiedervorlageNotizMax = 2000;

// The Wiedervorlage service. Thread-safe; every change is one audited transaction (audit
// actions "wiedervorlage-gesetzt", "-erledigt", "-entfernt" on the object). Rights:
// - setting one for oneself needs only the read right on the object: a reminder changes
//   nothing of the record. Setting one for another user needs the write right there, and
//   that user must exist, be active and be able to read the object.
// - Closed (zdA) objects take reminders too: a reminder is not a change of the record's
//   content, and follow-ups on closed files (a deadline after a decision) are common.
// - A reminder is seen, marked done and removed by the user it is for and by its creator
//   (and by those with the administer right on the object); for everyone else it does not
//   exist (kNotFound), as reminders say something about a person's work.
class WiedervorlageService {
  public:
    // `repo` must outlive the service.
    explicit WiedervorlageService(Repository* repo) : repo_(repo) {}

    // Sets a reminder on an Akte, Vorgang or Dokument. kNotFound for an unknown object or
    // one the caller may not read; kInvalidArgument for an Aktenplaneinheit, a bad note or an
    // unknown user; kPermissionDenied for a reminder for someone else without the write right.
    Result<Wiedervorlage> Set(const Principal& p, std::string_view objekt_id,
                              const WiedervorlageAntrag& antrag);

    // One reminder; kNotFound when it does not exist or is not the caller's to see.
    Result<Wiedervorlage> Get(const Principal& p, std::string_view id) const;

    // The reminders on one object the caller may see, by date. kNotFound as Repository::Get.
    Result<std::vector<Wiedervorlage>> ForObjekt(const Principal& p,
                                                 std::string_view objekt_id) const;

    // The caller's open reminders due on or before `bis`, by date, at most `limit`. Reminders
    // on objects the caller may no longer read are left out; those on confidential objects
    // are audited as reads of their metadata (as Repository::Get), as are Get and ForObjekt.
    Result<std::vector<Wiedervorlage>> Faellig(const Principal& p, const CivilDate& bis,
                                               size_t limit) const;

    // Marks a reminder done (it leaves the due list). kFailedPrecondition (reason
    // "already-done") when it was done already.
    Result<Wiedervorlage> Erledigen(const Principal& p, std::string_view id);

    // Removes a reminder.
    Status Remove(const Principal& p, std::string_view id);

  private:
    Result<Wiedervorlage> LoadVisible(const Principal& p, std::string_view id) const;
    Status CheckRecipient(const Principal& p, const Objekt& o, const std::string& fuer) const;
    bool Sees(const Principal& p, const Objekt& o, const Wiedervorlage& w) const;

    Repository* repo_;
};

// Removes every reminder on `objekt_id` inside `txn` (the removal core calls it for each
// removed object, so that no reminder points at a removed record). Returns how many went.
Result<size_t> RemoveWiedervorlagenInTxn(storage::Txn& txn, std::string_view objekt_id);

}  // namespace aktenwerk::dms
