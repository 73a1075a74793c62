// HttpsClient against real servers in-process: the sealmail HTTP engine behind net::Listener
// (implicit TLS, a self-signed certificate for "localhost"), and a scripted raw TLS server for
// what a well-behaved server never does (closing a kept-alive connection under a request,
// malformed responses).
#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include "client/https_client.h"

#include <arpa/inet.h>
#include <gtest/gtest.h>
#include <netinet/in.h>
#include <openssl/pem.h>
#include <openssl/ssl.h>
#include <poll.h>
#include <sys/socket.h>
#include <sys/stat.h>
#include <unistd.h>

#include <chrono>
#include <condition_variable>
#include <cstdio>
#include <cstdlib>
#include <functional>
#include <future>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <thread>
#include <vector>

#include <boost/asio/ip/tcp.hpp>

#include "client/home.h"
#include "client/internal/known_servers.h"
#include "client/test_util.h"
#include "http/engine.h"
#include "http/router.h"
#include "net/listener.h"
#include "net/tls.h"

namespace sealmail::client {
namespace {

using namespace std::chrono_literals;
using testing::IoThreads;
using testing::ScopedEnv;
using testing::TempDir;
using Clock = std::chrono::steady_clock;

constexpr auto kWait = 5s;  // every wait on the server side is bounded by this

// Engines created and destroyed, i.e. connections opened and closed on the server.
struct Counters {
  std::mutex mu;
  std::condition_variable cv;
  int created = 0;
  int destroyed = 0;

  int opened() {
    std::lock_guard lock(mu);
    return created;
  }
  bool wait_closed(int n) {
    std::unique_lock lock(mu);
    return cv.wait_for(lock, kWait, [&] { return destroyed >= n; });
  }
};

class CountingEngine : public net::Engine {
 public:
  CountingEngine(std::unique_ptr<net::Engine> inner, std::shared_ptr<Counters> counters)
      : inner_(std::move(inner)), counters_(std::move(counters)) {}
  ~CountingEngine() override {
    std::lock_guard lock(counters_->mu);
    ++counters_->destroyed;
    counters_->cv.notify_all();
  }
  net::Output on_connect(const net::SessionInfo& s) override { return inner_->on_connect(s); }
  net::Output on_data(std::string_view bytes) override { return inner_->on_data(bytes); }
  std::string on_timeout() override { return inner_->on_timeout(); }
  ShutdownReply on_shutdown() override { return inner_->on_shutdown(); }

 private:
  std::unique_ptr<net::Engine> inner_;
  std::shared_ptr<Counters> counters_;
};

class CountingFactory : public net::EngineFactory {
 public:
  CountingFactory(std::shared_ptr<net::EngineFactory> inner, std::shared_ptr<Counters> counters)
      : inner_(std::move(inner)), counters_(std::move(counters)) {}
  std::unique_ptr<net::Engine> create() override {
    {
      std::lock_guard lock(counters_->mu);
      ++counters_->created;
    }
    return std::make_unique<CountingEngine>(inner_->create(), counters_);
  }
  std::string refusal(Refusal why) override { return inner_->refusal(why); }

