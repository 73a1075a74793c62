// The one translation unit of sealmail that includes Boost.Beast (it costs seconds and about
// a gigabyte of compiler memory per TU); everything else in src/http is Beast-free.
#include "http/engine.h"

#include <algorithm>
#include <chrono>
#include <exception>
#include <limits>
#include <optional>
#include <typeinfo>
#include <utility>

// GCC 12 with -fsanitize reports a false maybe-uninitialized inside Beast's boost::optional
// body limit; silence it for Beast's own lines only.
#pragma GCC diagnostic push
#pragma GCC diagnostic ignored "-Wmaybe-uninitialized"
#include <boost/asio/buffer.hpp>
#include <boost/beast/core/buffers_range.hpp>
#include <boost/beast/http/error.hpp>
#include <boost/beast/http/message.hpp>
#include <boost/beast/http/parser.hpp>
#include <boost/optional.hpp>
#pragma GCC diagnostic pop

#include "base/ascii.h"
#include "base/log.h"
#include "http/internal/wire.h"

namespace sealmail::http {
namespace {

namespace bhttp = boost::beast::http;
using Clock = std::chrono::steady_clock;

// The network chooses the method: log a standard one as is, anything else as "OTHER".
std::string_view loggable_method(std::string_view method) {
  static constexpr std::string_view kKnown[] = {"GET",   "HEAD",    "POST",    "PUT",  "DELETE",
                                                "PATCH", "OPTIONS", "CONNECT", "TRACE"};
  for (std::string_view known : kKnown) {
    if (method == known) return known;
  }
  return method.empty() ? "-" : "OTHER";
}

// Keep a network-supplied value one printable log line of bounded size.
std::string loggable(std::string_view text) {
  constexpr size_t kMax = 200;
  std::string out;
  for (char c : text.substr(0, kMax)) out.push_back(c > 0x20 && c < 0x7f ? c : '?');
  if (text.size() > kMax) out += "...";
  return out.empty() ? "-" : out;
}

// Splits a comma-separated field value into lowercase tokens with OWS trimmed.
std::vector<std::string> lowercase_tokens(std::string_view value) {
  std::vector<std::string> tokens;
  for (;;) {
    size_t comma = value.find(',');
    std::string_view item = value.substr(0, comma);
    while (!item.empty() && (item.front() == ' ' || item.front() == '\t')) item.remove_prefix(1);
    while (!item.empty() && (item.back() == ' ' || item.back() == '\t')) item.remove_suffix(1);
    std::string token = ascii_lowercase(item);
    if (!token.empty()) tokens.push_back(std::move(token));
    if (comma == std::string_view::npos) break;
    value.remove_prefix(comma + 1);
  }
  return tokens;
}

std::string_view sv(boost::beast::string_view s) { return {s.data(), s.size()}; }

// An engine-made error: status, stable code, fixed message (never echoes input).
struct Failure {
  int status;
  std::string_view code;
  std::string_view message;
};

constexpr Failure kMalformed{400, "bad_request", "malformed request"};
constexpr Failure kBadVersion{505, "version_not_supported", "only HTTP/1.0 and 1.1 are served"};

// Beast reports a syntax error in the version and a well-formed version other than 1.0/1.1
// alike (bad_version); the second deserves 505 (RFC 9110 §15.6.6).
bool is_other_version(std::string_view input) {
  std::string_view line = input.substr(0, input.find("\r\n"));
  if (std::count(line.begin(), line.end(), ' ') != 2) return false;  // method target version
  size_t space = line.rfind(' ');
  std::string_view version = line.substr(space + 1);
  auto digit = [](char c) { return c >= '0' && c <= '9'; };
  return version.size() == 8 && version.substr(0, 5) == "HTTP/" && digit(version[5]) &&
         version[6] == '.' && digit(version[7]);
}

Response internal_error() { return Response::error(500, "internal", "internal server error"); }

// The request body as Beast parses it: Beast's string_body, except that a streamed request does
// not reserve its whole Content-Length up front (string_body would: 50 MB for a 50 MB upload).
//
// Why not a request_parser<buffer_body> converted from the header parser: it would need a
// buffer handed in before every put() and error::need_buffer handled as a pause, a second parse
// loop for one kind of route. Instead every request keeps one parser and one loop: the reader
// appends what each put() brings (eager is off, so one put() parses at most one chunk or the
// input at hand, never past the request's end), and for a streamed request on_data hands
// `data` to the sink and clears it after every put(). So `data` never holds more than one
// input read, and Beast's body_limit counts bytes as before whatever `data` holds.
struct PieceBody {
  struct value_type {
    std::string data;
    bool streamed = false;  // set by admit_body before Beast starts the body
  };

