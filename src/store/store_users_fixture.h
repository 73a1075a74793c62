// store_users_fixture.h — what the behavioural suites of users (store_users_test.cc) and of
// login state (store_login_test.cc) share: record builders and a fixture holding a fresh store
// of one backend from all_backends(). Test-only; functions are inline so both files link.
//
// Thread-safety: the fixture's race() runs its function on several threads, each with a Store;
// everything else is used from the test's main thread.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "store/store.h"
#include "store/store_test_backends.h"

namespace sealmail::store::testing {

inline constexpr int kRacers = 8;  // threads in race()

// Hashes and secrets are bytes, not text: every test value carries a NUL and a high byte.
inline std::string bytes(std::string_view tag) {
  return std::string("\x00\xfe", 2) + std::string(tag);
}

inline Credentials credentials(std::string_view tag) {
  Credentials c;
  c.srp = "srp-" + std::string(tag);
  c.srp_salt = bytes("salt-" + std::string(tag));
  c.srp_verifier = bytes("verifier-" + std::string(tag));
  c.kdf = R"({"alg":"argon2id","tag":")" + std::string(tag) + R"("})";
  return c;
}

inline AccountRecord account_record(std::string_view address) {
  AccountRecord a;
  a.address = address;
  a.plan = "pro";
  a.two_password_mode = true;
  a.credentials = credentials("first");
  a.recovery_credentials = credentials("first-recovery");
  a.account_key = R"({"account_key":"first"})";
  return a;
}

inline AddressRecord address_record(AccountId account, std::string_view address,
                                    std::string_view tag) {
  AddressRecord a;
  a.account = account;
  a.address = address;
  a.key_record = R"({"key_record":")" + std::string(tag) + R"("})";
  a.key_list = R"({"key_list":")" + std::string(tag) + R"("})";
  return a;
}

inline SessionRecord session_record(AccountId account, std::string_view id, int64_t now) {
  SessionRecord s;
  s.id = id;
  s.account = account;
  s.scope = "full";
  s.access_hash = bytes("access-" + std::string(id));
  s.refresh_hash = bytes("refresh-" + std::string(id));
  s.created_at_ms = now;
  s.access_expires_ms = now + 3'600'000;
  s.refresh_expires_ms = now + 30 * 86'400'000LL;
  s.last_used_ms = now;
  s.client = "sealmail-cli/0.1 from 192.0.2.7";
  return s;
}

// The token hashes a rotation or upgrade installs.
inline SessionRecord next_tokens(std::string_view tag, int64_t now) {
  SessionRecord next;
  next.scope = "full";
  next.access_hash = bytes("access-" + std::string(tag));
  next.refresh_hash = bytes("refresh-" + std::string(tag));
  next.access_expires_ms = now + 7'200'000;
  next.refresh_expires_ms = now + 60 * 86'400'000LL;
  return next;
}

inline SrpChallenge challenge(std::string_view id, int64_t expires_at_ms) {
  SrpChallenge c;
  c.id = id;
  c.address_key = "alice@example.org";
  c.purpose = "login";
  c.server_secret = bytes("b");
  c.server_public = bytes("B");
  c.expires_at_ms = expires_at_ms;
  return c;
}

inline Invite invite(std::string_view code_hash, std::string_view address, int64_t expires_at_ms) {
  Invite i;
  i.code_hash = code_hash;
  i.address = address;
  i.expires_at_ms = expires_at_ms;
  return i;
}

template <typename T>
Errc code_of(const Result<T>& result) {
  return result.ok() ? static_cast<Errc>(-1) : result.error().code;
}

class StoreUsersFixture : public ::testing::TestWithParam<testing::Backend> {
 protected:
  void SetUp() override {
    where_ = GetParam().fresh(dir_.path());
    store_ = open();
    ASSERT_NE(store_, nullptr);
  }

  std::unique_ptr<Store> open() {
    auto store = open_store(where_.url, where_.data_dir);
    EXPECT_TRUE(store.ok()) << store.error().describe();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  AccountId user(std::string_view address) {
    auto id = store_->create_user(account_record(address),
                                  address_record(AccountId{}, address, "primary"));
    EXPECT_TRUE(id.ok()) << id.error().describe();
    return id.value_or(AccountId{});
  }

  void add_address(AccountId account, std::string_view address) {
    Status added = store_->add_address(address_record(account, address, "extra"));
    EXPECT_TRUE(added.ok()) << added.error().describe();
  }

  void session(AccountId account, std::string_view id, int64_t now = 1'000'000) {
    Status created = store_->create_session(session_record(account, id, now));
    EXPECT_TRUE(created.ok()) << created.error().describe();
  }

  std::vector<std::string> session_ids(AccountId account) {
    std::vector<std::string> ids;
    auto sessions = store_->list_sessions(account);
    EXPECT_TRUE(sessions.ok()) << sessions.error().describe();
    if (sessions.ok()) {
      for (const SessionRecord& s : *sessions) ids.push_back(s.id);
    }
    return ids;
  }

  std::vector<std::string> addresses_of(AccountId account) {
    std::vector<std::string> out;
    auto addresses = store_->list_addresses(account);
    EXPECT_TRUE(addresses.ok()) << addresses.error().describe();
    if (addresses.ok()) {
      for (const AddressRecord& a : *addresses) out.push_back(a.address);
    }
    return out;
  }

  void enable_totp(AccountId account, int64_t step, const std::vector<std::string>& codes) {
    ASSERT_TRUE(store_->set_totp_pending(account, bytes("totp")).ok());
    Status enabled = store_->enable_totp(account, step, codes);
    ASSERT_TRUE(enabled.ok()) << enabled.error().describe();
  }

  // Runs fn(store, i) on kRacers threads, alternating between store_ and a second Store on the
  // same database, all released at once.
  template <typename Fn>
  void race(Fn fn) {
    std::unique_ptr<Store> second = open();
    ASSERT_NE(second, nullptr);
    std::atomic<bool> go{false};
    std::vector<std::thread> threads;
    for (int i = 0; i < kRacers; ++i) {
      Store* store = (i % 2 == 0) ? store_.get() : second.get();
      threads.emplace_back([&go, &fn, store, i] {
        while (!go.load()) std::this_thread::yield();
        fn(*store, i);
      });
    }
    go.store(true);
    for (auto& thread : threads) thread.join();
  }

  testing::TempDir dir_;
  testing::StoreLocation where_;
  std::unique_ptr<Store> store_;
};

}  // namespace sealmail::store::testing
