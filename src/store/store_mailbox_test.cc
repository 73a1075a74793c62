// The behavioural suite of the mailbox model — folders, labels, flags, bulk changes, expiry and
// the events they append — run against every backend in all_backends(). Speaks only store.h.
#include <gtest/gtest.h>

#include <algorithm>
#include <cstdio>
#include <limits>
#include <random>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/store.h"
#include "store/store_test_backends.h"
#include "store/store_users_fixture.h"

namespace sealmail::store {
namespace {

using namespace testing;  // the fixture's record builders
using Json = nlohmann::json;

// "00000000000000a7" for 0xa7.
std::string mid(int n) {
  char id[17];
  std::snprintf(id, sizeof id, "%016x", n);
  return id;
}

const std::string kBody(50, '\xd1');  // every test message's data packet

MessageRecord message(AccountId account, int n, std::string_view folder = kInbox) {
  MessageRecord m;
  m.account = account;
  m.id = mid(n);
  m.address = "alice@example.org";
  m.folder = folder;
  m.received_at_ms = 1'000 + n;
  m.key_packets = bytes("pkesk");
  m.data_packet = kBody;
  m.summary = bytes("summary-" + m.id);
  return m;
}

int64_t size_of(const MessageRecord& m) {
  return static_cast<int64_t>(m.key_packets.size() + m.data_packet.size() + m.summary.size());
}

std::vector<std::string> ids_of(const std::vector<MessageRecord>& messages) {
  std::vector<std::string> ids;
  for (const MessageRecord& m : messages) ids.push_back(m.id);
  return ids;
}

class StoreMailboxTest : public StoreUsersFixture {
 protected:
  void SetUp() override {
    StoreUsersFixture::SetUp();
    alice_ = user("alice@example.org");
    bob_ = user("bob@example.org");
  }

  // Stores the messages, one delivery each, all in one call.
  void deliver(const std::vector<MessageRecord>& messages) {
    std::vector<Delivery> deliveries;
    for (const MessageRecord& m : messages) {
      deliveries.push_back(Delivery{.copies = {m},
                                    .quota_bytes = {0},
                                    .data_packet = m.data_packet,
                                    .body_upload = {},
                                    .outbound = {},
                                    .replaces_draft = {}});
    }
    auto statuses = store_->deliver(deliveries);
    ASSERT_TRUE(statuses.ok()) << statuses.error().describe();
    for (const Status& s : *statuses) ASSERT_TRUE(s.ok()) << s.error().describe();
  }
  void deliver_range(AccountId account, int first, int count, std::string_view folder = kInbox) {
    std::vector<MessageRecord> messages;
    for (int i = first; i < first + count; ++i) messages.push_back(message(account, i, folder));
    deliver(messages);
  }

  std::vector<std::string> listed(AccountId account, std::string_view folder, size_t limit = 100,
                                  size_t offset = 0) {
    auto messages = store_->list_messages(account, folder, limit, offset);
    EXPECT_TRUE(messages.ok()) << messages.error().describe();
    return messages.ok() ? ids_of(*messages) : std::vector<std::string>{};
  }
  std::vector<std::string> labelled(AccountId account, std::string_view label) {
    auto messages = store_->list_messages_by_label(account, label, 100, 0);
    EXPECT_TRUE(messages.ok()) << messages.error().describe();
    return messages.ok() ? ids_of(*messages) : std::vector<std::string>{};
  }

