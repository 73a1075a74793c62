// engine.h — the contract between the transport (net/) and a protocol engine (smtp/, imap/,
// http/). An engine is a state machine fed bytes; it never touches a socket, a timer or a
// thread. The transport owns all I/O and carries out the engine's Output.
//
// SECURITY: on_data receives raw bytes from the network; an engine enforces its own protocol
// limits (line length, header size, literal size) and answers violations with its protocol's
// error reply, never by crashing.
//
// Thread-safety: one Engine belongs to one connection and is called from one coroutine at a
// time. EngineFactory::create may be called from any I/O thread concurrently.
#pragma once

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>

namespace sealmail::net {

struct SessionInfo {
  std::string peer_address;  // textual IP, no port
  uint16_t peer_port = 0;
  std::string local_address;
  uint16_t local_port = 0;
  bool tls = false;  // true once the transport is encrypted (implicit TLS or after STARTTLS)
  bool starttls_available = false;  // the listener can upgrade this connection (kStartTls)
};

// What the transport does after an engine call: first write `write`, then `next`.
struct Output {
  enum class Next {
    kRead,      // wait for more bytes from the peer
    kStartTls,  // after the write, drop every buffered input byte and run the TLS handshake
    kClose,     // after the write, close the connection
  };
  std::string write;
  Next next = Next::kRead;

  static Output read(std::string bytes = {}) { return {std::move(bytes), Next::kRead}; }
  static Output start_tls(std::string bytes) { return {std::move(bytes), Next::kStartTls}; }
  static Output close(std::string bytes = {}) { return {std::move(bytes), Next::kClose}; }
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

  // No bytes arrived within the idle timeout, or the session's total time ran out: the last
  // words before the transport closes (e.g. "421 4.4.2 Idle timeout").
  virtual std::string on_timeout() = 0;

  // The server is draining. Return the bytes to send if the engine wants to end the session
  // now (it is idle between commands) and close_now = true; otherwise the engine finishes
  // the current exchange and closes at its next opportunity (its next Output is kClose).
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
