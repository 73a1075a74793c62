// https_client.h — the client's one way to reach a sealmail server: JSON over HTTPS/1.1, one
// request at a time on a kept-alive connection, every request bounded by a deadline.
//
// Certificate policy (decided after the TLS handshake and before any request byte is written):
//  1. WebPKI: when the chain verifies against the system trust store (OpenSSL's default verify
//     paths) and the certificate matches the host name (OpenSSL's host check, RFC 6125; an IP
//     literal must be in an iPAddress SAN), the server is trusted and nothing is pinned.
//  2. Otherwise trust on first use, as SSH does. The pin is the SHA-256 of the leaf
//     certificate's SubjectPublicKeyInfo (DER), written "SHA256:" + base64 (padded). The
//     known_servers file holds one line per server, `host:port SHA256:…` ('#' comments and
//     blank lines allowed). No line for this host:port → one is appended (file 0600, its
//     directory 0700, written atomically), on_first_use is called, the request proceeds. A
//     matching line → proceed silently. Lines for this host:port but none matching → refused
//     with kPermissionDenied and one line:
//       HOST:PORT presented a different certificate (SHA256:new) from the one pinned on
//       first use (SHA256:old); if the server's certificate was replaced on purpose, delete
//       its line from FILE
//     The connection is closed without a byte of the request sent. A known_servers file that
//     cannot be read or parsed refuses too (kCorruption / kIo): a pin is never silently lost.
//  A WebPKI-valid certificate is accepted even where a different pin exists (a server moving
//  from self-signed to a public CA); pins only protect servers that have no public certificate.
//
// SECURITY: reads untrusted bytes from the network (the response status line, fields and body;
// Boost.Beast's parser, header block ≤ 64 KiB, body ≤ max_response_bytes). The bearer token and
// request bodies are secrets: they are written only to the TLS stream and to wire_tap, never to
// logs or error messages. Error messages name the server and the reason, never a response body.
// TLS 1.2 or 1.3 only, SNI set for DNS names. A request may be sent twice: when a reused
// kept-alive connection turns out to be closed by the server before any response byte arrived,
// the request is retried once on a fresh connection (a server closes only idle connections, so
// it has not acted on the request unless it crashed while reading it).
//
// Standards: RFC 9110 / 9112 (HTTP/1.1, persistence), RFC 8446 / 5246 (TLS 1.3 / 1.2),
// RFC 6066 §3 (SNI), RFC 6125 (host name check), RFC 6750 §2.1 (Bearer), RFC 5280 (SPKI).
//
// Thread-safety: an HttpsClient is used by one thread at a time; distinct clients are
// independent. Two processes pinning the same new server at once: the last writer's line wins,
// which is the same fingerprint unless one of them is being attacked.
#pragma once

#include <chrono>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/result.h"

namespace sealmail::client {

struct HttpResponse {
  int status = 0;
  std::string body;
  std::vector<std::pair<std::string, std::string>> headers;  // in order, names as received

  // The first field with this name (ASCII case-insensitive), if any.
  std::optional<std::string_view> header(std::string_view name) const;
};

struct HttpsOptions {
  // "https://host:port" or "https://host" (port 443); host is a DNS name, an IPv4 literal or a
  // bracketed IPv6 literal. An optional trailing "/" is accepted; anything else (other schemes,
  // user info, paths, queries) → kInvalidArgument.
  std::string server;
  std::filesystem::path known_servers;       // pin file, see the policy above
  std::chrono::milliseconds timeout{30000};  // per request: resolve + connect + TLS + write + read
  size_t max_response_bytes = 128 << 20;     // body bytes (a 50 MiB message in base64 fits)
  // Sees every byte the client writes to the server *before* TLS encryption (request line,
  // headers, body), in order. For tests that prove secrets never leave the client.
  std::function<void(std::string_view)> wire_tap;
  // Called once when a server certificate is pinned on first use, with host:port and the
  // "SHA256:<base64>" fingerprint, so the CLI can tell the user.
  std::function<void(std::string_view server, std::string_view fingerprint)> on_first_use;
};

// Where a server URL points. host is lowercase, without brackets; authority() is the
// "host:port" of the known_servers file and of error messages ("[::1]:8443" for IPv6).
struct ServerAddress {
  std::string host;
  uint16_t port = 443;
  bool ip_literal = false;  // IPv4 or IPv6: no SNI, matched against iPAddress SANs
  std::string authority() const;
};

// Parses HttpsOptions::server; kInvalidArgument with the reason for anything else.
Result<ServerAddress> parse_server_url(std::string_view url);

namespace internal {
class HttpsTransport;
}  // namespace internal

class HttpsClient {
 public:
  // Checks the options (the URL; timeout and max_response_bytes > 0; known_servers non-empty)
  // and builds the TLS context. Does not connect.
  static Result<HttpsClient> create(HttpsOptions options);

  HttpsClient(HttpsClient&&) noexcept;
  HttpsClient& operator=(HttpsClient&&) noexcept;
  HttpsClient(const HttpsClient&) = delete;
  HttpsClient& operator=(const HttpsClient&) = delete;
  ~HttpsClient();

  // Sends one request and reads the whole response. The request carries Host, User-Agent:
  // sealmail/<version>, Content-Length when there is a body (or the method is POST/PUT/PATCH),
  // Content-Type: `content_type` (one line) when body is non-empty and Authorization: Bearer
  // <token> when bearer is non-empty. `method` must be an HTTP token, `target` an origin-form
  // target
  // ("/api/v1/x?y=1") and `bearer` visible ASCII; else kInvalidArgument before connecting.
  // Keeps the connection open and reuses it unless the server says Connection: close.
  // Errors: kUnavailable ("cannot reach HOST:PORT: reason" — resolve, connect, TLS handshake,
  // or the connection reset), kTimeout (the deadline passed; the connection is dropped),
  // kPermissionDenied (certificate refused), kLimitExceeded (response too big), kInvalidArgument
  // (malformed response), kIo / kCorruption (the known_servers file).
  Result<HttpResponse> request(std::string_view method, std::string_view target,
                               std::string_view body = {}, std::string_view bearer = {},
                               std::string_view content_type = "application/json");

  const ServerAddress& server() const;

 private:
  explicit HttpsClient(std::unique_ptr<internal::HttpsTransport> transport);
  std::unique_ptr<internal::HttpsTransport> transport_;  // null only after a move
};

}  // namespace sealmail::client
