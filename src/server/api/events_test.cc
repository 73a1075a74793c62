// GET /api/v1/events: listing by cursor, payload encoding, who may read, and the long poll —
// held as an http::Deferred and woken by the EventNotifier (or its store-polling fallback).
#include <gtest/gtest.h>

#include <atomic>
#include <memory>
#include <string>

#include "auth/token.h"
#include "base/base64.h"
#include "server/api/testing/api_harness.h"

namespace sealmail::server::api {
namespace {

using testing::ApiTest;
using testing::Reply;
using testing::TestUser;

class EventsTest : public ApiTest {
 protected:
  void SetUp() override {
    alice_ = TestUser::make("alice@example.test");
    ASSERT_EQ(signup(alice_).status, 201);
    token_ = login_ok(alice_).access;
    auto account = server_->store().find_account(alice_.address);
    ASSERT_TRUE(account.ok());
    account_ = *account;
    auto last = server_->store().last_cursor(account_);
    ASSERT_TRUE(last.ok());
    start_ = *last;  // whatever signup logged
  }

  store::Cursor append(std::string_view kind, std::string_view payload,
                       store::AccountId account = {}) {
    auto cursor = server_->store().append_event(account.value ? account : account_, kind, payload);
    EXPECT_TRUE(cursor.ok());
    return cursor.value_or(0);
  }
  Reply events(std::string query = "", std::string_view token = {}) {
    return server_->call("GET", "/api/v1/events" + query, nullptr, token.empty() ? token_ : token);
  }
  // A long poll as the engine would make it: the request carries a waker that counts.
  http::Response hold(std::string query, std::string_view token = {}) {
    http::Request request = testing::ApiServer::request("GET", "/api/v1/events" + query, nullptr,
                                                        token.empty() ? token_ : token);
    request.waker = net::Waker([wakes = wakes_] { ++*wakes; });
    return server_->dispatch(request);
  }
  std::string q(store::Cursor cursor, std::string rest = "") {
    return "?cursor=" + std::to_string(cursor) + rest;
  }

