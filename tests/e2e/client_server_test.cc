// The client library against the real API server in one process, over HTTPS on loopback:
// sign-up, login, password change, logout, login with the new password, a wrong password, a
// second factor, recovery and keys. Every byte the client writes (before TLS) is captured, and
// the test checks that no secret ever left it: the passwords, the recovery phrase, the key
// passphrases derived from them and the address-key token, raw, base64 or hex.
//
// The unlocked secret key material itself cannot be checked directly: librnp 0.16 (through
// pgp/key.h) exports secret keys only protected, so the raw Ed25519/Cv25519 scalars are not
// obtainable here. The passphrases and the token that unlock them are checked instead; anyone
// holding neither cannot unlock what was sent.
#include <utility>  // before Boost.Asio: Boost 1.74's coroutine support needs it

#include <gtest/gtest.h>

#include <boost/asio/thread_pool.hpp>

#include <chrono>
#include <future>
#include <memory>
#include <string>
#include <vector>

#include "auth/totp.h"
#include "base/base64.h"
#include "base/clock.h"
#include "base/config.h"
#include "base/hex.h"
#include "client/account.h"
#include "client/api_client.h"
#include "client/records_json.h"
#include "client/session_store.h"
#include "client/test_util.h"
#include "http/engine.h"
#include "http/health.h"
#include "http/router.h"
#include "net/listener.h"
#include "net/tls.h"
#include "pgp/message.h"
#include "server/api/api.h"
#include "store/store.h"

namespace sealmail {
namespace {

using namespace std::chrono_literals;
using client::testing::IoThreads;
using client::testing::TempDir;
using Json = nlohmann::json;

constexpr char kAddress[] = "alice@example.test";
constexpr char kPassword[] = "correct horse battery staple";
constexpr char kNewPassword[] = "a whole new password for alice";

client::KeyOptions fast_keys() {
  client::KeyOptions keys;
  keys.kdf = pgp::KdfParams{pgp::kKdfMinMemoryKib, 1, 1};  // the policy floor: fast tests
  keys.key.s2k_iterations = 1024;
  return keys;
}

// The API role as server.cc wires it, on 127.0.0.1 with an OS-chosen port.
class Server {
 public:
  Server() {
    config_.accounts.signup = "open";
    auto store = store::open_store("sqlite", dir_.path());
    EXPECT_TRUE(store.ok()) << store.error().describe();
    store_ = std::move(store).value();
    EXPECT_TRUE(store_->add_domain("example.test").ok());
    auto context = std::make_shared<server::api::ApiContext>(
        server::api::ApiContext{.store = *store_,
                                .config = config_,
                                .now_ms = unix_time_ms,
                                .srp = auth::SrpParams{},
                                .unknown_user_secret = std::string(32, 's'),
                                .events = nullptr,
                                .queue_key = nullptr,
                                .spool_dir = {}});
    auto router = std::make_shared<http::Router>();
    http::register_health(*router);
    server::api::register_api(*router, context);
    auto cert = dir_.path() / "cert.pem";
    auto key = dir_.path() / "key.pem";
    EXPECT_TRUE(net::generate_self_signed_certificate("localhost", cert, key).ok());
    tls_ = net::TlsContextProvider::load(cert, key).value();
    net::ListenerOptions options;
    options.name = "api";
    options.tls = net::ListenerOptions::Tls::kImplicit;
    options.engine_executor = handlers_.get_executor();
    auto listener =
        net::Listener::create(io_.context().get_executor(), options,
                              std::make_shared<http::HttpEngineFactory>(std::move(router)), tls_);
    EXPECT_TRUE(listener.ok()) << listener.error().describe();
    listener_ = std::move(listener).value();
    listener_->start();
  }

  ~Server() {
    std::promise<void> drained;
    auto done = drained.get_future();
    listener_->async_wait_drained([&drained] { drained.set_value(); });
    listener_->begin_drain(0ms);
    done.wait_for(10s);
    handlers_.join();
  }

  std::string url() const {
    return "https://127.0.0.1:" + std::to_string(listener_->local_endpoint().port());
  }
  store::Store& store() { return *store_; }

