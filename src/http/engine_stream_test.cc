// HttpEngine with streamed request bodies (LargeBody::sink): every body byte reaches the sink in
// order, in pieces no larger than one read, under the same limits, framing and persistence rules
// as a collected body.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstddef>
#include <cstdio>
#include <memory>
#include <optional>
#include <stdexcept>
#include <string>
#include <string_view>
#include <vector>

#include "http/engine.h"
#include "http/engine_test_util.h"

namespace sealmail::http {
namespace {

using net::Output;
using testing::Fed;
using testing::feed;
using testing::LogCapture;
using testing::parse_responses;
using Json = nlohmann::json;

constexpr size_t kRead = 64 * 1024;
constexpr size_t kRouteLimit = 6 * 1024 * 1024;

// Records what it is written; may refuse once it holds `stop_after` bytes, or throw.
class RecordingSink : public BodySink {
 public:
  std::optional<Response> write(std::string_view piece) override {
    ++writes;
    max_piece = std::max(max_piece, piece.size());
    body.append(piece);
    if (throw_on_write) throw std::runtime_error("sink-canary-text");
    if (stop_after && body.size() >= *stop_after) {
      return Response::error(413, "quota_exceeded", "over your quota");
    }
    return std::nullopt;
  }

  std::string body;
  size_t writes = 0;
  size_t max_piece = 0;
  std::optional<size_t> stop_after;
  bool throw_on_write = false;
};

// What the streamed route did, shared by its admit, sink factory and handler.
struct StreamState {
  // How the next sinks behave.
  bool null_sink = false;
  bool throw_in_factory = false;
  std::optional<size_t> stop_after;
  bool throw_on_write = false;