  // The events of `account` after `after`; moves `after` past them.
  std::vector<Event> events_since(AccountId account, Cursor& after) {
    auto events = store_->events_after(account, after, 100'000);
    EXPECT_TRUE(events.ok()) << events.error().describe();
    if (!events.ok()) return {};
    if (!events->empty()) {
      EXPECT_EQ(events->front().cursor, after + 1);  // no gaps
      after = events->back().cursor;
    }
    return std::move(events).value();
  }
  Cursor now_cursor(AccountId account) { return store_->last_cursor(account).value_or(-1); }

  MessageCounts counts_of(AccountId account, std::string_view folder) {
    auto counts = store_->count_messages(account, folder);
    EXPECT_TRUE(counts.ok()) << counts.error().describe();
    return counts.value_or({});
  }

  std::string folder(AccountId account, std::string_view parent, std::string_view name) {
    auto id = store_->create_folder(account, parent, name);
    EXPECT_TRUE(id.ok()) << id.error().describe();
    return id.value_or("");
  }
  std::string label(AccountId account, std::string_view name, std::string_view color = "#ff0000") {
    auto id = store_->create_label(account, name, color);
    EXPECT_TRUE(id.ok()) << id.error().describe();
    return id.value_or("");
  }

  AccountId alice_;
  AccountId bob_;
};

// ---- folders

TEST_P(StoreMailboxTest, EveryAccountHasTheSystemFoldersWithCounts) {
  deliver_range(alice_, 1, 3);
  deliver_range(alice_, 4, 1, kSpam);
  ASSERT_TRUE(store_->set_flags(alice_, {mid(1)}, kFlagSeen, 0).ok());
  auto folders = store_->list_folders(alice_);
  ASSERT_TRUE(folders.ok()) << folders.error().describe();
  ASSERT_EQ(folders->size(), 6u);
  for (size_t i = 0; i < 6; ++i) {
    EXPECT_EQ((*folders)[i].id, kSystemFolders[i]);
    EXPECT_TRUE((*folders)[i].system);
  }
  EXPECT_EQ((*folders)[0].counts.total, 3);
  EXPECT_EQ((*folders)[0].counts.unread, 2);
  EXPECT_EQ((*folders)[4].counts.total, 1);
  EXPECT_EQ((*folders)[1].counts.total, 0);
  EXPECT_EQ(counts_of(alice_, kInbox).unread, 2);
  // All Mail leaves spam (and trash) out.
  EXPECT_EQ(counts_of(alice_, kAllMail).total, 3);
  EXPECT_EQ(store_->list_folders(bob_)->size(), 6u);
  EXPECT_EQ(counts_of(bob_, kInbox).total, 0);
  EXPECT_EQ(code_of(store_->list_folders(AccountId{999})), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->count_messages(alice_, "Inbox")), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->count_messages(alice_, mid(77))), Errc::kNotFound);
}

TEST_P(StoreMailboxTest, FoldersNestAndNamesAreUniqueAmongSiblings) {
  Cursor after = now_cursor(alice_);
  const std::string work = folder(alice_, "", "Work");
  const std::string projects = folder(alice_, work, "Projects");
  const std::string top_projects = folder(alice_, "", "Projects");  // another parent: fine
  const std::string archive = folder(alice_, projects, "2024");
  EXPECT_EQ(work.size(), 16u);
  EXPECT_NE(projects, top_projects);
  EXPECT_EQ(code_of(store_->create_folder(alice_, work, "Projects")), Errc::kAlreadyExists);
  EXPECT_EQ(code_of(store_->create_folder(alice_, "", "Work")), Errc::kAlreadyExists);
  EXPECT_TRUE(store_->create_folder(alice_, "", "work").ok());  // bytes compared exactly

  EXPECT_EQ(code_of(store_->create_folder(alice_, "", "")), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->create_folder(alice_, "", "a\tb")), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->create_folder(alice_, "", std::string(256, 'x'))),
            Errc::kInvalidArgument);
  EXPECT_TRUE(store_->create_folder(alice_, "", std::string(255, 'x')).ok());
  EXPECT_TRUE(store_->create_folder(alice_, "", "Ünïcödé / with spaces").ok());
  EXPECT_EQ(code_of(store_->create_folder(alice_, "inbox", "x")), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->create_folder(alice_, "nonsense", "x")), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->create_folder(alice_, mid(5), "x")), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->create_folder(AccountId{999}, "", "x")), Errc::kNotFound);

  auto folders = store_->list_folders(alice_);
  ASSERT_TRUE(folders.ok()) << folders.error().describe();
  std::vector<std::string> names;
  for (size_t i = 6; i < folders->size(); ++i) names.push_back((*folders)[i].name);
  // Depth first, siblings by name (bytes).
  EXPECT_EQ(names, (std::vector<std::string>{"Projects", "Work", "Projects", "2024", "work",
                                             std::string(255, 'x'), "Ünïcödé / with spaces"}));
  EXPECT_EQ((*folders)[9].id, archive);
  EXPECT_EQ((*folders)[9].parent, projects);
  EXPECT_FALSE((*folders)[9].system);
  EXPECT_GT((*folders)[9].created_at_ms, 0);

  auto events = events_since(alice_, after);
  ASSERT_EQ(events.size(), 7u);
  EXPECT_EQ(events[1].kind, "folder.created");
  auto payload = Json::parse(events[1].payload);
  EXPECT_EQ(payload, (Json{{"id", projects}, {"parent", work}, {"name", "Projects"}}));
}

TEST_P(StoreMailboxTest, FoldersAreRenamedAndMovedWithoutLoops) {
  const std::string a = folder(alice_, "", "A");
  const std::string b = folder(alice_, a, "B");
  const std::string c = folder(alice_, b, "C");
  const std::string other = folder(alice_, "", "C");
  Cursor after = now_cursor(alice_);

  ASSERT_TRUE(store_->rename_folder(alice_, b, "Bee").ok());
  ASSERT_TRUE(store_->rename_folder(alice_, b, "Bee").ok());  // no change, no event
  EXPECT_EQ(store_->rename_folder(alice_, other, "A").error().code, Errc::kAlreadyExists);
  EXPECT_EQ(store_->rename_folder(alice_, "inbox", "x").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(store_->rename_folder(alice_, mid(9), "x").error().code, Errc::kNotFound);
  EXPECT_EQ(store_->rename_folder(alice_, b, "").error().code, Errc::kInvalidArgument);

  EXPECT_EQ(store_->move_folder(alice_, a, c).error().code, Errc::kInvalidArgument);  // loop
  EXPECT_EQ(store_->move_folder(alice_, a, a).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(store_->move_folder(alice_, c, "").error().code, Errc::kAlreadyExists);  // "C"
  EXPECT_EQ(store_->move_folder(alice_, c, "trash").error().code, Errc::kInvalidArgument);
  EXPECT_EQ(store_->move_folder(alice_, c, mid(9)).error().code, Errc::kNotFound);
  ASSERT_TRUE(store_->move_folder(alice_, b, other).ok());  // with C inside
  ASSERT_TRUE(store_->move_folder(alice_, b, other).ok());  // already there: no event

  auto folders = store_->list_folders(alice_);
  ASSERT_TRUE(folders.ok());
  std::vector<std::pair<std::string, std::string>> tree;
  for (size_t i = 6; i < folders->size(); ++i) {
    tree.emplace_back((*folders)[i].name, (*folders)[i].parent);
  }
  EXPECT_EQ(tree, (std::vector<std::pair<std::string, std::string>>{
                      {"A", ""}, {"C", ""}, {"Bee", other}, {"C", b}}));

  auto events = events_since(alice_, after);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "folder.updated");
  EXPECT_EQ(Json::parse(events[0].payload), (Json{{"id", b}, {"parent", a}, {"name", "Bee"}}));
  EXPECT_EQ(Json::parse(events[1].payload), (Json{{"id", b}, {"parent", other}, {"name", "Bee"}}));
}

TEST_P(StoreMailboxTest, NestingHasADepthLimit) {
  std::string parent;
  std::vector<std::string> chain;
  for (size_t depth = 1; depth <= kMaxFolderDepth; ++depth) {
    parent = folder(alice_, parent, "level");
    chain.push_back(parent);
  }
  EXPECT_EQ(code_of(store_->create_folder(alice_, parent, "too deep")), Errc::kLimitExceeded);
  // A two-level subtree cannot go under the deepest-but-one folder either.
  const std::string top = folder(alice_, "", "top");
  folder(alice_, top, "child");
  EXPECT_EQ(store_->move_folder(alice_, top, chain[kMaxFolderDepth - 2]).error().code,
            Errc::kLimitExceeded);
  EXPECT_TRUE(store_->move_folder(alice_, top, chain[kMaxFolderDepth - 3]).ok());
}

TEST_P(StoreMailboxTest, DeletingAFolderKeepsItsMailInAllMailAndDeletesItsSubfolders) {
  const std::string work = folder(alice_, "", "Work");
  const std::string old = folder(alice_, work, "Old");
  const std::string keep = folder(alice_, "", "Keep");
  deliver({message(alice_, 1, work), message(alice_, 2, old), message(alice_, 3, keep),
           message(alice_, 4)});
  EXPECT_EQ(counts_of(alice_, work).total, 1);
  Cursor after = now_cursor(alice_);

  auto moved = store_->delete_folder(alice_, work);
  ASSERT_TRUE(moved.ok()) << moved.error().describe();
  EXPECT_EQ(*moved, 2);
  EXPECT_EQ(listed(alice_, kArchive), (std::vector<std::string>{mid(2), mid(1)}));
  EXPECT_EQ(listed(alice_, kAllMail).size(), 4u);
  EXPECT_EQ(code_of(store_->list_messages(alice_, old, 10, 0)), Errc::kNotFound);
  EXPECT_EQ(store_->list_folders(alice_)->size(), 7u);  // the system six and Keep
  EXPECT_EQ(code_of(store_->delete_folder(alice_, work)), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->delete_folder(alice_, "inbox")), Errc::kInvalidArgument);
  // A new folder may take a deleted one's name.
  EXPECT_TRUE(store_->create_folder(alice_, "", "Work").ok());

  auto events = events_since(alice_, after);
  ASSERT_EQ(events.size(), 4u);
  EXPECT_EQ(events[0].kind, "message.updated");
  EXPECT_EQ(Json::parse(events[0].payload),
            (Json{{"ids", {mid(1), mid(2)}}, {"folder", "archive"}}));
  EXPECT_EQ(events[1].kind, "folder.deleted");
  EXPECT_EQ(Json::parse(events[1].payload), (Json{{"id", old}}));  // children first
  EXPECT_EQ(Json::parse(events[2].payload), (Json{{"id", work}}));
  EXPECT_EQ(events[3].kind, "folder.created");
}

