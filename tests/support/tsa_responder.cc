// The loopback timestamp authority: a minimal HTTP/1.0 exchange around `openssl ts -reply`.
#include "tests/support/tsa_responder.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <poll.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cstring>
#include <fstream>
#include <sstream>

#include "tests/support/server_process.h"

namespace aktenwerk::test_support {
namespace {

constexpr char kConfig[] = R"([ tsa ]
default_tsa = tsa_config
[ tsa_config ]
serial = ./serial
signer_cert = ./tsa.pem
signer_key = ./tsa.key
signer_digest = sha256
default_policy = 1.2.3.4.1
digests = sha256
accuracy = secs:1
ess_cert_id_alg = sha256
)";

void WriteFile(const std::string& path, const std::string& data) {
    std::ofstream(path, std::ios::binary) << data;
}

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

}  // namespace

TsaResponder::TsaResponder() {
    WriteFile(dir_.Sub("tsa.cnf"), kConfig);
    WriteFile(dir_.Sub("serial"), "01\n");
    CommandResult made = RunCommand({"openssl",
                                     "req",
                                     "-x509",
                                     "-newkey",
                                     "ec",
                                     "-pkeyopt",
                                     "ec_paramgen_curve:P-256",
                                     "-nodes",
                                     "-keyout",
                                     dir_.Sub("tsa.key"),
                                     "-out",
                                     dir_.Sub("tsa.pem"),
                                     "-days",
                                     "30",
                                     "-subj",
                                     "/CN=Aktenwerk Test TSA",
                                     "-addext",
                                     "extendedKeyUsage=critical,timeStamping",
                                     "-addext",
                                     "keyUsage=critical,digitalSignature"});
    if (made.exit_code != 0) {
        error_ = "openssl req: " + made.output;
        return;
    }
    int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    sockaddr_in addr = {};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    socklen_t len = sizeof(addr);
    if (fd < 0 || ::bind(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0 ||
        ::listen(fd, 8) != 0 || ::getsockname(fd, reinterpret_cast<sockaddr*>(&addr), &len) != 0) {
        error_ = std::string("listen: ") + std::strerror(errno);
        if (fd >= 0) ::close(fd);
        return;
    }
    listen_fd_ = fd;
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this] { Serve(); });
}

TsaResponder::~TsaResponder() {
    stopping_ = true;
    if (thread_.joinable()) thread_.join();
    if (listen_fd_ >= 0) ::close(listen_fd_);
}

std::string TsaResponder::url() const {
    return "http://127.0.0.1:" + std::to_string(port_) + "/tsa";
}

void TsaResponder::Serve() {
    // Polls with a short timeout so that the destructor's stop is seen without a wake-up
    // channel; bounded by the test's lifetime.
    while (!stopping_) {
        pollfd p = {listen_fd_, POLLIN, 0};
        if (::poll(&p, 1, 50) <= 0) continue;
        int fd = ::accept4(listen_fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (fd < 0) continue;
        Answer(fd);
        ::close(fd);
    }
}

void TsaResponder::Answer(int fd) {
    std::string in;
    char buf[4096];
    size_t header_end = std::string::npos;
    size_t length = 0;
    while (true) {
        pollfd p = {fd, POLLIN, 0};
        if (::poll(&p, 1, 5000) <= 0) return;
        ssize_t n = ::read(fd, buf, sizeof(buf));
        if (n <= 0) return;
        in.append(buf, static_cast<size_t>(n));
        if (header_end == std::string::npos) {
            header_end = in.find("\r\n\r\n");
            if (header_end == std::string::npos) continue;
            std::string lower = in.substr(0, header_end);
            for (char& c : lower)
                c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
            size_t cl = lower.find("content-length:");
            if (cl != std::string::npos) length = std::stoul(lower.substr(cl + 15));
        }
        if (in.size() >= header_end + 4 + length) break;
    }
    WriteFile(dir_.Sub("q.tsq"), in.substr(header_end + 4, length));
    CommandResult replied = RunCommand({"/bin/sh", "-c",
                                        "cd '" + dir_.path() +
                                            "' && openssl ts -reply -config tsa.cnf -queryfile "
                                            "q.tsq -out r.tsr 2>&1"});
    std::string body = replied.exit_code == 0 ? ReadFile(dir_.Sub("r.tsr")) : std::string();
    std::string head = std::string(body.empty() ? "HTTP/1.0 500 Error" : "HTTP/1.0 200 OK") +
                       "\r\nContent-Type: application/timestamp-reply\r\nContent-Length: " +
                       std::to_string(body.size()) + "\r\nConnection: close\r\n\r\n";
    std::string out = head + body;
    size_t sent = 0;
    while (sent < out.size()) {
        ssize_t n = ::write(fd, out.data() + sent, out.size() - sent);
        if (n <= 0) return;
        sent += static_cast<size_t>(n);
    }
    ++answered_;
}

}  // namespace aktenwerk::test_support
