// verify_test.cc — DKIM verification of messages signed at test time (RSA-2048, Ed25519) with
// keys served by an in-memory resolver: pass, every way to fail, limits, odd input.
#include "dkim/verify.h"

#include <gtest/gtest.h>

#include <map>
#include <mutex>
#include <string>
#include <thread>
#include <vector>

#include "base/ascii.h"
#include "dkim/testing/signer.h"
#include "dns/testing/memory_resolver.h"

namespace sealmail::dkim {
namespace {

using testing::Algorithm;
using testing::KeyType;
using testing::SignOptions;
using testing::TestKey;

const std::string kMessage =
    "From: Alice <alice@example.org>\r\n"
    "To: bob@example.net\r\n"
    "Subject: Lunch\r\n"
    "  on Friday?\r\n"
    "Date: Mon, 1 Jan 2024 10:00:00 +0000\r\n"
    "Message-ID: <1@example.org>\r\n"
    "\r\n"
    "Hello Bob,\r\n"
    "\r\n"
    "shall we meet at noon?\r\n";

const TestKey& rsa_key() {
  static const TestKey key = testing::generate_key(KeyType::kRsa2048);
  return key;
}
const TestKey& ed25519_key() {
  static const TestKey key = testing::generate_key(KeyType::kEd25519);
  return key;
}

std::string replace(std::string text, std::string_view from, std::string_view to) {
  size_t at = text.find(from);
  EXPECT_NE(at, std::string::npos) << from;
  if (at != std::string::npos) text.replace(at, from.size(), to);
  return text;
}

class DkimVerify : public ::testing::Test {
 protected:
  void SetUp() override {
    resolver_.set_txt("sel._domainkey.example.org", {rsa_key().txt_record});
    resolver_.set_txt("ed._domainkey.example.org", {ed25519_key().txt_record});
  }
  SignOptions ed_options() {
    SignOptions o;
    o.selector = "ed";
    return o;
  }
  dns::testing::MemoryResolver resolver_;
};

TEST_F(DkimVerify, Rsa2048Passes) {
  auto results = verify(resolver_, testing::sign(kMessage, rsa_key()));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPass) << results[0].reason;
  EXPECT_EQ(results[0].domain, "example.org");
  EXPECT_EQ(results[0].selector, "sel");
  EXPECT_EQ(results[0].algorithm, "rsa-sha256");
  EXPECT_EQ(results[0].header_b.size(), 8u);
  EXPECT_EQ(resolver_.query_count("TXT sel._domainkey.example.org"), 1);
}

TEST_F(DkimVerify, Ed25519Passes) {
  auto results = verify(resolver_, testing::sign(kMessage, ed25519_key(), ed_options()));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPass) << results[0].reason;
  EXPECT_EQ(results[0].algorithm, "ed25519-sha256");
}

TEST_F(DkimVerify, UnsignedMessageHasNoResults) {
  EXPECT_TRUE(verify(resolver_, kMessage).empty());
  EXPECT_EQ(resolver_.query_count(), 0);
}

TEST_F(DkimVerify, OurReceivedHeaderOnTopDoesNotMatter) {
  std::string received = "Received: from a.example ([192.0.2.1])\r\n\tby mx.example.net\r\n";
  auto results = verify(resolver_, received + testing::sign(kMessage, rsa_key()));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPass) << results[0].reason;
}

TEST_F(DkimVerify, ModifiedBodyFails) {
  std::string tampered = replace(testing::sign(kMessage, rsa_key()), "noon", "one");
  auto results = verify(resolver_, tampered);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kFail);
  EXPECT_EQ(results[0].reason, "body hash mismatch");
}

TEST_F(DkimVerify, ModifiedSignedHeaderFails) {
  for (const TestKey* key : {&rsa_key(), &ed25519_key()}) {
    SignOptions options = key == &rsa_key() ? SignOptions{} : ed_options();
    std::string tampered = replace(testing::sign(kMessage, *key, options), "Lunch", "Dinner");
    auto results = verify(resolver_, tampered);
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, Outcome::kFail) << results[0].reason;
  }
}

TEST_F(DkimVerify, AddedUnsignedHeaderStillPasses) {
  std::string signed_message = testing::sign(kMessage, rsa_key());
  auto results = verify(resolver_, replace(signed_message, "\r\n\r\n", "\r\nX-Spam: no\r\n\r\n"));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPass) << results[0].reason;
}

TEST_F(DkimVerify, RelaxedCanonicalizationToleratesWhitespace) {
  std::string signed_message = testing::sign(kMessage, rsa_key());
  std::string rewhitespaced = replace(replace(signed_message, "Subject: Lunch", "Subject:   Lunch"),
                                      "at noon?", "at noon?  ");
  auto results = verify(resolver_, rewhitespaced);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPass) << results[0].reason;
}