  size_t factory_calls = 0;
  std::vector<std::shared_ptr<RecordingSink>> sinks;  // every sink made, in order
  std::vector<std::string> admitted_ids;              // head.request_id seen by admit
  size_t handler_calls = 0;
};

std::shared_ptr<const Router> stream_router(const std::shared_ptr<StreamState>& state) {
  auto router = std::make_shared<Router>();
  auto handler = [state](const Request& r) {
    ++state->handler_calls;
    const auto& sinks = state->sinks;
    auto found = std::find_if(sinks.begin(), sinks.end(),
                              [&](const auto& sink) { return sink.get() == r.body_sink.get(); });
    return Response::json(
        200, {{"sink", found == sinks.end() ? std::ptrdiff_t{-1} : found - sinks.begin()},
              {"bytes", found == sinks.end() ? size_t{0} : (*found)->body.size()},
              {"body_empty", r.body.empty()},
              {"trailer_seen", r.header("X-Trailer").has_value()},
              {"request_id", r.request_id}});
  };
  auto admit = [state](const Request& r) {
    state->admitted_ids.push_back(r.request_id);
    if (r.header("Authorization") == "yes") return std::optional<Response>();
    return std::optional(Response::error(401, "unauthorized", "who?"));
  };
  router->add("POST", "/stream", handler,
              LargeBody{.max_body_bytes = kRouteLimit,
                        .admit = admit,
                        .sink = [state](const Request& head) -> std::shared_ptr<BodySink> {
                          ++state->factory_calls;
                          EXPECT_TRUE(head.body.empty());
                          EXPECT_EQ(head.route, "/stream");
                          if (state->throw_in_factory) throw std::runtime_error("factory-canary");
                          if (state->null_sink) return nullptr;
                          auto sink = std::make_shared<RecordingSink>();
                          sink->stop_after = state->stop_after;
                          sink->throw_on_write = state->throw_on_write;
                          state->sinks.push_back(sink);
                          return sink;
                        }});
  // A large-body route without a sink still collects its body.
  router->add(
      "POST", "/collect",
      [](const Request& r) {
        EXPECT_EQ(r.body_sink, nullptr);
        return Response::text(200, r.body);
      },
      LargeBody{.max_body_bytes = 100,
                .admit = [](const Request&) { return std::optional<Response>(); }});
  return router;
}

std::unique_ptr<HttpEngine> make_stream_engine(const std::shared_ptr<StreamState>& state) {
  auto engine = std::make_unique<HttpEngine>(stream_router(state), HttpLimits{});
  net::SessionInfo session;
  session.peer_address = "192.0.2.1";
  session.peer_port = 40000;
  engine->on_connect(session);
  return engine;
}

// Every byte value, in a pattern that no shift or reordering of pieces reproduces.
std::string body_of_size(size_t size) {
  std::string body(size, '\0');
  uint32_t x = 2463534242u;  // xorshift32, fixed seed
  for (char& c : body) {
    x ^= x << 13;
    x ^= x >> 17;
    x ^= x << 5;
    c = static_cast<char>(x & 0xff);
  }
  return body;
}

std::string content_length_request(std::string_view body, std::string_view extra = "") {
  return "POST /stream HTTP/1.1\r\nHost: h\r\nAuthorization: yes\r\n" + std::string(extra) +
         "Content-Length: " + std::to_string(body.size()) + "\r\n\r\n" + std::string(body);
}

// `body` in chunks of the given sizes (cycled), an extension on some, then a trailer section
// that tries to pose as header fields.
std::string chunked_request(std::string_view body, const std::vector<size_t>& sizes) {
  std::string out =
      "POST /stream HTTP/1.1\r\nHost: h\r\nAuthorization: yes\r\nTransfer-Encoding: chunked\r\n"
      "\r\n";
  size_t i = 0;
  while (!body.empty()) {
    size_t n = std::min(sizes[i % sizes.size()], body.size());
    char hex[32];
    std::snprintf(hex, sizeof hex, "%zx", n);
    out += hex;
    out += i % 3 == 1 ? ";ext=v\r\n" : "\r\n";
    out += body.substr(0, n);
    out += "\r\n";
    body.remove_prefix(n);
    ++i;
  }
  return out + "0\r\nX-Trailer: t\r\nAuthorization: no\r\n\r\n";
}

TEST(HttpEngineStream, ContentLengthBodyArrivesWholeInOrderOneReadAtATime) {
  LogCapture log;
  auto state = std::make_shared<StreamState>();
  auto engine = make_stream_engine(state);
  const std::string body = body_of_size(5 * 1024 * 1024);
  Fed fed = feed(*engine, content_length_request(body), kRead);
  EXPECT_EQ(fed.next, Output::Next::kRead);
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  Json answer = Json::parse(responses[0].body);
  EXPECT_EQ(answer["sink"], 0);
  EXPECT_EQ(answer["bytes"], body.size());
  EXPECT_EQ(answer["body_empty"], true);

  ASSERT_EQ(state->sinks.size(), 1u);
  const RecordingSink& sink = *state->sinks[0];
  EXPECT_TRUE(sink.body == body) << "body differs; size " << sink.body.size();
  EXPECT_LE(sink.max_piece, kRead);
  EXPECT_GE(sink.writes, body.size() / kRead);
  EXPECT_EQ(state->handler_calls, 1u);
  // Admission, sink and handler see one request id, the one on the wire.
  ASSERT_EQ(state->admitted_ids.size(), 1u);
  EXPECT_EQ(state->admitted_ids[0], answer["request_id"]);
  EXPECT_EQ(responses[0].header("X-Request-Id"), state->admitted_ids[0]);
  EXPECT_NE(log.text().find("POST /stream status=200 in=" + std::to_string(body.size())),
            std::string::npos)
      << log.text();
}

TEST(HttpEngineStream, ChunkedBodyArrivesDechunkedWithoutTrailers) {
  const std::string body = body_of_size(5 * 1024 * 1024);
  // Chunks larger than a read, smaller, and straddling read boundaries.
  const std::string input = chunked_request(body, {100000, 1, 7000, 65536, 300000});
  for (size_t read : {kRead, size_t{0}}) {
    SCOPED_TRACE(read);
    auto state = std::make_shared<StreamState>();
    auto engine = make_stream_engine(state);
    Fed fed = feed(*engine, input, read);
    EXPECT_EQ(fed.next, Output::Next::kRead);
    auto responses = parse_responses(fed.wire);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 200);
    Json answer = Json::parse(responses[0].body);
    EXPECT_EQ(answer["bytes"], body.size());
    EXPECT_EQ(answer["body_empty"], true);
    EXPECT_EQ(answer["trailer_seen"], false);
    ASSERT_EQ(state->sinks.size(), 1u);
    EXPECT_TRUE(state->sinks[0]->body == body) << "size " << state->sinks[0]->body.size();
    // A piece never spans chunks, and never more than the read it came in.
    EXPECT_LE(state->sinks[0]->max_piece, read == 0 ? size_t{300000} : kRead);
  }
}

TEST(HttpEngineStream, SmallBodiesByteAtATime) {
  const std::string body = body_of_size(300);
  for (const std::string& input :
       {content_length_request(body), chunked_request(body, {1, 50, 17})}) {
    for (size_t read : {1, 7}) {
      SCOPED_TRACE(read);
      auto state = std::make_shared<StreamState>();
      auto engine = make_stream_engine(state);
      auto responses = parse_responses(feed(*engine, input, read).wire);
      ASSERT_EQ(responses.size(), 1u);
      EXPECT_EQ(responses[0].status, 200);
      ASSERT_EQ(state->sinks.size(), 1u);
      EXPECT_EQ(state->sinks[0]->body, body);
      EXPECT_LE(state->sinks[0]->max_piece, read);
    }
  }
}

TEST(HttpEngineStream, EmptyBodyMakesASinkWithNoWrites) {
  for (std::string_view input :
       {"POST /stream HTTP/1.1\r\nHost: h\r\nAuthorization: yes\r\nContent-Length: 0\r\n\r\n",
        "POST /stream HTTP/1.1\r\nHost: h\r\nAuthorization: yes\r\n\r\n",
        "POST /stream HTTP/1.1\r\nHost: h\r\nAuthorization: yes\r\nTransfer-Encoding: chunked\r\n"
        "\r\n0\r\n\r\n"}) {
    SCOPED_TRACE(input);
    auto state = std::make_shared<StreamState>();
    auto engine = make_stream_engine(state);
    auto responses = parse_responses(feed(*engine, input).wire);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_EQ(Json::parse(responses[0].body)["sink"], 0);
    ASSERT_EQ(state->sinks.size(), 1u);
    EXPECT_EQ(state->sinks[0]->writes, 0u);
    EXPECT_EQ(state->handler_calls, 1u);
  }
}

TEST(HttpEngineStream, OverTheRouteLimit) {
  // By Content-Length: refused on the header, before a sink is even made.
  auto state = std::make_shared<StreamState>();
  auto engine = make_stream_engine(state);
  Fed fed = feed(*engine,
                 "POST /stream HTTP/1.1\r\nHost: h\r\nAuthorization: yes\r\n"
                 "Content-Length: " +
                     std::to_string(kRouteLimit + 1) + "\r\n\r\n");
  EXPECT_EQ(fed.next, Output::Next::kClose);
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 413);
  EXPECT_EQ(responses[0].header("Connection"), "close");
  EXPECT_EQ(state->factory_calls, 0u);
  EXPECT_EQ(state->handler_calls, 0u);

