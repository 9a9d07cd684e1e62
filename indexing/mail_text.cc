// Text of an e-mail (RFC 5322 with MIME): the header fields a clerk searches for (subject,
// sender, recipients, date), the text body (plain preferred over HTML in an alternative),
// embedded messages, and the text of every attachment through the extractor of its format.
#include <algorithm>
#include <cctype>
#include <map>
#include <string>
#include <vector>

#include "indexing/charset.h"
#include "indexing/extraction_internal.h"

namespace aktenwerk::indexing::detail {
namespace {

// Parts nested deeper than this (multipart in multipart ...) are ignored.
constexpr int kMaxMimeDepth = 16;
constexpr size_t kMaxParts = 1000;

std::string Lower(std::string_view s) {
    std::string out(s);
    for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    return out;
}

std::string_view Trim(std::string_view s) {
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.front()))) s.remove_prefix(1);
    while (!s.empty() && std::isspace(static_cast<unsigned char>(s.back()))) s.remove_suffix(1);
    return s;
}

struct Entity {
    std::map<std::string, std::string> headers;  // lower-case names, unfolded values
    std::string_view body;

    std::string Header(const std::string& name) const {
        auto it = headers.find(name);
        return it == headers.end() ? std::string() : it->second;
    }
};

// Splits header block and body at the first empty line; unfolds continuation lines.
Entity ParseEntity(std::string_view text) {
    Entity e;
    size_t pos = 0;
    std::string name, value;
    auto flush = [&] {
        if (!name.empty() && e.headers.count(name) == 0) e.headers[name] = std::string(Trim(value));
        name.clear();
        value.clear();
    };
    while (pos < text.size()) {
        size_t eol = text.find('\n', pos);
        if (eol == std::string_view::npos) eol = text.size();
        std::string_view line = text.substr(pos, eol - pos);
        if (!line.empty() && line.back() == '\r') line.remove_suffix(1);
        pos = eol + 1;
        if (line.empty()) {
            flush();
            e.body = pos <= text.size() ? text.substr(pos) : std::string_view();
            return e;
        }
        if ((line.front() == ' ' || line.front() == '\t') && !name.empty()) {
            value += ' ';
            value += Trim(line);
            continue;
        }
        flush();
        size_t colon = line.find(':');
        if (colon == std::string_view::npos) continue;
        name = Lower(Trim(line.substr(0, colon)));
        value = std::string(line.substr(colon + 1));
    }
    flush();
    e.body = {};
    return e;
}

// "type/sub; key=value; key2="quoted"" into the lower-case value and its parameters.
std::string ParseParams(const std::string& header, std::map<std::string, std::string>* params) {
    size_t semi = header.find(';');
    std::string value = Lower(Trim(std::string_view(header).substr(0, semi)));
    while (semi != std::string::npos) {
        size_t start = semi + 1;
        size_t eq = header.find('=', start);
        if (eq == std::string::npos) break;
        std::string key = Lower(Trim(std::string_view(header).substr(start, eq - start)));
        size_t vstart = eq + 1;
        while (vstart < header.size() && header[vstart] == ' ') ++vstart;
        std::string v;
        if (vstart < header.size() && header[vstart] == '"') {
            size_t i = vstart + 1;
            for (; i < header.size() && header[i] != '"'; ++i) {
                if (header[i] == '\\' && i + 1 < header.size()) ++i;
                v += header[i];
            }
            semi = header.find(';', i);
        } else {
            semi = header.find(';', vstart);
            v = std::string(Trim(std::string_view(header).substr(
                vstart, semi == std::string::npos ? std::string::npos : semi - vstart)));
        }
        (*params)[key] = v;
    }
    return value;
}

int HexValue(char c) {
    if (c >= '0' && c <= '9') return c - '0';
    if (c >= 'A' && c <= 'F') return c - 'A' + 10;
    if (c >= 'a' && c <= 'f') return c - 'a' + 10;
    return -1;
}

std::string DecodeBase64(std::string_view in) {
    std::string out;
    out.reserve(in.size() * 3 / 4);
    uint32_t acc = 0;
    int bits = 0;
    for (char c : in) {
        int v;
        if (c >= 'A' && c <= 'Z')
            v = c - 'A';
        else if (c >= 'a' && c <= 'z')
            v = c - 'a' + 26;
        else if (c >= '0' && c <= '9')
            v = c - '0' + 52;
        else if (c == '+')
            v = 62;
        else if (c == '/')
            v = 63;
        else if (c == '=')
            break;
        else
            continue;
        acc = (acc << 6) | static_cast<uint32_t>(v);
        bits += 6;
        if (bits >= 8) {
            bits -= 8;
            out.push_back(static_cast<char>((acc >> bits) & 0xFF));
        }
    }
    return out;
}