TEST_F(DkimVerify, SimpleCanonicalizationDoesNot) {
  SignOptions simple;
  simple.relaxed_header = false;
  simple.relaxed_body = false;
  std::string signed_message = testing::sign(kMessage, rsa_key(), simple);
  auto results = verify(resolver_, signed_message);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPass) << results[0].reason;

  results = verify(resolver_, replace(signed_message, "at noon?", "at noon?  "));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kFail);
  results = verify(resolver_, replace(signed_message, "Subject: Lunch", "Subject:  Lunch"));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kFail);
}

TEST_F(DkimVerify, MissingKeyIsPermerror) {
  SignOptions options;
  options.selector = "gone";
  auto results = verify(resolver_, testing::sign(kMessage, rsa_key(), options));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPermError);
  EXPECT_EQ(results[0].reason, "no key for signature");
}

TEST_F(DkimVerify, NoDataIsPermerror) {
  resolver_.set_txt("sel._domainkey.example.org", {});
  auto results = verify(resolver_, testing::sign(kMessage, rsa_key()));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPermError);
}

TEST_F(DkimVerify, DnsTempFailureIsTemperror) {
  resolver_.set_outcome("sel._domainkey.example.org", dns::Outcome::kTempFail);
  auto results = verify(resolver_, testing::sign(kMessage, rsa_key()));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kTempError);
  EXPECT_EQ(results[0].reason, "key lookup failed temporarily");
}

TEST_F(DkimVerify, BogusKeyIsTemperror) {
  resolver_.set_txt("sel._domainkey.example.org", {rsa_key().txt_record}, dns::Security::kBogus);
  auto results = verify(resolver_, testing::sign(kMessage, rsa_key()));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kTempError);
}

TEST_F(DkimVerify, BrokenKeyRecordsArePermerrors) {
  for (std::vector<std::string> records : std::vector<std::vector<std::string>>{
           {"v=DKIM1; k=rsa; p="},                        // revoked
           {"v=DKIM1; k=rsa; p=!!!notbase64"},            // undecodable
           {"v=DKIM1; k=rsa; p=AAAA"},                    // not a key
           {"v=DKIM1; k=foo; p=AAAA"},                    // unknown key type
           {"garbage"},                                   //
           {rsa_key().txt_record, rsa_key().txt_record},  // two records
           {std::string(5000, 'x')},                      // over the size limit
       }) {
    resolver_.set_txt("sel._domainkey.example.org", records);
    auto results = verify(resolver_, testing::sign(kMessage, rsa_key()));
    ASSERT_EQ(results.size(), 1u);
    EXPECT_EQ(results[0].outcome, Outcome::kPermError) << records[0] << ": " << results[0].reason;
  }
}

TEST_F(DkimVerify, WrongKeyFails) {
  resolver_.set_txt("sel._domainkey.example.org",
                    {testing::generate_key(KeyType::kRsa2048).txt_record});
  auto results = verify(resolver_, testing::sign(kMessage, rsa_key()));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kFail) << results[0].reason;
}

TEST_F(DkimVerify, BodyLengthTag) {
  SignOptions partial;
  partial.body_length = 12;  // "Hello Bob,\r\n"
  std::string signed_message = testing::sign(kMessage, rsa_key(), partial);
  ASSERT_NE(signed_message.find("l=12"), std::string::npos) << signed_message;
  auto results = verify(resolver_, signed_message);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPolicy);
  EXPECT_EQ(results[0].reason, "l= leaves part of the body unsigned");

  // An l= that covers the whole body is an ordinary signature.
  SignOptions whole;
  whole.body_length = 38;
  results = verify(resolver_, testing::sign(kMessage, rsa_key(), whole));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPass) << results[0].reason;
}

TEST_F(DkimVerify, RsaSha1IsPolicy) {
  SignOptions sha1;
  sha1.algorithm = Algorithm::kRsaSha1;
  auto results = verify(resolver_, testing::sign(kMessage, rsa_key(), sha1));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].algorithm, "rsa-sha1");
  EXPECT_EQ(results[0].outcome, Outcome::kPolicy) << results[0].reason;
}

TEST_F(DkimVerify, SmallRsaKeyIsPolicy) {
  TestKey small = testing::generate_key(KeyType::kRsa512);
  resolver_.set_txt("small._domainkey.example.org", {small.txt_record});
  SignOptions options;
  options.selector = "small";
  auto results = verify(resolver_, testing::sign(kMessage, small, options));
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPolicy) << results[0].reason;
}

TEST_F(DkimVerify, MultipleSignaturesEachReportedInOrder) {
  resolver_.set_txt("list._domainkey.lists.example.net", {ed25519_key().txt_record});
  SignOptions list;
  list.domain = "lists.example.net";
  list.selector = "list";
  SignOptions missing;
  missing.domain = "nokey.example";
  std::string message = testing::sign(
      testing::sign(testing::sign(kMessage, rsa_key()), ed25519_key(), list), rsa_key(), missing);
  auto results = verify(resolver_, message);
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].domain, "nokey.example");
  EXPECT_EQ(results[0].outcome, Outcome::kPermError);
  EXPECT_EQ(results[1].domain, "lists.example.net");
  EXPECT_EQ(results[1].outcome, Outcome::kPass) << results[1].reason;
  EXPECT_EQ(results[2].domain, "example.org");
  EXPECT_EQ(results[2].outcome, Outcome::kPass) << results[2].reason;
  for (size_t i = 0; i < results.size(); ++i) {
    EXPECT_GE(results[i].header_b.size(), 8u);
    for (size_t j = 0; j < i; ++j) EXPECT_NE(results[i].header_b, results[j].header_b);
  }
}

