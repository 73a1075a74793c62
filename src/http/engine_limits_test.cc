// HttpEngine on hostile or broken input: malformed requests, every limit, and the promise that
// the way input is split into reads never changes what the engine answers.
#include <gtest/gtest.h>

#include <random>

#include "http/engine.h"
#include "http/engine_test_util.h"

namespace sealmail::http {
namespace {

using net::Output;
using testing::Fed;
using testing::feed;
using testing::make_engine;
using testing::parse_responses;
using Json = nlohmann::json;

struct BadCase {
  std::string_view name;
  std::string input;
  int status;
  std::string_view code;
};

TEST(HttpEngineLimits, MalformedRequestsGetAJsonErrorAndClose) {
  const BadCase cases[] = {
      {"garbage", "GARBAGE\r\n\r\n", 400, "bad_request"},
      {"no version", "GET /\r\n\r\n", 400, "bad_request"},
      {"lowercase version", "GET / http/1.1\r\nHost: h\r\n\r\n", 400, "bad_request"},
      {"space in target", "GET /a b HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bad_request"},
      {"relative target", "GET echo HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bad_request"},
      {"authority form", "CONNECT h:443 HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bad_request"},
      {"bad query", "GET /echo?a=%zz HTTP/1.1\r\nHost: h\r\n\r\n", 400, "bad_request"},
      {"field without colon", "GET / HTTP/1.1\r\nHost: h\r\nBad Header\r\n\r\n", 400,
       "bad_request"},
      {"missing host", "GET /echo HTTP/1.1\r\n\r\n", 400, "bad_request"},
      {"two hosts", "GET /echo HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", 400, "bad_request"},
      {"bad content-length", "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: x\r\n\r\n", 400,
       "bad_request"},
      {"negative content-length", "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n",
       400, "bad_request"},
      {"conflicting content-lengths",
       "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", 400,
       "bad_request"},
      {"content-length and chunked",
       "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n"
       "0\r\n\r\n",
       400, "bad_request"},
      {"chunked then content-length",
       "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n"
       "0\r\n\r\n",
       400, "bad_request"},
      {"final coding not chunked",
       "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", 400, "bad_request"},
      {"chunked twice",
       "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, chunked\r\n\r\n0\r\n\r\n",
       400, "bad_request"},
      {"unknown coding",
       "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", 501,
       "not_implemented"},
      {"bad chunk size",
       "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nab\r\n", 400,
       "bad_request"},
      {"chunk without crlf",
       "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nabX\r\n0\r\n\r\n",
       400, "bad_request"},
      {"http/2 preface", "PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n", 505, "version_not_supported"},
      {"http/0.9 style version", "GET / HTTP/0.9\r\n\r\n", 505, "version_not_supported"},
      {"http/1.2", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", 505, "version_not_supported"},
      {"version with trailing junk", "GET / HTTP/1.1x\r\nHost: h\r\n\r\n", 400, "bad_request"},
  };
  for (const BadCase& c : cases) {
    for (size_t chunk : {0, 1}) {
      SCOPED_TRACE(std::string(c.name) + (chunk ? " byte at a time" : " whole"));
      auto engine = make_engine();
      // A valid request first: the error must not disturb the answer already given.
      auto fed = feed(*engine, "GET /api/v1/health HTTP/1.1\r\nHost: h\r\n\r\n" + c.input, chunk);
      EXPECT_EQ(fed.next, Output::Next::kClose);
      auto responses = parse_responses(fed.wire);
      ASSERT_EQ(responses.size(), 2u);
      EXPECT_EQ(responses[0].status, 200);
      EXPECT_EQ(responses[1].status, c.status);
      EXPECT_EQ(responses[1].header("Connection"), "close");
      EXPECT_EQ(responses[1].header("Content-Type"), "application/json");
      EXPECT_EQ(Json::parse(responses[1].body)["error"]["code"], c.code);
    }
  }
}

// "GET /echo HTTP/1.1\r\nHost: h\r\nX-Pad: ppp…\r\n\r\n" of exactly `size` bytes.
std::string request_of_header_size(size_t size) {
  std::string head = "GET /echo HTTP/1.1\r\nHost: h\r\nX-Pad: ";
  return head + std::string(size - head.size() - 4, 'p') + "\r\n\r\n";
}

TEST(HttpEngineLimits, HeaderLimitIsExact) {
  HttpLimits limits;
  limits.max_header_bytes = 200;
  for (size_t chunk : {0, 1, 7}) {
    SCOPED_TRACE(chunk);
    auto at_limit = make_engine(limits);
    auto fed = feed(*at_limit, request_of_header_size(200), chunk);
    EXPECT_EQ(fed.next, Output::Next::kRead);
    ASSERT_EQ(parse_responses(fed.wire).size(), 1u);
    EXPECT_EQ(parse_responses(fed.wire)[0].status, 200);

    auto over = make_engine(limits);
    fed = feed(*over, request_of_header_size(201), chunk);
    EXPECT_EQ(fed.next, Output::Next::kClose);
    auto responses = parse_responses(fed.wire);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 431);
    EXPECT_EQ(responses[0].header("Connection"), "close");
    EXPECT_EQ(Json::parse(responses[0].body)["error"]["code"], "header_too_large");
  }
}

TEST(HttpEngineLimits, EndlessHeaderIsCutOffAtTheLimit) {
  HttpLimits limits;
  limits.max_header_bytes = 1024;
  auto engine = make_engine(limits);
  std::string endless = "GET / HTTP/1.1\r\nX: " + std::string(100000, 'a');
  auto fed = feed(*engine, endless, 1);
  EXPECT_EQ(fed.next, Output::Next::kClose);
  EXPECT_LE(fed.bytes_fed, 1024u + 4);
  EXPECT_EQ(parse_responses(fed.wire).at(0).status, 431);
}

TEST(HttpEngineLimits, BodyLimitByContentLength) {
  HttpLimits limits;
  limits.max_body_bytes = 10;
  auto at_limit = make_engine(limits);
  auto fed =
      feed(*at_limit, "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 10\r\n\r\n0123456789");
  EXPECT_EQ(parse_responses(fed.wire).at(0).status, 200);

  // Refused as soon as the header is read: no body byte is sent or buffered.
  auto over = make_engine(limits);
  fed = feed(*over, "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\n");
  EXPECT_EQ(fed.next, Output::Next::kClose);
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 413);
  EXPECT_EQ(responses[0].header("Connection"), "close");
  EXPECT_EQ(Json::parse(responses[0].body)["error"]["code"], "body_too_large");

