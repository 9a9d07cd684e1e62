// Test support: a small PDF with one signature dictionary (SubFilter adbe.pkcs7.detached),
// laid out as a signing tool lays it out and signed by the openssl command line, so that
// tests need no PDF signing tool.
#pragma once

#include <cstddef>
#include <string>

namespace aktenwerk::test_support {

// A PDF whose /ByteRange covers everything but its /Contents, which holds a detached CMS
// (SHA-256) by the PEM certificate `cert_file` and key `key_file`, made in `work_dir`.
// With `start` > 0 the first range begins there and the bytes before it are left unsigned
// (a hostile layout). Empty when openssl fails.
std::string SignedPdf(const std::string& work_dir, const std::string& cert_file,
                      const std::string& key_file, size_t start = 0);

}  // namespace aktenwerk::test_support