 private:
  std::shared_ptr<net::EngineFactory> inner_;
  std::shared_ptr<Counters> counters_;
};

std::shared_ptr<const http::Router> test_router() {
  auto router = std::make_shared<http::Router>();
  router->add("POST", "/echo", [](const http::Request& request) {
    http::Response response = http::Response::text(200, request.body, "application/json");
    response.headers.emplace_back("X-Echo-Authorization",
                                  std::string(request.header("Authorization").value_or("-")));
    return response;
  });
  router->add("GET", "/header", [](const http::Request&) {
    http::Response response = http::Response::text(200, "ok");
    response.headers.emplace_back("X-Test", "hello");
    return response;
  });
  router->add("GET", "/slow", [](const http::Request&) {
    std::this_thread::sleep_for(1500ms);  // the server being slow is the point, not a sync
    return http::Response::text(200, "late");
  });
  router->add("GET", "/big", [](const http::Request&) {
    return http::Response::text(200, std::string(5000, 'x'));
  });
  return router;
}

// The sealmail HTTP engine over implicit TLS on 127.0.0.1, port chosen by the OS.
struct Server {
  static std::unique_ptr<Server> start(std::chrono::milliseconds idle_timeout = 30s) {
    auto server = std::make_unique<Server>();
    Status generated =
        net::generate_self_signed_certificate("localhost", server->cert, server->key);
    EXPECT_TRUE(generated.ok()) << generated.error().describe();
    auto tls = net::TlsContextProvider::load(server->cert, server->key);
    EXPECT_TRUE(tls.ok());
    if (!generated.ok() || !tls.ok()) return nullptr;
    server->tls = std::move(tls).value();
    net::ListenerOptions options;
    options.name = "client-test";
    options.tls = net::ListenerOptions::Tls::kImplicit;
    options.idle_timeout = idle_timeout;
    auto factory = std::make_shared<CountingFactory>(
        std::make_shared<http::HttpEngineFactory>(test_router()), server->counters);
    auto listener =
        net::Listener::create(server->io.context().get_executor(), options, factory, server->tls);
    EXPECT_TRUE(listener.ok());
    if (!listener.ok()) return nullptr;
    server->listener = std::move(listener).value();
    server->listener->start();
    return server;
  }

  ~Server() {
    if (listener == nullptr) return;
    auto drained = std::make_shared<std::promise<void>>();
    auto done = drained->get_future();
    listener->async_wait_drained([drained] { drained->set_value(); });
    listener->begin_drain(0ms);
    EXPECT_EQ(done.wait_for(kWait), std::future_status::ready);
  }

  uint16_t port() const { return listener->local_endpoint().port(); }
  std::string url() const { return "https://localhost:" + std::to_string(port()); }
  std::string authority() const { return "localhost:" + std::to_string(port()); }

  // The same host:port now presents a new key (as after a reinstall).
  void replace_certificate() {
    ASSERT_TRUE(net::generate_self_signed_certificate("localhost", cert, key).ok());
    ASSERT_TRUE(tls->reload().ok());
  }

  // The pin of the certificate currently in `cert`.
  std::string fingerprint() const {
    FILE* file = std::fopen(cert.c_str(), "r");
    if (file == nullptr) return "";
    std::unique_ptr<X509, decltype(&X509_free)> x509(PEM_read_X509(file, nullptr, nullptr, nullptr),
                                                     &X509_free);
    std::fclose(file);
    if (x509 == nullptr) return "";
    return internal::spki_fingerprint(x509.get()).value_or("");
  }

  TempDir dir;
  std::filesystem::path cert = dir.path() / "server.crt";
  std::filesystem::path key = dir.path() / "server.key";
  std::shared_ptr<net::TlsContextProvider> tls;
  std::shared_ptr<Counters> counters = std::make_shared<Counters>();
  IoThreads io{2};
  std::shared_ptr<net::Listener> listener;
};

// What a client's callbacks saw.
struct Observed {
  std::string wire;
  std::vector<std::pair<std::string, std::string>> first_uses;
};

HttpsOptions options_for(std::string url, std::filesystem::path known_servers,
                         Observed* observed = nullptr) {
  HttpsOptions options;
  options.server = std::move(url);
  options.known_servers = std::move(known_servers);
  options.timeout = kWait;
  if (observed != nullptr) {
    options.wire_tap = [observed](std::string_view bytes) { observed->wire.append(bytes); };
    options.on_first_use = [observed](std::string_view server, std::string_view fingerprint) {
      observed->first_uses.emplace_back(server, fingerprint);
    };
  }
  return options;
}

HttpsClient make_client(HttpsOptions options) {
  auto client = HttpsClient::create(std::move(options));
  SEALMAIL_CHECK(client.ok());
  return std::move(client).value();
}

mode_t mode_of(const std::filesystem::path& path) {
  struct stat st {};
  EXPECT_EQ(::stat(path.c_str(), &st), 0) << path;
  return st.st_mode & 07777;
}

TEST(HttpsClient, PinsOnFirstUseAndTellsOnce) {
  auto server = Server::start();
  ASSERT_NE(server, nullptr);
  TempDir home;
  auto known = home.path() / "state" / "known_servers";
  Observed observed;
  HttpsClient client = make_client(options_for(server->url(), known, &observed));

  auto response = client.request("GET", "/header");
  ASSERT_TRUE(response.ok()) << response.error().describe();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, "ok");
  EXPECT_EQ(response->header("x-test"), "hello");
  EXPECT_EQ(response->header("X-TEST"), "hello");
  EXPECT_FALSE(response->header("X-Absent").has_value());

