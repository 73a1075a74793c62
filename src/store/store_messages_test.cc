// The behavioural suite of aliases, catch-all addresses and stored messages, run against every
// backend in all_backends(). Speaks only store.h.
#include <gtest/gtest.h>

#include <atomic>
#include <cstdio>
#include <set>
#include <sstream>
#include <string>
#include <thread>
#include <vector>

#include <nlohmann/json.hpp>

#include "store/store.h"
#include "store/store_test_backends.h"
#include "store/store_users_fixture.h"

namespace sealmail::store {
namespace {

using namespace testing;  // the fixture's record builders

MessageRecord copy_for(AccountId account, std::string_view address, std::string_view id,
                       size_t data_bytes = 100) {
  MessageRecord m;
  m.account = account;
  m.id = id;
  m.address = address;
  m.folder = "inbox";
  m.received_at_ms = 1'000;
  m.key_packets = bytes("pkesk-" + std::string(id));
  m.data_packet = std::string(data_bytes, '\xd1');
  m.summary = bytes("summary");
  return m;
}

Delivery delivery_of(std::vector<MessageRecord> copies, int64_t quota = 0) {
  Delivery d;
  d.quota_bytes.assign(copies.size(), quota);
  if (!copies.empty()) d.data_packet = copies.front().data_packet;
  d.copies = std::move(copies);
  return d;
}

class StoreMessagesTest : public StoreUsersFixture {};

// ---- recipients, aliases, catch-all

TEST_P(StoreMessagesTest, RecipientIsTheAddressThenAnAliasThenTheCatchAll) {
  ASSERT_TRUE(store_->add_domain("example.org").ok());
  AccountId alice = user("alice@example.org");
  AccountId bob = user("bob@example.org");
  ASSERT_TRUE(store_->add_alias("Sales@example.org", "alice@example.org").ok());

  auto direct = store_->find_recipient("BOB@example.org");
  ASSERT_TRUE(direct.ok()) << direct.error().describe();
  EXPECT_EQ(direct->account, bob);
  auto aliased = store_->find_recipient("sales@EXAMPLE.org");
  ASSERT_TRUE(aliased.ok()) << aliased.error().describe();
  EXPECT_EQ(aliased->account, alice);
  EXPECT_EQ(code_of(store_->find_recipient("nobody@example.org")), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->find_recipient("not an address")), Errc::kNotFound);

  ASSERT_TRUE(store_->set_catch_all("example.org", "bob@example.org").ok());
  auto caught = store_->find_recipient("nobody@example.org");
  ASSERT_TRUE(caught.ok()) << caught.error().describe();
  EXPECT_EQ(caught->account, bob);
  // The catch-all never beats an existing address or alias.
  EXPECT_EQ(store_->find_recipient("sales@example.org")->account, alice);
  EXPECT_EQ(store_->find_recipient("alice@example.org")->account, alice);
  EXPECT_EQ(code_of(store_->find_recipient("nobody@example.net")), Errc::kNotFound);

