// The account and login API through its router: signup, login with SRP, tokens, sessions,
// the second factor, password change, recovery, reset, addresses and keys.
#include <gtest/gtest.h>

#include "auth/token.h"
#include "auth/totp.h"
#include "base/base64.h"
#include "pgp/key_list.h"
#include "server/api/testing/api_harness.h"

namespace sealmail::server::api::testing {
namespace {

class AccountsApi : public ApiTest {};

TEST_F(AccountsApi, SignupThenLoginThenReadTheAccount) {
  TestUser alice = TestUser::make("Alice@example.test");
  Reply created = signup(alice);
  ASSERT_EQ(created.status, 201) << created.raw;
  EXPECT_EQ(created.body["address"], "Alice@example.test");

  Tokens tokens = login_ok(alice);
  EXPECT_EQ(tokens.access.size(), 43u);
  EXPECT_EQ(tokens.session_id.size(), 16u);
  Reply account = server_->call("GET", "/api/v1/account", nullptr, tokens.access);
  ASSERT_EQ(account.status, 200) << account.raw;
  EXPECT_EQ(account.body["address"], "Alice@example.test");
  EXPECT_EQ(account.body["plan"], "default");
  EXPECT_EQ(account.body["two_factor"], false);
  EXPECT_EQ(account.body["addresses"].size(), 1u);
  EXPECT_EQ(account.body["quota"]["addresses"]["limit"], 5);
  EXPECT_TRUE(account.body["account_key"].contains("public_key"));
  // The server stored no secret: only verifiers, salts and locked keys.
  EXPECT_EQ(account.raw.find(alice.secret), std::string::npos);
}

TEST_F(AccountsApi, SignupChecksTheAddressTheDomainAndTheKeys) {
  TestUser bob = TestUser::make("bob@example.test");
  ASSERT_EQ(signup(bob).status, 201);
  EXPECT_EQ(signup(bob).error_code(), "address_taken");

  TestUser other = TestUser::make("carol@elsewhere.test");
  EXPECT_EQ(signup(other).status, 422);

  TestUser carol = TestUser::make("carol@example.test");
  Json body = carol.signup_body();
  body["address_key"] = bob.address_key_json(*bob.key, "bob@example.test");  // not carol's key
  Reply wrong_key = server_->call("POST", "/api/v1/accounts", body);
  EXPECT_EQ(wrong_key.status, 400);
  EXPECT_NE(wrong_key.body["error"]["message"].get<std::string>().find("address_key"),
            std::string::npos);

  body = carol.signup_body();
  body["key_list"] = bob.key_list_json(*bob.key, "carol@example.test");  // signed by another key
  EXPECT_EQ(server_->call("POST", "/api/v1/accounts", body).status, 400);

  body = carol.signup_body();
  body["auth"]["srp"] = "rfc5054-1024-sha1";  // test-vector group: refused in production
  EXPECT_EQ(server_->call("POST", "/api/v1/accounts", body).status, 400);
  body = carol.signup_body();
  body["auth"]["kdf"] = "m=1024,t=1,p=1";  // below the policy floor
  EXPECT_EQ(server_->call("POST", "/api/v1/accounts", body).status, 400);
  body = carol.signup_body();
  body["auth"]["verifier"] = base64_encode(std::string(384, '\0'));
  EXPECT_EQ(server_->call("POST", "/api/v1/accounts", body).status, 400);

  EXPECT_EQ(server_->call("POST", "/api/v1/accounts", "not an object").status, 400);
  EXPECT_EQ(signup(carol).status, 201);
}

TEST_F(AccountsApi, InviteAndAdminOnlySignup) {
  config_.accounts.signup = "invite";
  server_ = another_server();
  TestUser dave = TestUser::make("dave@example.test");
  EXPECT_EQ(signup(dave).error_code(), "invite_required");
  Json body = dave.signup_body();
  body["invite"] = "made-up";
  EXPECT_EQ(server_->call("POST", "/api/v1/accounts", body).error_code(), "invite_invalid");
  ASSERT_TRUE(server_->store()
                  .create_invite({auth::token_hash("good-code"), "", *clock_ + 60'000})
                  .ok());
  body["invite"] = "good-code";
  EXPECT_EQ(server_->call("POST", "/api/v1/accounts", body).status, 201);
  TestUser erin = TestUser::make("erin@example.test");
  body = erin.signup_body();
  body["invite"] = "good-code";  // used up
  EXPECT_EQ(server_->call("POST", "/api/v1/accounts", body).error_code(), "invite_invalid");

  config_.accounts.signup = "admin-only";
  server_ = another_server();
  ASSERT_TRUE(server_->store()
                  .create_invite({auth::token_hash("for-frank"), "frank@example.test",
                                  *clock_ + 60'000})
                  .ok());
  body["invite"] = "for-frank";  // bound to another address
  EXPECT_EQ(server_->call("POST", "/api/v1/accounts", body).error_code(), "invite_invalid");
  TestUser frank = TestUser::make("frank@example.test");
  body = frank.signup_body();
  body["invite"] = "for-frank";
  EXPECT_EQ(server_->call("POST", "/api/v1/accounts", body).status, 201);
}

TEST_F(AccountsApi, WrongPasswordGetsNoServerProof) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  Reply reply = login(alice, "wrong password");
  EXPECT_EQ(reply.status, 401);
  EXPECT_EQ(reply.error_code(), "login_failed");
  EXPECT_FALSE(reply.body.contains("M2"));
  EXPECT_FALSE(reply.body.contains("access_token"));
}

TEST_F(AccountsApi, AChallengeAnswersOneProofOnlyAndExpires) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  Json body = proof(alice, alice.secret);
  EXPECT_EQ(server_->call("POST", "/api/v1/auth/login", body).status, 200);
  EXPECT_EQ(server_->call("POST", "/api/v1/auth/login", body).error_code(), "login_failed");
  body = proof(alice, alice.secret);
  *clock_ += 61'000;
  EXPECT_EQ(server_->call("POST", "/api/v1/auth/login", body).error_code(), "login_failed");
}

TEST_F(AccountsApi, TokensRefreshOnceAndLogoutEndsTheSession) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  Tokens first = login_ok(alice);
  Reply refreshed =
      server_->call("POST", "/api/v1/auth/refresh", {{"refresh_token", first.refresh}});
  ASSERT_EQ(refreshed.status, 200) << refreshed.raw;
  Tokens second = tokens_of(refreshed);
  EXPECT_EQ(second.session_id, first.session_id);
  EXPECT_NE(second.access, first.access);
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, first.access).status, 401);
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, second.access).status, 200);
  EXPECT_EQ(server_->call("POST", "/api/v1/auth/refresh", {{"refresh_token", first.refresh}})
                .status,
            401);

  // Access tokens expire; refresh tokens outlive them.
  *clock_ += 3'600'000;
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, second.access).status, 401);
  Reply again = server_->call("POST", "/api/v1/auth/refresh", {{"refresh_token", second.refresh}});
  ASSERT_EQ(again.status, 200);
  Tokens third = tokens_of(again);

  EXPECT_EQ(server_->call("POST", "/api/v1/auth/logout", nullptr, third.access).status, 204);
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, third.access).status, 401);
  EXPECT_EQ(server_->call("POST", "/api/v1/auth/refresh", {{"refresh_token", third.refresh}})
                .status,
            401);
}