// ---- labels

TEST_P(StoreMailboxTest, LabelsAreCreatedUpdatedCountedAndDeleted) {
  deliver_range(alice_, 1, 4);
  Cursor after = now_cursor(alice_);
  const std::string red = label(alice_, "Red", "#ff0000");
  const std::string blue = label(alice_, "Blue", "");
  EXPECT_EQ(code_of(store_->create_label(alice_, "Red", "#00ff00")), Errc::kAlreadyExists);
  EXPECT_EQ(code_of(store_->create_label(alice_, "x", std::string(33, 'c'))),
            Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->create_label(alice_, "x", "#\x01")), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->create_label(alice_, "", "")), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->create_label(AccountId{999}, "x", "")), Errc::kNotFound);

  EXPECT_EQ(store_->add_label(alice_, {mid(1), mid(2), mid(3)}, red).value_or(-1), 3);
  EXPECT_EQ(store_->add_label(alice_, {mid(2), mid(4)}, red).value_or(-1), 1);  // 2 had it
  EXPECT_EQ(store_->add_label(alice_, {mid(2)}, blue).value_or(-1), 1);
  ASSERT_TRUE(store_->set_flags(alice_, {mid(1)}, kFlagSeen, 0).ok());

  auto labels = store_->list_labels(alice_);
  ASSERT_TRUE(labels.ok()) << labels.error().describe();
  ASSERT_EQ(labels->size(), 2u);
  EXPECT_EQ((*labels)[0].name, "Blue");  // by name
  EXPECT_EQ((*labels)[0].counts.total, 1);
  EXPECT_EQ((*labels)[1].id, red);
  EXPECT_EQ((*labels)[1].color, "#ff0000");
  EXPECT_EQ((*labels)[1].counts.total, 4);
  EXPECT_EQ((*labels)[1].counts.unread, 3);

  EXPECT_EQ(labelled(alice_, red), (std::vector<std::string>{mid(4), mid(3), mid(2), mid(1)}));
  auto two = store_->get_message(alice_, mid(2));
  ASSERT_TRUE(two.ok());
  std::vector<std::string> both = {red, blue};
  std::sort(both.begin(), both.end());
  EXPECT_EQ(two->labels, both);

  EXPECT_EQ(store_->remove_label(alice_, {mid(1), mid(2), mid(2)}, red).value_or(-1), 2);
  EXPECT_EQ(store_->remove_label(alice_, {mid(1)}, red).value_or(-1), 0);
  EXPECT_EQ(labelled(alice_, red), (std::vector<std::string>{mid(4), mid(3)}));

  ASSERT_TRUE(store_->update_label(alice_, red, "Crimson", "#990000").ok());
  ASSERT_TRUE(store_->update_label(alice_, red, "Crimson", "#990000").ok());  // no event
  EXPECT_EQ(store_->update_label(alice_, blue, "Crimson", "").error().code, Errc::kAlreadyExists);
  EXPECT_EQ(store_->update_label(alice_, mid(8), "x", "").error().code, Errc::kNotFound);

  ASSERT_TRUE(store_->delete_label(alice_, blue).ok());
  EXPECT_EQ(store_->delete_label(alice_, blue).error().code, Errc::kNotFound);
  EXPECT_TRUE(store_->get_message(alice_, mid(2))->labels.empty());
  EXPECT_EQ(code_of(store_->list_messages_by_label(alice_, blue, 10, 0)), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->add_label(alice_, {mid(1)}, blue)), Errc::kNotFound);

  std::vector<std::string> kinds;
  for (const Event& e : events_since(alice_, after)) kinds.push_back(e.kind);
  EXPECT_EQ(kinds,
            (std::vector<std::string>{"label.created", "label.created", "message.updated",
                                      "message.updated", "message.updated", "message.updated",
                                      "message.updated", "label.updated", "label.deleted"}));
  auto events = *store_->events_after(alice_, 0, 1000);
  auto find = [&](std::string_view kind, size_t nth) {
    for (const Event& e : events) {
      if (e.kind == kind && nth-- == 0) return Json::parse(e.payload);
    }
    return Json();
  };
  EXPECT_EQ(find("label.created", 0), (Json{{"id", red}, {"name", "Red"}, {"color", "#ff0000"}}));
  EXPECT_EQ(find("message.updated", 0),
            (Json{{"ids", {mid(1), mid(2), mid(3)}}, {"labels_added", {red}}}));
  EXPECT_EQ(find("message.updated", 1), (Json{{"ids", {mid(4)}}, {"labels_added", {red}}}));
  EXPECT_EQ(find("message.updated", 4),
            (Json{{"ids", {mid(1), mid(2)}}, {"labels_removed", {red}}}));
  EXPECT_EQ(find("label.updated", 0),
            (Json{{"id", red}, {"name", "Crimson"}, {"color", "#990000"}}));
  EXPECT_EQ(find("label.deleted", 0), (Json{{"id", blue}}));
}