  ASSERT_TRUE(store_->set_catch_all("example.org", "").ok());
  EXPECT_EQ(code_of(store_->find_recipient("nobody@example.org")), Errc::kNotFound);
  EXPECT_EQ(store_->find_domain("example.org")->catch_all, "");
}

TEST_P(StoreMessagesTest, AliasesAreUniqueAmongAddressesAndPointAtAnAddress) {
  user("alice@example.org");
  EXPECT_EQ(store_->add_alias("ALICE@example.org", "alice@example.org").error().code,
            Errc::kAlreadyExists);
  EXPECT_EQ(store_->add_alias("x@example.org", "ghost@example.org").error().code, Errc::kNotFound);
  ASSERT_TRUE(store_->add_alias("x@example.org", "Alice@Example.org").ok());
  EXPECT_EQ(store_->add_alias("X@example.org", "alice@example.org").error().code,
            Errc::kAlreadyExists);
  auto aliases = store_->list_aliases();
  ASSERT_TRUE(aliases.ok());
  ASSERT_EQ(aliases->size(), 1u);
  EXPECT_EQ((*aliases)[0].alias, "x@example.org");
  EXPECT_EQ((*aliases)[0].target, "alice@example.org");
  EXPECT_TRUE(store_->remove_alias("X@EXAMPLE.ORG").ok());
  EXPECT_EQ(store_->remove_alias("x@example.org").error().code, Errc::kNotFound);
  EXPECT_EQ(store_->set_catch_all("example.org", "alice@example.org").error().code,
            Errc::kNotFound);  // the domain is not hosted
  ASSERT_TRUE(store_->add_domain("example.org").ok());
  EXPECT_EQ(store_->set_catch_all("example.org", "ghost@example.org").error().code,
            Errc::kNotFound);
}

// ---- messages

TEST_P(StoreMessagesTest, DeliveredCopiesAreListedFetchedCountedAndAnnounced) {
  AccountId alice = user("alice@example.org");
  AccountId bob = user("bob@example.org");
  auto statuses =
      store_->deliver({delivery_of({copy_for(alice, "alice@example.org", "00000000000000a1"),
                                    copy_for(bob, "bob@example.org", "00000000000000b1")})});
  ASSERT_TRUE(statuses.ok()) << statuses.error().describe();
  ASSERT_EQ(statuses->size(), 1u);
  EXPECT_TRUE((*statuses)[0].ok()) << (*statuses)[0].error().describe();

  auto listed = store_->list_messages(alice, "inbox", 10, 0);
  ASSERT_TRUE(listed.ok()) << listed.error().describe();
  ASSERT_EQ(listed->size(), 1u);
  EXPECT_EQ((*listed)[0].id, "00000000000000a1");
  EXPECT_TRUE((*listed)[0].data_packet.empty());
  EXPECT_EQ((*listed)[0].summary, bytes("summary"));
  EXPECT_EQ(store_->list_messages(alice, "spam", 10, 0)->size(), 0u);

  auto full = store_->get_message(bob, "00000000000000b1");
  ASSERT_TRUE(full.ok()) << full.error().describe();
  EXPECT_EQ(full->data_packet, std::string(100, '\xd1'));
  EXPECT_EQ(full->key_packets, bytes("pkesk-00000000000000b1"));
  EXPECT_EQ(full->address, "bob@example.org");
  const int64_t size = full->size;
  EXPECT_EQ(size, static_cast<int64_t>(full->key_packets.size() + 100 + full->summary.size()));
  EXPECT_EQ(store_->storage_used(bob).value_or(-1), size);
  // Another account's message is not there.
  EXPECT_EQ(code_of(store_->get_message(alice, "00000000000000b1")), Errc::kNotFound);

  auto events = store_->events_after(bob, 0, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 1u);
  EXPECT_EQ((*events)[0].kind, "message.created");
  auto payload = nlohmann::json::parse((*events)[0].payload);
  EXPECT_EQ(payload["id"], "00000000000000b1");
  EXPECT_EQ(payload["folder"], "inbox");
}

TEST_P(StoreMessagesTest, AFullMailboxRefusesTheWholeDeliveryAndOnlyIt) {
  AccountId alice = user("alice@example.org");
  AccountId bob = user("bob@example.org");
  MessageRecord first = copy_for(alice, "alice@example.org", "0000000000000001", 1000);
  const int64_t quota =
      static_cast<int64_t>(first.key_packets.size() + 1000 + first.summary.size());
  ASSERT_TRUE(store_->deliver({delivery_of({first}, quota)}).ok());

  // bob has room, alice does not: neither copy of the second message is stored, and the third
  // delivery in the same batch is.
  std::vector<Delivery> batch;
  batch.push_back(Delivery{.copies = {copy_for(bob, "bob@example.org", "0000000000000002"),
                                      copy_for(alice, "alice@example.org", "0000000000000002")},
                           .quota_bytes = {0, quota},
                           .data_packet = std::string(100, '\xd1'),
                           .body_upload = {},
                           .outbound = {},
                           .replaces_draft = {}});
  batch.push_back(delivery_of({copy_for(bob, "bob@example.org", "0000000000000003")}));
  auto statuses = store_->deliver(batch);
  ASSERT_TRUE(statuses.ok()) << statuses.error().describe();
  ASSERT_EQ(statuses->size(), 2u);
  EXPECT_EQ((*statuses)[0].error().code, Errc::kLimitExceeded);
  EXPECT_TRUE((*statuses)[1].ok());
  EXPECT_EQ(code_of(store_->get_message(bob, "0000000000000002")), Errc::kNotFound);
  EXPECT_TRUE(store_->get_message(bob, "0000000000000003").ok());
  EXPECT_EQ(store_->storage_used(alice).value_or(-1), quota);
  EXPECT_EQ(store_->last_cursor(alice).value_or(-1), 1);
  EXPECT_EQ(store_->last_cursor(bob).value_or(-1), 1);
}

TEST_P(StoreMessagesTest, BadDeliveriesAreRefusedOneByOne) {
  AccountId alice = user("alice@example.org");
  ASSERT_TRUE(
      store_->deliver({delivery_of({copy_for(alice, "alice@example.org", "00000000000000aa")})})
          .ok());
  MessageRecord bad_id = copy_for(alice, "alice@example.org", "NOT-HEX-16-CHARS");
  MessageRecord empty = copy_for(alice, "alice@example.org", "00000000000000ab");
  empty.data_packet.clear();
  auto statuses = store_->deliver(
      {delivery_of({bad_id}), delivery_of({empty}),
       delivery_of({copy_for(alice, "alice@example.org", "00000000000000aa")}),
       delivery_of({copy_for(AccountId{999}, "x@example.org", "00000000000000ac")}), Delivery{}});
  ASSERT_TRUE(statuses.ok()) << statuses.error().describe();
  ASSERT_EQ(statuses->size(), 5u);
  EXPECT_EQ((*statuses)[0].error().code, Errc::kInvalidArgument);
  EXPECT_EQ((*statuses)[1].error().code, Errc::kInvalidArgument);
  EXPECT_EQ((*statuses)[2].error().code, Errc::kAlreadyExists);
  EXPECT_EQ((*statuses)[3].error().code, Errc::kNotFound);
  EXPECT_EQ((*statuses)[4].error().code, Errc::kInvalidArgument);
  EXPECT_EQ(store_->list_messages(alice, "inbox", 10, 0)->size(), 1u);
}

TEST_P(StoreMessagesTest, OutboundMessagesAreQueuedWithTheSentCopyOrNotAtAll) {
  AccountId alice = user("alice@example.org");
  Delivery sent = delivery_of({copy_for(alice, "alice@example.org", "00000000000000b1")});
  sent.outbound.push_back(OutboundRecord{.id = "00000000000000c1",
                                         .account = alice,
                                         .sender = "alice@example.org",
                                         .recipients = {"carol@outside.test", "dan@outside.test"},
                                         .message = bytes("sealed-1"),
                                         .created_at_ms = 5,
                                         .next_attempt_ms = 5,
                                         .attempts = 0,
                                         .last_error = {},
                                         .lease_owner = {},
                                         .lease_until_ms = 0});
  // A job without recipients spoils its whole delivery: no Sent copy, no job.
  Delivery bad = delivery_of({copy_for(alice, "alice@example.org", "00000000000000b2")});
  OutboundRecord no_recipients = sent.outbound.front();
  no_recipients.id = "00000000000000c2";
  no_recipients.recipients.clear();
  bad.outbound.push_back(no_recipients);
  auto statuses = store_->deliver({sent, bad});
  ASSERT_TRUE(statuses.ok()) << statuses.error().describe();
  EXPECT_TRUE((*statuses)[0].ok());
  EXPECT_EQ((*statuses)[1].error().code, Errc::kInvalidArgument);
  EXPECT_EQ(code_of(store_->get_message(alice, "00000000000000b2")), Errc::kNotFound);

  auto queued = store_->list_outbound(10, 0);
  ASSERT_TRUE(queued.ok()) << queued.error().describe();
  ASSERT_EQ(queued->size(), 1u);
  const OutboundRecord& job = queued->front();
  EXPECT_EQ(job.id, "00000000000000c1");
  EXPECT_EQ(job.account, alice);
  EXPECT_EQ(job.recipients, (std::vector<std::string>{"carol@outside.test", "dan@outside.test"}));
  EXPECT_EQ(job.message, bytes("sealed-1"));
  EXPECT_EQ(job.attempts, 0);
  EXPECT_EQ(store_->get_outbound("00000000000000c1")->message, bytes("sealed-1"));
  EXPECT_EQ(code_of(store_->get_outbound("00000000000000c2")), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->get_outbound("../etc")), Errc::kNotFound);
  EXPECT_TRUE(store_->list_outbound(10, 1)->empty());
}

