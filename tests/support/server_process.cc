// Starting, stopping and killing the server child process. The child is started with
// fork/execve and an environment built before the fork, because after fork in a
// multi-threaded test only async-signal-safe calls are allowed.
#include "tests/support/server_process.h"

#include <fcntl.h>
#include <signal.h>
#include <sys/syscall.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cerrno>
#include <cstring>
#include <fstream>
#include <regex>
#include <sstream>
#include <thread>

extern char** environ;

namespace aktenwerk::test_support {
namespace {

using Clock = std::chrono::steady_clock;

std::string ReadFile(const std::string& path) {
    std::ifstream in(path, std::ios::binary);
    std::ostringstream out;
    out << in.rdbuf();
    return out.str();
}

// Argument and environment strings as the NULL-terminated arrays execve wants; built before
// fork so that the child allocates nothing.
class ExecArgs {
  public:
    ExecArgs(const std::vector<std::string>& argv, const std::vector<std::string>& extra_env)
        : argv_(argv) {
        for (char** e = environ; e != nullptr && *e != nullptr; ++e) {
            std::string entry = *e;
            bool replaced = false;
            for (const auto& extra : extra_env) {
                replaced |=
                    entry.substr(0, entry.find('=') + 1) == extra.substr(0, extra.find('=') + 1);
            }
            if (!replaced) env_.push_back(entry);
        }
        for (const auto& extra : extra_env) env_.push_back(extra);
        for (auto& a : argv_) argv_ptrs_.push_back(a.data());
        argv_ptrs_.push_back(nullptr);
        for (auto& e : env_) env_ptrs_.push_back(e.data());
        env_ptrs_.push_back(nullptr);
    }
    char* const* argv() { return argv_ptrs_.data(); }
    char* const* envp() { return env_ptrs_.data(); }