TEST_F(AccountsApi, EachLoginGetsNewTokensAndSessionsCanBeRevoked) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  Tokens laptop = login_ok(alice);
  Tokens phone = login_ok(alice);
  EXPECT_NE(laptop.access, phone.access);
  EXPECT_NE(laptop.session_id, phone.session_id);
  Reply list = server_->call("GET", "/api/v1/sessions", nullptr, laptop.access);
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.body["sessions"].size(), 2u);
  int current = 0;
  for (const Json& s : list.body["sessions"]) current += s["current"].get<bool>() ? 1 : 0;
  EXPECT_EQ(current, 1);
  EXPECT_EQ(server_->call("DELETE", "/api/v1/sessions/" + phone.session_id, nullptr,
                          laptop.access)
                .status,
            204);
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, phone.access).status, 401);
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, laptop.access).status, 200);
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, "Bearer-less nonsense").status, 401);
  EXPECT_EQ(server_->call("GET", "/api/v1/account").status, 401);
}

TEST_F(AccountsApi, TotpGuardsLoginAndEachCodeWorksOnceAcrossServers) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  Tokens tokens = login_ok(alice);
  Reply begun = server_->call("POST", "/api/v1/2fa/totp", nullptr, tokens.access);
  ASSERT_EQ(begun.status, 200) << begun.raw;
  std::string secret = auth::base32_decode(begun.body["secret"].get<std::string>()).value_or("");
  ASSERT_EQ(secret.size(), 20u);
  EXPECT_TRUE(begun.body["uri"].get<std::string>().starts_with("otpauth://totp/"));
  auto code_at = [&](int64_t ms) { return auth::hotp(secret, auth::totp_step(ms / 1000)); };

  EXPECT_EQ(server_->call("POST", "/api/v1/2fa/totp/confirm", {{"code", "000000"}}, tokens.access)
                .status,
            401);
  Reply confirmed = server_->call("POST", "/api/v1/2fa/totp/confirm",
                                  {{"code", code_at(*clock_)}}, tokens.access);
  ASSERT_EQ(confirmed.status, 200) << confirmed.raw;
  std::vector<std::string> recovery = confirmed.body["recovery_codes"];
  EXPECT_EQ(recovery.size(), 10u);

  // The password alone now gives a "2fa" session that can do nothing else.
  *clock_ += 30'000;
  Reply half = login(alice, alice.secret);
  ASSERT_EQ(half.status, 200);
  EXPECT_EQ(half.body["scope"], "2fa");
  EXPECT_EQ(half.body["second_factor_required"], true);
  Tokens pending = tokens_of(half);
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, pending.access).status, 401);

  // Two servers on one store get the same fresh code at once: exactly one accepts it.
  auto other = another_server();
  Reply other_half = login(alice, alice.secret, "127.0.0.1", "login", other.get());
  Tokens other_pending = tokens_of(other_half);
  std::string code = code_at(*clock_);
  Reply a = server_->call("POST", "/api/v1/auth/2fa", {{"code", code}}, pending.access);
  Reply b = other->call("POST", "/api/v1/auth/2fa", {{"code", code}}, other_pending.access);
  EXPECT_EQ((a.status == 200) + (b.status == 200), 1) << a.raw << " / " << b.raw;
  const Reply& winner = a.status == 200 ? a : b;
  const Tokens& loser = a.status == 200 ? other_pending : pending;
  ApiServer& loser_server = a.status == 200 ? *other : *server_;
  Tokens full = tokens_of(winner);
  EXPECT_EQ(full.scope, "full");
  EXPECT_NE(full.access, (a.status == 200 ? pending : other_pending).access);  // no fixation
  EXPECT_EQ(server_->call("POST", "/api/v1/auth/2fa", {{"code", code}},
                          (a.status == 200 ? pending : other_pending).access)
                .status,
            401);  // the password-only token died with the upgrade
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, full.access).status, 200);

  // A recovery code works once.
  Reply with_recovery =
      loser_server.call("POST", "/api/v1/auth/2fa", {{"code", recovery[0]}}, loser.access);
  EXPECT_EQ(with_recovery.status, 200) << with_recovery.raw;
  Reply third = login(alice, alice.secret);
  EXPECT_EQ(server_->call("POST", "/api/v1/auth/2fa", {{"code", recovery[0]}},
                          tokens_of(third).access)
                .status,
            401);
  Reply account = server_->call("GET", "/api/v1/account", nullptr, full.access);
  EXPECT_EQ(account.body["recovery_codes_left"], 9);

  // Turning TOTP off needs a code too.
  *clock_ += 30'000;
  EXPECT_EQ(server_->call("DELETE", "/api/v1/2fa/totp", {{"code", "123"}}, full.access).status,
            401);
  EXPECT_EQ(server_->call("DELETE", "/api/v1/2fa/totp", {{"code", code_at(*clock_)}}, full.access)
                .status,
            204);
  EXPECT_EQ(login(alice, alice.secret).body["scope"], "full");
}

