#include "interfaces/serve_config.h"

#include <fstream>
#include <string>

#include <gtest/gtest.h>

#include "tests/support/temp_dir.h"

namespace aktenwerk::interfaces {
namespace {

class ServeConfigTest : public ::testing::Test {
  protected:
    std::string Write(const std::string& text) {
        const std::string path = dir_.Sub("aktenwerk.conf");
        std::ofstream(path) << text;
        return path;
    }

    test_support::TempDir dir_;
};

TEST_F(ServeConfigTest, ReadsOptionsByTheirCommandLineNames) {
    auto read =
        ReadServeConfig(Write("# comment\n! also a comment\n"
                              "data = /var/lib/aktenwerk\nlisten=127.0.0.1:9000\n"
                              "max-inhalt: 1G\nbehoerde = Stadt Musterstadt\n"
                              "demo = true\n"));
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(read->at("data"), "/var/lib/aktenwerk");
    EXPECT_EQ(read->at("listen"), "127.0.0.1:9000");
    EXPECT_EQ(read->at("max-inhalt"), "1G");
    EXPECT_EQ(read->at("behoerde"), "Stadt Musterstadt");
    EXPECT_EQ(read->at("demo"), "true");
}

TEST_F(ServeConfigTest, FlagSetToFalseIsLeftOut) {
    auto read = ReadServeConfig(Write("demo = false\n"));
    ASSERT_TRUE(read.ok());
    EXPECT_EQ(read->count("demo"), 0u);
}

TEST_F(ServeConfigTest, UnknownKeyIsAnErrorNamingIt) {
    for (const std::string text : {"lisen = 1\n", "data.dir = x\n", "config = other.conf\n"}) {
        SCOPED_TRACE(text);
        auto read = ReadServeConfig(Write(text));
        ASSERT_FALSE(read.ok());
        EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
        const std::string key = text.substr(0, text.find(' '));
        EXPECT_NE(read.status().message().find("'" + key + "'"), std::string::npos)
            << read.status().message();
    }
}

TEST_F(ServeConfigTest, ValueOfTheWrongFormIsAnErrorNamingKeyAndValue) {
    const struct {
        std::string text;
        std::string message;
    } kRows[] = {
        {"reserve = viel\n", "reserve = 'viel' must be a number of bytes"},
        {"max-inhalt = 8T\n", "max-inhalt = '8T' must be a number of bytes"},
        {"max-verbindungen = 10K\n", "max-verbindungen = '10K' must be a whole number"},
        {"header-timeout = -1\n", "header-timeout = '-1' must be a whole number"},
        {"access-log = ja bitte\n", "access-log = 'ja bitte' must be true or false"},
        {"log-level = laut\n", "log-level = 'laut' must be trace, debug"},
        {"demo = 1\n", "demo must be true or false"},
        {"listen =\n", "listen = '' has no value"},
    };
    for (const auto& row : kRows) {
        SCOPED_TRACE(row.text);
        auto read = ReadServeConfig(Write(row.text));
        ASSERT_FALSE(read.ok());
        EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
        EXPECT_NE(read.status().message().find(row.message), std::string::npos)
            << read.status().message();
        EXPECT_NE(read.status().message().find("aktenwerk.conf"), std::string::npos);
    }
}

TEST_F(ServeConfigTest, WellFormedValuesPass) {
    auto read =
        ReadServeConfig(Write("reserve = 0\nmax-inhalt = 512K\nmax-verbindungen = 64\n"
                              "access-log = false\nlog-level = warning\n"));
    ASSERT_TRUE(read.ok()) << read.status().ToString();
    EXPECT_EQ(read->at("reserve"), "0");
    EXPECT_EQ(read->at("access-log"), "false");
}

TEST_F(ServeConfigTest, MissingFileIsNotFound) {
    auto read = ReadServeConfig(dir_.Sub("gibt-es-nicht.conf"));
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.status().code(), StatusCode::kNotFound);
}

// Regression (tester): Poco's reader spun without end on a directory and read /dev/zero
// until memory ran out.
TEST_F(ServeConfigTest, DirectoryDeviceAndHugeFileAreRefusedNamingTheFile) {
    for (const std::string& path : {dir_.path(), std::string("/dev/zero")}) {
        SCOPED_TRACE(path);
        auto read = ReadServeConfig(path);
        ASSERT_FALSE(read.ok());
        EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
        EXPECT_NE(read.status().message().find("not a regular file"), std::string::npos);
    }
    auto huge = ReadServeConfig(Write(std::string(2 << 20, '#')));
    ASSERT_FALSE(huge.ok());
    EXPECT_NE(huge.status().message().find("larger than 1 MiB"), std::string::npos);
}

TEST_F(ServeConfigTest, KeySetTwiceIsRefused) {
    auto read =
        ReadServeConfig(Write("listen = 127.0.0.1:8080\n# listen = x\nlisten: 0.0.0.0:80\n"));
    ASSERT_FALSE(read.ok());
    EXPECT_EQ(read.status().code(), StatusCode::kInvalidArgument);
    EXPECT_NE(read.status().message().find("listen is set more than once"), std::string::npos);
    EXPECT_TRUE(ReadServeConfig(Write("behoerde = Stadt \\\n    listen = Teil\n")).ok());
}

}  // namespace
}  // namespace aktenwerk::interfaces
