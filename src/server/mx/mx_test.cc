// The MX's parts over a real SQLite store and real keys: recipients (relay forms, aliases,
// catch-all, quota, disabled accounts), encryption on arrival that only the recipient's key
// opens, the group commit under concurrency, and the removal of forged verdicts.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/config.h"
#include "base/testing/temp_dir.h"
#include "pgp/key.h"
#include "pgp/message.h"
#include "server/mx/group_commit.h"
#include "server/mx/mx_sink.h"
#include "server/mx/sender_check.h"
#include "store/store.h"

namespace sealmail::server::mx {
namespace {

constexpr char kMessage[] =
    "Received: from x\r\n"
    "From: Carol <carol@outside.test>\r\n"
    "To: alice@example.test\r\n"
    "Subject: lunch CANARY\r\n"
    "\r\n"
    "see you at noon\r\n";

struct User {
  store::AccountId account;
  pgp::GeneratedKey key;
};

class MxTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto store = store::open_store("sqlite", dir_.path());
    ASSERT_TRUE(store.ok()) << store.error().describe();
    store_ = std::move(store).value();
    commit_ = std::make_unique<GroupCommit>(*store_);
    envelope_.helo = "outside.test";
    envelope_.mail_from = "carol@outside.test";
    envelope_.peer_address = "192.0.2.1";
    ASSERT_TRUE(store_->add_domain("example.test").ok());
    config_.domain = "example.test";
    config_.hostname = "mx.example.test";
    config_.plans[0].storage_bytes = 100'000;
    alice_ = user("alice@example.test");
    bob_ = user("bob@example.test");
  }

  User user(const std::string& address) {
    pgp::KeySpec spec;
    spec.address = address;
    spec.passphrase = "pass";
    spec.s2k_iterations = 1024;
    auto key = pgp::generate_key(spec);
    EXPECT_TRUE(key.ok());
    store::AccountRecord account;
    account.address = address;
    store::AddressRecord primary;
    primary.address = address;
    primary.key_record = nlohmann::json{{"public_key", *key->public_key.armored()}}.dump();
    auto id = store_->create_user(account, primary);
    EXPECT_TRUE(id.ok()) << id.error().describe();
    return User{id.value_or(store::AccountId{}), std::move(key).value()};
  }

  smtp::Verdict rcpt(std::string_view recipient) {
    return sink().check_recipient(envelope_, recipient);
  }

  MxSink sink(SenderCheck check = {}) {
    return MxSink(*store_, config_, *commit_, std::move(check));
  }

  // The one stored copy in `who`'s inbox, decrypted with `who`'s key.
  std::string open_copy(const User& who) {
    auto listed = store_->list_messages(who.account, "inbox", 10, 0);
    EXPECT_TRUE(listed.ok());
    if (!listed.ok() || listed->size() != 1) return "(" + std::to_string(listed->size()) + " copies)";
    auto copy = store_->get_message(who.account, (*listed)[0].id);
    auto keyring = pgp::Keyring::create();
    EXPECT_TRUE(keyring->unlock(who.key.secret_key, "pass").ok());
    auto parts = pgp::split_message(copy->key_packets + copy->data_packet);
    auto opened = pgp::decrypt(*keyring, parts->key_packets, parts->data_packet);
    if (!opened.ok()) return "(" + opened.error().describe() + ")";
    return std::string(opened->plaintext.reveal());
  }

  testing::TempDir dir_;
  std::unique_ptr<store::Store> store_;
  Config config_;
  std::unique_ptr<GroupCommit> commit_;
  std::optional<User> alice_, bob_;
  smtp::Envelope envelope_;
};

