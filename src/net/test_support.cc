#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include "net/test_support.h"

#include <arpa/inet.h>
#include <netinet/in.h>
#include <netinet/tcp.h>
#include <openssl/err.h>
#include <openssl/evp.h>
#include <openssl/pem.h>
#include <openssl/x509.h>
#include <sys/socket.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <fstream>
#include <future>

#include <gtest/gtest.h>

#include "base/check.h"

namespace sealmail::net::testing {
namespace {

using Clock = std::chrono::steady_clock;

std::string hex(const unsigned char* data, unsigned int size) {
  static constexpr char kDigits[] = "0123456789abcdef";
  std::string out;
  for (unsigned int i = 0; i < size; ++i) {
    out += kDigits[data[i] >> 4];
    out += kDigits[data[i] & 0xf];
  }
  return out;
}

std::string fingerprint(X509* cert) {
  unsigned char md[EVP_MAX_MD_SIZE];
  unsigned int size = 0;
  if (cert == nullptr || X509_digest(cert, EVP_sha256(), md, &size) != 1) return "";
  return hex(md, size);
}

std::chrono::milliseconds remaining(Clock::time_point deadline) {
  auto left = std::chrono::duration_cast<std::chrono::milliseconds>(deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(1));
}

}  // namespace

void EngineLog::record(const std::function<void(EngineLog&)>& change) {
  {
    std::lock_guard lock(mu_);
    change(*this);
  }
  cv_.notify_all();
}

bool EngineLog::wait_until(const std::function<bool(const EngineLog&)>& done,
                           std::chrono::milliseconds timeout) {
  std::unique_lock lock(mu_);
  return cv_.wait_for(lock, timeout, [&] { return done(*this); });
}

LineEngine::LineEngine(std::shared_ptr<EngineLog> log) : log_(std::move(log)) {
  log_->record([](EngineLog& l) { ++l.created; });
}

LineEngine::~LineEngine() {
  log_->record([](EngineLog& l) { ++l.destroyed; });
}

Output LineEngine::on_connect(const SessionInfo& session) {
  tls_ = session.tls;
  return Output::read("hello\r\n");
}

Output LineEngine::on_data(std::string_view bytes) {
  log_->record([&](EngineLog& l) {
    l.input.append(bytes);
    if (starting_tls_) l.fed_during_starttls.append(bytes);
  });
  buffer_.append(bytes);
  std::string replies;
  size_t end;
  while ((end = buffer_.find("\r\n")) != std::string::npos) {
    std::string line = buffer_.substr(0, end);
    buffer_.erase(0, end + 2);
    log_->record([&](EngineLog& l) { l.executed.push_back(line); });
    if (line == "QUIT") {
      buffer_.clear();
      return Output::close(replies + "bye\r\n");
    }
    if (line == "STARTTLS") {
      buffer_.clear();  // RFC 3207 §4.2: whatever follows is an injection attempt
      starting_tls_ = true;
      return Output::start_tls(replies + "go\r\n");
    }
    if (line == "END" && shutting_down_) {
      buffer_.clear();
      return Output::close(replies + "end-bye\r\n");
    }
    if (line.starts_with("ECHO ")) {
      replies += line.substr(5) + "\r\n";
    } else if (line == "TLS?") {
      replies += tls_ ? "tls=1\r\n" : "tls=0\r\n";
    } else if (line == "HOLD") {
      log_->record([](EngineLog& l) { ++l.holding; });
      log_->wait_until([](const EngineLog& l) { return l.released; });
      log_->record([](EngineLog& l) { ++l.held; });
      replies += "held\r\n";
    } else if (line == "BEGIN") {
      busy_ = true;
      replies += "begun\r\n";
    } else if (line == "END") {
      busy_ = false;
      replies += "ended\r\n";
    } else {
      replies += "unknown\r\n";
    }
  }
  return Output::read(std::move(replies));
}

Output LineEngine::on_tls_established() {
  tls_ = true;
  starting_tls_ = false;
  buffer_.clear();
  return Output::read();
}

Engine::ShutdownReply LineEngine::on_shutdown() {
  log_->record([](EngineLog& l) { ++l.shutdowns; });
  if (!busy_ && buffer_.empty()) return {"draining\r\n", true};
  shutting_down_ = true;
  return {};
}

std::string LineEngineFactory::refusal(Refusal why) {
  return "refused:" + std::to_string(static_cast<int>(why)) + "\r\n";
}

IoThreads::IoThreads(int threads) : guard_(boost::asio::make_work_guard(context_)) {
  for (int i = 0; i < threads; ++i) threads_.emplace_back([this] { context_.run(); });
}

IoThreads::~IoThreads() {
  guard_.reset();
  context_.stop();
  for (auto& thread : threads_) thread.join();
}

std::unique_ptr<TestServer> TestServer::start(ListenerOptions options,
                                              std::shared_ptr<TlsContextProvider> tls) {
  auto server = std::make_unique<TestServer>();
  auto listener =
      Listener::create(server->io.context().get_executor(), std::move(options),
                       std::make_shared<LineEngineFactory>(server->log), std::move(tls));
  if (!listener.ok()) {
    std::fprintf(stderr, "listener: %s\n", listener.error().describe().c_str());
    return nullptr;
  }
  server->listener = std::move(listener).value();
  server->listener->start();
  return server;
}

TestServer::~TestServer() {
  if (!listener) return;
  auto wait = drained_waiter();
  listener->begin_drain(0ms);
  if (!wait(kWait)) ADD_FAILURE() << "listener did not drain within " << kWait.count() << " ms";
}

std::function<bool(std::chrono::milliseconds)> TestServer::drained_waiter() {
  auto promise = std::make_shared<std::promise<void>>();
  auto future = promise->get_future().share();
  listener->async_wait_drained([promise] { promise->set_value(); });
  return [future](std::chrono::milliseconds timeout) {
    return future.wait_for(timeout) == std::future_status::ready;
  };
}

std::unique_ptr<TestClient> TestClient::connect(uint16_t port, const char* source, int* error) {
  int fd = ::socket(AF_INET, SOCK_STREAM | SOCK_CLOEXEC, 0);
  SEALMAIL_CHECK(fd >= 0);
  sockaddr_in local{};
  local.sin_family = AF_INET;
  SEALMAIL_CHECK(::inet_pton(AF_INET, source, &local.sin_addr) == 1);
  sockaddr_in remote{};
  remote.sin_family = AF_INET;
  remote.sin_port = htons(port);
  SEALMAIL_CHECK(::inet_pton(AF_INET, "127.0.0.1", &remote.sin_addr) == 1);
  int one = 1;
  ::setsockopt(fd, IPPROTO_TCP, TCP_NODELAY, &one, sizeof(one));
  if (::bind(fd, reinterpret_cast<sockaddr*>(&local), sizeof(local)) != 0 ||
      ::connect(fd, reinterpret_cast<sockaddr*>(&remote), sizeof(remote)) != 0) {
    if (error != nullptr) *error = errno;
    ::close(fd);
    return nullptr;
  }
  auto client = std::unique_ptr<TestClient>(new TestClient(fd));
  client->set_timeouts(kWait);
  return client;
}

TestClient::~TestClient() {
  if (ssl_ != nullptr) SSL_free(ssl_);
  if (ctx_ != nullptr) SSL_CTX_free(ctx_);
  ::close(fd_);
}

void TestClient::set_timeouts(std::chrono::milliseconds timeout) {
  timeval tv{};
  tv.tv_sec = static_cast<time_t>(timeout.count() / 1000);
  tv.tv_usec = static_cast<suseconds_t>((timeout.count() % 1000) * 1000);
  ::setsockopt(fd_, SOL_SOCKET, SO_RCVTIMEO, &tv, sizeof(tv));
  ::setsockopt(fd_, SOL_SOCKET, SO_SNDTIMEO, &tv, sizeof(tv));
}

bool TestClient::send(std::string_view bytes) {
  while (!bytes.empty()) {
    long n = ssl_ != nullptr ? SSL_write(ssl_, bytes.data(), static_cast<int>(bytes.size()))
                             : ::send(fd_, bytes.data(), bytes.size(), MSG_NOSIGNAL);
    if (n <= 0) return false;
    bytes.remove_prefix(static_cast<size_t>(n));
  }
  return true;
}

bool TestClient::send_byte_at_a_time(std::string_view bytes) {
  for (char c : bytes) {
    if (!send(std::string_view(&c, 1))) return false;
  }
  return true;
}

long TestClient::read_once(char* buffer, size_t size, std::chrono::milliseconds timeout) {
  set_timeouts(timeout);
  if (ssl_ != nullptr) {
    int n = SSL_read(ssl_, buffer, static_cast<int>(size));
    if (n > 0) return n;
    int error = SSL_get_error(ssl_, n);
    ERR_clear_error();
    return error == SSL_ERROR_WANT_READ ? -1 : 0;  // close_notify, or TCP closed without it
  }
  ssize_t n = ::recv(fd_, buffer, size, 0);
  if (n < 0) return (errno == EAGAIN || errno == EWOULDBLOCK) ? -1 : 0;  // reset: EOF
  return n;
}

std::string TestClient::read_until(std::string_view needle, std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  for (;;) {
    if (size_t at = pending_.find(needle); at != std::string::npos) {
      std::string out = pending_.substr(0, at + needle.size());
      pending_.erase(0, at + needle.size());
      return out;
    }
    if (eof_ || Clock::now() >= deadline) return std::exchange(pending_, {});
    char buffer[4096];
    long n = read_once(buffer, sizeof(buffer), remaining(deadline));
    if (n == 0) eof_ = true;
    if (n > 0) pending_.append(buffer, static_cast<size_t>(n));
  }
}

std::string TestClient::read_to_eof(std::chrono::milliseconds timeout) {
  auto deadline = Clock::now() + timeout;
  while (!eof_ && Clock::now() < deadline) {
    char buffer[4096];
    long n = read_once(buffer, sizeof(buffer), remaining(deadline));
    if (n == 0) eof_ = true;
    if (n > 0) pending_.append(buffer, static_cast<size_t>(n));
  }
  return std::exchange(pending_, {});
}

bool TestClient::start_tls(int max_version) {
  ctx_ = SSL_CTX_new(TLS_client_method());
  SEALMAIL_CHECK(ctx_ != nullptr);
  SSL_CTX_set_verify(ctx_, SSL_VERIFY_NONE, nullptr);
  if (max_version != 0) {
    SSL_CTX_set_security_level(ctx_, 0);
    SSL_CTX_set_min_proto_version(ctx_, 0);
    SSL_CTX_set_max_proto_version(ctx_, max_version);
  }
  ssl_ = SSL_new(ctx_);
  SEALMAIL_CHECK(ssl_ != nullptr);
  SSL_set_fd(ssl_, fd_);
  set_timeouts(kWait);
  bool ok = SSL_connect(ssl_) == 1;
  ERR_clear_error();
  return ok;
}

std::string TestClient::peer_fingerprint() const {
  if (ssl_ == nullptr) return "";
  X509* cert = SSL_get1_peer_certificate(ssl_);
  std::string out = fingerprint(cert);
  X509_free(cert);
  return out;
}

std::string file_fingerprint(const std::filesystem::path& cert_pem) {
  FILE* file = std::fopen(cert_pem.c_str(), "r");
  if (file == nullptr) return "";
  X509* cert = PEM_read_X509(file, nullptr, nullptr, nullptr);
  std::fclose(file);
  std::string out = fingerprint(cert);
  X509_free(cert);
  return out;
}

bool write_file(const std::filesystem::path& path, std::string_view content) {
  std::ofstream out(path, std::ios::binary | std::ios::trunc);
  out << content;
  return static_cast<bool>(out);
}

}  // namespace sealmail::net::testing
