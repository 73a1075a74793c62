#include "http/request.h"

#include <gtest/gtest.h>

namespace sealmail::http {
namespace {

TEST(PercentDecode, Table) {
  struct Case {
    std::string_view in;
    bool plus_as_space;
    std::optional<std::string> want;
  };
  const Case cases[] = {
      {"", false, ""},
      {"plain", false, "plain"},
      {"a%20b", false, "a b"},
      {"%41%6a%6A", false, "Ajj"},
      {"a+b", false, "a+b"},
      {"a+b", true, "a b"},
      {"%2B", true, "+"},
      {"%00", false, std::string("\0", 1)},
      {"%", false, std::nullopt},
      {"%4", false, std::nullopt},
      {"ab%", false, std::nullopt},
      {"%zz", false, std::nullopt},
      {"%4g", false, std::nullopt},
      {"%%41", false, std::nullopt},
  };
  for (const Case& c : cases) {
    EXPECT_EQ(percent_decode(c.in, c.plus_as_space), c.want) << "input: " << c.in;
  }
}

TEST(ParseQuery, Table) {
  struct Case {
    std::string_view in;
    std::optional<Fields> want;
  };
  const Case cases[] = {
      {"", Fields{}},
      {"a=1", Fields{{"a", "1"}}},
      {"a=1&b=x%20y&c", Fields{{"a", "1"}, {"b", "x y"}, {"c", ""}}},
      {"a=1&&b=2&", Fields{{"a", "1"}, {"b", "2"}}},
      {"a=1&a=2", Fields{{"a", "1"}, {"a", "2"}}},
      {"q=a+b%2Bc", Fields{{"q", "a b+c"}}},
      {"x==y", Fields{{"x", "=y"}}},
      {"=v", Fields{{"", "v"}}},
      {"a=%zz", std::nullopt},
      {"%=1", std::nullopt},
  };
  for (const Case& c : cases) EXPECT_EQ(parse_query(c.in), c.want) << "input: " << c.in;
}

TEST(Request, HeaderLookupIsCaseInsensitiveAndFirstWins) {
  Request request;
  request.headers = {{"Content-Type", "a"}, {"X-Thing", "1"}, {"x-thing", "2"}};
  EXPECT_EQ(request.header("content-type"), "a");
  EXPECT_EQ(request.header("X-THING"), "1");
  EXPECT_EQ(request.header("Missing"), std::nullopt);
}

TEST(Request, QueryAndParams) {
  Request request;
  request.query = {{"a", "1"}, {"a", "2"}, {"B", "3"}};
  request.params = {{"id", "42"}};
  EXPECT_EQ(request.query_value("a"), "1");
  EXPECT_EQ(request.query_value("b"), std::nullopt);  // names are exact
  EXPECT_EQ(request.param("id"), "42");
  EXPECT_EQ(request.param("other"), "");
}

TEST(Iequals, Table) {
  EXPECT_TRUE(iequals("Host", "hOST"));
  EXPECT_TRUE(iequals("", ""));
  EXPECT_FALSE(iequals("Host", "Hos"));
  EXPECT_FALSE(iequals("a-b", "a_b"));
  EXPECT_FALSE(iequals("\xc3\xa9", "\xc3\x89"));  // ASCII only
}

TEST(Response, ErrorShape) {
  Response response = Response::error(404, "not_found", "no such \"thing\"");
  EXPECT_EQ(response.status, 404);
  EXPECT_EQ(response.content_type, "application/json");
  EXPECT_EQ(response.body, R"({"error":{"code":"not_found","message":"no such \"thing\""}})");
}

TEST(Response, JsonToleratesInvalidUtf8) {
  Response response;
  EXPECT_NO_THROW(response = Response::error(400, "bad", "bytes \xff\xfe here"));
  auto parsed = nlohmann::json::parse(response.body);
  EXPECT_EQ(parsed["error"]["code"], "bad");
}

TEST(Response, Text) {
  Response response = Response::text(200, "hi");
  EXPECT_EQ(response.content_type, "text/plain; charset=utf-8");
  EXPECT_EQ(response.body, "hi");
}

}  // namespace
}  // namespace sealmail::http
