// Behaviour of HttpEngine on well-formed traffic: framing, persistence, headers, handlers,
// shutdown and timeouts. Limits and malformed input are in engine_limits_test.cc.
#include "http/engine.h"

#include <gtest/gtest.h>

#include <set>

#include "http/engine_test_util.h"

namespace sealmail::http {
namespace {

using net::Output;
using testing::feed;
using testing::LogCapture;
using testing::make_engine;
using testing::parse_responses;
using Json = nlohmann::json;

constexpr std::string_view kHealth = "GET /api/v1/health HTTP/1.1\r\nHost: mail.example\r\n\r\n";

TEST(HttpEngine, HealthWholeAndByteAtATime) {
  for (size_t chunk : {0, 1}) {
    SCOPED_TRACE(chunk);
    auto engine = make_engine();
    auto fed = feed(*engine, kHealth, chunk);
    EXPECT_EQ(fed.next, Output::Next::kRead);
    auto responses = parse_responses(fed.wire);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_EQ(responses[0].header("Content-Type"), "application/json");
    EXPECT_EQ(Json::parse(responses[0].body),
              (Json{{"status", "ok"}, {"version", SEALMAIL_VERSION}}));
    EXPECT_FALSE(responses[0].has("Connection"));
  }
}

TEST(HttpEngine, HandlerSeesRequestFields) {
  auto engine = make_engine({}, /*tls=*/true);
  auto fed = feed(*engine,
                  "POST /echo?a=1&b=x%20y+z&a=2 HTTP/1.1\r\nHost: h\r\nX-Test: hello\r\n"
                  "Content-Length: 4\r\n\r\nbody");
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  Json echo = Json::parse(responses[0].body);
  EXPECT_EQ(echo["method"], "POST");
  EXPECT_EQ(echo["target"], "/echo?a=1&b=x%20y+z&a=2");
  EXPECT_EQ(echo["path"], "/echo");
  EXPECT_EQ(echo["query"], Json::parse(R"([["a","1"],["b","x y z"],["a","2"]])"));
  EXPECT_EQ(echo["body"], "body");
  EXPECT_EQ(echo["version"], 11);
  EXPECT_EQ(echo["x_test"], "hello");
  EXPECT_EQ(echo["peer"], "192.0.2.1");
  EXPECT_EQ(echo["tls"], true);
  EXPECT_EQ(echo["request_id"], *responses[0].header("X-Request-Id"));
}

TEST(HttpEngine, RouteCaptures) {
  auto engine = make_engine();
  auto responses =
      parse_responses(feed(*engine, "GET /items/a%40b HTTP/1.1\r\nHost: h\r\n\r\n").wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(Json::parse(responses[0].body)["id"], "a@b");
}

TEST(HttpEngine, PipelinedRequestsInOneChunkAnswerInOrder) {
  auto engine = make_engine();
  std::string input =
      "GET /echo?n=1 HTTP/1.1\r\nHost: h\r\n\r\n"
      "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabc"
      "GET /nope HTTP/1.1\r\nHost: h\r\n\r\n"
      "PUT /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nxy\r\n0\r\n\r\n"
      "GET /api/v1/health HTTP/1.1\r\nHost: h\r\n\r\n";
  auto fed = feed(*engine, input);
  EXPECT_EQ(fed.next, Output::Next::kRead);
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 5u);
  EXPECT_EQ(Json::parse(responses[0].body)["query"], Json::parse(R"([["n","1"]])"));
  EXPECT_EQ(Json::parse(responses[1].body)["body"], "abc");
  EXPECT_EQ(responses[2].status, 404);
  EXPECT_EQ(Json::parse(responses[3].body)["body"], "xy");
  EXPECT_EQ(Json::parse(responses[4].body)["status"], "ok");
  std::set<std::string> ids;
  for (const auto& r : responses) ids.insert(*r.header("X-Request-Id"));
  EXPECT_EQ(ids.size(), 5u);
}

TEST(HttpEngine, ChunkedBodyWithExtensionsAndTrailersDropped) {
  std::string input =
      "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
      "5\r\nhello\r\n6;name=value\r\n world\r\nA\r\n0123456789\r\n0\r\nX-Test: trailer\r\n\r\n";
  for (size_t chunk : {0, 1, 4}) {
    SCOPED_TRACE(chunk);
    auto engine = make_engine();
    auto fed = feed(*engine, input, chunk);
    auto responses = parse_responses(fed.wire);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_EQ(Json::parse(responses[0].body)["body"], "hello world0123456789");
    EXPECT_EQ(Json::parse(responses[0].body)["x_test"], "");  // trailers are not headers
    EXPECT_EQ(fed.next, Output::Next::kRead);
  }
}

TEST(HttpEngine, ConnectionCloseEndsTheSessionAndDropsPipelinedInput) {
  auto engine = make_engine();
  auto fed = feed(*engine,
                  "GET /echo HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
                  "GET /echo HTTP/1.1\r\nHost: h\r\n\r\n");
  EXPECT_EQ(fed.next, Output::Next::kClose);
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].header("Connection"), "close");
  auto after = engine->on_data(kHealth);
  EXPECT_EQ(after.write, "");
  EXPECT_EQ(after.next, Output::Next::kClose);
}

