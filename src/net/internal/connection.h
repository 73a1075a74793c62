// connection.h — one accepted socket: the coroutine that carries out an Engine's Outputs, and
// the watchdog that enforces its deadlines. Internal to net/; the Listener creates these.
//
// Thread-safety: everything below runs on the connection's strand (the executor of the
// socket). request_drain(), force_close() and the engine's Waker may be called from any
// thread; they post onto that strand.
#pragma once

#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <type_traits>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>

#include "net/engine.h"
#include "net/listener.h"
#include "net/tls.h"

namespace sealmail::net::internal {

// The textual address a peer is counted and logged under (IPv4-mapped IPv6 as IPv4).
std::string peer_ip(const boost::asio::ip::tcp::endpoint& endpoint);

class Connection : public std::enable_shared_from_this<Connection> {
 public:
  using Clock = std::chrono::steady_clock;

  // `socket` must have been accepted onto its own strand. With `refusal` set, the connection
  // writes factory->refusal(*refusal) (after the handshake on an implicit-TLS listener) and
  // closes; no engine is created. `on_destroy` runs in the destructor (the listener's
  // accounting).
  Connection(uint64_t id, boost::asio::ip::tcp::socket socket, const ListenerOptions& options,
             std::shared_ptr<EngineFactory> factory, std::shared_ptr<TlsContextProvider> tls,
             std::optional<EngineFactory::Refusal> refusal, std::function<void()> on_destroy);
  ~Connection();

  void start();
  void request_drain();
  void force_close();

 private:
  // kWake: a read we cancelled on purpose (drain, or the engine's waker while it waits).
  enum class Io { kOk, kPeerClosed, kTimeout, kForced, kWake };
  struct ReadResult {
    Io io;
    size_t bytes;
  };

  static boost::asio::awaitable<void> run(std::shared_ptr<Connection> self);
  static boost::asio::awaitable<void> watchdog(std::shared_ptr<Connection> self);
  boost::asio::awaitable<std::string_view> serve();
  boost::asio::awaitable<std::string_view> refuse();
  // kIdle: each chunk within the idle timeout (and the session's end); kGrace: the whole
  // write within the short closing grace, for last words after a timeout or on drain.
  enum class Bound { kIdle, kGrace };
  boost::asio::awaitable<Io> write_all(std::string_view bytes, Bound bound);
  boost::asio::awaitable<Io> handshake(Bound bound);
  boost::asio::awaitable<ReadResult> read_some(Clock::time_point deadline);
  // Carries out a kWait (engine.h): the engine's next Output, or nullopt when the connection
  // is to end for `why`.
  struct Waited {
    std::optional<Output> out;
    std::string_view why;
  };
  boost::asio::awaitable<Waited> wait(std::chrono::milliseconds timeout);
  void wake();  // on the strand: the engine's Waker was called
  boost::asio::awaitable<void> close_gracefully();
  // engine_->on_data over the first `bytes` of buffer_, on options_.engine_executor if set.
  boost::asio::awaitable<Output> feed_engine(size_t bytes);
  // `call()` (an engine call) on options_.engine_executor if set, else here.
  template <typename Call>
  boost::asio::awaitable<std::invoke_result_t<Call&>> on_engine(Call call);
  bool discard_queued_input();

  boost::asio::ip::tcp::socket& tcp();
  Io classify(const boost::system::error_code& ec);
  std::string_view reason(Io io) const;
  std::string_view handshake_failure(Io io) const;
  void set_deadline(Clock::time_point deadline);
  Clock::time_point op_deadline() const;
  Clock::time_point grace_deadline() const;

  // Constant after construction.
  const uint64_t id_;
  const ListenerOptions options_;
  const std::shared_ptr<EngineFactory> factory_;
  const std::shared_ptr<TlsContextProvider> tls_provider_;
  const std::optional<EngineFactory::Refusal> refusal_;
  const std::function<void()> on_destroy_;
  const boost::asio::any_io_executor executor_;  // the connection's strand

  // Used only on the strand.
  boost::asio::ip::tcp::socket socket_;  // moved into tls_ by the handshake
  std::shared_ptr<boost::asio::ssl::context> tls_context_;
  std::optional<boost::asio::ssl::stream<boost::asio::ip::tcp::socket>> tls_;
  std::unique_ptr<Engine> engine_;
  SessionInfo session_;
  std::vector<char> buffer_;
  boost::asio::steady_timer timer_;
  Clock::time_point started_;
  Clock::time_point session_end_;
  Clock::time_point deadline_;
  bool expired_ = false;          // the watchdog cancelled I/O because deadline_ passed
  bool session_expired_ = false;  // ... and that deadline was the session's end
  bool reading_ = false;          // a read_some is pending
  bool drain_requested_ = false;
  bool wake_read_ = false;     // we cancelled the pending read on purpose (drain or waker)
  bool waiting_ = false;       // the engine's kWait is in progress
  bool wake_pending_ = false;  // the waker was called and on_wake has not run since
  bool shutdown_called_ = false;
  bool forced_ = false;
  bool done_ = false;
  uint64_t bytes_in_ = 0;
  uint64_t bytes_out_ = 0;
};

}  // namespace sealmail::net::internal
