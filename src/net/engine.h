// engine.h — the contract between the transport (net/) and a protocol engine (smtp/, imap/,
// http/). An engine is a state machine fed bytes; it never touches a socket, a timer or a
// thread. The transport owns all I/O and carries out the engine's Output.
//
// Answering later (a long poll). An engine that cannot answer yet — it waits for something
// outside the connection, such as a new event in the store — returns Output::wait(bytes,
// timeout) instead of blocking its thread. The transport then writes `bytes` and waits, holding
// no thread, until the first of:
//   - SessionInfo::waker was called (from any thread) → on_wake(false);
//   - `timeout` passed                                 → on_wake(true);
//   - bytes from the peer                              → on_data (see below);
//   - the peer closed or the connection failed         → the engine is destroyed;
//   - drain                                            → on_shutdown, once, as usual;
//   - the session's total time ran out                 → on_timeout's last words, then close.
// The waker is level-triggered and coalescing: a call made while the engine was not waiting
// (say, while on_data was still running) is remembered and delivered as soon as it waits, so a
// wake-up cannot be lost between the engine's last look and its kWait; several calls may
// become one on_wake, and on_wake may come when nothing changed (the engine returns kWait
// again). The idle timeout does not apply while waiting: the engine's timeout does.
// While waiting the transport keeps reading so that it notices the peer leaving; bytes that
// arrive go to on_data, and an engine that cannot act on them yet buffers them (bounded) and
// returns kWait again.
//
// SECURITY: on_data receives raw bytes from the network; an engine enforces its own protocol
// limits (line length, header size, literal size) and answers violations with its protocol's
// error reply, never by crashing.
//
// Thread-safety: one Engine belongs to one connection and is called from one coroutine at a
// time (on_data and on_wake on the listener's engine_executor when it has one). Only the
// Waker crosses threads. EngineFactory::create may be called from any I/O thread concurrently.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

namespace sealmail::net {

// Tells the transport to call Engine::on_wake. Copyable; wake() may be called from any thread,
// any number of times, also after the connection has ended (then it does nothing). It never
// blocks and never calls into the engine itself: it only posts to the connection.
class Waker {
 public:
  Waker() = default;  // wakes nothing
  explicit Waker(std::function<void()> wake) : wake_(std::move(wake)) {}
  void wake() const {
    if (wake_) wake_();
  }
  explicit operator bool() const { return static_cast<bool>(wake_); }

 private:
  std::function<void()> wake_;  // constant after construction
};

struct SessionInfo {
  std::string peer_address;  // textual IP, no port
  uint16_t peer_port = 0;
  std::string local_address;
  uint16_t local_port = 0;
  bool tls = false;  // true once the transport is encrypted (implicit TLS or after STARTTLS)
  bool starttls_available = false;  // the listener can upgrade this connection (kStartTls)
  Waker waker;                      // ends a kWait: see "Answering later" above
};

// What the transport does after an engine call: first write `write`, then `next`.
struct Output {
  enum class Next {
    kRead,      // wait for more bytes from the peer
    kStartTls,  // after the write, drop every buffered input byte and run the TLS handshake
    kClose,     // after the write, close the connection
    kWait,      // after the write, wait for the waker or `timeout` (see the top of this file)
  };
  std::string write;
  Next next = Next::kRead;
  std::chrono::milliseconds timeout{0};  // kWait only: when to call on_wake(true)

  static Output read(std::string bytes = {}) { return {std::move(bytes), Next::kRead}; }
  static Output start_tls(std::string bytes) { return {std::move(bytes), Next::kStartTls}; }
  static Output close(std::string bytes = {}) { return {std::move(bytes), Next::kClose}; }
  static Output wait(std::string bytes, std::chrono::milliseconds timeout) {
    return {std::move(bytes), Next::kWait, timeout};
  }
};

class Engine {
 public:
  virtual ~Engine() = default;

  // The connection is established (and, on an implicit-TLS listener, encrypted): the greeting.
  virtual Output on_connect(const SessionInfo& session) = 0;

  // Bytes from the peer. The engine processes what it can and buffers an incomplete tail.
  // When it returns kStartTls or kClose it must have dropped all input after the command that
  // caused it (bytes pipelined behind STARTTLS are an injection attempt, RFC 3207 §4.2).
  virtual Output on_data(std::string_view bytes) = 0;

  // The TLS handshake after kStartTls succeeded; the engine resets its protocol state.
  virtual Output on_tls_established() { return Output::read(); }

  // Only after a kWait: the waker was called since the wait began (deadline_passed false), or
  // the wait's timeout passed (true). Returns what to do next — kWait again to go on waiting.
  // Engines that never return kWait need not override it.
  virtual Output on_wake(bool deadline_passed) {
    (void)deadline_passed;
    return Output::read();
  }

  // No bytes arrived within the idle timeout, or the session's total time ran out (also while
  // waiting): the last words before the transport closes (e.g. "421 4.4.2 Idle timeout").
  virtual std::string on_timeout() = 0;

  // The server is draining. Return the bytes to send if the engine wants to end the session
  // now (it is idle between commands) and close_now = true; otherwise the engine finishes
  // the current exchange and closes at its next opportunity (its next Output is kClose).
  // A waiting engine should answer its wait here and close now; if it does not, the transport
  // goes on waiting until the drain deadline.
  struct ShutdownReply {
    std::string write;
    bool close_now = false;
  };
  virtual ShutdownReply on_shutdown() = 0;
};

class EngineFactory {
 public:
  virtual ~EngineFactory() = default;
  virtual std::unique_ptr<Engine> create() = 0;

  // Bytes sent to a connection refused before an engine is created, then the transport
  // closes (e.g. "421 4.7.0 Too many connections from your address\r\n").
  enum class Refusal {
    kTooManyConnections,  // the listener's max_connections
    kTooManyFromAddress,  // max_connections_per_ip
    kShuttingDown,
    kTooFastFromAddress,  // max_connections_per_minute_per_ip
  };
  virtual std::string refusal(Refusal why) = 0;
};

}  // namespace sealmail::net
