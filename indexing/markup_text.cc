// Text of markup: HTML (without scripts and styles), XML, and the ZIP containers of ODF and
// OOXML office documents, whose XML parts are read through libzip with bounded inflation.
//
// libxml2 is used without entity substitution, DTD loading or network access, so that an
// external entity can neither read a file nor reach a host, and its built-in limits stop
// entity expansion bombs.
#include <algorithm>
#include <cctype>
#include <cstring>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include <libxml/HTMLparser.h>
#include <libxml/parser.h>
#include <libxml/tree.h>
#include <libxml/xmlreader.h>
#include <zip.h>

#include "indexing/charset.h"
#include "indexing/extraction_internal.h"

namespace aktenwerk::indexing::detail {
namespace {

// libxml2 would print parse errors of hostile input to stderr; they belong to no log.
void SilentErrors(void*, const char*, ...) {}

struct XmlQuiet {
    XmlQuiet() {
        xmlSetGenericErrorFunc(nullptr, SilentErrors);
        xmlSetStructuredErrorFunc(nullptr, nullptr);
    }
};

void QuietLibxml() { thread_local XmlQuiet quiet; }

const char* Name(const xmlNode* node) { return reinterpret_cast<const char*>(node->name); }

// HTML elements that start a new line of text.
bool IsHtmlBlock(std::string_view name) {
    static const std::set<std::string_view> kBlocks = {
        "p",       "div",        "br",      "h1",         "h2",     "h3", "h4", "h5",
        "h6",      "li",         "tr",      "td",         "th",     "dt", "dd", "table",
        "section", "article",    "header",  "footer",     "ul",     "ol", "hr", "pre",
        "title",   "blockquote", "address", "figcaption", "caption"};
    return kBlocks.count(name) != 0;
}

// HTML elements whose content is not text for a reader.
bool IsHtmlHidden(std::string_view name) {
    static const std::set<std::string_view> kHidden = {"script", "style",  "noscript", "template",
                                                       "svg",    "object", "iframe",   "head"};
    return kHidden.count(name) != 0;
}

struct Walk {
    Context& ctx;
    TextSink& sink;
    size_t visited = 0;
    bool timed_out = false;
};

// Depth-first over the DOM without recursion, so that deeply nested markup cannot exhaust
// the stack.
void AppendHtmlNodes(xmlNode* root, Walk& walk) {
    std::vector<xmlNode*> stack;
    for (xmlNode* n = root; n != nullptr; n = n->next) stack.push_back(n);
    std::reverse(stack.begin(), stack.end());
    while (!stack.empty() && !walk.sink.full()) {
        xmlNode* node = stack.back();
        stack.pop_back();
        if (node == nullptr) {  // marks the end of a block element
            walk.sink.Break();
            continue;
        }
        if ((++walk.visited & 1023) == 0 && walk.ctx.deadline.Expired()) {
            walk.timed_out = true;
            return;
        }
        if (node->type == XML_TEXT_NODE || node->type == XML_CDATA_SECTION_NODE) {
            if (node->content != nullptr) {
                walk.sink.Append(reinterpret_cast<const char*>(node->content));
            }
            continue;
        }
        if (node->type != XML_ELEMENT_NODE) continue;
        std::string_view name = Name(node);
        if (IsHtmlHidden(name)) continue;
        if (IsHtmlBlock(name)) {
            walk.sink.Break();
            stack.push_back(nullptr);
        }
        const size_t first_child = stack.size();
        for (xmlNode* c = node->children; c != nullptr; c = c->next) stack.push_back(c);
        std::reverse(stack.begin() + static_cast<std::ptrdiff_t>(first_child), stack.end());
    }
}

// The <title> of <head> is kept; everything else in <head> is skipped.
void AppendHeadTitle(xmlNode* html, TextSink& sink) {
    for (xmlNode* n = html ? html->children : nullptr; n != nullptr; n = n->next) {
        if (n->type != XML_ELEMENT_NODE || std::string_view(Name(n)) != "head") continue;
        for (xmlNode* t = n->children; t != nullptr; t = t->next) {
            if (t->type == XML_ELEMENT_NODE && std::string_view(Name(t)) == "title") {
                xmlChar* text = xmlNodeGetContent(t);
                if (text != nullptr) {
                    sink.Append(reinterpret_cast<const char*>(text));
                    sink.Break();
                    xmlFree(text);
                }
            }
        }
    }
}

// A streaming walk over XML: text of the elements `keep` says yes to (all when empty), with
// a line break after each element named in `blocks`, nothing from the elements in `skip`.
struct XmlRules {
    std::set<std::string> keep;    // qualified names whose text is taken; empty: all text
    std::set<std::string> blocks;  // qualified names that end a line
    std::set<std::string> skip;    // qualified names whose whole subtree is ignored
    std::set<std::string> tabs;    // empty elements that stand for a tab or a space
};

Status AppendXmlText(std::string_view xml, const XmlRules& rules, Context& ctx, TextSink& sink) {
    QuietLibxml();
    if (xml.size() > static_cast<size_t>(INT32_MAX)) return TooLarge("XML part too large");
    std::unique_ptr<xmlTextReader, decltype(&xmlFreeTextReader)> reader(
        xmlReaderForMemory(xml.data(), static_cast<int>(xml.size()), nullptr, nullptr,
                           XML_PARSE_NONET | XML_PARSE_NOERROR | XML_PARSE_NOWARNING |
                               XML_PARSE_NOCDATA | XML_PARSE_COMPACT),
        xmlFreeTextReader);
    if (!reader) return Malformed("XML cannot be read");
    int skip_depth = -1;
    int keep_depth = rules.keep.empty() ? 0 : -1;
    size_t steps = 0;
    int ret;
    while ((ret = xmlTextReaderRead(reader.get())) == 1 && !sink.full()) {
        if ((++steps & 4095) == 0 && ctx.deadline.Expired()) return TimedOut("XML text");
        const int type = xmlTextReaderNodeType(reader.get());
        const int depth = xmlTextReaderDepth(reader.get());
        const char* raw_name = reinterpret_cast<const char*>(xmlTextReaderConstName(reader.get()));
        const std::string name = raw_name ? raw_name : "";
        if (skip_depth >= 0) {
            if (type == XML_READER_TYPE_END_ELEMENT && depth == skip_depth) skip_depth = -1;
            continue;
        }
        if (type == XML_READER_TYPE_ELEMENT) {
            const bool empty = xmlTextReaderIsEmptyElement(reader.get()) == 1;
            if (rules.skip.count(name) != 0) {
                if (!empty) skip_depth = depth;
                continue;
            }
            if (rules.tabs.count(name) != 0 && keep_depth >= 0) sink.Append(" ");
            if (rules.blocks.count(name) != 0 && empty) sink.Break();
            if (keep_depth < 0 && rules.keep.count(name) != 0 && !empty) keep_depth = depth;
        } else if (type == XML_READER_TYPE_END_ELEMENT) {
            if (rules.blocks.count(name) != 0) sink.Break();
            if (!rules.keep.empty() && keep_depth == depth) keep_depth = -1;
        } else if (type == XML_READER_TYPE_TEXT || type == XML_READER_TYPE_CDATA ||
                   type == XML_READER_TYPE_SIGNIFICANT_WHITESPACE) {
            if (keep_depth < 0) continue;
            const char* value =
                reinterpret_cast<const char*>(xmlTextReaderConstValue(reader.get()));
            if (value != nullptr) {
                sink.Append(value);
                if (rules.keep.empty()) sink.Append(" ");
            }
        }
    }
    if (ret < 0 && sink.used() == 0) return Malformed("XML is not well-formed");
    return Status::Ok();
}

// Reads entries of a ZIP container with bounded inflation.
class ZipArchive {
  public:
    static Result<std::unique_ptr<ZipArchive>> Open(const Input& in,
                                                    const ExtractionLimits& limits) {
        zip_error_t error;
        zip_error_init(&error);
        zip_t* archive = nullptr;
        if (!in.path.empty()) {
            int code = 0;
            archive = zip_open(in.path.c_str(), ZIP_RDONLY, &code);
        } else {
            zip_source_t* source =
                zip_source_buffer_create(in.bytes.data(), in.bytes.size(), 0, &error);
            if (source != nullptr) {
                archive = zip_open_from_source(source, ZIP_RDONLY, &error);
                if (archive == nullptr) zip_source_free(source);
            }
        }
        zip_error_fini(&error);
        if (archive == nullptr) return Malformed("the ZIP container cannot be opened");
        if (zip_get_num_entries(archive, 0) > static_cast<zip_int64_t>(limits.max_zip_entries)) {
            zip_close(archive);
            return ResourceExhaustedError("the ZIP container has too many entries", "zip-bomb");
        }
        return std::unique_ptr<ZipArchive>(new ZipArchive(archive, limits));
    }
    ~ZipArchive() { zip_discard(archive_); }

