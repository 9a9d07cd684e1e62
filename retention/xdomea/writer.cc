// xmlTextWriter wrapper. The file is written through libxml2's buffered output and fsynced
// by Finish, so that a message offered for download is complete on disk.
#include "retention/xdomea/writer.h"

#include <fcntl.h>
#include <unistd.h>

#include <ctime>

#include <libxml/xmlwriter.h>

namespace aktenwerk::retention::xdomea {
namespace {

const xmlChar* X(const std::string& s) { return BAD_CAST s.c_str(); }

constexpr const char* kPrefix = "xdomea";

}  // namespace

Result<std::unique_ptr<XmlWriter>> XmlWriter::Create(const std::string& path, Version version) {
    xmlTextWriterPtr w = xmlNewTextWriterFilename(path.c_str(), 0);
    if (!w) return InternalError("cannot create " + path);
    return Begin(w, nullptr, path, version);
}

Result<std::unique_ptr<XmlWriter>> XmlWriter::CreateInMemory(Version version) {
    xmlBufferPtr buf = xmlBufferCreate();
    if (!buf) return InternalError("cannot create an XML buffer");
    xmlTextWriterPtr w = xmlNewTextWriterMemory(buf, 0);
    if (!w) {
        xmlBufferFree(buf);
        return InternalError("cannot create an XML writer");
    }
    return Begin(w, buf, "(memory)", version);
}

Result<std::unique_ptr<XmlWriter>> XmlWriter::Begin(xmlTextWriterPtr w, xmlBufferPtr buf,
                                                    std::string path, Version version) {
    auto writer = std::unique_ptr<XmlWriter>(new XmlWriter(w, std::move(path), version));
    writer->buf_ = buf;
    writer->Check(xmlTextWriterSetIndent(w, 1), "indent");
    writer->Check(xmlTextWriterSetIndentString(w, BAD_CAST " "), "indent");
    writer->Check(xmlTextWriterStartDocument(w, "1.0", "UTF-8", nullptr), "start document");
    AKTENWERK_RETURN_IF_ERROR(writer->error_);
    return writer;
}

XmlWriter::~XmlWriter() {
    if (w_) xmlFreeTextWriter(w_);
    if (buf_) xmlBufferFree(buf_);
}

void XmlWriter::Check(int rc, std::string_view what) {
    if (rc < 0 && error_.ok()) {
        error_ = InternalError("writing " + path_ + " failed at " + std::string(what));
    }
}

void XmlWriter::StartRoot(std::string_view name, Family family) {
    if (!error_.ok()) return;
    const std::string ns = NamespaceOf(version_);
    Check(xmlTextWriterStartElementNS(w_, BAD_CAST kPrefix, X(std::string(name)), X(ns)),
          std::string(name));
    Check(xmlTextWriterWriteAttributeNS(w_, BAD_CAST "xmlns", BAD_CAST "xsi", nullptr,
                                        BAD_CAST "http://www.w3.org/2001/XMLSchema-instance"),
          "xmlns:xsi");
    Check(xmlTextWriterWriteAttributeNS(w_, BAD_CAST "xsi", BAD_CAST "schemaLocation", nullptr,
                                        X(ns + " " + std::string(EntrySchemaFile(family)))),
          "schemaLocation");
}

void XmlWriter::Start(std::string_view name) {
    if (!error_.ok()) return;
    Check(xmlTextWriterStartElementNS(w_, BAD_CAST kPrefix, X(std::string(name)), nullptr),
          std::string(name));
}

void XmlWriter::End() {
    if (!error_.ok()) return;
    Check(xmlTextWriterEndElement(w_), "end element");
}

void XmlWriter::Element(std::string_view name, std::string_view text) {
    if (!error_.ok()) return;
    Check(xmlTextWriterWriteElementNS(w_, BAD_CAST kPrefix, X(std::string(name)), nullptr,
                                      X(std::string(text))),
          std::string(name));
}

void XmlWriter::ElementIfAny(std::string_view name, std::string_view text) {
    if (!text.empty()) Element(name, text);
}

void XmlWriter::Code(std::string_view name, std::string_view code, std::string_view list_uri,
                     std::string_view list_version, std::string_view code_name) {
    Start(name);
    if (!list_uri.empty()) Attribute("listURI", list_uri);
    if (!list_version.empty()) Attribute("listVersionID", list_version);
    if (!error_.ok()) return;
    // code and name are unqualified (form="unqualified" in xoev-code.xsd).
    Check(xmlTextWriterWriteElement(w_, BAD_CAST "code", X(std::string(code))), "code");
    if (!code_name.empty()) {
        Check(xmlTextWriterWriteElement(w_, BAD_CAST "name", X(std::string(code_name))), "name");
    }
    End();
}

void XmlWriter::Attribute(std::string_view name, std::string_view value) {
    if (!error_.ok()) return;
    Check(xmlTextWriterWriteAttribute(w_, X(std::string(name)), X(std::string(value))),
          std::string(name));
}

Status XmlWriter::Finish() {
    if (error_.ok()) Check(xmlTextWriterEndDocument(w_), "end document");
    if (error_.ok()) Check(xmlTextWriterFlush(w_), "flush");
    xmlFreeTextWriter(w_);  // closes the file
    w_ = nullptr;
    AKTENWERK_RETURN_IF_ERROR(error_);
    if (buf_) {
        text_.assign(reinterpret_cast<const char*>(xmlBufferContent(buf_)),
                     static_cast<size_t>(xmlBufferLength(buf_)));
        return Status::Ok();
    }
    int fd = ::open(path_.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open " + path_, errno);
    const int rc = ::fsync(fd);
    const int err = errno;
    ::close(fd);
    if (rc != 0) return ErrnoError("fsync " + path_, err);
    return Status::Ok();
}

std::string DateTimeUtc(int64_t millis) {
    std::time_t secs = static_cast<std::time_t>(millis / 1000);
    std::tm utc{};
    gmtime_r(&secs, &utc);
    char buf[80];
    std::snprintf(buf, sizeof(buf), "%04d-%02d-%02dT%02d:%02d:%02dZ", utc.tm_year + 1900,
                  utc.tm_mon + 1, utc.tm_mday, utc.tm_hour, utc.tm_min, utc.tm_sec);
    return buf;
}

}  // namespace aktenwerk::retention::xdomea
