#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include "net/listener.h"

#include <gtest/gtest.h>
#include <openssl/ssl.h>

#include <boost/asio/thread_pool.hpp>

#include <algorithm>
#include <chrono>
#include <filesystem>

#include "net/test_support.h"

namespace sealmail::net {
namespace {

using namespace std::chrono_literals;
using testing::EngineLog;
using testing::TempDir;
using testing::TestClient;
using testing::TestServer;
using Clock = std::chrono::steady_clock;

ListenerOptions plain_options() {
  ListenerOptions options;
  options.name = "test";
  options.address = "127.0.0.1";
  options.port = 0;
  options.idle_timeout = 5s;
  options.session_timeout = 30s;
  return options;
}

// A certificate for the listener tests, generated once per test.
struct Certificate {
  Certificate() {
    Status status = generate_self_signed_certificate("a.test", cert, key);
    EXPECT_TRUE(status.ok());
    auto loaded = TlsContextProvider::load(cert, key);
    EXPECT_TRUE(loaded.ok());
    if (loaded.ok()) provider = std::move(loaded).value();
  }
  TempDir dir;
  std::filesystem::path cert = dir.path() / "a.crt";
  std::filesystem::path key = dir.path() / "a.key";
  std::shared_ptr<TlsContextProvider> provider;
};

std::unique_ptr<TestClient> connect_and_greet(const TestServer& server,
                                              const char* source = "127.0.0.1") {
  auto client = TestClient::connect(server.port(), source);
  if (client == nullptr) {
    ADD_FAILURE() << "connect failed";
    return nullptr;
  }
  std::string greeting = client->read_until("\r\n");
  if (greeting != "hello\r\n") {
    ADD_FAILURE() << "greeting was '" << greeting << "'";
    return nullptr;
  }
  return client;
}

TEST(Listener, ReportsBoundEndpoint) {
  auto server = TestServer::start(plain_options());
  ASSERT_NE(server, nullptr);
  auto endpoint = server->listener->local_endpoint();
  EXPECT_EQ(endpoint.address().to_string(), "127.0.0.1");
  EXPECT_NE(endpoint.port(), 0);
}

TEST(Listener, CreateRejectsBadOptions) {
  testing::IoThreads io(1);
  auto factory = std::make_shared<testing::LineEngineFactory>(std::make_shared<EngineLog>());
  ListenerOptions bad_address = plain_options();
  bad_address.address = "localhost";
  auto result = Listener::create(io.context().get_executor(), bad_address, factory);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kInvalidArgument);

  ListenerOptions tls_without_cert = plain_options();
  tls_without_cert.tls = ListenerOptions::Tls::kImplicit;
  result = Listener::create(io.context().get_executor(), tls_without_cert, factory);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kInvalidArgument);

  auto first = Listener::create(io.context().get_executor(), plain_options(), factory);
  ASSERT_TRUE(first.ok());
  ListenerOptions same_port = plain_options();
  same_port.port = (*first)->local_endpoint().port();
  result = Listener::create(io.context().get_executor(), same_port, factory);
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kUnavailable);
}

TEST(Listener, ListensOnIpv6) {
  ListenerOptions options = plain_options();
  options.address = "::1";
  auto server = TestServer::start(options);
  ASSERT_NE(server, nullptr);
  EXPECT_TRUE(server->listener->local_endpoint().address().is_v6());
  EXPECT_NE(server->port(), 0);
}

TEST(Listener, GreetsAndEchoes) {
  auto server = TestServer::start(plain_options());
  ASSERT_NE(server, nullptr);
  auto client = connect_and_greet(*server);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->send("ECHO one\r\nECHO two\r\nTLS?\r\n"));
  EXPECT_EQ(client->read_until("tls=0\r\n"), "one\r\ntwo\r\ntls=0\r\n");
  ASSERT_TRUE(client->send("QUIT\r\n"));
  EXPECT_EQ(client->read_to_eof(), "bye\r\n");
  EXPECT_TRUE(client->eof());
  EXPECT_TRUE(server->log->wait_until([](const EngineLog& l) { return l.destroyed == 1; }));
  EXPECT_EQ(server->listener->connection_count(), 0u);
}

