// router.h — maps (method, path) to a handler. Patterns are exact paths whose whole segments
// may be `{name}` captures: "/api/v1/users/{id}/keys". Routing is pure: no I/O, no engine.
//
// Matching rules:
//  - the raw path is split on '/' and compared segment by segment; literal segments must be
//    byte-equal (no decoding, no normalisation, a trailing '/' is a different path);
//  - a `{name}` segment matches any non-empty segment; its percent-decoded value goes into
//    Request::params. A segment that is not valid percent-encoding, or decodes to a value
//    containing '/' or NUL, does not match (so a capture can never smuggle a path separator);
//  - when several patterns match, the most specific wins: compared left to right, a literal
//    segment beats a capture ("/users/me" beats "/users/{id}");
//  - HEAD falls back to the GET handler when no HEAD route exists (the engine drops the body);
//  - no pattern matches → 404; a pattern matches but not for this method → 405 with Allow.
// Error responses use Response::error's JSON shape.
//
// SECURITY: reads the untrusted method and path of a request. Captures are decoded but not
// otherwise validated: a handler checks its own parameters.
//
// Standards: RFC 9110 §9.1 (methods are case-sensitive), §15.5.5 (404), §15.5.6 (405 + Allow),
// §9.3.2 (HEAD).
//
// Thread-safety: add() is for start-up, before the router is shared. After that, match() and
// dispatch() are const and may run concurrently from any thread.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "http/request.h"

namespace sealmail::http {

using Handler = std::function<Response(const Request&)>;

// A route that takes bodies larger than the engine's default (HttpLimits::max_body_bytes),
// such as a message upload. `admit` sees the request's header fields (params filled, body
// empty) before one byte of the body is read, and answers a refusal — say 401 — or nothing;
// the refusal is sent with Connection: close and the body is never read.
//
// With `sink` the body is streamed rather than collected: once `admit` accepted the request and
// its Content-Length (if any) is within max_body_bytes, `sink` is called once with the same
// `head` admit saw and the engine writes every body byte to the BodySink it returns (request.h)
// as it arrives; the handler then gets Request::body empty and Request::body_sink set. A null
// sink or an exception from `sink` → 500 with Connection: close, body unread. Without `sink`
// the body is collected into Request::body, up to max_body_bytes in memory.
struct LargeBody {
  size_t max_body_bytes = 0;
  std::function<std::optional<Response>(const Request&)> admit;
  std::function<std::shared_ptr<BodySink>(const Request& head)> sink = nullptr;  // not streamed
};

class Router {
 public:
  // Registering an invalid pattern or the same (method, pattern shape) twice is a bug and
  // fails a SEALMAIL_CHECK.
  void add(std::string method, std::string path_pattern, Handler handler);
  // A route whose bodies may reach large_body.max_body_bytes, admitted before they are read.
  void add(std::string method, std::string path_pattern, Handler handler, LargeBody large_body);
  // The largest body any route takes; 0 when no route has a LargeBody.
  size_t max_large_body_bytes() const { return max_large_body_bytes_; }

  struct Match {
    enum class Kind { kFound, kNotFound, kMethodNotAllowed };
    Kind kind = Kind::kNotFound;
    const Handler* handler = nullptr;       // kFound only; owned by the router
    const LargeBody* large_body = nullptr;  // kFound only, when the route has one
    std::string pattern;                    // kFound only: the winning pattern, for logs
    std::map<std::string, std::string, std::less<>> params;  // kFound only
    std::string allow;  // kMethodNotAllowed only: "GET, HEAD, POST"
  };
  Match match(std::string_view method, std::string_view path) const;

  // Routes `request`: fills request.params and runs the handler, or builds the 404/405
  // response. Exceptions from the handler propagate (the engine turns them into a 500).
  Response dispatch(Request& request) const;

 private:
  struct Segment {
    bool capture = false;
    std::string text;  // the literal, or the capture's name
  };
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<Segment> segments;
    Handler handler;
    std::optional<LargeBody> large_body;
  };

  // Constant after start-up.
  std::vector<Route> routes_;
  size_t max_large_body_bytes_ = 0;
};

}  // namespace sealmail::http
