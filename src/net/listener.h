// listener.h — a TCP listener that runs one protocol Engine per accepted connection: it reads
// bytes, feeds them to the engine, writes what the engine returns, upgrades to TLS (implicit or
// STARTTLS), holds an engine's kWait (a long poll) without a thread until its Waker or its
// timeout (engine.h), enforces connection limits and timeouts, and drains gracefully on
// shutdown.
//
// SECURITY: everything read from a socket is untrusted and goes only to Engine::on_data (its
// bytes are never logged; logs carry the peer IP, sizes, durations and reasons). Global and
// per-IP connection limits are enforced before an engine exists; a refused connection gets
// EngineFactory::refusal() (over TLS on an implicit-TLS listener) and is closed, with at most
// 64 refusals in flight per listener (beyond that the socket is just closed). On STARTTLS the
// transport drops every plaintext byte the peer sent before our reply — both what the engine
// got and what is still queued in the kernel — so pipelined commands are never executed
// (RFC 3207 §4.2). Idle, session and handshake timeouts bound how long a peer can hold a
// connection; closing is bounded too (TLS close_notify and the lingering read after our FIN).
//
// Standards: RFC 3207 (STARTTLS upgrade in the transport), RFC 8314 (implicit TLS).
//
// Thread-safety: the io_context may be run by any number of threads. Each connection runs on
// its own strand (one coroutine plus its timeout watchdog), so its engine is called from one
// place at a time; the listener's acceptor and drain state live on the listener's strand.
// Connection accounting (global and per-IP counts, the live set drain walks) is guarded by a
// mutex, because connections finish on their own strands. All public member functions are
// safe from any thread.
#pragma once

#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <vector>

#include <boost/asio/any_io_executor.hpp>
#include <boost/asio/associated_executor.hpp>
#include <boost/asio/async_result.hpp>
#include <boost/asio/awaitable.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/strand.hpp>

#include "base/result.h"
#include "net/engine.h"
#include "net/tls.h"

namespace sealmail::net {

namespace internal {
class Connection;
}  // namespace internal

struct ListenerOptions {
  enum class Tls {
    kNone,      // plaintext only; an engine asking for kStartTls is closed (a wiring bug)
    kImplicit,  // TLS handshake before on_connect (SMTPS 465, IMAPS 993, HTTPS)
    kStartTls,  // plaintext until the engine returns kStartTls
  };

  std::string name = "listener";      // for logs, e.g. "mx"
  std::string address = "127.0.0.1";  // an IPv4 or IPv6 literal; "::" is dual-stack on Linux
  uint16_t port = 0;                  // 0 = the OS chooses; see Listener::local_endpoint()
  Tls tls = Tls::kNone;
  size_t max_connections = 1000;
  size_t max_connections_per_ip = 20;  // exact address (an IPv6 /64 is not grouped)
  // New connections per address within a minute (a fixed window per address); 0 = no limit.
  // Refused ones count too, so hammering does not reopen the door.
  size_t max_connections_per_minute_per_ip = 0;
  // No progress on a read, a write or a TLS handshake for this long ends the connection. Not
  // while an engine waits (kWait): its own timeout and session_timeout bound that.
  std::chrono::milliseconds idle_timeout = std::chrono::minutes(5);  // RFC 5321 §4.5.3.2.7
  std::chrono::milliseconds session_timeout = std::chrono::hours(1);
  size_t read_buffer_size = 16 * 1024;
  // When set, Engine::on_data runs on this executor (a thread pool) instead of the I/O thread,
  // so an engine may block — on a database commit, a slow hash — without stalling every other
  // connection served by that I/O thread. The calls of one engine still never overlap.
  boost::asio::any_io_executor engine_executor;
};

class Listener : public std::enable_shared_from_this<Listener> {
 public:
  // Binds and listens (so bind errors surface here) but does not accept until start().
  // `tls` is required unless options.tls is kNone.
  static Result<std::shared_ptr<Listener>> create(boost::asio::any_io_executor executor,
                                                  ListenerOptions options,
                                                  std::shared_ptr<EngineFactory> factory,
                                                  std::shared_ptr<TlsContextProvider> tls = {});

  // Starts the accept loop. Call once.
  void start();

  // The bound address, with the OS-chosen port when options.port was 0.
  boost::asio::ip::tcp::endpoint local_endpoint() const { return local_endpoint_; }
  const ListenerOptions& options() const { return options_; }

  // Stops accepting and asks every live engine to finish (Engine::on_shutdown); connections
  // that have not closed within `deadline` are closed without further writes. Calling it
  // again has no effect.
  void begin_drain(std::chrono::milliseconds deadline);

  // Connections currently holding a slot (refused connections are not counted).
  size_t connection_count() const;

  // Completes once begin_drain() has been called, the acceptor is closed and every connection
  // (including ones being refused) is gone. Signature void(); works with use_awaitable or a
  // callback. The handler runs on its associated executor.
  template <typename CompletionToken>
  auto async_wait_drained(CompletionToken&& token) {
    return boost::asio::async_initiate<CompletionToken, void()>(
        [self = shared_from_this()](auto handler) {
          auto executor = boost::asio::get_associated_executor(handler, self->executor_);
          auto shared = std::make_shared<decltype(handler)>(std::move(handler));
          self->add_drained_waiter(
              [executor, shared] { boost::asio::post(executor, std::move(*shared)); });
        },
        token);
  }

  // Use create().
  Listener(boost::asio::any_io_executor executor, ListenerOptions options,
           std::shared_ptr<EngineFactory> factory, std::shared_ptr<TlsContextProvider> tls);
  ~Listener();

 private:
  boost::asio::awaitable<void> accept_loop(std::shared_ptr<Listener> self);
  void admit(boost::asio::ip::tcp::socket socket);
  void release(uint64_t id, const std::string& ip, bool counted);
  void add_drained_waiter(std::function<void()> waiter);
  void check_drained();  // on strand_
  void force_close_all();

  // Constant after construction.
  const ListenerOptions options_;
  const std::shared_ptr<EngineFactory> factory_;
  const std::shared_ptr<TlsContextProvider> tls_;
  const boost::asio::any_io_executor executor_;  // connections get strands of this
  boost::asio::strand<boost::asio::any_io_executor> strand_;
  boost::asio::ip::tcp::endpoint local_endpoint_;

  // Used only on strand_.
  boost::asio::ip::tcp::acceptor acceptor_;
  boost::asio::steady_timer drain_timer_;
  bool drained_ = false;
  std::vector<std::function<void()>> drained_waiters_;

  mutable std::mutex mu_;
  bool started_ = false;                  // guarded by mu_
  bool draining_ = false;                 // guarded by mu_
  uint64_t next_id_ = 1;                  // guarded by mu_
  size_t active_ = 0;                     // guarded by mu_; connections holding a slot
  size_t refusing_ = 0;                   // guarded by mu_; connections being refused
  std::map<std::string, size_t> per_ip_;  // guarded by mu_
  struct Window {
    std::chrono::steady_clock::time_point start;
    size_t count = 0;
  };
  std::map<std::string, Window> per_ip_rate_;  // guarded by mu_; windows younger than a minute
  // Whether `ip` may open another connection now; counts it. Requires mu_.
  bool within_rate(const std::string& ip);
  // Every connection, refused ones included, so that the drain deadline reaches them all.
  std::map<uint64_t, std::weak_ptr<internal::Connection>> live_;  // guarded by mu_
};

}  // namespace sealmail::net