TEST_P(StoreMessagesTest, ADraftIsReplacedOrSentInTheSameTransaction) {
  AccountId alice = user("alice@example.org");
  AccountId bob = user("bob@example.org");
  auto draft = [&](std::string_view id) {
    MessageRecord m = copy_for(alice, "alice@example.org", id);
    m.folder = "drafts";
    return m;
  };
  ASSERT_TRUE((*store_->deliver({delivery_of({draft("00000000000000d1")})}))[0].ok());
  const Cursor before = *store_->last_cursor(alice);

  // Saved anew: the old draft goes, the new one comes, deleted before created.
  Delivery again = delivery_of({draft("00000000000000d2")});
  again.replaces_draft = "00000000000000d1";
  ASSERT_TRUE((*store_->deliver({again}))[0].ok());
  EXPECT_EQ(code_of(store_->get_message(alice, "00000000000000d1")), Errc::kNotFound);
  auto events = store_->events_after(alice, before, 10);
  ASSERT_TRUE(events.ok());
  ASSERT_EQ(events->size(), 2u);
  EXPECT_EQ((*events)[0].kind, "message.deleted");
  EXPECT_EQ((*events)[1].kind, "message.created");
  EXPECT_EQ(store_->count_messages(alice, "drafts")->total, 1);

  // A draft that is gone, or not in Drafts, spoils the delivery: nothing is stored.
  Delivery stale = delivery_of({draft("00000000000000d3")});
  stale.replaces_draft = "00000000000000d1";
  EXPECT_EQ((*store_->deliver({stale}))[0].error().code, Errc::kNotFound);
  EXPECT_EQ(code_of(store_->get_message(alice, "00000000000000d3")), Errc::kNotFound);
  ASSERT_TRUE((*store_->deliver(
      {delivery_of({copy_for(alice, "alice@example.org", "00000000000000e1")})}))[0]
                  .ok());
  Delivery not_a_draft = delivery_of({draft("00000000000000d4")});
  not_a_draft.replaces_draft = "00000000000000e1";
  EXPECT_EQ((*store_->deliver({not_a_draft}))[0].error().code, Errc::kNotFound);
  EXPECT_TRUE(store_->get_message(alice, "00000000000000e1").ok());

  // Sent: bob's copy and alice's Sent copy come, the draft (the last copy's account's) goes.
  MessageRecord to_bob = copy_for(bob, "bob@example.org", "00000000000000f1");
  MessageRecord sent = copy_for(alice, "alice@example.org", "00000000000000f2");
  sent.folder = "sent";
  Delivery send = delivery_of({to_bob, sent});
  send.replaces_draft = "00000000000000d2";
  ASSERT_TRUE((*store_->deliver({send}))[0].ok());
  EXPECT_EQ(store_->count_messages(alice, "drafts")->total, 0);
  EXPECT_TRUE(store_->get_message(bob, "00000000000000f1").ok());
  EXPECT_EQ(store_->storage_used(alice).value(),
            store_->get_message(alice, "00000000000000f2")->size +
                store_->get_message(alice, "00000000000000e1")->size);
}