TEST(HttpEngine, KeepAliveByDefaultOnHttp11) {
  auto engine = make_engine();
  for (int i = 0; i < 3; ++i) {
    auto fed = feed(*engine, kHealth);
    EXPECT_EQ(fed.next, Output::Next::kRead);
    ASSERT_EQ(parse_responses(fed.wire).size(), 1u);
  }
}

TEST(HttpEngine, Http10) {
  {
    auto engine = make_engine();
    auto fed = feed(*engine, "GET /echo HTTP/1.0\r\n\r\n");  // no Host needed
    EXPECT_EQ(fed.next, Output::Next::kClose);
    auto responses = parse_responses(fed.wire);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 200);
    EXPECT_EQ(Json::parse(responses[0].body)["version"], 10);
    EXPECT_EQ(responses[0].header("Connection"), "close");
  }
  {
    auto engine = make_engine();
    auto fed = feed(*engine, "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\n");
    EXPECT_EQ(fed.next, Output::Next::kRead);
    auto responses = parse_responses(fed.wire);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].header("Connection"), "keep-alive");
  }
}

TEST(HttpEngine, NotFoundAndMethodNotAllowedShapes) {
  auto engine = make_engine();
  auto responses = parse_responses(feed(*engine,
                                        "GET /missing HTTP/1.1\r\nHost: h\r\n\r\n"
                                        "DELETE /api/v1/health HTTP/1.1\r\nHost: h\r\n\r\n")
                                       .wire);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 404);
  EXPECT_EQ(responses[0].header("Content-Type"), "application/json");
  EXPECT_EQ(Json::parse(responses[0].body),
            (Json{{"error", {{"code", "not_found"}, {"message", "no such resource"}}}}));
  EXPECT_EQ(responses[1].status, 405);
  EXPECT_EQ(responses[1].header("Allow"), "GET, HEAD");
  EXPECT_EQ(Json::parse(responses[1].body)["error"]["code"], "method_not_allowed");
}

TEST(HttpEngine, SecurityHeadersOnEveryResponseAndHstsOnlyOnTls) {
  for (bool tls : {false, true}) {
    SCOPED_TRACE(tls);
    auto engine = make_engine({}, tls);
    auto responses = parse_responses(feed(*engine,
                                          "GET /echo HTTP/1.1\r\nHost: h\r\n\r\n"
                                          "GET /missing HTTP/1.1\r\nHost: h\r\n\r\n"
                                          "GET /throw HTTP/1.1\r\nHost: h\r\n\r\n"
                                          "GET / HTTP/1.1\r\n\r\n")  // 400: no Host
                                         .wire);
    ASSERT_EQ(responses.size(), 4u);
    for (const auto& r : responses) {
      SCOPED_TRACE(r.status);
      EXPECT_EQ(r.header("Content-Security-Policy"),
                "default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
      EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
      EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer");
      EXPECT_EQ(r.header("Cache-Control"), "no-store");
      EXPECT_EQ(r.header("Server"), "sealmail");
      EXPECT_EQ(r.header("Content-Length"), std::to_string(r.body.size()));
      EXPECT_TRUE(testing::fits_shape(*r.header("X-Request-Id"), testing::kRequestIdShape));
      EXPECT_TRUE(testing::fits_shape(*r.header("Date"), testing::kHttpDateShape));
      if (tls) {
        EXPECT_EQ(r.header("Strict-Transport-Security"), "max-age=31536000; includeSubDomains");
      } else {
        EXPECT_FALSE(r.has("Strict-Transport-Security"));
      }
    }
    EXPECT_EQ(responses[3].status, 400);
  }
}

TEST(HttpEngine, HandlerMayReplaceCacheControl) {
  auto engine = make_engine();
  auto responses = parse_responses(feed(*engine, "GET /cache HTTP/1.1\r\nHost: h\r\n\r\n").wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].header("Cache-Control"), "max-age=60");
}

