// Media type detection with libmagic.
//
// libmagic's pattern tests ("soft magic") cost about 1.5 ms of CPU on a small text file,
// most of a small upload's budget, while its built-in tests tell text from binary in a few
// microseconds. So the built-in tests run first on the head of the content, and prose
// (text that begins like a sentence, not like markup, a script, a header block or any
// other structured format) is text/plain without the pattern tests. Everything else gets
// libmagic's full answer.
#include "dms/media_type.h"

#include <memory>
#include <mutex>
#include <vector>

#include <magic.h>

namespace aktenwerk::dms {
namespace {

// A pool of libmagic handles of one kind. Handles are not thread-safe and loading the
// database costs milliseconds, so each is loaded once and lent to one caller at a time.
class MagicPool {
  public:
    explicit MagicPool(int flags) : flags_(flags) {}
    ~MagicPool() {
        for (magic_t m : free_) magic_close(m);
    }

    magic_t Acquire() {
        {
            std::lock_guard lock(mu_);
            if (!free_.empty()) {
                magic_t m = free_.back();
                free_.pop_back();
                return m;
            }
        }
        magic_t m = magic_open(flags_);
        if (m != nullptr && magic_load(m, nullptr) != 0) {
            magic_close(m);
            m = nullptr;
        }
        return m;
    }

    void Release(magic_t m) {
        if (m == nullptr) return;
        std::lock_guard lock(mu_);
        free_.push_back(m);
    }

  private:
    int flags_;
    std::mutex mu_;
    std::vector<magic_t> free_;  // guarded by mu_
};

MagicPool& FullPool() {
    static MagicPool pool(MAGIC_MIME_TYPE | MAGIC_ERROR);
    return pool;
}

MagicPool& BuiltinPool() {
    static MagicPool pool(MAGIC_MIME_TYPE | MAGIC_ERROR | MAGIC_NO_CHECK_SOFT);
    return pool;
}

// Borrows a handle for one call.
class Borrowed {
  public:
    explicit Borrowed(MagicPool& pool) : pool_(pool), m_(pool.Acquire()) {}
    ~Borrowed() { pool_.Release(m_); }
    Borrowed(const Borrowed&) = delete;
    Borrowed& operator=(const Borrowed&) = delete;
    magic_t get() const { return m_; }

  private:
    MagicPool& pool_;
    magic_t m_;
};

std::string Normalize(const char* type) {
    // An empty file is "inode/x-empty" to libmagic; that is no media type for a download.
    if (type == nullptr || *type == '\0' || std::string_view(type) == "inode/x-empty") {
        return "application/octet-stream";
    }
    return type;
}

bool IsAsciiLetterOrDigit(unsigned char c) {
    return (c >= 'a' && c <= 'z') || (c >= 'A' && c <= 'Z') || (c >= '0' && c <= '9');
}

// True when text begins like prose: its first non-blank character is a letter or digit
// (ASCII, or any non-ASCII byte such as an umlaut), and its first line is not a header
// field ("Received: ...", "From: ...") of an e-mail or similar.
bool BeginsLikeProse(std::string_view text) {
    if (text.substr(0, 3) == "\xEF\xBB\xBF") text.remove_prefix(3);
    size_t start = text.find_first_not_of(" \t\r\n");
    if (start == std::string_view::npos) return false;
    const auto first = static_cast<unsigned char>(text[start]);
    if (!IsAsciiLetterOrDigit(first) && first < 0x80) return false;
    std::string_view line = text.substr(start, text.find('\n', start) - start);
    size_t colon = line.find(':');
    if (colon == std::string_view::npos) return true;
    for (size_t i = 0; i < colon; ++i) {
        const auto c = static_cast<unsigned char>(line[i]);
        if (!IsAsciiLetterOrDigit(c) && c != '-') return true;  // a colon inside a sentence
    }
    return false;  // "Name: value" or "Name:" could be a header block
}

}  // namespace

std::string DetectMimeType(const std::string& path, std::string_view head) {
    {
        Borrowed builtin(BuiltinPool());
        if (builtin.get() != nullptr && !head.empty()) {
            std::string quick = Normalize(magic_buffer(builtin.get(), head.data(), head.size()));
            if (quick == "text/plain" && BeginsLikeProse(head)) return quick;
        }
    }
    Borrowed full(FullPool());
    if (full.get() == nullptr) return "application/octet-stream";
    return Normalize(magic_file(full.get(), path.c_str()));
}

std::string DetectCharset(std::string_view mime_type, std::string_view head, bool valid_utf8) {
    if (mime_type.substr(0, 5) != "text/") return {};
    if (valid_utf8) return "utf-8";
    static MagicPool pool(MAGIC_MIME_ENCODING | MAGIC_ERROR | MAGIC_NO_CHECK_SOFT);
    Borrowed encoding(pool);
    if (encoding.get() != nullptr && !head.empty()) {
        const char* found = magic_buffer(encoding.get(), head.data(), head.size());
        const std::string_view name = found != nullptr ? found : "";
        if (name == "utf-16le" || name == "utf-16be" || name == "iso-8859-1") {
            return std::string(name);
        }
    }
    return "windows-1252";
}

}  // namespace aktenwerk::dms