    // Names of all entries, in archive order.
    std::vector<std::string> Names() const {
        std::vector<std::string> out;
        zip_int64_t n = zip_get_num_entries(archive_, 0);
        for (zip_int64_t i = 0; i < n; ++i) {
            const char* name = zip_get_name(archive_, static_cast<zip_uint64_t>(i), 0);
            if (name != nullptr) out.emplace_back(name);
        }
        return out;
    }

    // Inflates one entry. kNotFound when absent; "zip-bomb" when it inflates past the limits
    // (the sizes in the directory are the attacker's, so the bytes are counted as they come).
    Result<std::string> Read(const std::string& name, Context& ctx) {
        zip_int64_t index = zip_name_locate(archive_, name.c_str(), 0);
        if (index < 0) return NotFoundError("no entry " + name);
        zip_stat_t st;
        zip_stat_init(&st);
        if (zip_stat_index(archive_, static_cast<zip_uint64_t>(index), 0, &st) != 0) {
            return Malformed("entry " + name + " cannot be read");
        }
        const uint64_t compressed = (st.valid & ZIP_STAT_COMP_SIZE) ? st.comp_size : 0;
        std::unique_ptr<zip_file_t, decltype(&zip_fclose)> file(
            zip_fopen_index(archive_, static_cast<zip_uint64_t>(index), 0), zip_fclose);
        if (!file)
            return FailedPreconditionError("entry " + name + " is encrypted or unreadable",
                                           "encrypted");
        std::string out;
        char buf[64 * 1024];
        while (true) {
            zip_int64_t n = zip_fread(file.get(), buf, sizeof(buf));
            if (n < 0) return Malformed("entry " + name + " is corrupt");
            if (n == 0) break;
            out.append(buf, static_cast<size_t>(n));
            total_ += static_cast<uint64_t>(n);
            const double allowed = static_cast<double>(compressed) * limits_.max_zip_ratio +
                                   static_cast<double>(1 << 20);
            if (out.size() > limits_.max_zip_entry_bytes || total_ > limits_.max_zip_total_bytes ||
                static_cast<double>(out.size()) > allowed) {
                return ResourceExhaustedError(
                    "entry " + name + " inflates beyond the limits of a document", "zip-bomb");
            }
            if (ctx.deadline.Expired()) return TimedOut("reading " + name);
        }
        return out;
    }

