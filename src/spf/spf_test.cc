#include "spf/spf.h"

#include <gtest/gtest.h>

#include "dns/testing/memory_resolver.h"

namespace sealmail::spf {
namespace {

using dns::testing::MemoryResolver;
using dns::testing::RecordType;

constexpr std::string_view kIp = "192.0.2.3";

class SpfTest : public ::testing::Test {
 protected:
  Verdict run(std::string_view ip = kIp, std::string_view domain = "example.com") {
    return check_host(dns_, ip, domain, "alice@example.com", "mail.example.com");
  }
  Outcome outcome(std::string_view ip = kIp, std::string_view domain = "example.com") {
    return run(ip, domain).outcome;
  }
  void spf(std::string_view name, std::string_view record) { dns_.add_txt(name, record); }

  MemoryResolver dns_;
};

TEST(SpfOutcome, NamesAsInRfc8601) {
  EXPECT_EQ(to_string(Outcome::kNone), "none");
  EXPECT_EQ(to_string(Outcome::kNeutral), "neutral");
  EXPECT_EQ(to_string(Outcome::kPass), "pass");
  EXPECT_EQ(to_string(Outcome::kFail), "fail");
  EXPECT_EQ(to_string(Outcome::kSoftFail), "softfail");
  EXPECT_EQ(to_string(Outcome::kTempError), "temperror");
  EXPECT_EQ(to_string(Outcome::kPermError), "permerror");
}

// --- record selection (§4.3–§4.5) ---

TEST_F(SpfTest, NoRecordIsNone) {
  EXPECT_EQ(outcome(), Outcome::kNone);  // NXDOMAIN
  dns_.add_txt("example.com", "google-site-verification=abc");
  dns_.add_txt("example.com", "v=spf10 -all");
  EXPECT_EQ(outcome(), Outcome::kNone);
}

TEST_F(SpfTest, MalformedDomainIsNoneWithoutAsking) {
  for (std::string domain : {std::string("com"), std::string("a..example.com"), std::string(),
                             std::string(64, 'a') + ".com", std::string("ex ample.com")}) {
    EXPECT_EQ(outcome(kIp, domain), Outcome::kNone) << domain;
  }
  EXPECT_EQ(dns_.query_count(), 0u);
}

TEST_F(SpfTest, TxtLookupErrorIsTempError) {
  dns_.set_outcome("example.com", dns::Outcome::kTempFail);
  EXPECT_EQ(outcome(), Outcome::kTempError);
  dns_.set_outcome("example.com", dns::Outcome::kPermFail);  // REFUSED etc.: RCODE not 0 or 3
  EXPECT_EQ(outcome(), Outcome::kTempError);
}

TEST_F(SpfTest, TwoRecordsArePermError) {
  spf("example.com", "v=spf1 +all");
  spf("example.com", "V=SPF1 -all");
  EXPECT_EQ(outcome(), Outcome::kPermError);
}

TEST_F(SpfTest, SyntaxErrorAnywhereIsPermError) {
  spf("example.com", "v=spf1 +all foo:bar");
  auto verdict = run();
  EXPECT_EQ(verdict.outcome, Outcome::kPermError);
  EXPECT_NE(verdict.reason.find("foo:bar"), std::string::npos);
}

TEST_F(SpfTest, ReasonsAreOnePrintableLine) {
  spf("example.com", "v=spf1 a:\x01\nevil.example -all");
  auto verdict = run();
  EXPECT_EQ(verdict.outcome, Outcome::kPermError);
  for (char c : verdict.reason) EXPECT_TRUE(c >= 0x20 && c <= 0x7e);
}

// --- qualifiers, all, default ---

TEST_F(SpfTest, Qualifiers) {
  const std::pair<const char*, Outcome> table[] = {
      {"v=spf1 all", Outcome::kPass},
      {"v=spf1 +all", Outcome::kPass},
      {"v=spf1 -all", Outcome::kFail},
      {"v=spf1 ~all", Outcome::kSoftFail},
      {"v=spf1 ?all", Outcome::kNeutral},
      {"v=spf1", Outcome::kNeutral},
      {"v=spf1 ip4:10.0.0.0/8", Outcome::kNeutral},
  };
  for (const auto& [record, expected] : table) {
    MemoryResolver dns;
    dns.add_txt("example.com", record);
    EXPECT_EQ(check_host(dns, kIp, "example.com", "a@example.com", "h.example").outcome, expected)
        << record;
  }
}

TEST_F(SpfTest, VerdictNamesDomainAndTerm) {
  spf("Example.COM", "v=spf1 ip4:192.0.2.0/24 -all");
  auto verdict = run(kIp, "EXAMPLE.com.");
  EXPECT_EQ(verdict.outcome, Outcome::kPass);
  EXPECT_EQ(verdict.domain, "example.com");
  EXPECT_EQ(verdict.reason,
            "192.0.2.3 matched 'ip4:192.0.2.0/24' in the SPF record of example.com");
}

// --- ip4, ip6 ---

TEST_F(SpfTest, Ip4AndIp6) {
  spf("example.com", "v=spf1 ip4:192.0.2.0/30 ip6:2001:db8::/32 -all");
  EXPECT_EQ(outcome("192.0.2.3"), Outcome::kPass);
  EXPECT_EQ(outcome("192.0.2.4"), Outcome::kFail);
  EXPECT_EQ(outcome("2001:db8:ffff::1"), Outcome::kPass);
  EXPECT_EQ(outcome("2001:db9::1"), Outcome::kFail);
  EXPECT_EQ(outcome("::ffff:192.0.2.1"), Outcome::kPass);  // mapped: IPv4
  EXPECT_EQ(dns_.query_count(), 5u);                       // one TXT each, nothing else
}

TEST_F(SpfTest, MappedClientDoesNotMatchIp6) {
  spf("example.com", "v=spf1 ip6:::ffff:192.0.2.0/120 -all");
  EXPECT_EQ(outcome("::ffff:192.0.2.1"), Outcome::kFail);
}

TEST_F(SpfTest, InvalidClientAddressIsPermError) {
  spf("example.com", "v=spf1 +all");
  EXPECT_EQ(outcome("192.0.2.300"), Outcome::kPermError);
}

// --- a ---

TEST_F(SpfTest, AUsesTheCurrentDomainAndTheClientsFamily) {
  spf("example.com", "v=spf1 a -all");
  dns_.add_a("example.com", "192.0.2.3");
  dns_.add_aaaa("example.com", "2001:db8::3");
  EXPECT_EQ(outcome("192.0.2.3"), Outcome::kPass);
  EXPECT_EQ(outcome("2001:db8::3"), Outcome::kPass);
  EXPECT_EQ(outcome("192.0.2.4"), Outcome::kFail);
  EXPECT_EQ(dns_.queries(),
            (std::vector<std::string>{"TXT example.com", "A example.com", "TXT example.com",
                                      "AAAA example.com", "TXT example.com", "A example.com"}));
}

TEST_F(SpfTest, AWithDomainAndDualCidr) {
  spf("example.com", "v=spf1 a:hosts.example.net/24//64 -all");
  dns_.add_a("hosts.example.net", "192.0.2.200");
  dns_.add_aaaa("hosts.example.net", "2001:db8:0:0:1::");
  EXPECT_EQ(outcome("192.0.2.3"), Outcome::kPass);
  EXPECT_EQ(outcome("192.0.3.3"), Outcome::kFail);
  EXPECT_EQ(outcome("2001:db8::ffff"), Outcome::kPass);
  EXPECT_EQ(outcome("2001:db8:0:1::"), Outcome::kFail);
}

TEST_F(SpfTest, ADnsErrorIsTempError) {
  spf("example.com", "v=spf1 a:hosts.example.net -all");
  dns_.set_outcome("hosts.example.net", dns::Outcome::kTempFail);
  EXPECT_EQ(outcome(), Outcome::kTempError);
}

TEST_F(SpfTest, TargetThatExpandsToAnInvalidNameIsPermError) {
  spf("example.com", "v=spf1 a:.%{d} -all");
  EXPECT_EQ(outcome(), Outcome::kPermError);
}

// --- mx ---

TEST_F(SpfTest, MxMatchesAnyHostsAddress) {
  spf("example.com", "v=spf1 mx -all");
  dns_.add_mx("example.com", 10, "mx1.example.com");
  dns_.add_mx("example.com", 20, "mx2.example.com");
  dns_.add_a("mx1.example.com", "192.0.2.1");
  dns_.add_a("mx2.example.com", "192.0.2.3");
  EXPECT_EQ(outcome(), Outcome::kPass);
  EXPECT_EQ(outcome("192.0.2.2"), Outcome::kFail);
}

TEST_F(SpfTest, MxWithCidrAndNullMx) {
  spf("example.com", "v=spf1 mx/24 mx:null.example.com -all");
  dns_.add_mx("example.com", 10, "mx1.example.com");
  dns_.add_a("mx1.example.com", "192.0.2.1");
  dns_.add_mx("null.example.com", 0, "");
  EXPECT_EQ(outcome("192.0.2.99"), Outcome::kPass);
  EXPECT_EQ(outcome("198.51.100.1"), Outcome::kFail);
  for (const auto& query : dns_.queries()) EXPECT_NE(query, "A ") << "null MX host was asked";
}

TEST_F(SpfTest, MoreThanTenMxHostsIsPermError) {
  spf("example.com", "v=spf1 mx -all");
  for (int i = 0; i < 11; ++i) {
    dns_.add_mx("example.com", static_cast<uint16_t>(i), "mx" + std::to_string(i) + ".example.com");
  }
  EXPECT_EQ(outcome(), Outcome::kPermError);
  MemoryResolver ten;
  ten.add_txt("example.com", "v=spf1 mx -all");
  for (int i = 0; i < 10; ++i) {
    ten.add_mx("example.com", static_cast<uint16_t>(i), "mx" + std::to_string(i) + ".example.com");
  }
  ten.add_a("mx9.example.com", "192.0.2.3");
  EXPECT_EQ(check_host(ten, kIp, "example.com", "a@example.com", "h").outcome, Outcome::kPass);
}

TEST_F(SpfTest, MxHostDnsErrorIsTempError) {
  spf("example.com", "v=spf1 mx -all");
  dns_.add_mx("example.com", 10, "mx1.example.com");
  dns_.set_outcome("mx1.example.com", dns::Outcome::kTempFail);
  EXPECT_EQ(outcome(), Outcome::kTempError);
}

// --- ptr ---

TEST_F(SpfTest, PtrNeedsAValidatedNameUnderTheTarget) {
  spf("example.com", "v=spf1 ptr -all");
  dns_.add_ptr("192.0.2.3", "mail.example.com");
  dns_.add_a("mail.example.com", "192.0.2.3");
  dns_.add_ptr("192.0.2.4", "liar.example.com");  // its forward lookup leads elsewhere
  dns_.add_a("liar.example.com", "192.0.2.99");
  dns_.add_ptr("192.0.2.5", "mail.example.org");
  dns_.add_a("mail.example.org", "192.0.2.5");
  dns_.add_ptr("192.0.2.6", "example.com.evil.org");
  dns_.add_a("example.com.evil.org", "192.0.2.6");
  EXPECT_EQ(outcome("192.0.2.3"), Outcome::kPass);
  EXPECT_EQ(outcome("192.0.2.4"), Outcome::kFail);
  EXPECT_EQ(outcome("192.0.2.5"), Outcome::kFail);
  EXPECT_EQ(outcome("192.0.2.6"), Outcome::kFail);
}

TEST_F(SpfTest, PtrLooksAtTenNamesOnly) {
  spf("example.com", "v=spf1 ptr:example.com -all");
  for (int i = 0; i < 10; ++i) dns_.add_ptr(kIp, "other" + std::to_string(i) + ".example.org");
  dns_.add_ptr(kIp, "mail.example.com");  // the eleventh
  dns_.add_a("mail.example.com", kIp);
  EXPECT_EQ(outcome(), Outcome::kFail);
}

TEST_F(SpfTest, PtrDnsErrorsDoNotMatch) {
  spf("example.com", "v=spf1 ptr ?all");
  dns_.set_outcome("3.2.0.192.in-addr.arpa", dns::Outcome::kTempFail);
  EXPECT_EQ(outcome(), Outcome::kNeutral);
}

// --- exists ---

TEST_F(SpfTest, ExistsAsksForAEvenForIpv6) {
  spf("example.com", "v=spf1 exists:%{ir}.%{v}._spf.%{d2} -all");
  dns_.add_a("3.2.0.192.in-addr._spf.example.com", "127.0.0.2");
  EXPECT_EQ(outcome(), Outcome::kPass);
  dns_.clear_queries();
  EXPECT_EQ(outcome("2001:db8::cb01"), Outcome::kFail);
  EXPECT_EQ(
      dns_.queries()[1],
      "A 1.0.b.c.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.0.8.b.d.0.1.0.0.2.ip6._spf.example.com");
}

TEST_F(SpfTest, ExistsWithSenderMacros) {
  spf("example.com", "v=spf1 exists:%{l1r+}.%{o}._spf.example.com -all");
  dns_.add_a("alice.example.com._spf.example.com", "127.0.0.2");
  EXPECT_EQ(check_host(dns_, kIp, "example.com", "alice+tag@example.com", "h").outcome,
            Outcome::kPass);
  EXPECT_EQ(check_host(dns_, kIp, "example.com", "bob@example.com", "h").outcome, Outcome::kFail);
}

// --- include ---

TEST_F(SpfTest, IncludeMatchesOnlyOnPass) {
  spf("example.com", "v=spf1 include:pass.example.net include:fail.example.net ~all");
  spf("pass.example.net", "v=spf1 ip4:192.0.2.3 -all");
  spf("fail.example.net", "v=spf1 -all");
  auto verdict = run();
  EXPECT_EQ(verdict.outcome, Outcome::kPass);
  EXPECT_EQ(verdict.domain, "example.com");
  EXPECT_EQ(outcome("192.0.2.4"), Outcome::kSoftFail);  // the inner -all does not end it
}

TEST_F(SpfTest, IncludeQualifierApplies) {
  spf("example.com", "v=spf1 -include:bad.example.net +all");
  spf("bad.example.net", "v=spf1 ip4:192.0.2.0/24");
  EXPECT_EQ(outcome(), Outcome::kFail);
  EXPECT_EQ(outcome("198.51.100.1"), Outcome::kPass);  // inner neutral: no match
}

TEST_F(SpfTest, IncludeErrors) {
  spf("none.example", "v=spf1 include:nothing.example.net -all");
  EXPECT_EQ(outcome(kIp, "none.example"), Outcome::kPermError);
  spf("temp.example", "v=spf1 include:temp.example.net -all");
  dns_.set_outcome("temp.example.net", dns::Outcome::kTempFail);
  EXPECT_EQ(outcome(kIp, "temp.example"), Outcome::kTempError);
  spf("perm.example", "v=spf1 include:perm.example.net -all");
  spf("perm.example.net", "v=spf1 bogus");
  auto verdict = run(kIp, "perm.example");
  EXPECT_EQ(verdict.outcome, Outcome::kPermError);
  EXPECT_EQ(verdict.domain, "perm.example.net");
}

TEST_F(SpfTest, IncludeLoopHitsTheTermLimit) {
  spf("example.com", "v=spf1 include:example.com -all");
  EXPECT_EQ(outcome(), Outcome::kPermError);
  EXPECT_EQ(dns_.query_count(), 11u);  // the record, then 10 includes
}

// --- redirect, exp, unknown modifiers ---

TEST_F(SpfTest, RedirectWhenNothingMatched) {
  spf("example.com", "v=spf1 ip4:198.51.100.0/24 redirect=_spf.example.net");
  spf("_spf.example.net", "v=spf1 ip4:192.0.2.0/24 -all");
  auto verdict = run();
  EXPECT_EQ(verdict.outcome, Outcome::kPass);
  EXPECT_EQ(verdict.domain, "_spf.example.net");
  EXPECT_EQ(outcome("203.0.113.1"), Outcome::kFail);
  EXPECT_EQ(outcome("198.51.100.1"), Outcome::kPass);
}

TEST_F(SpfTest, RedirectIgnoredWhenAllIsPresent) {
  spf("example.com", "v=spf1 redirect=_spf.example.net ?all");
  spf("_spf.example.net", "v=spf1 -all");
  EXPECT_EQ(outcome(), Outcome::kNeutral);
}

TEST_F(SpfTest, RedirectToNoRecordIsPermError) {
  spf("example.com", "v=spf1 redirect=nothing.example.net");
  EXPECT_EQ(outcome(), Outcome::kPermError);
  spf("macro.example", "v=spf1 redirect=%{d}.example.net");
  spf("macro.example.example.net", "v=spf1 -all");
  EXPECT_EQ(outcome(kIp, "macro.example"), Outcome::kFail);
}

TEST_F(SpfTest, ExpAndUnknownModifiersDoNotChangeTheResult) {
  spf("example.com", "v=spf1 -all exp=explain.%{d} moo=cow.%{l}");
  EXPECT_EQ(outcome(), Outcome::kFail);
  EXPECT_EQ(dns_.query_count(), 1u);  // the explanation is not fetched
}

// --- limits (§4.6.4) ---

TEST_F(SpfTest, TenDnsTermsAllowedEleventhIsPermError) {
  std::string record = "v=spf1";
  for (int i = 0; i < 10; ++i) {
    std::string host = "h" + std::to_string(i) + ".example.net";
    record += " a:" + host;
    dns_.add_a(host, "198.51.100.1");
  }
  spf("ten.example", record + " ip4:192.0.2.3 -all");
  EXPECT_EQ(outcome(kIp, "ten.example"), Outcome::kPass);
  spf("eleven.example", record + " a:h0.example.net ip4:192.0.2.3 -all");
  EXPECT_EQ(outcome(kIp, "eleven.example"), Outcome::kPermError);
  // Terms that need no DNS do not count; nor do terms never reached.
  spf("lazy.example", "v=spf1 ip4:192.0.2.3 " + record.substr(7) + " a:h0.example.net -all");
  EXPECT_EQ(outcome(kIp, "lazy.example"), Outcome::kPass);
}

TEST_F(SpfTest, TermLimitIsSharedAcrossIncludes) {
  spf("example.com", "v=spf1 include:a.example.net include:b.example.net ip4:192.0.2.3 -all");
  std::string five;
  for (int i = 0; i < 5; ++i) {
    five += " a:h" + std::to_string(i) + ".example.net";
    dns_.add_a("h" + std::to_string(i) + ".example.net", "198.51.100.1");
  }
  spf("a.example.net", "v=spf1" + five);
  spf("b.example.net", "v=spf1" + five);  // 2 includes + 10 a = 12
  EXPECT_EQ(outcome(), Outcome::kPermError);
}

TEST_F(SpfTest, TwoVoidLookupsAllowedThirdIsPermError) {
  spf("two.example", "v=spf1 a:void1.example.net mx:void2.example.net ip4:192.0.2.3 -all");
  dns_.add_txt("void2.example.net", "exists, but has no MX");  // NODATA counts too
  EXPECT_EQ(outcome(kIp, "two.example"), Outcome::kPass);
  spf("three.example",
      "v=spf1 a:void1.example.net mx:void2.example.net exists:void3.example.net "
      "ip4:192.0.2.3 -all");
  EXPECT_EQ(outcome(kIp, "three.example"), Outcome::kPermError);
}

TEST_F(SpfTest, WorstCaseStaysUnderTheQueryBackstop) {
  // 10 mx terms of 10 hosts each, none matching: the most questions the limits allow.
  std::string record = "v=spf1";
  for (int m = 0; m < 10; ++m) {
    std::string domain = "d" + std::to_string(m) + ".example.net";
    record += " mx:" + domain;
    for (int h = 0; h < 10; ++h) {
      std::string host = "mx" + std::to_string(h) + "." + domain;
      dns_.add_mx(domain, static_cast<uint16_t>(h), host);
      dns_.add_a(host, "198.51.100.1");
    }
  }
  spf("example.com", record + " -all");
  EXPECT_EQ(outcome(), Outcome::kFail);
  EXPECT_EQ(dns_.query_count(), 111u);
  EXPECT_LE(dns_.query_count(), kMaxQueries);
}

// --- check(): identities (§2.3, §2.4) ---

TEST_F(SpfTest, CheckUsesMailFromDomain) {
  spf("example.org", "v=spf1 exists:%{l}.%{o}.%{h}.x.example -all");
  dns_.add_a("bob.example.org.helo.example.x.example", "127.0.0.2");
  auto verdict = check(dns_, kIp, "bob@example.org", "helo.example");
  EXPECT_EQ(verdict.outcome, Outcome::kPass);
  EXPECT_EQ(verdict.domain, "example.org");
}

TEST_F(SpfTest, NullSenderChecksPostmasterAtHelo) {
  spf("helo.example", "v=spf1 exists:%{l}.%{d}.x.example -all");
  dns_.add_a("postmaster.helo.example.x.example", "127.0.0.2");
  auto verdict = check(dns_, kIp, "", "helo.example");
  EXPECT_EQ(verdict.outcome, Outcome::kPass);
  EXPECT_EQ(verdict.domain, "helo.example");
  EXPECT_EQ(check(dns_, kIp, "", "").outcome, Outcome::kNone);
  EXPECT_EQ(check(dns_, kIp, "", "[192.0.2.3]").outcome, Outcome::kNone);
}

TEST_F(SpfTest, EmptyLocalPartIsPostmaster) {
  spf("example.org", "v=spf1 exists:%{l}.x.example -all");
  dns_.add_a("postmaster.x.example", "127.0.0.2");
  EXPECT_EQ(check_host(dns_, kIp, "example.org", "@example.org", "h").outcome, Outcome::kPass);
}

}  // namespace
}  // namespace sealmail::spf
