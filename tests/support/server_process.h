// Test support: runs the real `aktenwerk` binary as a child process on a loopback port, for
// end-to-end tests that drive it over HTTP, kill it and restart it on the same data.
#pragma once

#include <sys/types.h>

#include <chrono>
#include <cstdint>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace aktenwerk::test_support {

// How to start the server.
struct ServerOptions {
    // The aktenwerk binary.
    std::string binary;
    // The data directory; empty means a fresh one below the process's own temporary folder.
    std::string data_dir;
    // Extra arguments after `serve --data DIR --listen 127.0.0.1:0`, e.g. {"--demo"}.
    std::vector<std::string> extra_args;
    // AKTENWERK_ADMIN_PASSWORD for the first start.
    std::string admin_password = "Geheim-E2E-2026";
    // How long Start() waits for the "listens on" line.
    std::chrono::milliseconds start_timeout{20'000};
};

// One server child process. Not thread-safe: one test thread starts, stops and restarts it;
// other threads may talk to it over HTTP. The destructor kills a server still running and
// removes the temporary folder it owns (not a data directory given in the options).
class ServerProcess {
  public:
    explicit ServerProcess(ServerOptions options);
    ~ServerProcess();
    ServerProcess(const ServerProcess&) = delete;
    ServerProcess& operator=(const ServerProcess&) = delete;

    // Forks and execs `aktenwerk serve` with stderr (and stdout) going to a log file, and
    // waits (bounded by start_timeout) until the server prints the port it listens on.
    // Fails with the log's text when the process exits early or the line does not appear.
    ::testing::AssertionResult Start();

    // SIGTERM, then waits up to `timeout` for the process to end. Returns its exit code, or
    // nullopt when it was killed by a signal or did not end in time (it is then killed).
    std::optional<int> Stop(std::chrono::milliseconds timeout = std::chrono::seconds(20));

    // SIGKILL and reap; nothing of the server's shutdown runs.
    void Kill();

    // Kill() when still running, then Start() on the same data directory.
    ::testing::AssertionResult Restart();

    // Waits up to `timeout` for the process to end by itself; its exit code, or nullopt.
    std::optional<int> WaitForExit(std::chrono::milliseconds timeout);

    bool running() const { return pid_ > 0; }
    pid_t pid() const { return pid_; }
    uint16_t port() const { return port_; }
    const std::string& host() const { return host_; }
    // "http://127.0.0.1:PORT"
    std::string base_url() const;
    const std::string& data_dir() const { return data_dir_; }
    const std::string& admin_password() const { return options_.admin_password; }
    const std::string& binary() const { return options_.binary; }
    // What the current (or last) server run wrote to stderr and stdout.
    std::string log_text() const;

  private:
    std::optional<int> Reap(std::chrono::milliseconds timeout);

    ServerOptions options_;
    std::unique_ptr<TempDir> temp_;
    std::string data_dir_;
    std::string log_path_;
    std::string host_ = "127.0.0.1";
    pid_t pid_ = -1;
    uint16_t port_ = 0;
    int starts_ = 0;
};

// Output of a finished command.
struct CommandResult {
    int exit_code = -1;  // -1 when it did not run or was killed by a signal
    std::string output;  // stdout and stderr, interleaved
};

// Runs `argv` (argv[0] is a path or found on PATH) with `extra_env` ("NAME=value") added to
// the environment, without a shell, and waits up to `timeout`; kills it past that.
CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env = {},
                         std::chrono::milliseconds timeout = std::chrono::seconds(60));

}  // namespace aktenwerk::test_support
