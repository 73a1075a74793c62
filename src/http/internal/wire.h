// wire.h — internal to src/http: writing a Response as HTTP/1.1 bytes with the headers every
// response carries. Kept apart from engine.cc so it compiles (and is tested) without Beast.
//
// SECURITY: the response's extra header names and values come from handlers, which may copy
// user input into them; a name that is not a token or a value with CR, LF or NUL is reported
// (serialize_response returns nullopt) instead of being written, so no input can split a
// response.
//
// Standards: RFC 9112 §4 (status line), RFC 9110 §5.6.7 (HTTP-date), §8.6 (Content-Length,
// never on 1xx/204), RFC 6797 (HSTS).
//
// Thread-safety: free functions; new_request_id uses a thread-local generator.
#pragma once

#include <chrono>
#include <optional>
#include <string>
#include <string_view>

#include "http/request.h"

namespace sealmail::http::internal {

struct WireOptions {
  std::string_view request_id;
  bool tls = false;         // adds Strict-Transport-Security
  bool close = false;       // adds Connection: close
  bool keep_alive = false;  // adds Connection: keep-alive (HTTP/1.0 peers that asked for it)
  bool head = false;        // Content-Length of the body, but no body bytes
  std::chrono::system_clock::time_point now = std::chrono::system_clock::now();
};

// The complete response, or nullopt when an extra header is invalid (see above).
std::optional<std::string> serialize_response(const Response& response, const WireOptions& opts);

// "Sun, 06 Nov 1994 08:49:37 GMT".
std::string http_date(std::chrono::system_clock::time_point when);

// "Not Found" for 404; "Unknown" for codes we do not know.
std::string_view reason_phrase(int status);

// 16 lowercase hex digits from a per-thread generator seeded from std::random_device. Unique
// enough to correlate logs; not a secret.
std::string new_request_id();

}  // namespace sealmail::http::internal
