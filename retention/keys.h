// The key layout of the retention layer in the metadata store, all under "t/" so that it
// never meets the records model's keys (dms/keys.h).
#pragma once

#include <string>
#include <string_view>

namespace aktenwerk::retention::keys {

// The retention rule set on an Aktenplaneinheit or (as an override) on an Akte.
inline std::string Regel(std::string_view objekt_id) { return "t/regel/" + std::string(objekt_id); }

// The due-date index: t/faellig/<nearest unit>/<due date or state>/<objekt> for every closed
// Akte and Vorgang, so that "what is due on D under this unit" is a range scan per unit. The
// date part is YYYY-MM-DD; "ohne-regel" and "unbefristet" sort after every date.
inline std::string FaelligPrefix(std::string_view einheit_id) {
    return "t/faellig/" + std::string(einheit_id) + "/";
}
inline std::string Faellig(std::string_view einheit_id, std::string_view datum,
                           std::string_view objekt_id) {
    return FaelligPrefix(einheit_id) + std::string(datum) + "/" + std::string(objekt_id);
}
// Where an object's entry is: its key, to replace or remove it.
inline std::string FaelligVon(std::string_view objekt_id) {
    return "t/faellig-von/" + std::string(objekt_id);
}
inline constexpr std::string_view kIndexStand = "t/meta/faellig-index";

// Aussonderung processes: the process, its objects, the objects in an unfinished process (to
// refuse a second process and changes), and the per-object lines of the protocol.
inline constexpr std::string_view kAussonderungPrefix = "t/aus/";
inline std::string Aussonderung(std::string_view id) { return "t/aus/" + std::string(id); }
inline std::string AusObjektPrefix(std::string_view run) {
    return "t/aus-obj/" + std::string(run) + "/";
}
inline std::string AusObjekt(std::string_view run, std::string_view objekt_id) {
    return AusObjektPrefix(run) + std::string(objekt_id);
}
inline std::string InAussonderung(std::string_view objekt_id) {
    return "t/in-aus/" + std::string(objekt_id);
}
inline std::string ProtokollPrefix(std::string_view run) {
    return "t/aus-prot/" + std::string(run) + "/";
}
inline std::string Protokoll(std::string_view run, std::string_view objekt_id) {
    return ProtokollPrefix(run) + std::string(objekt_id);
}

// The server's signature (CMS, DER, base64 in the value) of Vernichtungsprotokoll `nummer` of
// an Aussonderung, kept in the store so that a backup carries it (issue #7).
inline std::string ProtokollSignatur(std::string_view prozess_id, size_t nummer) {
    return "t/protokoll-signatur/" + std::string(prozess_id) + "/" + std::to_string(nummer);
}

// Fachverfahrensdaten (issue #10), per calling principal (`eigner`, length-prefixed so that
// no name can reach into another's keys): the messages performed, by ProzessID, with their
// results (so a repeated message is answered and not performed again), and the case system's
// own keys (FachverfahrenObjektID) of the objects it created, each naming our object id.
inline std::string FvNachricht(std::string_view eigner, std::string_view prozess_id) {
    return "t/fv-nachricht/" + std::string(eigner) + "/" + std::string(prozess_id);
}
inline std::string FvSchluessel(std::string_view eigner, std::string_view schluessel) {
    return "t/fv-schluessel/" + std::string(eigner) + "/" + std::string(schluessel);
}

}  // namespace aktenwerk::retention::keys
