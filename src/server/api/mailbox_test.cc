// The mailbox API through its router: folders and labels with counts, listing by folder, All
// Mail and label, summaries in bulk, bulk move/label/flags/delete/expire, emptying trash — and
// that one account can neither see nor change another's folders, labels or messages.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server/api/testing/api_harness.h"

namespace sealmail::server::api::testing {
namespace {

class MailboxApi : public ApiTest {
 protected:
  void SetUp() override {
    alice_ = TestUser::make("alice@example.test");
    bob_ = TestUser::make("bob@example.test");
    ASSERT_EQ(signup(alice_).status, 201);
    ASSERT_EQ(signup(bob_).status, 201);
    alice_token_ = login_ok(alice_).access;
    bob_token_ = login_ok(bob_).access;
    alice_account_ = server_->store().find_account(alice_.address).value();
    bob_account_ = server_->store().find_account(bob_.address).value();
  }

  // Stores a message for `account` directly (what the MX or send would do).
  std::string deliver(store::AccountId account, const std::string& address, std::string folder,
                      int64_t received_ms, std::string data = std::string(1000, 'd')) {
    static int counter = 0;
    char id[17];
    std::snprintf(id, sizeof id, "%016x", ++counter);
    store::MessageRecord copy;
    copy.account = account;
    copy.id = id;
    copy.address = address;
    copy.folder = std::move(folder);
    copy.received_at_ms = received_ms;
    copy.key_packets = "keys";
    copy.data_packet = std::move(data);
    copy.summary = "summary";
    store::Delivery delivery;
    delivery.data_packet = copy.data_packet;
    delivery.copies.push_back(copy);
    delivery.quota_bytes.push_back(0);
    auto statuses = server_->store().deliver({delivery});
    EXPECT_TRUE(statuses.ok() && (*statuses)[0].ok());
    return id;
  }
  std::string alice_message(std::string folder = "inbox", int64_t received_ms = 1000) {
    return deliver(alice_account_, alice_.address, std::move(folder), received_ms);
  }

  Reply alice(std::string method, std::string path, const Json& body = nullptr) {
    return server_->call(std::move(method), std::move(path), body, alice_token_);
  }
  Reply bob(std::string method, std::string path, const Json& body = nullptr) {
    return server_->call(std::move(method), std::move(path), body, bob_token_);
  }
  // The folder entry `id` of alice's GET /api/v1/folders.
  Json folder(const std::string& id) {
    Reply folders = alice("GET", "/api/v1/folders");
    EXPECT_EQ(folders.status, 200) << folders.raw;
    for (const Json& f : folders.body["folders"]) {
      if (f["id"] == id) return f;
    }
    return nullptr;
  }
  std::vector<std::string> listed(const std::string& query, Json* counts = nullptr) {
    Reply list = alice("GET", "/api/v1/messages?" + query);
    EXPECT_EQ(list.status, 200) << list.raw;
    if (counts != nullptr) *counts = list.body["counts"];
    std::vector<std::string> ids;
    for (const Json& m : list.body["messages"]) ids.push_back(m["id"]);
    return ids;
  }

