#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include <gtest/gtest.h>

#include <cerrno>
#include <chrono>
#include <future>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "net/listener.h"
#include "net/test_support.h"

namespace sealmail::net {
namespace {

using namespace std::chrono_literals;
using testing::EngineLog;
using testing::TempDir;
using testing::TestClient;
using testing::TestServer;
using Clock = std::chrono::steady_clock;

ListenerOptions options() {
  ListenerOptions options;
  options.name = "drain";
  options.idle_timeout = 10s;
  options.session_timeout = 30s;
  return options;
}

std::unique_ptr<TestClient> connect_and_greet(const TestServer& server) {
  auto client = TestClient::connect(server.port());
  if (client == nullptr || client->read_until("\r\n") != "hello\r\n") {
    ADD_FAILURE() << "no greeting";
    return nullptr;
  }
  return client;
}

TEST(Drain, IdleClosesNowBusyFinishesItsExchange) {
  auto server = TestServer::start(options());
  ASSERT_NE(server, nullptr);
  auto idle = connect_and_greet(*server);
  auto busy = connect_and_greet(*server);
  ASSERT_NE(idle, nullptr);
  ASSERT_NE(busy, nullptr);
  ASSERT_TRUE(busy->send("BEGIN\r\n"));
  EXPECT_EQ(busy->read_until("\r\n"), "begun\r\n");

  auto drained = server->drained_waiter();
  server->listener->begin_drain(10s);

  EXPECT_EQ(idle->read_to_eof(), "draining\r\n");
  EXPECT_TRUE(idle->eof());
  idle.reset();
  ASSERT_TRUE(server->log->wait_until([](const EngineLog& l) { return l.shutdowns == 2; }));

  // No longer accepting.
  int error = 0;
  EXPECT_EQ(TestClient::connect(server->port(), "127.0.0.1", &error), nullptr);
  EXPECT_EQ(error, ECONNREFUSED);

  // The busy session goes on until the engine closes it at the end of its exchange.
  EXPECT_FALSE(drained(0ms));
  ASSERT_TRUE(busy->send("ECHO still\r\n"));
  EXPECT_EQ(busy->read_until("\r\n"), "still\r\n");
  ASSERT_TRUE(busy->send("END\r\n"));
  EXPECT_EQ(busy->read_to_eof(), "end-bye\r\n");
  EXPECT_TRUE(busy->eof());
  busy.reset();
  EXPECT_TRUE(drained(testing::kWait));
  EXPECT_EQ(server->listener->connection_count(), 0u);
  EXPECT_EQ(server->log->read<int>([](const EngineLog& l) { return l.destroyed; }), 2);
}

TEST(Drain, DeadlineClosesWhatIsLeft) {
  auto server = TestServer::start(options());
  ASSERT_NE(server, nullptr);
  auto busy = connect_and_greet(*server);
  ASSERT_NE(busy, nullptr);
  ASSERT_TRUE(busy->send("BEGIN\r\n"));
  EXPECT_EQ(busy->read_until("\r\n"), "begun\r\n");

  auto drained = server->drained_waiter();
  auto start = Clock::now();
  server->listener->begin_drain(200ms);
  EXPECT_EQ(busy->read_to_eof(), "");  // closed without further words
  EXPECT_TRUE(busy->eof());
  auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 3s);
  EXPECT_TRUE(drained(testing::kWait));
  EXPECT_EQ(server->log->read<int>([](const EngineLog& l) { return l.shutdowns; }), 1);
}

TEST(Drain, WithoutConnectionsCompletesAtOnceAndCanBeAwaited) {
  auto server = TestServer::start(options());
  ASSERT_NE(server, nullptr);
  std::promise<void> done;
  boost::asio::co_spawn(
      server->io.context(),
      [&]() -> boost::asio::awaitable<void> {
        co_await server->listener->async_wait_drained(boost::asio::use_awaitable);
        done.set_value();
      },
      boost::asio::detached);
  auto future = done.get_future();
  EXPECT_EQ(future.wait_for(100ms), std::future_status::timeout);  // not draining yet
  server->listener->begin_drain(10s);
  EXPECT_EQ(future.wait_for(testing::kWait), std::future_status::ready);
  // Asked again after the fact, it completes too.
  EXPECT_TRUE(server->drained_waiter()(testing::kWait));
}

TEST(Drain, ConnectionDuringStartTlsIsDrainedAfterTheHandshake) {
  TempDir dir;
  ASSERT_TRUE(
      generate_self_signed_certificate("a.test", dir.path() / "c.crt", dir.path() / "c.key").ok());
  auto provider = TlsContextProvider::load(dir.path() / "c.crt", dir.path() / "c.key");
  ASSERT_TRUE(provider.ok());
  ListenerOptions starttls = options();
  starttls.tls = ListenerOptions::Tls::kStartTls;
  auto server = TestServer::start(starttls, *provider);
  ASSERT_NE(server, nullptr);
  auto client = connect_and_greet(*server);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->send("STARTTLS\r\n"));
  EXPECT_EQ(client->read_until("\r\n"), "go\r\n");
  // The server now waits for our ClientHello; drain meanwhile.
  auto drained = server->drained_waiter();
  server->listener->begin_drain(10s);
  ASSERT_TRUE(client->start_tls());
  EXPECT_EQ(client->read_to_eof(), "draining\r\n");
  EXPECT_TRUE(client->eof());
  client.reset();
  EXPECT_TRUE(drained(testing::kWait));
}

}  // namespace
}  // namespace sealmail::net
