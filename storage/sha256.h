// Incremental SHA-256 over OpenSSL, for code that checks content while it streams (backups,
// restores).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>

namespace aktenwerk::storage {

// Not thread-safe; one hasher per stream. Move-only.
class Sha256 {
  public:
    Sha256();
    ~Sha256();
    Sha256(const Sha256&) = delete;
    Sha256& operator=(const Sha256&) = delete;

    void Update(const void* data, size_t size);
    void Update(std::string_view text) { Update(text.data(), text.size()); }
    // The lower-case hex digest of everything so far; the hasher starts over afterwards.
    std::string HexDigest();

  private:
    void* ctx_;  // EVP_MD_CTX, opaque to keep OpenSSL out of the header
};

// The lower-case hex SHA-256 of `text`.
std::string Sha256Hex(std::string_view text);

}  // namespace aktenwerk::storage
