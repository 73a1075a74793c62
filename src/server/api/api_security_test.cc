// What the account API must withstand: SRP zero-key attacks, telling known from unknown
// addresses by answer or by time, one account's token reaching another's data, and password
// guessing.
#include <gtest/gtest.h>

#include <algorithm>
#include <chrono>

#include "auth/srp.h"
#include "auth/totp.h"
#include "base/base64.h"
#include "server/api/testing/api_harness.h"

namespace sealmail::server::api::testing {
namespace {

using Clock = std::chrono::steady_clock;

class ApiSecurity : public ApiTest {};

// A + k·N for the proof's A: what an attacker sends to force S = 0 (A ≡ 0 mod N).
std::string multiple_of_n(int k) {
  std::string n = auth::srp_modulus(auth::SrpParams{});
  if (k == 0) return std::string(n.size(), '\0');
  if (k == 1) return n;
  // 2N = N shifted left by one bit: one byte longer when the top bit is set.
  std::string out(n.size() + 1, '\0');
  int carry = 0;
  for (size_t i = n.size(); i-- > 0;) {
    int v = (static_cast<unsigned char>(n[i]) << 1) | carry;
    out[i + 1] = static_cast<char>(v & 0xff);
    carry = v >> 8;
  }
  out[0] = static_cast<char>(carry);
  return out;
}

TEST_F(ApiSecurity, ZeroKeyAttacksFail) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  for (int k : {0, 1, 2}) {
    Json body = proof(alice, "attacker does not know it");
    body["A"] = base64_encode(multiple_of_n(k));
    // Refused for A itself (auth/srp_test.cc also tries the M1 an attacker would compute).
    Reply reply = server_->call("POST", "/api/v1/auth/login", body);
    EXPECT_EQ(reply.status, 401) << "A = " << k << "N: " << reply.raw;
    EXPECT_FALSE(reply.body.contains("M2"));
  }
}

TEST_F(ApiSecurity, UnknownAndKnownAddressesLookAlike) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  TestUser ghost = TestUser::make("ghost@example.test");  // never signed up

  Reply known = server_->call("POST", "/api/v1/auth/challenge", {{"address", alice.address}});
  Reply unknown = server_->call("POST", "/api/v1/auth/challenge", {{"address", ghost.address}});
  ASSERT_EQ(known.status, 200);
  ASSERT_EQ(unknown.status, 200);
  for (const char* field : {"challenge", "srp", "salt", "kdf", "B"}) {
    ASSERT_TRUE(unknown.body.contains(field)) << field;
    EXPECT_EQ(known.body[field].get<std::string>().size(),
              unknown.body[field].get<std::string>().size())
        << field;
  }
  EXPECT_EQ(known.body.size(), unknown.body.size());
  // The fake salt is stable: asking twice does not expose it as random.
  Reply again = server_->call("POST", "/api/v1/auth/challenge", {{"address", ghost.address}});
  EXPECT_EQ(again.body["salt"], unknown.body["salt"]);

  Reply wrong = login(alice, "wrong password");
  Reply nobody = login(ghost, "any password");
  EXPECT_EQ(wrong.status, 401);
  EXPECT_EQ(nobody.status, 401);
  EXPECT_EQ(wrong.raw, nobody.raw);
  EXPECT_EQ(wrong.headers, nobody.headers);
}

// The fastest of 200 logins (challenge + proof) for a known address with a wrong password and
// for an unknown address must be within 10% of each other: the unknown path does the same
// store work and the same exponentiations.
TEST_F(ApiSecurity, UnknownAndKnownAddressesTakeTheSameTime) {
  config_.accounts.login_failures_per_ip = 1'000'000;
  config_.accounts.login_failures_per_account = 1'000'000;
  server_ = another_server();
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  TestUser ghost = TestUser::make("ghost@example.test");
  auto timed = [&](const TestUser& who) {
    auto start = Clock::now();
    Reply reply = login(who, "wrong password");
    auto took = Clock::now() - start;
    EXPECT_EQ(reply.status, 401);
    return took;
  };
  Clock::duration fastest_known = Clock::duration::max();
  Clock::duration fastest_unknown = Clock::duration::max();
  for (int i = 0; i < 200; ++i) {  // interleaved, so drift in machine load hits both alike
    fastest_known = std::min(fastest_known, timed(alice));
    fastest_unknown = std::min(fastest_unknown, timed(ghost));
  }
  double known_us = std::chrono::duration<double, std::micro>(fastest_known).count();
  double unknown_us = std::chrono::duration<double, std::micro>(fastest_unknown).count();
  std::cout << "fastest login: known " << known_us << " µs, unknown " << unknown_us << " µs\n";
  EXPECT_LT(std::abs(known_us - unknown_us), 0.10 * std::max(known_us, unknown_us));
}

