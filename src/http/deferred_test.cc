// Long polls in the HTTP engine: a handler answering Response::later, the engine waiting
// (net::Output::kWait) and answering on wake, at its deadline, on drain and at the session's
// end — with requests pipelined behind it kept in order.
#include <gtest/gtest.h>

#include <atomic>
#include <chrono>
#include <memory>
#include <mutex>
#include <optional>
#include <string>

#include "http/engine.h"
#include "http/engine_test_util.h"

namespace sealmail::http {
namespace {

using namespace std::chrono_literals;
using net::Output;
using testing::feed;

// What the test and its deferred answers share.
struct Box {
  std::mutex mu;
  std::optional<std::string> answer;  // set by the test: the response body when it comes
  net::Waker waker;                   // the request's, as the handler got it
  int polls = 0;
  int finals = 0;
  int destroyed = 0;
};

class TestDeferred : public Deferred {
 public:
  explicit TestDeferred(std::shared_ptr<Box> box) : box_(std::move(box)) {}
  ~TestDeferred() override {
    std::lock_guard lock(box_->mu);
    ++box_->destroyed;
  }
  std::optional<Response> poll(bool final) override {
    std::lock_guard lock(box_->mu);
    ++box_->polls;
    if (final) ++box_->finals;
    if (box_->answer) return Response::text(200, *box_->answer);
    if (final) return Response::text(200, "nothing");
    return std::nullopt;
  }

 private:
  std::shared_ptr<Box> box_;
};

class DeferredTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto router = std::make_shared<Router>();
    router->add("GET", "/poll", [box = box_](const Request& r) {
      {
        std::lock_guard lock(box->mu);
        box->waker = r.waker;
      }
      int wait = std::stoi(std::string(r.query_value("wait").value_or("30000")));
      return Response::later(std::make_shared<TestDeferred>(box), std::chrono::milliseconds(wait));
    });
    router->add("GET", "/echo", [](const Request& r) { return Response::text(200, r.path); });
    engine_ = std::make_unique<HttpEngine>(router);
    net::SessionInfo session;
    session.peer_address = "192.0.2.1";
    session.waker = net::Waker([wakes = wakes_] { ++*wakes; });
    engine_->on_connect(session);
  }
  void answer(std::string body) {
    std::lock_guard lock(box_->mu);
    box_->answer = std::move(body);
  }
  int destroyed() {
    std::lock_guard lock(box_->mu);
    return box_->destroyed;
  }

  static constexpr std::string_view kPoll = "GET /poll HTTP/1.1\r\nHost: x\r\n\r\n";
  static constexpr std::string_view kEcho = "GET /echo HTTP/1.1\r\nHost: x\r\n\r\n";
  std::shared_ptr<Box> box_ = std::make_shared<Box>();
  std::shared_ptr<std::atomic<int>> wakes_ = std::make_shared<std::atomic<int>>(0);
  std::unique_ptr<HttpEngine> engine_;
};

std::string body_of(const std::string& wire) { return wire.substr(wire.find("\r\n\r\n") + 4); }

TEST_F(DeferredTest, WaitsWithoutAThreadAndAnswersWhenWoken) {
  Output out = engine_->on_data(kPoll);
  EXPECT_EQ(out.next, Output::Next::kWait);
  EXPECT_EQ(out.write, "");
  EXPECT_GT(out.timeout, 29s);
  EXPECT_LE(out.timeout, 30s);
  // The handler got the connection's waker.
  box_->waker.wake();
  EXPECT_EQ(*wakes_, 1);
  // Woken with nothing to say yet: wait on.
  out = engine_->on_wake(false);
  EXPECT_EQ(out.next, Output::Next::kWait);
  EXPECT_EQ(out.write, "");
  answer("news");
  out = engine_->on_wake(false);
  EXPECT_EQ(out.next, Output::Next::kRead);
  EXPECT_TRUE(out.write.starts_with("HTTP/1.1 200 OK\r\n")) << out.write;
  EXPECT_EQ(body_of(out.write), "news");
  EXPECT_EQ(destroyed(), 1);  // answered: nothing holds it any more
  // A late wake-up is harmless.
  out = engine_->on_wake(false);
  EXPECT_EQ(out.next, Output::Next::kRead);
  EXPECT_EQ(out.write, "");
}

