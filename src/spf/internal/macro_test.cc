#include "spf/internal/macro.h"

#include <gtest/gtest.h>

#include "spf/internal/address.h"

namespace sealmail::spf::internal {
namespace {

// RFC 7208 §7.4: sender strong-bad@email.example.com, IPv4 192.0.2.3, IPv6 2001:db8::cb01.
MacroValues rfc_values(std::string_view ip) {
  MacroValues v;
  v.sender = "strong-bad@email.example.com";
  v.local_part = "strong-bad";
  v.sender_domain = "email.example.com";
  v.domain = "email.example.com";
  auto address = parse_address(ip);
  v.ip = dotted(*address);
  v.ip_version = address->v6 ? "ip6" : "in-addr";
  v.helo = "mx.example.org";
  return v;
}

std::string expanded(std::string_view text, std::string_view ip = "192.0.2.3") {
  auto result = expand(text, rfc_values(ip));
  EXPECT_TRUE(result.ok()) << text;
  return result.ok() ? result.value() : "";
}

TEST(Macro, Rfc7208Section74Letters) {
  const std::pair<const char*, const char*> table[] = {
      {"%{s}", "strong-bad@email.example.com"},
      {"%{o}", "email.example.com"},
      {"%{d}", "email.example.com"},
      {"%{d4}", "email.example.com"},
      {"%{d3}", "email.example.com"},
      {"%{d2}", "example.com"},
      {"%{d1}", "com"},
      {"%{dr}", "com.example.email"},
      {"%{d2r}", "example.email"},
      {"%{l}", "strong-bad"},
      {"%{l-}", "strong.bad"},
      {"%{lr}", "strong-bad"},
      {"%{lr-}", "bad.strong"},
      {"%{l1r-}", "strong"},
  };
  for (const auto& [macro, expansion] : table) EXPECT_EQ(expanded(macro), expansion) << macro;
}

TEST(Macro, Rfc7208Section74Strings) {
  EXPECT_EQ(expanded("%{ir}.%{v}._spf.%{d2}"), "3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(expanded("%{lr-}.lp._spf.%{d2}"), "bad.strong.lp._spf.example.com");
  EXPECT_EQ(expanded("%{lr-}.lp.%{ir}.%{v}._spf.%{d2}"),
            "bad.strong.lp.3.2.0.192.in-addr._spf.example.com");
  EXPECT_EQ(expanded("%{ir}.%{v}.%{l1r-}.lp._spf.%{d2}"),
            "3.2.0.192.in-addr.strong.lp._spf.example.com");
  EXPECT_EQ(expanded("%{d2}.trusted-domains.example.net"),
            "example.com.trusted-domains.example.net");
  EXPECT_EQ(expanded("%{ir}.%{v}._spf.%{d2}", "2001:db8::cb01"),
            "1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST(Macro, EscapesAndOtherLetters) {
  EXPECT_EQ(expanded("a%%b%_c%-d"), "a%b c%20d");
  EXPECT_EQ(expanded("%{p}"), "unknown");
  EXPECT_EQ(expanded("%{h}"), "mx.example.org");
  EXPECT_EQ(expanded("%{i}"), "192.0.2.3");
  EXPECT_EQ(expanded("%{v}", "::ffff:192.0.2.3"), "in-addr");     // mapped is IPv4
  EXPECT_EQ(expanded("%{S}"), "strong-bad%40email.example.com");  // upper case: URL-escaped
  EXPECT_EQ(expanded("%{d1000}"), "email.example.com");
  EXPECT_EQ(expanded("%{d99999999999999999999}"), "email.example.com");  // no overflow
  EXPECT_EQ(expanded("%{l-=+}"), "strong.bad");
  EXPECT_EQ(expanded("%{DR}"), "com.example.email");
}

TEST(Macro, SyntaxErrors) {
  for (const char* bad : {"%", "%{", "%{}", "%{x}", "%{c}", "%{r}", "%{t}", "%{d0}", "%{d2x}",
                          "%{d-r}", "%(ir).example.com", "a b", "tab\t", "\x80"}) {
    EXPECT_FALSE(check_macro_string(bad).ok()) << bad;
  }
  EXPECT_TRUE(check_macro_string("").ok());
  EXPECT_TRUE(check_macro_string("%{ir}.%{v}._spf.%{d2}").ok());
}

TEST(Macro, DomainSpecNeedsATopLabelOrAMacroAtTheEnd) {
  for (const char* good : {"example.com", "example.com.", "%{d}", "%{i}.example.com", "_spf.%{d}",
                           "a.b-2", "a.123-4", "%{d}.com", "x.%%"}) {
    EXPECT_TRUE(check_domain_spec(good).ok()) << good;
  }
  for (const char* bad : {"", "example", "example.", "example.123", "example.-com", "example.com-",
                          "%{d}.", "a.b_c", "%{d}x"}) {
    EXPECT_FALSE(check_domain_spec(bad).ok()) << bad;
  }
}

TEST(Macro, ExpansionIsBounded) {
  std::string many;
  for (int i = 0; i < 1000; ++i) many += "%{s}";
  auto result = expand(many, rfc_values("192.0.2.3"));
  ASSERT_FALSE(result.ok());
  EXPECT_EQ(result.error().code, Errc::kLimitExceeded);
}

TEST(Macro, TruncationDropsLeftLabels) {
  std::string label(60, 'a');
  std::string name = label + "." + label + "." + label + "." + label + "." + label + ".example";
  std::string truncated = truncate_name(name + ".");
  EXPECT_LE(truncated.size(), 253u);
  EXPECT_EQ(truncated, label + "." + label + "." + label + "." + label + ".example");
  EXPECT_EQ(truncate_name("example.com."), "example.com");
}

}  // namespace
}  // namespace sealmail::spf::internal
