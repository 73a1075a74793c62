// evaluate_test.cc — DMARC evaluation against DMARC records served by an in-memory resolver:
// alignment modes, policies, sp=, pct=, discovery and its failures, multi-valued From.
#include "dmarc/evaluate.h"

#include <gtest/gtest.h>

#include <map>
#include <string>
#include <vector>

#include "base/ascii.h"
#include "dns/testing/memory_resolver.h"

namespace sealmail::dmarc {
namespace {

Input from(std::string domain) {
  Input input;
  input.from_domains = {std::move(domain)};
  input.pct_sample = 0;
  return input;
}

Input with_dkim(Input input, std::string d, DkimResult result = DkimResult::kPass) {
  input.dkim.push_back({std::move(d), result});
  return input;
}

Input with_spf(Input input, std::string domain, SpfResult result = SpfResult::kPass) {
  input.spf = result;
  input.spf_domain = std::move(domain);
  return input;
}

class DmarcEvaluate : public ::testing::Test {
 protected:
  void SetUp() override { ASSERT_TRUE(initialize().ok()); }
  dns::testing::MemoryResolver resolver_;
};

TEST_F(DmarcEvaluate, NoRecordIsNone) {
  Verdict v = evaluate(resolver_, with_dkim(from("example.org"), "example.org"));
  EXPECT_EQ(v.outcome, Outcome::kNone);
  EXPECT_EQ(v.policy, Disposition::kNone);
  EXPECT_EQ(v.reason, "no DMARC record");
  EXPECT_EQ(resolver_.queries(), std::vector<std::string>{"TXT _dmarc.example.org"});
}

TEST_F(DmarcEvaluate, OrganizationalDomainFallback) {
  resolver_.set_txt("_dmarc.example.co.uk", {"v=DMARC1; p=reject"});
  Verdict v = evaluate(resolver_, from("a.b.example.co.uk"));
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_EQ(v.policy, Disposition::kReject);
  EXPECT_EQ(v.from_domain, "a.b.example.co.uk");
  EXPECT_EQ(resolver_.queries(),
            (std::vector<std::string>{"TXT _dmarc.a.b.example.co.uk", "TXT _dmarc.example.co.uk"}));
}

TEST_F(DmarcEvaluate, NoRecordAnywhereIsNone) {
  Verdict v = evaluate(resolver_, from("news.example.org"));
  EXPECT_EQ(v.outcome, Outcome::kNone);
  EXPECT_EQ(resolver_.queries().size(), 2u);
}

TEST_F(DmarcEvaluate, DkimRelaxedAndStrictAlignment) {
  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=reject"});
  Verdict v = evaluate(resolver_, with_dkim(from("example.org"), "mail.example.org"));
  EXPECT_EQ(v.outcome, Outcome::kPass) << v.reason;
  EXPECT_TRUE(v.dkim_aligned);
  EXPECT_FALSE(v.spf_aligned);
  EXPECT_EQ(v.policy, Disposition::kNone);

  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=reject; adkim=s"});
  v = evaluate(resolver_, with_dkim(from("example.org"), "mail.example.org"));
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_FALSE(v.dkim_aligned);
  EXPECT_EQ(v.policy, Disposition::kReject);
  v = evaluate(resolver_, with_dkim(from("Example.ORG"), "example.org."));
  EXPECT_EQ(v.outcome, Outcome::kPass) << v.reason;
}

TEST_F(DmarcEvaluate, SpfRelaxedAndStrictAlignment) {
  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=quarantine"});
  Verdict v = evaluate(resolver_, with_spf(from("example.org"), "bounces.example.org"));
  EXPECT_EQ(v.outcome, Outcome::kPass) << v.reason;
  EXPECT_TRUE(v.spf_aligned);

  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=quarantine; aspf=s"});
  v = evaluate(resolver_, with_spf(from("example.org"), "bounces.example.org"));
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_EQ(v.policy, Disposition::kQuarantine);
  v = evaluate(resolver_, with_spf(from("example.org"), "alice@example.org"));
  EXPECT_EQ(v.outcome, Outcome::kPass) << v.reason;
}

TEST_F(DmarcEvaluate, OnlyPassingResultsAlign) {
  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=reject"});
  Input input = with_spf(with_dkim(from("example.org"), "example.org", DkimResult::kFail),
                         "example.org", SpfResult::kSoftFail);
  Verdict v = evaluate(resolver_, input);
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_FALSE(v.spf_aligned);
  EXPECT_FALSE(v.dkim_aligned);
}

TEST_F(DmarcEvaluate, UnalignedPassFails) {
  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=reject"});
  Input input = with_spf(with_dkim(from("example.org"), "example.net"), "example.net");
  EXPECT_EQ(evaluate(resolver_, input).outcome, Outcome::kFail);
  // A public suffix is not the From domain's parent for alignment.
  EXPECT_EQ(evaluate(resolver_, with_dkim(from("example.org"), "org")).outcome, Outcome::kFail);
  EXPECT_EQ(evaluate(resolver_, with_dkim(from("example.org"), "ample.org")).outcome,
            Outcome::kFail);
}

TEST_F(DmarcEvaluate, Policies) {
  for (auto [record, expected] : std::vector<std::pair<std::string, Disposition>>{
           {"v=DMARC1; p=reject", Disposition::kReject},
           {"v=DMARC1; p=quarantine", Disposition::kQuarantine},
           {"v=DMARC1; p=none", Disposition::kNone},
           {"v = DMARC1 ;p=reject;rua=mailto:d@example.org", Disposition::kReject},
       }) {
    resolver_.set_txt("_dmarc.example.org", {record});
    Verdict v = evaluate(resolver_, from("example.org"));
    EXPECT_EQ(v.outcome, Outcome::kFail) << record;
    EXPECT_EQ(v.policy, expected) << record;
  }
}

TEST_F(DmarcEvaluate, SubdomainPolicy) {
  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=reject; sp=quarantine"});
  Verdict v = evaluate(resolver_, from("news.example.org"));
  EXPECT_EQ(v.policy, Disposition::kQuarantine);
  EXPECT_NE(v.reason.find("sp=quarantine"), std::string::npos) << v.reason;
  EXPECT_EQ(evaluate(resolver_, from("example.org")).policy, Disposition::kReject);

  // The subdomain's own record wins over the organizational domain's sp=.
  resolver_.set_txt("_dmarc.news.example.org", {"v=DMARC1; p=none"});
  EXPECT_EQ(evaluate(resolver_, from("news.example.org")).policy, Disposition::kNone);

  // Without sp=, subdomains get p=.
  resolver_.set_txt("_dmarc.example.net", {"v=DMARC1; p=reject"});
  EXPECT_EQ(evaluate(resolver_, from("news.example.net")).policy, Disposition::kReject);
}

TEST_F(DmarcEvaluate, PercentageSampling) {
  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=reject; pct=0"});
  Input input = from("example.org");
  input.pct_sample = 0;
  Verdict v = evaluate(resolver_, input);
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_EQ(v.policy, Disposition::kQuarantine);

  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=quarantine; pct=0"});
  EXPECT_EQ(evaluate(resolver_, input).policy, Disposition::kNone);

  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=reject; pct=50"});
  input.pct_sample = 49;
  EXPECT_EQ(evaluate(resolver_, input).policy, Disposition::kReject);
  input.pct_sample = 50;
  EXPECT_EQ(evaluate(resolver_, input).policy, Disposition::kQuarantine);

  // An invalid pct= is ignored (libopendmarc alone would read "abc" as 0).
  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=reject; pct=abc"});
  input.pct_sample = 99;
  EXPECT_EQ(evaluate(resolver_, input).policy, Disposition::kReject);

  // Drawn here when the caller does not: always within [0, 100).
  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=reject; pct=100"});
  input.pct_sample = -1;
  EXPECT_EQ(evaluate(resolver_, input).policy, Disposition::kReject);
}

TEST_F(DmarcEvaluate, RecordSelection) {
  // Other TXT records beside the DMARC one are ignored.
  resolver_.set_txt("_dmarc.example.org", {"v=spf1 -all", "v=DMARC1; p=reject", "hello"});
  EXPECT_EQ(evaluate(resolver_, from("example.org")).policy, Disposition::kReject);

  // Two DMARC records: no policy, and no fallback.
  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=reject", "v=DMARC1; p=none"});
  Verdict v = evaluate(resolver_, from("example.org"));
  EXPECT_EQ(v.outcome, Outcome::kNone);
  EXPECT_EQ(v.reason, "several DMARC records");

  // "v=DMARC1" must come first and be exact.
  for (std::string record :
       {"p=reject; v=DMARC1", "v=dmarc1; p=reject", "v=DMARC10; p=reject", " v=DMARC1; p=reject"}) {
    resolver_.set_txt("_dmarc.example.org", {record});
    EXPECT_EQ(evaluate(resolver_, from("example.org")).outcome, Outcome::kNone) << record;
  }
}

TEST_F(DmarcEvaluate, InvalidRecords) {
  // RFC 7489 §6.6.3 step 6: invalid p= without rua= → no DMARC (reported as permerror).
  for (std::string record : {"v=DMARC1; p=bogus", "v=DMARC1", "v=DMARC1; p=reject; sp=maybe",
                             "v=DMARC1; p=reject; adkim=x"}) {
    resolver_.set_txt("_dmarc.example.org", {record});
    Verdict v = evaluate(resolver_, from("example.org"));
    EXPECT_EQ(v.outcome, Outcome::kPermError) << record;
    EXPECT_EQ(v.policy, Disposition::kNone) << record;
  }
  // …and with rua= as if p=none was published.
  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=bogus; rua=mailto:d@example.org"});
  Verdict v = evaluate(resolver_, from("example.org"));
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_EQ(v.policy, Disposition::kNone);
  v = evaluate(resolver_, with_dkim(from("example.org"), "example.org"));
  EXPECT_EQ(v.outcome, Outcome::kPass);
}

TEST_F(DmarcEvaluate, TemporaryFailures) {
  resolver_.set_outcome("_dmarc.news.example.org", dns::Outcome::kTempFail);
  resolver_.set_txt("_dmarc.example.org", {"v=DMARC1; p=reject"});
  Verdict v = evaluate(resolver_, from("news.example.org"));
  EXPECT_EQ(v.outcome, Outcome::kTempError);
  EXPECT_EQ(resolver_.queries().size(), 1u);  // no fallback after a temporary failure

  resolver_.set_txt("_dmarc.example.net", {"v=DMARC1; p=reject"}, dns::Security::kBogus);
  EXPECT_EQ(evaluate(resolver_, from("example.net")).outcome, Outcome::kTempError);

  // The record is there, but the aligned DKIM key could not be fetched: defer, do not reject.
  v = evaluate(resolver_, with_dkim(from("example.org"), "example.org", DkimResult::kTempError));
  EXPECT_EQ(v.outcome, Outcome::kTempError);
  EXPECT_EQ(v.policy, Disposition::kReject);
  v = evaluate(resolver_, with_spf(from("example.org"), "example.org", SpfResult::kTempError));
  EXPECT_EQ(v.outcome, Outcome::kTempError);
  // An unaligned temporary failure changes nothing.
  v = evaluate(resolver_, with_dkim(from("example.org"), "example.net", DkimResult::kTempError));
  EXPECT_EQ(v.outcome, Outcome::kFail);
}

TEST_F(DmarcEvaluate, MultiValuedFrom) {
  resolver_.set_txt("_dmarc.a.example", {"v=DMARC1; p=reject"});
  resolver_.set_txt("_dmarc.b.example", {"v=DMARC1; p=quarantine"});
  Input input = with_dkim(from("a.example"), "b.example");
  input.from_domains.push_back("b.example");
  Verdict v = evaluate(resolver_, input);
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_EQ(v.policy, Disposition::kReject);
  EXPECT_EQ(v.from_domain, "a.example");

  // Both fail: the strictest policy.
  input.dkim.clear();
  input.from_domains = {"b.example", "a.example"};
  v = evaluate(resolver_, input);
  EXPECT_EQ(v.policy, Disposition::kReject);
  EXPECT_EQ(v.from_domain, "a.example");

  // Pass for one, no record for the other: not a pass.
  input = with_dkim(from("a.example"), "a.example");
  input.from_domains.push_back("c.example");
  EXPECT_EQ(evaluate(resolver_, input).outcome, Outcome::kNone);

  // The same domain twice (any case) is one domain.
  input = with_dkim(from("a.example"), "a.example");
  input.from_domains.push_back("A.EXAMPLE");
  EXPECT_EQ(evaluate(resolver_, input).outcome, Outcome::kPass);

  // An invalid domain does not hide a valid one's failure.
  input = from("not a domain");
  input.from_domains.push_back("a.example");
  v = evaluate(resolver_, input);
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_EQ(v.policy, Disposition::kReject);
  EXPECT_EQ(evaluate(resolver_, from("bad..example")).outcome, Outcome::kPermError);

  // No From domain at all.
  input.from_domains.clear();
  EXPECT_EQ(evaluate(resolver_, input).outcome, Outcome::kNone);

  // Too many: no lookups.
  size_t asked = resolver_.queries().size();
  input.from_domains.clear();
  for (int i = 0; i < 9; ++i) input.from_domains.push_back("d" + std::to_string(i) + ".example");
  v = evaluate(resolver_, input);
  EXPECT_EQ(v.outcome, Outcome::kFail);
  EXPECT_EQ(resolver_.queries().size(), asked);
}

TEST(DmarcOrganizationalDomain, PublicSuffixList) {
  ASSERT_TRUE(initialize().ok());
  EXPECT_EQ(organizational_domain("mail.example.org"), "example.org");
  EXPECT_EQ(organizational_domain("example.org"), "example.org");
  EXPECT_EQ(organizational_domain("a.b.example.co.uk"), "example.co.uk");
  EXPECT_EQ(organizational_domain("MAIL.Example.ORG."), "example.org");
  EXPECT_EQ(organizational_domain("x.y.example.invalidtld"), "example.invalidtld");
  EXPECT_EQ(organizational_domain("not a domain"), "");
  EXPECT_EQ(organizational_domain(""), "");
}

TEST(DmarcNames, Rfc8601) {
  EXPECT_EQ(to_string(Outcome::kNone), "none");
  EXPECT_EQ(to_string(Outcome::kPass), "pass");
  EXPECT_EQ(to_string(Outcome::kFail), "fail");
  EXPECT_EQ(to_string(Outcome::kTempError), "temperror");
  EXPECT_EQ(to_string(Outcome::kPermError), "permerror");
  EXPECT_EQ(to_string(Disposition::kQuarantine), "quarantine");
}

}  // namespace
}  // namespace sealmail::dmarc