  // By the sum of chunks: what came within the limit went to the sink, then 413.
  state = std::make_shared<StreamState>();
  engine = make_stream_engine(state);
  const std::string body = body_of_size(kRouteLimit + 1);
  fed = feed(*engine, chunked_request(body, {1 << 20}), kRead);
  EXPECT_EQ(fed.next, Output::Next::kClose);
  responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 413);
  EXPECT_EQ(Json::parse(responses[0].body)["error"]["code"], "body_too_large");
  EXPECT_EQ(responses[0].header("Connection"), "close");
  ASSERT_EQ(state->sinks.size(), 1u);
  EXPECT_LE(state->sinks[0]->body.size(), kRouteLimit);
  EXPECT_EQ(state->handler_calls, 0u);
  // The engine gave up on the sink: it is not kept for a later request.
  EXPECT_EQ(state->sinks[0].use_count(), 1);
}

TEST(HttpEngineStream, SinkRefusalStopsTheRequest) {
  LogCapture log;
  auto state = std::make_shared<StreamState>();
  state->stop_after = 200000;
  auto engine = make_stream_engine(state);
  const std::string input =
      content_length_request(body_of_size(1 << 20)) + "GET /stream HTTP/1.1\r\nHost: h\r\n\r\n";
  Fed fed = feed(*engine, input, kRead);
  EXPECT_EQ(fed.next, Output::Next::kClose);
  EXPECT_LT(fed.bytes_fed, input.size());  // the rest is never read
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 413);
  EXPECT_EQ(Json::parse(responses[0].body)["error"]["code"], "quota_exceeded");
  EXPECT_EQ(responses[0].header("Connection"), "close");
  EXPECT_EQ(state->handler_calls, 0u);
  ASSERT_EQ(state->sinks.size(), 1u);
  EXPECT_LT(state->sinks[0]->body.size(), 200000 + kRead);
  EXPECT_EQ(state->sinks[0].use_count(), 1);
  EXPECT_NE(log.text().find("POST /stream status=413"), std::string::npos) << log.text();
  // Nothing more is taken from this connection.
  EXPECT_EQ(engine->on_data("GET /x HTTP/1.1\r\n\r\n").next, Output::Next::kClose);
}