TEST(Listener, ByteAtATimeInput) {
  ListenerOptions options = plain_options();
  options.read_buffer_size = 1;  // the server side reads one byte at a time as well
  auto server = TestServer::start(options);
  ASSERT_NE(server, nullptr);
  auto client = connect_and_greet(*server);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->send_byte_at_a_time("ECHO abc\r\nECHO \r\nQUIT\r\n"));
  EXPECT_EQ(client->read_to_eof(), "abc\r\n\r\nbye\r\n");
  EXPECT_TRUE(client->eof());
  auto input = server->log->read<std::string>([](const EngineLog& l) { return l.input; });
  EXPECT_EQ(input, "ECHO abc\r\nECHO \r\nQUIT\r\n");
}

TEST(Listener, LargeRepliesArriveWhole) {
  auto server = TestServer::start(plain_options());
  ASSERT_NE(server, nullptr);
  auto client = connect_and_greet(*server);
  ASSERT_NE(client, nullptr);
  const std::string big(300 * 1024 + 7, 'x');  // several write chunks and TCP windows
  ASSERT_TRUE(client->send("ECHO " + big + "\r\nQUIT\r\n"));
  EXPECT_EQ(client->read_to_eof(), big + "\r\nbye\r\n");
}

TEST(Listener, PeerCloseEndsTheConnectionQuietly) {
  auto server = TestServer::start(plain_options());
  ASSERT_NE(server, nullptr);
  auto client = connect_and_greet(*server);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->send("ECHO x"));  // an incomplete line, then the peer goes away
  client.reset();
  EXPECT_TRUE(server->log->wait_until([](const EngineLog& l) { return l.destroyed == 1; }));
  EXPECT_EQ(server->listener->connection_count(), 0u);
}

// STARTTLS with a command pipelined behind it in the same packet (RFC 3207 §4.2). With a large
// read buffer both lines reach the engine in one on_data call and the engine drops the tail.
TEST(Listener, StartTlsNeverAnswersPipelinedInjection) {
  Certificate certificate;
  ListenerOptions options = plain_options();
  options.tls = ListenerOptions::Tls::kStartTls;
  auto server = TestServer::start(options, certificate.provider);
  ASSERT_NE(server, nullptr);
  auto client = connect_and_greet(*server);
  ASSERT_NE(client, nullptr);

  ASSERT_TRUE(client->send("STARTTLS\r\nECHO injected\r\n"));
  EXPECT_EQ(client->read_until("\r\n"), "go\r\n");
  ASSERT_TRUE(client->start_tls());
  EXPECT_EQ(client->peer_fingerprint(), testing::file_fingerprint(certificate.cert));
  ASSERT_TRUE(client->send("TLS?\r\nECHO after\r\nQUIT\r\n"));
  // The first bytes after the handshake answer TLS?: nothing was queued for "injected".
  EXPECT_EQ(client->read_to_eof(), "tls=1\r\nafter\r\nbye\r\n");

  auto executed =
      server->log->read<std::vector<std::string>>([](const EngineLog& l) { return l.executed; });
  EXPECT_EQ(executed, (std::vector<std::string>{"STARTTLS", "TLS?", "ECHO after", "QUIT"}));
  EXPECT_EQ(
      server->log->read<std::string>([](const EngineLog& l) { return l.fed_during_starttls; }), "");
}

// The same attack when the server's read stops right after "STARTTLS\r\n": the injected line
// is still in the kernel when the engine asks for TLS, and the transport must drop it rather
// than feed it to the engine or to the TLS handshake.
TEST(Listener, StartTlsDropsInjectionStillQueuedInTheKernel) {
  Certificate certificate;
  ListenerOptions options = plain_options();
  options.tls = ListenerOptions::Tls::kStartTls;
  options.read_buffer_size = 10;  // exactly "STARTTLS\r\n"
  auto server = TestServer::start(options, certificate.provider);
  ASSERT_NE(server, nullptr);
  auto client = connect_and_greet(*server);
  ASSERT_NE(client, nullptr);

  ASSERT_TRUE(client->send("STARTTLS\r\nECHO injected\r\n"));
  EXPECT_EQ(client->read_until("\r\n"), "go\r\n");
  ASSERT_TRUE(client->start_tls());
  ASSERT_TRUE(client->send("ECHO after\r\nQUIT\r\n"));
  EXPECT_EQ(client->read_to_eof(), "after\r\nbye\r\n");

  auto input = server->log->read<std::string>([](const EngineLog& l) { return l.input; });
  EXPECT_EQ(input.find("injected"), std::string::npos) << input;
}