 private:
  TempDir dir_;
  Config config_;
  std::unique_ptr<store::Store> store_;
  std::shared_ptr<net::TlsContextProvider> tls_;
  IoThreads io_{2};
  boost::asio::thread_pool handlers_{2};
  std::shared_ptr<net::Listener> listener_;
};

class ClientServerTest : public ::testing::Test {
 protected:
  client::ApiClient connect() {
    client::HttpsOptions options;
    options.server = server_.url();
    options.known_servers = home_.path() / "known_servers";
    options.wire_tap = [this](std::string_view bytes) { wire_.append(bytes); };
    auto http = client::HttpsClient::create(std::move(options));
    EXPECT_TRUE(http.ok()) << http.error().describe();
    return client::ApiClient(std::move(http).value(), server_.url());
  }

  // `secret` must not be in the capture: raw, hex (both cases) or base64 at any alignment.
  void expect_never_sent(std::string_view secret, std::string_view what) {
    ASSERT_GE(secret.size(), 8u) << what;
    EXPECT_EQ(wire_.find(secret), std::string::npos) << what << " sent raw";
    std::string hex = hex_encode(secret);
    EXPECT_EQ(wire_.find(hex), std::string::npos) << what << " sent as hex";
    EXPECT_EQ(wire_.find(hex_encode(secret, HexCase::kUpper)), std::string::npos)
        << what << " sent as HEX";
    for (size_t offset = 0; offset < 3; ++offset) {
      std::string b64 = base64_encode(secret.substr(offset));
      std::string core = b64.substr(0, b64.size() - 4);  // the last group depends on the end
      ASSERT_GE(core.size(), 4u);
      EXPECT_EQ(wire_.find(core), std::string::npos) << what << " sent as base64";
    }
  }

  // Every secret key in the capture (armored inside JSON strings) is one whose every secret
  // packet is passphrase-protected: LockedKey::parse refuses anything else.
  void expect_secret_keys_only_locked() {
    constexpr std::string_view kBegin = "-----BEGIN PGP PRIVATE KEY BLOCK-----";
    constexpr std::string_view kEnd = "-----END PGP PRIVATE KEY BLOCK-----";
    int keys = 0;
    for (size_t at = wire_.find(kBegin); at != std::string::npos; at = wire_.find(kBegin, at + 1)) {
      size_t end = wire_.find(kEnd, at);
      ASSERT_NE(end, std::string::npos);
      std::string escaped = wire_.substr(at, end + kEnd.size() - at);
      std::string armored;
      for (size_t i = 0; i < escaped.size(); ++i) {
        if (escaped[i] == '\\' && i + 1 < escaped.size() && escaped[i + 1] == 'n') {
          armored.push_back('\n');
          ++i;
        } else if (escaped[i] == '\\' && i + 1 < escaped.size() && escaped[i + 1] == 'r') {
          ++i;
        } else {
          armored.push_back(escaped[i]);
        }
      }
      auto parsed = pgp::LockedKey::parse(armored);
      EXPECT_TRUE(parsed.ok()) << "a secret key was sent unprotected or damaged";
      ++keys;
    }
    EXPECT_GE(keys, 3);  // sign-up: account key, its recovery copy, the address key
  }

  // The current account record, its key passphrase (derived with `password`) and the token of
  // the primary address key, all read here as a client would, to check none was sent.
  struct Secrets {
    std::string key_passphrase;
    std::string token;
  };
  Secrets secrets_of(client::ApiClient& api, std::string_view password) {
    Json account = api.call("GET", "/api/v1/account").value();
    auto record = client::parse_account_key(account["account_key"]).value();
    Secrets out;
    out.key_passphrase = std::string(
        pgp::derive_key_passphrase(password, record.key_salt, record.params).value().reveal());
    auto address = client::parse_address_key(account["addresses"][0]["address_key"]).value();
    auto ring = pgp::unlock_account(record, password);
    EXPECT_TRUE(ring.ok());
    auto split = pgp::split_message(address.token_message).value();
    auto token = pgp::decrypt(*ring, split.key_packets, split.data_packet);
    EXPECT_TRUE(token.ok());
    out.token = std::string(token->plaintext.reveal());
    EXPECT_EQ(out.token.size(), 64u);
    return out;
  }

