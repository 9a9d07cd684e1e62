// Code tables. Every code emitted here is in codelists/Dateiformat_1.0.xml (a test compares).
#include "retention/xdomea/codes.h"

#include <array>
#include <utility>

namespace aktenwerk::retention::xdomea {
namespace {

constexpr std::array<std::pair<std::string_view, std::string_view>, 21> kByMime = {{
    {"application/pdf", "018"},
    {"text/plain", "045"},
    {"text/csv", "002"},
    {"text/html", "008"},
    {"application/xml", "030"},
    {"text/xml", "030"},
    {"image/png", "019"},
    {"image/jpeg", "011"},
    {"image/tiff", "024"},
    {"image/bmp", "001"},
    {"application/rtf", "022"},
    {"text/rtf", "022"},
    {"application/msword", "003"},
    {"application/vnd.ms-excel", "028"},
    {"application/vnd.ms-powerpoint", "020"},
    {"application/vnd.oasis.opendocument.text", "015"},
    {"application/vnd.oasis.opendocument.spreadsheet", "014"},
    {"application/vnd.oasis.opendocument.presentation", "013"},
    {"application/vnd.openxmlformats-officedocument.wordprocessingml.document", "035"},
    {"application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "036"},
    {"application/vnd.openxmlformats-officedocument.presentationml.presentation", "037"},
}};

constexpr std::array<std::pair<std::string_view, std::string_view>, 26> kByExtension = {{
    {"pdf", "018"}, {"txt", "045"},  {"csv", "002"},  {"htm", "007"},  {"html", "008"},
    {"xml", "030"}, {"xsd", "031"},  {"png", "019"},  {"jpg", "011"},  {"jpeg", "010"},
    {"jpe", "009"}, {"tif", "023"},  {"tiff", "024"}, {"bmp", "001"},  {"rtf", "022"},
    {"doc", "003"}, {"xls", "028"},  {"ppt", "020"},  {"odt", "015"},  {"ods", "014"},
    {"odp", "013"}, {"docx", "035"}, {"xlsx", "036"}, {"pptx", "037"}, {"eml", "006"},
    {"msg", "012"},
}};

}  // namespace

std::string AsciiExtension(std::string_view dateiname) {
    const size_t dot = dateiname.rfind('.');
    if (dot == std::string_view::npos || dot + 1 >= dateiname.size()) return {};
    std::string ext;
    for (char c : dateiname.substr(dot + 1)) {
        if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
        if (!((c >= 'a' && c <= 'z') || (c >= '0' && c <= '9'))) return {};
        ext += c;
    }
    return ext.size() <= 10 ? ext : std::string();
}

static std::string_view ByExtension(std::string_view ext) {
    for (const auto& [e, code] : kByExtension) {
        if (e == ext) return code;
    }
    return {};
}

Dateiformat DateiformatFor(std::string_view mime_type, std::string_view dateiname) {
    const std::string ext = AsciiExtension(dateiname);
    // The media type is detected from the content; the extension only tells apart codes that
    // one media type has several of, and names what libmagic reports only generically.
    if (mime_type == "text/html") return {ext == "htm" ? "007" : "008", {}};
    if (mime_type == "image/jpeg")
        return {ext == "jpeg" ? "010" : ext == "jpe" ? "009" : "011", {}};
    if (mime_type == "image/tiff") return {ext == "tif" ? "023" : "024", {}};
    const bool generic = mime_type.empty() || mime_type == "application/octet-stream" ||
                         mime_type == "application/zip" || mime_type == "text/plain";
    if (generic && !ByExtension(ext).empty()) return {std::string(ByExtension(ext)), {}};
    for (const auto& [m, code] : kByMime) {
        if (m == mime_type) return {std::string(code), {}};
    }
    return {"100",
            mime_type.empty() ? std::string("application/octet-stream") : std::string(mime_type)};
}

std::string_view VertraulichkeitCode(std::string_view stufe) {
    if (stufe == "geheim") return "001";
    if (stufe == "VS-NfD") return "002";
    if (stufe == "vertraulich") return "005";
    return "003";
}

}  // namespace aktenwerk::retention::xdomea