  auto huge = make_engine(limits);
  fed = feed(*huge, "POST /echo HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999\r\n\r\n");
  EXPECT_EQ(parse_responses(fed.wire).at(0).status, 413);
}

TEST(HttpEngineLimits, LargeBodyRouteAdmitsBeforeTheBodyAndHasItsOwnLimit) {
  HttpLimits limits;
  limits.max_body_bytes = 10;
  const std::string body15 = "0123456789abcde";
  auto admitted = make_engine(limits);
  auto fed = feed(*admitted, "POST /upload HTTP/1.1\r\nHost: h\r\nAuthorization: yes\r\n"
                             "Content-Length: 15\r\n\r\n" + body15);
  auto responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 200);
  EXPECT_NE(responses[0].body.find(body15), std::string::npos);

  // Refused on the header alone: the answer comes before any body byte is sent.
  auto refused = make_engine(limits);
  fed = feed(*refused, "POST /upload HTTP/1.1\r\nHost: h\r\nContent-Length: 15\r\n\r\n");
  EXPECT_EQ(fed.next, Output::Next::kClose);
  responses = parse_responses(fed.wire);
  ASSERT_EQ(responses.size(), 1u);
  EXPECT_EQ(responses[0].status, 401);
  EXPECT_EQ(responses[0].header("Connection"), "close");

