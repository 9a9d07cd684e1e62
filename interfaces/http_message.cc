// Helpers of the handler-side HTTP model.
#include "interfaces/http_message.h"

#include <optional>
#include <string>

#include <strings.h>

namespace aktenwerk::interfaces {

bool HeaderLess::operator()(const std::string& a, const std::string& b) const {
    return ::strcasecmp(a.c_str(), b.c_str()) < 0;
}

std::string Request::Header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? std::string() : it->second;
}

std::optional<std::string> Request::Query(const std::string& name) const {
    auto it = query.find(name);
    if (it == query.end()) return std::nullopt;
    return it->second;
}

Result<std::string> Request::ReadBody(size_t limit) const {
    if (auto declared = body->content_length(); declared && *declared > limit) {
        return ResourceExhaustedError(
            "the body exceeds the limit of " + std::to_string(limit) + " bytes", "body-too-large");
    }
    std::string out;
    char buf[16384];
    while (true) {
        AKTENWERK_ASSIGN_OR_RETURN(size_t n, body->Read(buf, sizeof(buf)));
        if (n == 0) return out;
        if (out.size() + n > limit) {
            return ResourceExhaustedError(
                "the body exceeds the limit of " + std::to_string(limit) + " bytes",
                "body-too-large");
        }
        out.append(buf, n);
    }
}

void Response::SetHeader(std::string name, std::string value) {
    for (auto& [n, v] : headers) {
        if (::strcasecmp(n.c_str(), name.c_str()) == 0) {
            v = std::move(value);
            return;
        }
    }
    headers.emplace_back(std::move(name), std::move(value));
}

std::optional<std::string> PercentDecode(std::string_view text, bool plus_is_space) {
    auto hex = [](char c) -> int {
        if (c >= '0' && c <= '9') return c - '0';
        if (c >= 'a' && c <= 'f') return c - 'a' + 10;
        if (c >= 'A' && c <= 'F') return c - 'A' + 10;
        return -1;
    };
    std::string out;
    out.reserve(text.size());
    for (size_t i = 0; i < text.size(); ++i) {
        char c = text[i];
        if (c == '%') {
            if (i + 2 >= text.size()) return std::nullopt;
            int hi = hex(text[i + 1]);
            int lo = hex(text[i + 2]);
            if (hi < 0 || lo < 0) return std::nullopt;
            out += static_cast<char>(hi * 16 + lo);
            i += 2;
        } else if (c == '+' && plus_is_space) {
            out += ' ';
        } else {
            out += c;
        }
    }
    return out;
}

std::string PercentEncode(std::string_view text) {
    static constexpr char kHex[] = "0123456789ABCDEF";
    std::string out;
    for (unsigned char c : text) {
        bool unreserved = (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') ||
                          (c >= '0' && c <= '9') || c == '-' || c == '.' || c == '_' || c == '~';
        if (unreserved) {
            out += static_cast<char>(c);
        } else {
            out += '%';
            out += kHex[c >> 4];
            out += kHex[c & 15];
        }
    }
    return out;
}

namespace {

bool StartsWithNoCase(std::string_view text, std::string_view prefix) {
    return text.size() >= prefix.size() &&
           ::strncasecmp(text.data(), prefix.data(), prefix.size()) == 0;
}

// The origin form ("/path?query") of a target in absolute form ("http://host/path?query"),
// which RFC 9112 section 3.2.2 requires a server to accept; nullopt for other targets. The
// authority is ignored, as the Host header is.
std::optional<std::string> OriginForm(std::string_view target) {
    for (std::string_view scheme : {"http://", "https://"}) {
        if (!StartsWithNoCase(target, scheme)) continue;
        std::string_view rest = target.substr(scheme.size());
        const size_t start = rest.find_first_of("/?");
        if (start == std::string_view::npos) return std::string("/");
        std::string origin(rest.substr(start));
        if (origin[0] == '?') origin.insert(0, "/");
        return origin;
    }
    return std::nullopt;
}

}  // namespace

Status ParseTarget(std::string_view target, std::string* path,
                   std::multimap<std::string, std::string>* query) {
    std::string origin_form;
    if (auto origin = OriginForm(target)) {
        origin_form = std::move(*origin);
        target = origin_form;
    }
    size_t q = target.find('?');
    std::string_view raw_path = target.substr(0, q);
    if (raw_path.empty() || raw_path[0] != '/') {
        return InvalidArgumentError("the request target must be an absolute path");
    }
    // An encoded '/' or NUL would let a path segment hold what routing and any proxy in
    // front take for a separator or an end: refused rather than guessed at.
    for (size_t i = 0; i + 2 < raw_path.size(); ++i) {
        if (raw_path[i] != '%') continue;
        const std::string_view hex = raw_path.substr(i + 1, 2);
        if (hex == "2F" || hex == "2f" || hex == "00") {
            return InvalidArgumentError("the request path holds an encoded '/' or NUL");
        }
    }
    auto decoded = PercentDecode(raw_path, false);
    if (!decoded) return InvalidArgumentError("the request path has a malformed %-escape");
    *path = std::move(*decoded);
    if (q == std::string_view::npos) return Status::Ok();
    std::string_view rest = target.substr(q + 1);
    while (!rest.empty()) {
        size_t amp = rest.find('&');
        std::string_view pair = rest.substr(0, amp);
        size_t eq = pair.find('=');
        auto key = PercentDecode(pair.substr(0, eq), true);
        auto value = PercentDecode(eq == std::string_view::npos ? "" : pair.substr(eq + 1), true);
        if (!key || !value) return InvalidArgumentError("the query has a malformed %-escape");
        if (!key->empty()) query->emplace(std::move(*key), std::move(*value));
        if (amp == std::string_view::npos) break;
        rest.remove_prefix(amp + 1);
    }
    return Status::Ok();
}

}  // namespace aktenwerk::interfaces
