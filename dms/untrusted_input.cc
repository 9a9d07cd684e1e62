// XML through libxml2 with a SAX hook that stops at any DOCTYPE, and the archive checks.
//
// Why stop at the DOCTYPE rather than set parser options: libxml2 2.9 substitutes no
// entities and loads no external DTD unless asked, but it still parses the declarations and
// keeps entity references in the tree, where any later serialisation or XPath may expand
// them. A message format that never needs a DTD (xdomea, AtomPub) is safest without one.
#include "dms/untrusted_input.h"

#include <libxml/parser.h>
#include <libxml/parserInternals.h>

#include <vector>

#include "dms/validation.h"

namespace aktenwerk::dms {
namespace {

struct ParseState {
    bool saw_dtd = false;
};

void OnInternalSubset(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
    auto* ctxt = static_cast<xmlParserCtxtPtr>(ctx);
    static_cast<ParseState*>(ctxt->_private)->saw_dtd = true;
    xmlStopParser(ctxt);
}

void OnEntityDecl(void* ctx, const xmlChar*, int, const xmlChar*, const xmlChar*, xmlChar*) {
    OnInternalSubset(ctx, nullptr, nullptr, nullptr);
}

// libxml2 reports through a global handler by default; parse errors are our callers' to
// report, so they are dropped here.
void IgnoreError(void*, const char*, ...) {}

size_t Depth(const xmlNode* root) {
    size_t deepest = 0;
    std::vector<std::pair<const xmlNode*, size_t>> todo = {{root, 1}};
    while (!todo.empty()) {
        auto [node, depth] = todo.back();
        todo.pop_back();
        for (; node != nullptr; node = node->next) {
            if (node->type != XML_ELEMENT_NODE) continue;
            deepest = std::max(deepest, depth);
            if (node->children) todo.emplace_back(node->children, depth + 1);
        }
    }
    return deepest;
}

}  // namespace

Result<XmlDocument> ParseUntrustedXml(std::string_view text, const XmlLimits& limits) {
    if (text.size() > limits.max_bytes || text.size() > INT32_MAX) {
        return InvalidArgumentError("the XML is larger than allowed", "xml-too-large");
    }
    xmlParserCtxtPtr ctxt = xmlCreateMemoryParserCtxt(text.data(), static_cast<int>(text.size()));
    if (ctxt == nullptr) return InvalidArgumentError("the XML cannot be read", "malformed-xml");
    ParseState state;
    ctxt->_private = &state;
    ctxt->sax->internalSubset = OnInternalSubset;
    ctxt->sax->externalSubset = OnInternalSubset;
    ctxt->sax->entityDecl = OnEntityDecl;
    ctxt->sax->error = IgnoreError;
    ctxt->sax->warning = IgnoreError;
    ctxt->vctxt.error = IgnoreError;
    ctxt->vctxt.warning = IgnoreError;
    xmlCtxtUseOptions(ctxt, XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING);
    xmlParseDocument(ctxt);
    XmlDocument doc(ctxt->myDoc);
    const bool well_formed = ctxt->wellFormed != 0;
    ctxt->myDoc = nullptr;
    xmlFreeParserCtxt(ctxt);

    if (state.saw_dtd) {
        return InvalidArgumentError("XML with a DOCTYPE is not accepted (no DTDs, no entities)",
                                    "xml-dtd");
    }
    if (!well_formed || !doc || xmlDocGetRootElement(doc.get()) == nullptr) {
        return InvalidArgumentError("the XML is not well-formed", "malformed-xml");
    }
    if (Depth(xmlDocGetRootElement(doc.get())) > limits.max_depth) {
        return InvalidArgumentError(
            "the XML is nested deeper than " + std::to_string(limits.max_depth) + " levels",
            "xml-too-large");
    }
    return doc;
}

Status CheckArchiveEntryName(std::string_view name) {
    auto unsafe = [&](const std::string& why) {
        return InvalidArgumentError("archive entry name " + why, "unsafe-entry-name");
    };
    if (name.empty() || name.size() > 1024) return unsafe("must have 1 to 1024 bytes");
    if (!IsValidUtf8(name)) return unsafe("is not valid UTF-8");
    for (unsigned char c : name) {
        if (c < 0x20 || c == 0x7f) return unsafe("contains a control character");
        if (c == '\\') return unsafe("contains a backslash");
    }
    if (name.front() == '/') return unsafe("is an absolute path");
    if (name.size() >= 2 && name[1] == ':') return unsafe("starts with a drive letter");
    std::string_view rest = name;
    if (rest.back() == '/') rest.remove_suffix(1);  // a folder entry
    while (true) {
        size_t slash = rest.find('/');
        std::string_view segment = rest.substr(0, slash);
        if (segment.empty()) return unsafe("has an empty path segment");
        if (segment == "." || segment == "..") return unsafe("leaves its folder");
        if (slash == std::string_view::npos) break;
        rest.remove_prefix(slash + 1);
    }
    return Status::Ok();
}

Status ArchiveBudget::Ratio(uint64_t compressed, uint64_t uncompressed) const {
    // A small entry may compress well without harm; the ratio counts past the first 1 MiB.
    const uint64_t allowed = std::max<uint64_t>(compressed, 1) * limits_.max_ratio;
    if (uncompressed > (uint64_t{1} << 20) && uncompressed > allowed) {
        return ResourceExhaustedError(
            "an archive entry expands more than " + std::to_string(limits_.max_ratio) + " times",
            "archive-too-large");
    }
    return Status::Ok();
}

Status ArchiveBudget::Admit(std::string_view name, uint64_t compressed, uint64_t uncompressed) {
    AKTENWERK_RETURN_IF_ERROR(CheckArchiveEntryName(name));
    total_ += entry_produced_;
    entry_produced_ = 0;
    if (++entries_ > limits_.max_entries) {
        return ResourceExhaustedError(
            "the archive has more than " + std::to_string(limits_.max_entries) + " entries",
            "archive-too-large");
    }
    if (uncompressed > limits_.max_total_bytes - std::min(total_, limits_.max_total_bytes)) {
        return ResourceExhaustedError("the archive expands to more than allowed",
                                      "archive-too-large");
    }
    return Ratio(compressed, uncompressed);
}

Status ArchiveBudget::Inflated(uint64_t compressed_read, uint64_t produced) {
    entry_produced_ = produced;
    if (produced > limits_.max_total_bytes - std::min(total_, limits_.max_total_bytes)) {
        return ResourceExhaustedError("the archive expands to more than allowed",
                                      "archive-too-large");
    }
    return Ratio(compressed_read, produced);
}

}  // namespace aktenwerk::dms
