// The one translation unit of src/client that includes Boost.Beast (it costs seconds and about
// a gigabyte of compiler memory per TU): HttpsClient's connection, TLS and pinning, and the
// response parser. Request bytes are built Beast-free in https_client.cc.
//
// Every operation is an Asio async operation run to completion on the client's own
// io_context, so that beast::tcp_stream's deadline bounds it; the caller sees a blocking call.
#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include <openssl/crypto.h>
#include <openssl/ssl.h>
#include <openssl/x509.h>
#include <openssl/x509_vfy.h>
#include <poll.h>

#include <chrono>
#include <memory>
#include <string>
#include <vector>

// GCC 12 with -fsanitize reports a false maybe-uninitialized inside Beast's boost::optional
// body limit; silence it for Beast's own lines only (as src/http/engine.cc does).
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/buffer.hpp>
#include <boost/asio/io_context.hpp>
#include <boost/asio/ip/address.hpp>
#include <boost/asio/ip/tcp.hpp>
#include <boost/asio/ssl/context.hpp>
#include <boost/asio/ssl/error.hpp>
#include <boost/asio/ssl/stream.hpp>
#include <boost/asio/steady_timer.hpp>
#include <boost/asio/write.hpp>
#include <boost/beast/core/error.hpp>
#include <boost/beast/core/flat_buffer.hpp>
#include <boost/beast/core/tcp_stream.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/beast/http/read.hpp>
#include <boost/beast/http/string_body.hpp>
#pragma GCC diagnostic pop

#include "client/https_client.h"
#include "client/internal/known_servers.h"
#include "client/internal/request_wire.h"

namespace sealmail::client {
namespace internal {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace bhttp = boost::beast::http;
using tcp = asio::ip::tcp;
using Clock = std::chrono::steady_clock;
using ErrorCode = boost::system::error_code;

constexpr uint32_t kMaxHeaderBytes = 64 * 1024;

// The peer went away: on a reused connection, the sign of an idle close we raced with.
bool is_closed(const ErrorCode& ec) {
  return ec == bhttp::error::end_of_stream || ec == asio::error::eof ||
         ec == asio::error::connection_reset || ec == asio::error::broken_pipe ||
         ec == asio::error::connection_aborted || ec == asio::ssl::error::stream_truncated;
}

// Wipes the request bytes (they hold the bearer token and the body) when a request ends.
struct Wiped {
  std::string bytes;
  ~Wiped() { OPENSSL_cleanse(bytes.data(), bytes.size()); }
};

}  // namespace

class HttpsTransport {
 public:
  HttpsTransport(HttpsOptions options, ServerAddress server, asio::ssl::context context)
      : options_(std::move(options)),
        server_(std::move(server)),
        authority_(server_.authority()),
        context_(std::move(context)) {}

  Result<HttpResponse> request(std::string_view method, std::string_view target,
                               std::string_view body, std::string_view bearer,
                               std::string_view content_type);
  const ServerAddress& server() const { return server_; }

 private:
  struct Connection {
    Connection(asio::io_context& io, asio::ssl::context& context) : stream(io, context) {}
    asio::ssl::stream<beast::tcp_stream> stream;
    beast::flat_buffer buffer;  // bytes read past the last response
    bool webpki_ok = true;      // cleared by the verify callback on any chain or name error
  };

  // One try on one connection; `retry` when a fresh connection may succeed where it failed.
  struct Attempt {
    Result<HttpResponse> result;
    bool retry = false;
  };

  // Runs io_ until the operation `start` begins has completed; returns its error code.
  template <typename Start>
  ErrorCode run(Start&& start);
  Result<std::vector<tcp::endpoint>> resolve(Clock::time_point deadline);
  Status connect(Clock::time_point deadline);
  Status check_certificate(Connection& connection);
  Attempt exchange(std::string_view wire, bool head, bool reused, Clock::time_point deadline);
  bool idle_connection_usable();
  Error io_failure(const ErrorCode& ec) const;