TEST_F(AccountsApi, PasswordChangeNeedsTheOldPasswordAndEndsOtherSessions) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  Tokens here = login_ok(alice);
  Tokens elsewhere = login_ok(alice);
  Json body = proof(alice, "not the password");
  body["auth"] = alice.auth_json("new secret", "new-salt-16bytes");
  body["account_key"] = alice.signup_body()["account_key"];
  EXPECT_EQ(server_->call("PUT", "/api/v1/account/password", body, here.access).error_code(),
            "login_failed");

  Json good = proof(alice, alice.secret);
  good["auth"] = body["auth"];
  good["account_key"] = body["account_key"];
  Reply changed = server_->call("PUT", "/api/v1/account/password", good, here.access);
  ASSERT_EQ(changed.status, 200) << changed.raw;
  EXPECT_TRUE(changed.body.contains("M2"));
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, here.access).status, 200);
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, elsewhere.access).status, 401);
  EXPECT_EQ(login(alice, alice.secret).status, 401);
  EXPECT_EQ(login(alice, "new secret").status, 200);
}

TEST_F(AccountsApi, RecoveryPhraseLogsInToSetANewPassword) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  EXPECT_EQ(login(alice, alice.secret, "127.0.0.1", "recovery").status, 401);
  Reply recovered = login(alice, alice.recovery_secret, "127.0.0.1", "recovery");
  ASSERT_EQ(recovered.status, 200) << recovered.raw;
  Tokens recovery = tokens_of(recovered);
  EXPECT_EQ(recovery.scope, "recovery");
  EXPECT_EQ(server_->call("GET", "/api/v1/sessions", nullptr, recovery.access).status, 401);
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, recovery.access).status, 200);
  Json body{{"auth", alice.auth_json("after recovery", "salt-after-recov")},
            {"account_key", alice.signup_body()["account_key"]}};
  EXPECT_EQ(server_->call("PUT", "/api/v1/account/password", body, recovery.access).status, 200);
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, recovery.access).status, 401);
  EXPECT_EQ(login(alice, "after recovery").status, 200);

  // A new phrase replaces the old one.
  Tokens full = login_ok(alice, "after recovery");
  Json phrase{{"recovery_auth", alice.auth_json("new phrase", "salt-new-phrase!")},
              {"account_key", alice.signup_body()["account_key"]}};
  EXPECT_EQ(server_->call("PUT", "/api/v1/account/recovery", phrase, full.access).status, 204);
  EXPECT_EQ(login(alice, alice.recovery_secret, "127.0.0.1", "recovery").status, 401);
  EXPECT_EQ(login(alice, "new phrase", "127.0.0.1", "recovery").status, 200);
}