// ---- messages: moves, flags, listings

TEST_P(StoreMailboxTest, MovesChangeTheFolderAndAnnounceOnlyWhatChanged) {
  deliver_range(alice_, 1, 3);
  deliver_range(bob_, 11, 1);
  const std::string work = folder(alice_, "", "Work");
  Cursor after = now_cursor(alice_);
  const Cursor bob_before = now_cursor(bob_);

  // bob's message and an unknown id are skipped; a repeated id counts once.
  auto moved = store_->move_messages(alice_, {mid(1), mid(2), mid(2), mid(11), mid(99)}, work);
  ASSERT_TRUE(moved.ok()) << moved.error().describe();
  EXPECT_EQ(*moved, 2);
  EXPECT_EQ(listed(alice_, work), (std::vector<std::string>{mid(2), mid(1)}));
  EXPECT_EQ(listed(alice_, kInbox), (std::vector<std::string>{mid(3)}));
  EXPECT_EQ(listed(bob_, kInbox), (std::vector<std::string>{mid(11)}));
  EXPECT_EQ(store_->move_messages(alice_, {mid(1)}, work).value_or(-1), 0);  // already there
  EXPECT_EQ(store_->move_messages(alice_, {}, kTrash).value_or(-1), 0);
  EXPECT_EQ(store_->move_messages(alice_, {mid(3)}, kTrash).value_or(-1), 1);
  EXPECT_EQ(store_->get_message(alice_, mid(3))->folder, "trash");

  EXPECT_EQ(code_of(store_->move_messages(alice_, {mid(1)}, kAllMail)), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->move_messages(alice_, {mid(1)}, "Trash")), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->move_messages(alice_, {mid(1)}, mid(42))), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->move_messages(alice_, {"NOT-AN-ID"}, kTrash)), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->move_messages(AccountId{999}, {mid(1)}, kTrash)), Errc::kNotFound);
  // bob cannot use alice's folder.
  EXPECT_EQ(code_of(store_->move_messages(bob_, {mid(11)}, work)), Errc::kNotFound);

  auto events = events_since(alice_, after);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "message.updated");
  EXPECT_EQ(Json::parse(events[0].payload), (Json{{"ids", {mid(1), mid(2)}}, {"folder", work}}));
  EXPECT_EQ(Json::parse(events[1].payload), (Json{{"ids", {mid(3)}}, {"folder", "trash"}}));
  EXPECT_EQ(now_cursor(bob_), bob_before);
}

TEST_P(StoreMailboxTest, FlagsAreSetAndClearedOnManyMessagesAtOnce) {
  deliver_range(alice_, 1, 4);
  Cursor after = now_cursor(alice_);
  EXPECT_EQ(store_->set_flags(alice_, {mid(1), mid(2)}, kFlagSeen | kFlagFlagged, 0).value_or(-1),
            2);
  // 1 and 2 become seen+answered, 3 becomes seen+answered too but from 0; 2 was flagged.
  EXPECT_EQ(store_->set_flags(alice_, {mid(2), mid(3)}, kFlagSeen | kFlagAnswered, kFlagFlagged)
                .value_or(-1),
            2);
  EXPECT_EQ(store_->set_flags(alice_, {mid(3)}, kFlagSeen, 0).value_or(-1), 0);  // no change
  EXPECT_EQ(store_->get_message(alice_, mid(1))->flags, kFlagSeen | kFlagFlagged);
  EXPECT_EQ(store_->get_message(alice_, mid(2))->flags, kFlagSeen | kFlagAnswered);
  EXPECT_EQ(store_->get_message(alice_, mid(3))->flags, kFlagSeen | kFlagAnswered);
  EXPECT_EQ(store_->get_message(alice_, mid(4))->flags, 0);
  EXPECT_EQ(counts_of(alice_, kInbox).unread, 1);
  EXPECT_EQ(store_->set_flags(alice_, {mid(1), mid(2), mid(3)}, 0, kFlagSeen).value_or(-1), 3);
  EXPECT_EQ(counts_of(alice_, kInbox).unread, 4);

  EXPECT_EQ(code_of(store_->set_flags(alice_, {mid(1)}, 16, 0)), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->set_flags(alice_, {mid(1)}, 0, -1)), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->set_flags(alice_, {mid(1)}, kFlagSeen, kFlagSeen)),
            Errc::kInvalidArgument);

  auto events = events_since(alice_, after);
  ASSERT_EQ(events.size(), 4u);  // one per resulting value of each call that changed any
  EXPECT_EQ(Json::parse(events[0].payload), (Json{{"ids", {mid(1), mid(2)}}, {"flags", 3}}));
  EXPECT_EQ(Json::parse(events[1].payload), (Json{{"ids", {mid(2), mid(3)}}, {"flags", 5}}));
  // The last call left three messages with two different values.
  EXPECT_EQ(Json::parse(events[2].payload), (Json{{"ids", {mid(1)}}, {"flags", 2}}));
  EXPECT_EQ(Json::parse(events[3].payload), (Json{{"ids", {mid(2), mid(3)}}, {"flags", 4}}));
}

