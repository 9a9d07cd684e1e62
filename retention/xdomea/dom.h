// Reading a validated xdomea message as a tree: a thin owner of a libxml2 document and the few
// navigation helpers the message readers need. Only for messages that passed
// ValidateMessage (no DOCTYPE, bounded size), so the tree is small and safe to build.
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "storage/status.h"

struct _xmlDoc;
struct _xmlNode;

namespace aktenwerk::retention::xdomea {

using XmlNode = const _xmlNode*;

// Move-only owner of a parsed document.
class XmlDocument {
  public:
    // Parses `bytes` (no network, no entity substitution). kInvalidArgument when it is not
    // well-formed.
    static Result<XmlDocument> Parse(std::string_view bytes);

    XmlDocument(XmlDocument&&) noexcept = default;
    XmlDocument& operator=(XmlDocument&&) noexcept = default;
    ~XmlDocument();

    XmlNode root() const;

  private:
    struct Free {
        void operator()(_xmlDoc* doc) const;
    };
    explicit XmlDocument(_xmlDoc* doc) : doc_(doc) {}
    std::unique_ptr<_xmlDoc, Free> doc_;
};

// The element children of `node` with local name `name` (any namespace), in order.
std::vector<XmlNode> Children(XmlNode node, std::string_view name);
// The first such child, or nullptr.
XmlNode Child(XmlNode node, std::string_view name);
// The first element at the end of a path of local names, or nullptr: Path(kopf, {"Absender",
// "Behoerdenkennung"}).
XmlNode Path(XmlNode node, std::initializer_list<std::string_view> names);
// The text content of `node` with surrounding white space removed; empty for nullptr.
std::string Text(XmlNode node);
// The text of the child `name`, or nullopt when there is no such child.
std::optional<std::string> ChildText(XmlNode node, std::string_view name);
// xs:boolean: "true"/"1" is true.
bool IsTrue(const std::string& text);
// The local name of an element.
std::string LocalName(XmlNode node);
// The source line of an element (for error messages).
long Line(XmlNode node);

}  // namespace aktenwerk::retention::xdomea
