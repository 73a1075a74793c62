#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include "net/listener.h"

#include <algorithm>
#include <optional>

#include <boost/asio/co_spawn.hpp>
#include <boost/asio/detached.hpp>
#include <boost/asio/redirect_error.hpp>
#include <boost/asio/use_awaitable.hpp>

#include "base/log.h"
#include "net/internal/connection.h"

namespace sealmail::net {
namespace {

namespace asio = boost::asio;
using asio::ip::tcp;

// Connections being refused at once, beyond which a refused connection is closed without a
// reply: refusals must not become a resource of their own for a flood to exhaust.
constexpr size_t kMaxRefusing = 64;
// Keeps deadline arithmetic on steady_clock far from overflow.
constexpr std::chrono::milliseconds kMaxTimeout = std::chrono::hours(24 * 365);
// Pause after a failed accept (EMFILE and friends) so the loop does not spin.
constexpr auto kAcceptBackoff = std::chrono::milliseconds(100);

Error bind_error(const ListenerOptions& options, const boost::system::error_code& ec) {
  Errc code = Errc::kIo;
  if (ec == boost::system::errc::address_in_use) code = Errc::kUnavailable;
  if (ec == boost::system::errc::permission_denied) code = Errc::kPermissionDenied;
  if (ec == boost::system::errc::address_not_available) code = Errc::kInvalidArgument;
  return make_error(code, options.name + ": cannot listen on " + options.address + " port " +
                              std::to_string(options.port) + ": " + ec.message());
}

}  // namespace

Listener::Listener(asio::any_io_executor executor, ListenerOptions options,
                   std::shared_ptr<EngineFactory> factory, std::shared_ptr<TlsContextProvider> tls)
    : options_(std::move(options)),
      factory_(std::move(factory)),
      tls_(std::move(tls)),
      executor_(std::move(executor)),
      strand_(asio::make_strand(executor_)),
      acceptor_(strand_),
      drain_timer_(strand_) {}

Listener::~Listener() = default;

Result<std::shared_ptr<Listener>> Listener::create(asio::any_io_executor executor,
                                                   ListenerOptions options,
                                                   std::shared_ptr<EngineFactory> factory,
                                                   std::shared_ptr<TlsContextProvider> tls) {
  const std::string& name = options.name;
  if (!factory) return make_error(Errc::kInvalidArgument, name + ": no engine factory");
  if (options.tls != ListenerOptions::Tls::kNone && !tls) {
    return make_error(Errc::kInvalidArgument, name + ": TLS configured without a certificate");
  }
  if (options.max_connections == 0 || options.max_connections_per_ip == 0 ||
      options.read_buffer_size == 0 || options.idle_timeout.count() <= 0 ||
      options.session_timeout.count() <= 0 || options.idle_timeout > kMaxTimeout ||
      options.session_timeout > kMaxTimeout) {
    return make_error(Errc::kInvalidArgument,
                      name + ": connection limits, timeouts and buffer size must be positive" +
                          " (timeouts at most a year)");
  }
  boost::system::error_code ec;
  asio::ip::address address = asio::ip::make_address(options.address, ec);
  if (ec) {
    return make_error(Errc::kInvalidArgument,
                      name + ": not an IP address: '" + options.address + "'");
  }

  auto listener = std::make_shared<Listener>(std::move(executor), std::move(options),
                                             std::move(factory), std::move(tls));
  tcp::acceptor& acceptor = listener->acceptor_;
  tcp::endpoint endpoint(address, listener->options_.port);
  acceptor.open(endpoint.protocol(), ec);
  if (!ec) acceptor.set_option(asio::socket_base::reuse_address(true), ec);
  if (!ec) acceptor.bind(endpoint, ec);
  if (!ec) acceptor.listen(asio::socket_base::max_listen_connections, ec);
  if (!ec) listener->local_endpoint_ = acceptor.local_endpoint(ec);
  if (ec) return bind_error(listener->options_, ec);
  return listener;
}

void Listener::start() {
  {
    std::lock_guard lock(mu_);
    SEALMAIL_CHECK(!started_);
    started_ = true;
  }
  spdlog::info("{}: listening on {}", options_.name,
               internal::peer_ip(local_endpoint_) + ":" + std::to_string(local_endpoint_.port()));
  asio::co_spawn(strand_, accept_loop(shared_from_this()), asio::detached);
}

asio::awaitable<void> Listener::accept_loop(std::shared_ptr<Listener> self) {
  while (self->acceptor_.is_open()) {
    boost::system::error_code ec;
    asio::any_io_executor connection_strand = asio::make_strand(self->executor_);
    tcp::socket socket = co_await self->acceptor_.async_accept(
        connection_strand, asio::redirect_error(asio::use_awaitable, ec));
    if (ec == asio::error::operation_aborted || !self->acceptor_.is_open()) break;
    if (ec) {
      spdlog::warn("{}: accept failed: {}", self->options_.name, ec.message());
      asio::steady_timer pause(self->strand_, kAcceptBackoff);
      co_await pause.async_wait(asio::redirect_error(asio::use_awaitable, ec));
      continue;
    }
    self->admit(std::move(socket));
  }
}

void Listener::admit(tcp::socket socket) {
  boost::system::error_code ec;
  tcp::endpoint remote = socket.remote_endpoint(ec);
  if (ec) return;  // the peer is already gone
  std::string ip = internal::peer_ip(remote);

  std::optional<EngineFactory::Refusal> refusal;
  uint64_t id = 0;
  {
    std::lock_guard lock(mu_);
    id = next_id_++;
    auto per_ip = per_ip_.find(ip);
    if (draining_) {
      refusal = EngineFactory::Refusal::kShuttingDown;
    } else if (active_ >= options_.max_connections) {
      refusal = EngineFactory::Refusal::kTooManyConnections;
    } else if (per_ip != per_ip_.end() && per_ip->second >= options_.max_connections_per_ip) {
      refusal = EngineFactory::Refusal::kTooManyFromAddress;
    } else if (!within_rate(ip)) {
      refusal = EngineFactory::Refusal::kTooFastFromAddress;
    }
    if (refusal && refusing_ >= kMaxRefusing) {
      spdlog::info("{}: refused #{} from {} without reply: too many refusals pending",
                   options_.name, id, ip);
      return;  // the socket closes here
    }
    if (refusal) {
      ++refusing_;
    } else {
      ++active_;
      ++per_ip_[ip];
    }
  }
  const bool counted = !refusal;
  auto connection = std::make_shared<internal::Connection>(
      id, std::move(socket), options_, factory_, tls_, refusal,
      [self = shared_from_this(), id, ip, counted] { self->release(id, ip, counted); });
  {
    std::lock_guard lock(mu_);
    live_[id] = connection;
  }
  connection->start();
}

bool Listener::within_rate(const std::string& ip) {
  if (options_.max_connections_per_minute_per_ip == 0) return true;
  constexpr std::chrono::minutes kWindow{1};
  constexpr size_t kSweepAbove = 4096;  // addresses remembered before stale windows are dropped
  const auto now = std::chrono::steady_clock::now();
  if (per_ip_rate_.size() > kSweepAbove) {
    std::erase_if(per_ip_rate_, [&](const auto& entry) { return now - entry.second.start >= kWindow; });
  }
  Window& window = per_ip_rate_[ip];
  if (window.count == 0 || now - window.start >= kWindow) window = Window{now, 0};
  return ++window.count <= options_.max_connections_per_minute_per_ip;
}

// Runs in a connection's destructor, on that connection's strand (or wherever the last
// reference to it went).
void Listener::release(uint64_t id, const std::string& ip, bool counted) {
  bool maybe_drained = false;
  {
    std::lock_guard lock(mu_);
    live_.erase(id);
    if (counted) {
      --active_;
      auto per_ip = per_ip_.find(ip);
      SEALMAIL_CHECK(per_ip != per_ip_.end() && per_ip->second > 0);
      if (--per_ip->second == 0) per_ip_.erase(per_ip);
    } else {
      --refusing_;
    }
    maybe_drained = draining_ && active_ == 0 && refusing_ == 0;
  }
  if (maybe_drained) asio::post(strand_, [self = shared_from_this()] { self->check_drained(); });
}

size_t Listener::connection_count() const {
  std::lock_guard lock(mu_);
  return active_;
}

void Listener::begin_drain(std::chrono::milliseconds deadline) {
  asio::post(strand_, [self = shared_from_this(), deadline] {
    std::vector<std::shared_ptr<internal::Connection>> connections;
    {
      std::lock_guard lock(self->mu_);
      if (self->draining_) return;
      self->draining_ = true;
      for (auto& [id, weak] : self->live_) {
        if (auto connection = weak.lock()) connections.push_back(std::move(connection));
      }
    }
    boost::system::error_code ignored;
    self->acceptor_.close(ignored);
    spdlog::info("{}: draining {} connections, deadline {} ms", self->options_.name,
                 connections.size(), deadline.count());
    for (auto& connection : connections) connection->request_drain();
    self->drain_timer_.expires_after(std::min(deadline, kMaxTimeout));
    self->drain_timer_.async_wait([self](const boost::system::error_code& ec) {
      if (!ec) self->force_close_all();
    });
    self->check_drained();
  });
}

void Listener::force_close_all() {
  std::vector<std::shared_ptr<internal::Connection>> connections;
  {
    std::lock_guard lock(mu_);
    for (auto& [id, weak] : live_) {
      if (auto connection = weak.lock()) connections.push_back(std::move(connection));
    }
  }
  if (!connections.empty()) {
    spdlog::info("{}: drain deadline: closing {} connections", options_.name, connections.size());
  }
  for (auto& connection : connections) connection->force_close();
}

void Listener::add_drained_waiter(std::function<void()> waiter) {
  asio::post(strand_, [self = shared_from_this(), waiter = std::move(waiter)]() mutable {
    if (self->drained_) {
      waiter();
    } else {
      self->drained_waiters_.push_back(std::move(waiter));
    }
  });
}

void Listener::check_drained() {
  if (drained_) return;
  {
    std::lock_guard lock(mu_);
    if (!draining_ || active_ != 0 || refusing_ != 0) return;
  }
  drained_ = true;
  drain_timer_.cancel();
  spdlog::info("{}: drained", options_.name);
  auto waiters = std::move(drained_waiters_);
  drained_waiters_.clear();
  for (auto& waiter : waiters) waiter();
}

}  // namespace sealmail::net
