#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include "net/internal/connection.h"

#include <sys/socket.h>

#include <algorithm>
#include <cerrno>
#include <exception>

#include <boost/asio/buffer.hpp>
#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>
#include <boost/asio/write.hpp>

#include "base/log.h"

namespace sealmail::net::internal {
namespace {

namespace asio = boost::asio;
using asio::awaitable;
using asio::use_awaitable;
using asio::ip::tcp;

// Closing never waits longer than this for the peer (TLS close_notify, lingering read).
constexpr auto kMaxCloseGrace = std::chrono::seconds(2);
// How long closing waits for the peer's TLS close_notify after sending ours.
constexpr auto kTlsShutdownWait = std::chrono::milliseconds(500);
// After our FIN we read and discard what a still-sending peer sends, so that unread input does
// not make the kernel answer with RST; bounded in bytes as well as time.
constexpr size_t kMaxLingerBytes = 64 * 1024;
// Output is written in pieces of this size, each within the idle timeout.
constexpr size_t kWriteChunk = 64 * 1024;
// Plaintext pipelined behind STARTTLS beyond this is not worth reading; the connection closes.
constexpr size_t kMaxDiscardBytes = 1024 * 1024;
// Keeps an engine's wait far from steady_clock overflow.
constexpr std::chrono::milliseconds kMaxWait = std::chrono::hours(24 * 365);

std::string_view refusal_reason(EngineFactory::Refusal why) {
  switch (why) {
    case EngineFactory::Refusal::kTooManyConnections:
      return "refused: too many connections";
    case EngineFactory::Refusal::kTooManyFromAddress:
      return "refused: too many from address";
    case EngineFactory::Refusal::kShuttingDown:
      return "refused: shutting down";
    case EngineFactory::Refusal::kTooFastFromAddress:
      return "refused: too many new connections from address";
  }
  SEALMAIL_UNREACHABLE();
}

}  // namespace

std::string peer_ip(const tcp::endpoint& endpoint) {
  asio::ip::address address = endpoint.address();
  if (address.is_v6() && address.to_v6().is_v4_mapped()) {
    return asio::ip::make_address_v4(asio::ip::v4_mapped, address.to_v6()).to_string();
  }
  return address.to_string();
}

Connection::Connection(uint64_t id, tcp::socket socket, const ListenerOptions& options,
                       std::shared_ptr<EngineFactory> factory,
                       std::shared_ptr<TlsContextProvider> tls,
                       std::optional<EngineFactory::Refusal> refusal,
                       std::function<void()> on_destroy)
    : id_(id),
      options_(options),
      factory_(std::move(factory)),
      tls_provider_(std::move(tls)),
      refusal_(refusal),
      on_destroy_(std::move(on_destroy)),
      executor_(socket.get_executor()),
      socket_(std::move(socket)),
      buffer_(std::max<size_t>(options_.read_buffer_size, 1)),
      timer_(executor_) {}

Connection::~Connection() {
  if (on_destroy_) on_destroy_();
}

void Connection::start() {
  asio::co_spawn(executor_, run(shared_from_this()), [id = id_](std::exception_ptr error) {
    if (!error) return;
    try {
      std::rethrow_exception(error);
    } catch (const std::exception& e) {
      spdlog::error("connection #{} ended by an exception: {}", id, e.what());
    } catch (...) {
      spdlog::error("connection #{} ended by an unknown exception", id);
    }
  });
}

void Connection::request_drain() {
  asio::post(executor_, [self = shared_from_this()] {
    self->drain_requested_ = true;
    if (self->reading_) {
      self->wake_read_ = true;
      boost::system::error_code ignored;
      self->tcp().cancel(ignored);
    }
  });
}

void Connection::wake() {
  wake_pending_ = true;
  // Only a wait's read is cut short; a read for the next command would not change anything.
  if (waiting_ && reading_) {
    wake_read_ = true;
    boost::system::error_code ignored;
    tcp().cancel(ignored);
  }
}

void Connection::force_close() {
  asio::post(executor_, [self = shared_from_this()] {
    if (self->done_) return;
    self->forced_ = true;
    boost::system::error_code ignored;
    self->tcp().close(ignored);
  });
}

awaitable<void> Connection::run(std::shared_ptr<Connection> self) {
  self->started_ = Clock::now();
  self->session_end_ = self->started_ + self->options_.session_timeout;
  self->deadline_ = Clock::time_point::max();
  asio::co_spawn(self->executor_, watchdog(self), asio::detached);

  std::string_view why = "internal error";
  try {
    why = co_await self->serve();
  } catch (const std::exception& e) {
    // An engine broke its contract (engines do not throw); this connection ends, others go on.
    spdlog::error("{}: #{}: exception: {}", self->options_.name, self->id_, e.what());
  }

  self->done_ = true;
  self->timer_.cancel();
  boost::system::error_code ignored;
  self->tcp().close(ignored);
  auto elapsed =
      std::chrono::duration_cast<std::chrono::milliseconds>(Clock::now() - self->started_);
  spdlog::info("{}: disconnect #{} from {} reason=\"{}\" in={} out={} duration_ms={}",
               self->options_.name, self->id_, self->session_.peer_address, why, self->bytes_in_,
               self->bytes_out_, elapsed.count());
}

// Cancels the pending I/O when deadline_ passes. It sleeps until the deadline armed when it
// last looked; set_deadline() wakes it only when the new deadline is earlier.
awaitable<void> Connection::watchdog(std::shared_ptr<Connection> self) {
  while (!self->done_) {
    auto now = Clock::now();
    if (self->deadline_ <= now) {
      self->expired_ = true;
      self->session_expired_ = now >= self->session_end_;
      self->deadline_ = Clock::time_point::max();
      boost::system::error_code ignored;
      self->tcp().cancel(ignored);
    }
    self->timer_.expires_at(self->deadline_);
    boost::system::error_code ec;
    co_await self->timer_.async_wait(asio::redirect_error(use_awaitable, ec));
  }
}

awaitable<std::string_view> Connection::serve() {
  boost::system::error_code ec;
  tcp::endpoint remote = socket_.remote_endpoint(ec);
  if (ec) co_return "peer closed";
  tcp::endpoint local = socket_.local_endpoint(ec);
  if (ec) co_return "peer closed";
  session_.peer_address = peer_ip(remote);
  session_.peer_port = remote.port();
  session_.local_address = peer_ip(local);
  session_.local_port = local.port();
  session_.starttls_available = options_.tls == ListenerOptions::Tls::kStartTls;

  if (refusal_) co_return co_await refuse();
  // The engine may hand this to other threads, and it may outlive the connection (even the
  // io_context): it holds the connection only weakly and does nothing but post to its strand.
  // The posted handler keeps the connection alive, so the caller's thread never runs its
  // destructor.
  session_.waker = Waker([weak = weak_from_this()] {
    if (auto self = weak.lock()) {
      asio::post(self->executor_, [self] { self->wake(); });
    }
  });
  spdlog::info("{}: connect #{} from {}:{}", options_.name, id_, session_.peer_address,
               session_.peer_port);

  if (options_.tls == ListenerOptions::Tls::kImplicit) {
    Io io = co_await handshake(Bound::kIdle);
    if (io != Io::kOk) co_return handshake_failure(io);
    session_.tls = true;
  }
  if (drain_requested_) {
    if (co_await write_all(factory_->refusal(EngineFactory::Refusal::kShuttingDown),
                           Bound::kGrace) == Io::kOk) {
      co_await close_gracefully();
    }
    co_return "drain";
  }

  engine_ = factory_->create();
  Output out = engine_->on_connect(session_);
  for (;;) {
    if (out.next == Output::Next::kStartTls) {
      if (options_.tls != ListenerOptions::Tls::kStartTls || tls_) {
        spdlog::error("{}: #{}: engine asked for STARTTLS where it is not available", options_.name,
                      id_);
        co_return "starttls not available";
      }
      // Before our reply: anything already here was sent without waiting for it.
      if (!discard_queued_input()) co_return "input flood before tls";
    }
    Io io = co_await write_all(out.write, Bound::kIdle);
    if (io == Io::kTimeout) co_return "write timeout";
    if (io != Io::kOk) co_return reason(io);

    if (out.next == Output::Next::kClose) {
      co_await close_gracefully();
      co_return shutdown_called_ ? "drain" : "closed";
    }
    if (out.next == Output::Next::kStartTls) {
      io = co_await handshake(Bound::kIdle);
      if (io != Io::kOk) co_return handshake_failure(io);
      session_.tls = true;
      out = engine_->on_tls_established();
      continue;
    }
    if (out.next == Output::Next::kWait) {
      Waited waited = co_await wait(out.timeout);
      if (!waited.out) co_return waited.why;
      out = std::move(*waited.out);
      continue;
    }

    ReadResult read{Io::kWake, 0};
    while (read.io == Io::kWake) {
      if (drain_requested_ && !shutdown_called_) {
        shutdown_called_ = true;
        Engine::ShutdownReply reply = engine_->on_shutdown();
        if (reply.close_now) {
          if (co_await write_all(reply.write, Bound::kGrace) == Io::kOk) {
            co_await close_gracefully();
          }
          co_return "drain";
        }
        io = co_await write_all(reply.write, Bound::kIdle);
        if (io != Io::kOk) co_return io == Io::kTimeout ? "write timeout" : reason(io);
      }
      read = co_await read_some(op_deadline());
    }
    if (read.io == Io::kTimeout) {
      std::string_view why = session_expired_ ? "session timeout" : "idle timeout";
      if (co_await write_all(engine_->on_timeout(), Bound::kGrace) == Io::kOk) {
        co_await close_gracefully();
      }
      co_return why;
    }
    if (read.io != Io::kOk) co_return reason(read.io);
    out = co_await feed_engine(read.bytes);
  }
}

// Holds no thread while the engine waits: one read (to see the peer's bytes or its leaving),
// cut short by the waker or by drain, bounded by the wait's deadline and the session's end.
awaitable<Connection::Waited> Connection::wait(std::chrono::milliseconds timeout) {
  const Clock::time_point until =
      Clock::now() + std::clamp(timeout, std::chrono::milliseconds(0), kMaxWait);
  for (;;) {
    if (drain_requested_ && !shutdown_called_) {
      shutdown_called_ = true;
      Engine::ShutdownReply reply = co_await on_engine([this] { return engine_->on_shutdown(); });
      if (reply.close_now) {
        if (co_await write_all(reply.write, Bound::kGrace) == Io::kOk) co_await close_gracefully();
        co_return Waited{std::nullopt, "drain"};
      }
      Io io = co_await write_all(reply.write, Bound::kIdle);
      if (io != Io::kOk) {
        co_return Waited{std::nullopt, io == Io::kTimeout ? "write timeout" : reason(io)};
      }
    }
    const bool passed = Clock::now() >= until;
    if (wake_pending_ || passed) {
      wake_pending_ = false;
      // (No co_await inside a braced initialiser: GCC 12 destroys such temporaries twice.)
      Output out = co_await on_engine([this, passed] { return engine_->on_wake(passed); });
      co_return Waited{std::move(out), {}};
    }
    waiting_ = true;
    ReadResult read = co_await read_some(std::min(until, session_end_));
    waiting_ = false;
    if (read.io == Io::kWake) continue;
    if (read.io == Io::kTimeout) {
      if (!session_expired_) continue;  // the wait's own deadline: on_wake(true) next
      std::string last = co_await on_engine([this] { return engine_->on_timeout(); });
      if (co_await write_all(last, Bound::kGrace) == Io::kOk) co_await close_gracefully();
      co_return Waited{std::nullopt, "session timeout"};
    }
    if (read.io != Io::kOk) co_return Waited{std::nullopt, reason(read.io)};
    Output out = co_await feed_engine(read.bytes);
    co_return Waited{std::move(out), {}};
  }
}

template <typename Call>
awaitable<std::invoke_result_t<Call&>> Connection::on_engine(Call call) {
  if (!options_.engine_executor) co_return call();
  // As in feed_engine: run on the pool, resume on the strand.
  auto run = [&call]() -> awaitable<std::invoke_result_t<Call&>> { co_return call(); };
  co_return co_await asio::co_spawn(options_.engine_executor, run, use_awaitable);
}

awaitable<Output> Connection::feed_engine(size_t bytes) {
  if (!options_.engine_executor) co_return engine_->on_data(std::string_view(buffer_.data(), bytes));
  // Run on the engine pool and resume on the strand. (asio::post(pool, use_awaitable) would
  // not do: it resumes the coroutine through its own executor, the strand.) The strand's
  // handlers (drain, watchdog) keep running meanwhile; none of them touches the engine or the
  // buffer.
  auto feed = [this, bytes]() -> awaitable<Output> {
    co_return engine_->on_data(std::string_view(buffer_.data(), bytes));
  };
  co_return co_await asio::co_spawn(options_.engine_executor, feed, use_awaitable);
}

awaitable<std::string_view> Connection::refuse() {
  std::string_view why = refusal_reason(*refusal_);
  // On an implicit-TLS listener the refusal (say, HTTP 503) goes over TLS, as plaintext means
  // nothing to the client. The handshake is bounded by the closing grace, and the listener
  // bounds how many refusals run at once, so a flood cannot turn this into a CPU sink.
  if (options_.tls == ListenerOptions::Tls::kImplicit &&
      co_await handshake(Bound::kGrace) != Io::kOk) {
    co_return why;
  }
  if (co_await write_all(factory_->refusal(*refusal_), Bound::kGrace) == Io::kOk) {
    co_await close_gracefully();
  }
  co_return why;
}

awaitable<Connection::Io> Connection::handshake(Bound bound) {
  tls_context_ = tls_provider_->current();
  tls_.emplace(std::move(socket_), *tls_context_);
  set_deadline(bound == Bound::kGrace ? grace_deadline() : op_deadline());
  boost::system::error_code ec;
  co_await tls_->async_handshake(asio::ssl::stream_base::server,
                                 asio::redirect_error(use_awaitable, ec));
  Io io = classify(ec);
  if (io == Io::kPeerClosed) {
    // The reason is OpenSSL's (e.g. "wrong version number"), never the peer's bytes.
    spdlog::info("{}: #{} from {}: tls handshake failed: {}", options_.name, id_,
                 session_.peer_address, ec.message());
  }
  co_return io;
}

// Writes in chunks so that the idle timeout bounds each step of progress, not the whole
// transfer: a slow peer fetching a large message is not cut off while it keeps reading.
awaitable<Connection::Io> Connection::write_all(std::string_view bytes, Bound bound) {
  if (forced_) co_return Io::kForced;
  const Clock::time_point grace_end = grace_deadline();
  while (!bytes.empty()) {
    set_deadline(bound == Bound::kGrace ? grace_end : op_deadline());
    auto chunk = asio::buffer(bytes.data(), std::min(bytes.size(), kWriteChunk));
    boost::system::error_code ec;
    size_t n = 0;
    if (tls_) {
      n = co_await asio::async_write(*tls_, chunk, asio::redirect_error(use_awaitable, ec));
    } else {
      n = co_await asio::async_write(socket_, chunk, asio::redirect_error(use_awaitable, ec));
    }
    bytes_out_ += n;
    if (Io io = classify(ec); io != Io::kOk) co_return io;
    bytes.remove_prefix(n);
  }
  co_return Io::kOk;
}

awaitable<Connection::ReadResult> Connection::read_some(Clock::time_point deadline) {
  if (forced_) co_return ReadResult{Io::kForced, 0};
  set_deadline(deadline);
  wake_read_ = false;
  reading_ = true;
  boost::system::error_code ec;
  size_t n = 0;
  if (tls_) {
    n = co_await tls_->async_read_some(asio::buffer(buffer_),
                                       asio::redirect_error(use_awaitable, ec));
  } else {
    n = co_await socket_.async_read_some(asio::buffer(buffer_),
                                         asio::redirect_error(use_awaitable, ec));
  }
  reading_ = false;
  bytes_in_ += n;
  co_return ReadResult{classify(ec), n};
}

awaitable<void> Connection::close_gracefully() {
  boost::system::error_code ec;
  if (tls_) {
    // Our close_notify goes out at once; the peer's is waited for only briefly, as many
    // clients just close the socket and some do nothing until they see our FIN.
    set_deadline(std::min(grace_deadline(), Clock::now() + kTlsShutdownWait));
    co_await tls_->async_shutdown(asio::redirect_error(use_awaitable, ec));
  }
  if (forced_) co_return;
  tcp().shutdown(tcp::socket::shutdown_send, ec);
  // Linger only for a peer that is still sending: closing with unread input makes the kernel
  // answer with RST, which can destroy our last reply before the peer has read it.
  if (tcp().available(ec) == 0 || ec) co_return;
  set_deadline(grace_deadline());
  size_t lingered = 0;
  while (lingered < kMaxLingerBytes) {
    size_t n = co_await tcp().async_read_some(asio::buffer(buffer_),
                                              asio::redirect_error(use_awaitable, ec));
    if (ec || forced_) break;
    lingered += n;
  }
}

// Drops the plaintext the kernel already holds for us, without blocking (RFC 3207 §4.2).
bool Connection::discard_queued_input() {
  size_t discarded = 0;
  for (;;) {
    ssize_t n = ::recv(tcp().native_handle(), buffer_.data(), buffer_.size(), MSG_DONTWAIT);
    if (n < 0 && errno == EINTR) continue;
    if (n <= 0) break;  // nothing queued (EAGAIN), EOF or error: the handshake will tell
    discarded += static_cast<size_t>(n);
    if (discarded > kMaxDiscardBytes) break;
  }
  bytes_in_ += discarded;
  if (discarded > 0) {
    spdlog::info("{}: #{} from {}: discarded {} bytes sent before the STARTTLS reply",
                 options_.name, id_, session_.peer_address, discarded);
  }
  return discarded <= kMaxDiscardBytes;
}

tcp::socket& Connection::tcp() { return tls_ ? tls_->next_layer() : socket_; }

Connection::Io Connection::classify(const boost::system::error_code& ec) {
  if (forced_) return Io::kForced;
  if (!ec) return Io::kOk;
  if (expired_) return Io::kTimeout;
  if (wake_read_ && ec == asio::error::operation_aborted) {
    wake_read_ = false;
    return Io::kWake;
  }
  return Io::kPeerClosed;
}

std::string_view Connection::handshake_failure(Io io) const {
  switch (io) {
    case Io::kTimeout:
      return "tls handshake timeout";
    case Io::kPeerClosed:
      return "tls handshake failed";
    default:
      return reason(io);
  }
}

std::string_view Connection::reason(Io io) const {
  switch (io) {
    case Io::kOk:
      return "ok";
    case Io::kPeerClosed:
      return "peer closed";
    case Io::kTimeout:
      return "timeout";
    case Io::kForced:
      return "drain deadline";
    case Io::kWake:
      return "drain";
  }
  SEALMAIL_UNREACHABLE();
}

void Connection::set_deadline(Clock::time_point deadline) {
  deadline_ = deadline;
  expired_ = false;
  if (deadline < timer_.expiry()) timer_.cancel();
}

Connection::Clock::time_point Connection::op_deadline() const {
  return std::min(Clock::now() + options_.idle_timeout, session_end_);
}

Connection::Clock::time_point Connection::grace_deadline() const {
  return Clock::now() + std::min<Clock::duration>(options_.idle_timeout, kMaxCloseGrace);
}

}  // namespace sealmail::net::internal
