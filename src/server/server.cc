#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include "server/server.h"

#include <boost/asio/bind_executor.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/post.hpp>
#include <boost/asio/signal_set.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/thread_pool.hpp>

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <cerrno>
#include <chrono>
#include <cstdio>
#include <cstring>
#include <functional>
#include <memory>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "base/log.h"
#include "base/random.h"
#include "dmarc/evaluate.h"
#include "dns/unbound_resolver.h"
#include "http/engine.h"
#include "http/health.h"
#include "net/listener.h"
#include "net/tls.h"
#include "server/api/api.h"
#include "server/event_notifier.h"
#include "server/mx/group_commit.h"
#include "server/mx/mx_sink.h"
#include "server/mx/sender_check.h"
#include "smtp/engine.h"
#include "store/store.h"

namespace sealmail::server {
namespace {

net::ListenerOptions listener_options(const Config& config, std::string role,
                                      const Endpoint& endpoint, net::ListenerOptions::Tls tls) {
  net::ListenerOptions options;
  options.name = std::move(role);
  options.address = endpoint.address;
  options.port = endpoint.port;
  options.tls = tls;
  options.max_connections = config.limits.max_connections;
  options.max_connections_per_ip = config.limits.max_connections_per_ip;
  options.idle_timeout = config.limits.idle_timeout;
  options.session_timeout = config.limits.session_timeout;
  return options;
}

std::shared_ptr<net::EngineFactory> api_engines(const Config& config,
                                                std::shared_ptr<api::ApiContext> context) {
  auto router = std::make_shared<http::Router>();
  http::register_health(*router);
  api::register_api(*router, std::move(context));
  http::HttpLimits limits;
  limits.max_header_bytes = config.api.max_header_bytes;
  limits.max_body_bytes = config.api.max_body_bytes;
  return std::make_shared<http::HttpEngineFactory>(std::move(router), limits);
}

std::shared_ptr<net::EngineFactory> mx_engines(const Config& config,
                                               std::shared_ptr<smtp::MailSink> sink) {
  smtp::SmtpLimits limits;
  limits.max_line_bytes = config.mx.max_line_bytes;
  limits.max_data_line_bytes = config.mx.max_data_line_bytes;
  limits.max_header_bytes = config.mx.max_header_bytes;
  limits.max_message_bytes = config.mx.max_message_bytes;
  limits.max_recipients = config.mx.max_recipients;
  limits.max_commands_before_mail = config.mx.max_commands_before_mail;
  limits.max_errors = config.mx.max_errors;
  limits.normalize_bare_line_endings = config.mx.bare_line_endings == "normalize";
  limits.hostname = config.hostname;
  return std::make_shared<smtp::SmtpEngineFactory>(std::move(sink), limits);
}

// The directory uploads are spooled in on their way to the store (0700), emptied of what a
// previous run left: a spool file outlives its request only if the process died during it.
Result<std::filesystem::path> fresh_spool(const std::filesystem::path& dir) {
  std::error_code ec;
  std::filesystem::create_directories(dir, ec);
  if (!ec) {
    std::filesystem::permissions(dir, std::filesystem::perms::owner_all,
                                 std::filesystem::perm_options::replace, ec);
  }
  for (auto it = std::filesystem::directory_iterator(dir, ec);
       !ec && it != std::filesystem::directory_iterator(); it.increment(ec)) {
    if (it->path().extension() == ".part") std::filesystem::remove(it->path(), ec);
  }
  if (ec) return make_error(Errc::kIo, "cannot prepare " + dir.string() + ": " + ec.message());
  return dir;
}

Result<std::shared_ptr<api::ApiContext>> api_context(const Config& config, store::Store& store,
                                                     EventNotifier& events) {
  std::string secret = SEALMAIL_TRY(store.server_secret("unknown-user-srp", random_bytes(32)));
  auto queue_key = SEALMAIL_TRY(QueueKey::load_or_create(config.data_dir / "queue.key"));
  const std::filesystem::path spool = SEALMAIL_TRY(fresh_spool(config.data_dir / "spool"));
  return std::make_shared<api::ApiContext>(
      api::ApiContext{.store = store,
                      .config = config,
                      .now_ms = unix_time_ms,
                      .srp = auth::SrpParams{},
                      .unknown_user_secret = secret,
                      .events = &events,
                      .queue_key = std::make_shared<QueueKey>(std::move(queue_key)),
                      .spool_dir = spool});
}

// librnp writes parser warnings ("wrong key tag …", never key or message content) to file
// descriptor 2 whatever rnp_ffi_set_log_fd says. Once start-up has succeeded — its errors must
// still reach the operator's console — fd 2 becomes the log file, so such lines land beside
// ours instead of on the console of a daemon.
void redirect_stderr_to(const std::filesystem::path& log_file) {
  int fd = ::open(log_file.c_str(), O_WRONLY | O_APPEND | O_CLOEXEC);
  if (fd < 0) {
    spdlog::warn("cannot point standard error at {}: {}", log_file.string(), std::strerror(errno));
    return;
  }
  ::dup2(fd, STDERR_FILENO);
  ::close(fd);
}

constexpr std::chrono::minutes kPruneInterval{10};
// How often waiting event streams look at the store for events written by other processes.
constexpr std::chrono::seconds kEventPollInterval{1};
constexpr size_t kMxThreads = 64;

void prune(store::Store& store, const Config& config) {
  auto pruned = store.prune(unix_time_ms(), config.accounts.login_failure_window.count());
  if (!pruned.ok()) {
    spdlog::warn("housekeeping: {}", pruned.error().describe());
    return;
  }
  spdlog::debug("housekeeping: deleted {} challenges, {} sessions, {} failure counts, {} invites",
                pruned->challenges, pruned->sessions, pruned->failures, pruned->invites);
}

bool has_role(const Config& config, std::string_view role) {
  return std::find(config.roles.begin(), config.roles.end(), role) != config.roles.end();
}

}  // namespace

Result<std::unique_ptr<store::Store>> open_configured_store(const Config& config) {
  auto store = store::open_store(config.store_url, config.data_dir);
  if (!store.ok()) return make_error(store.error().code, "store: " + store.error().message);
  if (!config.domain.empty()) {
    Status added = (*store)->add_domain(config.domain);
    if (!added.ok() && added.error().code != Errc::kAlreadyExists) {
      return make_error(added.error().code, "store: " + added.error().message);
    }
  }
  return store;
}

Status run(const Config& config) {
  SEALMAIL_RETURN_IF_ERROR(init_logging(config.log.level, config.log.file.string()));
  spdlog::info("sealmail {} starting: config {}, roles {}", SEALMAIL_VERSION,
               config.source.string(), fmt::join(config.roles, ","));

  auto store = open_configured_store(config);
  if (!store.ok()) return std::move(store).error();
  spdlog::info("store open at schema version {}", (*store)->schema_version());

  auto tls = SEALMAIL_TRY(net::TlsContextProvider::load(config.tls_cert, config.tls_key));

  // Handlers wait on the store and do SRP arithmetic: they run here, not on the I/O threads.
  boost::asio::thread_pool handler_pool(
      std::clamp(2 * std::thread::hardware_concurrency(), 4u, 32u));
  // SMTP sessions block on encryption and on the group commit they share: enough threads that
  // the sessions of a busy MX can all wait in the same commit.
  boost::asio::thread_pool mx_pool(kMxThreads);
  // Wakes GET /api/v1/events long polls: told by this process's writers, and polling the
  // store for the others' (several nodes on one database).
  EventNotifier events(**store);
  mx::GroupCommit group_commit(**store, mx::GroupCommit::kDefaultMaxBatch, &events);
  std::unique_ptr<dns::UnboundResolver> resolver;
  std::unique_ptr<mx::SenderChecker> sender_checker;
  if (has_role(config, "mx")) {
    auto created = dns::UnboundResolver::create(
        dns::UnboundOptions{.forwarders = config.dns.forwarders,
                            .trust_anchor_file = config.dns.trust_anchor_file,
                            .transparent_zones = config.dns.transparent_zones,
                            .timeout = config.dns.timeout});
    if (!created.ok()) return make_error(created.error().code, "dns: " + created.error().message);
    resolver = std::move(created).value();
    if (Status psl = dmarc::initialize(); !psl.ok()) {
      return make_error(psl.error().code, "dmarc: " + psl.error().message);
    }
    sender_checker = std::make_unique<mx::SenderChecker>(*resolver, config.hostname,
                                                         config.mx.dmarc_reject == "quarantine");
  }
  boost::asio::io_context io;
  std::vector<std::shared_ptr<net::Listener>> listeners;
  if (has_role(config, "api")) {
    auto context = SEALMAIL_TRY(api_context(config, **store, events));
    events.start_polling(kEventPollInterval);
    auto engines = api_engines(config, std::move(context));
    for (const Endpoint& endpoint : config.api.listen) {
      net::ListenerOptions options =
          listener_options(config, "api", endpoint, net::ListenerOptions::Tls::kImplicit);
      options.engine_executor = handler_pool.get_executor();
      auto listener = net::Listener::create(io.get_executor(), options, engines, tls);
      if (!listener.ok()) {
        return make_error(listener.error().code, "api: cannot listen on " + endpoint.to_string() +
                                                     ": " + listener.error().message);
      }
      listeners.push_back(*listener);
    }
  }

  if (has_role(config, "mx")) {
    mx::SenderCheck check = [checker = sender_checker.get()](
                                const smtp::Envelope& envelope, std::string_view message,
                                const std::vector<std::string>& from_domains) {
      return checker->check(envelope, message, from_domains);
    };
    auto sink = std::make_shared<mx::MxSink>(**store, config, group_commit, std::move(check));
    auto engines = mx_engines(config, std::move(sink));
    for (const Endpoint& endpoint : config.mx.listen) {
      net::ListenerOptions options =
          listener_options(config, "mx", endpoint, net::ListenerOptions::Tls::kStartTls);
      options.engine_executor = mx_pool.get_executor();
      options.max_connections_per_minute_per_ip = config.mx.connections_per_minute_per_ip;
      auto listener = net::Listener::create(io.get_executor(), options, engines, tls);
      if (!listener.ok()) {
        return make_error(listener.error().code, "mx: cannot listen on " + endpoint.to_string() +
                                                     ": " + listener.error().message);
      }
      listeners.push_back(*listener);
    }
  }

  for (const auto& listener : listeners) {
    listener->start();
    Endpoint bound{listener->local_endpoint().address().to_string(),
                   listener->local_endpoint().port()};
    std::printf("sealmail: %s listening on %s\n", listener->options().name.c_str(),
                bound.to_string().c_str());
  }
  std::fflush(stdout);
  if (!config.log.file.empty()) redirect_stderr_to(config.log.file);

  boost::asio::signal_set stop_signals(io, SIGTERM, SIGINT);
  boost::asio::signal_set reload_signals(io, SIGHUP);
  std::function<void()> wait_for_reload = [&] {
    reload_signals.async_wait([&](const boost::system::error_code& ec, int) {
      if (ec) return;
      if (Status s = tls->reload(); s.ok()) {
        spdlog::info("tls: reloaded {} and {}", config.tls_cert.string(), config.tls_key.string());
      } else {
        spdlog::error("tls: reload failed, keeping the previous certificate: {}",
                      s.error().message);
      }
      wait_for_reload();
    });
  };
  wait_for_reload();

  // Housekeeping: expired challenges, sessions, invites and stale failure counts go away.
  boost::asio::steady_timer prune_timer(io);
  store::Store& shared_store = **store;
  std::function<void()> prune_later = [&] {
    prune_timer.expires_after(kPruneInterval);
    prune_timer.async_wait([&](const boost::system::error_code& ec) {
      if (ec) return;
      boost::asio::post(handler_pool, [&shared_store, &config] { prune(shared_store, config); });
      prune_later();
    });
  };
  prune_later();

  stop_signals.async_wait([&](const boost::system::error_code& ec, int signal) {
    if (ec) return;
    spdlog::info("signal {}: draining {} listener(s)", signal, listeners.size());
    reload_signals.cancel();
    prune_timer.cancel();
    auto remaining = std::make_shared<std::atomic<size_t>>(listeners.size());
    auto all_drained = [&, remaining] {
      if (remaining->fetch_sub(1) == 1) io.stop();
    };
    if (listeners.empty()) io.stop();
    for (const auto& listener : listeners) {
      listener->begin_drain(config.limits.drain_timeout);
      listener->async_wait_drained(boost::asio::bind_executor(io.get_executor(), all_drained));
    }
  });

  unsigned thread_count = std::clamp(std::thread::hardware_concurrency(), 1u, 8u);
  std::vector<std::thread> threads;
  for (unsigned i = 1; i < thread_count; ++i) threads.emplace_back([&io] { io.run(); });
  io.run();
  for (std::thread& t : threads) t.join();
  events.stop();
  handler_pool.join();
  mx_pool.join();
  spdlog::info("sealmail stopped");
  spdlog::default_logger()->flush();
  return ok_status();
}

}  // namespace sealmail::server