  auto over = make_engine(limits);
  fed = feed(*over, "POST /upload HTTP/1.1\r\nHost: h\r\nAuthorization: yes\r\n"
                    "Content-Length: 21\r\n\r\n");
  EXPECT_EQ(parse_responses(fed.wire).at(0).status, 413);

  auto chunked_over = make_engine(limits);
  fed = feed(*chunked_over, "POST /upload HTTP/1.1\r\nHost: h\r\nAuthorization: yes\r\n"
                            "Transfer-Encoding: chunked\r\n\r\nF\r\n" + body15 +
                                "\r\n6\r\n012345\r\n0\r\n\r\n");
  EXPECT_EQ(parse_responses(fed.wire).at(0).status, 413);

  // Other routes keep the engine's limit, though the parser now allows 20.
  auto elsewhere = make_engine(limits);
  fed = feed(*elsewhere, "POST /echo HTTP/1.1\r\nHost: h\r\nAuthorization: yes\r\n"
                         "Content-Length: 15\r\n\r\n");
  EXPECT_EQ(parse_responses(fed.wire).at(0).status, 413);
  auto elsewhere_chunked = make_engine(limits);
  fed = feed(*elsewhere_chunked, "POST /echo HTTP/1.1\r\nHost: h\r\n"
                                 "Transfer-Encoding: chunked\r\n\r\nF\r\n" + body15 +
                                     "\r\n0\r\n\r\n");
  EXPECT_EQ(parse_responses(fed.wire).at(0).status, 413);
}

TEST(HttpEngineLimits, BodyLimitByChunks) {
  HttpLimits limits;
  limits.max_body_bytes = 10;
  const std::string head = "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n";
  for (size_t chunk : {0, 1}) {
    SCOPED_TRACE(chunk);
    auto at_limit = make_engine(limits);
    auto fed = feed(*at_limit, head + "5\r\n01234\r\n5\r\n56789\r\n0\r\n\r\n", chunk);
    EXPECT_EQ(parse_responses(fed.wire).at(0).status, 200);

    auto over = make_engine(limits);
    fed = feed(*over, head + "5\r\n01234\r\n6\r\n567890\r\n0\r\n\r\n", chunk);
    EXPECT_EQ(fed.next, Output::Next::kClose);
    auto responses = parse_responses(fed.wire);
    ASSERT_EQ(responses.size(), 1u);
    EXPECT_EQ(responses[0].status, 413);
    EXPECT_EQ(responses[0].header("Connection"), "close");

    auto one_huge_chunk = make_engine(limits);
    fed = feed(*one_huge_chunk, head + "FFFFFFFFFFFF\r\n", chunk);
    EXPECT_EQ(parse_responses(fed.wire).at(0).status, 413);
  }
}

TEST(HttpEngineLimits, EndlessChunkLineIsCutOff) {
  HttpLimits limits;
  limits.max_header_bytes = 512;
  auto engine = make_engine(limits);
  std::string input = "POST /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;" +
                      std::string(100000, 'x');
  auto fed = feed(*engine, input, 64);
  EXPECT_EQ(fed.next, Output::Next::kClose);
  EXPECT_LT(fed.bytes_fed, 2048u);
  EXPECT_EQ(parse_responses(fed.wire).at(0).status, 400);
}

TEST(HttpEngineLimits, MaxRequestsPerConnection) {
  HttpLimits limits;
  limits.max_requests_per_connection = 3;
  std::string input;
  for (int i = 0; i < 5; ++i) input += "GET /echo HTTP/1.1\r\nHost: h\r\n\r\n";
  for (size_t chunk : {0, 1}) {
    SCOPED_TRACE(chunk);
    auto engine = make_engine(limits);
    auto fed = feed(*engine, input, chunk);
    EXPECT_EQ(fed.next, Output::Next::kClose);
    auto responses = parse_responses(fed.wire);
    ASSERT_EQ(responses.size(), 3u);
    EXPECT_FALSE(responses[1].has("Connection"));
    EXPECT_EQ(responses[2].header("Connection"), "close");
  }
}

