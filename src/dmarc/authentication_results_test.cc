// authentication_results_test.cc — the RFC 8601 header: exact formatting, quoting, folding, and
// untrusted values that try to end the field or add clauses.
#include "dmarc/authentication_results.h"

#include <gtest/gtest.h>

#include <string>
#include <vector>

namespace sealmail::dmarc {
namespace {

// Every CRLF is followed by a tab except the final one, no other CR or LF, ASCII only, and no
// line is longer than RFC 5322's 998 bytes.
void expect_one_safe_field(const std::string& field) {
  ASSERT_GE(field.size(), 2u);
  EXPECT_EQ(field.substr(field.size() - 2), "\r\n");
  size_t line_start = 0;
  for (size_t i = 0; i < field.size(); ++i) {
    unsigned char c = static_cast<unsigned char>(field[i]);
    EXPECT_LT(c, 0x7f) << field;
    if (c == '\r') {
      ASSERT_LT(i + 1, field.size());
      EXPECT_EQ(field[i + 1], '\n') << field;
      if (i + 2 < field.size()) {
        EXPECT_EQ(field[i + 2], '\t') << field;
      }
      EXPECT_LE(i - line_start, 998u);
      line_start = i + 2;
    } else if (c == '\n') {
      EXPECT_EQ(field[i - 1], '\r') << field;
    } else {
      EXPECT_TRUE(c >= 0x20 || c == '\t') << field;
    }
  }
}

TEST(AuthenticationResults, Format) {
  std::vector<MethodResult> results = {
      {"spf", "pass", "", {{"smtp.mailfrom", "alice@example.org"}}},
      {"dkim",
       "pass",
       "",
       {{"header.d", "example.org"}, {"header.s", "sel"}, {"header.b", "AbC+/dE="}}},
      {"dmarc", "fail", "neither SPF nor DKIM aligned", {{"header.from", "example.net"}}},
  };
  EXPECT_EQ(authentication_results("mx.example.net", results),
            "Authentication-Results: mx.example.net;\r\n"
            "\tspf=pass smtp.mailfrom=alice@example.org;\r\n"
            "\tdkim=pass header.d=example.org header.s=sel header.b=\"AbC+/dE=\";\r\n"
            "\tdmarc=fail reason=\"neither SPF nor DKIM aligned\"\r\n"
            "\theader.from=example.net\r\n");  // folded: 94 columns on one line
}

TEST(AuthenticationResults, NoResults) {
  EXPECT_EQ(authentication_results("mx.example.net", {}),
            "Authentication-Results: mx.example.net; none\r\n");
}

TEST(AuthenticationResults, Quoting) {
  auto one = [](std::string value) {
    std::vector<MethodResult> r = {{"spf", "pass", "", {{"smtp.mailfrom", value}}}};
    std::string field = authentication_results("mx", r);
    size_t at = field.find("smtp.mailfrom=");
    return field.substr(at + 14, field.size() - at - 16);
  };
  EXPECT_EQ(one("a@example.org"), "a@example.org");
  EXPECT_EQ(one("@example.org"), "@example.org");
  EXPECT_EQ(one("first.last+tag@example.org"), "first.last+tag@example.org");
  EXPECT_EQ(one("example.org"), "example.org");
  EXPECT_EQ(one("a b@example.org"), "\"a b@example.org\"");
  EXPECT_EQ(one("\"quoted\"@example.org"), "\"\\\"quoted\\\"@example.org\"");
  EXPECT_EQ(one("back\\slash"), "\"back\\\\slash\"");
  EXPECT_EQ(one("a@b@example.org"), "\"a@b@example.org\"");
  EXPECT_EQ(one("semi;colon"), "\"semi;colon\"");
  EXPECT_EQ(one(""), "\"\"");
  EXPECT_EQ(one("caf\xc3\xa9@example.org"), "caf??@example.org");
}

TEST(AuthenticationResults, InjectionAttempts) {
  std::vector<std::string> evil = {
      "x\r\nAuthentication-Results: mx.example.net; dkim=pass",
      "x\nX-Injected: 1",
      "x\rX-Injected: 1",
      "x\"; dkim=pass header.d=bank.example",
      "x\\\"; dmarc=pass",
      std::string("nul\0byte", 8),
      "\x1b[31mred\x7f",
      std::string(5000, 'a') + "\r\n\r\nbody",
  };
  for (const std::string& e : evil) {
    std::vector<MethodResult> r = {
        {"dkim", "fail", e, {{"header.d", e}, {"header.b", e}}},
        {"spf", "pass", "", {{"smtp.mailfrom", e}}},
    };
    std::string field = authentication_results(e, r);
    expect_one_safe_field(field);
    EXPECT_EQ(field.find("\r\nAuthentication-Results"), std::string::npos);
    EXPECT_EQ(field.find("\nX-Injected"), std::string::npos);
    EXPECT_EQ(field.find('\0'), std::string::npos);
    // Exactly the clauses we built: one ";" per separator outside quoted strings.
    int separators = 0;
    bool in_quotes = false;
    for (size_t i = 0; i < field.size(); ++i) {
      if (in_quotes && field[i] == '\\')
        ++i;
      else if (field[i] == '"')
        in_quotes = !in_quotes;
      else if (!in_quotes && field[i] == ';')
        ++separators;
    }
    EXPECT_FALSE(in_quotes) << field;
    EXPECT_EQ(separators, 2) << field;
  }
}

TEST(AuthenticationResults, LongClausesFold) {
  std::vector<MethodResult> r = {{"dkim", "pass", "", {}}};
  for (int i = 0; i < 6; ++i)
    r[0].properties.push_back({"header.d", "sub" + std::to_string(i) + ".long-domain.example"});
  std::string field = authentication_results("mx.example.net", r);
  expect_one_safe_field(field);
  size_t start = 0;
  while (start < field.size()) {
    size_t end = field.find("\r\n", start);
    EXPECT_LE(end - start, 78u) << field;
    start = end + 2;
  }
}

TEST(AuthenticationResults, OurAuthservId) {
  EXPECT_TRUE(has_our_authserv_id(" mx.example.net; spf=pass", "mx.example.net"));
  EXPECT_TRUE(has_our_authserv_id("MX.Example.NET;none", "mx.example.net"));
  EXPECT_TRUE(has_our_authserv_id(" (forged) mx.example.net 1; none", "mx.example.net"));
  EXPECT_TRUE(
      has_our_authserv_id("\r\n\t(a (nested) comment)\r\n mx.example.net;", "mx.example.net"));
  EXPECT_TRUE(has_our_authserv_id(" \"mx.example.net\"; dkim=pass", "mx.example.net"));
  EXPECT_FALSE(has_our_authserv_id(" mx.example.net.evil; none", "mx.example.net"));
  EXPECT_FALSE(has_our_authserv_id(" evil.example; mx.example.net", "mx.example.net"));
  EXPECT_FALSE(has_our_authserv_id("", "mx.example.net"));
  EXPECT_FALSE(has_our_authserv_id(" (unterminated mx.example.net;", "mx.example.net"));
}

}  // namespace
}  // namespace sealmail::dmarc