TEST_P(StoreMailboxTest, AllMailIsEveryFolderButTrashAndSpamNewestFirst) {
  const std::string work = folder(alice_, "", "Work");
  deliver({message(alice_, 1), message(alice_, 2, kSpam), message(alice_, 3, work),
           message(alice_, 4, kTrash), message(alice_, 5, kSent), message(alice_, 6)});
  MessageRecord tie = message(alice_, 7);
  tie.received_at_ms = message(alice_, 6).received_at_ms;  // same time: higher id first
  deliver({tie});
  EXPECT_EQ(listed(alice_, kAllMail),
            (std::vector<std::string>{mid(7), mid(6), mid(5), mid(3), mid(1)}));
  EXPECT_EQ(listed(alice_, kAllMail, 2, 1), (std::vector<std::string>{mid(6), mid(5)}));
  EXPECT_EQ(listed(alice_, kAllMail, 10, 5), std::vector<std::string>{});
  EXPECT_EQ(listed(alice_, kInbox), (std::vector<std::string>{mid(7), mid(6), mid(1)}));
  EXPECT_EQ(counts_of(alice_, kAllMail).total, 5);
  EXPECT_EQ(counts_of(alice_, work).total, 1);
  EXPECT_EQ(code_of(store_->list_messages(alice_, "nonsense", 10, 0)), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->list_messages(bob_, work, 10, 0)), Errc::kNotFound);
  EXPECT_TRUE(listed(bob_, kAllMail).empty());
}

TEST_P(StoreMailboxTest, ListingsCarryLabelsAndLabelListingsArePaged) {
  deliver_range(alice_, 1, 5);
  const std::string red = label(alice_, "Red");
  const std::string blue = label(alice_, "Blue");
  ASSERT_TRUE(store_->add_label(alice_, {mid(1), mid(3), mid(5)}, red).ok());
  ASSERT_TRUE(store_->add_label(alice_, {mid(3)}, blue).ok());
  ASSERT_TRUE(store_->move_messages(alice_, {mid(5)}, kTrash).ok());

  auto inbox = store_->list_messages(alice_, kInbox, 10, 0);
  ASSERT_TRUE(inbox.ok());
  ASSERT_EQ(inbox->size(), 4u);
  std::vector<std::string> both = {red, blue};
  std::sort(both.begin(), both.end());
  EXPECT_EQ((*inbox)[1].id, mid(3));
  EXPECT_EQ((*inbox)[1].labels, both);
  EXPECT_EQ((*inbox)[3].labels, std::vector<std::string>{red});
  EXPECT_TRUE((*inbox)[0].labels.empty());
  EXPECT_TRUE((*inbox)[0].data_packet.empty());

  // A label's listing spans every folder, trash included.
  EXPECT_EQ(labelled(alice_, red), (std::vector<std::string>{mid(5), mid(3), mid(1)}));
  auto page = store_->list_messages_by_label(alice_, red, 1, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 1u);
  EXPECT_EQ((*page)[0].id, mid(3));
  EXPECT_EQ((*page)[0].labels, both);
  EXPECT_EQ((*page)[0].summary, bytes("summary-" + mid(3)));
  EXPECT_EQ(code_of(store_->list_messages_by_label(bob_, red, 10, 0)), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->list_messages_by_label(alice_, "red", 10, 0)), Errc::kNotFound);
}

// ---- deletion and expiry

TEST_P(StoreMailboxTest, DeletingMessagesRemovesRowsLabelsAndTheirBytes) {
  deliver_range(alice_, 1, 4);
  deliver_range(bob_, 11, 1);
  const std::string red = label(alice_, "Red");
  ASSERT_TRUE(store_->add_label(alice_, {mid(1), mid(2)}, red).ok());
  const int64_t one = size_of(message(alice_, 1));
  ASSERT_EQ(store_->storage_used(alice_).value_or(-1), 4 * one);
  Cursor after = now_cursor(alice_);

  auto deleted = store_->delete_messages(alice_, {mid(1), mid(3), mid(11), mid(50)});
  ASSERT_TRUE(deleted.ok()) << deleted.error().describe();
  EXPECT_EQ(*deleted, 2);
  EXPECT_EQ(store_->storage_used(alice_).value_or(-1), 2 * one);
  EXPECT_EQ(store_->storage_used(bob_).value_or(-1), one);  // bob's was skipped
  EXPECT_EQ(code_of(store_->get_message(alice_, mid(1))), Errc::kNotFound);
  EXPECT_TRUE(store_->get_message(bob_, mid(11)).ok());
  EXPECT_EQ(labelled(alice_, red), std::vector<std::string>{mid(2)});
  EXPECT_EQ(store_->list_labels(alice_)->at(0).counts.total, 1);
  EXPECT_EQ(store_->delete_messages(alice_, {mid(1)}).value_or(-1), 0);

  auto events = events_since(alice_, after);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].kind, "message.deleted");
  EXPECT_EQ(Json::parse(events[0].payload), (Json{{"ids", {mid(1), mid(3)}}}));

  // The id is free again.
  deliver({message(alice_, 1)});
  EXPECT_EQ(store_->storage_used(alice_).value_or(-1), 3 * one);
}