std::string DecodeQuotedPrintable(std::string_view in, bool header) {
    std::string out;
    out.reserve(in.size());
    for (size_t i = 0; i < in.size(); ++i) {
        char c = in[i];
        if (header && c == '_') {
            out.push_back(' ');
        } else if (c == '=' && i + 1 < in.size() && (in[i + 1] == '\n' || in[i + 1] == '\r')) {
            i += (in[i + 1] == '\r' && i + 2 < in.size() && in[i + 2] == '\n') ? 2
                                                                               : 1;  // soft break
        } else if (c == '=' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 &&
                   HexValue(in[i + 2]) >= 0) {
            out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
            i += 2;
        } else {
            out.push_back(c);
        }
    }
    return out;
}

// RFC 2047 encoded words ("=?iso-8859-1?Q?Geb=FChr?=") in header values; whitespace between
// two encoded words is dropped, as the RFC says.
std::string DecodeHeaderWords(std::string_view value) {
    std::string out;
    size_t pos = 0;
    bool last_was_word = false;
    while (pos < value.size()) {
        size_t start = value.find("=?", pos);
        if (start == std::string_view::npos) {
            out += DecodeText(value.substr(pos));
            break;
        }
        size_t q1 = value.find('?', start + 2);
        size_t q2 = q1 == std::string_view::npos ? q1 : value.find('?', q1 + 1);
        size_t end = q2 == std::string_view::npos ? q2 : value.find("?=", q2 + 1);
        if (end == std::string_view::npos) {
            out += DecodeText(value.substr(pos));
            break;
        }
        std::string_view between = value.substr(pos, start - pos);
        if (!(last_was_word && Trim(between).empty())) out += DecodeText(between);
        std::string charset(value.substr(start + 2, q1 - start - 2));
        if (size_t star = charset.find('*'); star != std::string::npos) charset.resize(star);
        char enc = static_cast<char>(std::toupper(static_cast<unsigned char>(value[q1 + 1])));
        std::string_view payload = value.substr(q2 + 1, end - q2 - 1);
        std::string raw = enc == 'B' ? DecodeBase64(payload) : DecodeQuotedPrintable(payload, true);
        out += DecodeLabelled(raw, charset);
        pos = end + 2;
        last_was_word = true;
    }
    return out;
}

// RFC 2231: filename*=utf-8''Bescheid%20M%C3%BCller.pdf
std::string DecodeExtendedParam(const std::string& value) {
    size_t q1 = value.find('\'');
    size_t q2 = q1 == std::string::npos ? q1 : value.find('\'', q1 + 1);
    if (q2 == std::string::npos) return value;
    std::string raw;
    for (size_t i = q2 + 1; i < value.size(); ++i) {
        if (value[i] == '%' && i + 2 < value.size() && HexValue(value[i + 1]) >= 0 &&
            HexValue(value[i + 2]) >= 0) {
            raw.push_back(static_cast<char>(HexValue(value[i + 1]) * 16 + HexValue(value[i + 2])));
            i += 2;
        } else {
            raw.push_back(value[i]);
        }
    }
    return DecodeLabelled(raw, value.substr(0, q1));
}

std::string FileNameOf(const Entity& e) {
    std::map<std::string, std::string> disp, type;
    ParseParams(e.Header("content-disposition"), &disp);
    ParseParams(e.Header("content-type"), &type);
    for (auto* params : {&disp, &type}) {
        if (auto it = params->find("filename*"); it != params->end()) {
            return DecodeExtendedParam(it->second);
        }
    }
    if (auto it = disp.find("filename"); it != disp.end()) return DecodeHeaderWords(it->second);
    if (auto it = type.find("name"); it != type.end()) return DecodeHeaderWords(it->second);
    return {};
}

std::string DecodedBody(const Entity& e) {
    const std::string cte = Lower(Trim(e.Header("content-transfer-encoding")));
    if (cte == "base64") return DecodeBase64(e.body);
    if (cte == "quoted-printable") return DecodeQuotedPrintable(e.body, false);
    return std::string(e.body);
}

// The parts between "--boundary" lines.
std::vector<std::string_view> SplitMultipart(std::string_view body, const std::string& boundary) {
    std::vector<std::string_view> parts;
    if (boundary.empty()) return parts;
    const std::string delimiter = "--" + boundary;
    size_t pos = 0;
    size_t part_start = std::string_view::npos;
    while (pos <= body.size() && parts.size() < kMaxParts) {
        size_t found = body.find(delimiter, pos);
        if (found == std::string_view::npos) break;
        const bool line_start = found == 0 || body[found - 1] == '\n';
        size_t after = found + delimiter.size();
        if (!line_start) {
            pos = after;
            continue;
        }
        if (part_start != std::string_view::npos) {
            size_t end = found;
            if (end > part_start && body[end - 1] == '\n') --end;
            if (end > part_start && body[end - 1] == '\r') --end;
            parts.push_back(body.substr(part_start, end - part_start));
        }
        if (body.substr(after, 2) == "--") return parts;
        size_t eol = body.find('\n', after);
        if (eol == std::string_view::npos) break;
        part_start = eol + 1;
        pos = part_start;
    }
    return parts;
}

