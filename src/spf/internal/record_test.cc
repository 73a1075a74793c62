#include "spf/internal/record.h"

#include <gtest/gtest.h>

namespace sealmail::spf::internal {
namespace {

Record parsed(std::string_view text) {
  auto record = parse_record(text);
  EXPECT_TRUE(record.ok()) << text << ": " << (record.ok() ? "" : record.error().message);
  return record.ok() ? std::move(record).value() : Record{};
}

TEST(Record, VersionSelection) {
  EXPECT_TRUE(is_spf_record("v=spf1"));
  EXPECT_TRUE(is_spf_record("v=spf1 -all"));
  EXPECT_TRUE(is_spf_record("V=SPF1 -all"));
  EXPECT_FALSE(is_spf_record("v=spf10 -all"));
  EXPECT_FALSE(is_spf_record("v=spf1\t-all"));
  EXPECT_FALSE(is_spf_record(" v=spf1 -all"));
  EXPECT_FALSE(is_spf_record("v=spf"));
  EXPECT_FALSE(is_spf_record("spf2.0/pra -all"));
}

TEST(Record, QualifiersAndMechanisms) {
  Record r = parsed(
      "v=spf1 +all -include:_spf.example.com ~a ?mx ptr ip4:192.0.2.0/24 ip6:2001:db8::/32 "
      "exists:%{i}.bl.example.org A:Example.com MX:example.com/24//64 a/16 mx//48");
  ASSERT_EQ(r.directives.size(), 12u);
  EXPECT_EQ(r.directives[0].qualifier, Qualifier::kPass);
  EXPECT_EQ(r.directives[0].mechanism, Mechanism::kAll);
  EXPECT_TRUE(r.has_all);
  EXPECT_EQ(r.directives[1].qualifier, Qualifier::kFail);
  EXPECT_EQ(r.directives[1].mechanism, Mechanism::kInclude);
  EXPECT_EQ(r.directives[1].domain_spec, "_spf.example.com");
  EXPECT_EQ(r.directives[2].qualifier, Qualifier::kSoftFail);
  EXPECT_EQ(r.directives[2].mechanism, Mechanism::kA);
  EXPECT_EQ(r.directives[2].domain_spec, "");
  EXPECT_EQ(r.directives[3].qualifier, Qualifier::kNeutral);
  EXPECT_EQ(r.directives[3].mechanism, Mechanism::kMx);
  EXPECT_EQ(r.directives[4].mechanism, Mechanism::kPtr);
  EXPECT_EQ(r.directives[5].mechanism, Mechanism::kIp4);
  EXPECT_EQ(r.directives[5].cidr4, 24);
  EXPECT_EQ(r.directives[6].mechanism, Mechanism::kIp6);
  EXPECT_EQ(r.directives[6].cidr6, 32);
  EXPECT_EQ(r.directives[7].mechanism, Mechanism::kExists);
  EXPECT_EQ(r.directives[8].domain_spec, "Example.com");
  EXPECT_EQ(r.directives[9].domain_spec, "example.com");
  EXPECT_EQ(r.directives[9].cidr4, 24);
  EXPECT_EQ(r.directives[9].cidr6, 64);
  EXPECT_EQ(r.directives[10].cidr4, 16);
  EXPECT_EQ(r.directives[10].cidr6, 128);
  EXPECT_EQ(r.directives[11].cidr4, 32);
  EXPECT_EQ(r.directives[11].cidr6, 48);
}

TEST(Record, Modifiers) {
  Record r = parsed("v=spf1  redirect=_spf.example.com exp=explain.%{d}  foo-bar=%{l}x  ");
  EXPECT_TRUE(r.directives.empty());
  EXPECT_EQ(r.redirect, "_spf.example.com");
  EXPECT_EQ(r.explanation, "explain.%{d}");
  EXPECT_FALSE(r.has_all);
  EXPECT_TRUE(parsed("v=spf1").directives.empty());
}

TEST(Record, SyntaxErrors) {
  for (const char* bad : {
           "v=spf1 foo",                  // unknown mechanism
           "v=spf1 all:x",                // all takes nothing
           "v=spf1 -",                    // qualifier alone
           "v=spf1 include",              // include needs a domain
           "v=spf1 include:",             //
           "v=spf1 exists:example",       // no top label
           "v=spf1 a:",                   //
           "v=spf1 a/33",                 // IPv4 CIDR range
           "v=spf1 a//129",               // IPv6 CIDR range
           "v=spf1 a/024",                // leading zero
           "v=spf1 mx:%{x}.example.com",  // macro letter
           "v=spf1 ip4:192.0.2.0/33",     //
           "v=spf1 ip4:192.0.2",          //
           "v=spf1 ip4:192.0.02.1",       // leading zero
           "v=spf1 ip4:2001:db8::1",      // wrong family
           "v=spf1 ip6:192.0.2.1",        //
           "v=spf1 ip6:2001:db8::/129",   //
           "v=spf1 ip4",                  //
           "v=spf1 redirect=a.example redirect=b.example",
           "v=spf1 exp=a.example exp=b.example",
           "v=spf1 redirect=",             //
           "v=spf1 redirect=example",      //
           "v=spf1 unknown=%{",            // unknown modifiers are still checked
           "v=spf1 -all\t",                // SP is the only separator
           "v=spf1 ptr:%{c}.example.com",  // c only in explanation text
       }) {
    EXPECT_FALSE(parse_record(bad).ok()) << bad;
  }
}

}  // namespace
}  // namespace sealmail::spf::internal
