// Graceful shutdown on SIGTERM: idle keep-alive connections do not hold the server up, a
// request in flight is finished, and the process exits with 0.
#include <signal.h>

#include <chrono>
#include <string>
#include <thread>

#include "tests/e2e/e2e_fixture.h"

namespace aktenwerk::e2e {
namespace {

using test_support::RawConnection;

// Bounded poll for `done`.
template <typename Predicate>
bool WaitFor(Predicate done, std::chrono::milliseconds timeout) {
    auto deadline = std::chrono::steady_clock::now() + timeout;
    while (!done()) {
        if (std::chrono::steady_clock::now() >= deadline) return false;
        std::this_thread::sleep_for(std::chrono::milliseconds(2));
    }
    return true;
}

class ShutdownTest : public E2eTest {};

TEST_F(ShutdownTest, SigtermWithIdleKeepAliveConnectionsExitsWithZero) {
    ASSERT_TRUE(StartServer());
    auto idle = NewClient();
    ASSERT_EQ(idle->Get("/api/v1/aktenplan").status, 200);
    ASSERT_TRUE(idle->connected()) << "the connection should be kept alive";
    RawConnection silent;  // connected, never sent a byte
    ASSERT_TRUE(silent.Connect(server().host(), server().port()));

    // Far below the server's 60 s idle timeout: the idle connections must not delay the exit.
    auto code = server().Stop(std::chrono::seconds(5));
    ASSERT_TRUE(code.has_value()) << "no exit within 5 s of SIGTERM\n" << server().log_text();
    EXPECT_EQ(*code, 0) << server().log_text();
    EXPECT_TRUE(silent.WaitForPeerClose(std::chrono::seconds(1)));
    EXPECT_EQ(idle->Get("/api/v1/aktenplan").status, 0) << "the server is gone";
}

TEST_F(ShutdownTest, SigtermLetsAnUploadInFlightFinish) {
    ASSERT_TRUE(StartServer());
    Ablage a = CreateAblage();
    ASSERT_FALSE(a.vorgang_id.empty());

    RawConnection upload;
    ASSERT_TRUE(upload.Connect(server().host(), server().port()));
    const std::string half(1000, 'h');
    ASSERT_TRUE(upload.Write("POST /api/v1/dokumente?parent_id=" + a.vorgang_id +
                             "&dateiname=Spaet.txt HTTP/1.1\r\nHost: 127.0.0.1\r\nAuthorization: " +
                             test_support::BasicAuth("admin", server().admin_password()) +
                             "\r\nContent-Type: text/plain\r\nContent-Length: 2000\r\n\r\n" +
                             half));
    // The handler has started once its temporary blob file exists.
    ASSERT_TRUE(WaitFor([&] { return !TmpFilesOnDisk().empty(); }, std::chrono::seconds(10)));

    ::kill(server().pid(), SIGTERM);
    ASSERT_TRUE(
        WaitFor([&] { return server().log_text().find("shutdown requested") != std::string::npos; },
                std::chrono::seconds(10)))
        << server().log_text();
    ASSERT_TRUE(upload.Write(half));
    std::string answer = upload.ReadUntilClose(std::chrono::seconds(10));
    EXPECT_EQ(answer.rfind("HTTP/1.1 201", 0), 0u) << answer;

    auto code = server().WaitForExit(std::chrono::seconds(10));
    ASSERT_TRUE(code.has_value()) << server().log_text();
    EXPECT_EQ(*code, 0);

    // Stored for good: it is there after a restart.
    ASSERT_TRUE(server().Start());
    ReconnectApi();
    json inhalt = Children("/api/v1/vorgaenge/" + a.vorgang_id + "/inhalt");
    ASSERT_EQ(inhalt.size(), 1u);
    EXPECT_EQ(Download(inhalt[0]["id"]).body, half + half);
}

}  // namespace
}  // namespace aktenwerk::e2e