TEST_P(StoreMailboxTest, OnlyTrashAndSpamAreEmptied) {
  deliver_range(alice_, 1, 2, kTrash);
  deliver_range(alice_, 3, 1, kSpam);
  deliver_range(alice_, 4, 1);
  deliver_range(bob_, 5, 1, kTrash);
  Cursor after = now_cursor(alice_);
  EXPECT_EQ(store_->empty_folder(alice_, kTrash).value_or(-1), 2);
  EXPECT_EQ(store_->empty_folder(alice_, kTrash).value_or(-1), 0);
  EXPECT_EQ(code_of(store_->empty_folder(alice_, kInbox)), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->empty_folder(alice_, kAllMail)), Errc::kInvalidArgument);
  EXPECT_EQ(store_->empty_folder(alice_, kSpam).value_or(-1), 1);
  EXPECT_EQ(listed(alice_, kInbox), std::vector<std::string>{mid(4)});
  EXPECT_EQ(listed(bob_, kTrash), std::vector<std::string>{mid(5)});
  EXPECT_EQ(store_->storage_used(alice_).value_or(-1), size_of(message(alice_, 4)));
  auto events = events_since(alice_, after);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(Json::parse(events[0].payload), (Json{{"ids", {mid(1), mid(2)}}}));
  EXPECT_EQ(Json::parse(events[1].payload), (Json{{"ids", {mid(3)}}}));
}

