// Taking in a received xdomea message: the bytes of a ZIP package or of the bare XML are
// checked (ZIP entries, then the XML's safety and its schema in its own version) before
// anything in them is used, and then read into the structures of the Aussonderung's answers
// from the archive: 0502 (appraisal), 0504 and 0507 (receipts), 0506 (import confirmation).
// 2.x messages (single-level Aussonderungsart, 0506 with one ErfolgOderMisserfolg) are read
// as well as 3.x.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "retention/xdomea/dom.h"
#include "retention/xdomea/kopf.h"
#include "retention/xdomea/validation.h"
#include "retention/xdomea/zip.h"

namespace aktenwerk::retention::xdomea {

// A received message after its checks.
struct Eingang {
    MessageInfo info;
    std::string code;  // "0502", ...
    KopfGelesen kopf;
    XmlDocument doc;
};

// Unpacks (when `bytes` is a ZIP), checks and validates a message of `family`, and parses its
// header. Errors as ReadMessageXml and ValidateMessage, and kInvalidArgument (reason
// "invalid-xdomea") for a root element that is not a message of `family`.
Result<Eingang> ReceiveMessage(std::string_view bytes, Family family, const XmlLimits& xml = {},
                               const ZipLimits& zip = {});

// One appraised object of a 0502.
struct Bewertung {
    std::string id;
    char art = 'V';  // 'A', 'V' or 'B'
    long line = 0;
};

// The appraised objects of a 0502, in document order. kInvalidArgument naming the line for
// an AussonderungsartKonfigurierbar value other than A, B or V.
Result<std::vector<Bewertung>> ReadBewertungen(const Eingang& msg);

// The result for one object in a 0506.
struct ImportErgebnis {
    std::string id;
    bool erfolgreich = false;
    std::vector<std::string> fehlermeldungen;
    std::string archivkennung;
    long line = 0;
};

struct Importbestaetigung {
    std::vector<ImportErgebnis> objekte;
    // 2.x only: one result for the whole transfer; objekte then carry the Archivkennungen.
    std::optional<bool> gesamt_erfolgreich;
    std::string gesamt_fehlermeldung;
};

Result<Importbestaetigung> ReadImportbestaetigung(const Eingang& msg);

}  // namespace aktenwerk::retention::xdomea