TEST(Listener, StartTlsHandshakeFailureClosesTheConnection) {
  Certificate certificate;
  ListenerOptions options = plain_options();
  options.tls = ListenerOptions::Tls::kStartTls;
  auto server = TestServer::start(options, certificate.provider);
  ASSERT_NE(server, nullptr);
  auto client = connect_and_greet(*server);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->send("STARTTLS\r\n"));
  EXPECT_EQ(client->read_until("\r\n"), "go\r\n");
  ASSERT_TRUE(client->send("this is not a TLS ClientHello\r\n"));
  client->read_to_eof();
  EXPECT_TRUE(client->eof());
  EXPECT_TRUE(server->log->wait_until([](const EngineLog& l) { return l.destroyed == 1; }));
  EXPECT_EQ(server->listener->connection_count(), 0u);
}

TEST(Listener, StartTlsOnAPlaintextListenerClosesWithoutHandshake) {
  auto server = TestServer::start(plain_options());
  ASSERT_NE(server, nullptr);
  auto client = connect_and_greet(*server);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->send("STARTTLS\r\n"));
  EXPECT_EQ(client->read_to_eof(), "");
  EXPECT_TRUE(client->eof());
}

TEST(Listener, ImplicitTls) {
  Certificate certificate;
  ListenerOptions options = plain_options();
  options.tls = ListenerOptions::Tls::kImplicit;
  auto server = TestServer::start(options, certificate.provider);
  ASSERT_NE(server, nullptr);

  auto client = TestClient::connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->start_tls());
  EXPECT_EQ(client->read_until("\r\n"), "hello\r\n");
  ASSERT_TRUE(client->send("TLS?\r\nQUIT\r\n"));
  EXPECT_EQ(client->read_to_eof(), "tls=1\r\nbye\r\n");

  // A plaintext client gets no greeting: the handshake fails and the connection closes.
  auto plain = TestClient::connect(server->port());
  ASSERT_NE(plain, nullptr);
  ASSERT_TRUE(plain->send("ECHO hi\r\n"));
  EXPECT_EQ(plain->read_to_eof(), "");
  EXPECT_TRUE(plain->eof());
  EXPECT_TRUE(server->log->wait_until([](const EngineLog& l) { return l.destroyed == 1; }));
  EXPECT_EQ(server->log->read<int>([](const EngineLog& l) { return l.created; }), 1);
}

TEST(Listener, ImplicitTlsRejectsTls11) {
  Certificate certificate;
  ListenerOptions options = plain_options();
  options.tls = ListenerOptions::Tls::kImplicit;
  auto server = TestServer::start(options, certificate.provider);
  ASSERT_NE(server, nullptr);
  auto client = TestClient::connect(server->port());
  ASSERT_NE(client, nullptr);
  EXPECT_FALSE(client->start_tls(TLS1_1_VERSION));
  auto modern = TestClient::connect(server->port());
  ASSERT_NE(modern, nullptr);
  EXPECT_TRUE(modern->start_tls(TLS1_2_VERSION));
  EXPECT_EQ(modern->read_until("\r\n"), "hello\r\n");
}

TEST(Listener, ImplicitTlsHandshakeTimesOut) {
  Certificate certificate;
  ListenerOptions options = plain_options();
  options.tls = ListenerOptions::Tls::kImplicit;
  options.idle_timeout = 200ms;
  auto server = TestServer::start(options, certificate.provider);
  ASSERT_NE(server, nullptr);
  auto client = TestClient::connect(server->port());
  ASSERT_NE(client, nullptr);
  auto start = Clock::now();
  EXPECT_EQ(client->read_to_eof(), "");  // no ClientHello from us, no bytes from the server
  EXPECT_TRUE(client->eof());
  EXPECT_GE(Clock::now() - start, 150ms);
  EXPECT_EQ(server->log->read<int>([](const EngineLog& l) { return l.created; }), 0);
}