  TempDir home_;
  Server server_;
  std::string wire_;
};

TEST_F(ClientServerTest, CreateLoginChangePasswordLogoutLoginAndNothingSecretOnTheWire) {
  client::ApiClient api = connect();
  client::SessionStore sessions(home_.path());
  client::CreateOptions create;
  create.keys = fast_keys();
  auto phrase = client::create_account(api, kAddress, kPassword, create);
  ASSERT_TRUE(phrase.ok()) << phrase.error().describe();
  ASSERT_EQ(phrase->words.size(), 12u);

  auto wrong = client::login(api, kAddress, "not the password", client::LoginPurpose::kLogin, {});
  ASSERT_FALSE(wrong.ok());
  EXPECT_EQ(wrong.error().code, Errc::kPermissionDenied);
  ASSERT_TRUE(api.last_error().has_value());
  EXPECT_EQ(api.last_error()->code, "login_failed");

  auto logged_in =
      client::login(api, kAddress, kPassword, client::LoginPurpose::kLogin, {}, &sessions);
  ASSERT_TRUE(logged_in.ok()) << logged_in.error().describe();
  EXPECT_EQ(logged_in->tokens.scope, "full");
  EXPECT_EQ(sessions.default_address().value(), kAddress);
  EXPECT_EQ(sessions.load(kAddress)->tokens.access_token, logged_in->tokens.access_token);
  Secrets before = secrets_of(api, kPassword);

  auto keys = client::list_keys(api);
  ASSERT_TRUE(keys.ok()) << keys.error().describe();
  ASSERT_EQ(keys->size(), 2u);
  EXPECT_EQ((*keys)[0].role, "account");
  EXPECT_EQ((*keys)[1].address, kAddress);
  auto exported = client::export_public_key(api, kAddress);
  ASSERT_TRUE(exported.ok()) << exported.error().describe();
  EXPECT_TRUE(exported->starts_with("-----BEGIN PGP PUBLIC KEY BLOCK-----"));
  EXPECT_EQ(pgp::PublicKey::parse(*exported)->info().fingerprint, (*keys)[1].fingerprint);

  client::PasswordChange change;
  change.current_password = kPassword;
  change.new_password = kNewPassword;
  change.keys = fast_keys();
  Status changed = client::change_password(api, kAddress, change);
  ASSERT_TRUE(changed.ok()) << changed.error().describe();
  Secrets after = secrets_of(api, kNewPassword);
  EXPECT_EQ(after.token, before.token);  // address keys are untouched by a password change
  EXPECT_NE(after.key_passphrase, before.key_passphrase);

  ASSERT_TRUE(client::logout(api).ok());
  EXPECT_FALSE(api.call("GET", "/api/v1/account").ok());
  EXPECT_FALSE(client::login(api, kAddress, kPassword, client::LoginPurpose::kLogin, {}).ok());
  auto again = client::login(api, kAddress, kNewPassword, client::LoginPurpose::kLogin, {});
  ASSERT_TRUE(again.ok()) << again.error().describe();
  auto sessions_now = client::list_sessions(api);
  ASSERT_TRUE(sessions_now.ok()) << sessions_now.error().describe();
  ASSERT_FALSE(sessions_now->empty());
  EXPECT_TRUE((*sessions_now)[0].current);
  ASSERT_TRUE(client::logout(api).ok());

  ASSERT_FALSE(wire_.empty());
  EXPECT_NE(wire_.find("/api/v1/auth/login"), std::string::npos);  // the tap did see the calls
  expect_never_sent(kPassword, "the password");
  expect_never_sent(kNewPassword, "the new password");
  expect_never_sent(phrase->to_string(), "the recovery phrase");
  expect_never_sent(before.key_passphrase, "the key passphrase");
  expect_never_sent(after.key_passphrase, "the new key passphrase");
  expect_never_sent(before.token, "the address-key token");
  expect_secret_keys_only_locked();
}

TEST_F(ClientServerTest, SecondFactorRecoveryAndRefresh) {
  client::ApiClient api = connect();
  client::CreateOptions create;
  create.keys = fast_keys();
  auto phrase = client::create_account(api, kAddress, kPassword, create);
  ASSERT_TRUE(phrase.ok()) << phrase.error().describe();
  ASSERT_TRUE(client::login(api, kAddress, kPassword, client::LoginPurpose::kLogin, {}).ok());

  auto enrolment = client::begin_totp(api);
  ASSERT_TRUE(enrolment.ok()) << enrolment.error().describe();
  EXPECT_TRUE(enrolment->uri.starts_with("otpauth://totp/"));
  std::string secret = auth::base32_decode(enrolment->secret).value();
  auto now = [] {
    return auth::totp_step(std::chrono::duration_cast<std::chrono::seconds>(
                               std::chrono::system_clock::now().time_since_epoch())
                               .count());
  };
  EXPECT_FALSE(client::confirm_totp(api, "000000").ok() && auth::hotp(secret, now()) != "000000");
  auto codes = client::confirm_totp(api, auth::hotp(secret, now()));
  ASSERT_TRUE(codes.ok()) << codes.error().describe();
  ASSERT_EQ(codes->size(), 10u);
  ASSERT_TRUE(client::logout(api).ok());

  // Without a code, no session; with the next step's code (this step's was used), a full one.
  EXPECT_FALSE(client::login(api, kAddress, kPassword, client::LoginPurpose::kLogin, {}).ok());
  int asked = 0;
  auto with_code = client::login(api, kAddress, kPassword, client::LoginPurpose::kLogin,
                                 [&]() -> Result<std::string> {
                                   ++asked;
                                   return auth::hotp(secret, now() + 1);
                                 });
  ASSERT_TRUE(with_code.ok()) << with_code.error().describe();
  EXPECT_EQ(asked, 1);
  EXPECT_EQ(with_code->tokens.scope, "full");

  // A dead access token is refreshed once, transparently, and the new pair is reported.
  client::SessionTokens tokens = api.tokens();
  tokens.access_token = "expired-or-revoked";
  api.set_tokens(tokens);
  int refreshed = 0;
  api.set_on_tokens_changed([&](const client::SessionTokens&) { ++refreshed; });
  auto account = api.call("GET", "/api/v1/account");
  ASSERT_TRUE(account.ok()) << account.error().describe();
  EXPECT_EQ(refreshed, 1);
  EXPECT_NE(api.tokens().refresh_token, tokens.refresh_token);

  // A recovery code turns the second factor off.
  ASSERT_TRUE(client::disable_totp(api, (*codes)[0]).ok());

  // A new phrase retires the old one; the new one recovers the account.
  auto fresh = client::new_recovery_phrase(api, kAddress, kPassword, fast_keys());
  ASSERT_TRUE(fresh.ok()) << fresh.error().describe();
  ASSERT_TRUE(client::logout(api).ok());
  EXPECT_FALSE(
      client::recover_with_phrase(api, kAddress, phrase->to_string(), kNewPassword, {}, fast_keys())
          .ok());
  Status recovered =
      client::recover_with_phrase(api, kAddress, fresh->to_string(), kNewPassword, {}, fast_keys());
  ASSERT_TRUE(recovered.ok()) << recovered.error().describe();
  EXPECT_FALSE(client::login(api, kAddress, kPassword, client::LoginPurpose::kLogin, {}).ok());
  ASSERT_TRUE(client::login(api, kAddress, kNewPassword, client::LoginPurpose::kLogin, {}).ok());
  EXPECT_EQ(secrets_of(api, kNewPassword).token.size(), 64u);  // the keys survived recovery

  expect_never_sent(fresh->to_string(), "the new recovery phrase");
  expect_never_sent(kNewPassword, "the new password");
}

TEST_F(ClientServerTest, TwoPasswordModeKeepsTheKeyUnderTheMailboxPassword) {
  client::ApiClient api = connect();
  client::CreateOptions create;
  create.keys = fast_keys();
  create.two_password_mode = true;
  create.mailbox_password = "the mailbox password";
  ASSERT_TRUE(client::create_account(api, kAddress, kPassword, create).ok());
  auto logged_in = client::login(api, kAddress, kPassword, client::LoginPurpose::kLogin, {});
  ASSERT_TRUE(logged_in.ok()) << logged_in.error().describe();
  EXPECT_TRUE(logged_in->two_password_mode);
  EXPECT_EQ(secrets_of(api, "the mailbox password").token.size(), 64u);

  client::PasswordChange change;
  change.current_password = kPassword;
  change.new_password = kNewPassword;
  change.keys = fast_keys();
  ASSERT_TRUE(client::change_password(api, kAddress, change).ok());
  EXPECT_EQ(secrets_of(api, "the mailbox password").token.size(), 64u);

  change.current_password = kNewPassword;
  change.mailbox = true;
  change.current_mailbox_password = "the mailbox password";
  change.new_password = "another mailbox password";
  Status mailbox = client::change_password(api, kAddress, change);
  ASSERT_TRUE(mailbox.ok()) << mailbox.error().describe();
  EXPECT_EQ(secrets_of(api, "another mailbox password").token.size(), 64u);
  ASSERT_TRUE(client::logout(api).ok());
  ASSERT_TRUE(client::login(api, kAddress, kNewPassword, client::LoginPurpose::kLogin, {}).ok());
  expect_never_sent("the mailbox password", "the mailbox password");
  expect_never_sent("another mailbox password", "the new mailbox password");
}

}  // namespace
}  // namespace sealmail