  // Constant after construction.
  const HttpsOptions options_;
  const ServerAddress server_;
  const std::string authority_;

  asio::io_context io_;
  asio::ssl::context context_;
  std::unique_ptr<Connection> connection_;  // null when there is no open connection
};

template <typename Start>
ErrorCode HttpsTransport::run(Start&& start) {
  ErrorCode result = asio::error::would_block;
  bool done = false;
  start([&result, &done](ErrorCode ec, auto&&...) {
    result = ec;
    done = true;
  });
  io_.restart();
  io_.run();
  SEALMAIL_CHECK(done);
  return result;
}

Error HttpsTransport::io_failure(const ErrorCode& ec) const {
  if (ec == beast::error::timeout) {
    return make_error(Errc::kTimeout, authority_ + " did not answer within " +
                                          std::to_string(options_.timeout.count()) + " ms");
  }
  if (is_closed(ec)) {
    return make_error(Errc::kUnavailable,
                      "cannot reach " + authority_ + ": the server closed the connection");
  }
  if (ec == bhttp::error::body_limit || ec == bhttp::error::header_limit ||
      ec == bhttp::error::buffer_overflow) {
    return make_error(Errc::kLimitExceeded, "the response from " + authority_ + " is larger than " +
                                                std::to_string(options_.max_response_bytes) +
                                                " bytes");
  }
  if (ec.category() == bhttp::make_error_code(bhttp::error::bad_version).category()) {
    return make_error(Errc::kInvalidArgument,
                      "malformed response from " + authority_ + ": " + ec.message());
  }
  return make_error(Errc::kUnavailable, "cannot reach " + authority_ + ": " + ec.message());
}

Result<std::vector<tcp::endpoint>> HttpsTransport::resolve(Clock::time_point deadline) {
  if (server_.ip_literal) {
    ErrorCode ec;
    auto address = asio::ip::make_address(server_.host, ec);
    SEALMAIL_CHECK(!ec);  // parse_server_url admitted only literals inet_pton accepts
    return std::vector<tcp::endpoint>{tcp::endpoint(address, server_.port)};
  }
  // getaddrinfo runs on Asio's resolver thread; the timer abandons it at the deadline (the
  // system resolver's own timeouts bound the thread itself).
  tcp::resolver resolver(io_);
  asio::steady_timer timer(io_);
  bool timed_out = false;
  timer.expires_at(deadline);
  timer.async_wait([&](ErrorCode ec) {
    if (ec) return;
    timed_out = true;
    resolver.cancel();
  });
  std::vector<tcp::endpoint> endpoints;
  ErrorCode ec = run([&](auto handler) {
    resolver.async_resolve(server_.host, std::to_string(server_.port),
                           tcp::resolver::numeric_service,
                           [&, handler](ErrorCode e, tcp::resolver::results_type results) mutable {
                             timer.cancel();
                             for (const auto& entry : results) endpoints.push_back(entry);
                             handler(e);
                           });
  });
  if (timed_out) return io_failure(beast::error::timeout);
  if (ec || endpoints.empty()) {
    return make_error(Errc::kUnavailable, "cannot reach " + authority_ + ": cannot resolve " +
                                              server_.host + ": " +
                                              (ec ? ec.message() : std::string("no addresses")));
  }
  return endpoints;
}

Status HttpsTransport::connect(Clock::time_point deadline) {
  auto endpoints = SEALMAIL_TRY(resolve(deadline));
  auto connection = std::make_unique<Connection>(io_, context_);
  auto& tcp_layer = beast::get_lowest_layer(connection->stream);
  tcp_layer.expires_at(deadline);
  ErrorCode ec = run([&](auto handler) { tcp_layer.async_connect(endpoints, handler); });
  if (ec) return io_failure(ec);
  tcp_layer.socket().set_option(tcp::no_delay(true), ec);

  SSL* ssl = connection->stream.native_handle();
  if (server_.ip_literal) {
    // RFC 6066 §3: no SNI for an address; the certificate must carry it as an iPAddress SAN.
    if (X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), server_.host.c_str()) != 1) {
      return make_error(Errc::kInternal, "cannot set the address to verify");
    }
  } else if (SSL_set_tlsext_host_name(ssl, server_.host.c_str()) != 1 ||
             SSL_set1_host(ssl, server_.host.c_str()) != 1) {
    return make_error(Errc::kInternal, "cannot set the host name to verify");
  }
  // Verification never fails the handshake: its verdict decides between WebPKI and the pin,
  // and the pin is checked before a request byte is written.
  Connection* raw = connection.get();
  connection->stream.set_verify_mode(asio::ssl::verify_peer, ec);
  if (!ec) {
    connection->stream.set_verify_callback(
        [raw](bool preverified, asio::ssl::verify_context&) {
          if (!preverified) raw->webpki_ok = false;
          return true;
        },
        ec);
  }
  if (ec) return make_error(Errc::kInternal, "cannot set up certificate verification");

  ec = run([&](auto handler) {
    connection->stream.async_handshake(asio::ssl::stream_base::client, handler);
  });
  if (ec == beast::error::timeout) return io_failure(ec);
  if (ec) {
    return make_error(Errc::kUnavailable,
                      "cannot reach " + authority_ + ": TLS handshake failed: " + ec.message());
  }
  SEALMAIL_RETURN_IF_ERROR(check_certificate(*connection));
  connection_ = std::move(connection);
  return ok_status();
}