TEST_P(StoreMessagesTest, AnUploadedBodyIsSharedByTheDeliveryThatNamesIt) {
  AccountId alice = user("alice@example.org");
  AccountId bob = user("bob@example.org");
  // 3 MiB and a bit: several pieces.
  std::string packet(3 * (1 << 20) + 17, '\0');
  for (size_t i = 0; i < packet.size(); ++i) packet[i] = static_cast<char>(i * 7);
  std::istringstream data(packet);
  ASSERT_TRUE(
      store_->add_upload(alice, "00000000000000a1", data, static_cast<int64_t>(packet.size()), 1000)
          .ok());

  // Bob cannot use alice's upload; nothing of his delivery is stored.
  MessageRecord stolen = copy_for(bob, "bob@example.org", "00000000000000b9");
  Delivery theft = delivery_of({stolen});
  theft.data_packet.clear();
  theft.body_upload = "00000000000000a1";
  EXPECT_EQ((*store_->deliver({theft}))[0].error().code, Errc::kNotFound);

  MessageRecord to_bob = copy_for(bob, "bob@example.org", "00000000000000b1");
  MessageRecord sent = copy_for(alice, "alice@example.org", "00000000000000b2");
  sent.folder = "sent";
  Delivery send = delivery_of({to_bob, sent});
  send.data_packet.clear();
  send.body_upload = "00000000000000a1";
  ASSERT_TRUE((*store_->deliver({send}))[0].ok());
  auto bobs = store_->get_message(bob, "00000000000000b1");
  ASSERT_TRUE(bobs.ok()) << bobs.error().describe();
  EXPECT_TRUE(bobs->data_packet == packet);
  EXPECT_EQ(bobs->size,
            static_cast<int64_t>(packet.size() + bobs->key_packets.size() + bobs->summary.size()));
  // Read back in pieces, in place: a piece from the middle, the tail, and nothing past it.
  auto piece = store_->read_body(bob, "00000000000000b1", 1 << 20, 1000);
  ASSERT_TRUE(piece.ok()) << piece.error().describe();
  EXPECT_EQ(piece->total, static_cast<int64_t>(packet.size()));
  EXPECT_TRUE(piece->bytes == packet.substr(1 << 20, 1000));
  auto tail = store_->read_body(alice, "00000000000000b2", static_cast<int64_t>(packet.size()) - 5,
                                kMaxBodyRead);
  ASSERT_TRUE(tail.ok());
  EXPECT_TRUE(tail->bytes == packet.substr(packet.size() - 5));
  EXPECT_EQ(store_->read_body(bob, "00000000000000b1", static_cast<int64_t>(packet.size()), 1)
                .error()
                .code,
            Errc::kInvalidArgument);
  EXPECT_EQ(store_->read_body(bob, "00000000000000b1", 0, kMaxBodyRead + 1).error().code,
            Errc::kInvalidArgument);
  EXPECT_EQ(store_->read_body(alice, "00000000000000b1", 0, 10).error().code, Errc::kNotFound);
  EXPECT_EQ(store_->read_body(bob, "../etc", 0, 10).error().code, Errc::kNotFound);
  // Used up: a second delivery cannot name it.
  Delivery again = delivery_of({copy_for(alice, "alice@example.org", "00000000000000b3")});
  again.data_packet.clear();
  again.body_upload = "00000000000000a1";
  EXPECT_EQ((*store_->deliver({again}))[0].error().code, Errc::kNotFound);
  // The body outlives one copy and goes with the last.
  ASSERT_EQ(store_->delete_messages(bob, {"00000000000000b1"}).value(), 1);
  EXPECT_TRUE(store_->get_message(alice, "00000000000000b2")->data_packet == packet);
  ASSERT_EQ(store_->delete_messages(alice, {"00000000000000b2"}).value(), 1);

  // Refusals: short data, bad sizes, too many unused, a bad id.
  std::istringstream short_data("abc");
  EXPECT_EQ(store_->add_upload(alice, "00000000000000a2", short_data, 10, 1000).error().code,
            Errc::kIo);
  std::istringstream empty;
  EXPECT_EQ(store_->add_upload(alice, "00000000000000a2", empty, 0, 1000).error().code,
            Errc::kInvalidArgument);
  std::istringstream one("x");
  EXPECT_EQ(store_->add_upload(alice, "../x", one, 1, 1000).error().code, Errc::kInvalidArgument);
  for (size_t i = 0; i < kMaxPendingUploads; ++i) {
    std::istringstream piece("x");
    char id[17];
    std::snprintf(id, sizeof id, "%016zx", 0xc0 + i);
    ASSERT_TRUE(store_->add_upload(alice, id, piece, 1, 1000 + static_cast<int64_t>(i)).ok()) << i;
  }
  std::istringstream over("x");
  EXPECT_EQ(store_->add_upload(alice, "00000000000000a3", over, 1, 2000).error().code,
            Errc::kLimitExceeded);

  // Unused uploads are pruned after a day: the oldest go, then all.
  auto pruned = store_->prune(1000 + kUploadLifetimeMs, 0);
  ASSERT_TRUE(pruned.ok());
  EXPECT_EQ(pruned->uploads, 1);
  pruned = store_->prune(3000 + kUploadLifetimeMs, 0);
  EXPECT_EQ(pruned->uploads, static_cast<int64_t>(kMaxPendingUploads) - 1);
  std::istringstream fits("x");
  EXPECT_TRUE(store_->add_upload(alice, "00000000000000a3", fits, 1, 4000).ok());
}

