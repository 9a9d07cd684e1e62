// DOM helpers over libxml2.
#include "retention/xdomea/dom.h"

#include <libxml/parser.h>
#include <libxml/tree.h>

namespace aktenwerk::retention::xdomea {
namespace {

void IgnoreStructured(void*, xmlErrorPtr) {}

bool IsElement(XmlNode n, std::string_view name) {
    return n->type == XML_ELEMENT_NODE && reinterpret_cast<const char*>(n->name) == name;
}

}  // namespace

void XmlDocument::Free::operator()(_xmlDoc* doc) const { xmlFreeDoc(doc); }

XmlDocument::~XmlDocument() = default;

Result<XmlDocument> XmlDocument::Parse(std::string_view bytes) {
    xmlParserCtxtPtr ctxt = xmlNewParserCtxt();
    if (!ctxt) return InternalError("cannot create an XML parser");
    ctxt->sax->serror = IgnoreStructured;
    xmlDocPtr doc = xmlCtxtReadMemory(ctxt, bytes.data(), static_cast<int>(bytes.size()),
                                      "message.xml", nullptr, XML_PARSE_NONET | XML_PARSE_NOCDATA);
    std::string error;
    if (!doc) {
        xmlErrorPtr err = xmlCtxtGetLastError(ctxt);
        error = err && err->message ? err->message : "not well-formed";
    }
    xmlFreeParserCtxt(ctxt);
    if (!doc) return InvalidArgumentError("the message is not well-formed XML: " + error);
    return XmlDocument(doc);
}

XmlNode XmlDocument::root() const { return xmlDocGetRootElement(doc_.get()); }

std::vector<XmlNode> Children(XmlNode node, std::string_view name) {
    std::vector<XmlNode> out;
    if (!node) return out;
    for (XmlNode c = node->children; c; c = c->next) {
        if (IsElement(c, name)) out.push_back(c);
    }
    return out;
}

XmlNode Child(XmlNode node, std::string_view name) {
    if (!node) return nullptr;
    for (XmlNode c = node->children; c; c = c->next) {
        if (IsElement(c, name)) return c;
    }
    return nullptr;
}

XmlNode Path(XmlNode node, std::initializer_list<std::string_view> names) {
    for (auto name : names) node = Child(node, name);
    return node;
}

std::string Text(XmlNode node) {
    if (!node) return {};
    xmlChar* content = xmlNodeGetContent(node);
    std::string text = content ? reinterpret_cast<const char*>(content) : "";
    xmlFree(content);
    const auto first = text.find_first_not_of(" \t\r\n");
    if (first == std::string::npos) return {};
    const auto last = text.find_last_not_of(" \t\r\n");
    return text.substr(first, last - first + 1);
}

std::optional<std::string> ChildText(XmlNode node, std::string_view name) {
    XmlNode c = Child(node, name);
    if (!c) return std::nullopt;
    return Text(c);
}

bool IsTrue(const std::string& text) { return text == "true" || text == "1"; }

std::string LocalName(XmlNode node) {
    return node ? reinterpret_cast<const char*>(node->name) : "";
}

long Line(XmlNode node) { return node ? static_cast<long>(xmlGetLineNo(node)) : 0; }

}  // namespace aktenwerk::retention::xdomea
