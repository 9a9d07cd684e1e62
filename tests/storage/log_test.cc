#include "storage/log.h"

#include <iostream>
#include <sstream>
#include <string>
#include <thread>

#include <gtest/gtest.h>

namespace aktenwerk::log {
namespace {

// Captures what the facade writes (Poco's console channel writes to std::clog).
class LogTest : public ::testing::Test {
  protected:
    void SetUp() override {
        Init(Level::kInfo);
        saved_ = std::clog.rdbuf(captured_.rdbuf());
    }
    void TearDown() override { std::clog.rdbuf(saved_); }

    std::string Captured() const { return captured_.str(); }

  private:
    std::ostringstream captured_;
    std::streambuf* saved_ = nullptr;
};

TEST_F(LogTest, ScopedFieldsFollowEveryLineOfTheThreadWhileTheyLive) {
    const Logger logger("test");
    {
        ScopedFields request("request_id=r-1");
        logger.Info("first event", "a=1");
        {
            ScopedFields inner("user=meier");
            logger.Info("second event");
        }
        logger.Info("third event");
    }
    logger.Info("after the request");
    const std::string text = Captured();
    EXPECT_NE(text.find("first event a=1 request_id=r-1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("second event request_id=r-1 user=meier\n"), std::string::npos) << text;
    EXPECT_NE(text.find("third event request_id=r-1\n"), std::string::npos) << text;
    EXPECT_NE(text.find("after the request\n"), std::string::npos) << text;
}

TEST_F(LogTest, ScopedFieldsOfOneThreadDoNotReachAnother) {
    const Logger logger("test");
    ScopedFields request("request_id=r-2");
    std::thread([&logger] { logger.Info("from another thread"); }).join();
    EXPECT_NE(Captured().find("from another thread\n"), std::string::npos) << Captured();
}

}  // namespace
}  // namespace aktenwerk::log