TEST_F(DkimVerify, OneLookupPerKeyName) {
  std::string message = testing::sign(testing::sign(kMessage, rsa_key()), rsa_key());
  auto results = verify(resolver_, message);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[0].outcome, Outcome::kPass);
  EXPECT_EQ(results[1].outcome, Outcome::kPass);
  EXPECT_EQ(resolver_.query_count("TXT sel._domainkey.example.org"), 1);

  resolver_.set_outcome("sel._domainkey.example.org", dns::Outcome::kTempFail);
  results = verify(resolver_, message);
  ASSERT_EQ(results.size(), 2u);
  EXPECT_EQ(results[1].outcome, Outcome::kTempError);
  EXPECT_EQ(resolver_.query_count("TXT sel._domainkey.example.org"), 2);
}

TEST_F(DkimVerify, SignatureCountIsBounded) {
  std::string message = kMessage;
  for (int i = 0; i < 8; ++i) {
    SignOptions options;
    options.domain = "d" + std::to_string(i) + ".example";
    message = testing::sign(message, rsa_key(), options);
  }
  Limits limits;
  limits.max_signatures = 3;
  auto results = verify(resolver_, message, limits);
  EXPECT_EQ(results.size(), 3u);
  EXPECT_EQ(resolver_.query_count(), 3);
}

TEST_F(DkimVerify, OversizedMessageIsNotHashed) {
  Limits limits;
  limits.max_message_bytes = 100;
  auto results = verify(resolver_, testing::sign(kMessage, rsa_key()), limits);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPolicy);
}

TEST_F(DkimVerify, BareLineFeedsAreReadAsCrlf) {
  std::string signed_message = testing::sign(kMessage, rsa_key());
  std::string bare;
  for (char c : signed_message)
    if (c != '\r') bare += c;
  auto results = verify(resolver_, bare);
  ASSERT_EQ(results.size(), 1u);
  EXPECT_EQ(results[0].outcome, Outcome::kPass) << results[0].reason;
}

TEST_F(DkimVerify, MalformedInputDoesNotCrash) {
  std::string signature = "DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=sel; b=AAAA\r\n";
  for (std::string message : {
           std::string("DKIM-Signature: garbage\r\n\r\nbody\r\n"),
           signature + "\r\n",                                 // no From
           signature + "From: a@example.org\r\n",              // no body
           signature + "From: a@example.org\r\n\r\n\r\n\r\n",  // empty lines
           std::string("DKIM-Signature: v=1; d=\xff\x01; s=../..; b=\r\nFrom: x\r\n\r\nx"),
           std::string("no colon here\r\nDKIM-Signature:\r\n\r\n"),
           std::string("\r\nDKIM-Signature: v=1\r\n"),
           std::string("DKIM-Signature: v=1; a=rsa-sha256; d=example.org; s=sel; h=from; "
                       "bh=AAAA; b=AAAA\rFrom: a@example.org\r\r\nbody"),
       }) {
    auto results = verify(resolver_, message);
    for (const auto& r : results) {
      EXPECT_NE(r.outcome, Outcome::kPass) << message;
      EXPECT_EQ(r.reason.find('\n'), std::string::npos);
    }
  }
}

TEST_F(DkimVerify, ConcurrentVerification) {
  const std::string good = testing::sign(kMessage, rsa_key());
  const std::string ed = testing::sign(kMessage, ed25519_key(), ed_options());
  const std::string bad = replace(good, "noon", "one");
  std::vector<std::thread> threads;
  std::vector<int> wrong(4, 0);
  for (int t = 0; t < 4; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < 25; ++i) {
        auto g = verify(resolver_, t % 2 ? good : ed);
        auto b = verify(resolver_, bad);
        if (g.size() != 1 || g[0].outcome != Outcome::kPass) ++wrong[t];
        if (b.size() != 1 || b[0].outcome != Outcome::kFail) ++wrong[t];
      }
    });
  }
  for (auto& thread : threads) thread.join();
  for (int w : wrong) EXPECT_EQ(w, 0);
}

TEST(DkimOutcome, Rfc8601Names) {
  EXPECT_EQ(to_string(Outcome::kNone), "none");
  EXPECT_EQ(to_string(Outcome::kPass), "pass");
  EXPECT_EQ(to_string(Outcome::kFail), "fail");
  EXPECT_EQ(to_string(Outcome::kNeutral), "neutral");
  EXPECT_EQ(to_string(Outcome::kPolicy), "policy");
  EXPECT_EQ(to_string(Outcome::kTempError), "temperror");
  EXPECT_EQ(to_string(Outcome::kPermError), "permerror");
}

}  // namespace
}  // namespace sealmail::dkim