TEST(Listener, GlobalConnectionLimit) {
  ListenerOptions options = plain_options();
  options.max_connections = 2;
  auto server = TestServer::start(options);
  ASSERT_NE(server, nullptr);
  auto first = connect_and_greet(*server);
  auto second = connect_and_greet(*server, "127.0.0.2");
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(server->listener->connection_count(), 2u);

  auto third = TestClient::connect(server->port(), "127.0.0.3");
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->read_to_eof(), "refused:0\r\n");  // kTooManyConnections
  EXPECT_TRUE(third->eof());
  EXPECT_EQ(server->log->read<int>([](const EngineLog& l) { return l.created; }), 2);

  first.reset();
  ASSERT_TRUE(server->log->wait_until([](const EngineLog& l) { return l.destroyed == 1; }));
  auto fourth = connect_and_greet(*server, "127.0.0.3");
  EXPECT_NE(fourth, nullptr);
}

TEST(Listener, PerAddressConnectionLimit) {
  ListenerOptions options = plain_options();
  options.max_connections = 10;
  options.max_connections_per_ip = 2;
  auto server = TestServer::start(options);
  ASSERT_NE(server, nullptr);
  auto first = connect_and_greet(*server);
  auto second = connect_and_greet(*server);
  ASSERT_NE(first, nullptr);
  ASSERT_NE(second, nullptr);

  auto third = TestClient::connect(server->port());
  ASSERT_NE(third, nullptr);
  EXPECT_EQ(third->read_to_eof(), "refused:1\r\n");  // kTooManyFromAddress
  EXPECT_TRUE(third->eof());

  // Another address is not affected.
  auto elsewhere = connect_and_greet(*server, "127.0.0.2");
  EXPECT_NE(elsewhere, nullptr);

  second.reset();
  ASSERT_TRUE(server->log->wait_until([](const EngineLog& l) { return l.destroyed == 1; }));
  auto fourth = connect_and_greet(*server);
  EXPECT_NE(fourth, nullptr);
  EXPECT_EQ(server->listener->connection_count(), 3u);
}

TEST(Listener, PerAddressConnectionRate) {
  ListenerOptions options = plain_options();
  options.max_connections_per_minute_per_ip = 3;
  auto server = TestServer::start(options);
  ASSERT_NE(server, nullptr);
  for (int i = 0; i < 3; ++i) {
    auto client = connect_and_greet(*server);
    ASSERT_NE(client, nullptr) << i;
  }
  // The three may have closed: the rate counts openings, not open connections.
  auto fourth = TestClient::connect(server->port());
  ASSERT_NE(fourth, nullptr);
  EXPECT_EQ(fourth->read_to_eof(), "refused:3\r\n");  // kTooFastFromAddress
  auto elsewhere = connect_and_greet(*server, "127.0.0.2");
  EXPECT_NE(elsewhere, nullptr);
}

TEST(Listener, ImplicitTlsRefusalIsSentOverTls) {
  Certificate certificate;
  ListenerOptions options = plain_options();
  options.tls = ListenerOptions::Tls::kImplicit;
  options.max_connections = 1;
  auto server = TestServer::start(options, certificate.provider);
  ASSERT_NE(server, nullptr);
  auto first = TestClient::connect(server->port());
  ASSERT_NE(first, nullptr);
  ASSERT_TRUE(first->start_tls());
  EXPECT_EQ(first->read_until("\r\n"), "hello\r\n");
  auto second = TestClient::connect(server->port());
  ASSERT_NE(second, nullptr);
  ASSERT_TRUE(second->start_tls());
  EXPECT_EQ(second->read_to_eof(), "refused:0\r\n");
  EXPECT_TRUE(second->eof());
  EXPECT_EQ(server->log->read<int>([](const EngineLog& l) { return l.created; }), 1);
}

TEST(Listener, IdleTimeoutSendsTheEnginesLastWords) {
  ListenerOptions options = plain_options();
  options.idle_timeout = 200ms;
  auto server = TestServer::start(options);
  ASSERT_NE(server, nullptr);
  auto start = Clock::now();
  auto client = connect_and_greet(*server);
  ASSERT_NE(client, nullptr);
  EXPECT_EQ(client->read_to_eof(), "timeout\r\n");
  EXPECT_TRUE(client->eof());
  auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 200ms);
  EXPECT_LT(elapsed, 3s);
}

