// test_support.h — test-only helpers for net/ tests: a line-based Engine that records what it
// saw, a blocking test client (plain or TLS, every wait bounded), io_context threads, temp dirs.
//
// Thread-safety: EngineLog is safe from any thread; the rest belongs to one test thread.
#pragma once

#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include <chrono>
#include <condition_variable>
#include <filesystem>
#include <functional>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include <openssl/ssl.h>
#include <boost/asio/executor_work_guard.hpp>
#include <boost/asio/io_context.hpp>

#include "net/engine.h"
#include "net/listener.h"
#include "base/testing/temp_dir.h"

namespace sealmail::net::testing {

using namespace std::chrono_literals;

// Every wait in these tests is bounded by this unless a test says otherwise.
inline constexpr std::chrono::milliseconds kWait = 5s;

// What the engines of one factory saw. Guarded by mu_.
class EngineLog {
 public:
  void record(const std::function<void(EngineLog&)>& change);
  // Waits until `done(*this)` holds or `timeout` passes; returns whether it holds.
  bool wait_until(const std::function<bool(const EngineLog&)>& done,
                  std::chrono::milliseconds timeout = kWait);
  template <typename T>
  T read(const std::function<T(const EngineLog&)>& get) {
    std::lock_guard lock(mu_);
    return get(*this);
  }

  int created = 0;
  int destroyed = 0;
  int shutdowns = 0;
  std::vector<std::string> executed;  // every command line an engine acted on
  std::string input;                  // every byte fed to on_data, all connections
  std::string fed_during_starttls;    // bytes fed between kStartTls and on_tls_established
  int holding = 0;                    // engines that entered "HOLD"
  int held = 0;                       // engines that left it
  bool released = false;              // set by the test to let "HOLD" return

 private:
  std::mutex mu_;
  std::condition_variable cv_;
};

// "hello\r\n" on connect; per line: "ECHO x" → "x", "TLS?" → "tls=0|1", "STARTTLS" → "go"
// then TLS, "HOLD" blocks inside on_data until the test sets EngineLog::released, then "held",
// "BEGIN"/"END" bracket a busy exchange, "QUIT" → "bye" and close. On drain an idle
// engine says "draining" and closes now; a busy one closes with "end-bye" after "END".
// Timeout: "timeout". Input behind STARTTLS or QUIT is dropped, as the Engine contract says.
class LineEngine : public Engine {
 public:
  explicit LineEngine(std::shared_ptr<EngineLog> log);
  ~LineEngine() override;
  Output on_connect(const SessionInfo& session) override;
  Output on_data(std::string_view bytes) override;
  Output on_tls_established() override;
  std::string on_timeout() override { return "timeout\r\n"; }
  ShutdownReply on_shutdown() override;

 private:
  std::shared_ptr<EngineLog> log_;
  std::string buffer_;
  bool tls_ = false;
  bool starting_tls_ = false;
  bool busy_ = false;
  bool shutting_down_ = false;
};

class LineEngineFactory : public EngineFactory {
 public:
  explicit LineEngineFactory(std::shared_ptr<EngineLog> log) : log_(std::move(log)) {}
  std::unique_ptr<Engine> create() override { return std::make_unique<LineEngine>(log_); }
  // "refused:<0|1|2|3>\r\n" in the order of the Refusal enum.
  std::string refusal(Refusal why) override;

 private:
  std::shared_ptr<EngineLog> log_;
};

// An io_context run by `threads` threads until destruction.
class IoThreads {
 public:
  explicit IoThreads(int threads);
  ~IoThreads();
  boost::asio::io_context& context() { return context_; }

 private:
  boost::asio::io_context context_;
  boost::asio::executor_work_guard<boost::asio::io_context::executor_type> guard_;
  std::vector<std::thread> threads_;
};

// A listener with a LineEngineFactory on its own io threads; drains (deadline 0) and stops
// on destruction.
struct TestServer {
  static std::unique_ptr<TestServer> start(ListenerOptions options,
                                           std::shared_ptr<TlsContextProvider> tls = {});
  ~TestServer();
  uint16_t port() const { return listener->local_endpoint().port(); }
  // Calls async_wait_drained with a callback; the returned function waits up to `timeout`.
  std::function<bool(std::chrono::milliseconds)> drained_waiter();

  IoThreads io{2};
  std::shared_ptr<EngineLog> log = std::make_shared<EngineLog>();
  std::shared_ptr<Listener> listener;
};

class TestClient {
 public:
  // Connects to 127.0.0.1:port from `source` (any 127/8 address). Null on failure, with the
  // errno in *error if given.
  static std::unique_ptr<TestClient> connect(uint16_t port, const char* source = "127.0.0.1",
                                             int* error = nullptr);
  ~TestClient();

  bool send(std::string_view bytes);
  bool send_byte_at_a_time(std::string_view bytes);
  // Reads until `needle` has arrived (returning everything up to and including it), or EOF or
  // `timeout` (returning what arrived; the caller's comparison then fails).
  std::string read_until(std::string_view needle, std::chrono::milliseconds timeout = kWait);
  // Reads until EOF or timeout; eof() tells which.
  std::string read_to_eof(std::chrono::milliseconds timeout = kWait);
  bool eof() const { return eof_; }

  // TLS client handshake over the connection (no certificate verification). max_version
  // 0 = the default; otherwise e.g. TLS1_1_VERSION.
  bool start_tls(int max_version = 0);
  // SHA-256 of the server's certificate, hex; "" without TLS.
  std::string peer_fingerprint() const;

 private:
  explicit TestClient(int fd) : fd_(fd) {}
  // One read with the given timeout: >0 bytes, 0 on EOF, -1 on timeout or error.
  long read_once(char* buffer, size_t size, std::chrono::milliseconds timeout);
  void set_timeouts(std::chrono::milliseconds timeout);

  int fd_;
  SSL_CTX* ctx_ = nullptr;
  SSL* ssl_ = nullptr;
  std::string pending_;
  bool eof_ = false;
};

using ::sealmail::testing::TempDir;

// SHA-256 of the first certificate in a PEM file, hex; "" if unreadable.
std::string file_fingerprint(const std::filesystem::path& cert_pem);

bool write_file(const std::filesystem::path& path, std::string_view content);

}  // namespace sealmail::net::testing
