// Load client for the read benchmark: N threads, each with one keep-alive HTTP/1.1
// connection to a loopback server, GET one target over and over and count the answers.
// Used to measure what the rights check costs on the read path (run_rights_bench.sh).
//
//   read_client HOST PORT AUTHORIZATION TARGET THREADS COUNT
// AUTHORIZATION is the whole header value ("Basic ...", "Bearer ..."). Prints:
// RESULT test=read threads=T requests=N seconds=S requests_per_s=R p50_us=.. p99_us=..
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
#include <mutex>
#include <string>
#include <thread>
#include <vector>

namespace {

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
    if (argc != 7) {
        std::fprintf(stderr, "usage: read_client HOST PORT AUTHORIZATION TARGET THREADS COUNT\n");
        return 2;
    }
    const char* host = argv[1];
    const int port = std::atoi(argv[2]);
    const std::string request = std::string("GET ") + argv[4] +
                                " HTTP/1.1\r\nHost: bench\r\nAuthorization: " + argv[3] +
                                "\r\n\r\n";
    const int threads = std::atoi(argv[5]);
    const long count = std::atol(argv[6]);
    std::atomic<long> next{0};
    std::atomic<long> failed{0};
    std::mutex mu;
    std::vector<double> latencies;

    auto started = std::chrono::steady_clock::now();
    std::vector<std::thread> workers;
    for (int t = 0; t < threads; ++t) {
        workers.emplace_back([&] {
            int fd = Connect(host, port);
            std::string buf;
            std::vector<double> mine;
            while (next.fetch_add(1) < count) {
                auto t0 = std::chrono::steady_clock::now();
                if (!SendAll(fd, request) || ReadResponse(fd, buf) != 200) {
                    failed.fetch_add(1);
                    close(fd);
                    fd = Connect(host, port);
                    buf.clear();
                    continue;
                }
                mine.push_back(
                    std::chrono::duration<double, std::micro>(std::chrono::steady_clock::now() - t0)
                        .count());
            }
            close(fd);
            std::lock_guard lock(mu);
            latencies.insert(latencies.end(), mine.begin(), mine.end());
        });
    }
    for (auto& w : workers) w.join();
    const double seconds =
        std::chrono::duration<double>(std::chrono::steady_clock::now() - started).count();
    std::sort(latencies.begin(), latencies.end());
    auto pct = [&](double p) {
        return latencies.empty() ? 0.0 : latencies[static_cast<size_t>(p * (latencies.size() - 1))];
    };
    std::printf(
        "RESULT test=read threads=%d requests=%zu failed=%ld seconds=%.3f requests_per_s=%.0f "
        "p50_us=%.0f p99_us=%.0f\n",
        threads, latencies.size(), failed.load(), seconds, latencies.size() / seconds, pct(0.5),
        pct(0.99));
    return failed.load() == 0 ? 0 : 1;
}