// Queues one outbound job `id` for `account`, due at `due_ms`.
void queue_job(Store& store, AccountId account, std::string_view id, int64_t due_ms,
               std::vector<std::string> recipients = {"carol@outside.test"}) {
  Delivery d = delivery_of({copy_for(account, "alice@example.org", id)});
  d.outbound.push_back(OutboundRecord{.id = std::string(id),
                                      .account = account,
                                      .sender = "alice@example.org",
                                      .recipients = std::move(recipients),
                                      .message = "sealed",
                                      .created_at_ms = due_ms,
                                      .next_attempt_ms = due_ms,
                                      .attempts = 0,
                                      .last_error = {},
                                      .lease_owner = {},
                                      .lease_until_ms = 0});
  auto statuses = store.deliver({d});
  ASSERT_TRUE(statuses.ok() && (*statuses)[0].ok());
}

std::vector<std::string> ids_of(const std::vector<OutboundRecord>& jobs) {
  std::vector<std::string> ids;
  for (const OutboundRecord& job : jobs) ids.push_back(job.id);
  return ids;
}

TEST_P(StoreMessagesTest, WorkersLeaseOutboundJobsAndNeverShareOne) {
  AccountId alice = user("alice@example.org");
  queue_job(*store_, alice, "00000000000000a1", 100, {"carol@outside.test", "dan@other.test"});
  queue_job(*store_, alice, "00000000000000a2", 200);
  queue_job(*store_, alice, "00000000000000a3", 5000);  // not due yet

  auto first = store_->claim_outbound("w1", 1000, 60'000, 10);
  ASSERT_TRUE(first.ok()) << first.error().describe();
  EXPECT_EQ(ids_of(*first), (std::vector<std::string>{"00000000000000a1", "00000000000000a2"}));
  EXPECT_EQ((*first)[0].lease_owner, "w1");
  EXPECT_EQ((*first)[0].lease_until_ms, 61'000);
  EXPECT_TRUE(store_->claim_outbound("w2", 2000, 60'000, 10)->empty());  // all leased

  // Deferred by its holder for one recipient: due later, attempt counted, lease released.
  EXPECT_EQ(code_of(store_->defer_outbound("00000000000000a1", "w2", {"dan@other.test"}, 9000,
                                           "451 try later")),
            Errc::kNotFound);  // not w2's
  EXPECT_EQ(code_of(store_->defer_outbound("00000000000000a1", "w1", {"eve@x.test"}, 9000, "x")),
            Errc::kInvalidArgument);  // not its recipient
  ASSERT_TRUE(
      store_->defer_outbound("00000000000000a1", "w1", {"dan@other.test"}, 9000, "451 later").ok());
  auto deferred = store_->get_outbound("00000000000000a1");
  EXPECT_EQ(deferred->recipients, std::vector<std::string>{"dan@other.test"});
  EXPECT_EQ(deferred->attempts, 1);
  EXPECT_EQ(deferred->last_error, "451 later");
  EXPECT_EQ(deferred->lease_owner, "");
  EXPECT_EQ(deferred->next_attempt_ms, 9000);

  // w1 dies holding a2: once its lease runs out, w2 gets the job, and w1's late word is lost.
  auto again = store_->claim_outbound("w2", 61'000, 60'000, 10);
  EXPECT_EQ(ids_of(*again),
            (std::vector<std::string>{"00000000000000a2", "00000000000000a3", "00000000000000a1"}));
  EXPECT_EQ(code_of(store_->finish_outbound("00000000000000a2", "w1")), Errc::kNotFound);
  ASSERT_TRUE(store_->finish_outbound("00000000000000a2", "w2").ok());
  EXPECT_EQ(code_of(store_->get_outbound("00000000000000a2")), Errc::kNotFound);

  // The administrator: retry makes a job due now, delete removes it.
  ASSERT_TRUE(
      store_->defer_outbound("00000000000000a3", "w2", {"carol@outside.test"}, 1'000'000, "timeout")
          .ok());
  ASSERT_TRUE(store_->retry_outbound("00000000000000a3", 70'000).ok());
  EXPECT_EQ(store_->get_outbound("00000000000000a3")->next_attempt_ms, 70'000);
  ASSERT_TRUE(store_->delete_outbound("00000000000000a3").ok());
  EXPECT_EQ(code_of(store_->delete_outbound("00000000000000a3")), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->retry_outbound("../x", 1)), Errc::kNotFound);
  EXPECT_EQ(code_of(store_->claim_outbound("", 1, 1, 1)), Errc::kInvalidArgument);
}

TEST_P(StoreMessagesTest, ConcurrentWorkersClaimEachJobOnce) {
  AccountId alice = user("alice@example.org");
  constexpr int kJobs = 60;
  for (int i = 0; i < kJobs; ++i) {
    char id[17];
    std::snprintf(id, sizeof id, "%016x", 0x100 + i);
    queue_job(*store_, alice, id, 10 + i);
  }
  std::vector<std::vector<std::string>> claimed(4);
  std::vector<std::thread> workers;
  for (size_t w = 0; w < claimed.size(); ++w) {
    workers.emplace_back([&, w] {
      const std::string name = "worker-" + std::to_string(w);
      for (int round = 0; round < 50; ++round) {
        auto jobs = store_->claim_outbound(name, 1000, 60'000, 3);
        if (!jobs.ok() || jobs->empty()) break;
        for (const OutboundRecord& job : *jobs) claimed[w].push_back(job.id);
      }
    });
  }
  for (std::thread& t : workers) t.join();
  std::set<std::string> all;
  size_t total = 0;
  for (const auto& ids : claimed) {
    total += ids.size();
    all.insert(ids.begin(), ids.end());
  }
  EXPECT_EQ(total, static_cast<size_t>(kJobs));  // each once, none twice
  EXPECT_EQ(all.size(), static_cast<size_t>(kJobs));
}

TEST_P(StoreMessagesTest, ListingIsNewestFirstAndPaged) {
  AccountId alice = user("alice@example.org");
  for (int i = 0; i < 5; ++i) {
    MessageRecord m = copy_for(alice, "alice@example.org", "000000000000000" + std::to_string(i));
    m.received_at_ms = 1000 + i;
    ASSERT_TRUE((*store_->deliver({delivery_of({m})}))[0].ok());
  }
  auto page = store_->list_messages(alice, "inbox", 2, 1);
  ASSERT_TRUE(page.ok());
  ASSERT_EQ(page->size(), 2u);
  EXPECT_EQ((*page)[0].id, "0000000000000003");
  EXPECT_EQ((*page)[1].id, "0000000000000002");
  EXPECT_EQ(code_of(store_->list_messages(AccountId{999}, "inbox", 2, 0)), Errc::kNotFound);
}

TEST_P(StoreMessagesTest, ConcurrentDeliveriesNeverPassTheQuota) {
  AccountId alice = user("alice@example.org");
  MessageRecord probe = copy_for(alice, "alice@example.org", "0000000000000000", 1000);
  const int64_t one = static_cast<int64_t>(probe.key_packets.size() + 1000 + probe.summary.size());
  std::atomic<int> stored{0};
  race([&](Store& store, int i) {
    MessageRecord m =
        copy_for(alice, "alice@example.org", "00000000000000f" + std::to_string(i), 1000);
    auto statuses = store.deliver({delivery_of({m}, 3 * one)});
    if (statuses.ok() && (*statuses)[0].ok()) ++stored;
  });
  EXPECT_EQ(stored.load(), 3);
  EXPECT_EQ(store_->storage_used(alice).value_or(-1), 3 * one);
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreMessagesTest, ::testing::ValuesIn(all_backends()),
                         [](const auto& info) { return info.param.name; });

}  // namespace
}  // namespace sealmail::store
