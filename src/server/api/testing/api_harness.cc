#include "server/api/testing/api_harness.h"

#include "auth/srp.h"
#include "base/ascii.h"
#include "base/base64.h"
#include "base/random.h"
#include "http/health.h"
#include "pgp/key_list.h"
#include "server/api/api.h"

namespace sealmail::server::api::testing {

std::string Reply::error_code() const {
  if (!body.is_object() || !body.contains("error")) return "";
  return body["error"].value("code", "");
}

ApiServer::ApiServer(const std::filesystem::path& store_dir, Config config,
                     std::shared_ptr<std::atomic<int64_t>> clock)
    : config_(std::move(config)) {
  auto store = store::open_store("sqlite", store_dir);
  EXPECT_TRUE(store.ok()) << store.error().describe();
  store_ = std::move(store).value();
  Status domain = store_->add_domain(kDomain);
  EXPECT_TRUE(domain.ok() || domain.error().code == Errc::kAlreadyExists);
  auto secret = store_->server_secret("unknown-user-srp", random_bytes(32));
  EXPECT_TRUE(secret.ok());
  events_ = std::make_unique<EventNotifier>(*store_);
  context_ = std::make_shared<ApiContext>(
      ApiContext{.store = *store_,
                 .config = config_,
                 .now_ms = [clock] { return clock->load(); },
                 .srp = auth::SrpParams{},
                 .unknown_user_secret = secret.value_or(""),
                 .events = events_.get(),
                 .queue_key = std::make_shared<QueueKey>(QueueKey::random()),
                 .spool_dir = {}});
  http::register_health(router_);
  register_api(router_, context_);
}

http::Request ApiServer::request(std::string method, std::string path, const Json& body,
                                 std::string_view token, std::string peer) {
  http::Request request;
  request.method = std::move(method);
  size_t question = path.find('?');
  request.path = path.substr(0, question);
  if (question != std::string::npos) {
    auto query = http::parse_query(std::string_view(path).substr(question + 1));
    EXPECT_TRUE(query.has_value()) << path;
    request.query = query.value_or(http::Fields{});
  }
  request.target = std::move(path);
  if (!body.is_null()) request.body = body.dump();
  if (!token.empty()) request.headers.emplace_back("Authorization", "Bearer " + std::string(token));
  request.peer_address = std::move(peer);
  request.request_id = "test";
  request.tls = true;
  return request;
}

Reply ApiServer::call(std::string method, std::string path, const Json& body,
                      std::string_view token, std::string peer) {
  http::Request r = request(std::move(method), std::move(path), body, token, std::move(peer));
  return reply_of(router_.dispatch(r));
}

Reply ApiServer::reply_of(const http::Response& response) {
  Reply reply;
  reply.status = response.status;
  reply.raw = response.body;
  reply.headers = response.headers;
  reply.body = Json::parse(response.body, nullptr, false);
  if (reply.body.is_discarded()) reply.body = nullptr;
  return reply;
}

TestUser TestUser::make(std::string address, std::string secret) {
  TestUser user;
  pgp::KeySpec spec;
  spec.address = address;
  spec.passphrase = "token";
  spec.s2k_iterations = 1024;
  auto key = pgp::generate_key(spec);
  EXPECT_TRUE(key.ok());
  user.key = std::make_shared<const pgp::GeneratedKey>(std::move(key).value());
  user.address = std::move(address);
  user.secret = std::move(secret);
  user.recovery_secret = "recovery " + user.secret;
  return user;
}

Json TestUser::auth_json(std::string_view secret, std::string_view salt) const {
  auth::SrpParams params;
  auto verifier = auth::srp_verifier(params, ascii_lowercase(address), secret, salt);
  EXPECT_TRUE(verifier.ok());
  return Json{{"srp", auth::to_string(params)},
              {"salt", base64_encode(salt)},
              {"verifier", base64_encode(verifier.value_or(""))},
              {"kdf", "m=65536,t=3,p=1"}};
}

Json TestUser::address_key_json(const pgp::GeneratedKey& k, const std::string& a) const {
  return Json{{"version", 1},
              {"address", a},
              {"public_key", k.public_key.armored().value_or("")},
              {"locked_key", k.secret_key.armored().value_or("")},
              {"token_message", ""}};
}

Json TestUser::key_list_json(const pgp::GeneratedKey& k, const std::string& a) const {
  auto ring = pgp::Keyring::create();
  EXPECT_TRUE(ring.ok());
  EXPECT_TRUE(ring->unlock(k.secret_key, "token").ok());
  std::string fingerprint = k.public_key.info().fingerprint;
  auto doc = pgp::sign_key_list(*ring, pgp::KeyList{a, {fingerprint}, 1}, fingerprint);
  EXPECT_TRUE(doc.ok());
  return Json::parse(doc.value_or("{}"));
}

Json TestUser::signup_body() const {
  return Json{
      {"address", address},
      {"auth", auth_json(secret, auth_salt)},
      {"recovery_auth", auth_json(recovery_secret, recovery_salt)},
      {"account_key", {{"version", 1}, {"public_key", key->public_key.armored().value_or("")}}},
      {"address_key", address_key_json(*key, address)},
      {"key_list", key_list_json(*key, address)}};
}

ApiTest::ApiTest() {
  config_.accounts.signup = "open";
  server_ = std::make_unique<ApiServer>(dir_.path(), config_, clock_);
}

std::unique_ptr<ApiServer> ApiTest::another_server() {
  return std::make_unique<ApiServer>(dir_.path(), config_, clock_);
}

Reply ApiTest::signup(const TestUser& user) {
  return server_->call("POST", "/api/v1/accounts", user.signup_body());
}

Json ApiTest::proof(const TestUser& user, std::string_view secret, std::string peer) {
  Reply challenge =
      server_->call("POST", "/api/v1/auth/challenge", {{"address", user.address}}, {}, peer);
  EXPECT_EQ(challenge.status, 200) << challenge.raw;
  auto params = auth::parse_srp_params(challenge.body.value("srp", ""));
  EXPECT_TRUE(params.ok());
  std::string salt = base64_decode(challenge.body.value("salt", "")).value_or("");
  std::string B = base64_decode(challenge.body.value("B", "")).value_or("");
  auto client = auth::srp_client_proof(params.value_or(auth::SrpParams{}),
                                       ascii_lowercase(user.address), secret, salt, B);
  EXPECT_TRUE(client.ok());
  return Json{{"challenge", challenge.body.value("challenge", "")},
              {"A", base64_encode(client->A)},
              {"M1", base64_encode(client->M1)}};
}

Reply ApiTest::login(const TestUser& user, std::string_view secret, std::string peer,
                     std::string_view purpose, ApiServer* on) {
  ApiServer& server = on ? *on : *server_;
  Reply challenge = server.call("POST", "/api/v1/auth/challenge",
                                {{"address", user.address}, {"purpose", purpose}}, {}, peer);
  EXPECT_EQ(challenge.status, 200) << challenge.raw;
  std::string salt = base64_decode(challenge.body.value("salt", "")).value_or("");
  std::string B = base64_decode(challenge.body.value("B", "")).value_or("");
  auto client =
      auth::srp_client_proof(auth::SrpParams{}, ascii_lowercase(user.address), secret, salt, B);
  EXPECT_TRUE(client.ok());
  Reply reply = server.call("POST", "/api/v1/auth/login",
                            {{"challenge", challenge.body.value("challenge", "")},
                             {"A", base64_encode(client->A)},
                             {"M1", base64_encode(client->M1)},
                             {"purpose", purpose},
                             {"client", "api-test"}},
                            {}, peer);
  if (reply.status == 200) {
    EXPECT_EQ(base64_decode(reply.body.value("M2", "")).value_or(""), client->expected_M2);
  }
  return reply;
}

Tokens ApiTest::tokens_of(const Reply& reply) {
  return Tokens{reply.body.value("access_token", ""), reply.body.value("refresh_token", ""),
                reply.body.value("session_id", ""), reply.body.value("scope", "")};
}

Tokens ApiTest::login_ok(const TestUser& user) { return login_ok(user, user.secret); }

Tokens ApiTest::login_ok(const TestUser& user, std::string_view secret) {
  Reply reply = login(user, secret);
  EXPECT_EQ(reply.status, 200) << reply.raw;
  Tokens tokens = tokens_of(reply);
  EXPECT_EQ(tokens.scope, "full");
  return tokens;
}

}  // namespace sealmail::server::api::testing