  std::string fingerprint = server->fingerprint();
  ASSERT_EQ(fingerprint.substr(0, 7), "SHA256:");
  ASSERT_EQ(observed.first_uses.size(), 1u);
  EXPECT_EQ(observed.first_uses[0].first, server->authority());
  EXPECT_EQ(observed.first_uses[0].second, fingerprint);
  EXPECT_EQ(read_file(known).value(), server->authority() + " " + fingerprint + "\n");
  EXPECT_EQ(mode_of(known), 0600u);
  EXPECT_EQ(mode_of(known.parent_path()), 0700u);

  // More requests, on this connection or a new one, do not pin again.
  ASSERT_TRUE(client.request("GET", "/header").ok());
  HttpsClient second = make_client(options_for(server->url(), known, &observed));
  ASSERT_TRUE(second.request("GET", "/header").ok());
  EXPECT_EQ(observed.first_uses.size(), 1u);
  EXPECT_EQ(read_file(known).value(), server->authority() + " " + fingerprint + "\n");
  EXPECT_EQ(server->counters->opened(), 2);
}

TEST(HttpsClient, RefusesAChangedCertificateBeforeSendingAnything) {
  auto server = Server::start();
  ASSERT_NE(server, nullptr);
  TempDir home;
  auto known = home.path() / "known_servers";
  std::string old_fingerprint = server->fingerprint();
  {
    HttpsClient first = make_client(options_for(server->url(), known));
    ASSERT_TRUE(first.request("GET", "/header").ok());
  }
  server->replace_certificate();
  std::string new_fingerprint = server->fingerprint();
  ASSERT_NE(new_fingerprint, old_fingerprint);

  Observed observed;
  HttpsClient client = make_client(options_for(server->url(), known, &observed));
  for (int i = 0; i < 2; ++i) {  // and it stays refused: nothing was re-pinned
    auto response = client.request("POST", "/echo", R"({"password":"hunter2"})", "secret-token");
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, Errc::kPermissionDenied);
    EXPECT_EQ(response.error().message,
              server->authority() + " presented a different certificate (" + new_fingerprint +
                  ") from the one pinned on first use (" + old_fingerprint +
                  "); if the server's certificate was replaced on purpose, delete its line "
                  "from " +
                  known.string());
  }
  EXPECT_EQ(observed.wire, "");
  EXPECT_TRUE(observed.first_uses.empty());
  EXPECT_EQ(read_file(known).value(), server->authority() + " " + old_fingerprint + "\n");

  // Deleting the line, as the message says, pins the new certificate.
  ASSERT_TRUE(remove_file(known).ok());
  auto response = client.request("GET", "/header");
  ASSERT_TRUE(response.ok()) << response.error().describe();
  ASSERT_EQ(observed.first_uses.size(), 1u);
  EXPECT_EQ(observed.first_uses[0].second, new_fingerprint);
}