  private:
    std::vector<std::string> argv_;
    std::vector<std::string> env_;
    std::vector<char*> argv_ptrs_;
    std::vector<char*> env_ptrs_;
};

// In the child: stdin from /dev/null, stdout and stderr into `out_fd`, every other
// descriptor closed (a test's client sockets must not stay open in the server), then exec.
// Only async-signal-safe calls from here on.
[[noreturn]] void ExecChild(ExecArgs& args, int out_fd, bool search_path) {
    int null_fd = ::open("/dev/null", O_RDONLY);
    if (null_fd >= 0) ::dup2(null_fd, 0);
    ::dup2(out_fd, 1);
    ::dup2(out_fd, 2);
    ::syscall(SYS_close_range, 3u, ~0u, 0u);
    ::setpgid(0, 0);
    if (search_path) {
        ::execvpe(args.argv()[0], args.argv(), args.envp());
    } else {
        ::execve(args.argv()[0], args.argv(), args.envp());
    }
    static constexpr char kMessage[] = "exec failed\n";
    (void)!::write(2, kMessage, sizeof(kMessage) - 1);
    ::_exit(127);
}

// Polls waitpid until the child ends or `timeout` passes. Exit code, or -2 for a signal,
// or nullopt on timeout.
std::optional<int> WaitPid(pid_t pid, std::chrono::milliseconds timeout) {
    auto deadline = Clock::now() + timeout;
    auto pause = std::chrono::milliseconds(1);
    while (true) {
        int status = 0;
        pid_t got = ::waitpid(pid, &status, WNOHANG);
        if (got == pid) return WIFEXITED(status) ? WEXITSTATUS(status) : -2;
        if (got < 0 && errno != EINTR) return -2;
        if (Clock::now() >= deadline) return std::nullopt;
        std::this_thread::sleep_for(pause);
        pause = std::min(pause * 2, std::chrono::milliseconds(20));
    }
}

}  // namespace

ServerProcess::ServerProcess(ServerOptions options)
    : options_(std::move(options)), temp_(std::make_unique<TempDir>()) {
    data_dir_ = options_.data_dir.empty() ? temp_->Sub("data") : options_.data_dir;
}

ServerProcess::~ServerProcess() {
    if (running()) Kill();
}

std::string ServerProcess::base_url() const {
    return "http://" + host_ + ":" + std::to_string(port_);
}

std::string ServerProcess::log_text() const { return log_path_.empty() ? "" : ReadFile(log_path_); }

::testing::AssertionResult ServerProcess::Start() {
    if (running()) return ::testing::AssertionFailure() << "the server is already running";
    log_path_ = temp_->Sub("server-" + std::to_string(++starts_) + ".log");
    int log_fd = ::open(log_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (log_fd < 0) {
        return ::testing::AssertionFailure()
               << "cannot create " << log_path_ << ": " << std::strerror(errno);
    }
    std::vector<std::string> argv = {options_.binary, "serve",    "--data",
                                     data_dir_,       "--listen", host_ + ":0"};
    argv.insert(argv.end(), options_.extra_args.begin(), options_.extra_args.end());
    ExecArgs args(argv, {"AKTENWERK_ADMIN_PASSWORD=" + options_.admin_password});

    pid_t pid = ::fork();
    if (pid == 0) ExecChild(args, log_fd, /*search_path=*/false);
    ::close(log_fd);
    if (pid < 0) return ::testing::AssertionFailure() << "fork: " << std::strerror(errno);
    pid_ = pid;

    // The server prints this line once it accepts connections.
    static const std::regex kReady(R"(Aktenwerk listens on https?://[^:/]+:([0-9]+)/)");
    auto deadline = Clock::now() + options_.start_timeout;
    while (Clock::now() < deadline) {
        std::smatch m;
        std::string text = ReadFile(log_path_);
        if (std::regex_search(text, m, kReady)) {
            port_ = static_cast<uint16_t>(std::stoi(m[1].str()));
            return ::testing::AssertionSuccess();
        }
        if (auto code = WaitPid(pid_, std::chrono::milliseconds(0))) {
            pid_ = -1;
            return ::testing::AssertionFailure()
                   << "the server exited with " << *code << " before listening:\n"
                   << text;
        }
        std::this_thread::sleep_for(std::chrono::milliseconds(5));
    }
    Kill();
    return ::testing::AssertionFailure() << "the server did not report its port within "
                                         << options_.start_timeout.count() << " ms:\n"
                                         << log_text();
}

std::optional<int> ServerProcess::Reap(std::chrono::milliseconds timeout) {
    auto code = WaitPid(pid_, timeout);
    if (code) pid_ = -1;
    return code;
}

std::optional<int> ServerProcess::Stop(std::chrono::milliseconds timeout) {
    if (!running()) return std::nullopt;
    ::kill(pid_, SIGTERM);
    auto code = Reap(timeout);
    if (!code) {
        Kill();
        return std::nullopt;
    }
    if (*code < 0) return std::nullopt;
    return code;
}

void ServerProcess::Kill() {
    if (!running()) return;
    ::kill(pid_, SIGKILL);
    Reap(std::chrono::seconds(20));
}

::testing::AssertionResult ServerProcess::Restart() {
    Kill();
    return Start();
}

std::optional<int> ServerProcess::WaitForExit(std::chrono::milliseconds timeout) {
    if (!running()) return std::nullopt;
    auto code = Reap(timeout);
    if (code && *code < 0) return std::nullopt;
    return code;
}

CommandResult RunCommand(const std::vector<std::string>& argv,
                         const std::vector<std::string>& extra_env,
                         std::chrono::milliseconds timeout) {
    CommandResult result;
    if (argv.empty()) return result;
    TempDir temp;
    std::string out_path = temp.Sub("output");
    int out_fd = ::open(out_path.c_str(), O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0600);
    if (out_fd < 0) return result;
    ExecArgs args(argv, extra_env);
    const bool search_path = argv[0].find('/') == std::string::npos;

    pid_t pid = ::fork();
    if (pid == 0) ExecChild(args, out_fd, search_path);
    ::close(out_fd);
    if (pid < 0) return result;
    auto code = WaitPid(pid, timeout);
    if (!code) {
        ::kill(pid, SIGKILL);
        WaitPid(pid, std::chrono::seconds(10));
    }
    result.exit_code = code && *code >= 0 ? *code : -1;
    result.output = ReadFile(out_path);
    return result;
}

}  // namespace aktenwerk::test_support