  TestUser alice_, bob_;
  std::string alice_token_, bob_token_;
  store::AccountId alice_account_, bob_account_;
};

using Ids = std::vector<std::string>;

TEST_F(MailboxApi, FoldersListCreateRenameMoveDelete) {
  Reply folders = alice("GET", "/api/v1/folders");
  ASSERT_EQ(folders.status, 200) << folders.raw;
  std::vector<std::string> names;
  for (const Json& f : folders.body["folders"]) names.push_back(f["id"]);
  EXPECT_EQ(names, (Ids{"inbox", "drafts", "sent", "archive", "spam", "trash", "all"}));

  Reply work = alice("POST", "/api/v1/folders", {{"name", "Work"}});
  ASSERT_EQ(work.status, 201) << work.raw;
  const std::string work_id = work.body["id"];
  EXPECT_EQ(work_id.size(), 16u);
  Reply child = alice("POST", "/api/v1/folders", {{"name", "Taxes"}, {"parent", work_id}});
  ASSERT_EQ(child.status, 201) << child.raw;
  const std::string child_id = child.body["id"];
  EXPECT_EQ(alice("POST", "/api/v1/folders", {{"name", "Work"}}).status, 409);
  EXPECT_EQ(alice("POST", "/api/v1/folders", {{"name", ""}}).status, 400);
  EXPECT_EQ(alice("POST", "/api/v1/folders", {{"name", 7}}).status, 400);
  EXPECT_EQ(alice("POST", "/api/v1/folders", {{"name", "x"}, {"parent", "inbox"}}).status, 400);

  Json taxes = folder(child_id);
  EXPECT_EQ(taxes["parent"], work_id);
  EXPECT_EQ(taxes["name"], "Taxes");
  EXPECT_EQ(taxes["system"], false);

  EXPECT_EQ(alice("PATCH", "/api/v1/folders/" + child_id, {{"name", "Tax"}}).status, 204);
  EXPECT_EQ(alice("PATCH", "/api/v1/folders/" + child_id, {{"parent", ""}}).status, 204);
  taxes = folder(child_id);
  EXPECT_EQ(taxes["name"], "Tax");
  EXPECT_EQ(taxes["parent"], "");
  EXPECT_EQ(alice("PATCH", "/api/v1/folders/" + child_id, Json::object()).status, 400);
  EXPECT_EQ(alice("PATCH", "/api/v1/folders/" + work_id, {{"parent", work_id}}).status, 400);

  // Nesting is bounded: a refusal, not an internal error.
  std::string parent = child_id;
  for (int depth = 2; depth <= 8; ++depth) {  // child_id is at the top now
    Reply nested = alice("POST", "/api/v1/folders", {{"name", "n"}, {"parent", parent}});
    ASSERT_EQ(nested.status, 201) << nested.raw;
    parent = nested.body["id"];
  }
  Reply too_deep = alice("POST", "/api/v1/folders", {{"name", "n"}, {"parent", parent}});
  EXPECT_EQ(too_deep.status, 422) << too_deep.raw;
  EXPECT_EQ(too_deep.error_code(), "limit_exceeded");

  // Deleting a folder moves its messages to archive.
  const std::string id = alice_message(work_id);
  Reply deleted = alice("DELETE", "/api/v1/folders/" + work_id);
  ASSERT_EQ(deleted.status, 200) << deleted.raw;
  EXPECT_EQ(deleted.body["moved_to_archive"], 1);
  EXPECT_TRUE(folder(work_id).is_null());
  EXPECT_EQ(listed("folder=archive"), Ids{id});
  EXPECT_EQ(alice("DELETE", "/api/v1/folders/" + work_id).status, 404);
  EXPECT_EQ(alice("DELETE", "/api/v1/folders/inbox").status, 404);
}

TEST_F(MailboxApi, LabelsListCreateUpdateDelete) {
  Reply created = alice("POST", "/api/v1/labels", {{"name", "Important"}, {"color", "#ff0000"}});
  ASSERT_EQ(created.status, 201) << created.raw;
  const std::string id = created.body["id"];
  EXPECT_EQ(alice("POST", "/api/v1/labels", {{"name", "Important"}}).status, 409);
  EXPECT_EQ(
      alice("POST", "/api/v1/labels", {{"name", "x"}, {"color", std::string(33, 'c')}}).status,
      400);

  // A PATCH keeps what it does not name.
  EXPECT_EQ(alice("PATCH", "/api/v1/labels/" + id, {{"color", "#00ff00"}}).status, 204);
  Reply labels = alice("GET", "/api/v1/labels");
  ASSERT_EQ(labels.status, 200) << labels.raw;
  ASSERT_EQ(labels.body["labels"].size(), 1u);
  EXPECT_EQ(labels.body["labels"][0]["name"], "Important");
  EXPECT_EQ(labels.body["labels"][0]["color"], "#00ff00");
  EXPECT_EQ(labels.body["labels"][0]["counts"]["total"], 0);
  EXPECT_EQ(alice("PATCH", "/api/v1/labels/" + id, {{"name", "Urgent"}}).status, 204);
  EXPECT_EQ(alice("GET", "/api/v1/labels").body["labels"][0]["color"], "#00ff00");

  EXPECT_EQ(alice("DELETE", "/api/v1/labels/" + id).status, 204);
  EXPECT_EQ(alice("GET", "/api/v1/labels").body["labels"].size(), 0u);
  EXPECT_EQ(alice("DELETE", "/api/v1/labels/" + id).status, 404);
  EXPECT_EQ(alice("PATCH", "/api/v1/labels/" + id, {{"name", "x"}}).status, 404);
}

TEST_F(MailboxApi, BulkChangesUpdateListingsAndCounts) {
  const std::string a = alice_message("inbox", 1000);
  const std::string b = alice_message("inbox", 2000);
  const std::string c = alice_message("inbox", 3000);
  const std::string folder_id = alice("POST", "/api/v1/folders", {{"name", "F"}}).body["id"];
  const std::string label_id = alice("POST", "/api/v1/labels", {{"name", "L"}}).body["id"];

  Json counts;
  EXPECT_EQ(listed("folder=inbox", &counts), (Ids{c, b, a}));
  EXPECT_EQ(counts, Json({{"total", 3}, {"unread", 3}}));

  Reply moved = alice("POST", "/api/v1/messages/move", {{"ids", {a, b}}, {"folder", folder_id}});
  ASSERT_EQ(moved.status, 200) << moved.raw;
  EXPECT_EQ(moved.body["changed"], 2);
  EXPECT_EQ(listed("folder=" + folder_id, &counts), (Ids{b, a}));
  EXPECT_EQ(counts["total"], 2);
  EXPECT_EQ(listed("folder=all", &counts), (Ids{c, b, a}));
  EXPECT_EQ(folder(folder_id)["counts"]["total"], 2);
  EXPECT_EQ(folder("inbox")["counts"]["total"], 1);
  EXPECT_EQ(alice("POST", "/api/v1/messages/move", {{"ids", {a}}, {"folder", "all"}}).status, 400);
  EXPECT_EQ(alice("POST", "/api/v1/messages/move", {{"ids", {a}}, {"folder", "nowhere"}}).status,
            400);

  Reply labelled = alice("POST", "/api/v1/messages/label", {{"ids", {a, c}}, {"label", label_id}});
  ASSERT_EQ(labelled.status, 200) << labelled.raw;
  EXPECT_EQ(labelled.body["changed"], 2);
  EXPECT_EQ(listed("label=" + label_id, &counts), (Ids{c, a}));
  EXPECT_EQ(counts["total"], 2);
  Reply list = alice("GET", "/api/v1/messages?folder=inbox");
  EXPECT_EQ(list.body["messages"][0]["labels"], Json({label_id}));
  EXPECT_EQ(list.body["messages"][0]["expires_ms"], 0);
  EXPECT_EQ(alice("POST", "/api/v1/messages/unlabel", {{"ids", {c}}, {"label", label_id}})
                .body["changed"],
            1);
  EXPECT_EQ(listed("label=" + label_id), Ids{a});
  EXPECT_EQ(alice("GET", "/api/v1/messages?folder=inbox&label=" + label_id).status, 400);

  Reply seen = alice("POST", "/api/v1/messages/flags", {{"ids", {a, b}}, {"set", {"seen"}}});
  ASSERT_EQ(seen.status, 200) << seen.raw;
  EXPECT_EQ(seen.body["changed"], 2);
  EXPECT_EQ(folder(folder_id)["counts"]["unread"], 0);
  EXPECT_EQ(
      alice("POST", "/api/v1/messages/flags", {{"ids", {a, b}}, {"set", {"seen"}}}).body["changed"],
      0);
  EXPECT_EQ(alice("POST", "/api/v1/messages/flags",
                  {{"ids", {a}}, {"set", {"flagged"}}, {"clear", {"seen"}}})
                .body["changed"],
            1);
  Reply summaries = alice("POST", "/api/v1/messages/summaries", {{"ids", {a, c}}});
  ASSERT_EQ(summaries.status, 200) << summaries.raw;
  ASSERT_EQ(summaries.body["messages"].size(), 2u);
  EXPECT_EQ(summaries.body["messages"][0]["id"], a);
  EXPECT_EQ(summaries.body["messages"][0]["flags"], store::kFlagFlagged);
  EXPECT_EQ(summaries.body["messages"][0]["folder"], folder_id);
  EXPECT_EQ(summaries.body["messages"][1]["id"], c);
  EXPECT_EQ(alice("POST", "/api/v1/messages/flags", {{"ids", {a}}, {"set", {"read"}}}).status, 400);
  EXPECT_EQ(alice("POST", "/api/v1/messages/flags",
                  {{"ids", {a}}, {"set", {"seen"}}, {"clear", {"seen"}}})
                .status,
            400);

  Reply expire =
      alice("POST", "/api/v1/messages/expire", {{"ids", {b}}, {"expires_ms", 5'000'000}});
  ASSERT_EQ(expire.status, 200) << expire.raw;
  EXPECT_EQ(expire.body["changed"], 1);
  EXPECT_EQ(
      alice("POST", "/api/v1/messages/summaries", {{"ids", {b}}}).body["messages"][0]["expires_ms"],
      5'000'000);
  EXPECT_EQ(alice("POST", "/api/v1/messages/expire", {{"ids", {b}}, {"expires_ms", -1}}).status,
            400);

  // Trash, then empty it: the bytes are given back.
  const int64_t used = server_->store().storage_used(alice_account_).value();
  EXPECT_EQ(alice("POST", "/api/v1/messages/move", {{"ids", {a, b}}, {"folder", "trash"}})
                .body["changed"],
            2);
  EXPECT_EQ(listed("folder=all"), Ids{c});
  EXPECT_EQ(alice("POST", "/api/v1/folders/inbox/empty").status, 400);
  EXPECT_EQ(alice("POST", "/api/v1/folders/" + folder_id + "/empty").status, 400);
  Reply emptied = alice("POST", "/api/v1/folders/trash/empty");
  ASSERT_EQ(emptied.status, 200) << emptied.raw;
  EXPECT_EQ(emptied.body["changed"], 2);
  EXPECT_LT(server_->store().storage_used(alice_account_).value(), used);
  EXPECT_EQ(folder("trash")["counts"]["total"], 0);

  Reply deleted = alice("POST", "/api/v1/messages/delete", {{"ids", {c, a}}});
  ASSERT_EQ(deleted.status, 200) << deleted.raw;
  EXPECT_EQ(deleted.body["changed"], 1);
  EXPECT_EQ(alice("GET", "/api/v1/messages/" + c).status, 404);
  EXPECT_EQ(server_->store().storage_used(alice_account_).value(), 0);
}

TEST_F(MailboxApi, BodiesAreChecked) {
  const std::string a = alice_message();
  EXPECT_EQ(alice("POST", "/api/v1/messages/delete", {{"ids", {"ABCDEF0123456789"}}}).status, 400);
  EXPECT_EQ(alice("POST", "/api/v1/messages/delete", {{"ids", {"123"}}}).status, 400);
  EXPECT_EQ(alice("POST", "/api/v1/messages/delete", {{"ids", {1}}}).status, 400);
  EXPECT_EQ(alice("POST", "/api/v1/messages/delete", {{"ids", a}}).status, 400);
  EXPECT_EQ(alice("POST", "/api/v1/messages/delete", Json::object()).status, 400);
  Json many = Json::array();
  for (size_t i = 0; i <= store::kMaxBulkIds; ++i) many.push_back(a);
  EXPECT_EQ(alice("POST", "/api/v1/messages/summaries", {{"ids", many}}).status, 400);
  many.erase(many.end() - 1);
  Reply most = alice("POST", "/api/v1/messages/summaries", {{"ids", many}});
  EXPECT_EQ(most.status, 200) << most.raw;
  EXPECT_EQ(most.body["messages"].size(), 1u);
  EXPECT_EQ(alice("POST", "/api/v1/messages/move", {{"ids", {a}}}).status, 400);
  EXPECT_EQ(alice("GET", "/api/v1/messages?folder=../inbox").status, 400);
  EXPECT_EQ(alice("GET", "/api/v1/messages?label=xyz").status, 400);
  // Without a full-scope token, nothing.
  EXPECT_EQ(server_->call("GET", "/api/v1/folders").status, 401);
  EXPECT_EQ(server_->call("POST", "/api/v1/messages/delete", {{"ids", {a}}}).status, 401);
  EXPECT_EQ(alice("GET", "/api/v1/messages/" + a).status, 200);
}

// What a client posts for a draft or a send: ciphertext the server cannot read.
Json authored(const std::string& from) {
  return {{"from", from},
          {"data_packet", "ZGF0YQ=="},
          {"summary_data_packet", "c3VtbWFyeQ=="},
          {"key_packets", "a2V5cw=="},
          {"summary_key_packets", "a2V5cw=="}};
}

TEST_F(MailboxApi, DraftsAreSavedReplacedAndLeaveDraftsWhenSent) {
  Reply first = alice("POST", "/api/v1/drafts", authored(alice_.address));
  ASSERT_EQ(first.status, 201) << first.raw;
  const std::string one = first.body["id"];
  Json counts;
  EXPECT_EQ(listed("folder=drafts", &counts), Ids{one});
  EXPECT_EQ(counts["unread"], 0);  // a draft is one's own: read

  Json again = authored(alice_.address);
  again["replaces"] = one;
  Reply second = alice("POST", "/api/v1/drafts", again);
  ASSERT_EQ(second.status, 201) << second.raw;
  const std::string two = second.body["id"];
  EXPECT_EQ(listed("folder=drafts"), Ids{two});
  // Saving over a draft that is gone changes nothing.
  Reply stale = alice("POST", "/api/v1/drafts", again);
  EXPECT_EQ(stale.status, 404) << stale.raw;
  EXPECT_EQ(stale.body["error"]["code"], "draft_not_found");
  EXPECT_EQ(listed("folder=drafts"), Ids{two});
  // Only a draft: an Inbox message cannot be replaced.
  Json inbox = authored(alice_.address);
  inbox["replaces"] = alice_message();
  EXPECT_EQ(alice("POST", "/api/v1/drafts", inbox).status, 404);
  EXPECT_EQ(alice("POST", "/api/v1/drafts", authored(bob_.address)).status, 403);
  Json bad = authored(alice_.address);
  bad["replaces"] = "../x";
  EXPECT_EQ(alice("POST", "/api/v1/drafts", bad).status, 400);

  // Bob can neither replace nor send alice's draft.
  Json bobs = authored(bob_.address);
  bobs["replaces"] = two;
  EXPECT_EQ(bob("POST", "/api/v1/drafts", bobs).status, 404);
  Json send = authored(bob_.address);
  send["copies"] = {{{"address", alice_.address},
                     {"key_packets", "a2V5cw=="},
                     {"summary_key_packets", "a2V5cw=="}}};
  send["sent"] = {{"key_packets", "a2V5cw=="}, {"summary_key_packets", "a2V5cw=="}};
  send["draft"] = two;
  EXPECT_EQ(bob("POST", "/api/v1/messages", send).status, 404);
  EXPECT_EQ(listed("folder=inbox").size(), 1u);  // nothing from bob arrived

  // Alice sends it: bob gets it, Sent has it, Drafts does not.
  send["from"] = alice_.address;
  send["copies"][0]["address"] = bob_.address;
  Reply sent = alice("POST", "/api/v1/messages", send);
  ASSERT_EQ(sent.status, 201) << sent.raw;
  EXPECT_TRUE(listed("folder=drafts").empty());
  EXPECT_EQ(listed("folder=sent"), Ids{sent.body["sent_id"].get<std::string>()});
  EXPECT_EQ(bob("GET", "/api/v1/messages?folder=inbox").body["messages"].size(), 1u);
  // Sent once: the draft is gone, so the same request again is refused.
  EXPECT_EQ(alice("POST", "/api/v1/messages", send).status, 404);
}

TEST_F(MailboxApi, ALargeBodyIsFetchedRawInPieces) {
  std::string data((2 << 20) + 3, '\0');
  for (size_t i = 0; i < data.size(); ++i) data[i] = static_cast<char>(i % 251);
  const std::string big = deliver(alice_account_, alice_.address, "inbox", 1000, data);
  const std::string small = alice_message();

  Reply head = alice("GET", "/api/v1/messages/" + big);
  ASSERT_EQ(head.status, 200) << head.raw;
  EXPECT_FALSE(head.body.contains("data_packet"));  // not inline: too large
  EXPECT_EQ(head.body["data_size"], data.size());
  EXPECT_FALSE(head.body["key_packets"].get<std::string>().empty());
  EXPECT_TRUE(alice("GET", "/api/v1/messages/" + small).body.contains("data_packet"));

  std::string fetched;
  for (int i = 0; i < 3; ++i) {
    Reply piece =
        alice("GET", "/api/v1/messages/" + big + "/data?offset=" + std::to_string(fetched.size()) +
                         "&length=1048576");
    ASSERT_EQ(piece.status, 200) << piece.raw;
    http::Request fields;
    fields.headers = piece.headers;
    EXPECT_EQ(fields.header("X-Data-Size"), std::to_string(data.size()));
    fetched += piece.raw;
  }
  EXPECT_TRUE(fetched == data);
  Reply whole = alice("GET", "/api/v1/messages/" + big + "/data");
  EXPECT_TRUE(whole.raw == data);
  EXPECT_EQ(alice("GET", "/api/v1/messages/" + big + "/data?offset=" + std::to_string(data.size()))
                .status,
            416);
  EXPECT_EQ(alice("GET", "/api/v1/messages/" + big + "/data?length=0").status, 400);
  EXPECT_EQ(alice("GET", "/api/v1/messages/" + big + "/data?length=16777217").status, 400);
  // Another account's message, or none: 404 either way.
  EXPECT_EQ(bob("GET", "/api/v1/messages/" + big + "/data").status, 404);
  EXPECT_EQ(bob("GET", "/api/v1/messages/" + big).status, 404);
  EXPECT_EQ(alice("GET", "/api/v1/messages/0000000000000000/data").status, 404);
}

TEST_F(MailboxApi, AnotherAccountsIdsAreNotFoundAndNeverTouched) {
  const std::string a = alice_message();
  const std::string mine = deliver(bob_account_, bob_.address, "inbox", 1000);
  const std::string folder_id = alice("POST", "/api/v1/folders", {{"name", "F"}}).body["id"];
  const std::string label_id = alice("POST", "/api/v1/labels", {{"name", "L"}}).body["id"];
  ASSERT_EQ(
      alice("POST", "/api/v1/messages/label", {{"ids", {a}}, {"label", label_id}}).body["changed"],
      1);

  // Single ids: 404, as for ids that do not exist.
  EXPECT_EQ(bob("PATCH", "/api/v1/folders/" + folder_id, {{"name", "mine"}}).status, 404);
  EXPECT_EQ(bob("DELETE", "/api/v1/folders/" + folder_id).status, 404);
  EXPECT_EQ(bob("POST", "/api/v1/folders", {{"name", "x"}, {"parent", folder_id}}).status, 404);
  EXPECT_EQ(bob("PATCH", "/api/v1/labels/" + label_id, {{"name", "mine"}}).status, 404);
  EXPECT_EQ(bob("DELETE", "/api/v1/labels/" + label_id).status, 404);
  EXPECT_EQ(bob("GET", "/api/v1/messages?folder=" + folder_id).status, 404);
  EXPECT_EQ(bob("GET", "/api/v1/messages?label=" + label_id).status, 404);
  EXPECT_EQ(bob("GET", "/api/v1/messages/" + a).status, 404);
  EXPECT_EQ(bob("POST", "/api/v1/messages/move", {{"ids", {mine}}, {"folder", folder_id}}).status,
            404);
  EXPECT_EQ(bob("POST", "/api/v1/messages/label", {{"ids", {mine}}, {"label", label_id}}).status,
            404);

  // Bulk calls skip what is not bob's.
  EXPECT_EQ(bob("POST", "/api/v1/messages/summaries", {{"ids", {a}}}).body["messages"].size(), 0u);
  EXPECT_EQ(
      bob("POST", "/api/v1/messages/move", {{"ids", {a}}, {"folder", "trash"}}).body["changed"], 0);
  EXPECT_EQ(
      bob("POST", "/api/v1/messages/flags", {{"ids", {a}}, {"set", {"seen"}}}).body["changed"], 0);
  EXPECT_EQ(
      bob("POST", "/api/v1/messages/expire", {{"ids", {a}}, {"expires_ms", 1}}).body["changed"], 0);
  EXPECT_EQ(bob("POST", "/api/v1/messages/delete", {{"ids", {a, mine}}}).body["changed"], 1);
  EXPECT_EQ(bob("POST", "/api/v1/folders/trash/empty").body["changed"], 0);
  EXPECT_EQ(bob("GET", "/api/v1/folders").body["folders"].size(), 7u);
  EXPECT_EQ(bob("GET", "/api/v1/labels").body["labels"].size(), 0u);

  // Alice's things are as they were.
  Reply hers = alice("POST", "/api/v1/messages/summaries", {{"ids", {a}}});
  ASSERT_EQ(hers.body["messages"].size(), 1u);
  EXPECT_EQ(hers.body["messages"][0]["folder"], "inbox");
  EXPECT_EQ(hers.body["messages"][0]["flags"], 0);
  EXPECT_EQ(hers.body["messages"][0]["expires_ms"], 0);
  EXPECT_EQ(hers.body["messages"][0]["labels"], Json({label_id}));
  EXPECT_EQ(folder(folder_id)["name"], "F");
  EXPECT_EQ(alice("GET", "/api/v1/labels").body["labels"][0]["name"], "L");
}

}  // namespace
}  // namespace sealmail::server::api::testing
