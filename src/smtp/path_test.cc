// path_test — table-driven tests for parse_path and is_xtext.
#include "smtp/path.h"

#include <gtest/gtest.h>

namespace sealmail::smtp {
namespace {

struct Good {
  std::string path;
  bool utf8;
  std::string local, domain;
};

TEST(ParsePath, Accepts) {
  const Good cases[] = {
      {"<a@b.example>", false, "a", "b.example"},
      {"<first.last+tag@sub.b-c.example>", false, "first.last+tag", "sub.b-c.example"},
      {"<u%ext@our.test>", false, "u%ext", "our.test"},  // valid syntax; the sink refuses it
      {"<ext!u@our.test>", false, "ext!u", "our.test"},
      {"<\"u@ext\"@our.test>", false, "\"u@ext\"", "our.test"},
      {"<\"a b\\\"c\"@x.example>", false, "\"a b\\\"c\"", "x.example"},
      {"<@our.test:u@ext.example>", false, "u", "ext.example"},  // route dropped
      {"<@a.example,@b.example:u@c.example>", false, "u", "c.example"},
      {"<@[192.0.2.1]:u@c.example>", false, "u", "c.example"},
      {"<u@[192.0.2.1]>", false, "u", "[192.0.2.1]"},
      {"<u@[IPv6:2001:db8::1]>", false, "u", "[IPv6:2001:db8::1]"},
      {"<j\xC3\xB6rg@b\xC3\xBC.example>", true, "j\xC3\xB6rg", "b\xC3\xBC.example"},
      {"<\"j\xC3\xB6 rg\"@x.example>", true, "\"j\xC3\xB6 rg\"", "x.example"},
      {"<a@b>", false, "a", "b"},
      {"<" + std::string(64, 'l') + "@x.example>", false, std::string(64, 'l'), "x.example"},
  };
  for (const Good& c : cases) {
    auto box = parse_path(c.path, c.utf8);
    ASSERT_TRUE(box.ok()) << c.path;
    EXPECT_EQ(box->local, c.local) << c.path;
    EXPECT_EQ(box->domain, c.domain) << c.path;
    EXPECT_EQ(box->address(), c.local + "@" + c.domain);
  }
}

TEST(ParsePath, Refuses) {
  const std::string cases[] = {
      "",
      "<>",
      "a@b.example",
      "<a@b.example",
      "a@b.example>",
      "<a@b.example>x",
      "<u@ext.example@our.test>",  // open-relay form: syntax error
      "<a>",
      "<@b.example>",
      "<a@>",
      "<a@-b.example>",
      "<a@b-.example>",
      "<a@b..example>",
      "<a@b.example.>",
      "<.a@b.example>",
      "<a.@b.example>",
      "<a..b@b.example>",
      "<a b@b.example>",
      "<\"unterminated@b.example>",
      std::string("<a\0b@b.example>", 15),
      "<a\rb@b.example>",
      "<a\nb@b.example>",
      "<a@b.example\r>",
      "<a\tb@b.example>",
      "<a@[]>",
      "<a@[1.2.3.4>",
      "<@a.example:>",
      "<@a.example u@b.example>",
      "<@:u@b.example>",
      "<" + std::string(65, 'l') + "@x.example>",
      "<a@" + std::string(250, 'd') + ".example>",
      "<a\xC3@b.example>",          // truncated UTF-8
      "<a\xC0\x80@b.example>",      // overlong
      "<a\xED\xA0\x80@b.example>",  // surrogate
  };
  for (const std::string& c : cases) {
    EXPECT_FALSE(parse_path(c, false).ok()) << c;
    EXPECT_FALSE(parse_path(c, true).ok()) << c;
  }
}

TEST(ParsePath, NonAsciiNeedsSmtputf8) {
  auto box = parse_path("<j\xC3\xB6rg@x.example>", false);
  ASSERT_FALSE(box.ok());
  EXPECT_EQ(box.error().code, Errc::kUnsupported);
  EXPECT_EQ(parse_path("<a b@x.example>", false).error().code, Errc::kInvalidArgument);
}

TEST(ParsePath, ErrorsDoNotEchoInput) {
  auto box = parse_path("<secret-canary b@x.example>", false);
  ASSERT_FALSE(box.ok());
  EXPECT_EQ(box.error().message.find("canary"), std::string::npos);
}

TEST(Xtext, Table) {
  EXPECT_TRUE(is_xtext("QQ314159"));
  EXPECT_TRUE(is_xtext("bob+40our.test"));
  EXPECT_TRUE(is_xtext(""));
  EXPECT_FALSE(is_xtext("a=b"));
  EXPECT_FALSE(is_xtext("a b"));
  EXPECT_FALSE(is_xtext("a+4"));
  EXPECT_FALSE(is_xtext("a+4g"));
  EXPECT_FALSE(is_xtext("a+"));
  EXPECT_FALSE(is_xtext("a+ab"));  // hex must be upper case
  EXPECT_FALSE(is_xtext("\xC3\xA9"));
}

TEST(PathEnd, FindsTheClosingBracketOutsideQuotes) {
  EXPECT_EQ(path_end("<a@b> SIZE=1"), 4u);
  EXPECT_EQ(path_end("<\"a>b\"@c> X"), 8u);
  EXPECT_EQ(path_end("<\"a\\\">\"@c>"), 9u);
  EXPECT_EQ(path_end("<>"), 1u);
  EXPECT_EQ(path_end("<a@b"), std::string_view::npos);
  EXPECT_EQ(path_end("<\"a>@b"), std::string_view::npos);  // the only '>' is quoted
}

}  // namespace
}  // namespace sealmail::smtp
