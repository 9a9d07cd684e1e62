// Boundary scanning keeps back the last (delimiter length - 1) bytes of the buffer, since a
// delimiter may be split across two reads of the socket.
#include "interfaces/multipart.h"

#include <algorithm>
#include <cstring>

namespace aktenwerk::interfaces {
namespace {

constexpr size_t kReadChunk = 64 * 1024;
constexpr size_t kMaxPartHeader = 16 * 1024;

std::string_view Trim(std::string_view s) {
    while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
    while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
    return s;
}

bool IEquals(std::string_view a, std::string_view b) {
    return a.size() == b.size() && std::equal(a.begin(), a.end(), b.begin(), [](char x, char y) {
               return std::tolower(static_cast<unsigned char>(x)) ==
                      std::tolower(static_cast<unsigned char>(y));
           });
}

// Splits "a; b=c; d=\"e;f\"" into parameters, honouring quotes: whitespace around a value
// is dropped, whitespace inside quotes is part of it.
std::vector<std::pair<std::string, std::string>> Params(std::string_view value) {
    std::vector<std::pair<std::string, std::string>> out;
    size_t i = 0;
    while (i < value.size()) {
        size_t end = i;
        bool quoted = false;
        bool was_quoted = false;
        std::string name, val;
        bool in_value = false;
        for (; end < value.size(); ++end) {
            char c = value[end];
            if (quoted) {
                if (c == '\\' && end + 1 < value.size()) {
                    val += value[++end];
                } else if (c == '"') {
                    quoted = false;
                } else {
                    val += c;
                }
            } else if (c == '"' && in_value && !was_quoted) {
                quoted = was_quoted = true;
                val.clear();  // only blanks can have come before the quote
            } else if (c == ';') {
                break;
            } else if (c == '=' && !in_value) {
                in_value = true;
            } else if (in_value) {
                if (!was_quoted) val += c;  // after the closing quote only blanks may follow
            } else {
                name += c;
            }
        }
        // An unterminated quote means the value was cut (a line break inside a file name,
        // say): refuse the whole header rather than guess where it ended.
        if (quoted) return {};
        std::string v = was_quoted ? val : std::string(Trim(val));
        out.emplace_back(std::string(Trim(name)), in_value ? std::move(v) : "");
        i = end + 1;
    }
    return out;
}

// ISO-8859-1 bytes as UTF-8 (every byte is the code point of the same number).
std::string Latin1ToUtf8(std::string_view latin1) {
    std::string out;
    for (unsigned char c : latin1) {
        if (c < 0x80) {
            out += static_cast<char>(c);
        } else {
            out += static_cast<char>(0xc0 | (c >> 6));
            out += static_cast<char>(0x80 | (c & 0x3f));
        }
    }
    return out;
}

}  // namespace

bool ParseContentDisposition(std::string_view value, PartInfo* info) {
    auto params = Params(value);
    if (params.empty() || params.front().first.empty()) return false;
    bool have_star = false;
    for (size_t k = 1; k < params.size(); ++k) {
        const auto& [name, val] = params[k];
        if (IEquals(name, "name")) {
            info->name = val;
        } else if (IEquals(name, "filename*")) {
            // RFC 5987: charset'language'percent-encoded
            size_t first = val.find('\'');
            size_t second = first == std::string::npos ? first : val.find('\'', first + 1);
            if (second == std::string::npos) continue;
            const std::string charset = val.substr(0, first);
            const bool latin1 = IEquals(charset, "ISO-8859-1");
            if (!IEquals(charset, "UTF-8") && !latin1) continue;  // RFC 5987 knows only these
            auto decoded = PercentDecode(std::string_view(val).substr(second + 1), false);
            if (!decoded) return false;
            info->filename = latin1 ? Latin1ToUtf8(*decoded) : *decoded;
            info->has_filename = true;
            have_star = true;
        } else if (IEquals(name, "filename") && !have_star) {
            info->filename = val;
            info->has_filename = true;
        }
    }
    return true;
}

std::string ContentDisposition(std::string_view disposition, std::string_view filename) {
    std::string ascii;
    for (unsigned char c : filename) {
        if (c >= 0x20 && c < 0x7f && c != '"' && c != '\\') {
            ascii += static_cast<char>(c);
        } else if (c < 0x80 || (c & 0xc0) == 0xc0) {
            ascii += '_';  // one '_' per non-ASCII character, none for continuation bytes
        }
    }
    std::string out(disposition);
    out += "; filename=\"" + ascii + "\"";
    out += "; filename*=UTF-8''" + PercentEncode(filename);
    return out;
}

Result<MultipartReader> MultipartReader::Create(BodyReader* body, std::string_view content_type) {
    auto params = Params(content_type);
    if (params.empty() || !IEquals(params.front().first, "multipart/form-data")) {
        return InvalidArgumentError("expected a multipart/form-data body");
    }
    for (const auto& [name, value] : params) {
        if (IEquals(name, "boundary")) {
            if (value.empty() || value.size() > 70) {
                return InvalidArgumentError("the multipart boundary must have 1 to 70 characters");
            }
            return MultipartReader(body, value);
        }
    }
    return InvalidArgumentError("the multipart Content-Type has no boundary");
}

MultipartReader::MultipartReader(BodyReader* body, std::string boundary)
    : body_(body), delimiter_("\r\n--" + boundary) {
    // The first boundary is not preceded by a line break; pretend it is.
    buffer_ = "\r\n";
}

Status MultipartReader::Fill() {
    if (body_done_)
        return InvalidArgumentError("the multipart body ends before its closing boundary");
    if (start_ > 0 && start_ * 2 > buffer_.size()) {
        buffer_.erase(0, start_);
        start_ = 0;
    }
    size_t old = buffer_.size();
    buffer_.resize(old + kReadChunk);
    auto n = body_->Read(buffer_.data() + old, kReadChunk);
    if (!n.ok()) {
        buffer_.resize(old);
        return n.status();
    }
    buffer_.resize(old + *n);
    if (*n == 0) body_done_ = true;
    return Status::Ok();
}

void MultipartReader::Consume(size_t n) { start_ += n; }

Result<size_t> MultipartReader::Read(char* buf, size_t n) {
    if (!in_part_) return size_t{0};
    while (true) {
        std::string_view data(buffer_.data() + start_, Available());
        size_t found = data.find(delimiter_);
        size_t safe =
            found != std::string_view::npos
                ? found
                : (data.size() >= delimiter_.size() ? data.size() - delimiter_.size() + 1 : 0);
        if (found == 0) {
            in_part_ = false;
            return size_t{0};
        }
        if (safe > 0) {
            size_t count = std::min(safe, n);
            std::memcpy(buf, data.data(), count);
            Consume(count);
            return count;
        }
        AKTENWERK_RETURN_IF_ERROR(Fill());
    }
}

Result<std::string> MultipartReader::ReadText(size_t limit) {
    std::string out;
    char buf[4096];
    while (true) {
        AKTENWERK_ASSIGN_OR_RETURN(size_t n, Read(buf, sizeof(buf)));
        if (n == 0) return out;
        if (out.size() + n > limit) {
            return ResourceExhaustedError(
                "a form field exceeds " + std::to_string(limit) + " bytes", "body-too-large");
        }
        out.append(buf, n);
    }
}

Result<bool> MultipartReader::NextPart(PartInfo* info) {
    if (finished_) return false;
    if (in_part_) {
        char sink[8192];
        while (true) {
            AKTENWERK_ASSIGN_OR_RETURN(size_t n, Read(sink, sizeof(sink)));
            if (n == 0) break;
        }
    }
    // Find the delimiter (skipping a preamble before the first one), then "--" or CRLF.
    while (true) {
        std::string_view data(buffer_.data() + start_, Available());
        size_t found = data.find(delimiter_);
        if (found != std::string_view::npos && data.size() >= found + delimiter_.size() + 2) {
            Consume(found + delimiter_.size());
            break;
        }
        if (found == std::string_view::npos && data.size() > delimiter_.size()) {
            Consume(data.size() - delimiter_.size());
        }
        AKTENWERK_RETURN_IF_ERROR(Fill());
    }
    std::string_view after(buffer_.data() + start_, 2);
    if (after == "--") {
        finished_ = true;
        return false;
    }
    if (after != "\r\n") return InvalidArgumentError("malformed multipart boundary line");
    Consume(2);

    size_t header_end;
    while ((header_end = std::string_view(buffer_.data() + start_, Available()).find("\r\n\r\n")) ==
           std::string_view::npos) {
        if (Available() > kMaxPartHeader) {
            return InvalidArgumentError("a multipart part header exceeds 16 KiB");
        }
        AKTENWERK_RETURN_IF_ERROR(Fill());
    }
    std::string_view headers(buffer_.data() + start_, header_end);
    *info = PartInfo{};
    bool has_disposition = false;
    while (!headers.empty()) {
        size_t eol = headers.find("\r\n");
        std::string_view line = headers.substr(0, eol);
        size_t colon = line.find(':');
        if (colon != std::string_view::npos) {
            std::string_view name = Trim(line.substr(0, colon));
            std::string_view value = Trim(line.substr(colon + 1));
            if (IEquals(name, "Content-Disposition")) {
                if (!ParseContentDisposition(value, info)) {
                    return InvalidArgumentError(
                        "malformed Content-Disposition in a multipart part");
                }
                has_disposition = true;
            } else if (IEquals(name, "Content-Type")) {
                info->content_type = std::string(value);
            }
        }
        if (eol == std::string_view::npos) break;
        headers.remove_prefix(eol + 2);
    }
    if (!has_disposition)
        return InvalidArgumentError("a multipart part has no Content-Disposition");
    Consume(header_end + 4);
    in_part_ = true;
    return true;
}

}  // namespace aktenwerk::interfaces
