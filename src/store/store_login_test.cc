// The behavioural suite of the Store's login state — sessions, SRP challenges, the second
// factor, failure counters, invites and server secrets — run against every backend in
// all_backends(). Like store_test.cc it speaks only store.h. "Two Store objects on one
// database" stands in for two server processes.
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <set>
#include <string>
#include <vector>

#include "store/store.h"
#include "store/store_test_backends.h"
#include "store/store_users_fixture.h"

namespace sealmail::store {
namespace {

using namespace testing;  // the fixture's record builders

class StoreLoginTest : public StoreUsersFixture {};

// ---- sessions

TEST_P(StoreLoginTest, SessionIsFoundByAccessHashAndRecordsItsUse) {
  AccountId id = user("karl@example.org");
  SessionRecord created = session_record(id, "0123456789abcdef", 1'000'000);
  ASSERT_TRUE(store_->create_session(created).ok());
  auto found = store_->find_session_by_access(created.access_hash, 2'000'000);
  ASSERT_TRUE(found.ok()) << found.error().describe();
  EXPECT_EQ(found->id, created.id);
  EXPECT_EQ(found->account, id);
  EXPECT_EQ(found->scope, "full");
  EXPECT_EQ(found->access_hash, created.access_hash);
  EXPECT_EQ(found->refresh_hash, created.refresh_hash);
  EXPECT_EQ(found->created_at_ms, created.created_at_ms);
  EXPECT_EQ(found->access_expires_ms, created.access_expires_ms);
  EXPECT_EQ(found->refresh_expires_ms, created.refresh_expires_ms);
  EXPECT_EQ(found->last_used_ms, 2'000'000);
  EXPECT_EQ(found->client, created.client);
  // Within kLastUsedResolutionMs the use is not written again.
  auto soon = store_->find_session_by_access(created.access_hash,
                                             2'000'000 + kLastUsedResolutionMs - 1);
  ASSERT_TRUE(soon.ok());
  EXPECT_EQ(soon->last_used_ms, 2'000'000);
  // Expiry is the caller's business: an expired access token is still found.
  auto late = store_->find_session_by_access(created.access_hash, created.access_expires_ms + 1);
  ASSERT_TRUE(late.ok());
  EXPECT_EQ(store_->list_sessions(id).value_or({})[0].last_used_ms, created.access_expires_ms + 1);
  EXPECT_EQ(code_of(store_->find_session_by_access(created.refresh_hash, 1)), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->find_session_by_access("", 1)), Errc::kInvalidArgument);
}

TEST_P(StoreLoginTest, SessionCollisionsAndUnknownAccountsAreRefused) {
  AccountId id = user("lena@example.org");
  session(id, "s1");
  SessionRecord same_id = session_record(id, "s2", 1);
  same_id.id = "s1";
  EXPECT_EQ(store_->create_session(same_id).error().code, Errc::kAlreadyExists);
  SessionRecord same_access = session_record(id, "s3", 1);
  same_access.access_hash = bytes("access-s1");
  EXPECT_EQ(store_->create_session(same_access).error().code, Errc::kAlreadyExists);
  SessionRecord same_refresh = session_record(id, "s4", 1);
  same_refresh.refresh_hash = bytes("refresh-s1");
  EXPECT_EQ(store_->create_session(same_refresh).error().code, Errc::kAlreadyExists);
  EXPECT_EQ(store_->create_session(session_record(AccountId{id.value + 100}, "s5", 1)).error().code,
            Errc::kNotFound);
  SessionRecord long_client = session_record(id, "s6", 1);
  long_client.client = std::string(kMaxLabelBytes + 1, 'c');
  EXPECT_EQ(store_->create_session(long_client).error().code, Errc::kInvalidArgument);
  SessionRecord long_hash = session_record(id, "s7", 1);
  long_hash.access_hash = std::string(kMaxTokenBytes + 1, 'h');
  EXPECT_EQ(store_->create_session(long_hash).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(session_ids(id), std::vector<std::string>{"s1"});
}

TEST_P(StoreLoginTest, SessionsWithoutRefreshTokenDoNotCollideAndCannotRotate) {
  AccountId id = user("mia@example.org");
  for (std::string_view sid : {"n1", "n2"}) {
    SessionRecord s = session_record(id, sid, 1);
    s.scope = "2fa";
    s.refresh_hash = "";
    Status created = store_->create_session(s);
    ASSERT_TRUE(created.ok()) << created.error().describe();
  }
  auto found = store_->find_session_by_access(bytes("access-n1"), 5);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->refresh_hash, "");
  EXPECT_EQ(code_of(store_->rotate_session("", next_tokens("x", 1), 1)), Errc::kInvalidArgument);
}

TEST_P(StoreLoginTest, RefreshTokenWorksOnceAndKeepsTheSessionsIdentity) {
  AccountId id = user("nina@example.org");
  SessionRecord created = session_record(id, "r1", 1'000);
  ASSERT_TRUE(store_->create_session(created).ok());
  SessionRecord next = next_tokens("r1-2", 5'000);
  next.id = "ignored";
  next.scope = "recovery";
  next.created_at_ms = 42;

  auto rotated = store_->rotate_session(created.refresh_hash, next, 5'000);
  ASSERT_TRUE(rotated.ok()) << rotated.error().describe();
  EXPECT_EQ(rotated->id, "r1");
  EXPECT_EQ(rotated->account, id);
  EXPECT_EQ(rotated->scope, "full");
  EXPECT_EQ(rotated->created_at_ms, 1'000);
  EXPECT_EQ(rotated->access_hash, next.access_hash);
  EXPECT_EQ(rotated->refresh_hash, next.refresh_hash);
  EXPECT_EQ(rotated->access_expires_ms, next.access_expires_ms);
  EXPECT_EQ(rotated->refresh_expires_ms, next.refresh_expires_ms);

  EXPECT_EQ(
      code_of(store_->rotate_session(created.refresh_hash, next_tokens("r1-3", 6'000), 6'000)),
      Errc::kNotFound);
  EXPECT_EQ(code_of(store_->find_session_by_access(created.access_hash, 6'000)), Errc::kNotFound);
  EXPECT_TRUE(store_->find_session_by_access(next.access_hash, 6'000).ok());
  EXPECT_TRUE(store_->rotate_session(next.refresh_hash, next_tokens("r1-3", 6'000), 6'000).ok());
  EXPECT_EQ(session_ids(id), std::vector<std::string>{"r1"});
}

TEST_P(StoreLoginTest, ExpiredRefreshTokenIsRefused) {
  AccountId id = user("oscar@example.org");
  SessionRecord created = session_record(id, "x1", 1'000);
  created.refresh_expires_ms = 10'000;
  ASSERT_TRUE(store_->create_session(created).ok());
  EXPECT_EQ(code_of(store_->rotate_session(created.refresh_hash, next_tokens("x", 1), 10'000)),
            Errc::kNotFound);
  EXPECT_TRUE(store_->rotate_session(created.refresh_hash, next_tokens("x", 1), 9'999).ok());
}

TEST_P(StoreLoginTest, RefreshTokenRaceBetweenTwoStoresHasOneWinner) {
  AccountId id = user("peggy@example.org");
  SessionRecord created = session_record(id, "race", 1'000);
  ASSERT_TRUE(store_->create_session(created).ok());
  std::atomic<int> winners{0};
  std::atomic<int> not_found{0};
  race([&](Store& store, int i) {
    auto rotated =
        store.rotate_session(created.refresh_hash, next_tokens("race-" + std::to_string(i), 2), 2);
    if (rotated.ok()) {
      ++winners;
    } else if (rotated.error().code == Errc::kNotFound) {
      ++not_found;
    } else {
      ADD_FAILURE() << rotated.error().describe();
    }
  });
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(not_found.load(), kRacers - 1);
}

TEST_P(StoreLoginTest, UpgradeReplacesScopeAndTokensOfTheAccountsSession) {
  AccountId id = user("quinn@example.org");
  AccountId other = user("rita@example.org");
  SessionRecord created = session_record(id, "u1", 1'000);
  created.scope = "2fa";
  ASSERT_TRUE(store_->create_session(created).ok());
  SessionRecord next = next_tokens("u1-full", 2'000);
  EXPECT_EQ(store_->upgrade_session(other, "u1", next).error().code, Errc::kNotFound);
  EXPECT_EQ(store_->upgrade_session(id, "nope", next).error().code, Errc::kNotFound);

  ASSERT_TRUE(store_->upgrade_session(id, "u1", next).ok());
  EXPECT_EQ(code_of(store_->find_session_by_access(created.access_hash, 3)), Errc::kNotFound);
  auto found = store_->find_session_by_access(next.access_hash, 3);
  ASSERT_TRUE(found.ok());
  EXPECT_EQ(found->id, "u1");
  EXPECT_EQ(found->scope, "full");
  EXPECT_EQ(found->refresh_hash, next.refresh_hash);
  EXPECT_EQ(found->access_expires_ms, next.access_expires_ms);
  EXPECT_EQ(found->created_at_ms, 1'000);
}

TEST_P(StoreLoginTest, SessionsAreListedNewestFirstAndRevokedOnlyByTheirAccount) {
  AccountId id = user("sam@example.org");
  AccountId other = user("tara@example.org");
  session(id, "old", 1'000);
  session(id, "new", 3'000);
  session(id, "mid", 2'000);
  EXPECT_EQ(session_ids(id), (std::vector<std::string>{"new", "mid", "old"}));
  EXPECT_TRUE(session_ids(other).empty());
  EXPECT_EQ(code_of(store_->list_sessions(AccountId{id.value + 100})), Errc::kNotFound);

  EXPECT_EQ(store_->revoke_session(other, "mid").error().code, Errc::kNotFound);
  ASSERT_TRUE(store_->revoke_session(id, "mid").ok());
  EXPECT_EQ(store_->revoke_session(id, "mid").error().code, Errc::kNotFound);
  EXPECT_EQ(session_ids(id), (std::vector<std::string>{"new", "old"}));
}

// ---- SRP challenges

TEST_P(StoreLoginTest, ChallengeIsAnsweredOnce) {
  SrpChallenge put = challenge("0123456789abcdef0123456789abcdef", 10'000);
  ASSERT_TRUE(store_->put_challenge(put).ok());
  EXPECT_EQ(store_->put_challenge(put).error().code, Errc::kAlreadyExists);
  auto taken = store_->take_challenge(put.id, 5'000);
  ASSERT_TRUE(taken.ok()) << taken.error().describe();
  EXPECT_EQ(taken->id, put.id);
  EXPECT_EQ(taken->address_key, put.address_key);
  EXPECT_EQ(taken->purpose, put.purpose);
  EXPECT_EQ(taken->server_secret, put.server_secret);
  EXPECT_EQ(taken->server_public, put.server_public);
  EXPECT_EQ(taken->expires_at_ms, put.expires_at_ms);
  EXPECT_EQ(code_of(store_->take_challenge(put.id, 5'000)), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->take_challenge("unknown", 5'000)), Errc::kNotFound);
}

TEST_P(StoreLoginTest, ExpiredChallengesAreNotFoundAndSwept) {
  ASSERT_TRUE(store_->put_challenge(challenge("expires-at-100", 100)).ok());
  EXPECT_EQ(code_of(store_->take_challenge("expires-at-100", 100)), Errc::kNotFound);
  // Taking any challenge sweeps the expired ones: c2 is gone even for a caller whose clock is
  // behind.
  ASSERT_TRUE(store_->put_challenge(challenge("c2", 200)).ok());
  ASSERT_TRUE(store_->put_challenge(challenge("c3", 1'000)).ok());
  EXPECT_EQ(code_of(store_->take_challenge("unknown", 500)), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->take_challenge("c2", 50)), Errc::kNotFound);
  EXPECT_TRUE(store_->take_challenge("c3", 50).ok());
}

TEST_P(StoreLoginTest, ChallengeRaceBetweenTwoStoresHasOneWinner) {
  ASSERT_TRUE(store_->put_challenge(challenge("raced", 10'000)).ok());
  std::atomic<int> winners{0};
  race([&](Store& store, int) {
    auto taken = store.take_challenge("raced", 1);
    if (taken.ok()) {
      ++winners;
    } else if (taken.error().code != Errc::kNotFound) {
      ADD_FAILURE() << taken.error().describe();
    }
  });
  EXPECT_EQ(winners.load(), 1);
}

// ---- second factor

TEST_P(StoreLoginTest, TotpIsEnabledFromThePendingSecret) {
  AccountId id = user("uma@example.org");
  auto off = store_->get_totp(id);
  ASSERT_TRUE(off.ok());
  EXPECT_EQ(off->secret, "");
  EXPECT_EQ(off->pending_secret, "");
  EXPECT_EQ(off->last_step, 0);
  EXPECT_EQ(store_->enable_totp(id, 10, {}).error().code, Errc::kInvalidArgument);

  ASSERT_TRUE(store_->set_totp_pending(id, bytes("secret")).ok());
  auto pending = store_->get_totp(id);
  ASSERT_TRUE(pending.ok());
  EXPECT_EQ(pending->secret, "");
  EXPECT_EQ(pending->pending_secret, bytes("secret"));

  ASSERT_TRUE(store_->enable_totp(id, 100, {bytes("c1"), bytes("c2"), bytes("c3")}).ok());
  auto on = store_->get_totp(id);
  ASSERT_TRUE(on.ok());
  EXPECT_EQ(on->secret, bytes("secret"));
  EXPECT_EQ(on->pending_secret, "");
  EXPECT_EQ(on->last_step, 100);
  EXPECT_EQ(store_->recovery_codes_left(id).value_or(-1), 3);
  EXPECT_EQ(store_->enable_totp(id, 200, {}).error().code, Errc::kInvalidArgument);

  // The step used to enable is spent; later steps work once; earlier ones never.
  EXPECT_FALSE(store_->use_totp_step(id, 100).value_or(true));
  EXPECT_TRUE(store_->use_totp_step(id, 102).value_or(false));
  EXPECT_FALSE(store_->use_totp_step(id, 102).value_or(true));
  EXPECT_FALSE(store_->use_totp_step(id, 101).value_or(true));
  EXPECT_EQ(store_->get_totp(id).value_or({}).last_step, 102);
}

TEST_P(StoreLoginTest, EnableTotpRefusesBadRecoveryCodes) {
  AccountId id = user("vic@example.org");
  ASSERT_TRUE(store_->set_totp_pending(id, bytes("secret")).ok());
  EXPECT_EQ(store_->enable_totp(id, 1, {bytes("a"), bytes("a")}).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(store_->enable_totp(id, 1, {""}).error().code, Errc::kInvalidArgument);
  std::vector<std::string> too_many;
  for (size_t i = 0; i <= kMaxRecoveryCodes; ++i) too_many.push_back(bytes(std::to_string(i)));
  EXPECT_EQ(store_->enable_totp(id, 1, too_many).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(store_->get_totp(id).value_or({}).secret, "");  // still pending
  too_many.pop_back();
  ASSERT_TRUE(store_->enable_totp(id, 1, too_many).ok());
  EXPECT_EQ(store_->recovery_codes_left(id).value_or(-1), static_cast<int64_t>(kMaxRecoveryCodes));
  EXPECT_EQ(store_->set_totp_pending(id, "").error().code, Errc::kInvalidArgument);
}

TEST_P(StoreLoginTest, TotpStepRaceBetweenTwoStoresHasOneWinner) {
  AccountId id = user("walt@example.org");
  enable_totp(id, 1'000, {});
  for (int64_t step : {1'001, 1'002, 1'003}) {
    std::atomic<int> winners{0};
    race([&](Store& store, int) {
      auto used = store.use_totp_step(id, step);
      if (!used.ok()) {
        ADD_FAILURE() << used.error().describe();
      } else if (*used) {
        ++winners;
      }
    });
    EXPECT_EQ(winners.load(), 1) << "step " << step;
  }
}

TEST_P(StoreLoginTest, RecoveryCodeWorksOnce) {
  AccountId id = user("xena@example.org");
  AccountId other = user("yves@example.org");
  enable_totp(id, 1, {bytes("c1"), bytes("c2")});
  enable_totp(other, 1, {bytes("c1")});
  EXPECT_TRUE(store_->use_recovery_code(id, bytes("c1")).value_or(false));
  EXPECT_FALSE(store_->use_recovery_code(id, bytes("c1")).value_or(true));
  EXPECT_FALSE(store_->use_recovery_code(id, bytes("unknown")).value_or(true));
  EXPECT_EQ(store_->recovery_codes_left(id).value_or(-1), 1);
  EXPECT_EQ(store_->recovery_codes_left(other).value_or(-1), 1);  // its own c1 is untouched

  // Enabling again replaces the codes.
  enable_totp(id, 2, {bytes("d1"), bytes("d2"), bytes("d3")});
  EXPECT_FALSE(store_->use_recovery_code(id, bytes("c2")).value_or(true));
  EXPECT_EQ(store_->recovery_codes_left(id).value_or(-1), 3);

  std::atomic<int> winners{0};
  race([&](Store& store, int) {
    auto used = store.use_recovery_code(id, bytes("d2"));
    if (!used.ok()) {
      ADD_FAILURE() << used.error().describe();
    } else if (*used) {
      ++winners;
    }
  });
  EXPECT_EQ(winners.load(), 1);
  EXPECT_EQ(store_->recovery_codes_left(id).value_or(-1), 2);
}

TEST_P(StoreLoginTest, DisableTotpClearsSecretsAndCodes) {
  AccountId id = user("zoe@example.org");
  enable_totp(id, 7, {bytes("c1")});
  ASSERT_TRUE(store_->set_totp_pending(id, bytes("next")).ok());
  ASSERT_TRUE(store_->disable_totp(id).ok());
  auto state = store_->get_totp(id);
  ASSERT_TRUE(state.ok());
  EXPECT_EQ(state->secret, "");
  EXPECT_EQ(state->pending_secret, "");
  EXPECT_EQ(store_->recovery_codes_left(id).value_or(-1), 0);
  // last_step never goes down: re-enabling at an older step keeps the newer one.
  enable_totp(id, 3, {});
  EXPECT_EQ(store_->get_totp(id).value_or({}).last_step, 7);
}

TEST_P(StoreLoginTest, SecondFactorCallsRefuseUnknownAccounts) {
  AccountId real = user("real@example.org");
  AccountId ghost{real.value + 100};
  EXPECT_EQ(code_of(store_->get_totp(ghost)), Errc::kNotFound);
  EXPECT_EQ(store_->set_totp_pending(ghost, "s").error().code, Errc::kNotFound);
  EXPECT_EQ(store_->enable_totp(ghost, 1, {}).error().code, Errc::kNotFound);
  EXPECT_EQ(store_->disable_totp(ghost).error().code, Errc::kNotFound);
  EXPECT_EQ(code_of(store_->use_totp_step(ghost, 1)), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->use_recovery_code(ghost, "c")), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->recovery_codes_left(ghost)), Errc::kNotFound);
}

// ---- abuse limits

TEST_P(StoreLoginTest, PruneDeletesOnlyWhatCanNoLongerBeUsed) {
  AccountId id = user("prune@example.org");
  constexpr int64_t kNow = 10'000'000'000;
  SessionRecord live = session_record(id, "live000000000000", kNow);
  SessionRecord access_only = session_record(id, "refreshable00000", kNow - 4'000'000);
  SessionRecord dead = session_record(id, "dead000000000000", kNow - 40 * 86'400'000LL);
  for (const auto& s : {live, access_only, dead}) ASSERT_TRUE(store_->create_session(s).ok());
  ASSERT_TRUE(store_->put_challenge(challenge("old-challenge", kNow - 1)).ok());
  ASSERT_TRUE(store_->put_challenge(challenge("new-challenge", kNow + 60'000)).ok());
  ASSERT_TRUE(store_->create_invite(invite(bytes("old-invite"), "", kNow)).ok());
  ASSERT_TRUE(store_->create_invite(invite(bytes("new-invite"), "", kNow + 1)).ok());
  ASSERT_TRUE(store_->record_failure("ip:192.0.2.9", kNow - 5'000, 60'000).ok());
  ASSERT_TRUE(store_->record_failure("ip:192.0.2.10", kNow - 70'000, 60'000).ok());

  auto pruned = store_->prune(kNow, 60'000);
  ASSERT_TRUE(pruned.ok()) << pruned.error().describe();
  EXPECT_EQ(pruned->challenges, 1);
  EXPECT_EQ(pruned->sessions, 1);
  EXPECT_EQ(pruned->failures, 1);
  EXPECT_EQ(pruned->invites, 1);
  EXPECT_EQ(session_ids(id), (std::vector<std::string>{"live000000000000", "refreshable00000"}));
  EXPECT_TRUE(store_->take_challenge("new-challenge", kNow).ok());
  EXPECT_TRUE(store_->take_invite(bytes("new-invite"), "x@example.org", kNow).ok());
  EXPECT_EQ(store_->failures("ip:192.0.2.9", kNow, 60'000).value_or({}).count, 1);
  // Nothing left to prune: a second pass deletes nothing.
  auto again = store_->prune(kNow, 60'000);
  ASSERT_TRUE(again.ok());
  EXPECT_EQ(again->sessions + again->challenges + again->failures + again->invites, 0);
  EXPECT_EQ(code_of(store_->prune(kNow, -1)), Errc::kInvalidArgument);
}

TEST_P(StoreLoginTest, FailuresCountWithinTheWindowAndRestartAfterIt) {
  constexpr int64_t kWindow = 100;
  auto record = [&](Store& store, std::string_view key, int64_t now) {
    auto count = store.record_failure(key, now, kWindow);
    EXPECT_TRUE(count.ok()) << count.error().describe();
    return count.value_or({});
  };
  EXPECT_EQ(store_->failures("ip:192.0.2.1", 0, kWindow).value_or(FailureCount{-1, -1}).count, 0);
  EXPECT_EQ(record(*store_, "ip:192.0.2.1", 1'000).count, 1);
  std::unique_ptr<Store> second = open();  // counts are shared by every server
  ASSERT_NE(second, nullptr);
  FailureCount two = record(*second, "ip:192.0.2.1", 1'050);
  EXPECT_EQ(two.count, 2);
  EXPECT_EQ(two.last_failure_ms, 1'050);
  EXPECT_EQ(record(*store_, "account:7", 1'060).count, 1);  // keys are independent

  EXPECT_EQ(store_->failures("ip:192.0.2.1", 1'150, kWindow).value_or({}).count, 2);
  EXPECT_EQ(store_->failures("ip:192.0.2.1", 1'150, kWindow).value_or({}).last_failure_ms, 1'050);
  FailureCount stale =
      store_->failures("ip:192.0.2.1", 1'151, kWindow).value_or(FailureCount{-1, -1});
  EXPECT_EQ(stale.count, 0);
  FailureCount restarted = record(*store_, "ip:192.0.2.1", 1'151);
  EXPECT_EQ(restarted.count, 1);
  EXPECT_EQ(restarted.last_failure_ms, 1'151);

  ASSERT_TRUE(store_->clear_failures("ip:192.0.2.1").ok());
  EXPECT_EQ(store_->failures("ip:192.0.2.1", 1'152, kWindow).value_or(FailureCount{-1, -1}).count,
            0);
  EXPECT_EQ(store_->failures("account:7", 1'152, kWindow).value_or({}).count, 1);
  EXPECT_EQ(code_of(store_->record_failure("", 1, kWindow)), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->record_failure(std::string(kMaxLabelBytes + 1, 'k'), 1, kWindow)),
            Errc::kInvalidArgument);
}

TEST_P(StoreLoginTest, ConcurrentFailuresAreAllCounted) {
  race([&](Store& store, int) {
    for (int i = 0; i < 5; ++i) {
      auto count = store.record_failure("ip:198.51.100.9", 1'000, 60'000);
      if (!count.ok()) ADD_FAILURE() << count.error().describe();
    }
  });
  EXPECT_EQ(store_->failures("ip:198.51.100.9", 1'000, 60'000).value_or({}).count, kRacers * 5);
}

// ---- invites

TEST_P(StoreLoginTest, UnboundInviteWorksOnceForAnyAddress) {
  ASSERT_TRUE(store_->create_invite(invite(bytes("open"), "", 10'000)).ok());
  EXPECT_EQ(store_->create_invite(invite(bytes("open"), "", 10'000)).error().code,
            Errc::kAlreadyExists);
  EXPECT_TRUE(store_->take_invite(bytes("open"), "anyone@example.org", 5'000).ok());
  EXPECT_EQ(store_->take_invite(bytes("open"), "anyone@example.org", 5'000).error().code,
            Errc::kNotFound);
}

TEST_P(StoreLoginTest, BoundInviteWorksOnlyForItsAddress) {
  ASSERT_TRUE(store_->create_invite(invite(bytes("bound"), "Amy@Example.org", 10'000)).ok());
  EXPECT_EQ(store_->take_invite(bytes("bound"), "bob@example.org", 5'000).error().code,
            Errc::kNotFound);
  EXPECT_EQ(store_->take_invite(bytes("bound"), "not an address", 5'000).error().code,
            Errc::kNotFound);
  EXPECT_TRUE(store_->take_invite(bytes("bound"), "AMY@example.ORG", 5'000).ok());
  EXPECT_EQ(store_->take_invite(bytes("bound"), "amy@example.org", 5'000).error().code,
            Errc::kNotFound);
}

TEST_P(StoreLoginTest, ExpiredOrUnknownInvitesAreNotFound) {
  ASSERT_TRUE(store_->create_invite(invite(bytes("late"), "", 10'000)).ok());
  EXPECT_EQ(store_->take_invite(bytes("late"), "x@example.org", 10'000).error().code,
            Errc::kNotFound);
  EXPECT_EQ(store_->take_invite(bytes("unknown"), "x@example.org", 1).error().code,
            Errc::kNotFound);
  EXPECT_EQ(store_->take_invite("", "x@example.org", 1).error().code, Errc::kNotFound);
  EXPECT_TRUE(store_->take_invite(bytes("late"), "x@example.org", 9'999).ok());
  EXPECT_EQ(store_->create_invite(invite("", "", 1)).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(store_->create_invite(invite(bytes("bad"), "no-at", 1)).error().code,
            Errc::kInvalidArgument);
}

TEST_P(StoreLoginTest, InviteRaceBetweenTwoStoresHasOneWinner) {
  ASSERT_TRUE(store_->create_invite(invite(bytes("raced"), "", 10'000)).ok());
  std::atomic<int> winners{0};
  race([&](Store& store, int i) {
    Status taken = store.take_invite(bytes("raced"), "u" + std::to_string(i) + "@example.org", 1);
    if (taken.ok()) {
      ++winners;
    } else if (taken.error().code != Errc::kNotFound) {
      ADD_FAILURE() << taken.error().describe();
    }
  });
  EXPECT_EQ(winners.load(), 1);
}

// ---- server secrets

TEST_P(StoreLoginTest, ServerSecretKeepsTheFirstValue) {
  EXPECT_EQ(store_->server_secret("token-key", bytes("first")).value_or(""), bytes("first"));
  EXPECT_EQ(store_->server_secret("token-key", bytes("second")).value_or(""), bytes("first"));
  EXPECT_EQ(store_->server_secret("other-key", bytes("second")).value_or(""), bytes("second"));
  EXPECT_EQ(code_of(store_->server_secret("", "x")), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->server_secret("k", "")), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->server_secret("k", std::string(kMaxSecretBytes + 1, 's'))),
            Errc::kInvalidArgument);
}

TEST_P(StoreLoginTest, ServerSecretRaceGivesEveryoneOneValue) {
  std::vector<std::string> got(kRacers);
  race([&](Store& store, int i) {
    auto secret = store.server_secret("raced-key", bytes("candidate-" + std::to_string(i)));
    if (secret.ok()) {
      got[i] = *secret;
    } else {
      ADD_FAILURE() << secret.error().describe();
    }
  });
  std::set<std::string> distinct(got.begin(), got.end());
  ASSERT_EQ(distinct.size(), 1u);
  EXPECT_EQ(got[0].substr(0, 12), bytes("candidate-"));
  EXPECT_EQ(store_->server_secret("raced-key", "late").value_or(""), got[0]);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreLoginTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sealmail::store
