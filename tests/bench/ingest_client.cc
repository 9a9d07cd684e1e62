// Load client for the ingest benchmark: N threads, each with one keep-alive HTTP/1.1
// connection to a loopback server, POST the files of a corpus as new Dokumente (raw body)
// and count acknowledged documents. Plain sockets, so that the client costs little CPU
// next to the server on a 2-core machine.
//
//   ingest_client HOST PORT USER:PASSWORD PARENT_ID THREADS COUNT FILE...
// Prints: RESULT test=ingest threads=T docs=N seconds=S docs_per_s=R p50_ms=.. p99_ms=..
#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <sys/socket.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <iterator>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <openssl/evp.h>

namespace {

std::string Base64(const std::string& in) {
    std::string out(4 * ((in.size() + 2) / 3) + 1, '\0');
    int n = EVP_EncodeBlock(reinterpret_cast<unsigned char*>(out.data()),
                            reinterpret_cast<const unsigned char*>(in.data()),
                            static_cast<int>(in.size()));
    out.resize(static_cast<size_t>(n));
    return out;
}

int Connect(const char* host, int port) {
    int fd = socket(AF_INET, SOCK_STREAM, 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_port = htons(static_cast<uint16_t>(port));
    inet_pton(AF_INET, host, &addr.sin_addr);
    if (connect(fd, reinterpret_cast<sockaddr*>(&addr), sizeof(addr)) != 0) {
        perror("connect");
        std::exit(1);
    }
    int one = 1;
    setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
    return fd;
}

bool SendAll(int fd, const std::string& data) {
    size_t off = 0;
    while (off < data.size()) {
        ssize_t n = send(fd, data.data() + off, data.size() - off, MSG_NOSIGNAL);
        if (n <= 0) return false;
        off += static_cast<size_t>(n);
    }
    return true;
}

// Reads one response; returns the status code, or -1 when the connection broke.
int ReadResponse(int fd, std::string& buf) {
    while (true) {
        size_t end = buf.find("\r\n\r\n");
        if (end != std::string::npos) {
            int status = std::atoi(buf.c_str() + 9);
            size_t len = 0;
            const char* cl = strcasestr(buf.c_str(), "\r\nContent-Length:");
            if (cl != nullptr && cl < buf.c_str() + end) len = std::strtoul(cl + 17, nullptr, 10);
            while (buf.size() < end + 4 + len) {
                char tmp[65536];
                ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
                if (n <= 0) return -1;
                buf.append(tmp, static_cast<size_t>(n));
            }
            buf.erase(0, end + 4 + len);
            return status;
        }
        char tmp[65536];
        ssize_t n = recv(fd, tmp, sizeof(tmp), 0);
        if (n <= 0) return -1;
        buf.append(tmp, static_cast<size_t>(n));
    }
}

}  // namespace

int main(int argc, char** argv) {
    if (argc < 8) {
        std::fprintf(stderr,
                     "usage: ingest_client HOST PORT USER:PASS PARENT THREADS COUNT FILE...\n");
        return 2;
    }
    const char* host = argv[1];
    const int port = std::atoi(argv[2]);
    const std::string auth = "Basic " + Base64(argv[3]);
    const std::string parent = argv[4];
    const int threads = std::atoi(argv[5]);
    const long count = std::atol(argv[6]);
    std::vector<std::string> files;
    for (int i = 7; i < argc; ++i) {
        std::ifstream in(argv[i], std::ios::binary);
        files.emplace_back(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
    }

    std::atomic<long> next{0}, ok{0}, failed{0};
    std::mutex mu;
    std::vector<double> latencies;
    auto start = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            int fd = Connect(host, port);
            std::string buf;
            std::vector<double> mine;
            for (long i; (i = next.fetch_add(1)) < count;) {
                const std::string& body = files[static_cast<size_t>(i) % files.size()];
                std::string req = "POST /api/v1/dokumente?parent_id=" + parent + "&dateiname=doc-" +
                                  std::to_string(i) +
                                  ".txt HTTP/1.1\r\nHost: bench\r\nAuthorization: " + auth +
                                  "\r\nContent-Type: application/octet-stream\r\nContent-Length: " +
                                  std::to_string(body.size()) + "\r\n\r\n" + body;
                auto t0 = std::chrono::steady_clock::now();
                if (!SendAll(fd, req)) break;
                int status = ReadResponse(fd, buf);
                auto t1 = std::chrono::steady_clock::now();
                if (status == 201) {
                    ok.fetch_add(1);
                } else {
                    failed.fetch_add(1);
                    if (status < 0) break;
                }
                mine.push_back(std::chrono::duration<double, std::milli>(t1 - t0).count());
            }
            close(fd);
            std::lock_guard lock(mu);
            latencies.insert(latencies.end(), mine.begin(), mine.end());
        });
    }
    for (auto& w : workers) w.join();
    double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) {
        return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(p * (latencies.size() - 1))];
    };
    std::printf(
        "RESULT test=ingest threads=%d docs=%ld failed=%ld seconds=%.2f docs_per_s=%.0f "
        "p50_ms=%.2f p99_ms=%.2f\n",
        threads, ok.load(), failed.load(), seconds, ok.load() / seconds, pct(0.5), pct(0.99));
    return failed.load() == 0 ? 0 : 1;
}
