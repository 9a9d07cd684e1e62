// The README's walk through the Aussonderung, run literally: the first shell block of its
// retention section, with bash and curl against a server started as deploy/demo.sh starts
// it, must finish without an error and leave the process completed.
#include <regex>
#include <string>

#include "tests/e2e/e2e_fixture.h"
#include "tests/support/sha256.h"

namespace aktenwerk::e2e {
namespace {

using test_support::ReadFileBytes;
using test_support::RunCommand;

// The first ```sh block after the retention heading of the README.
std::string WalkThrough() {
    const std::string readme = ReadFileBytes(std::string(AKTENWERK_SOURCE_DIR) + "/README.md");
    const size_t heading = readme.find("## Retention, holds and the Aussonderung");
    if (heading == std::string::npos) return {};
    const size_t start = readme.find("```sh\n", heading);
    const size_t end = readme.find("\n```", start + 6);
    if (start == std::string::npos || end == std::string::npos) return {};
    return readme.substr(start + 6, end - start - 6);
}

class ReadmeRetentionTest : public E2eTest {};

TEST_F(ReadmeRetentionTest, AussonderungWalkThroughRunsAgainstTheDemo) {
    std::string script = WalkThrough();
    ASSERT_FALSE(script.empty()) << "the README lost its Aussonderung walk-through";
    ASSERT_TRUE(StartServer({"--demo"}, {}, "aktenwerk"));
    script = std::regex_replace(script, std::regex("127\\.0\\.0\\.1:8080"),
                                "127.0.0.1:" + std::to_string(server().port()));

    auto run = RunCommand(
        {"bash", "-c",
         "set -eo pipefail; cd " + scratch().path() + "\n" + script + "\necho \"PROZESS=$RUN\""});

    ASSERT_EQ(run.exit_code, 0) << run.output;
    std::smatch m;
    ASSERT_TRUE(std::regex_search(run.output, m, std::regex("PROZESS=([0-9a-f-]{36})")))
        << run.output;
    auto prozess = api().Get("/api/v1/aussonderungen/" + m[1].str()).Json();
    EXPECT_EQ(prozess["status"], "abgeschlossen") << prozess.dump(2);
    EXPECT_EQ(prozess["ausgelassen"].size(), 1u) << "the held Akte stays out";
    const std::string protokoll = ReadFileBytes(scratch().Sub("vernichtungsprotokoll.json"));
    EXPECT_NE(protokoll.find("Vernichtungsprotokoll"), std::string::npos) << protokoll;
    EXPECT_FALSE(
        ReadFileBytes(scratch().Sub(m[1].str() + "_Aussonderung.Aussonderung.0503.zip")).empty());
}

}  // namespace
}  // namespace aktenwerk::e2e