TEST(HttpEngineStream, SinkOrFactoryThatThrowsIs500LoggedByTypeOnly) {
  for (bool in_factory : {false, true}) {
    SCOPED_TRACE(in_factory);
    LogCapture log;
    auto state = std::make_shared<StreamState>();
    state->throw_in_factory = in_factory;
    state->throw_on_write = !in_factory;
    auto engine = make_stream_engine(state);
    Fed fed = feed(*engine, content_length_request(body_of_size(1000)));
    EXPECT_EQ(fed.next, Output::Next::kClose);
    auto responses = parse_responses(fed.wire);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 500);
    EXPECT_EQ(responses[0].header("Connection"), "close");
    EXPECT_EQ(state->handler_calls, 0u);
    std::string text = log.text();
    EXPECT_NE(text.find("threw"), std::string::npos) << text;
    EXPECT_EQ(text.find("canary"), std::string::npos) << text;
  }
}

TEST(HttpEngineStream, AdmitRefusalComesBeforeTheSink) {
  auto state = std::make_shared<StreamState>();
  auto engine = make_stream_engine(state);
  Fed fed = feed(*engine, "POST /stream HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n");
  EXPECT_EQ(fed.next, Output::Next::kClose);
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 401);
  EXPECT_EQ(responses[0].header("Connection"), "close");
  EXPECT_EQ(state->factory_calls, 0u);
  EXPECT_EQ(state->handler_calls, 0u);
}

TEST(HttpEngineStream, NullSinkIs500WithTheBodyUnread) {
  auto state = std::make_shared<StreamState>();
  state->null_sink = true;
  auto engine = make_stream_engine(state);
  // 100-continue is not sent either: the body is never read.
  Fed fed = feed(*engine,
                 "POST /stream HTTP/1.1\r\nHost: h\r\nAuthorization: yes\r\n"
                 "Expect: 100-continue\r\nContent-Length: 10\r\n\r\n");
  EXPECT_EQ(fed.next, Output::Next::kClose);
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 500);
  EXPECT_EQ(responses[0].header("Connection"), "close");
  EXPECT_EQ(state->factory_calls, 1u);
  EXPECT_EQ(state->handler_calls, 0u);
}

