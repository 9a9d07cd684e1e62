// The key layout of the records model in the metadata store. One prefix per kind of
// entry; numbers are 20-digit decimals so that range scans return them in order.
#pragma once

#include <string>
#include <string_view>

#include "storage/codec.h"

namespace aktenwerk::dms::keys {

inline std::string Objekt(std::string_view id) { return "o/" + std::string(id); }

// Children of a parent sort by kind (units, Akten, Vorgänge, Dokumente), then by
// `sort_key` (Kennzeichen for units, creation sequence for the rest), then id.
inline std::string ChildPrefix(std::string_view parent_id) {
    return "c/" + std::string(parent_id) + "/";
}
inline std::string Child(std::string_view parent_id, char kind, std::string_view sort_key,
                         std::string_view id) {
    return ChildPrefix(parent_id) + kind + "/" + std::string(sort_key) + "/" + std::string(id);
}

inline std::string VersionPrefix(std::string_view dokument_id) {
    return "v/" + std::string(dokument_id) + "/";
}
inline std::string Version(std::string_view dokument_id, uint64_t nummer) {
    return VersionPrefix(dokument_id) + storage::SortableNumber(nummer);
}

inline std::string Kennzeichen(std::string_view kennzeichen) {
    return "k/" + std::string(kennzeichen);
}
inline std::string Aktenzeichen(std::string_view aktenzeichen) {
    return "z/" + std::string(aktenzeichen);
}
inline std::string AktenCounter(std::string_view unit_id, int year) {
    return "n/" + std::string(unit_id) + "/" + std::to_string(year);
}

inline constexpr std::string_view kAuditPrefix = "a/";
inline std::string Audit(uint64_t seq) { return "a/" + storage::SortableNumber(seq); }
inline constexpr std::string_view kAuditHead = "m/audit-head";
inline std::string AuditByObjektPrefix(std::string_view id) { return "h/" + std::string(id) + "/"; }
inline std::string AuditByObjekt(std::string_view id, uint64_t seq) {
    return AuditByObjektPrefix(id) + storage::SortableNumber(seq);
}

inline constexpr std::string_view kOutboxPrefix = "q/";
inline std::string Outbox(uint64_t seq) { return "q/" + storage::SortableNumber(seq); }
inline constexpr std::string_view kOutboxHead = "m/outbox-seq";

inline constexpr std::string_view kBlobRefPrefix = "r/";
inline std::string BlobRef(std::string_view sha256) { return "r/" + std::string(sha256); }

inline constexpr std::string_view kUserPrefix = "u/";
inline std::string User(std::string_view name) { return "u/" + std::string(name); }

// Holds (Sperren): every hold ever placed under s/, the active ones indexed by hold (sa/, value:
// the held object's id) and by held object (so/<objekt>/<hold>).
inline constexpr std::string_view kSperrePrefix = "s/";
inline std::string Sperre(std::string_view id) { return "s/" + std::string(id); }
inline constexpr std::string_view kAktiveSperrePrefix = "sa/";
inline std::string AktiveSperre(std::string_view sperre_id) {
    return "sa/" + std::string(sperre_id);
}
inline std::string ObjektSperrePrefix(std::string_view objekt_id) {
    return "so/" + std::string(objekt_id) + "/";
}
inline std::string ObjektSperre(std::string_view objekt_id, std::string_view sperre_id) {
    return ObjektSperrePrefix(objekt_id) + std::string(sperre_id);
}

// Stubs of destroyed, transferred or deleted Akten and Vorgänge (x/<id>), listed by their
// former parent (xc/<parent>/<id>).
inline std::string Stub(std::string_view id) { return "x/" + std::string(id); }
inline std::string StubChildPrefix(std::string_view parent_id) {
    return "xc/" + std::string(parent_id) + "/";
}
inline std::string StubChild(std::string_view parent_id, std::string_view id) {
    return StubChildPrefix(parent_id) + std::string(id);
}

// Access control (issue #6): grants by unit and subject, groups, API tokens by id.
inline constexpr std::string_view kGrantPrefix = "acl/";
inline std::string Grant(std::string_view einheit_id, std::string_view subjekt) {
    return "acl/" + std::string(einheit_id) + "/" + std::string(subjekt);
}
inline constexpr std::string_view kGroupPrefix = "grp/";
inline std::string Group(std::string_view name) { return "grp/" + std::string(name); }
inline constexpr std::string_view kTokenPrefix = "tok/";
inline std::string Token(std::string_view id) { return "tok/" + std::string(id); }

// Integrity (issue #7): signed audit chain heads by sequence (sig/a/<seq>), signatures of
// versions (sig/v/<dokument>/<nummer>/<n>), every server certificate that has signed
// (sig/cert/<sha256>), evidence trees by number (ev/t/<n>) and each version's path in its
// tree (ev/p/<dokument>/<nummer>). Everything lives here, so that a backup carries it.
inline constexpr std::string_view kAuditSealPrefix = "sig/a/";
inline std::string AuditSeal(uint64_t seq) { return "sig/a/" + storage::SortableNumber(seq); }
inline constexpr std::string_view kSignaturPrefix = "sig/v/";
inline std::string DokumentSignaturPrefix(std::string_view dokument_id) {
    return "sig/v/" + std::string(dokument_id) + "/";
}
inline std::string VersionSignaturPrefix(std::string_view dokument_id, uint64_t nummer) {
    return DokumentSignaturPrefix(dokument_id) + storage::SortableNumber(nummer) + "/";
}
inline std::string VersionSignatur(std::string_view dokument_id, uint64_t nummer, uint64_t n) {
    return VersionSignaturPrefix(dokument_id, nummer) + storage::SortableNumber(n);
}
inline constexpr std::string_view kServerCertPrefix = "sig/cert/";
inline std::string ServerCert(std::string_view sha256) { return "sig/cert/" + std::string(sha256); }
inline constexpr std::string_view kEvidenzTreePrefix = "ev/t/";
inline std::string EvidenzTree(uint64_t n) { return "ev/t/" + storage::SortableNumber(n); }
inline constexpr std::string_view kEvidenzPathPrefix = "ev/p/";
inline std::string DokumentEvidenzPrefix(std::string_view dokument_id) {
    return "ev/p/" + std::string(dokument_id) + "/";
}
inline std::string EvidenzPath(std::string_view dokument_id, uint64_t nummer) {
    return DokumentEvidenzPrefix(dokument_id) + storage::SortableNumber(nummer);
}

// Wiedervorlagen (reminders): each under wv/<id>, listed by object (wvo/<objekt>/<id>) and,
// while open, by user and date (wvf/<user>/<YYYY-MM-DD>/<id>) so that a user's due list is a
// range scan. User names contain no '/', and ISO dates sort as text.
inline std::string Wiedervorlage(std::string_view id) { return "wv/" + std::string(id); }
inline std::string ObjektWiedervorlagePrefix(std::string_view objekt_id) {
    return "wvo/" + std::string(objekt_id) + "/";
}
inline std::string ObjektWiedervorlage(std::string_view objekt_id, std::string_view id) {
    return ObjektWiedervorlagePrefix(objekt_id) + std::string(id);
}
inline std::string FaelligPrefix(std::string_view user) { return "wvf/" + std::string(user) + "/"; }
inline std::string Faellig(std::string_view user, std::string_view datum, std::string_view id) {
    return FaelligPrefix(user) + std::string(datum) + "/" + std::string(id);
}

inline constexpr std::string_view kFormat = "m/format";
inline constexpr std::string_view kObjektSequenz = "m/objekt-sequenz";

}  // namespace aktenwerk::dms::keys