TEST_F(MxTest, RecipientsAreOursOrRefusedNeverRelayed) {
  EXPECT_EQ(rcpt("alice@example.test").code, 250);
  EXPECT_EQ(rcpt("ALICE@Example.TEST").code, 250);
  EXPECT_EQ(rcpt("nobody@example.test").enhanced, "5.1.1");
  for (const char* relay : {"u%ext@example.test", "ext!u@example.test", "\"u@ext\"@example.test",
                            "u@elsewhere.test", "alice@[127.0.0.1]"}) {
    smtp::Verdict v = rcpt(relay);
    EXPECT_EQ(v.code, 550) << relay;
    EXPECT_EQ(v.enhanced, "5.7.1") << relay;
  }
  ASSERT_TRUE(store_->set_catch_all("example.test", "bob@example.test").ok());
  EXPECT_EQ(rcpt("nobody@example.test").code, 250);
  EXPECT_EQ(rcpt("u%ext@example.test").enhanced, "5.7.1");  // a catch-all is no relay either
  EXPECT_EQ(rcpt("\"quoted\"@example.test").enhanced, "5.1.1");

  ASSERT_TRUE(store_->add_alias("postmaster@example.test", "alice@example.test").ok());
  EXPECT_EQ(rcpt("Postmaster").code, 250);
  ASSERT_TRUE(store_->set_disabled(bob_->account, true).ok());
  EXPECT_EQ(rcpt("bob@example.test").enhanced, "5.2.1");
}

TEST_F(MxTest, EachRecipientGetsACopyOnlyItsKeyOpens) {
  envelope_.recipients = {"alice@example.test", "bob@example.test", "Alice@example.test"};
  smtp::Verdict v = sink().deliver(envelope_, kMessage);
  ASSERT_EQ(v.code, 250) << v.text;
  EXPECT_EQ(open_copy(*alice_), kMessage);
  EXPECT_EQ(open_copy(*bob_), kMessage);

  // alice's copy names only her key: bob's key cannot open it.
  auto alice_copy = store_->get_message(alice_->account, (*store_->list_messages(alice_->account, "inbox", 1, 0))[0].id);
  auto keyring = pgp::Keyring::create();
  ASSERT_TRUE(keyring->unlock(bob_->key.secret_key, "pass").ok());
  auto parts = pgp::split_message(alice_copy->key_packets + alice_copy->data_packet);
  ASSERT_TRUE(parts.ok());
  EXPECT_EQ(parts->key_packets.size(), 1u);
  EXPECT_FALSE(pgp::decrypt(*keyring, parts->key_packets, parts->data_packet).ok());
  // Nothing readable is stored: neither the subject nor the body.
  for (const std::string& blob : {alice_copy->key_packets, alice_copy->data_packet, alice_copy->summary}) {
    EXPECT_EQ(blob.find("CANARY"), std::string::npos);
    EXPECT_EQ(blob.find("noon"), std::string::npos);
  }
}

TEST_F(MxTest, TheSummaryOpensToTheListViewData) {
  envelope_.recipients = {"alice@example.test"};
  ASSERT_EQ(sink().deliver(envelope_, kMessage).code, 250);
  auto listed = store_->list_messages(alice_->account, "inbox", 10, 0);
  ASSERT_EQ(listed->size(), 1u);
  auto keyring = pgp::Keyring::create();
  ASSERT_TRUE(keyring->unlock(alice_->key.secret_key, "pass").ok());
  auto parts = pgp::split_message((*listed)[0].summary);
  ASSERT_TRUE(parts.ok());
  auto opened = pgp::decrypt(*keyring, parts->key_packets, parts->data_packet);
  ASSERT_TRUE(opened.ok()) << opened.error().describe();
  auto summary = nlohmann::json::parse(opened->plaintext.reveal());
  EXPECT_EQ(summary["subject"], "lunch CANARY");
  EXPECT_EQ(summary["from"][0]["addr"], "carol@outside.test");
  EXPECT_EQ(summary["snippet"], "see you at noon");
}

