// Streaming checks with libxml2's push parser and SAX2, and XSD validation plugged into the
// same SAX stream (xmlSchemaSAXPlug), so that a message is read once and never built as a
// tree. The external entity loader serves the embedded schema files under the
// "aktenwerk-xsd:/" scheme and refuses network URLs; messages never reach it, since a message
// with a DOCTYPE is stopped before anything in it is resolved.
#include "retention/xdomea/validation.h"

#include <fcntl.h>
#include <unistd.h>

#include <cstring>
#include <map>
#include <memory>
#include <mutex>
#include <vector>

#include <libxml/parser.h>
#include <libxml/parserInternals.h>
#include <libxml/xmlschemas.h>

#include "retention/xdomea/embedded.h"

namespace aktenwerk::retention::xdomea {
namespace {

constexpr std::string_view kSchemeRoot = "aktenwerk-xsd:/";
constexpr size_t kMaxReportedErrors = 5;
constexpr size_t kChunk = 64 * 1024;

xmlExternalEntityLoader g_default_loader = nullptr;

// Serves embedded schema files; refuses network access for everything else and leaves local
// URLs to libxml2's own loader (other parts of the process may need it).
xmlParserInputPtr LoadEntity(const char* url, const char* id, xmlParserCtxtPtr ctxt) {
    std::string_view u = url ? url : "";
    if (u.rfind(kSchemeRoot, 0) == 0) {
        const std::string_view rel = u.substr(kSchemeRoot.size());
        for (const auto& file : EmbeddedSchemaFiles()) {
            if (file.path != rel) continue;
            xmlParserInputBufferPtr buf = xmlParserInputBufferCreateMem(
                file.data.data(), static_cast<int>(file.data.size()), XML_CHAR_ENCODING_NONE);
            if (!buf) return nullptr;
            xmlParserInputPtr in = xmlNewIOInputStream(ctxt, buf, XML_CHAR_ENCODING_NONE);
            if (!in) {
                xmlFreeParserInputBuffer(buf);
                return nullptr;
            }
            // The URL is the base against which this schema's own imports are resolved.
            in->filename = reinterpret_cast<char*>(xmlStrdup(BAD_CAST url));
            return in;
        }
        return nullptr;
    }
    if (u.rfind("http:", 0) == 0 || u.rfind("https:", 0) == 0 || u.rfind("ftp:", 0) == 0) {
        return nullptr;
    }
    return g_default_loader ? g_default_loader(url, id, ctxt) : nullptr;
}

void InitOnce() {
    static std::once_flag once;
    std::call_once(once, [] {
        xmlInitParser();
        g_default_loader = xmlGetExternalEntityLoader();
        xmlSetExternalEntityLoader(LoadEntity);
    });
}

// Validation and parser messages name elements as "{urn:...}Name"; people read "xdomea:Name".
std::string Readable(std::string text) {
    for (size_t at = text.find("{urn:xoev-de:xdomea:schema:"); at != std::string::npos;
         at = text.find("{urn:xoev-de:xdomea:schema:", at)) {
        size_t close = text.find('}', at);
        if (close == std::string::npos) break;
        text.replace(at, close - at + 1, "xdomea:");
    }
    while (!text.empty() && (text.back() == '\n' || text.back() == ' ')) text.pop_back();
    return text;
}

struct SchemaKey {
    Version version;
    Family family;
    bool operator<(const SchemaKey& o) const {
        return std::tie(version, family) < std::tie(o.version, o.family);
    }
};

struct SchemaCache {
    std::mutex mu;
    std::map<SchemaKey, xmlSchemaPtr> schemas;  // guarded by mu; kept for the process
};

SchemaCache& Cache() {
    static SchemaCache* cache = new SchemaCache();  // never destroyed: used until exit
    return *cache;
}

void CollectSchemaError(void* ctx, xmlErrorPtr err) {
    auto* out = static_cast<std::string*>(ctx);
    if (err && err->message && out->size() < 2000) *out += Readable(err->message) + "; ";
}

Result<xmlSchemaPtr> GetSchema(Family family, Version version) {
    InitOnce();
    SchemaCache& cache = Cache();
    std::lock_guard lock(cache.mu);
    auto it = cache.schemas.find({version, family});
    if (it != cache.schemas.end()) return it->second;
    const std::string url = std::string(kSchemeRoot) + std::string(VersionName(version)) + "/" +
                            std::string(EntrySchemaFile(family));
    std::string errors;
    xmlSchemaParserCtxtPtr pctxt = xmlSchemaNewParserCtxt(url.c_str());
    if (!pctxt) return InternalError("cannot create schema parser for " + url);
    xmlSchemaSetParserStructuredErrors(pctxt, CollectSchemaError, &errors);
    xmlSchemaPtr schema = xmlSchemaParse(pctxt);
    xmlSchemaFreeParserCtxt(pctxt);
    if (!schema) return InternalError("embedded schema " + url + " does not compile: " + errors);
    cache.schemas[{version, family}] = schema;
    return schema;
}

// State of one streaming pass, shared by the SAX callbacks.
struct Pass {
    xmlParserCtxtPtr parser = nullptr;
    XmlLimits limits;
    int depth = 0;
    uint64_t elements = 0;
    std::string root_ns;
    std::string root_name;
    std::string fatal;  // our own refusal (DOCTYPE, depth, count), with its line
    std::vector<std::string> validity;
};

long LineOf(const Pass* pass) {
    return pass->parser && pass->parser->input ? static_cast<long>(pass->parser->input->line) : 0;
}

void Refuse(Pass* pass, std::string why) {
    if (pass->fatal.empty()) {
        pass->fatal = "line " + std::to_string(LineOf(pass)) + ": " + std::move(why);
    }
    if (pass->parser) xmlStopParser(pass->parser);
}

void OnStartElement(void* ctx, const xmlChar* localname, const xmlChar* /*prefix*/,
                    const xmlChar* uri, int, const xmlChar**, int, int, const xmlChar**) {
    auto* pass = static_cast<Pass*>(ctx);
    if (pass->elements == 0) {
        pass->root_name = reinterpret_cast<const char*>(localname);
        pass->root_ns = uri ? reinterpret_cast<const char*>(uri) : "";
    }
    if (++pass->depth > pass->limits.max_depth) {
        Refuse(pass, "element '" + std::string(reinterpret_cast<const char*>(localname)) +
                         "' is nested deeper than " + std::to_string(pass->limits.max_depth) +
                         " levels");
    }
    if (++pass->elements > pass->limits.max_elements) {
        Refuse(pass, "the message has more than " + std::to_string(pass->limits.max_elements) +
                         " elements");
    }
}

void OnEndElement(void* ctx, const xmlChar*, const xmlChar*, const xmlChar*) {
    --static_cast<Pass*>(ctx)->depth;
}

// A message has no business with a DTD: refusing the DOCTYPE refuses internal and external
// entities, parameter entities and entity expansion bombs in one place.
void OnInternalSubset(void* ctx, const xmlChar* name, const xmlChar*, const xmlChar*) {
    Refuse(static_cast<Pass*>(ctx),
           "a DOCTYPE (" + std::string(name ? reinterpret_cast<const char*>(name) : "") +
               ") is not allowed in an xdomea message: no DTDs, no entities");
}

void OnEntityDecl(void* ctx, const xmlChar* name, int, const xmlChar*, const xmlChar*, xmlChar*) {
    Refuse(static_cast<Pass*>(ctx),
           "entity declaration '" + std::string(name ? reinterpret_cast<const char*>(name) : "") +
               "' is not allowed");
}

xmlEntityPtr OnGetEntity(void* ctx, const xmlChar* name) {
    // Only the five predefined entities exist in a message.
    xmlEntityPtr predefined = xmlGetPredefinedEntity(name);
    if (!predefined) {
        Refuse(static_cast<Pass*>(ctx),
               "entity reference '&" +
                   std::string(name ? reinterpret_cast<const char*>(name) : "") +
                   ";' is not allowed");
    }
    return predefined;
}

// libxml2 reports parser errors here as well; they are read from the context afterwards.
void IgnoreStructured(void*, xmlErrorPtr) {}

void OnValidityError(void* ctx, xmlErrorPtr err) {
    auto* pass = static_cast<Pass*>(ctx);
    if (!err || pass->validity.size() >= kMaxReportedErrors) return;
    pass->validity.push_back("line " + std::to_string(err->line) + ": " +
                             Readable(err->message ? err->message : "invalid"));
}

int Locate(void* ctx, const char** file, unsigned long* line) {
    auto* pass = static_cast<Pass*>(ctx);
    if (file) *file = nullptr;
    if (line) *line = static_cast<unsigned long>(LineOf(pass));
    return 0;
}

xmlSAXHandler CheckingHandler() {
    xmlSAXHandler sax;
    std::memset(&sax, 0, sizeof(sax));
    sax.initialized = XML_SAX2_MAGIC;
    sax.startElementNs = OnStartElement;
    sax.endElementNs = OnEndElement;
    sax.internalSubset = OnInternalSubset;
    sax.entityDecl = OnEntityDecl;
    sax.getEntity = OnGetEntity;
    sax.serror = IgnoreStructured;
    return sax;
}

Status Invalid(std::string_view what, const std::string& detail) {
    return InvalidArgumentError(std::string(what) + ": " + detail, "invalid-xdomea");
}

// One pass over the message from `read`, validating against `schema` when it is set.
Status RunPass(const ByteSource& read, xmlSchemaPtr schema, const XmlLimits& limits,
               std::string_view what, Pass* pass) {
    InitOnce();
    pass->limits = limits;
    xmlSAXHandler handler = CheckingHandler();
    xmlSAXHandlerPtr sax = &handler;
    void* user_data = pass;

    std::unique_ptr<xmlSchemaValidCtxt, void (*)(xmlSchemaValidCtxtPtr)> vctxt(
        nullptr, xmlSchemaFreeValidCtxt);
    xmlSchemaSAXPlugPtr plug = nullptr;
    if (schema) {
        vctxt.reset(xmlSchemaNewValidCtxt(schema));
        if (!vctxt) return InternalError("cannot create a schema validation context");
        xmlSchemaSetValidStructuredErrors(vctxt.get(), OnValidityError, pass);
        xmlSchemaValidateSetLocator(vctxt.get(), Locate, pass);
        plug = xmlSchemaSAXPlug(vctxt.get(), &sax, &user_data);
        if (!plug) return InternalError("cannot plug the schema validator");
    }
    xmlParserCtxtPtr parser = xmlCreatePushParserCtxt(sax, user_data, nullptr, 0, nullptr);
    if (!parser) {
        if (plug) xmlSchemaSAXUnplug(plug);
        return InternalError("cannot create an XML parser");
    }
    // No network, no entity substitution, no DTD loading (none of those options is set).
    xmlCtxtUseOptions(parser, XML_PARSE_NONET);
    pass->parser = parser;

    std::vector<char> buf(kChunk);
    uint64_t total = 0;
    Status io;
    // Only a pass that parsed the last chunk without error saw the whole message: libxml2 can
    // stop on an error (an encoding it cannot convert) that leaves wellFormed set, and the
    // validator then knows only the part before it.
    bool complete = false;
    while (pass->fatal.empty()) {
        auto n = read(buf.data(), buf.size());
        if (!n.ok()) {
            io = n.status();
            break;
        }
        total += *n;
        if (total > limits.max_bytes) {
            Refuse(pass,
                   "the message is larger than " + std::to_string(limits.max_bytes) + " bytes");
            break;
        }
        const int terminate = *n == 0 ? 1 : 0;
        if (xmlParseChunk(parser, buf.data(), static_cast<int>(*n), terminate) != 0) break;
        if (terminate) {
            complete = true;
            break;
        }
        if (parser->disableSAX) break;
    }
    std::string parse_error;
    if ((!complete || !parser->wellFormed) && pass->fatal.empty()) {
        xmlErrorPtr err = xmlCtxtGetLastError(parser);
        parse_error = err ? "line " + std::to_string(err->line) + ": " +
                                Readable(err->message ? err->message : "not well-formed")
                          : "not well-formed XML";
    }
    const bool valid = !schema || xmlSchemaIsValid(vctxt.get()) == 1;
    pass->parser = nullptr;
    xmlFreeParserCtxt(parser);
    if (plug) xmlSchemaSAXUnplug(plug);

    if (!io.ok()) return io.WithContext(std::string(what));
    if (!pass->fatal.empty()) return Invalid(what, pass->fatal);
    if (!parse_error.empty()) return Invalid(what, "not well-formed XML: " + parse_error);
    if (total == 0) return Invalid(what, "the message is empty");
    if (schema && (!valid || !pass->validity.empty())) {
        std::string detail = "not valid against the xdomea schema: ";
        for (size_t i = 0; i < pass->validity.size(); ++i) {
            detail += (i ? "; " : "") + pass->validity[i];
        }
        if (pass->validity.empty()) detail += "invalid";
        return Invalid(what, detail);
    }
    return Status::Ok();
}

ByteSource FromMemory(std::string_view bytes) {
    auto pos = std::make_shared<size_t>(0);
    return [bytes, pos](char* buf, size_t n) -> Result<size_t> {
        size_t count = std::min(n, bytes.size() - *pos);
        std::memcpy(buf, bytes.data() + *pos, count);
        *pos += count;
        return count;
    };
}

Result<MessageInfo> Conclude(const Pass& pass, std::string_view what) {
    auto version = VersionOfNamespace(pass.root_ns);
    if (!version) {
        return Invalid(what, "the root element '" + pass.root_name + "' has the namespace '" +
                                 pass.root_ns +
                                 "', which is not xdomea 2.3.0, 2.4.0, 3.0.0 or 3.1.0");
    }
    return MessageInfo{*version, pass.root_name};
}

}  // namespace

std::string_view VersionName(Version v) {
    switch (v) {
        case Version::k2_3_0:
            return "2.3.0";
        case Version::k2_4_0:
            return "2.4.0";
        case Version::k3_0_0:
            return "3.0.0";
        case Version::k3_1_0:
            return "3.1.0";
    }
    return "3.1.0";
}

std::string NamespaceOf(Version v) {
    return "urn:xoev-de:xdomea:schema:" + std::string(VersionName(v));
}

std::optional<Version> VersionOfNamespace(std::string_view ns) {
    for (Version v : {Version::k2_3_0, Version::k2_4_0, Version::k3_0_0, Version::k3_1_0}) {
        if (ns == NamespaceOf(v)) return v;
    }
    return std::nullopt;
}

std::string_view EntrySchemaFile(Family f) {
    switch (f) {
        case Family::kAussonderung:
            return "xdomea-Nachrichten-AussonderungDurchfuehren.xsd";
        case Family::kAktenplan:
            return "xdomea-Nachrichten-AktenplanAustauschen.xsd";
        case Family::kAbgabe:
            return "xdomea-Nachrichten-AbgabeDurchfuehren.xsd";
        case Family::kFachverfahrensdaten:
            return "xdomea-Nachrichten-FachverfahrensdatenAustauschen.xsd";
        case Family::kInformation:
            return "xdomea-Nachrichten-InformationAustauschen.xsd";
    }
    return "xdomea-Nachrichten-AussonderungDurchfuehren.xsd";
}

Status PrepareSchema(Family family, Version version) { return GetSchema(family, version).status(); }

Result<MessageInfo> ValidateMessage(std::string_view bytes, Family family,
                                    const XmlLimits& limits) {
    constexpr std::string_view kWhat = "xdomea message";
    if (bytes.size() > limits.max_bytes) {
        return Invalid(kWhat,
                       "the message is larger than " + std::to_string(limits.max_bytes) + " bytes");
    }
    // First pass without a schema: the safety checks, and the namespace that names the
    // version whose schema the second pass validates against.
    Pass sniff;
    AKTENWERK_RETURN_IF_ERROR(RunPass(FromMemory(bytes), nullptr, limits, kWhat, &sniff));
    AKTENWERK_ASSIGN_OR_RETURN(auto info, Conclude(sniff, kWhat));
    AKTENWERK_ASSIGN_OR_RETURN(auto schema, GetSchema(family, info.version));
    Pass check;
    AKTENWERK_RETURN_IF_ERROR(RunPass(FromMemory(bytes), schema, limits, kWhat, &check));
    return info;
}

Result<MessageInfo> ValidateMessageFile(const std::string& path, Family family, Version version,
                                        const XmlLimits& limits) {
    const std::string what = "xdomea message " + path.substr(path.rfind('/') + 1);
    int fd = ::open(path.c_str(), O_RDONLY | O_CLOEXEC);
    if (fd < 0) return ErrnoError("open " + path, errno);
    ByteSource read = [fd, path](char* buf, size_t n) -> Result<size_t> {
        ssize_t got = ::read(fd, buf, n);
        if (got < 0) return ErrnoError("read " + path, errno);
        return static_cast<size_t>(got);
    };
    AKTENWERK_ASSIGN_OR_RETURN(auto schema, GetSchema(family, version));
    Pass check;
    Status s = RunPass(read, schema, limits, what, &check);
    ::close(fd);
    AKTENWERK_RETURN_IF_ERROR(s);
    AKTENWERK_ASSIGN_OR_RETURN(auto info, Conclude(check, what));
    if (info.version != version) {
        return Invalid(what, "the message is xdomea " + std::string(VersionName(info.version)) +
                                 ", expected " + std::string(VersionName(version)));
    }
    return info;
}

}  // namespace aktenwerk::retention::xdomea