  class reader {
   public:
    template <bool isRequest, class Fields>
    reader(bhttp::header<isRequest, Fields>&, value_type& body) : body_(body) {}

    void init(const boost::optional<uint64_t>& length, boost::beast::error_code& ec) {
      ec = {};
      if (!length || body_.streamed) return;
      if (*length > body_.data.max_size()) {
        ec = bhttp::error::buffer_overflow;
        return;
      }
      body_.data.reserve(static_cast<size_t>(*length));  // within the body limit already
    }

    template <class ConstBufferSequence>
    size_t put(const ConstBufferSequence& buffers, boost::beast::error_code& ec) {
      ec = {};
      size_t added = 0;
      for (auto buffer : boost::beast::buffers_range_ref(buffers)) {
        body_.data.append(static_cast<const char*>(buffer.data()), buffer.size());
        added += buffer.size();
      }
      return added;
    }

    void finish(boost::beast::error_code& ec) { ec = {}; }

   private:
    value_type& body_;
  };
};

}  // namespace

struct HttpEngine::Impl {
  Impl(std::shared_ptr<const Router> r, HttpLimits l) : router(std::move(r)), limits(l) {}

  net::Output on_data(std::string_view bytes);
  net::Output on_wake(bool deadline_passed);
  std::string on_timeout();
  ShutdownReply on_shutdown();

  void begin_request();
  std::optional<Failure> check_header();
  std::optional<std::string> admit_body();
  // For a streamed request: hands what the last put() added to the body to the sink. Something
  // when the request ends here (the sink's own answer, or a 500), serialised.
  std::optional<std::string> stream_body();
  void fill_head(Request& request) const;
  std::string finish_request();
  std::string fail(const Failure& failure);
  // `bytes_in`: the request's body bytes, collected or streamed, for the log line.
  std::string respond(Response response, const Request& request, bool head, size_t bytes_in);
  void log_request(const Request& request, int status, size_t bytes_in, size_t bytes_out) const;
  // The pending request's answer if it has one (always when `final`), serialised; the
  // pending request is then done.
  std::optional<std::string> resolve(bool final);
  std::chrono::milliseconds remaining() const;

  // Constant after construction.
  const std::shared_ptr<const Router> router;
  const HttpLimits limits;

  // Connection state.
  net::SessionInfo session;
  std::string in;  // unparsed input starts at in[pos]
  size_t pos = 0;
  size_t requests = 0;  // completed requests on this connection
  bool draining = false;
  bool closed = false;  // we returned kClose; ignore everything after

  // The request being read; empty between requests.
  std::optional<bhttp::request_parser<PieceBody>> parser;
  bool header_checked = false;
  size_t header_fields = 0;  // fields before any chunked trailer section
  std::string path;          // from check_header
  Fields query;
  Clock::time_point started;
  // Set by admit_body on a LargeBody route, so that admission, the sink and the handler see
  // one id; empty otherwise (finish_request makes one).
  std::string request_id;
  // A streamed route's sink, from admit_body until the handler has it; null otherwise.
  std::shared_ptr<BodySink> sink;
  std::string sink_route;  // its route pattern, for the log line of a request stopped early
  size_t streamed = 0;     // body bytes written to `sink`

