// Writing xdomea messages: a streaming XML writer (libxml2's xmlTextWriter into a file) with
// the conventions of the standard built in: the prefix "xdomea" for the message namespace,
// unqualified "code"/"name" children of code elements, UTF-8. Elements are written in the
// order the caller calls; the schema's order is the caller's duty (and ValidateMessageFile
// checks it before anything is offered).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <string_view>

#include "retention/xdomea/validation.h"
#include "storage/status.h"

struct _xmlTextWriter;
struct _xmlBuffer;

namespace aktenwerk::retention::xdomea {

// Not thread-safe. Errors are kept: after the first failure every call does nothing and
// Finish() returns it.
class XmlWriter {
  public:
    // Creates (truncates) `path`. The root element is written by StartRoot.
    static Result<std::unique_ptr<XmlWriter>> Create(const std::string& path, Version version);
    // The same into memory, for answers sent at once: Finish() leaves the document in text()
    // (nothing is written to disk, so nothing is fsynced).
    static Result<std::unique_ptr<XmlWriter>> CreateInMemory(Version version);
    ~XmlWriter();
    XmlWriter(const XmlWriter&) = delete;
    XmlWriter& operator=(const XmlWriter&) = delete;

    // The root element, with the namespace declaration and the schemaLocation of `family`'s
    // entry schema, as the conformity rules of xdomea require.
    void StartRoot(std::string_view name, Family family);
    // An element in the xdomea namespace, and its end.
    void Start(std::string_view name);
    void End();
    // <xdomea:name>text</xdomea:name>
    void Element(std::string_view name, std::string_view text);
    // The same, but nothing when `text` is empty.
    void ElementIfAny(std::string_view name, std::string_view text);
    // A code element: <xdomea:name listURI=.. listVersionID=..><code>..</code><name>..</name>
    // (attributes and the name child only when not empty).
    void Code(std::string_view name, std::string_view code, std::string_view list_uri = {},
              std::string_view list_version = {}, std::string_view code_name = {});
    void Attribute(std::string_view name, std::string_view value);

    // Ends every open element and the document, flushes and fsyncs the file.
    Status Finish();
    // The document written by an in-memory writer, after Finish(); empty otherwise.
    const std::string& text() const { return text_; }

  private:
    XmlWriter(_xmlTextWriter* w, std::string path, Version version)
        : w_(w), path_(std::move(path)), version_(version) {}
    void Check(int rc, std::string_view what);
    static Result<std::unique_ptr<XmlWriter>> Begin(_xmlTextWriter* w, _xmlBuffer* buf,
                                                    std::string path, Version version);

    _xmlTextWriter* w_;
    std::string path_;
    Version version_;
    Status error_;
    _xmlBuffer* buf_ = nullptr;  // owned; set for an in-memory writer
    std::string text_;
};

// "2026-03-15T09:00:00Z" from milliseconds since the epoch (xs:dateTime, UTC).
std::string DateTimeUtc(int64_t millis);

}  // namespace aktenwerk::retention::xdomea