// What a client could observe, minus the fields that differ on every run.
std::string summary(std::string_view wire) {
  std::string out;
  for (const auto& r : parse_responses(wire)) {
    if (r.status == 100) continue;  // only sent while the body is still outstanding
    std::string body = r.body;
    if (r.header("Content-Type") == "application/json") {
      Json json = Json::parse(body);
      json.erase("request_id");
      body = json.dump();
    }
    out += std::to_string(r.status) + " " + body;
    for (const char* name : {"Connection", "Content-Length", "Content-Type", "Allow"}) {
      if (auto value = r.header(name)) out += std::string(" ") + name + "=" + *value;
    }
    out += "\n";
  }
  return out;
}

TEST(HttpEngineLimits, SplittingTheInputNeverChangesTheAnswer) {
  const std::string corpus[] = {
      "GET /api/v1/health HTTP/1.1\r\nHost: h\r\n\r\n",
      "GET /echo?q=a+b HTTP/1.1\r\nHost: h\r\n\r\nPOST /echo HTTP/1.1\r\nHost: h\r\n"
      "Content-Length: 5\r\n\r\nhelloGET /nope HTTP/1.1\r\nHost: h\r\n\r\n",
      "PUT /echo HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n"
      "1\r\nd\r\n0\r\nT: v\r\n\r\nGET /echo HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n"
      "GET /echo HTTP/1.1\r\nHost: h\r\n\r\n",
      "POST /echo HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\nok",
      "GET /echo HTTP/1.0\r\nConnection: keep-alive\r\n\r\nGET /echo HTTP/1.0\r\n\r\n",
      "\r\nGET /api/v1/health HTTP/1.1\r\nHost: h\r\n\r\nDELETE /api/v1/health HTTP/1.1\r\n"
      "Host: h\r\n\r\n",
      "GET /echo HTTP/1.1\r\nHost: h\r\n\r\nGET /x HTTP/1.1\r\nHost: h\r\nBad\r\n\r\n",
      "GET /echo HTTP/1.1\r\nHost: h\r\n\r\nPOST /echo HTTP/1.1\r\nHost: h\r\n"
      "Transfer-Encoding: chunked\r\n\r\n5\r\nabcde\r\nFFFFFF\r\n",
      "GET /echo HTTP/1.1\r\nHost: h\r\nX: " + std::string(20000, 'a') + "\r\n\r\n",
  };
  const unsigned seed = std::random_device{}();
  std::mt19937 rng(seed);
  SCOPED_TRACE("seed " + std::to_string(seed));
  for (size_t i = 0; i < std::size(corpus); ++i) {
    SCOPED_TRACE("corpus " + std::to_string(i));
    const std::string& input = corpus[i];
    auto whole = make_engine();
    Fed expected = feed(*whole, input);
    std::string want = summary(expected.wire);
    ASSERT_FALSE(want.empty());
    for (size_t chunk : {1, 2, 3, 5, 64}) {
      auto engine = make_engine();
      Fed got = feed(*engine, input, chunk);
      EXPECT_EQ(summary(got.wire), want) << "chunk " << chunk;
      EXPECT_EQ(got.next, expected.next) << "chunk " << chunk;
    }
    for (int round = 0; round < 20; ++round) {
      auto engine = make_engine();
      std::string_view rest = input;
      Fed got;
      while (!rest.empty() && got.next != Output::Next::kClose) {
        size_t n = std::uniform_int_distribution<size_t>(1, rest.size())(rng);
        Output out = engine->on_data(rest.substr(0, n));
        rest.remove_prefix(n);
        got.wire += out.write;
        got.next = out.next;
      }
      EXPECT_EQ(summary(got.wire), want) << "round " << round;
      EXPECT_EQ(got.next, expected.next) << "round " << round;
    }
  }
}

}  // namespace
}  // namespace sealmail::http