TEST(HttpsClient, WireTapSeesExactlyTheRequestBytes) {
  auto server = Server::start();
  ASSERT_NE(server, nullptr);
  TempDir home;
  Observed observed;
  HttpsClient client = make_client(options_for(server->url(), home.path() / "ks", &observed));
  const std::string body = R"({"password":"correct horse"})";
  auto response = client.request("POST", "/echo", body, "tok-123.abc");
  ASSERT_TRUE(response.ok()) << response.error().describe();
  EXPECT_EQ(response->status, 200);
  EXPECT_EQ(response->body, body);
  EXPECT_EQ(response->header("X-Echo-Authorization"), "Bearer tok-123.abc");
  EXPECT_EQ(observed.wire,
            "POST /echo HTTP/1.1\r\n"
            "Host: " +
                server->authority() +
                "\r\n"
                "User-Agent: sealmail/" SEALMAIL_VERSION
                "\r\n"
                "Authorization: Bearer tok-123.abc\r\n"
                "Content-Length: " +
                std::to_string(body.size()) +
                "\r\n"
                "Content-Type: application/json\r\n"
                "\r\n" +
                body);

  // Arguments that could split the header block are refused before anything is written.
  observed.wire.clear();
  auto bad = client.request("GET", "/header", "", "tok\r\nX-Injected: 1");
  ASSERT_FALSE(bad.ok());
  EXPECT_EQ(bad.error().code, Errc::kInvalidArgument);
  EXPECT_EQ(observed.wire, "");
}

TEST(HttpsClient, HeadHasNoBody) {
  auto server = Server::start();
  ASSERT_NE(server, nullptr);
  TempDir home;
  HttpsClient client = make_client(options_for(server->url(), home.path() / "ks"));
  auto head = client.request("HEAD", "/header");
  ASSERT_TRUE(head.ok()) << head.error().describe();
  EXPECT_EQ(head->status, 200);
  EXPECT_EQ(head->body, "");
  // The connection is still in step: the next response is read correctly.
  auto get = client.request("GET", "/header");
  ASSERT_TRUE(get.ok());
  EXPECT_EQ(get->body, "ok");
  EXPECT_EQ(server->counters->opened(), 1);
}

TEST(HttpsClient, ReusesTheConnection) {
  auto server = Server::start();
  ASSERT_NE(server, nullptr);
  TempDir home;
  HttpsClient client = make_client(options_for(server->url(), home.path() / "ks"));
  for (int i = 0; i < 3; ++i) {
    auto response = client.request("POST", "/echo", std::to_string(i));
    ASSERT_TRUE(response.ok()) << response.error().describe();
    EXPECT_EQ(response->body, std::to_string(i));
  }
  EXPECT_EQ(server->counters->opened(), 1);

  // A moved client keeps the connection.
  HttpsClient moved = std::move(client);
  ASSERT_TRUE(moved.request("GET", "/header").ok());
  EXPECT_EQ(server->counters->opened(), 1);
}

TEST(HttpsClient, ReconnectsWhenTheServerClosedAnIdleConnection) {
  auto server = Server::start(/*idle_timeout=*/300ms);
  ASSERT_NE(server, nullptr);
  TempDir home;
  HttpsClient client = make_client(options_for(server->url(), home.path() / "ks"));
  ASSERT_TRUE(client.request("GET", "/header").ok());
  ASSERT_TRUE(server->counters->wait_closed(1));  // the server timed the connection out
  auto response = client.request("POST", "/echo", "again");
  ASSERT_TRUE(response.ok()) << response.error().describe();
  EXPECT_EQ(response->body, "again");
  EXPECT_EQ(server->counters->opened(), 2);
}

