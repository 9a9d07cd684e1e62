// xdomea Fachverfahrensdaten (FVDaten 0601-0632): case systems (Fachverfahren) create, file,
// view and close records in Aktenwerk by message instead of a product API. One message is
// checked (ZIP entries, XML safety, the official schema), performed as the calling principal
// through the Repository, so the same rights and audit apply as on every other path, and
// answered with FVDaten.ImportBestaetigen.0630 (and FVDaten.EmpfangBestaetigen.0629 when the
// Kopf asks for it), both validated against the schema before they leave.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "dms/principal.h"
#include "dms/repository.h"
#include "retention/xdomea/kopf.h"

namespace aktenwerk::retention {

struct FachverfahrenOptions {
    xdomea::Kontakt dms;  // our Absender in answers
    std::string instanz_id;
    std::string produkt_version;
};

// How a message was answered.
enum class FvAusgang {
    kVerarbeitet,  // performed; the 0630 says per object whether it succeeded
    kAbgelehnt,    // refused whole (not valid, unsafe, unknown or unsupported type): no change
    kWiederholt,   // its ProzessID was performed before: nothing done again
};

// The answer to one message.
struct FvAntwort {
    FvAusgang ausgang = FvAusgang::kAbgelehnt;
    std::string prozess_id;            // of the message, or a fresh one when it was unreadable
    std::string nachrichtentyp;        // code of the message ("0604"); empty when unreadable
    std::string import_bestaetigung;   // FVDaten.ImportBestaetigen.0630, always
    std::string empfang_bestaetigung;  // FVDaten.EmpfangBestaetigen.0629, when asked for
};

// The result for one object of a message (one Rueckgabeparameter of the 0630).
struct FvErgebnis {
    std::optional<uint32_t> nummer_im_stapel;
    std::string id_sgo;      // our object id (a UUID); empty when there is none
    std::string name;        // AllgemeinerRueckgabeparameter/Name (when not `ablageort`)
    std::string wert;        // its Wert, or the Ablageort
    bool ablageort = false;  // the Parameter is an Ablageort rather than a field
    bool erfolgreich = false;
    std::string fehler_code;  // a SpezifischeFehlermeldung06nn code, e.g. "0604001"
    std::string fehler_text;  // SonstigeFehlermeldung: the reason in words
};

// Thread-safe: messages are performed one at a time (mutex), so that the check for a
// repeated message and the work it guards cannot interleave with a second copy.
class FachverfahrenService {
  public:
    FachverfahrenService(dms::Repository* repo, FachverfahrenOptions options);

    // Checks and performs one message from `p`: the XML, or a ZIP holding the XML and the
    // primary files named by it, flat at the root. Implemented: 0601
    // DokumentAktualisieren, 0602 SGOAnsehen, 0604
    // SGOErstellen, 0605 SGOAblegen, 0609-0612 Metadaten Anlegen/Aktualisieren/Ansehen/
    // Loeschen, 0624 SGOZDAVerfuegen, 0625 SystemstatusAbfragen, 0632 SGOZDAAufheben; every
    // other message is refused by a 0630 that says so. Bad input never
    // fails the call: it is answered (kAbgelehnt) with the reason in the 0630 and changes
    // nothing. A message whose ProzessID `p` sent before (after it changed something) is
    // answered kWiederholt with the first run's results and is not performed again. Errors
    // only when the answer cannot be written or fails its own schema check (kInternal).
    Result<FvAntwort> Verarbeiten(const dms::Principal& p, std::string_view bytes);

    // The object that `p`'s case system created under its own key (FachverfahrenObjektID).
    // kNotFound when the key is unknown or the object is not visible to `p`.
    Result<dms::Objekt> FindBySchluessel(const dms::Principal& p,
                                         std::string_view schluessel) const;

  private:
    struct Nachricht;
    std::optional<Result<FvAntwort>> Einlesen(std::string_view bytes, Nachricht* n) const;
    std::optional<std::string> Pruefen(const Nachricht& n, std::string* allgemein) const;
    Result<FvAntwort> Antworten(const Nachricht& n, FvAusgang ausgang,
                                const std::vector<std::string>& meldungen,
                                const std::vector<FvErgebnis>& ergebnisse) const;
    Result<FvAntwort> Ablehnen(const Nachricht& n, std::string allgemein, std::string text) const;
    std::vector<FvErgebnis> Ausfuehren(const dms::Principal& p, const Nachricht& n);
    FvErgebnis Erstellen(const dms::Principal& p, const Nachricht& n, xdomea::XmlNode item);
    Result<dms::Objekt> Anlegen(const dms::Principal& p, const Nachricht& n, xdomea::XmlNode sgo,
                                std::string_view parent_id, const std::string& schluessel);
    FvErgebnis Aktualisieren(const dms::Principal& p, const Nachricht& n, xdomea::XmlNode item);
    FvErgebnis Ansehen(const dms::Principal& p, xdomea::XmlNode item);
    FvErgebnis ZdA(const dms::Principal& p, xdomea::XmlNode item, bool verfuegen);
    std::vector<FvErgebnis> Metadaten(const dms::Principal& p, const std::string& code,
                                      xdomea::XmlNode item);
    FvErgebnis Systemstatus(xdomea::XmlNode item) const;
    Result<dms::Objekt> Aufloesen(const dms::Principal& p, const std::string& ref) const;

    dms::Repository* repo_;
    FachverfahrenOptions options_;
    std::mutex mu_;
};

}  // namespace aktenwerk::retention
