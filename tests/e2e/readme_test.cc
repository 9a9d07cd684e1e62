// The README's promises, checked literally: the demo script's default password is one the
// server accepts, and the curl examples of the demo section work against a server started
// the way deploy/demo.sh starts it.
#include <regex>
#include <string>
#include <vector>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/sha256.h"

namespace aktenwerk::e2e {
namespace {

using test_support::ReadFileBytes;
using test_support::RunCommand;

std::string SourceFile(const std::string& name) {
    return ReadFileBytes(std::string(AKTENWERK_SOURCE_DIR) + "/" + name);
}

// The default of AKTENWERK_ADMIN_PASSWORD in deploy/demo.sh.
std::string DemoScriptPassword() {
    std::smatch m;
    const std::string script = SourceFile("deploy/demo.sh");
    if (!std::regex_search(script, m, std::regex(R"(AKTENWERK_ADMIN_PASSWORD:-([^}"]+)\})"))) {
        return {};
    }
    return m[1];
}

// The `curl` lines of the README between the demo heading and the test heading.
std::vector<std::string> DemoCurlLines() {
    const std::string readme = SourceFile("README.md");
    const size_t start = readme.find("**Build and start the server");
    const size_t end = readme.find("**Build and run every test");
    std::vector<std::string> lines;
    if (start == std::string::npos || end == std::string::npos) return lines;
    size_t pos = start;
    while (pos < end) {
        size_t eol = readme.find('\n', pos);
        std::string line = readme.substr(pos, eol - pos);
        if (line.rfind("curl ", 0) == 0) lines.push_back(line);
        pos = eol + 1;
    }
    return lines;
}

class ReadmeTest : public E2eTest {};

// Regression: demo.sh defaulted to the password "admin", which the server refuses (8 bytes
// at least), so the README's first command started nothing.
TEST_F(ReadmeTest, DemoExamplesWorkWithTheDemoScriptsDefaults) {
    const std::string password = DemoScriptPassword();
    ASSERT_FALSE(password.empty()) << "no default password found in deploy/demo.sh";
    ASSERT_TRUE(StartServer({"--demo"}, {}, password));
    const std::vector<std::string> lines = DemoCurlLines();
    ASSERT_GE(lines.size(), 3u) << "the README's demo section lost its curl examples";

    for (std::string line : lines) {
        SCOPED_TRACE(line);
        EXPECT_NE(line.find("127.0.0.1:8080"), std::string::npos);
        line = std::regex_replace(line, std::regex("127\\.0\\.0\\.1:8080"),
                                  "127.0.0.1:" + std::to_string(server().port()));
        // -f: an HTTP error fails the command; -sS: quiet but for errors.
        line.replace(0, 5, "curl -fsS -o /dev/null ");
        auto run = RunCommand({"bash", "-c", line});
        EXPECT_EQ(run.exit_code, 0) << run.output;
    }
}

}  // namespace
}  // namespace aktenwerk::e2e