TEST(HttpsClient, TimesOut) {
  auto server = Server::start();
  ASSERT_NE(server, nullptr);
  TempDir home;
  HttpsOptions options = options_for(server->url(), home.path() / "ks");
  options.timeout = 300ms;
  HttpsClient client = make_client(options);
  auto started = Clock::now();
  auto response = client.request("GET", "/slow");
  auto elapsed = Clock::now() - started;
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, Errc::kTimeout);
  EXPECT_GE(elapsed, 250ms);
  EXPECT_LT(elapsed, 1200ms);  // well before the server's 1.5 s answer
}

TEST(HttpsClient, UnreachablePortIsUnavailable) {
  uint16_t port = 0;
  {
    // Bound but not listening: nothing accepts on this port while the socket lives.
    boost::asio::io_context io;
    boost::asio::ip::tcp::socket socket(io, boost::asio::ip::tcp::v4());
    socket.bind({boost::asio::ip::make_address("127.0.0.1"), 0});
    port = socket.local_endpoint().port();
    TempDir home;
    HttpsClient client =
        make_client(options_for("https://127.0.0.1:" + std::to_string(port), home.path() / "ks"));
    auto response = client.request("GET", "/");
    ASSERT_FALSE(response.ok());
    EXPECT_EQ(response.error().code, Errc::kUnavailable);
    std::string prefix = "cannot reach 127.0.0.1:" + std::to_string(port) + ": ";
    EXPECT_EQ(response.error().message.substr(0, prefix.size()), prefix)
        << response.error().message;
  }
}

TEST(HttpsClient, OversizedResponseIsRefused) {
  auto server = Server::start();
  ASSERT_NE(server, nullptr);
  TempDir home;
  HttpsOptions options = options_for(server->url(), home.path() / "ks");
  options.max_response_bytes = 4999;
  HttpsClient client = make_client(options);
  auto response = client.request("GET", "/big");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, Errc::kLimitExceeded);
  // The client recovers on a new connection.
  ASSERT_TRUE(client.request("GET", "/header").ok());
  EXPECT_EQ(server->counters->opened(), 2);

  options.max_response_bytes = 5000;  // exactly the body: fine
  HttpsClient exact = make_client(options);
  auto big = exact.request("GET", "/big");
  ASSERT_TRUE(big.ok()) << big.error().describe();
  EXPECT_EQ(big->body.size(), 5000u);
}

TEST(HttpsClient, WebPkiTrustedServerIsNotPinned) {
  auto server = Server::start();
  ASSERT_NE(server, nullptr);
  TempDir home;
  auto known = home.path() / "known_servers";
  // OpenSSL's default verify paths honour SSL_CERT_FILE: make the server's own certificate the
  // system trust store, so its chain verifies.
  ScopedEnv trust("SSL_CERT_FILE", server->cert.c_str());
  Observed observed;
  HttpsClient trusted = make_client(options_for(server->url(), known, &observed));
  auto response = trusted.request("GET", "/header");
  ASSERT_TRUE(response.ok()) << response.error().describe();
  EXPECT_TRUE(observed.first_uses.empty());
  EXPECT_FALSE(std::filesystem::exists(known));

  // The same trusted chain under a name it was not issued for (127.0.0.1) falls back to a pin.
  HttpsClient by_address = make_client(
      options_for("https://127.0.0.1:" + std::to_string(server->port()), known, &observed));
  ASSERT_TRUE(by_address.request("GET", "/header").ok());
  ASSERT_EQ(observed.first_uses.size(), 1u);
  EXPECT_EQ(observed.first_uses[0].first, "127.0.0.1:" + std::to_string(server->port()));
}

// A TLS server on 127.0.0.1 that runs `script` on each accepted connection in turn, in its
// own thread, for `connections` connections. Every socket wait is bounded by kWait.
class ScriptedServer {
 public:
  using Script = std::function<void(int index, SSL* ssl)>;

