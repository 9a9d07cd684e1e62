// UUIDs from OpenSSL's random generator and SHA-256.
#include "dms/uuid.h"

#include <openssl/evp.h>
#include <openssl/rand.h>

namespace aktenwerk::dms {
namespace {

std::string Format(const unsigned char* b) {
    static constexpr char kHex[] = "0123456789abcdef";
    std::string out;
    out.reserve(36);
    for (int i = 0; i < 16; ++i) {
        if (i == 4 || i == 6 || i == 8 || i == 10) out += '-';
        out += kHex[b[i] >> 4];
        out += kHex[b[i] & 15];
    }
    return out;
}

}  // namespace

std::string NewUuid() {
    unsigned char b[16];
    RAND_bytes(b, sizeof(b));
    b[6] = static_cast<unsigned char>((b[6] & 0x0f) | 0x40);  // version 4
    b[8] = static_cast<unsigned char>((b[8] & 0x3f) | 0x80);  // RFC 4122 variant
    return Format(b);
}

std::string NameUuid(std::string_view name) {
    unsigned char digest[EVP_MAX_MD_SIZE];
    unsigned int len = 0;
    EVP_Digest(name.data(), name.size(), digest, &len, EVP_sha256(), nullptr);
    digest[6] = static_cast<unsigned char>((digest[6] & 0x0f) | 0x80);  // version 8
    digest[8] = static_cast<unsigned char>((digest[8] & 0x3f) | 0x80);
    return Format(digest);
}

bool IsUuid(std::string_view text) {
    if (text.size() != 36) return false;
    for (size_t i = 0; i < text.size(); ++i) {
        const char c = text[i];
        if (i == 8 || i == 13 || i == 18 || i == 23) {
            if (c != '-') return false;
        } else if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f') || (c >= 'A' && c <= 'F'))) {
            return false;
        }
    }
    return true;
}

}  // namespace aktenwerk::dms
