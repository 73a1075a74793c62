#include "http/internal/wire.h"

#include <gtest/gtest.h>

#include <set>

#include "http/test_util.h"

namespace sealmail::http::internal {
namespace {

using http::testing::parse_responses;

TEST(HttpDate, KnownInstants) {
  using std::chrono::seconds;
  using std::chrono::system_clock;
  EXPECT_EQ(http_date(system_clock::time_point(seconds(784111777))),
            "Sun, 06 Nov 1994 08:49:37 GMT");  // RFC 9110 §5.6.7's example
  EXPECT_EQ(http_date(system_clock::time_point(seconds(0))), "Thu, 01 Jan 1970 00:00:00 GMT");
  EXPECT_EQ(http_date(system_clock::time_point(seconds(951782400))),
            "Tue, 29 Feb 2000 00:00:00 GMT");
}

TEST(ReasonPhrase, Table) {
  EXPECT_EQ(reason_phrase(200), "OK");
  EXPECT_EQ(reason_phrase(413), "Content Too Large");
  EXPECT_EQ(reason_phrase(431), "Request Header Fields Too Large");
  EXPECT_EQ(reason_phrase(599), "Unknown");
}

TEST(RequestId, SixteenHexDigitsAndDistinct) {
  std::set<std::string> seen;
  for (int i = 0; i < 1000; ++i) {
    std::string id = new_request_id();
    ASSERT_TRUE(http::testing::fits_shape(id, http::testing::kRequestIdShape)) << id;
    seen.insert(id);
  }
  EXPECT_EQ(seen.size(), 1000u);
}

TEST(Serialize, DefaultsAndSecurityHeaders) {
  WireOptions opts;
  opts.request_id = "0123456789abcdef";
  auto wire = serialize_response(Response::json(200, {{"a", 1}}), opts);
  ASSERT_TRUE(wire);
  auto responses = parse_responses(*wire);
  ASSERT_EQ(responses.size(), 1u);
  const auto& r = responses[0];
  EXPECT_EQ(r.status, 200);
  EXPECT_EQ(r.reason, "OK");
  EXPECT_EQ(r.body, R"({"a":1})");
  EXPECT_EQ(r.header("Content-Length"), "7");
  EXPECT_EQ(r.header("Content-Type"), "application/json");
  EXPECT_EQ(r.header("X-Request-Id"), "0123456789abcdef");
  EXPECT_EQ(r.header("Server"), "sealmail");
  EXPECT_EQ(r.header("Cache-Control"), "no-store");
  EXPECT_EQ(r.header("X-Content-Type-Options"), "nosniff");
  EXPECT_EQ(r.header("Referrer-Policy"), "no-referrer");
  EXPECT_EQ(r.header("Content-Security-Policy"),
            "default-src 'none'; frame-ancestors 'none'; base-uri 'none'");
  EXPECT_FALSE(r.has("Strict-Transport-Security"));
  EXPECT_FALSE(r.has("Connection"));
  EXPECT_TRUE(http::testing::fits_shape(*r.header("Date"), http::testing::kHttpDateShape));

  opts.tls = true;
  opts.close = true;
  responses = parse_responses(*serialize_response(Response::text(200, "x"), opts));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].header("Strict-Transport-Security"),
            "max-age=31536000; includeSubDomains");
  EXPECT_EQ(responses[0].header("Connection"), "close");
}

TEST(Serialize, HandlerHeaders) {
  Response response = Response::text(200, "x");
  response.headers = {{"Cache-Control", "max-age=60"},
                      {"Content-Security-Policy", "default-src 'self'"},
                      {"Access-Control-Allow-Origin", "*"},
                      {"Content-Length", "999"},
                      {"Connection", "keep-alive"},
                      {"X-Request-Id", "forged"},
                      {"Server", "other"}};
  WireOptions opts;
  opts.request_id = "id";
  auto responses = parse_responses(*serialize_response(response, opts));
  ASSERT_EQ(responses.size(), 1u);  // header() also fails the test on any repeated field
  const auto& r = responses[0];
  EXPECT_EQ(r.header("Cache-Control"), "max-age=60");
  EXPECT_EQ(r.header("Content-Security-Policy"), "default-src 'self'");
  EXPECT_EQ(r.header("Access-Control-Allow-Origin"), "*");
  EXPECT_EQ(r.header("Content-Length"), "1");
  EXPECT_FALSE(r.has("Connection"));
  EXPECT_EQ(r.header("X-Request-Id"), "id");
  EXPECT_EQ(r.header("Server"), "sealmail");
}

TEST(Serialize, RefusesResponseSplitting) {
  WireOptions opts;
  for (auto [name, value] :
       std::vector<std::pair<std::string, std::string>>{{"Location", "/a\r\nSet-Cookie: x=1"},
                                                        {"Location", "/a\nb"},
                                                        {"Location", std::string("/a\0b", 4)},
                                                        {"Bad Name", "v"},
                                                        {"", "v"},
                                                        {"X:Y", "v"}}) {
    Response response;
    response.headers.emplace_back(name, value);
    EXPECT_FALSE(serialize_response(response, opts)) << name;
  }
  Response response;
  response.content_type = "text/html\r\nX: y";
  EXPECT_FALSE(serialize_response(response, opts));
}

TEST(Serialize, HeadKeepsLengthDropsBody) {
  WireOptions opts;
  opts.head = true;
  auto wire = *serialize_response(Response::text(200, "hello"), opts);
  EXPECT_NE(wire.find("Content-Length: 5\r\n"), std::string::npos);
  EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n");
}

TEST(Serialize, NoContentHasNoLengthOrBody) {
  WireOptions opts;
  for (int status : {204, 304}) {
    auto wire = *serialize_response(Response::text(status, "ignored"), opts);
    EXPECT_EQ(wire.find("\r\nContent-Length:"), std::string::npos) << status;
    EXPECT_EQ(wire.find("\r\nContent-Type:"), std::string::npos) << status;
    EXPECT_EQ(wire.substr(wire.size() - 4), "\r\n\r\n") << status;
  }
}

TEST(Serialize, Http10KeepAlive) {
  WireOptions opts;
  opts.keep_alive = true;
  auto responses = parse_responses(*serialize_response(Response::text(200, ""), opts));
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].header("Connection"), "keep-alive");
}

}  // namespace
}  // namespace sealmail::http::internal