  ScriptedServer(const std::filesystem::path& cert, const std::filesystem::path& key,
                 int connections, Script script) {
    ctx_ = SSL_CTX_new(TLS_server_method());
    SEALMAIL_CHECK(ctx_ != nullptr);
    SEALMAIL_CHECK(SSL_CTX_use_certificate_chain_file(ctx_, cert.c_str()) == 1);
    SEALMAIL_CHECK(SSL_CTX_use_PrivateKey_file(ctx_, key.c_str(), SSL_FILETYPE_PEM) == 1);
    SSL_CTX_set_num_tickets(ctx_, 0);
    fd_ = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
    SEALMAIL_CHECK(fd_ >= 0);
    sockaddr_in addr{};
    addr.sin_family = AF_INET;
    addr.sin_addr.s_addr = htonl(INADDR_LOOPBACK);
    SEALMAIL_CHECK(::bind(fd_, reinterpret_cast<sockaddr*>(&addr), sizeof addr) == 0);
    SEALMAIL_CHECK(::listen(fd_, 8) == 0);
    socklen_t size = sizeof addr;
    SEALMAIL_CHECK(::getsockname(fd_, reinterpret_cast<sockaddr*>(&addr), &size) == 0);
    port_ = ntohs(addr.sin_port);
    thread_ = std::thread([this, connections, script = std::move(script)] {
      for (int i = 0; i < connections; ++i) {
        pollfd p{fd_, POLLIN, 0};
        if (::poll(&p, 1, static_cast<int>(kWait.count() * 1000)) != 1) return;
        int conn = ::accept4(fd_, nullptr, nullptr, SOCK_CLOEXEC);
        if (conn < 0) return;
        timeval tv{static_cast<time_t>(kWait.count()), 0};
        ::setsockopt(conn, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof tv);
        SSL* ssl = SSL_new(ctx_);
        SSL_set_fd(ssl, conn);
        if (SSL_accept(ssl) == 1) script(i, ssl);
        SSL_free(ssl);
        ::close(conn);
      }
    });
  }
  ~ScriptedServer() {
    thread_.join();
    ::close(fd_);
    SSL_CTX_free(ctx_);
  }
  uint16_t port() const { return port_; }

  // Reads one request head (no body: the scripts are driven with GET).
  static std::string read_request(SSL* ssl) {
    std::string in;
    char buffer[4096];
    while (in.find("\r\n\r\n") == std::string::npos) {
      int n = SSL_read(ssl, buffer, sizeof buffer);
      if (n <= 0) return in;
      in.append(buffer, static_cast<size_t>(n));
    }
    return in;
  }
  static void write(SSL* ssl, std::string_view bytes) {
    SSL_write(ssl, bytes.data(), static_cast<int>(bytes.size()));
  }

 private:
  SSL_CTX* ctx_ = nullptr;
  int fd_ = -1;
  uint16_t port_ = 0;
  std::thread thread_;
};

struct ScriptedCertificate {
  ScriptedCertificate() {
    EXPECT_TRUE(net::generate_self_signed_certificate("localhost", cert, key).ok());
  }
  TempDir dir;
  std::filesystem::path cert = dir.path() / "c.crt";
  std::filesystem::path key = dir.path() / "c.key";
};