TEST(HttpEngineStream, PipelinedStreamedRequestsEachReachTheirOwnSink) {
  const std::string first = body_of_size(200000);
  const std::string second = body_of_size(70001).substr(1);  // not a prefix of the first
  const std::string input = content_length_request(first) + chunked_request(second, {9000}) +
                            "POST /collect HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc";
  for (size_t read : {size_t{0}, kRead, size_t{1000}}) {
    SCOPED_TRACE(read);
    auto state = std::make_shared<StreamState>();
    auto engine = make_stream_engine(state);
    Fed fed = feed(*engine, input, read);
    EXPECT_EQ(fed.next, Output::Next::kRead);
    auto responses = parse_responses(fed.wire);
    ASSERT_EQ(responses.size(), 3u);
    EXPECT_EQ(Json::parse(responses[0].body)["sink"], 0);
    EXPECT_EQ(Json::parse(responses[0].body)["bytes"], first.size());
    EXPECT_EQ(Json::parse(responses[1].body)["sink"], 1);
    EXPECT_EQ(Json::parse(responses[1].body)["bytes"], second.size());
    EXPECT_EQ(responses[2].body, "abc");
    ASSERT_EQ(state->sinks.size(), 2u);
    EXPECT_TRUE(state->sinks[0]->body == first);
    EXPECT_TRUE(state->sinks[1]->body == second);
    if (read != 0) {
      EXPECT_LE(std::max(state->sinks[0]->max_piece, state->sinks[1]->max_piece), read);
    }
  }
}

TEST(HttpEngineStream, ExpectContinueIsAnswered) {
  auto state = std::make_shared<StreamState>();
  auto engine = make_stream_engine(state);
  const std::string body = body_of_size(100000);
  auto first = engine->on_data(
      "POST /stream HTTP/1.1\r\nHost: h\r\nAuthorization: yes\r\nExpect: 100-continue\r\n"
      "Content-Length: 100000\r\n\r\n");
  EXPECT_EQ(first.write, "HTTP/1.1 100 Continue\r\n\r\n");
  EXPECT_EQ(state->factory_calls, 1u);
  Fed fed = feed(*engine, body, kRead);
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  ASSERT_EQ(state->sinks.size(), 1u);
  EXPECT_TRUE(state->sinks[0]->body == body);
}

TEST(HttpEngineStream, TimeoutMidBodyAbandonsTheSink) {
  auto state = std::make_shared<StreamState>();
  auto engine = make_stream_engine(state);
  const std::string input = content_length_request(body_of_size(1000));
  Fed fed = feed(*engine, input.substr(0, input.size() - 10));
  EXPECT_EQ(fed.wire, "");
  auto responses = parse_responses(engine->on_timeout());
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 408);
  EXPECT_EQ(state->handler_calls, 0u);
  ASSERT_EQ(state->sinks.size(), 1u);
  EXPECT_EQ(state->sinks[0]->body.size(), 990u);
  EXPECT_EQ(state->sinks[0].use_count(), 1);
}

TEST(HttpEngineStream, ShutdownMidBodyFinishesTheRequestThenCloses) {
  auto state = std::make_shared<StreamState>();
  auto engine = make_stream_engine(state);
  const std::string input = content_length_request(body_of_size(1000));
  feed(*engine, input.substr(0, input.size() - 10));
  auto reply = engine->on_shutdown();
  EXPECT_FALSE(reply.close_now);
  Fed fed = feed(*engine, input.substr(input.size() - 10));
  EXPECT_EQ(fed.next, Output::Next::kClose);
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].header("Connection"), "close");
  EXPECT_EQ(state->sinks.at(0)->body.size(), 1000u);
}

TEST(HttpEngineStream, LargeBodyRouteWithoutASinkStillCollects) {
  auto state = std::make_shared<StreamState>();
  auto engine = make_stream_engine(state);
  auto responses =
      parse_responses(feed(*engine,
                           "POST /collect HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                           "2\r\nab\r\n1\r\nc\r\n0\r\n\r\n",
                           1)
                          .wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].body, "abc");
  EXPECT_EQ(state->factory_calls, 0u);
}

}  // namespace
}  // namespace sealmail::http
