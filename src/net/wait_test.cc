// Engines that answer later (Output::kWait, Engine::on_wake, SessionInfo::waker): woken from
// another thread, by their own deadline, by drain, and the peer leaving while they wait —
// none of it holding an engine thread.
#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>
#include <condition_variable>
#include <future>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/thread_pool.hpp>

#include "net/listener.h"
#include "net/test_support.h"

namespace sealmail::net {
namespace {

using namespace std::chrono_literals;
using testing::IoThreads;
using testing::TestClient;
using Clock = std::chrono::steady_clock;

// Shared by the test and its engines. Guarded by mu.
struct WaitLog {
  std::mutex mu;
  std::condition_variable cv;
  std::vector<Waker> wakers;  // one per connection, in connection order
  int waiting = 0;            // engines inside a wait now
  int destroyed = 0;
  int wakes = 0;     // on_wake(false) calls
  int spurious = 0;  // ... that found nothing to do
  int shutdowns = 0;
  bool ready = false;  // what the waiters wait for

  template <typename Change>
  void record(Change change) {
    {
      std::lock_guard lock(mu);
      change(*this);
    }
    cv.notify_all();
  }
  template <typename Done>
  bool wait_until(Done done, std::chrono::milliseconds timeout = testing::kWait) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, timeout, [&] { return done(*this); });
  }
  Waker waker(size_t i) {
    std::lock_guard lock(mu);
    return i < wakers.size() ? wakers[i] : Waker();
  }
};

// "hello" on connect; "ECHO x" → "x"; "WAIT ms" → "waiting", then "woken" once the test has
// set `ready` and woken it, or "expired" after ms; "WAITSELF ms" calls its own waker before
// it waits (a notifier firing between the engine's last look and its kWait). Lines that
// arrive while waiting are kept and answered after the wait. On drain a waiting engine says
// "drained" and closes; an idle one just closes.
class WaitEngine : public Engine {
 public:
  explicit WaitEngine(std::shared_ptr<WaitLog> log) : log_(std::move(log)) {}
  ~WaitEngine() override {
    log_->record([&](WaitLog& l) {
      ++l.destroyed;
      if (waiting_) --l.waiting;
    });
  }

  Output on_connect(const SessionInfo& session) override {
    waker_ = session.waker;
    log_->record([&](WaitLog& l) { l.wakers.push_back(session.waker); });
    return Output::read("hello\r\n");
  }

  Output on_data(std::string_view bytes) override {
    buffer_.append(bytes);
    if (waiting_) return Output::wait("", remaining());
    return run_lines("");
  }

  Output on_wake(bool deadline_passed) override {
    if (!waiting_) return Output::read();
    bool ready = false;
    log_->record([&](WaitLog& l) {
      if (!deadline_passed) ++l.wakes;
      ready = l.ready;
      if (!deadline_passed && !ready) ++l.spurious;
    });
    if (!deadline_passed && !ready) return Output::wait("", remaining());
    end_wait();
    return run_lines(deadline_passed ? "expired\r\n" : "woken\r\n");
  }

  std::string on_timeout() override { return "timeout\r\n"; }

  ShutdownReply on_shutdown() override {
    log_->record([](WaitLog& l) { ++l.shutdowns; });
    if (waiting_) {
      end_wait();
      return {"drained\r\n", true};
    }
    return {"", true};
  }

 private:
  std::chrono::milliseconds remaining() const {
    return std::max(
        0ms, std::chrono::duration_cast<std::chrono::milliseconds>(deadline_ - Clock::now()));
  }
  void end_wait() {
    waiting_ = false;
    log_->record([](WaitLog& l) { --l.waiting; });
  }

  Output run_lines(std::string out) {
    size_t end;
    while ((end = buffer_.find("\r\n")) != std::string::npos) {
      std::string line = buffer_.substr(0, end);
      buffer_.erase(0, end + 2);
      if (line.starts_with("ECHO ")) {
        out += line.substr(5) + "\r\n";
      } else if (line.starts_with("WAIT ") || line.starts_with("WAITSELF ")) {
        bool self = line.starts_with("WAITSELF ");
        auto ms = std::chrono::milliseconds(std::stoi(line.substr(line.find(' ') + 1)));
        waiting_ = true;
        deadline_ = Clock::now() + ms;
        log_->record([](WaitLog& l) { ++l.waiting; });
        if (self) waker_.wake();
        return Output::wait(out + "waiting\r\n", ms);
      } else {
        out += "unknown\r\n";
      }
    }
    return Output::read(std::move(out));
  }

  std::shared_ptr<WaitLog> log_;
  Waker waker_;
  std::string buffer_;
  bool waiting_ = false;
  Clock::time_point deadline_;
};

class WaitEngineFactory : public EngineFactory {
 public:
  explicit WaitEngineFactory(std::shared_ptr<WaitLog> log) : log_(std::move(log)) {}
  std::unique_ptr<Engine> create() override { return std::make_unique<WaitEngine>(log_); }
  std::string refusal(Refusal) override { return "refused\r\n"; }

 private:
  std::shared_ptr<WaitLog> log_;
};

