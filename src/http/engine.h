// engine.h — HTTP/1.1 server engine: net::Engine fed raw bytes, answering with complete
// responses produced by a Router. Implements keep-alive, pipelining (responses in request
// order), chunked request bodies, HTTP/1.0 and Expect: 100-continue. No TLS, no sockets, no
// timers: the transport (net/) does all of that and calls us.
//
// Streamed bodies: on a route whose LargeBody has a sink (router.h), the engine makes the sink
// once admit accepted the header and writes each body byte to it (de-chunked, trailers dropped)
// as it is parsed, so it holds at most about one input read of the body, never the whole of it;
// the handler then runs with Request::body empty and Request::body_sink set. A response from the
// sink ends the request early (Connection: close, rest unread). Limits, pipelining, keep-alive,
// 100-continue, timeouts and shutdown work as for a collected body; the log line counts the
// streamed bytes as bytes in.
//
// Long polls: a handler may answer Response::later (request.h, Deferred). The engine then
// returns net::Output::wait and answers when the request's waker fires and the Deferred has
// its response, or with the Deferred's final answer when its wait ends, on drain (then
// Connection: close) or at the session's end. Requests pipelined behind it wait, unparsed, up
// to max_header_bytes + max_body_bytes of input; more closes the connection.
//
// Every response carries: Content-Length (none on 204/304), Date, Server: sealmail, X-Request-Id
// (16 random hex digits, also in the log line and Request::request_id — the same id a
// LargeBody route's admit and sink saw), X-Content-Type-Options:
// nosniff, Referrer-Policy: no-referrer, Content-Security-Policy (default-src 'none';
// frame-ancestors 'none'; base-uri 'none') and Cache-Control: no-store unless the handler set its
// own, and Strict-Transport-Security only on a TLS session.
//
// SECURITY: parses untrusted bytes from the network (request line, fields, bodies). Limits:
// header block ≤ max_header_bytes (else 431), body ≤ max_body_bytes by Content-Length or by
// the sum of chunks (else 413), requests per connection ≤ max_requests_per_connection (the
// last response carries Connection: close). Malformed framing, a missing or repeated Host on
// HTTP/1.1, Content-Length together with Transfer-Encoding, or a Transfer-Encoding whose final
// coding is not chunked → 400 (RFC 9112 §6.1, §6.3: the request smuggling cases); any other
// transfer coding → 501; versions other than 1.0/1.1 → 505. Chunked trailer fields are
// discarded, never merged into the headers (RFC 9110 §6.5.1). Every engine-made error response
// closes the connection and drops the input behind it. A handler, body sink or sink factory
// that throws → 500 (logged by exception type only: what() may quote request content). A
// streamed body refused part way (413 by chunks, bad framing, 408) has partly reached its sink:
// the sink is then dropped without a handler call and must discard what it holds. One info log line
// per request: id, peer, method (a non-standard one as OTHER), the matched route pattern (never the
// raw path or query), status, body bytes in/out, duration — never header values or bodies.
//
// Standards: RFC 9110 (semantics), RFC 9112 (HTTP/1.1 message syntax, persistence,
// chunked coding), RFC 6797 (HSTS), RFC 6585 §5 (431), RFC 9110 §10.1.1 (100-continue).
//
// Thread-safety: an HttpEngine belongs to one connection (see net/engine.h). The Router is
// shared read-only. HttpEngineFactory::create and refusal may run concurrently.
#pragma once

#include <cstddef>
#include <memory>
#include <string>
#include <string_view>

#include "http/router.h"
#include "net/engine.h"

namespace sealmail::http {

struct HttpLimits {
  size_t max_header_bytes = 16384;  // request line + fields + blank line
  size_t max_body_bytes = 1 << 20;
  size_t max_requests_per_connection = 1000;
};

class HttpEngine : public net::Engine {
 public:
  HttpEngine(std::shared_ptr<const Router> router, HttpLimits limits = {});
  ~HttpEngine() override;
  HttpEngine(const HttpEngine&) = delete;
  HttpEngine& operator=(const HttpEngine&) = delete;

  net::Output on_connect(const net::SessionInfo& session) override;
  net::Output on_data(std::string_view bytes) override;
  // A pending long poll (Response::later) may have its answer.
  net::Output on_wake(bool deadline_passed) override;
  // Idle between requests → "" (just close); part of a request read → a 408 response; a long
  // poll (the session's end) → its final answer.
  std::string on_timeout() override;
  // Idle → close now; a long poll → answered now, close; otherwise the next response carries
  // Connection: close and ends it.
  ShutdownReply on_shutdown() override;

 private:
  struct Impl;  // keeps Beast out of this header; see engine.cc
  std::unique_ptr<Impl> impl_;
};

class HttpEngineFactory : public net::EngineFactory {
 public:
  HttpEngineFactory(std::shared_ptr<const Router> router, HttpLimits limits = {});

  std::unique_ptr<net::Engine> create() override;
  // A complete "503 Service Unavailable" response with Retry-After and Connection: close.
  std::string refusal(Refusal why) override;

 private:
  // Constant after construction.
  const std::shared_ptr<const Router> router_;
  const HttpLimits limits_;
};

}  // namespace sealmail::http