TEST_F(AccountsApi, ResetKeepsTheAddressAndNeedsTheAdministratorsCode) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  Tokens old = login_ok(alice);
  TestUser fresh = TestUser::make("alice@example.test", "fresh start");
  Json body = fresh.signup_body();
  body.erase("address");
  body["address"] = "alice@example.test";
  body["reset_code"] = "guess";
  body["confirm"] = "delete all data of alice@example.test";
  EXPECT_EQ(server_->call("POST", "/api/v1/account/reset", body).error_code(),
            "reset_code_invalid");
  ASSERT_TRUE(server_->store()
                  .create_invite({auth::token_hash("reset:the-code"), "alice@example.test",
                                  *clock_ + 60'000})
                  .ok());
  body["reset_code"] = "the-code";
  body["confirm"] = "yes";
  EXPECT_EQ(server_->call("POST", "/api/v1/account/reset", body).status, 400);
  body["confirm"] = "delete all data of alice@example.test";
  Reply reset = server_->call("POST", "/api/v1/account/reset", body);
  ASSERT_EQ(reset.status, 200) << reset.raw;
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, old.access).status, 401);
  EXPECT_EQ(login(alice, alice.secret).status, 401);
  EXPECT_EQ(login(alice, "fresh start").status, 200);
}

TEST_F(AccountsApi, DisabledAccountsCannotLogIn) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  Tokens tokens = login_ok(alice);
  auto id = server_->store().find_account(alice.address);
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE(server_->store().set_disabled(*id, true).ok());
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, tokens.access).status, 401);
  EXPECT_EQ(login(alice, alice.secret).error_code(), "account_disabled");
  EXPECT_EQ(login(alice, "wrong").error_code(), "login_failed");  // no hint without the password
}

TEST_F(AccountsApi, AddressesWithinThePlanAndTheirKeysArePublic) {
  config_.plans[0].addresses = 2;
  server_ = another_server();
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  Tokens tokens = login_ok(alice);
  auto work_key = TestUser::make("alice.work@example.test");
  Json body{{"address", "alice.work@example.test"},
            {"address_key", alice.address_key_json(*work_key.key, "alice.work@example.test")},
            {"key_list", alice.key_list_json(*work_key.key, "alice.work@example.test")}};
  EXPECT_EQ(server_->call("POST", "/api/v1/addresses", body, tokens.access).status, 201);
  auto third_key = TestUser::make("alice.third@example.test");
  Json third{{"address", "alice.third@example.test"},
             {"address_key", alice.address_key_json(*third_key.key, "alice.third@example.test")},
             {"key_list", alice.key_list_json(*third_key.key, "alice.third@example.test")}};
  Reply over = server_->call("POST", "/api/v1/addresses", third, tokens.access);
  EXPECT_EQ(over.status, 403);
  EXPECT_EQ(over.error_code(), "quota_exceeded");
  EXPECT_EQ(over.body["error"]["message"], "the default plan allows 2 addresses");

  Reply keys = server_->call("GET", "/api/v1/keys/ALICE.WORK@example.test");
  ASSERT_EQ(keys.status, 200) << keys.raw;
  auto key = pgp::PublicKey::parse(keys.body["keys"][0]["public_key"].get<std::string>());
  ASSERT_TRUE(key.ok());
  EXPECT_EQ(key->info().fingerprint, work_key.key->public_key.info().fingerprint);
  EXPECT_TRUE(pgp::verify_key_list(keys.body["key_list"].dump(), *key, "alice.work@example.test")
                  .ok());
  EXPECT_EQ(server_->call("GET", "/api/v1/keys/nobody@example.test").status, 404);
}

}  // namespace
}  // namespace sealmail::server::api::testing