TEST_F(ApiSecurity, OneAccountsTokenNeverReachesAnothersData) {
  TestUser alice = TestUser::make("alice@example.test");
  TestUser bob = TestUser::make("bob@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  ASSERT_EQ(signup(bob).status, 201);
  Tokens a = login_ok(alice);
  Tokens b = login_ok(bob);

  // Reading: every endpoint that answers with account data answers with A's only.
  Reply account = server_->call("GET", "/api/v1/account", nullptr, a.access);
  EXPECT_EQ(account.body["address"], "alice@example.test");
  EXPECT_EQ(account.raw.find("bob@"), std::string::npos);
  Reply sessions = server_->call("GET", "/api/v1/sessions", nullptr, a.access);
  ASSERT_EQ(sessions.body["sessions"].size(), 1u);
  EXPECT_EQ(sessions.body["sessions"][0]["id"], a.session_id);

  // Changing: B's session id with A's token is 404 (not 403), and B's session lives on.
  Reply revoke = server_->call("DELETE", "/api/v1/sessions/" + b.session_id, nullptr, a.access);
  EXPECT_EQ(revoke.status, 404);
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, b.access).status, 200);
  // A password change under A's token with B's password proof changes nothing of B's.
  Json change = proof(bob, bob.secret);
  change["auth"] = bob.auth_json("hijacked", "0000000000000000");
  change["account_key"] = bob.signup_body()["account_key"];
  EXPECT_EQ(server_->call("PUT", "/api/v1/account/password", change, a.access).status, 401);
  EXPECT_EQ(login(bob, bob.secret).status, 200);
  EXPECT_EQ(login(alice, alice.secret).status, 200);
  // A's TOTP and recovery changes act on A alone.
  ASSERT_EQ(server_->call("POST", "/api/v1/2fa/totp", nullptr, a.access).status, 200);
  Json recovery{{"recovery_auth", bob.auth_json("taken over", "1111111111111111")},
                {"account_key", bob.signup_body()["account_key"]}};
  EXPECT_EQ(server_->call("PUT", "/api/v1/account/recovery", recovery, a.access).status, 204);
  EXPECT_EQ(login(bob, bob.recovery_secret, "127.0.0.1", "recovery").status, 200);
  EXPECT_EQ(login(bob, "taken over", "127.0.0.1", "recovery").status, 401);
  Reply b_account = server_->call("GET", "/api/v1/account", nullptr, b.access);
  EXPECT_EQ(b_account.body["two_factor"], false);
  // An address belongs to whoever has it; A cannot add B's.
  Json steal{{"address", "bob@example.test"},
             {"address_key", bob.address_key_json(*bob.key, "bob@example.test")},
             {"key_list", bob.key_list_json(*bob.key, "bob@example.test")}};
  EXPECT_EQ(server_->call("POST", "/api/v1/addresses", steal, a.access).status, 409);
  // Logging out with A's token ends A's session only.
  EXPECT_EQ(server_->call("POST", "/api/v1/auth/logout", nullptr, a.access).status, 204);
  EXPECT_EQ(server_->call("GET", "/api/v1/account", nullptr, b.access).status, 200);
}

TEST_F(ApiSecurity, GuessingFromOneNetworkWaitsWhileTheOwnerLogsInFromAnother) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  std::vector<int> statuses;
  for (int i = 1; i <= 20; ++i) statuses.push_back(login(alice, "guess", "192.0.2.7").status);
  EXPECT_EQ(std::count(statuses.begin(), statuses.begin() + 10, 401), 10);
  EXPECT_EQ(statuses[19], 429);  // the 20th wrong password waits
  Reply waiting = login(alice, alice.secret, "192.0.2.7");
  EXPECT_EQ(waiting.status, 429);  // even the right one, from that network, for now
  auto retry_after = std::find_if(waiting.headers.begin(), waiting.headers.end(),
                                  [](const auto& h) { return h.first == "Retry-After"; });
  ASSERT_NE(retry_after, waiting.headers.end());
  EXPECT_GE(std::stoi(retry_after->second), 1);

  // The owner, elsewhere, is not locked out.
  EXPECT_EQ(login(alice, alice.secret, "198.51.100.1").status, 200);

  // IPv6 addresses count per /64: another address in the same /64 waits too.
  for (int i = 0; i < 10; ++i) login(alice, "guess", "2001:db8:1:2::1");
  EXPECT_EQ(login(alice, "guess", "2001:db8:1:2::ffff").status, 429);
  EXPECT_EQ(login(alice, alice.secret, "2001:db8:1:3::1").status, 200);

  // After the wait, the network may try again.
  *clock_ += 16 * 60 * 1000;
  EXPECT_EQ(login(alice, alice.secret, "192.0.2.7").status, 200);
}

TEST_F(ApiSecurity, SecondFactorGuessingWaitsToo) {
  TestUser alice = TestUser::make("alice@example.test");
  ASSERT_EQ(signup(alice).status, 201);
  Tokens tokens = login_ok(alice);
  Reply begun = server_->call("POST", "/api/v1/2fa/totp", nullptr, tokens.access);
  std::string secret = auth::base32_decode(begun.body["secret"].get<std::string>()).value_or("");
  ASSERT_EQ(server_->call("POST", "/api/v1/2fa/totp/confirm",
                          {{"code", auth::hotp(secret, auth::totp_step(*clock_ / 1000))}},
                          tokens.access)
                .status,
            200);
  Tokens pending = tokens_of(login(alice, alice.secret));
  int last = 0;
  for (int i = 0; i < 12; ++i) {
    last = server_->call("POST", "/api/v1/auth/2fa", {{"code", "000000"}}, pending.access).status;
  }
  EXPECT_EQ(last, 429);
}

}  // namespace
}  // namespace sealmail::server::api::testing