Status HttpsTransport::check_certificate(Connection& connection) {
  SSL* ssl = connection.stream.native_handle();
  if (connection.webpki_ok && SSL_get_verify_result(ssl) == X509_V_OK) return ok_status();
  std::unique_ptr<X509, decltype(&X509_free)> leaf(SSL_get1_peer_certificate(ssl), &X509_free);
  if (leaf == nullptr) {
    return make_error(Errc::kPermissionDenied, authority_ + " presented no certificate");
  }
  auto fingerprint = SEALMAIL_TRY(spki_fingerprint(leaf.get()));
  auto outcome = SEALMAIL_TRY(check_or_pin(options_.known_servers, authority_, fingerprint));
  if (outcome == PinOutcome::kPinned && options_.on_first_use) {
    options_.on_first_use(authority_, fingerprint);
  }
  return ok_status();
}

// A kept-alive connection is reused only when nothing arrived while it was idle: readable
// means the server's close (FIN or close_notify) or bytes no request asked for.
bool HttpsTransport::idle_connection_usable() {
  if (connection_->buffer.size() != 0) return false;
  pollfd fd{};
  fd.fd = beast::get_lowest_layer(connection_->stream).socket().native_handle();
  fd.events = POLLIN;
  return ::poll(&fd, 1, 0) == 0;
}

HttpsTransport::Attempt HttpsTransport::exchange(std::string_view wire, bool head, bool reused,
                                                 Clock::time_point deadline) {
  Connection& connection = *connection_;
  beast::get_lowest_layer(connection.stream).expires_at(deadline);
  if (options_.wire_tap) options_.wire_tap(wire);
  ErrorCode ec = run([&](auto handler) {
    asio::async_write(connection.stream, asio::buffer(wire.data(), wire.size()), handler);
  });
  if (ec) {
    connection_.reset();
    return {io_failure(ec), reused && is_closed(ec)};
  }

  bhttp::response_parser<bhttp::string_body> parser;
  parser.header_limit(kMaxHeaderBytes);
  parser.body_limit(static_cast<uint64_t>(options_.max_response_bytes));
  parser.skip(head);  // a response to HEAD has framing fields but no body
  // The header first, on its own: Boost 1.74's parser loses the body_limit error for a
  // Content-Length over the limit when it parses header and body in one eager pass (as
  // async_read does), and then reads the whole body anyway.
  ec = run([&](auto handler) {
    bhttp::async_read_header(connection.stream, connection.buffer, parser, handler);
  });
  if (!ec && !parser.is_done()) {
    ec = run([&](auto handler) {
      bhttp::async_read(connection.stream, connection.buffer, parser, handler);
    });
  }
  if (!ec && parser.get().body().size() > options_.max_response_bytes) {
    ec = bhttp::error::body_limit;  // never expected; the parser's limit is the bound
  }
  if (ec) {
    bool nothing_read = !parser.got_some() && connection.buffer.size() == 0;
    connection_.reset();
    return {io_failure(ec), reused && nothing_read && is_closed(ec)};
  }

  auto& message = parser.get();
  HttpResponse response;
  response.status = static_cast<int>(message.result_int());
  for (const auto& field : message) {
    response.headers.emplace_back(std::string(field.name_string()), std::string(field.value()));
  }
  response.body = std::move(message.body());
  if (!message.keep_alive() || parser.need_eof()) connection_.reset();
  return {std::move(response)};
}