  TestUser alice_;
  std::string token_;
  store::AccountId account_;
  store::Cursor start_ = 0;
  std::shared_ptr<std::atomic<int>> wakes_ = std::make_shared<std::atomic<int>>(0);
};

TEST_F(EventsTest, ListsAfterTheCursorInOrderWithPayloads) {
  store::Cursor first = append("message.created", R"({"id":"m1","folder":"inbox"})");
  store::Cursor second = append("test.binary", std::string("\x00\xff\x01", 3));
  store::Cursor third = append("test.text", "not json");

  Reply all = events(q(start_));
  ASSERT_EQ(all.status, 200) << all.raw;
  ASSERT_EQ(all.body["events"].size(), 3u);
  const auto& list = all.body["events"];
  EXPECT_EQ(list[0]["cursor"], first);
  EXPECT_EQ(list[0]["kind"], "message.created");
  EXPECT_EQ(list[0]["payload"], (testing::Json{{"id", "m1"}, {"folder", "inbox"}}));
  EXPECT_FALSE(list[0].contains("payload_base64"));
  EXPECT_TRUE(list[0]["created_ms"].is_number_integer());
  EXPECT_EQ(list[1]["cursor"], second);
  EXPECT_EQ(list[1]["payload_base64"], base64_encode(std::string("\x00\xff\x01", 3)));
  EXPECT_FALSE(list[1].contains("payload"));
  EXPECT_EQ(list[2]["payload_base64"], base64_encode("not json"));
  EXPECT_EQ(all.body["cursor"], third);
  EXPECT_EQ(all.body["more"], false);

  // Pages: `more` until caught up, each page starting after the last.
  Reply page = events(q(start_, "&limit=2"));
  ASSERT_EQ(page.body["events"].size(), 2u);
  EXPECT_EQ(page.body["more"], true);
  EXPECT_EQ(page.body["cursor"], second);
  Reply rest = events(q(page.body["cursor"].get<int64_t>(), "&limit=2"));
  ASSERT_EQ(rest.body["events"].size(), 1u);
  EXPECT_EQ(rest.body["events"][0]["cursor"], third);
  EXPECT_EQ(rest.body["more"], false);

  // Caught up: nothing, and the cursor stays where it was.
  Reply none = events(q(third));
  EXPECT_EQ(none.status, 200);
  EXPECT_TRUE(none.body["events"].empty());
  EXPECT_EQ(none.body["cursor"], third);
  EXPECT_EQ(none.body["more"], false);

  // No cursor means from the start.
  EXPECT_EQ(events().body["cursor"], third);
}

TEST_F(EventsTest, DeeplyNestedPayloadsComeAsBase64) {
  std::string deep = std::string(100, '[') + std::string(100, ']');
  append("test.deep", deep);
  Reply reply = events(q(start_));
  ASSERT_EQ(reply.body["events"].size(), 1u);
  EXPECT_EQ(reply.body["events"][0]["payload_base64"], base64_encode(deep));
}

TEST_F(EventsTest, BadParametersAre400) {
  for (std::string query : {"?cursor=-1", "?cursor=x", "?limit=0", "?limit=1001", "?wait=61",
                            "?wait=-1", "?cursor=1e3"}) {
    Reply reply = events(query);
    EXPECT_EQ(reply.status, 400) << query;
    EXPECT_EQ(reply.error_code(), "invalid_request") << query;
  }
}

TEST_F(EventsTest, NeedsAFullSession) {
  EXPECT_EQ(server_->call("GET", "/api/v1/events").status, 401);
  EXPECT_EQ(events("", "not-a-token").status, 401);
  // A session still waiting for its second factor may not read the log.
  store::SessionRecord pending;
  std::string token = "pending-second-factor-token";
  pending.id = "s2fa";
  pending.account = account_;
  pending.scope = "2fa";
  pending.access_hash = auth::token_hash(token);
  pending.refresh_hash = auth::token_hash("pending-refresh");
  pending.created_at_ms = clock_->load();
  pending.last_used_ms = clock_->load();
  pending.access_expires_ms = clock_->load() + 60'000;
  pending.refresh_expires_ms = clock_->load() + 60'000;
  ASSERT_TRUE(server_->store().create_session(pending).ok());
  EXPECT_EQ(events("", token).status, 401);
  EXPECT_EQ(hold("?wait=30", token).status, 401);
  EXPECT_EQ(server_->events().waiting(), 0u);
}

TEST_F(EventsTest, AnAccountSeesOnlyItsOwnEvents) {
  TestUser bob = TestUser::make("bob@example.test");
  ASSERT_EQ(signup(bob).status, 201);
  std::string bob_token = login_ok(bob).access;
  auto bob_account = server_->store().find_account(bob.address);
  ASSERT_TRUE(bob_account.ok());
  auto bob_start = server_->store().last_cursor(*bob_account);
  ASSERT_TRUE(bob_start.ok());

  append("test.alice", R"({"who":"alice"})");
  append("test.bob", R"({"who":"bob"})", *bob_account);
  Reply mine = events(q(start_));
  ASSERT_EQ(mine.body["events"].size(), 1u);
  EXPECT_EQ(mine.body["events"][0]["kind"], "test.alice");
  Reply theirs = events(q(*bob_start), bob_token);
  ASSERT_EQ(theirs.body["events"].size(), 1u);
  EXPECT_EQ(theirs.body["events"][0]["kind"], "test.bob");

  // Bob waits; news for alice does not wake him.
  auto last_bob = server_->store().last_cursor(*bob_account);
  http::Response held = hold(q(*last_bob, "&wait=30"), bob_token);
  ASSERT_NE(held.deferred, nullptr);
  append("test.alice", "{}");
  server_->events().notify(account_);
  server_->events().poll_store();
  EXPECT_EQ(*wakes_, 0);
  EXPECT_EQ(held.deferred->poll(false), std::nullopt);
}

TEST_F(EventsTest, ALongPollIsHeldAndWokenByANewEvent) {
  http::Response held = hold(q(start_, "&wait=30"));
  ASSERT_NE(held.deferred, nullptr);
  EXPECT_EQ(held.wait, std::chrono::seconds(30));
  EXPECT_EQ(server_->events().waiting(), 1u);
  EXPECT_EQ(held.deferred->poll(false), std::nullopt);  // nothing yet: wait on

  store::Cursor cursor = append("message.created", R"({"id":"m2","folder":"inbox"})");
  server_->events().notify(account_);  // what the writers do after their commit
  EXPECT_EQ(*wakes_, 1);
  auto answer = held.deferred->poll(false);
  ASSERT_TRUE(answer.has_value());
  Reply reply = testing::ApiServer::reply_of(*answer);
  EXPECT_EQ(reply.status, 200);
  ASSERT_EQ(reply.body["events"].size(), 1u);
  EXPECT_EQ(reply.body["events"][0]["cursor"], cursor);
  EXPECT_EQ(reply.body["cursor"], cursor);

  held.deferred.reset();  // the engine is done with it
  EXPECT_EQ(server_->events().waiting(), 0u);
}

TEST_F(EventsTest, EventsFromElsewhereWakeThroughTheStorePoll) {
  http::Response held = hold(q(start_, "&wait=30"));
  ASSERT_NE(held.deferred, nullptr);
  server_->events().poll_store();
  EXPECT_EQ(*wakes_, 0);  // nothing new
  // Another server process on the same database appends; nobody here is told.
  auto other = another_server();
  ASSERT_TRUE(other->store().append_event(account_, "test.elsewhere", "{}").ok());
  server_->events().poll_store();
  EXPECT_EQ(*wakes_, 1);
  auto answer = held.deferred->poll(false);
  ASSERT_TRUE(answer.has_value());
  EXPECT_EQ(testing::ApiServer::reply_of(*answer).body["events"][0]["kind"], "test.elsewhere");
}

TEST_F(EventsTest, AWaitThatEndsEmptyKeepsTheCursor) {
  http::Response held = hold(q(start_, "&wait=1"));
  ASSERT_NE(held.deferred, nullptr);
  auto answer = held.deferred->poll(true);
  ASSERT_TRUE(answer.has_value());
  Reply reply = testing::ApiServer::reply_of(*answer);
  EXPECT_EQ(reply.status, 200);
  EXPECT_TRUE(reply.body["events"].empty());
  EXPECT_EQ(reply.body["cursor"], start_);
  EXPECT_EQ(reply.body["more"], false);
}

TEST_F(EventsTest, WhatIsThereAlreadyIsAnsweredWithoutWaiting) {
  append("test.now", "{}");
  http::Response now = hold(q(start_, "&wait=30"));
  EXPECT_EQ(now.deferred, nullptr);
  EXPECT_EQ(testing::ApiServer::reply_of(now).body["events"].size(), 1u);
  EXPECT_EQ(server_->events().waiting(), 0u);
  // Without a connection to wake (no waker), wait cannot be honoured: answered at once.
  Reply direct = events(q(start_ + 1, "&wait=30"));
  EXPECT_EQ(direct.status, 200);
  EXPECT_TRUE(direct.body["events"].empty());
}

TEST_F(EventsTest, WaitersPerAccountAreBounded) {
  std::vector<http::Response> held;
  for (int i = 0; i < 32; ++i) {
    held.push_back(hold(q(start_, "&wait=30")));
    ASSERT_NE(held.back().deferred, nullptr);
  }
  http::Response refused = hold(q(start_, "&wait=30"));
  EXPECT_EQ(refused.status, 429);
  EXPECT_EQ(testing::ApiServer::reply_of(refused).error_code(), "too_many_waiting");
  held.pop_back();
  EXPECT_NE(hold(q(start_, "&wait=30")).deferred, nullptr);
}

}  // namespace
}  // namespace sealmail::server::api
