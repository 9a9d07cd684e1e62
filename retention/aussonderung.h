// The four-stage Aussonderung (xdomea 3.1.0): an archivist creates a process for an Aktenplan
// subtree and a cut-off date; the process holds what is due there (closed, retention ended,
// not held), offers it to the state archive (0501), takes in the archive's appraisal (0502,
// answered with 0505 when asked), transfers the records appraised A with their primary files
// (0503), takes in the archive's import confirmation (0506) and receipts (0504, 0507), and
// destroys the records appraised V after an archivist's approval and the transferred ones
// after their 0506, writing a Vernichtungsprotokoll. Every message we write is validated
// against the official schema before it is offered; every message we read before it is used.
// The object ids are the records' own UUIDs, so they are the same in every message.
#pragma once

#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include <nlohmann/json.hpp>

#include "dms/civil_date.h"
#include "dms/holds.h"
#include "dms/lifecycle_hook.h"
#include "dms/principal.h"
#include "dms/repository.h"
#include "retention/due_index.h"
#include "retention/xdomea/kopf.h"

namespace aktenwerk::retention {

enum class AussonderungsStatus {
    kAngelegt,       // created, not yet offered
    kAngeboten,      // 0501 written
    kBewertet,       // 0502 taken in
    kAbgegeben,      // 0503 written
    kAbgeschlossen,  // every object destroyed or deleted after its transfer
    kAbgebrochen,    // cancelled before the transfer
};
std::string_view StatusName(AussonderungsStatus s);

// One object of a process: every Akte, Vorgang and Dokument of the offered trees.
struct AussonderungsObjekt {
    std::string id;
    dms::Kind typ = dms::Kind::kAkte;
    std::string parent_id;  // the parent within the process; empty for a top-level object
    uint32_t ord = 0;       // tree order (parents before children, siblings in order)
    std::string bezeichnung;
    std::string betreff;
    std::optional<Faelligkeit> faelligkeit;  // closed Akten and Vorgänge
    std::optional<char> vorschlag;           // Bewertungsvorschlag A or V
    std::optional<char> bewertung;           // the archive's A or V (after 0502)
    std::string bewertung_quelle;            // "0502", "geerbt" or "ohne-eintrag"
    std::string status;  // angeboten, bewertet, abgegeben, uebernommen, nicht-uebernommen,
                         // vernichtet, geloescht
    std::string archivkennung;
    std::vector<std::string> fehlermeldungen;
};

nlohmann::json ToJson(const AussonderungsObjekt& o);
Result<AussonderungsObjekt> AussonderungsObjektFromJson(const nlohmann::json& j);

// A message of the process, written or received.
struct Nachricht {
    std::string code;      // "0501", ...
    std::string richtung;  // "ausgang" or "eingang"
    std::string datei;     // file name in the process folder
    std::string sha256;
    uint64_t groesse = 0;
    int64_t zeit = 0;
    std::string version;  // xdomea version of a received message
};

struct Aussonderung {
    std::string id;  // the ProzessID
    std::string einheit_id;
    std::string einheit_bezeichnung;
    dms::CivilDate stichtag;
    AussonderungsStatus status = AussonderungsStatus::kAngelegt;
    std::string erstellt_von;
    int64_t erstellt_am = 0;
    xdomea::Kontakt absender;
    xdomea::Kontakt empfaenger;
    std::string hinweis;
    std::string protokoll_akte_id;
    std::vector<Nachricht> nachrichten;
    std::string freigabe_von;  // approval of the destruction of the V objects
    int64_t freigabe_am = 0;
    std::vector<std::string> protokolle;  // files of the Vernichtungsprotokolle, in order
    nlohmann::json ausgelassen = nlohmann::json::array();  // due but held when created
    uint64_t objekte = 0;
};

nlohmann::json ToJson(const Aussonderung& a);
Result<Aussonderung> AussonderungFromJson(const nlohmann::json& j);

struct AussonderungsAntrag {
    std::string einheit_id;                  // dms::kRootId for the whole plan
    std::optional<dms::CivilDate> stichtag;  // default: today; never in the future
    xdomea::Kontakt absender;                // empty fields are filled from the defaults
    xdomea::Kontakt empfaenger;
    std::string hinweis;
    std::string protokoll_akte_id;  // optional: the Vernichtungsprotokoll is filed there too
};

struct AussonderungOptions {
    std::string arbeitsverzeichnis;  // where messages and protocols are kept (DATA/aussonderung)
    xdomea::Kontakt absender;        // the agency, used when a request names none
    xdomea::Kontakt empfaenger;      // the archive
    std::string instanz_id;
    std::string produkt_version;
    // Signs a Vernichtungsprotokoll's bytes with the server key (a detached CMS, DER); unset:
    // protocols stay unsigned. The signature is kept beside the protocol (.p7s) and in the
    // metadata store.
    std::function<Result<std::string>(std::string_view)> signieren;
};

// What a Vernichten call did.
struct VernichtungsErgebnis {
    Aussonderung aussonderung;
    std::vector<std::string> vernichtet;             // ids removed in this call
    nlohmann::json offen = nlohmann::json::array();  // objects left, with the reason
    std::string protokoll;  // file of this call's Vernichtungsprotokoll; empty if none
};

// Thread-safe; changes of one service are serialised (a process changes state one step at a
// time), and each step's checks run in the transaction that records it.
class AussonderungService {
  public:
    AussonderungService(dms::Repository* repo, AussonderungOptions options);