Result<HttpResponse> HttpsTransport::request(std::string_view method, std::string_view target,
                                             std::string_view body, std::string_view bearer,
                                             std::string_view content_type) {
  Wiped wire{SEALMAIL_TRY(serialize_request(server_, method, target, body, bearer, content_type))};
  const Clock::time_point deadline = Clock::now() + options_.timeout;
  const bool head = method == "HEAD";
  for (;;) {
    bool reused = connection_ != nullptr;
    if (reused && !idle_connection_usable()) {
      connection_.reset();
      reused = false;
    }
    if (connection_ == nullptr) SEALMAIL_RETURN_IF_ERROR(connect(deadline));
    Attempt attempt = exchange(wire.bytes, head, reused, deadline);
    // A retry runs on a fresh connection (reused is then false), so it happens at most once.
    if (!attempt.retry) return std::move(attempt.result);
  }
}

}  // namespace internal

HttpsClient::HttpsClient(std::unique_ptr<internal::HttpsTransport> transport)
    : transport_(std::move(transport)) {}
HttpsClient::HttpsClient(HttpsClient&&) noexcept = default;
HttpsClient& HttpsClient::operator=(HttpsClient&&) noexcept = default;
HttpsClient::~HttpsClient() = default;

Result<HttpsClient> HttpsClient::create(HttpsOptions options) {
  auto server = SEALMAIL_TRY(parse_server_url(options.server));
  if (options.known_servers.empty()) {
    return make_error(Errc::kInvalidArgument, "no known_servers file given");
  }
  if (options.timeout.count() <= 0 || options.max_response_bytes == 0) {
    return make_error(Errc::kInvalidArgument, "timeout and max_response_bytes must be positive");
  }
  namespace asio = boost::asio;
  std::unique_ptr<asio::ssl::context> context;
  try {
    context = std::make_unique<asio::ssl::context>(asio::ssl::context::tls_client);
  } catch (const boost::system::system_error& e) {
    return make_error(Errc::kInternal, std::string("cannot create a TLS context: ") + e.what());
  }
  SSL_CTX* ctx = context->native_handle();
  if (SSL_CTX_set_min_proto_version(ctx, TLS1_2_VERSION) != 1) {
    return make_error(Errc::kInternal, "cannot set the minimum TLS version");
  }
  SSL_CTX_set_options(ctx, SSL_OP_NO_COMPRESSION | SSL_OP_NO_RENEGOTIATION);
  boost::system::error_code ec;
  context->set_default_verify_paths(ec);
  if (ec) return make_error(Errc::kInternal, "cannot load the system's trusted certificates");
  return HttpsClient(std::make_unique<internal::HttpsTransport>(
      std::move(options), std::move(server), std::move(*context)));
}

Result<HttpResponse> HttpsClient::request(std::string_view method, std::string_view target,
                                          std::string_view body, std::string_view bearer,
                                          std::string_view content_type) {
  SEALMAIL_CHECK(transport_ != nullptr);  // not moved from
  return transport_->request(method, target, body, bearer, content_type);
}

const ServerAddress& HttpsClient::server() const {
  SEALMAIL_CHECK(transport_ != nullptr);
  return transport_->server();
}

}  // namespace sealmail::client