class MailWalker {
  public:
    MailWalker(Context& ctx, TextSink& sink) : ctx_(ctx), sink_(sink) {}

    Status Message(std::string_view text, int depth) {
        Entity e = ParseEntity(text);
        static const std::pair<const char*, const char*> kFields[] = {{"subject", "Betreff"},
                                                                      {"from", "Von"},
                                                                      {"to", "An"},
                                                                      {"cc", "Kopie"},
                                                                      {"date", "Datum"}};
        for (const auto& [field, label] : kFields) {
            std::string value = e.Header(field);
            if (value.empty()) continue;
            sink_.Append(std::string(label) + ": " + DecodeHeaderWords(value));
            sink_.Break();
        }
        sink_.Break();
        return Part(e, depth);
    }

    bool needs_ocr() const { return needs_ocr_; }

  private:
    Status Part(const Entity& e, int depth) {
        if (depth > kMaxMimeDepth || sink_.full()) return Status::Ok();
        if (ctx_.deadline.Expired()) return TimedOut("mail text");
        std::map<std::string, std::string> params;
        std::string type = ParseParams(e.Header("content-type"), &params);
        if (type.empty()) type = "text/plain";
        std::map<std::string, std::string> disp_params;
        const bool attachment =
            ParseParams(e.Header("content-disposition"), &disp_params) == "attachment";

        if (type.rfind("multipart/", 0) == 0) {
            auto parts = SplitMultipart(e.body, params["boundary"]);
            if (type == "multipart/alternative") return Alternative(parts, depth);
            for (auto part : parts) AKTENWERK_RETURN_IF_ERROR(Part(ParseEntity(part), depth + 1));
            return Status::Ok();
        }
        if (type == "message/rfc822") {
            std::string inner = DecodedBody(e);
            sink_.NewPage();
            return Message(inner, depth + 1);
        }
        if (!attachment && type == "text/plain") {
            sink_.Append(DecodeLabelled(DecodedBody(e), params["charset"]));
            sink_.Break();
            return Status::Ok();
        }
        if (!attachment && type == "text/html") {
            std::string html = DecodedBody(e);
            return AppendHtmlText(html, ctx_, sink_);
        }
        return Attachment(e, type);
    }

    Status Alternative(const std::vector<std::string_view>& parts, int depth) {
        const std::string_view* chosen = nullptr;
        for (const auto& part : parts) {
            Entity e = ParseEntity(part);
            std::map<std::string, std::string> p;
            std::string type = ParseParams(e.Header("content-type"), &p);
            if (type == "text/plain" || type.empty()) {
                chosen = &part;
                break;
            }
            if (chosen == nullptr) chosen = &part;
        }
        return chosen ? Part(ParseEntity(*chosen), depth + 1) : Status::Ok();
    }

    // An attachment's text goes on its own page, headed by its name. One that yields no text
    // (a photo, an unknown format, a broken file) leaves the mail's own text intact.
    Status Attachment(const Entity& e, const std::string& type) {
        std::string name = FileNameOf(e);
        std::string bytes = DecodedBody(e);
        auto text = ExtractNested(bytes, type, name, ctx_);
        if (!text.ok()) {
            if (NeedsOcr(text.status())) needs_ocr_ = true;
            if (text.status().reason() == "timeout") return text.status();
            return Status::Ok();
        }
        sink_.NewPage();
        sink_.Append("Anlage: " + name);
        sink_.Break();
        for (const auto& page : text->pages) {
            sink_.Append(page);
            sink_.Break();
        }
        return Status::Ok();
    }

    Context& ctx_;
    TextSink& sink_;
    bool needs_ocr_ = false;
};

}  // namespace

Status ExtractMail(const Input& in, Context& ctx, ExtractedText* out) {
    std::string mail;
    AKTENWERK_RETURN_IF_ERROR(ReadInput(in, ctx.request.limits.max_mail_bytes, true, &mail));
    out->method = "mail";
    TextSink sink(out, ctx.request.limits.max_output_bytes);
    sink.NewPage();
    MailWalker walker(ctx, sink);
    AKTENWERK_RETURN_IF_ERROR(walker.Message(mail, 0));
    if (walker.needs_ocr()) {
        return FailedPreconditionError("an attachment of the mail is a scan; it needs OCR",
                                       "needs-ocr");
    }
    return Status::Ok();
}

}  // namespace aktenwerk::indexing::detail
