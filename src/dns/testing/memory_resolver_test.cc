#include "dns/testing/memory_resolver.h"

#include <gtest/gtest.h>

namespace sealmail::dns::testing {
namespace {

TEST(MemoryResolver, AnswersRecordsCaseInsensitively) {
  MemoryResolver dns;
  dns.add_txt("Example.COM", "v=spf1 -all");
  dns.add_a("example.com.", "192.0.2.1");
  dns.add_mx("example.com", 10, "MX.Example.com.");
  auto txt = dns.txt("example.com");
  EXPECT_EQ(txt.outcome, Outcome::kFound);
  EXPECT_EQ(txt.records, std::vector<std::string>{"v=spf1 -all"});
  EXPECT_EQ(dns.a("EXAMPLE.com.").records, std::vector<std::string>{"192.0.2.1"});
  auto mx = dns.mx("example.com");
  ASSERT_EQ(mx.records.size(), 1u);
  EXPECT_EQ(mx.records[0].host, "mx.example.com");
}

TEST(MemoryResolver, NxDomainAndNoData) {
  MemoryResolver dns;
  dns.add_a("example.com", "192.0.2.1");
  EXPECT_EQ(dns.txt("nope.example.com").outcome, Outcome::kNxDomain);
  auto nodata = dns.aaaa("example.com");
  EXPECT_EQ(nodata.outcome, Outcome::kFound);
  EXPECT_TRUE(nodata.records.empty());
}

TEST(MemoryResolver, OutcomesAndSecurity) {
  MemoryResolver dns;
  dns.add_a("example.com", "192.0.2.1");
  dns.add_txt("example.com", "x");
  dns.set_outcome("example.com", RecordType::kTxt, Outcome::kTempFail);
  dns.set_security("example.com", Security::kSecure);
  EXPECT_EQ(dns.txt("example.com").outcome, Outcome::kTempFail);
  auto a = dns.a("example.com");
  EXPECT_EQ(a.outcome, Outcome::kFound);
  EXPECT_EQ(a.security, Security::kSecure);
  dns.set_outcome("example.com", Outcome::kNxDomain);
  EXPECT_EQ(dns.a("example.com").outcome, Outcome::kNxDomain);
  EXPECT_EQ(dns.txt("example.com").outcome, Outcome::kTempFail);  // per type wins
  dns.set_outcome("broken.example", Outcome::kPermFail);
  EXPECT_EQ(dns.mx("broken.example").outcome, Outcome::kPermFail);
}

TEST(MemoryResolver, PtrByAnySpelling) {
  MemoryResolver dns;
  dns.add_ptr("2001:DB8::1", "Host.Example.com");
  dns.add_ptr("192.0.2.1", "a.example.com");
  EXPECT_EQ(dns.ptr("2001:db8:0::1").records, std::vector<std::string>{"host.example.com"});
  EXPECT_EQ(dns.ptr("192.0.2.1").records, std::vector<std::string>{"a.example.com"});
  EXPECT_EQ(dns.ptr("192.0.2.2").outcome, Outcome::kNxDomain);
  EXPECT_EQ(dns.ptr("not an address").outcome, Outcome::kPermFail);
}

TEST(MemoryResolver, CountsAndLogsQueries) {
  MemoryResolver dns;
  dns.txt("a.example");
  dns.mx("b.example");
  dns.ptr("192.0.2.1");
  EXPECT_EQ(dns.query_count(), 3u);
  EXPECT_EQ(dns.queries(),
            (std::vector<std::string>{"TXT a.example", "MX b.example", "PTR 192.0.2.1"}));
  dns.clear_queries();
  EXPECT_EQ(dns.query_count(), 0u);
}

}  // namespace
}  // namespace sealmail::dns::testing