TEST_P(StoreMailboxTest, ExpiredMessagesAreDeletedForGood) {
  MessageRecord soon = message(alice_, 1);
  soon.expires_at_ms = 5'000;
  MessageRecord later = message(alice_, 2);
  later.expires_at_ms = 9'000;
  MessageRecord bobs = message(bob_, 3);
  bobs.expires_at_ms = 4'000;
  deliver({soon, later, bobs, message(alice_, 4)});
  EXPECT_EQ(store_->get_message(alice_, mid(1))->expires_at_ms, 5'000);
  const std::string red = label(alice_, "Red");
  ASSERT_TRUE(store_->add_label(alice_, {mid(1)}, red).ok());

  // Afterwards too: 4 gets an expiry, 2 loses its own.
  Cursor after = now_cursor(alice_);
  EXPECT_EQ(store_->set_expiry(alice_, {mid(4), mid(3)}, 6'000).value_or(-1), 1);
  EXPECT_EQ(store_->set_expiry(alice_, {mid(2)}, 0).value_or(-1), 1);
  EXPECT_EQ(store_->set_expiry(alice_, {mid(2)}, 0).value_or(-1), 0);
  EXPECT_EQ(code_of(store_->set_expiry(alice_, {mid(2)}, -1)), Errc::kInvalidArgument);
  auto set_events = events_since(alice_, after);
  ASSERT_EQ(set_events.size(), 2u);
  EXPECT_EQ(Json::parse(set_events[0].payload), (Json{{"ids", {mid(4)}}, {"expires_at_ms", 6000}}));

  EXPECT_EQ(store_->delete_expired(3'999, 100).value_or(-1), 0);
  // The earliest first: bob's (4000), then alice's 1 (5000); 4 (6000) waits for a next call.
  EXPECT_EQ(store_->delete_expired(10'000, 2).value_or(-1), 2);
  EXPECT_EQ(code_of(store_->get_message(bob_, mid(3))), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->get_message(alice_, mid(1))), Errc::kNotFound);
  EXPECT_TRUE(store_->get_message(alice_, mid(4)).ok());
  EXPECT_EQ(store_->storage_used(bob_).value_or(-1), 0);
  EXPECT_EQ(store_->storage_used(alice_).value_or(-1), 2 * size_of(message(alice_, 2)));
  EXPECT_EQ(store_->list_labels(alice_)->at(0).counts.total, 0);

  // prune() sweeps too.
  auto pruned = store_->prune(10'000, 0);
  ASSERT_TRUE(pruned.ok()) << pruned.error().describe();
  EXPECT_EQ(pruned->messages, 1);
  EXPECT_EQ(listed(alice_, kInbox), std::vector<std::string>{mid(2)});
  EXPECT_EQ(store_->delete_expired(std::numeric_limits<int64_t>::max(), 100).value_or(-1), 0);

  auto events = events_since(alice_, after);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "message.deleted");
  EXPECT_EQ(Json::parse(events[0].payload), (Json{{"ids", {mid(1)}}}));
  EXPECT_EQ(Json::parse(events[1].payload), (Json{{"ids", {mid(4)}}}));
  Cursor bob_after = 1;  // past bob's message.created
  auto bob_events = events_since(bob_, bob_after);
  ASSERT_EQ(bob_events.size(), 1u);
  EXPECT_EQ(bob_events[0].kind, "message.deleted");
}

// ---- delivery into the mailbox model

TEST_P(StoreMailboxTest, DeliveryStoresFolderFlagsLabelsAndExpiry) {
  const std::string work = folder(alice_, "", "Work");
  const std::string red = label(alice_, "Red");
  const std::string bobs_label = label(bob_, "Bob's");
  const std::string bobs_folder = folder(bob_, "", "Bob's");
  MessageRecord m = message(alice_, 1, work);
  m.flags = kFlagSeen | kFlagForwarded;
  m.labels = {red, red};
  m.expires_at_ms = 77'000;
  Cursor after = now_cursor(alice_);
  deliver({m});
  auto stored = store_->get_message(alice_, mid(1));
  ASSERT_TRUE(stored.ok());
  EXPECT_EQ(stored->folder, work);
  EXPECT_EQ(stored->flags, kFlagSeen | kFlagForwarded);
  EXPECT_EQ(stored->labels, std::vector<std::string>{red});
  EXPECT_EQ(stored->expires_at_ms, 77'000);
  auto events = events_since(alice_, after);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(Json::parse(events[0].payload), (Json{{"id", mid(1)},
                                                  {"folder", work},
                                                  {"flags", 9},
                                                  {"labels", {red}},
                                                  {"expires_at_ms", 77000}}));

  MessageRecord foreign_label = message(alice_, 2);
  foreign_label.labels = {bobs_label};
  MessageRecord bad_flags = message(alice_, 3);
  bad_flags.flags = 16;
  MessageRecord bad_expiry = message(alice_, 4);
  bad_expiry.expires_at_ms = -1;
  auto statuses = store_->deliver({Delivery{.copies = {message(alice_, 5, bobs_folder)},
                                            .quota_bytes = {0},
                                            .data_packet = kBody,
                                            .body_upload = {},
                                            .outbound = {},
                                            .replaces_draft = {}},
                                   Delivery{.copies = {foreign_label},
                                            .quota_bytes = {0},
                                            .data_packet = kBody,
                                            .body_upload = {},
                                            .outbound = {},
                                            .replaces_draft = {}},
                                   Delivery{.copies = {bad_flags},
                                            .quota_bytes = {0},
                                            .data_packet = kBody,
                                            .body_upload = {},
                                            .outbound = {},
                                            .replaces_draft = {}},
                                   Delivery{.copies = {bad_expiry},
                                            .quota_bytes = {0},
                                            .data_packet = kBody,
                                            .body_upload = {},
                                            .outbound = {},
                                            .replaces_draft = {}},
                                   Delivery{.copies = {message(alice_, 6, "all")},
                                            .quota_bytes = {0},
                                            .data_packet = kBody,
                                            .body_upload = {},
                                            .outbound = {},
                                            .replaces_draft = {}}});
  ASSERT_TRUE(statuses.ok()) << statuses.error().describe();
  EXPECT_EQ((*statuses)[0].error().code, Errc::kNotFound);
  EXPECT_EQ((*statuses)[1].error().code, Errc::kNotFound);
  EXPECT_EQ((*statuses)[2].error().code, Errc::kInvalidArgument);
  EXPECT_EQ((*statuses)[3].error().code, Errc::kInvalidArgument);
  EXPECT_EQ((*statuses)[4].error().code, Errc::kInvalidArgument);
  EXPECT_EQ(listed(alice_, kAllMail), std::vector<std::string>{mid(1)});
  EXPECT_EQ(store_->storage_used(alice_).value_or(-1), size_of(m));
}

// ---- another account's ids

TEST_P(StoreMailboxTest, AnotherAccountsFoldersLabelsAndMessagesAreNotThere) {
  const std::string bobs_folder = folder(bob_, "", "Secret");
  const std::string bobs_label = label(bob_, "Secret");
  deliver_range(bob_, 1, 1);
  ASSERT_TRUE(store_->add_label(bob_, {mid(1)}, bobs_label).ok());
  const Cursor alice_before = now_cursor(alice_);
  const Cursor bob_before = now_cursor(bob_);

  EXPECT_EQ(store_->rename_folder(alice_, bobs_folder, "x").error().code, Errc::kNotFound);
  EXPECT_EQ(store_->move_folder(alice_, bobs_folder, "").error().code, Errc::kNotFound);
  EXPECT_EQ(code_of(store_->delete_folder(alice_, bobs_folder)), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->create_folder(alice_, bobs_folder, "x")), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->count_messages(alice_, bobs_folder)), Errc::kNotFound);
  EXPECT_EQ(store_->update_label(alice_, bobs_label, "x", "").error().code, Errc::kNotFound);
  EXPECT_EQ(store_->delete_label(alice_, bobs_label).error().code, Errc::kNotFound);
  EXPECT_EQ(code_of(store_->add_label(alice_, {mid(1)}, bobs_label)), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->remove_label(alice_, {mid(1)}, bobs_label)), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->list_messages_by_label(alice_, bobs_label, 1, 0)), Errc::kNotFound);
  // Bulk calls on bob's message ids change nothing.
  EXPECT_EQ(store_->set_flags(alice_, {mid(1)}, kFlagSeen, 0).value_or(-1), 0);
  EXPECT_EQ(store_->set_expiry(alice_, {mid(1)}, 1).value_or(-1), 0);
  EXPECT_EQ(store_->move_messages(alice_, {mid(1)}, kTrash).value_or(-1), 0);
  EXPECT_EQ(store_->delete_messages(alice_, {mid(1)}).value_or(-1), 0);
  EXPECT_TRUE(store_->get_summaries(alice_, {mid(1)})->empty());
  // Names are per account: alice may use bob's.
  EXPECT_TRUE(store_->create_folder(alice_, "", "Secret").ok());
  EXPECT_TRUE(store_->create_label(alice_, "Secret", "").ok());

  auto bobs = store_->get_message(bob_, mid(1));
  ASSERT_TRUE(bobs.ok());
  EXPECT_EQ(bobs->flags, 0);
  EXPECT_EQ(bobs->folder, "inbox");
  EXPECT_EQ(bobs->expires_at_ms, 0);
  EXPECT_EQ(bobs->labels, std::vector<std::string>{bobs_label});
  EXPECT_EQ(store_->list_folders(bob_)->size(), 7u);
  EXPECT_EQ(now_cursor(alice_), alice_before + 2);  // only her own two creations
  EXPECT_EQ(now_cursor(bob_), bob_before);
}

// ---- bulk fetch, and changes too large for one event

TEST_P(StoreMailboxTest, TenThousandSummariesAtOnceAndEventsSplitPastTheLimit) {
  const int n = static_cast<int>(kMaxBulkIds);
  deliver_range(alice_, 0, n + 1);
  std::vector<std::string> ids;
  for (int i = n; i >= 1; --i) ids.push_back(mid(i));  // in an order of our own
  const std::string red = label(alice_, "Red");
  ASSERT_EQ(store_->add_label(alice_, {mid(7)}, red).value_or(-1), 1);

  auto summaries = store_->get_summaries(alice_, ids);
  ASSERT_TRUE(summaries.ok()) << summaries.error().describe();
  ASSERT_EQ(summaries->size(), ids.size());
  EXPECT_EQ(ids_of(*summaries), ids);  // the order asked
  for (const MessageRecord& m : *summaries) {
    ASSERT_TRUE(m.data_packet.empty());
    ASSERT_EQ(m.summary, bytes("summary-" + m.id));
  }
  EXPECT_EQ((*summaries)[n - 7].labels, std::vector<std::string>{red});
  std::vector<std::string> too_many = ids;
  too_many.push_back(mid(0));
  EXPECT_EQ(code_of(store_->get_summaries(alice_, too_many)), Errc::kLimitExceeded);
  EXPECT_EQ(code_of(store_->get_summaries(alice_, {mid(1), "zz"})), Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->move_messages(alice_, too_many, kTrash)), Errc::kLimitExceeded);
  auto repeated = store_->get_summaries(alice_, {mid(3), mid(3), mid(2)});
  ASSERT_TRUE(repeated.ok());
  EXPECT_EQ(ids_of(*repeated), (std::vector<std::string>{mid(3), mid(2)}));

  // Two bulk moves put all n + 1 in the trash; emptying it names them in two events.
  ASSERT_EQ(store_->move_messages(alice_, ids, kTrash).value_or(-1), n);
  ASSERT_EQ(store_->move_messages(alice_, {mid(0)}, kTrash).value_or(-1), 1);
  EXPECT_EQ(counts_of(alice_, kTrash).total, n + 1);
  EXPECT_EQ(counts_of(alice_, kTrash).unread, n + 1);
  Cursor after = now_cursor(alice_);
  EXPECT_EQ(store_->empty_folder(alice_, kTrash).value_or(-1), n + 1);
  auto events = events_since(alice_, after);
  ASSERT_EQ(events.size(), 2u);
  size_t named = 0;
  for (const Event& e : events) {
    EXPECT_EQ(e.kind, "message.deleted");
    EXPECT_LE(e.payload.size(), kMaxEventPayloadBytes);
    named += Json::parse(e.payload)["ids"].size();
  }
  EXPECT_EQ(named, static_cast<size_t>(n + 1));
  EXPECT_EQ(store_->storage_used(alice_).value_or(-1), 0);
  EXPECT_EQ(store_->list_labels(alice_)->at(0).counts.total, 0);
}

// Counts are kept as changes happen (not counted per listing): after a long random mix of
// every kind of change they still equal what the listings hold.
TEST_P(StoreMailboxTest, CountsStayEqualToTheListingsThroughEveryKindOfChange) {
  const std::string work = folder(alice_, "", "Work");
  const std::string red = label(alice_, "Red");
  const std::string blue = label(alice_, "Blue");
  const std::vector<std::string> folders = {std::string(kInbox), std::string(kArchive),
                                            std::string(kTrash), std::string(kSpam), work};
  std::mt19937 random(20261125);
  auto pick = [&](size_t n) { return static_cast<size_t>(random() % n); };
  int next = 0;
  auto some_ids = [&] {
    std::vector<std::string> ids;
    for (size_t i = 0, n = 1 + pick(6); i < n; ++i) ids.push_back(mid(pick(next + 1)));
    return ids;
  };
  auto check = [&](int step) {
    SCOPED_TRACE(step);
    MessageCounts all;
    for (const std::string& f : folders) {
      auto listed = store_->list_messages(alice_, f, 1000, 0);
      ASSERT_TRUE(listed.ok());
      MessageCounts expected{.total = static_cast<int64_t>(listed->size()), .unread = 0};
      for (const MessageRecord& m : *listed) expected.unread += (m.flags & kFlagSeen) == 0;
      EXPECT_EQ(counts_of(alice_, f).total, expected.total) << f;
      EXPECT_EQ(counts_of(alice_, f).unread, expected.unread) << f;
      if (f != kTrash && f != kSpam) {
        all.total += expected.total;
        all.unread += expected.unread;
      }
    }
    EXPECT_EQ(counts_of(alice_, kAllMail).total, all.total);
    EXPECT_EQ(counts_of(alice_, kAllMail).unread, all.unread);
    auto labels = store_->list_labels(alice_);
    ASSERT_TRUE(labels.ok());
    for (const LabelRecord& l : *labels) {
      auto listed = store_->list_messages_by_label(alice_, l.id, 1000, 0);
      ASSERT_TRUE(listed.ok());
      int64_t unread = 0;
      for (const MessageRecord& m : *listed) unread += (m.flags & kFlagSeen) == 0;
      EXPECT_EQ(l.counts.total, static_cast<int64_t>(listed->size())) << l.name;
      EXPECT_EQ(l.counts.unread, unread) << l.name;
    }
  };
  std::string green;
  for (int step = 0; step < 300; ++step) {
    switch (pick(10)) {
      case 0:
      case 1: {
        MessageRecord m = message(alice_, next++, folders[pick(folders.size())]);
        m.flags = pick(2) ? kFlagSeen : 0;
        if (pick(3) == 0) m.labels = {red};
        deliver({m});
        break;
      }
      case 2:
        ASSERT_TRUE(store_->move_messages(alice_, some_ids(), folders[pick(folders.size())]).ok());
        break;
      case 3:
        ASSERT_TRUE(store_->set_flags(alice_, some_ids(), kFlagSeen, 0).ok());
        break;
      case 4:
        ASSERT_TRUE(store_->set_flags(alice_, some_ids(), 0, kFlagSeen | kFlagFlagged).ok());
        break;
      case 5:
        ASSERT_TRUE(store_->add_label(alice_, some_ids(), pick(2) ? red : blue).ok());
        break;
      case 6:
        ASSERT_TRUE(store_->remove_label(alice_, some_ids(), pick(2) ? red : blue).ok());
        break;
      case 7:
        ASSERT_TRUE(store_->delete_messages(alice_, some_ids()).ok());
        break;
      case 8:
        if (pick(4) == 0) {
          ASSERT_TRUE(store_->empty_folder(alice_, pick(2) ? kTrash : kSpam).ok());
        } else {
          ASSERT_TRUE(store_->set_expiry(alice_, some_ids(), 5).ok());
          ASSERT_TRUE(store_->delete_expired(10, 1000).ok());
        }
        break;
      case 9:
        if (green.empty()) {
          green = label(alice_, "Green");
          ASSERT_TRUE(store_->add_label(alice_, some_ids(), green).ok());
        } else {
          ASSERT_TRUE(store_->delete_label(alice_, green).ok());
          green.clear();
        }
        break;
    }
    if (step % 25 == 24) check(step);
  }
  check(300);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreMailboxTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sealmail::store