  // A request whose handler answered Response::later: nothing behind it is parsed (its bytes
  // wait in `in`, bounded) until it is answered.
  struct Pending {
    std::shared_ptr<Deferred> deferred;
    Request request;
    bool head = false;
    size_t bytes_in = 0;
    Clock::time_point deadline;
  };
  std::optional<Pending> pending;
};

// Keeps deadline arithmetic far from overflow; handlers choose far shorter waits.
constexpr std::chrono::milliseconds kMaxDeferredWait = std::chrono::hours(24);

void HttpEngine::Impl::begin_request() {
  parser.emplace();
  parser->eager(false);  // stop after the header so check_header runs before the body
  parser->header_limit(static_cast<uint32_t>(
      std::min<size_t>(limits.max_header_bytes, std::numeric_limits<uint32_t>::max())));
  // The largest any route takes: Beast checks Content-Length against it as the header ends,
  // and admit_body() then holds the request to its own route's limit.
  parser->body_limit(
      static_cast<uint64_t>(std::max(limits.max_body_bytes, router->max_large_body_bytes())));
  header_checked = false;
  path.clear();
  query.clear();
  request_id.clear();
  sink.reset();
  sink_route.clear();
  streamed = 0;
  started = Clock::now();
}

std::optional<Failure> HttpEngine::Impl::check_header() {
  const auto& msg = parser->get();  // Beast admits only versions 1.0 and 1.1
  header_fields = static_cast<size_t>(std::distance(msg.begin(), msg.end()));
  // RFC 9112 §3.2: a 1.1 request without exactly one Host is a 400.
  if (msg.version() == 11 && msg.count(bhttp::field::host) != 1) return kMalformed;
  if (msg.count(bhttp::field::host) > 1) return kMalformed;
  // RFC 9112 §6.1, §6.3: Beast already refuses Content-Length with Transfer-Encoding; a final
  // coding other than chunked has no length we could trust, and we implement no other coding.
  if (auto te = msg.find(bhttp::field::transfer_encoding); te != msg.end()) {
    auto codings = lowercase_tokens(sv(te->value()));
    if (std::count(codings.begin(), codings.end(), "chunked") != 1 || codings.back() != "chunked") {
      return kMalformed;
    }
    if (codings.size() != 1) {
      return Failure{501, "not_implemented", "unsupported transfer coding"};
    }
  }

  std::string_view target = sv(msg.target());
  // RFC 9112 §3.2.2: accept absolute-form and route on its path.
  for (std::string_view scheme : {"http://", "https://"}) {
    if (target.size() > scheme.size() && iequals(target.substr(0, scheme.size()), scheme)) {
      target.remove_prefix(scheme.size());
      size_t slash = target.find_first_of("/?");
      target = slash == std::string_view::npos ? std::string_view("/") : target.substr(slash);
      if (target.front() == '?') return kMalformed;
      break;
    }
  }
  if (target.empty() || target.front() != '/') {
    if (!(target == "*" && msg.method() == bhttp::verb::options)) return kMalformed;
  }
  size_t question = target.find('?');
  path = std::string(target.substr(0, question));
  if (question != std::string_view::npos) {
    auto parsed = parse_query(target.substr(question + 1));
    if (!parsed) return kMalformed;
    query = std::move(*parsed);
  }
  return std::nullopt;
}

net::Output HttpEngine::Impl::on_data(std::string_view bytes) {
  if (closed && !pending) return net::Output::close();
  in.append(bytes);
  if (pending) {
    // Pipelined behind a long poll: kept for later, within what one more request may take.
    if (in.size() - pos > limits.max_header_bytes + limits.max_body_bytes) {
      spdlog::info("http req={} peer={}: input flood behind a pending response; closing",
                   pending->request.request_id, loggable(session.peer_address));
      pending.reset();
      closed = true;
      in.clear();
      pos = 0;
      return net::Output::close();
    }
    return net::Output::wait({}, remaining());
  }
  std::string out;
  for (;;) {
    if (!parser) {
      // RFC 9112 §2.2: ignore empty lines before a request-line.
      while (pos < in.size() && (in[pos] == '\r' || in[pos] == '\n')) ++pos;
      if (pos == in.size()) break;
      begin_request();
    }
    bool need_more = false;
    while (!parser->is_done()) {
      if (pos == in.size()) {
        need_more = true;
        break;
      }
      boost::beast::error_code ec;
      size_t used = parser->put(boost::asio::buffer(in.data() + pos, in.size() - pos), ec);
      pos += used;
      if (ec == bhttp::error::need_more) {
        need_more = true;
        break;
      }
      if (ec == bhttp::error::header_limit) {
        return net::Output::close(
            out + fail({431, "header_too_large", "request header fields too large"}));
      }
      if (ec == bhttp::error::body_limit) {
        return net::Output::close(out + fail({413, "body_too_large", "request body too large"}));
      }
      if (ec == bhttp::error::bad_version && is_other_version(std::string_view(in).substr(pos))) {
        return net::Output::close(out + fail(kBadVersion));
      }
      if (ec) return net::Output::close(out + fail(kMalformed));
      if (auto stop = stream_body()) return net::Output::close(out + *stop);
      if (parser->is_header_done() && !header_checked) {
        header_checked = true;
        // Beast's own check lets the request line come on top of header_limit when the whole
        // header arrives at once; `used` is the exact header size here (eager is off).
        if (used > limits.max_header_bytes) {
          return net::Output::close(
              out + fail({431, "header_too_large", "request header fields too large"}));
        }
        if (auto failure = check_header()) return net::Output::close(out + fail(*failure));
        if (auto refusal = admit_body()) return net::Output::close(out + *refusal);
        const auto& msg = parser->get();
        // Only while nothing of the body has arrived: a client that sent some did not wait.
        if (!parser->is_done() && pos == in.size() && msg.version() == 11) {
          auto expect = msg.find(bhttp::field::expect);
          if (expect != msg.end() && iequals(sv(expect->value()), "100-continue")) {
            out += "HTTP/1.1 100 Continue\r\n\r\n";
          }
        }
      }
      if (used == 0 && !parser->is_done()) {
        need_more = true;
        break;
      }
    }
    if (need_more) {
      // Beast bounds a header by header_limit itself; this bounds what it may leave unparsed
      // later (a chunk-size line or trailer section that never ends).
      if (header_checked && in.size() - pos > limits.max_header_bytes) {
        return net::Output::close(out + fail(kMalformed));
      }
      break;
    }
    out += finish_request();
    if (pending) {
      in.erase(0, pos);
      pos = 0;
      return net::Output::wait(std::move(out), remaining());
    }
    if (closed) {
      in.clear();
      pos = 0;
      return net::Output::close(std::move(out));
    }
  }
  in.erase(0, pos);
  pos = 0;
  return net::Output::read(std::move(out));
}

void HttpEngine::Impl::fill_head(Request& request) const {
  const auto& msg = parser->get();
  request.method = std::string(sv(msg.method_string()));
  request.target = std::string(sv(msg.target()));
  request.path = path;
  request.query = query;
  request.version = static_cast<int>(msg.version());
  for (const auto& field : msg) {
    request.headers.emplace_back(std::string(sv(field.name_string())),
                                 std::string(sv(field.value())));
  }
  request.request_id = internal::new_request_id();
  request.peer_address = session.peer_address;
  request.tls = session.tls;
}

std::optional<std::string> HttpEngine::Impl::admit_body() {
  const auto& msg = parser->get();
  Router::Match match = router->match(sv(msg.method_string()), path);
  size_t limit = limits.max_body_bytes;
  if (match.kind == Router::Match::Kind::kFound && match.large_body != nullptr) {
    Request head;
    fill_head(head);
    head.params = std::move(match.params);
    head.route = std::move(match.pattern);
    request_id = head.request_id;
    std::optional<Response> refusal;
    try {
      refusal = match.large_body->admit(head);
    } catch (const std::exception& e) {
      spdlog::error("http req={} admission for {} threw {}", head.request_id, head.route,
                    typeid(e).name());
      refusal = internal_error();
    }
    const size_t route_limit = match.large_body->max_body_bytes;
    // Only a body within the route's limit by its Content-Length gets a sink: making one may
    // cost something (a temporary file), wasted on a body refused at once.
    const auto length = parser->content_length();
    if (!refusal && match.large_body->sink && !(length && *length > route_limit)) {
      try {
        sink = match.large_body->sink(head);
        if (!sink) {
          spdlog::error("http req={} body sink for {} is null", head.request_id, head.route);
        }
      } catch (const std::exception& e) {
        spdlog::error("http req={} body sink for {} threw {}", head.request_id, head.route,
                      typeid(e).name());
      } catch (...) {
        spdlog::error("http req={} body sink for {} threw a non-exception", head.request_id,
                      head.route);
      }
      if (!sink) refusal = internal_error();
    }
    if (refusal) {
      closed = true;
      sink.reset();
      parser.reset();
      in.clear();
      pos = 0;
      return respond(std::move(*refusal), head, false, 0);
    }
    if (sink) {
      parser->get().body().streamed = true;
      sink_route = std::move(head.route);
    }
    limit = route_limit;
  }
  if (auto length = parser->content_length(); length && *length > limit) {
    return fail({413, "body_too_large", "request body too large"});
  }
  parser->body_limit(static_cast<uint64_t>(limit));  // chunks count from here
  return std::nullopt;
}

std::optional<std::string> HttpEngine::Impl::stream_body() {
  if (!sink) return std::nullopt;
  std::string& piece = parser->get().body().data;
  if (piece.empty()) return std::nullopt;
  streamed += piece.size();
  std::optional<Response> stop;
  try {
    stop = sink->write(piece);
    if (stop && (stop->deferred || stop->status < 200 || stop->status > 599)) {
      spdlog::error("http req={} body sink for {} answered an invalid response", request_id,
                    sink_route);
      stop = internal_error();
    }
  } catch (const std::exception& e) {
    // Not e.what(): it may quote the body.
    spdlog::error("http req={} body sink for {} threw {}", request_id, sink_route,
                  typeid(e).name());
    stop = internal_error();
  } catch (...) {
    spdlog::error("http req={} body sink for {} threw a non-exception", request_id, sink_route);
    stop = internal_error();
  }
  piece.clear();  // keeps its capacity: about one read, reused for the next piece
  if (!stop) return std::nullopt;

  Request request;  // for the log line
  fill_head(request);
  request.request_id = request_id;
  request.route = std::move(sink_route);
  closed = true;
  sink.reset();
  parser.reset();
  in.clear();
  pos = 0;
  return respond(std::move(*stop), request, false, streamed);
}

std::string HttpEngine::Impl::finish_request() {
  const bool keep_alive = parser->keep_alive();
  auto msg = parser->release();
  parser.reset();

  Request request;
  request.method = std::string(sv(msg.method_string()));
  request.target = std::string(sv(msg.target()));
  request.path = std::move(path);
  request.query = std::move(query);
  // Beast appends chunked trailer fields to the header fields; RFC 9110 §6.5.1 forbids
  // treating them as header fields (a trailer must not pose as Authorization or Host).
  size_t remaining = header_fields;
  for (const auto& field : msg) {
    if (remaining-- == 0) break;
    request.headers.emplace_back(std::string(sv(field.name_string())),
                                 std::string(sv(field.value())));
  }
  request.body = std::move(msg.body().data);  // empty when streamed
  request.body_sink = std::move(sink);
  const size_t bytes_in = request.body_sink ? streamed : request.body.size();
  request.version = static_cast<int>(msg.version());
  request.request_id = request_id.empty() ? internal::new_request_id() : std::move(request_id);
  request.peer_address = session.peer_address;
  request.tls = session.tls;
  request.waker = session.waker;

  ++requests;
  if (!keep_alive || draining || requests >= limits.max_requests_per_connection) closed = true;

  Response response;
  try {
    response = router->dispatch(request);
    if (response.status < 200 || response.status > 599) {
      spdlog::error("http req={} handler for {} returned status {}", request.request_id,
                    request.route, response.status);
      response = internal_error();
    }
  } catch (const std::exception& e) {
    // Not e.what(): a parser's message can quote the request body.
    spdlog::error("http req={} handler for {} threw {}", request.request_id, request.route,
                  typeid(e).name());
    response = internal_error();
  } catch (...) {
    spdlog::error("http req={} handler for {} threw a non-exception", request.request_id,
                  request.route);
    response = internal_error();
  }
  if (response.deferred) {
    auto wait = std::clamp(response.wait, std::chrono::milliseconds(0), kMaxDeferredWait);
    pending = Pending{std::move(response.deferred), std::move(request),
                      msg.method() == bhttp::verb::head, bytes_in, Clock::now() + wait};
    // Draining, the transport will not ask again: answer with what there is.
    if (draining || wait.count() == 0) return *resolve(true);
    return {};
  }
  return respond(std::move(response), request, request.method == "HEAD", bytes_in);
}

std::optional<std::string> HttpEngine::Impl::resolve(bool final) {
  SEALMAIL_CHECK(pending.has_value());
  final = final || Clock::now() >= pending->deadline;
  std::optional<Response> response;
  const Request& request = pending->request;
  try {
    response = pending->deferred->poll(final);
    if (response && (response->deferred || response->status < 200 || response->status > 599)) {
      spdlog::error("http req={} deferred answer for {} is invalid", request.request_id,
                    request.route);
      response = internal_error();
    }
    if (!response && final) {
      spdlog::error("http req={} deferred answer for {} missing when due", request.request_id,
                    request.route);
      response = internal_error();
    }
  } catch (const std::exception& e) {
    spdlog::error("http req={} deferred answer for {} threw {}", request.request_id, request.route,
                  typeid(e).name());
    response = internal_error();
  } catch (...) {
    spdlog::error("http req={} deferred answer for {} threw a non-exception", request.request_id,
                  request.route);
    response = internal_error();
  }
  if (!response) return std::nullopt;
  Pending done = std::move(*pending);
  pending.reset();
  return respond(std::move(*response), done.request, done.head, done.bytes_in);
}

std::chrono::milliseconds HttpEngine::Impl::remaining() const {
  auto left = std::chrono::ceil<std::chrono::milliseconds>(pending->deadline - Clock::now());
  return std::max(left, std::chrono::milliseconds(0));
}

net::Output HttpEngine::Impl::on_wake(bool deadline_passed) {
  if (!pending) return closed ? net::Output::close() : net::Output::read();
  std::optional<std::string> answer = resolve(deadline_passed);
  if (!answer) return net::Output::wait({}, remaining());
  if (closed) {
    in.clear();
    pos = 0;
    return net::Output::close(std::move(*answer));
  }
  // Then whatever was pipelined behind it.
  net::Output next = on_data({});
  next.write.insert(0, *answer);
  return next;
}

std::string HttpEngine::Impl::respond(Response response, const Request& request, bool head,
                                      size_t bytes_in) {
  internal::WireOptions opts;
  opts.request_id = request.request_id;
  opts.tls = session.tls;
  opts.close = closed;
  opts.keep_alive = !closed && request.version == 10;
  opts.head = head;
  auto bytes = internal::serialize_response(response, opts);
  if (!bytes) {
    spdlog::error("http req={} handler for {} set an invalid response header", request.request_id,
                  request.route);
    response = internal_error();
    bytes = internal::serialize_response(response, opts);
  }
  log_request(request, response.status, bytes_in, head ? 0 : response.body.size());
  return std::move(*bytes);
}

std::string HttpEngine::Impl::fail(const Failure& failure) {
  Request request;  // what we know of the request, for the log line
  if (parser && parser->is_header_done()) {
    const auto& msg = parser->get();
    request.method = std::string(sv(msg.method_string()));
    std::string_view target = sv(msg.target());
    request.path = path.empty() ? std::string(target.substr(0, target.find('?'))) : path;
    request.version = static_cast<int>(msg.version());
  }
  request.request_id = request_id.empty() ? internal::new_request_id() : request_id;
  request.peer_address = session.peer_address;
  if (sink) request.route = sink_route;
  closed = true;
  sink.reset();  // a streamed body abandoned part way
  parser.reset();
  in.clear();
  pos = 0;
  return respond(Response::error(failure.status, failure.code, failure.message), request, false,
                 streamed);
}

void HttpEngine::Impl::log_request(const Request& request, int status, size_t bytes_in,
                                   size_t bytes_out) const {
  auto micros =
      std::chrono::duration_cast<std::chrono::microseconds>(Clock::now() - started).count();
  spdlog::info("http req={} peer={} {} {} status={} in={} out={} ms={:.3f}", request.request_id,
               loggable(request.peer_address), loggable_method(request.method), request.route,
               status, bytes_in, bytes_out, static_cast<double>(micros) / 1000.0);
}

std::string HttpEngine::Impl::on_timeout() {
  if (pending) {  // the session's end: the long poll gets what there is
    closed = true;
    in.clear();
    pos = 0;
    return *resolve(true);
  }
  if (closed || !parser) return {};
  return fail({408, "timeout", "request not received in time"});
}

net::Engine::ShutdownReply HttpEngine::Impl::on_shutdown() {
  if (pending) {  // a long poll is answered now with what there is, and the connection closes
    closed = true;
    in.clear();
    pos = 0;
    return {*resolve(true), true};
  }
  if (closed || (!parser && pos == in.size())) {
    closed = true;
    in.clear();
    pos = 0;
    return {{}, true};
  }
  draining = true;
  return {{}, false};
}

HttpEngine::HttpEngine(std::shared_ptr<const Router> router, HttpLimits limits)
    : impl_(std::make_unique<Impl>(std::move(router), limits)) {
  SEALMAIL_CHECK(impl_->router != nullptr);
}

HttpEngine::~HttpEngine() = default;

net::Output HttpEngine::on_connect(const net::SessionInfo& session) {
  impl_->session = session;
  return net::Output::read();
}

net::Output HttpEngine::on_data(std::string_view bytes) { return impl_->on_data(bytes); }

net::Output HttpEngine::on_wake(bool deadline_passed) { return impl_->on_wake(deadline_passed); }

std::string HttpEngine::on_timeout() { return impl_->on_timeout(); }

net::Engine::ShutdownReply HttpEngine::on_shutdown() { return impl_->on_shutdown(); }

HttpEngineFactory::HttpEngineFactory(std::shared_ptr<const Router> router, HttpLimits limits)
    : router_(std::move(router)), limits_(limits) {
  SEALMAIL_CHECK(router_ != nullptr);
}

std::unique_ptr<net::Engine> HttpEngineFactory::create() {
  return std::make_unique<HttpEngine>(router_, limits_);
}

std::string HttpEngineFactory::refusal(Refusal why) {
  std::string_view message = "server busy";
  std::string_view retry_after = "5";
  switch (why) {
    case Refusal::kTooManyConnections:
      break;
    case Refusal::kTooManyFromAddress:
      message = "too many connections from your address";
      retry_after = "30";
      break;
    case Refusal::kTooFastFromAddress:
      message = "too many new connections from your address";
      retry_after = "60";
      break;
    case Refusal::kShuttingDown:
      message = "server shutting down";
      retry_after = "30";
      break;
  }
  Response response = Response::error(503, "unavailable", message);
  response.headers.emplace_back("Retry-After", retry_after);
  internal::WireOptions opts;
  std::string id = internal::new_request_id();
  opts.request_id = id;
  opts.close = true;
  return *internal::serialize_response(response, opts);
}

}  // namespace sealmail::http
