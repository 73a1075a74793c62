// wait_events against the sealmail HTTP engine over TLS: batches parsed and checked, and a
// real long poll — the server holds the request (http::Deferred) until another thread wakes it.
#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include <gtest/gtest.h>

#include <chrono>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>

#include "base/base64.h"
#include "client/api_client.h"
#include "client/events.h"
#include "client/https_client.h"
#include "client/test_util.h"
#include "http/engine.h"
#include "http/router.h"
#include "net/listener.h"
#include "net/tls.h"

namespace sealmail::client {
namespace {

using namespace std::chrono_literals;
using nlohmann::json;
using testing::IoThreads;
using testing::TempDir;

constexpr auto kWait = 10s;

// The held request's answer, given by the test thread.
struct Held {
  std::mutex mu;
  std::optional<std::string> body;
  net::Waker waker;
  std::promise<void> waiting;  // set when the server starts holding the request
};

class HeldDeferred : public http::Deferred {
 public:
  explicit HeldDeferred(std::shared_ptr<Held> held) : held_(std::move(held)) {}
  std::optional<http::Response> poll(bool final) override {
    std::lock_guard lock(held_->mu);
    if (held_->body) return http::Response::text(200, *held_->body, "application/json");
    if (final)
      return http::Response::text(200, R"({"events":[],"cursor":5,"more":false})",
                                  "application/json");
    return std::nullopt;
  }

 private:
  std::shared_ptr<Held> held_;
};

std::shared_ptr<const http::Router> router(std::shared_ptr<Held> held) {
  auto r = std::make_shared<http::Router>();
  r->add("GET", "/api/v1/events", [held](const http::Request& request) {
    std::string cursor(request.query_value("cursor").value_or(""));
    if (cursor == "0") {
      json body{{"events",
                 {{{"cursor", 1},
                   {"kind", "message.created"},
                   {"created_ms", 10},
                   {"payload", {{"id", "m1"}, {"folder", "inbox"}}}},
                  {{"cursor", 3},
                   {"kind", "x.binary"},
                   {"created_ms", 11},
                   {"payload_base64", base64_encode(std::string("\x00\x01", 2))}}}},
                {"cursor", 3},
                {"more", true}};
      return http::Response::json(200, body);
    }
    if (cursor == "5") {
      {
        std::lock_guard lock(held->mu);
        held->waker = request.waker;
      }
      held->waiting.set_value();
      return http::Response::later(std::make_shared<HeldDeferred>(held), 30s);
    }
    // Anything else: a server that sends a cursor going backwards.
    return http::Response::json(
        200, {{"events", {{{"cursor", 1}, {"kind", "k"}, {"created_ms", 1}, {"payload", 1}}}},
              {"cursor", 1},
              {"more", false}});
  });
  return r;
}

class EventsClientTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_TRUE(net::generate_self_signed_certificate("localhost", cert_, key_).ok());
    auto tls = net::TlsContextProvider::load(cert_, key_);
    ASSERT_TRUE(tls.ok());
    net::ListenerOptions options;
    options.name = "events-client-test";
    options.tls = net::ListenerOptions::Tls::kImplicit;
    auto listener =
        net::Listener::create(io_.context().get_executor(), options,
                              std::make_shared<http::HttpEngineFactory>(router(held_)), *tls);
    ASSERT_TRUE(listener.ok());
    listener_ = *listener;
    listener_->start();
    HttpsOptions https;
    https.server = "https://localhost:" + std::to_string(listener_->local_endpoint().port());
    https.known_servers = dir_.path() / "known_servers";
    auto client = HttpsClient::create(https);
    ASSERT_TRUE(client.ok());
    api_.emplace(std::move(client).value(), https.server);
    api_->set_tokens(SessionTokens{"s", "access", "refresh", "full"});
  }
  void TearDown() override {
    auto drained = std::make_shared<std::promise<void>>();
    auto done = drained->get_future();
    listener_->async_wait_drained([drained] { drained->set_value(); });
    listener_->begin_drain(0ms);
    EXPECT_EQ(done.wait_for(kWait), std::future_status::ready);
  }

  TempDir dir_;
  std::filesystem::path cert_ = dir_.path() / "server.crt";
  std::filesystem::path key_ = dir_.path() / "server.key";
  std::shared_ptr<Held> held_ = std::make_shared<Held>();
  IoThreads io_{2};
  std::shared_ptr<net::Listener> listener_;
  std::optional<ApiClient> api_;
};

TEST_F(EventsClientTest, ParsesABatch) {
  auto batch = wait_events(*api_, 0);
  ASSERT_TRUE(batch.ok()) << batch.error().describe();
  ASSERT_EQ(batch->events.size(), 2u);
  EXPECT_EQ(batch->events[0].cursor, 1);
  EXPECT_EQ(batch->events[0].kind, "message.created");
  EXPECT_EQ(batch->events[0].payload["folder"], "inbox");
  EXPECT_FALSE(batch->events[0].binary);
  EXPECT_TRUE(batch->events[1].binary);
  EXPECT_EQ(batch->events[1].payload_bytes, std::string("\x00\x01", 2));
  EXPECT_EQ(batch->cursor, 3);
  EXPECT_TRUE(batch->more);
  EXPECT_EQ(to_json(batch->events[1])["payload_base64"], base64_encode(std::string("\x00\x01", 2)));
}

TEST_F(EventsClientTest, RefusesCursorsThatGoBackwards) {
  auto batch = wait_events(*api_, 7);
  ASSERT_FALSE(batch.ok());
  EXPECT_EQ(batch.error().code, Errc::kInvalidArgument);
}

TEST_F(EventsClientTest, ALongPollOverTlsAnswersWhenWoken) {
  std::thread waker([held = held_] {
    if (held->waiting.get_future().wait_for(kWait) != std::future_status::ready) return;
    {
      std::lock_guard lock(held->mu);
      held->body =
          R"({"events":[{"cursor":6,"kind":"k","created_ms":1,"payload":{}}],"cursor":6,"more":false})";
    }
    held->waker.wake();
  });
  auto start = std::chrono::steady_clock::now();
  auto batch = wait_events(*api_, 5, 20s);
  waker.join();
  ASSERT_TRUE(batch.ok()) << batch.error().describe();
  ASSERT_EQ(batch->events.size(), 1u);
  EXPECT_EQ(batch->cursor, 6);
  EXPECT_LT(std::chrono::steady_clock::now() - start, 5s);
}

}  // namespace
}  // namespace sealmail::client
