// api_harness.h — for src/server/api tests only: the API on a router over a fresh SQLite store,
// called without sockets, and a test client that speaks its SRP login with the auth library
// (the real client lives in src/client, above the server in the layering).
//
// The clock is a counter the test moves, so backoff and TOTP steps are deterministic.
#pragma once

#include <gtest/gtest.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>

#include <nlohmann/json.hpp>

#include "base/config.h"
#include "base/testing/temp_dir.h"
#include "http/request.h"
#include "http/router.h"
#include "pgp/key.h"
#include "server/api/context.h"
#include "server/event_notifier.h"
#include "store/store.h"

namespace sealmail::server::api::testing {

using Json = nlohmann::json;

inline constexpr std::string_view kDomain = "example.test";

struct Reply {
  int status = 0;
  Json body;  // null for an empty or non-JSON body
  http::Fields headers;
  std::string raw;
  std::string error_code() const;  // body["error"]["code"] or ""
};

// One server process: its own Store object on the shared database file, its own router.
class ApiServer {
 public:
  // `store_dir` holds the database; several ApiServers on one dir share it like two nodes.
  ApiServer(const std::filesystem::path& store_dir, Config config,
            std::shared_ptr<std::atomic<int64_t>> clock);

  // `path` may carry a query ("/api/v1/events?cursor=3").
  Reply call(std::string method, std::string path, const Json& body = nullptr,
             std::string_view token = {}, std::string peer = "127.0.0.1");
  // The request call() would send, for tests that set more (Request::waker) and dispatch it.
  static http::Request request(std::string method, std::string path, const Json& body = nullptr,
                               std::string_view token = {}, std::string peer = "127.0.0.1");
  http::Response dispatch(http::Request& request) const { return router_.dispatch(request); }
  static Reply reply_of(const http::Response& response);
  store::Store& store() { return *store_; }
  EventNotifier& events() { return *events_; }

 private:
  Config config_;
  std::unique_ptr<store::Store> store_;
  std::unique_ptr<EventNotifier> events_;
  std::shared_ptr<ApiContext> context_;
  http::Router router_;
};

struct Tokens {
  std::string access;
  std::string refresh;
  std::string session_id;
  std::string scope;
};

// A user as the client would create it: its SRP secrets are plain strings here (the client
// derives them with Argon2id; the server never sees either way).
struct TestUser {
  std::string address;
  std::string secret;           // stands for derive_auth_secret(password, …)
  std::string recovery_secret;  // stands for the phrase's secret
  std::string auth_salt = "0123456789abcdef";
  std::string recovery_salt = "fedcba9876543210";
  // The address key (also standing in for the account key's public part).
  std::shared_ptr<const pgp::GeneratedKey> key;

  static TestUser make(std::string address, std::string secret = "correct horse");
  // The "auth" object for `secret` with this user's salt.
  Json auth_json(std::string_view secret, std::string_view salt) const;
  // The whole signup body.
  Json signup_body() const;
  Json address_key_json(const pgp::GeneratedKey& key, const std::string& address) const;
  Json key_list_json(const pgp::GeneratedKey& key, const std::string& address) const;
};

// The test world: a clock, a config, a store directory and the first server on it.
class ApiTest : public ::testing::Test {
 protected:
  ApiTest();
  // A second server process on the same database.
  std::unique_ptr<ApiServer> another_server();

  Reply signup(const TestUser& user);
  // challenge + login with `secret`; returns the login reply (M2 checked when 200).
  Reply login(const TestUser& user, std::string_view secret, std::string peer = "127.0.0.1",
              std::string_view purpose = "login", ApiServer* on = nullptr);
  // login that must succeed with scope full.
  Tokens login_ok(const TestUser& user);
  Tokens login_ok(const TestUser& user, std::string_view secret);
  static Tokens tokens_of(const Reply& reply);
  // {"challenge","A","M1"} proving `secret` for `user` (to merge into another body).
  Json proof(const TestUser& user, std::string_view secret, std::string peer = "127.0.0.1");

  std::shared_ptr<std::atomic<int64_t>> clock_ =
      std::make_shared<std::atomic<int64_t>>(1'800'000'000'000);
  ::sealmail::testing::TempDir dir_;
  Config config_;
  std::unique_ptr<ApiServer> server_;
};

}  // namespace sealmail::server::api::testing