TEST(Listener, IdleTimeoutAfterStartTls) {
  Certificate certificate;
  ListenerOptions options = plain_options();
  options.tls = ListenerOptions::Tls::kStartTls;
  options.idle_timeout = 300ms;
  auto server = TestServer::start(options, certificate.provider);
  ASSERT_NE(server, nullptr);
  auto client = connect_and_greet(*server);
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->send("STARTTLS\r\n"));
  EXPECT_EQ(client->read_until("\r\n"), "go\r\n");
  ASSERT_TRUE(client->start_tls());
  EXPECT_EQ(client->read_to_eof(), "timeout\r\n");  // over TLS
  EXPECT_TRUE(client->eof());
}

TEST(Listener, SessionTimeoutEndsABusySession) {
  ListenerOptions options = plain_options();
  options.idle_timeout = 10s;
  options.session_timeout = 300ms;
  auto server = TestServer::start(options);
  ASSERT_NE(server, nullptr);
  auto start = Clock::now();
  auto client = connect_and_greet(*server);
  ASSERT_NE(client, nullptr);
  // Never idle: a round trip at a time until the session's time is up.
  std::string reply;
  while (Clock::now() - start < 3s) {
    if (!client->send("ECHO ping\r\n")) break;
    reply = client->read_until("\r\n");
    if (reply != "ping\r\n") break;
  }
  EXPECT_EQ(reply, "timeout\r\n");
  EXPECT_EQ(client->read_to_eof(), "");
  EXPECT_TRUE(client->eof());
  auto elapsed = Clock::now() - start;
  EXPECT_GE(elapsed, 300ms);
  EXPECT_LT(elapsed, 3s);
}

// Certificate A, reload to B on disk: new handshakes see B, the open session keeps A.
TEST(Listener, TlsReloadAffectsOnlyNewHandshakes) {
  TempDir dir;
  auto live_crt = dir.path() / "live.crt";
  auto live_key = dir.path() / "live.key";
  auto b_crt = dir.path() / "b.crt";
  auto b_key = dir.path() / "b.key";
  ASSERT_TRUE(generate_self_signed_certificate("a.test", live_crt, live_key).ok());
  ASSERT_TRUE(generate_self_signed_certificate("b.test", b_crt, b_key).ok());
  const std::string fingerprint_a = testing::file_fingerprint(live_crt);
  const std::string fingerprint_b = testing::file_fingerprint(b_crt);
  ASSERT_NE(fingerprint_a, "");
  ASSERT_NE(fingerprint_a, fingerprint_b);
  auto provider = TlsContextProvider::load(live_crt, live_key);
  ASSERT_TRUE(provider.ok());

  ListenerOptions options = plain_options();
  options.tls = ListenerOptions::Tls::kImplicit;
  auto server = TestServer::start(options, *provider);
  ASSERT_NE(server, nullptr);

  auto old_client = TestClient::connect(server->port());
  ASSERT_NE(old_client, nullptr);
  ASSERT_TRUE(old_client->start_tls());
  EXPECT_EQ(old_client->read_until("\r\n"), "hello\r\n");
  EXPECT_EQ(old_client->peer_fingerprint(), fingerprint_a);

  std::filesystem::copy_file(b_crt, live_crt, std::filesystem::copy_options::overwrite_existing);
  std::filesystem::copy_file(b_key, live_key, std::filesystem::copy_options::overwrite_existing);
  Status reloaded = (*provider)->reload();
  ASSERT_TRUE(reloaded.ok()) << reloaded.error().describe();

  auto new_client = TestClient::connect(server->port());
  ASSERT_NE(new_client, nullptr);
  ASSERT_TRUE(new_client->start_tls());
  EXPECT_EQ(new_client->read_until("\r\n"), "hello\r\n");
  EXPECT_EQ(new_client->peer_fingerprint(), fingerprint_b);

  ASSERT_TRUE(old_client->send("ECHO still here\r\n"));
  EXPECT_EQ(old_client->read_until("\r\n"), "still here\r\n");
  EXPECT_EQ(old_client->peer_fingerprint(), fingerprint_a);

  // A broken file on disk: reload fails and handshakes go on with B.
  ASSERT_TRUE(testing::write_file(live_crt, "-----BEGIN CERTIFICATE-----\ngarbage\n"));
  Status broken = (*provider)->reload();
  ASSERT_FALSE(broken.ok());
  EXPECT_EQ(broken.error().code, Errc::kInvalidArgument);
  auto third_client = TestClient::connect(server->port());
  ASSERT_NE(third_client, nullptr);
  ASSERT_TRUE(third_client->start_tls());
  EXPECT_EQ(third_client->read_until("\r\n"), "hello\r\n");
  EXPECT_EQ(third_client->peer_fingerprint(), fingerprint_b);
}