TEST_F(MxTest, SenderVerdictsRejectQuarantineAndPrependTheirHeader) {
  envelope_.recipients = {"alice@example.test"};
  std::vector<std::string> seen_from;
  auto reject = [&](const smtp::Envelope&, std::string_view, const std::vector<std::string>& from) {
    seen_from = from;
    return SenderVerdict{.header = "", .action = SenderVerdict::Action::kReject, .reason = "DMARC says reject"};
  };
  smtp::Verdict refused = sink(reject).deliver(envelope_, kMessage);
  EXPECT_EQ(refused.code, 550);
  EXPECT_EQ(refused.enhanced, "5.7.1");
  EXPECT_EQ(seen_from, std::vector<std::string>{"outside.test"});
  EXPECT_EQ(store_->storage_used(alice_->account).value_or(-1), 0);

  auto quarantine = [](const smtp::Envelope&, std::string_view, const std::vector<std::string>&) {
    return SenderVerdict{.header = "Authentication-Results: mx.example.test; dmarc=fail\r\n",
                         .action = SenderVerdict::Action::kQuarantine, .reason = "q"};
  };
  ASSERT_EQ(sink(quarantine).deliver(envelope_, kMessage).code, 250);
  EXPECT_EQ(store_->list_messages(alice_->account, "inbox", 10, 0)->size(), 0u);
  ASSERT_EQ(store_->list_messages(alice_->account, "spam", 10, 0)->size(), 1u);
}

TEST_F(MxTest, AFullMailboxGets452AtRcptAndAtData) {
  envelope_.recipients = {"alice@example.test"};
  std::string big(60'000, 'x');
  std::string message = std::string(kMessage) + big + "\r\n";
  ASSERT_EQ(sink().deliver(envelope_, message).code, 250);
  smtp::Verdict second = sink().deliver(envelope_, message);  // 2 × 60 kB > 100 kB
  EXPECT_EQ(second.code, 452);
  EXPECT_EQ(second.enhanced, "4.2.2");
  ASSERT_EQ(sink().deliver(envelope_, std::string(kMessage) + std::string(30'000, 'y')).code, 250);
  EXPECT_EQ(rcpt("alice@example.test").code, 250);  // about 90 kB of 100 kB used
  config_.plans[0].storage_bytes = 50'000;           // the plan shrank below the use
  EXPECT_EQ(rcpt("alice@example.test").enhanced, "4.2.2");
  EXPECT_EQ(rcpt("bob@example.test").code, 250);
}

TEST_F(MxTest, UnparsableStructureIsRefusedWith550) {
  envelope_.recipients = {"alice@example.test"};
  std::string deep = "Content-Type: multipart/mixed; boundary=b0\r\n\r\n";
  for (int i = 1; i < 120; ++i) {
    deep += "--b" + std::to_string(i - 1) + "\r\nContent-Type: multipart/mixed; boundary=b" +
            std::to_string(i) + "\r\n\r\n";
  }
  smtp::Verdict v = sink().deliver(envelope_, deep);
  EXPECT_EQ(v.code, 550);
  EXPECT_EQ(v.enhanced, "5.6.0");
}

TEST_F(MxTest, ConcurrentDeliveriesShareCommits) {
  envelope_.recipients = {"bob@example.test"};
  constexpr int kThreads = 16, kEach = 5;
  std::atomic<int> accepted{0};
  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&] {
      MxSink s = sink();
      for (int i = 0; i < kEach; ++i) accepted += s.deliver(envelope_, kMessage).code == 250;
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(accepted.load(), kThreads * kEach);
  EXPECT_EQ(store_->list_messages(bob_->account, "inbox", 1000, 0)->size(), size_t{kThreads * kEach});
  EXPECT_LE(commit_->batches(), size_t{kThreads * kEach});
  EXPECT_EQ(store_->last_cursor(bob_->account).value_or(-1), kThreads * kEach);
}

TEST(WithoutOurResults, RemovesOnlyFieldsNamingUs) {
  const std::string message =
      "Authentication-Results: MX.example.test;\r\n\tdmarc=pass\r\n"
      "Authentication-Results: other.example; spf=fail\r\n"
      "authentication-results: (comment) mx.example.test; dkim=pass\r\n"
      "Subject: x\r\n"
      "\r\n"
      "Authentication-Results: mx.example.test; body stays\r\n";
  auto cleaned = without_our_results(message, "mx.example.test");
  ASSERT_TRUE(cleaned.has_value());
  EXPECT_EQ(*cleaned,
            "Authentication-Results: other.example; spf=fail\r\n"
            "Subject: x\r\n"
            "\r\n"
            "Authentication-Results: mx.example.test; body stays\r\n");
  EXPECT_FALSE(without_our_results("Subject: x\r\n\r\nbody\r\n", "mx.example.test").has_value());
}

}  // namespace
}  // namespace sealmail::server::mx