TEST(HttpEngine, HandlerFailuresBecome500AndTheConnectionStaysUsable) {
  LogCapture log;
  auto engine = make_engine();
  auto fed = feed(*engine,
                  "GET /throw HTTP/1.1\r\nHost: h\r\n\r\n"
                  "GET /throw-int HTTP/1.1\r\nHost: h\r\n\r\n"
                  "GET /split HTTP/1.1\r\nHost: h\r\n\r\n"
                  "GET /status99 HTTP/1.1\r\nHost: h\r\n\r\n" +
                      std::string(kHealth));
  EXPECT_EQ(fed.next, Output::Next::kRead);
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 5u);
  for (size_t i = 0; i < 4; ++i) {
    EXPECT_EQ(responses[i].status, 500) << i;
    EXPECT_EQ(Json::parse(responses[i].body)["error"]["code"], "internal") << i;
    EXPECT_FALSE(responses[i].has("Location")) << i;
    EXPECT_FALSE(responses[i].has("Set-Cookie")) << i;
  }
  EXPECT_EQ(responses[4].status, 200);
  std::string text = log.text();
  EXPECT_NE(text.find("threw"), std::string::npos) << text;
  EXPECT_EQ(text.find("canary-exception-text"), std::string::npos) << text;
}

TEST(HttpEngine, HeadHasLengthButNoBody) {
  auto engine = make_engine();
  auto fed =
      feed(*engine, "HEAD /api/v1/health HTTP/1.1\r\nHost: h\r\n\r\n" + std::string(kHealth));
  auto responses = parse_responses(fed.wire, {0});
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_EQ(responses[0].body, "");
  EXPECT_EQ(responses[0].header("Content-Length"), std::to_string(responses[1].body.size()));
}

TEST(HttpEngine, NoContentHasNoBody) {
  auto engine = make_engine();
  auto fed = feed(*engine, "GET /empty HTTP/1.1\r\nHost: h\r\n\r\n" + std::string(kHealth));
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 204);
  EXPECT_FALSE(responses[0].has("Content-Length"));
  EXPECT_EQ(responses[1].status, 200);
}