TEST(Listener, TlsReloadWithBrokenFileKeepsTheFirstCertificate) {
  Certificate certificate;
  const std::string fingerprint_a = testing::file_fingerprint(certificate.cert);
  ListenerOptions options = plain_options();
  options.tls = ListenerOptions::Tls::kImplicit;
  auto server = TestServer::start(options, certificate.provider);
  ASSERT_NE(server, nullptr);

  ASSERT_TRUE(testing::write_file(certificate.key, "not a key\n"));
  Status status = certificate.provider->reload();
  ASSERT_FALSE(status.ok());
  EXPECT_EQ(status.error().code, Errc::kInvalidArgument);

  auto client = TestClient::connect(server->port());
  ASSERT_NE(client, nullptr);
  ASSERT_TRUE(client->start_tls());
  EXPECT_EQ(client->read_until("\r\n"), "hello\r\n");
  EXPECT_EQ(client->peer_fingerprint(), fingerprint_a);
}

TEST(Listener, ManyConcurrentClients) {
  ListenerOptions options = plain_options();
  options.max_connections = 100;
  options.max_connections_per_ip = 100;
  auto server = TestServer::start(options);
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<TestClient>> clients;
  for (int i = 0; i < 40; ++i) {
    clients.push_back(connect_and_greet(*server));
    ASSERT_NE(clients.back(), nullptr);
  }
  for (int i = 0; i < 40; ++i) {
    ASSERT_TRUE(clients[i]->send("ECHO " + std::to_string(i) + "\r\nQUIT\r\n"));
  }
  for (int i = 0; i < 40; ++i) {
    EXPECT_EQ(clients[i]->read_to_eof(), std::to_string(i) + "\r\nbye\r\n");
  }
  clients.clear();
  EXPECT_TRUE(server->log->wait_until([](const EngineLog& l) { return l.destroyed == 40; }));
  EXPECT_EQ(server->listener->connection_count(), 0u);
}

// Engines that block (on a database commit, say) run on engine_executor, so the two I/O threads
// of the test server keep serving other connections meanwhile.
TEST(Listener, BlockingEnginesRunOffTheIoThreads) {
  boost::asio::thread_pool pool(4);
  ListenerOptions options = plain_options();
  options.engine_executor = pool.get_executor();
  auto server = TestServer::start(options);
  ASSERT_NE(server, nullptr);
  std::vector<std::unique_ptr<TestClient>> holders;
  for (int i = 0; i < 2; ++i) {
    holders.push_back(connect_and_greet(*server));
    ASSERT_NE(holders.back(), nullptr);
    ASSERT_TRUE(holders.back()->send("HOLD\r\n"));
  }
  ASSERT_TRUE(server->log->wait_until([](const EngineLog& l) { return l.holding == 2; }));
  auto other = connect_and_greet(*server);
  ASSERT_NE(other, nullptr);
  ASSERT_TRUE(other->send("ECHO free\r\n"));
  EXPECT_EQ(other->read_until("\r\n"), "free\r\n");
  // Without the pool, "free" would come only after HOLD gave up waiting.
  EXPECT_EQ(server->log->read<int>([](const EngineLog& l) { return l.held; }), 0);
  server->log->record([](EngineLog& l) { l.released = true; });
  for (auto& holder : holders) EXPECT_EQ(holder->read_until("\r\n"), "held\r\n");
}

}  // namespace
}  // namespace sealmail::net