TEST_F(DeferredTest, PipelinedRequestsWaitTheirTurn) {
  Output out = engine_->on_data(std::string(kEcho) + std::string(kPoll) + std::string(kEcho));
  EXPECT_EQ(out.next, Output::Next::kWait);
  EXPECT_EQ(body_of(out.write), "/echo");  // the one before the poll is answered at once
  out = engine_->on_data(kEcho);           // more while waiting: kept
  EXPECT_EQ(out.next, Output::Next::kWait);
  EXPECT_EQ(out.write, "");
  answer("news");
  out = engine_->on_wake(false);
  EXPECT_EQ(out.next, Output::Next::kRead);
  size_t news = out.write.find("news");
  size_t first = out.write.find("/echo");
  size_t second = out.write.find("/echo", first + 1);
  EXPECT_NE(news, std::string::npos);
  EXPECT_LT(news, first);
  EXPECT_NE(second, std::string::npos);
}

TEST_F(DeferredTest, TheDeadlineGivesTheFinalAnswer) {
  ASSERT_EQ(engine_->on_data(kPoll).next, Output::Next::kWait);
  Output out = engine_->on_wake(true);
  EXPECT_EQ(out.next, Output::Next::kRead);
  EXPECT_EQ(body_of(out.write), "nothing");
  EXPECT_EQ(box_->finals, 1);
}

TEST_F(DeferredTest, NoWaitAnswersAtOnce) {
  Output out = engine_->on_data("GET /poll?wait=0 HTTP/1.1\r\nHost: x\r\n\r\n");
  EXPECT_EQ(out.next, Output::Next::kRead);
  EXPECT_EQ(body_of(out.write), "nothing");
}

TEST_F(DeferredTest, DrainAnswersNowAndCloses) {
  ASSERT_EQ(engine_->on_data(std::string(kPoll) + std::string(kEcho)).next, Output::Next::kWait);
  net::Engine::ShutdownReply reply = engine_->on_shutdown();
  EXPECT_TRUE(reply.close_now);
  EXPECT_EQ(body_of(reply.write), "nothing");
  EXPECT_NE(reply.write.find("Connection: close\r\n"), std::string::npos);
  EXPECT_EQ(reply.write.find("/echo"), std::string::npos);  // the pipelined one is dropped
}

TEST_F(DeferredTest, ARequestArrivingWhileDrainingIsAnsweredAtOnce) {
  ASSERT_EQ(engine_->on_data("GET /poll HTTP/1.1\r\nHost: x\r\n").next, Output::Next::kRead);
  EXPECT_FALSE(engine_->on_shutdown().close_now);  // in the middle of a request
  // The transport will not call on_shutdown again: the poll must not wait.
  Output out = engine_->on_data("\r\n");
  EXPECT_EQ(out.next, Output::Next::kClose);
  EXPECT_EQ(body_of(out.write), "nothing");
}

TEST_F(DeferredTest, TheSessionsEndGivesTheFinalAnswer) {
  ASSERT_EQ(engine_->on_data(kPoll).next, Output::Next::kWait);
  std::string last = engine_->on_timeout();
  EXPECT_EQ(body_of(last), "nothing");
  EXPECT_NE(last.find("Connection: close\r\n"), std::string::npos);
}

TEST_F(DeferredTest, ConnectionCloseRequestClosesAfterTheAnswer) {
  Output out = engine_->on_data("GET /poll HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n");
  ASSERT_EQ(out.next, Output::Next::kWait);
  answer("news");
  out = engine_->on_wake(false);
  EXPECT_EQ(out.next, Output::Next::kClose);
  EXPECT_EQ(body_of(out.write), "news");
}

TEST_F(DeferredTest, TheEngineGoingAwayReleasesTheDeferred) {
  ASSERT_EQ(engine_->on_data(kPoll).next, Output::Next::kWait);
  EXPECT_EQ(destroyed(), 0);
  engine_.reset();  // the peer closed
  EXPECT_EQ(destroyed(), 1);
  box_->waker.wake();  // still safe
}

TEST_F(DeferredTest, AFloodBehindAPendingRequestCloses) {
  HttpLimits limits;
  ASSERT_EQ(engine_->on_data(kPoll).next, Output::Next::kWait);
  std::string flood(limits.max_header_bytes + limits.max_body_bytes + 1, 'x');
  Output out = engine_->on_data(flood);
  EXPECT_EQ(out.next, Output::Next::kClose);
  EXPECT_EQ(destroyed(), 1);
}

}  // namespace
}  // namespace sealmail::http
