// Code list values the exporter chooses: the file format of a primary file (code list
// Dateiformat 1.0), the Vertraulichkeitsstufe of an Akte, and the list identifiers of the
// appraisal codes.
#pragma once

#include <string>
#include <string_view>

namespace aktenwerk::retention::xdomea {

inline constexpr std::string_view kDateiformatListUri = "urn:xoev-de:xdomea:codeliste:dateiformat";
// The version of the Dateiformat code list we emit. It is required in the message; x-man's
// samples and the stored code list use 1.0.
inline constexpr std::string_view kDateiformatListVersion = "1.0";
inline constexpr std::string_view kAussonderungsartListUri =
    "urn:xoev-de:xdomea:codeliste:aussonderungsart";
inline constexpr std::string_view kBewertungsvorschlagListUri =
    "urn:xoev-de:xdomea:codeliste:bewertungsvorschlag";
inline constexpr std::string_view kVertraulichkeitListUri =
    "urn:xoev-de:xdomea:codeliste:vertraulichkeitsstufe";
inline constexpr std::string_view kMediumListUri = "urn:xoev-de:xdomea:codeliste:medium";

struct Dateiformat {
    std::string code;            // e.g. "018"
    std::string sonstiger_name;  // for "100" (Sonstiges): the media type
};

// The format code of a file from its detected media type, falling back to the extension of
// its original name; "100" with the media type as SonstigerName when nothing fits.
Dateiformat DateiformatFor(std::string_view mime_type, std::string_view dateiname);

// The Vertraulichkeitsstufe code for our levels ("offen" 003, "VS-NfD" 002, "vertraulich"
// 005, "geheim" 001).
std::string_view VertraulichkeitCode(std::string_view stufe);

// A lower-case ASCII extension of `dateiname` (letters and digits, at most 10), or empty: the
// primary file names in a package are ASCII only.
std::string AsciiExtension(std::string_view dateiname);

}  // namespace aktenwerk::retention::xdomea