// A listener whose engines run on a pool of ONE thread: if a waiting engine held it, nothing
// else could be served.
class WaitTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ListenerOptions options;
    options.name = "wait";
    options.idle_timeout = 10s;
    options.session_timeout = 60s;
    options.engine_executor = pool_.get_executor();
    auto created = Listener::create(io_.context().get_executor(), options,
                                    std::make_shared<WaitEngineFactory>(log_));
    ASSERT_TRUE(created.ok()) << created.error().describe();
    listener_ = *created;
    listener_->start();
  }
  void TearDown() override {
    if (!drained_) drain(0ms);
    EXPECT_TRUE(drained_);
  }
  void drain(std::chrono::milliseconds deadline) {
    auto done = std::make_shared<std::promise<void>>();
    auto future = done->get_future();
    listener_->async_wait_drained([done] { done->set_value(); });
    listener_->begin_drain(deadline);
    drained_ = future.wait_for(testing::kWait) == std::future_status::ready;
  }
  std::unique_ptr<TestClient> connect() {
    auto client = TestClient::connect(listener_->local_endpoint().port());
    if (client == nullptr || client->read_until("\r\n") != "hello\r\n") {
      ADD_FAILURE() << "no greeting";
      return nullptr;
    }
    return client;
  }
  std::unique_ptr<TestClient> connect_and_wait(std::string_view command = "WAIT 30000") {
    auto client = connect();
    if (client == nullptr) return nullptr;
    EXPECT_TRUE(client->send(std::string(command) + "\r\n"));
    EXPECT_EQ(client->read_until("\r\n"), "waiting\r\n");
    return client;
  }

  std::shared_ptr<WaitLog> log_ = std::make_shared<WaitLog>();
  boost::asio::thread_pool pool_{1};
  IoThreads io_{2};
  std::shared_ptr<Listener> listener_;
  bool drained_ = false;
};

TEST_F(WaitTest, WokenFromAnotherThreadWhileOthersAreServed) {
  std::vector<std::unique_ptr<TestClient>> waiters;
  for (int i = 0; i < 3; ++i) {
    waiters.push_back(connect_and_wait());
    ASSERT_NE(waiters.back(), nullptr);
  }
  ASSERT_TRUE(log_->wait_until([](const WaitLog& l) { return l.waiting == 3; }));
  // Three engines wait, the pool has one thread: it is free all the same.
  auto other = connect();
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->send("ECHO free\r\n"));
  EXPECT_EQ(other->read_until("\r\n", 2s), "free\r\n");

  // A wake-up with nothing to do is harmless: the engine goes on waiting.
  log_->waker(0).wake();
  ASSERT_TRUE(log_->wait_until([](const WaitLog& l) { return l.spurious == 1; }));

  auto start = Clock::now();
  log_->record([](WaitLog& l) { l.ready = true; });
  std::thread([waker = log_->waker(1)] { waker.wake(); }).join();
  EXPECT_EQ(waiters[1]->read_until("\r\n", 2s), "woken\r\n");
  EXPECT_LT(Clock::now() - start, 1s);
  // The connection goes on after the wait.
  ASSERT_TRUE(waiters[1]->send("ECHO after\r\n"));
  EXPECT_EQ(waiters[1]->read_until("\r\n"), "after\r\n");
  EXPECT_EQ(log_->wait_until([](const WaitLog& l) { return l.waiting == 2; }), true);
}

TEST_F(WaitTest, AWakeBeforeTheWaitIsNotLost) {
  log_->record([](WaitLog& l) { l.ready = true; });
  auto client = connect();
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->send("WAITSELF 30000\r\n"));
  EXPECT_EQ(client->read_until("woken\r\n", 2s), "waiting\r\nwoken\r\n");
}

TEST_F(WaitTest, TheEnginesDeadlineEndsTheWait) {
  auto client = connect();
  ASSERT_NE(client, nullptr);
  auto start = Clock::now();
  ASSERT_TRUE(client->send("WAIT 200\r\n"));
  EXPECT_EQ(client->read_until("expired\r\n"), "waiting\r\nexpired\r\n");
  auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 3s);
}

TEST_F(WaitTest, BytesWhileWaitingAreAnsweredAfterTheWait) {
  auto client = connect_and_wait("WAIT 300");
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->send("ECHO queued\r\n"));
  EXPECT_EQ(client->read_until("queued\r\n"), "expired\r\nqueued\r\n");
}

TEST_F(WaitTest, PeerClosingEndsTheWait) {
  auto client = connect_and_wait();
  ASSERT_NE(client, nullptr);
  client.reset();
  // The engine goes long before its 30 s wait would have ended.
  EXPECT_TRUE(log_->wait_until([](const WaitLog& l) { return l.destroyed == 1; }, 3s));
  EXPECT_EQ(listener_->connection_count(), 0u);
  // Waking it now does nothing.
  log_->waker(0).wake();
}

TEST_F(WaitTest, DrainAnswersTheWaitAndClosesPromptly) {
  auto client = connect_and_wait();
  ASSERT_NE(client, nullptr);
  auto start = Clock::now();
  drain(20s);
  EXPECT_TRUE(drained_);
  EXPECT_EQ(client->read_to_eof(), "drained\r\n");
  EXPECT_TRUE(client->eof());
  EXPECT_LT(Clock::now() - start, 3s);
  EXPECT_EQ(log_->wait_until([](const WaitLog& l) { return l.shutdowns == 1; }), true);
}

TEST(WaitSession, SessionTimeoutEndsAWaitWithTheLastWords) {
  auto log = std::make_shared<WaitLog>();
  IoThreads io(1);
  ListenerOptions options;
  options.name = "wait";
  options.idle_timeout = 10s;
  options.session_timeout = 300ms;
  auto listener = Listener::create(io.context().get_executor(), options,
                                   std::make_shared<WaitEngineFactory>(log));
  ASSERT_TRUE(listener.ok());
  (*listener)->start();
  auto client = TestClient::connect((*listener)->local_endpoint().port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->send("WAIT 30000\r\n"));
  EXPECT_EQ(client->read_to_eof(), "hello\r\nwaiting\r\ntimeout\r\n");
  EXPECT_TRUE(client->eof());
  (*listener)->begin_drain(0ms);
}

}  // namespace
}  // namespace sealmail::net