TEST(HttpsClient, RetriesOnceWhenAReusedConnectionClosesUnderARequest) {
  ScriptedCertificate certificate;
  std::mutex mu;
  std::vector<std::string> seen;  // request lines, "index: line"
  ScriptedServer server(certificate.cert, certificate.key, 2, [&](int index, SSL* ssl) {
    auto note = [&](const std::string& request) {
      std::lock_guard lock(mu);
      seen.push_back(std::to_string(index) + ": " + request.substr(0, request.find("\r\n")));
    };
    note(ScriptedServer::read_request(ssl));
    if (index == 0) {
      ScriptedServer::write(ssl, "HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok");
      // Take the next request, then drop the connection without an answer, as a server
      // whose idle timer fired just as the request arrived.
      note(ScriptedServer::read_request(ssl));
      return;
    }
    ScriptedServer::write(ssl, "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nretry");
  });
  TempDir home;
  Observed observed;
  HttpsClient client = make_client(options_for("https://localhost:" + std::to_string(server.port()),
                                               home.path() / "ks", &observed));
  auto first = client.request("GET", "/a");
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(first->body, "ok");
  auto second = client.request("GET", "/b");
  ASSERT_TRUE(second.ok()) << second.error().describe();
  EXPECT_EQ(second->body, "retry");
  std::lock_guard lock(mu);
  EXPECT_EQ(seen, (std::vector<std::string>{"0: GET /a HTTP/1.1", "0: GET /b HTTP/1.1",
                                            "1: GET /b HTTP/1.1"}));
  // The tap saw each byte written: /b twice.
  size_t count = 0;
  for (size_t at = observed.wire.find("GET /b "); at != std::string::npos;
       at = observed.wire.find("GET /b ", at + 1)) {
    ++count;
  }
  EXPECT_EQ(count, 2u);
}

TEST(HttpsClient, FreshConnectionClosedUnderARequestIsNotRetried) {
  ScriptedCertificate certificate;
  ScriptedServer server(certificate.cert, certificate.key, 1,
                        [](int, SSL* ssl) { ScriptedServer::read_request(ssl); });
  TempDir home;
  HttpsClient client = make_client(
      options_for("https://localhost:" + std::to_string(server.port()), home.path() / "ks"));
  auto response = client.request("GET", "/a");
  ASSERT_FALSE(response.ok());
  EXPECT_EQ(response.error().code, Errc::kUnavailable);
}

TEST(HttpsClient, MalformedResponsesAreInvalidArgument) {
  for (std::string_view reply : {"HTTP/1.1 2x0 OK\r\n\r\n", "garbage\r\n\r\n",
                                 "HTTP/1.1 200 OK\r\nContent-Length: nine\r\n\r\n"}) {
    ScriptedCertificate certificate;
    ScriptedServer server(certificate.cert, certificate.key, 1, [reply](int, SSL* ssl) {
      ScriptedServer::read_request(ssl);
      ScriptedServer::write(ssl, reply);
    });
    TempDir home;
    HttpsClient client = make_client(
        options_for("https://localhost:" + std::to_string(server.port()), home.path() / "ks"));
    auto response = client.request("GET", "/");
    ASSERT_FALSE(response.ok()) << reply;
    EXPECT_EQ(response.error().code, Errc::kInvalidArgument) << response.error().describe();
  }
}

TEST(HttpsClient, OversizedResponsesInEveryFramingAreRefused) {
  std::string chunk = "1000\r\n" + std::string(4096, 'x') + "\r\n";
  for (std::string reply : {
           // A declared length over the limit is refused without waiting for the body.
           std::string("HTTP/1.1 200 OK\r\nContent-Length: 1000000000000\r\n\r\n"),
           "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n" + chunk + chunk,
           "HTTP/1.1 200 OK\r\n\r\n" + std::string(5000, 'x'),  // delimited by the close
           "HTTP/1.1 200 OK\r\nX-Big: " + std::string(70000, 'h') + "\r\n\r\n",
       }) {
    ScriptedCertificate certificate;
    ScriptedServer server(certificate.cert, certificate.key, 1, [reply](int, SSL* ssl) {
      ScriptedServer::read_request(ssl);
      ScriptedServer::write(ssl, reply);
    });
    TempDir home;
    HttpsOptions options =
        options_for("https://localhost:" + std::to_string(server.port()), home.path() / "ks");
    options.max_response_bytes = 4999;
    HttpsClient client = make_client(options);
    auto response = client.request("GET", "/");
    ASSERT_FALSE(response.ok()) << reply.substr(0, 60);
    EXPECT_EQ(response.error().code, Errc::kLimitExceeded) << response.error().describe();
  }
}

}  // namespace
}  // namespace sealmail::client