  private:
    ZipArchive(zip_t* archive, const ExtractionLimits& limits)
        : archive_(archive), limits_(limits) {}
    zip_t* archive_;
    const ExtractionLimits& limits_;
    uint64_t total_ = 0;
};

// Sorts "word/header2.xml" before "word/header10.xml", so parts come in document order.
bool NaturalLess(const std::string& a, const std::string& b) {
    size_t i = 0, j = 0;
    while (i < a.size() && j < b.size()) {
        if (std::isdigit(static_cast<unsigned char>(a[i])) &&
            std::isdigit(static_cast<unsigned char>(b[j]))) {
            size_t ie = i, je = j;
            while (ie < a.size() && std::isdigit(static_cast<unsigned char>(a[ie]))) ++ie;
            while (je < b.size() && std::isdigit(static_cast<unsigned char>(b[je]))) ++je;
            if (ie - i != je - j) return ie - i < je - j;
            int c = a.compare(i, ie - i, b, j, je - j);
            if (c != 0) return c < 0;
            i = ie, j = je;
        } else {
            if (a[i] != b[j]) return a[i] < b[j];
            ++i, ++j;
        }
    }
    return a.size() - i < b.size() - j;
}

std::vector<std::string> PartsMatching(const std::vector<std::string>& names,
                                       std::string_view prefix, std::string_view suffix) {
    std::vector<std::string> out;
    for (const auto& n : names) {
        if (n.size() >= prefix.size() + suffix.size() && n.compare(0, prefix.size(), prefix) == 0 &&
            n.compare(n.size() - suffix.size(), suffix.size(), suffix) == 0) {
            out.push_back(n);
        }
    }
    std::sort(out.begin(), out.end(), NaturalLess);
    return out;
}

XmlRules OdfRules() {
    XmlRules r;
    r.blocks = {"text:p",          "text:h",    "text:list-item",  "table:table-row",
                "text:line-break", "draw:page", "table:table-cell"};
    r.skip = {"text:tracked-changes", "office:font-face-decls", "office:automatic-styles",
              "office:scripts", "office:forms"};
    r.tabs = {"text:s", "text:tab"};
    return r;
}

XmlRules WordRules() {
    XmlRules r;
    r.keep = {"w:t"};
    r.blocks = {"w:p", "w:br", "w:cr"};
    r.tabs = {"w:tab"};
    return r;
}

XmlRules SheetRules() {
    XmlRules r;
    r.keep = {"t"};
    r.blocks = {"si", "is"};
    return r;
}

XmlRules SlideRules() {
    XmlRules r;
    r.keep = {"a:t"};
    r.blocks = {"a:p"};
    return r;
}

}  // namespace

Status AppendHtmlText(std::string_view html, Context& ctx, TextSink& sink) {
    QuietLibxml();
    if (html.size() > ctx.request.limits.max_markup_bytes) return TooLarge("HTML too large");
    // A charset the page declares (meta) is honoured by libxml2; without one, bytes that are
    // not UTF-8 are converted by our detection first instead of being read as Latin-1 blindly.
    std::string converted;
    const char* encoding = nullptr;
    std::string_view head = html.substr(0, 2048);
    if (head.find("charset") == std::string_view::npos && !IsUtf8(html)) {
        converted = DecodeText(html);
        html = converted;
        encoding = "UTF-8";
    } else if (head.find("charset") == std::string_view::npos) {
        encoding = "UTF-8";
    }
    std::unique_ptr<xmlDoc, decltype(&xmlFreeDoc)> doc(
        htmlReadMemory(html.data(), static_cast<int>(html.size()), nullptr, encoding,
                       HTML_PARSE_NONET | HTML_PARSE_NOERROR | HTML_PARSE_NOWARNING |
                           HTML_PARSE_RECOVER | HTML_PARSE_NOIMPLIED | HTML_PARSE_COMPACT),
        xmlFreeDoc);
    if (!doc) return Malformed("HTML cannot be parsed");
    AppendHeadTitle(xmlDocGetRootElement(doc.get()), sink);
    Walk walk{ctx, sink};
    AppendHtmlNodes(doc->children, walk);
    if (walk.timed_out) return TimedOut("HTML text");
    return Status::Ok();
}

Status ExtractHtml(const Input& in, Context& ctx, ExtractedText* out) {
    std::string html;
    AKTENWERK_RETURN_IF_ERROR(ReadInput(in, ctx.request.limits.max_markup_bytes, true, &html));
    out->method = "html";
    TextSink sink(out, ctx.request.limits.max_output_bytes);
    sink.NewPage();
    return AppendHtmlText(html, ctx, sink);
}

Status ExtractXml(const Input& in, Context& ctx, ExtractedText* out) {
    std::string xml;
    AKTENWERK_RETURN_IF_ERROR(ReadInput(in, ctx.request.limits.max_markup_bytes, true, &xml));
    out->method = "xml";
    TextSink sink(out, ctx.request.limits.max_output_bytes);
    sink.NewPage();
    return AppendXmlText(xml, XmlRules{}, ctx, sink);
}

Status ExtractZipDocument(const Input& in, Format format, Context& ctx, ExtractedText* out) {
    AKTENWERK_ASSIGN_OR_RETURN(auto zip, ZipArchive::Open(in, ctx.request.limits));
    const auto names = zip->Names();
    std::vector<std::string> parts;
    XmlRules rules;
    switch (format) {
        case Format::kOdf:
            out->method = "odf";
            parts = {"content.xml"};
            rules = OdfRules();
            break;
        case Format::kDocx: {
            out->method = "ooxml";
            parts = {"word/document.xml"};
            for (const auto& p : PartsMatching(names, "word/header", ".xml")) parts.push_back(p);
            for (const auto& p : PartsMatching(names, "word/footer", ".xml")) parts.push_back(p);
            for (const char* p : {"word/footnotes.xml", "word/endnotes.xml", "word/comments.xml"}) {
                parts.emplace_back(p);
            }
            rules = WordRules();
            break;
        }
        case Format::kXlsx:
            out->method = "ooxml";
            parts = {"xl/sharedStrings.xml"};
            for (const auto& p : PartsMatching(names, "xl/worksheets/sheet", ".xml")) {
                parts.push_back(p);
            }
            rules = SheetRules();
            break;
        case Format::kPptx:
            out->method = "ooxml";
            parts = PartsMatching(names, "ppt/slides/slide", ".xml");
            rules = SlideRules();
            break;
        default:
            return InvalidArgumentError("not an office document", "unsupported-type");
    }
    TextSink sink(out, ctx.request.limits.max_output_bytes);
    sink.NewPage();
    bool any = false;
    for (const auto& part : parts) {
        auto xml = zip->Read(part, ctx);
        if (!xml.ok() && xml.status().code() == StatusCode::kNotFound) continue;
        if (!xml.ok()) return xml.status();
        any = true;
        AKTENWERK_RETURN_IF_ERROR(AppendXmlText(*xml, rules, ctx, sink));
        sink.Break();
        if (sink.full()) break;
    }
    if (!any) return Malformed("the office document has no content part");
    return Status::Ok();
}

}  // namespace aktenwerk::indexing::detail
