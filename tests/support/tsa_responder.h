// Test support: a local RFC 3161 timestamp authority on loopback. It answers HTTP POSTs of
// timestamp queries with what `openssl ts -reply` makes of them, with a key and certificate
// made by `openssl req` in its own folder, so that tests exercise the real protocol against
// OpenSSL's own authority.
#pragma once

#include <atomic>
#include <string>
#include <thread>

#include "tests/support/temp_dir.h"

namespace aktenwerk::test_support {

// Not thread-safe to start and stop; serves one request at a time on its own thread.
class TsaResponder {
  public:
    // Makes the authority's key and certificate (EKU timeStamping) and starts listening on
    // 127.0.0.1 on a free port. ok() tells whether that worked.
    TsaResponder();
    ~TsaResponder();

    bool ok() const { return listen_fd_ >= 0; }
    // "http://127.0.0.1:PORT/tsa"
    std::string url() const;
    // The authority's certificate (PEM), the trust anchor for its tokens.
    std::string cert_file() const { return dir_.Sub("tsa.pem"); }
    // Requests answered so far.
    int answered() const { return answered_.load(); }
    // What went wrong setting it up, for the test's failure message.
    const std::string& error() const { return error_; }

  private:
    void Serve();
    void Answer(int fd);

    TempDir dir_;
    int listen_fd_ = -1;
    int port_ = 0;
    std::atomic<bool> stopping_{false};
    std::atomic<int> answered_{0};
    std::string error_;
    std::thread thread_;
};

}  // namespace aktenwerk::test_support