    // Creates a process for what is due under `antrag.einheit_id` on the cut-off date.
    // Archivists only. kFailedPrecondition: reason "nothing-due" when nothing is due (held
    // objects are left out and listed), "in-aussonderung" when a due object is part of an
    // unfinished process already. kInvalidArgument for a cut-off date in the future or a
    // sender without Behördenkennung.
    Result<Aussonderung> Create(const dms::Principal& p, const AussonderungsAntrag& antrag);

    Result<Aussonderung> Get(const dms::Principal& p, std::string_view id) const;
    Result<std::vector<Aussonderung>> List(const dms::Principal& p) const;
    // The objects in tree order.
    Result<std::vector<AussonderungsObjekt>> Objekte(const dms::Principal& p,
                                                     std::string_view id) const;

    // Sets the Bewertungsvorschlag (A or V) of Akten and Vorgänge before the offer.
    Result<Aussonderung> SetVorschlaege(const dms::Principal& p, std::string_view id,
                                        const std::map<std::string, char>& vorschlaege);

    // Writes, validates and keeps the 0501 Anbieteverzeichnis. kFailedPrecondition (reason
    // "held") when an object was put under a hold since the process was created.
    Result<Aussonderung> Anbieten(const dms::Principal& p, std::string_view id);

    // Takes in a message from the archive (ZIP or XML): 0502, 0504, 0506 or 0507. Errors
    // (kInvalidArgument or kFailedPrecondition with a precise reason) leave the process as it
    // was: another ProzessID ("wrong-process"), ids never offered or not transferred
    // ("unknown-object"), a 0502 before the 0501 or twice, a 0506 before the 0503
    // ("wrong-state"), B in a 0502 ("undecided"), and every check of ReceiveMessage.
    Result<Aussonderung> Empfangen(const dms::Principal& p, std::string_view id,
                                   std::string_view bytes);

    // Writes, validates and keeps the 0503 with exactly the objects appraised A and every
    // version's primary file, streamed into the ZIP. kFailedPrecondition: "not-appraised"
    // before the 0502, "held" when an object to transfer is under a hold (checked in the
    // transaction that records the transfer), "nothing-to-transfer" without A objects.
    Result<Aussonderung> Abgeben(const dms::Principal& p, std::string_view id);

    // An archivist approves the destruction of the objects appraised V.
    Result<Aussonderung> Freigeben(const dms::Principal& p, std::string_view id);

    // Destroys the approved V objects and deletes the A objects whose 0506 confirmed them,
    // one subtree per transaction with the hold check inside it, and writes a
    // Vernichtungsprotokoll of what this call removed. Objects held, not approved or not
    // confirmed stay and are listed.
    Result<VernichtungsErgebnis> Vernichten(const dms::Principal& p, std::string_view id);

    // Cancels a process before the transfer; its objects may be offered again.
    Result<Aussonderung> Abbrechen(const dms::Principal& p, std::string_view id,
                                   std::string_view grund);

    // The path of a message file of the process (written or received) for download.
    Result<std::string> NachrichtDatei(const dms::Principal& p, std::string_view id,
                                       std::string_view code) const;
    // The path of a Vernichtungsprotokoll (1 = the first).
    Result<std::string> ProtokollDatei(const dms::Principal& p, std::string_view id,
                                       size_t nummer) const;

    // The lifecycle veto: objects of an unfinished process may not be reopened or moved.
    Status Veto(storage::Txn& txn, dms::LifecycleEvent event, const dms::Objekt& o);

  private:
    // The disposal right (Archivar) on `einheit_id`, or an administrator for the whole plan.
    Status CheckArchivist(const dms::Principal& p, const std::string& einheit_id) const;
    // CheckArchivist on the unit of the process `id`.
    Status CheckRun(const dms::Principal& p, std::string_view id) const;
    std::string Folder(std::string_view id) const;
    Result<Aussonderung> Load(std::string_view id) const;
    Result<std::vector<AussonderungsObjekt>> LoadObjekte(std::string_view id) const;

    dms::Repository* repo_;
    AussonderungOptions options_;
    std::mutex mu_;  // serialises the steps of processes
};

}  // namespace aktenwerk::retention