TEST(HttpEngine, ExpectContinueOnlyWhileTheBodyIsOutstanding) {
  constexpr std::string_view kHead =
      "POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 5\r\n\r\n";
  auto engine = make_engine();
  auto first = engine->on_data(kHead);
  EXPECT_EQ(first.write, "HTTP/1.1 100 Continue\r\n\r\n");
  auto responses = parse_responses(engine->on_data("hello").write);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(Json::parse(responses[0].body)["body"], "hello");

  auto whole = make_engine();
  responses = parse_responses(feed(*whole, std::string(kHead) + "hello").wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
}

TEST(HttpEngine, LeadingEmptyLinesAreIgnored) {
  auto engine = make_engine();
  auto responses = parse_responses(feed(*engine, "\r\n\r\n\n" + std::string(kHealth)).wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
}

TEST(HttpEngine, AbsoluteFormTargetRoutesOnItsPath) {
  auto engine = make_engine();
  auto responses = parse_responses(
      feed(*engine, "GET http://h.example/echo?a=1 HTTP/1.1\r\nHost: h\r\n\r\n").wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(Json::parse(responses[0].body)["path"], "/echo");
}

TEST(HttpEngine, LogsOneLineWithoutQueryHeadersOrBody) {
  LogCapture log;
  auto engine = make_engine();
  auto responses = parse_responses(feed(*engine,
                                        "POST /echo?token=querycanary HTTP/1.1\r\nHost: h\r\n"
                                        "X-Test: headercanary\r\nContent-Length: 10\r\n\r\n"
                                        "bodycanary")
                                       .wire);
  ASSERT_EQ(responses.size(), 1u);
  std::string text = log.text();
  EXPECT_EQ(std::count(text.begin(), text.end(), '\n'), 1) << text;
  EXPECT_NE(text.find("req=" + *responses[0].header("X-Request-Id")), std::string::npos) << text;
  EXPECT_NE(text.find("peer=192.0.2.1 POST /echo status=200 in=10"), std::string::npos) << text;
  for (const char* canary : {"querycanary", "headercanary", "bodycanary", "token"}) {
    EXPECT_EQ(text.find(canary), std::string::npos) << canary << " in " << text;
  }
}

TEST(HttpEngine, LogsTheRouteNotTheRawPathOrAnOddMethod) {
  LogCapture log;
  auto engine = make_engine();
  auto responses = parse_responses(feed(*engine,
                                        "GET /pathcanary/x HTTP/1.1\r\nHost: h\r\n\r\n"
                                        "METHODCANARY /echo HTTP/1.1\r\nHost: h\r\n\r\n")
                                       .wire);
  ASSERT_EQ(responses.size(), 2u);
  EXPECT_EQ(responses[0].status, 404);
  std::string text = log.text();
  EXPECT_NE(text.find("GET - status=404"), std::string::npos) << text;
  EXPECT_NE(text.find("OTHER - status=405"), std::string::npos) << text;
  EXPECT_EQ(text.find("CANARY"), std::string::npos) << text;
  EXPECT_EQ(text.find("canary"), std::string::npos) << text;
}

TEST(HttpEngine, ShutdownWhenIdleClosesNow) {
  auto fresh = make_engine();
  auto reply = fresh->on_shutdown();
  EXPECT_TRUE(reply.close_now);
  EXPECT_EQ(reply.write, "");

  auto used = make_engine();
  ASSERT_EQ(parse_responses(feed(*used, kHealth).wire).size(), 1u);
  reply = used->on_shutdown();
  EXPECT_TRUE(reply.close_now);
  EXPECT_EQ(used->on_data(kHealth).next, Output::Next::kClose);
}

TEST(HttpEngine, ShutdownMidRequestFinishesItThenCloses) {
  auto engine = make_engine();
  auto partial = engine->on_data("POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\na");
  EXPECT_EQ(partial.write, "");
  EXPECT_EQ(partial.next, Output::Next::kRead);
  auto reply = engine->on_shutdown();
  EXPECT_FALSE(reply.close_now);
  EXPECT_EQ(reply.write, "");
  auto rest = engine->on_data("bc" + std::string(kHealth));
  EXPECT_EQ(rest.next, Output::Next::kClose);
  auto responses = parse_responses(rest.write);
  ASSERT_EQ(responses.size(), 1u);  // the pipelined health check is dropped
  EXPECT_EQ(Json::parse(responses[0].body)["body"], "abc");
  EXPECT_EQ(responses[0].header("Connection"), "close");
}

TEST(HttpEngine, TimeoutIdleSaysNothingMidRequestSays408) {
  auto idle = make_engine();
  EXPECT_EQ(idle->on_timeout(), "");
  ASSERT_EQ(parse_responses(feed(*idle, kHealth).wire).size(), 1u);
  EXPECT_EQ(idle->on_timeout(), "");

  auto busy = make_engine();
  EXPECT_EQ(busy->on_data("GET /echo HTTP/1.1\r\nHo").write, "");
  auto responses = parse_responses(busy->on_timeout());
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 408);
  EXPECT_EQ(responses[0].header("Connection"), "close");
  EXPECT_EQ(Json::parse(responses[0].body)["error"]["code"], "timeout");
  EXPECT_EQ(busy->on_data("st: h\r\n\r\n").next, Output::Next::kClose);
}

TEST(HttpEngineFactory, CreatesEnginesAndRefusesWith503) {
  HttpEngineFactory factory(testing::test_router());
  auto engine = factory.create();
  engine->on_connect({});
  EXPECT_EQ(parse_responses(feed(*engine, kHealth).wire).at(0).status, 200);

  using Refusal = net::EngineFactory::Refusal;
  for (Refusal why :
       {Refusal::kTooManyConnections, Refusal::kTooManyFromAddress, Refusal::kShuttingDown,
        Refusal::kTooFastFromAddress}) {
    auto responses = parse_responses(factory.refusal(why));
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 503);
    EXPECT_TRUE(responses[0].has("Retry-After"));
    EXPECT_EQ(responses[0].header("Connection"), "close");
    EXPECT_EQ(Json::parse(responses[0].body)["error"]["code"], "unavailable");
  }
}

}  // namespace
}  // namespace sealmail::http
