// The behavioural suite of the Store interface, run against every backend in all_backends().
// It speaks only store.h, so a new backend passes it or is not done.
#include "store/store.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <atomic>
#include <cstdint>
#include <limits>
#include <set>
#include <string>
#include <thread>
#include <vector>

#include "base/clock.h"
#include "store/store_test_backends.h"

namespace sealmail::store {
namespace {

using testing::Backend;
using testing::StoreLocation;
using testing::TempDir;

class StoreTest : public ::testing::TestWithParam<Backend> {
 protected:
  void SetUp() override {
    where_ = GetParam().fresh(dir_.path());
    store_ = open();
  }

  std::unique_ptr<Store> open() {
    auto store = open_store(where_.url, where_.data_dir);
    EXPECT_TRUE(store.ok()) << store.error().describe();
    return store.ok() ? std::move(store).value() : nullptr;
  }

  AccountId account(std::string_view address) {
    auto id = store_->create_account(address);
    EXPECT_TRUE(id.ok()) << id.error().describe();
    return id.value_or(AccountId{});
  }

  Cursor append(AccountId id, std::string_view kind, std::string_view payload) {
    auto cursor = store_->append_event(id, kind, payload);
    EXPECT_TRUE(cursor.ok()) << cursor.error().describe();
    return cursor.value_or(-1);
  }

  std::vector<Event> all_events(Store& store, AccountId id) {
    auto events = store.events_after(id, 0, std::numeric_limits<size_t>::max());
    EXPECT_TRUE(events.ok()) << events.error().describe();
    return events.ok() ? std::move(events).value() : std::vector<Event>{};
  }

  static std::vector<Cursor> cursors_of(const std::vector<Event>& events) {
    std::vector<Cursor> cursors;
    for (const Event& e : events) cursors.push_back(e.cursor);
    return cursors;
  }

  static std::vector<Cursor> one_to(Cursor n) {
    std::vector<Cursor> cursors;
    for (Cursor c = 1; c <= n; ++c) cursors.push_back(c);
    return cursors;
  }

  TempDir dir_;
  StoreLocation where_;
  std::unique_ptr<Store> store_;
};

// ---- accounts

TEST_P(StoreTest, CreatedAccountIsFoundIgnoringAsciiCase) {
  AccountId alice = account("Alice@Example.org");
  AccountId bob = account("bob@example.org");
  EXPECT_NE(alice, bob);
  for (std::string_view spelling :
       {"Alice@Example.org", "alice@example.org", "ALICE@EXAMPLE.ORG"}) {
    auto found = store_->find_account(spelling);
    ASSERT_TRUE(found.ok()) << spelling << ": " << found.error().describe();
    EXPECT_EQ(*found, alice) << spelling;
  }
  EXPECT_EQ(store_->find_account("bob@example.org").value_or({}), bob);
}

TEST_P(StoreTest, DuplicateAddressIsRefusedIgnoringAsciiCase) {
  account("carol@example.org");
  for (std::string_view spelling : {"carol@example.org", "CAROL@example.ORG"}) {
    auto again = store_->create_account(spelling);
    ASSERT_FALSE(again.ok()) << spelling;
    EXPECT_EQ(again.error().code, Errc::kAlreadyExists) << spelling;
  }
}

TEST_P(StoreTest, NonAsciiBytesAreComparedExactly) {
  AccountId upper = account("\xc3\x9cser@example.org");  // "Üser"
  AccountId lower = account("\xc3\xbcser@example.org");  // "üser"
  EXPECT_NE(upper, lower);
  EXPECT_EQ(store_->find_account("\xc3\x9cSER@EXAMPLE.ORG").value_or({}), upper);
}

TEST_P(StoreTest, UnknownAddressIsNotFound) {
  account("dave@example.org");
  auto found = store_->find_account("erin@example.org");
  ASSERT_FALSE(found.ok());
  EXPECT_EQ(found.error().code, Errc::kNotFound);
}

TEST_P(StoreTest, MalformedAddressesAreRefused) {
  const std::string too_long = std::string(kMaxAddressBytes - 12, 'a') + "@example.org1";
  ASSERT_EQ(too_long.size(), kMaxAddressBytes + 1);
  for (std::string_view bad :
       {std::string_view(""), std::string_view("no-at-sign"), std::string_view("@example.org"),
        std::string_view("frank@"), std::string_view("fr ank@example.org"),
        std::string_view("frank\n@example.org"), std::string_view("frank\0@example.org", 18),
        std::string_view(too_long)}) {
    auto created = store_->create_account(bad);
    ASSERT_FALSE(created.ok()) << bad;
    EXPECT_EQ(created.error().code, Errc::kInvalidArgument) << bad;
    auto found = store_->find_account(bad);
    ASSERT_FALSE(found.ok()) << bad;
    EXPECT_EQ(found.error().code, Errc::kInvalidArgument) << bad;
  }
  // The longest valid address is accepted.
  EXPECT_TRUE(store_->create_account(too_long.substr(1)).ok());
}

TEST_P(StoreTest, AccountsAndEventsSurviveReopening) {
  AccountId grace = account("grace@example.org");
  append(grace, "test.one", "first");
  append(grace, "test.two", "second");
  int version = store_->schema_version();
  store_.reset();

  store_ = open();
  ASSERT_NE(store_, nullptr);
  EXPECT_EQ(store_->schema_version(), version);
  EXPECT_EQ(store_->find_account("grace@example.org").value_or({}), grace);
  EXPECT_EQ(store_->last_cursor(grace).value_or(-1), 2);
  auto events = all_events(*store_, grace);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[1].payload, "second");
  EXPECT_EQ(append(grace, "test.three", "third"), 3);
}

// ---- event log

TEST_P(StoreTest, CursorsStartAtOneAndIncreaseByOne) {
  AccountId id = account("heidi@example.org");
  EXPECT_EQ(store_->last_cursor(id).value_or(-1), 0);
  EXPECT_TRUE(all_events(*store_, id).empty());
  for (Cursor expected = 1; expected <= 5; ++expected) {
    EXPECT_EQ(append(id, "test.event", "x"), expected);
    EXPECT_EQ(store_->last_cursor(id).value_or(-1), expected);
  }
}

TEST_P(StoreTest, EachAccountHasItsOwnCursors) {
  AccountId a = account("ivan@example.org");
  AccountId b = account("judy@example.org");
  EXPECT_EQ(append(a, "test.event", "a1"), 1);
  EXPECT_EQ(append(a, "test.event", "a2"), 2);
  EXPECT_EQ(append(b, "test.event", "b1"), 1);
  EXPECT_EQ(append(a, "test.event", "a3"), 3);
  EXPECT_EQ(append(b, "test.event", "b2"), 2);
  auto events_a = all_events(*store_, a);
  auto events_b = all_events(*store_, b);
  EXPECT_EQ(cursors_of(events_a), one_to(3));
  EXPECT_EQ(cursors_of(events_b), one_to(2));
  for (const Event& e : events_a) EXPECT_EQ(e.account, a);
  for (const Event& e : events_b) EXPECT_EQ(e.payload[0], 'b');
}

TEST_P(StoreTest, EventsKeepKindPayloadBytesAndTime) {
  AccountId id = account("karl@example.org");
  std::string every_byte;
  for (int i = 0; i < 256; ++i) every_byte.push_back(static_cast<char>(i));
  int64_t before = unix_time_ms();
  append(id, "message.created", every_byte);
  append(id, "message.deleted", "");
  int64_t after = unix_time_ms();

  auto events = all_events(*store_, id);
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].kind, "message.created");
  EXPECT_EQ(events[0].payload, every_byte);
  EXPECT_EQ(events[1].kind, "message.deleted");
  EXPECT_EQ(events[1].payload, "");
  for (const Event& e : events) {
    EXPECT_GE(e.created_at_ms, before);
    EXPECT_LE(e.created_at_ms, after);
  }
}

TEST_P(StoreTest, EventsAfterPagesThroughTheLog) {
  AccountId id = account("lena@example.org");
  for (int i = 1; i <= 25; ++i) append(id, "test.event", "e" + std::to_string(i));

  std::vector<Event> seen;
  std::vector<size_t> page_sizes;
  Cursor after = 0;
  for (int pages = 0; pages < 10; ++pages) {
    auto page = store_->events_after(id, after, 10);
    ASSERT_TRUE(page.ok()) << page.error().describe();
    page_sizes.push_back(page->size());
    if (page->empty()) break;
    after = page->back().cursor;
    seen.insert(seen.end(), page->begin(), page->end());
  }
  EXPECT_EQ(page_sizes, (std::vector<size_t>{10, 10, 5, 0}));
  EXPECT_EQ(cursors_of(seen), one_to(25));
  EXPECT_EQ(seen[16].payload, "e17");

  auto middle = store_->events_after(id, 12, 3);
  ASSERT_TRUE(middle.ok());
  EXPECT_EQ(cursors_of(*middle), (std::vector<Cursor>{13, 14, 15}));
  auto none = store_->events_after(id, 5, 0);
  ASSERT_TRUE(none.ok());
  EXPECT_TRUE(none->empty());
  auto beyond = store_->events_after(id, 1000, 10);
  ASSERT_TRUE(beyond.ok());
  EXPECT_TRUE(beyond->empty());
}

TEST_P(StoreTest, UnknownAccountIsNotFoundForEveryEventCall) {
  AccountId real = account("mallory@example.org");
  for (AccountId ghost : {AccountId{0}, AccountId{-1}, AccountId{real.value + 1000}}) {
    auto appended = store_->append_event(ghost, "test.event", "x");
    ASSERT_FALSE(appended.ok());
    EXPECT_EQ(appended.error().code, Errc::kNotFound);
    auto events = store_->events_after(ghost, 0, 10);
    ASSERT_FALSE(events.ok());
    EXPECT_EQ(events.error().code, Errc::kNotFound);
    auto last = store_->last_cursor(ghost);
    ASSERT_FALSE(last.ok());
    EXPECT_EQ(last.error().code, Errc::kNotFound);
  }
  // A refused append must not consume a cursor of anyone.
  EXPECT_EQ(append(real, "test.event", "x"), 1);
}

TEST_P(StoreTest, BadEventsAreRefusedWithoutConsumingACursor) {
  AccountId id = account("niaj@example.org");
  const std::string long_kind(kMaxEventKindBytes + 1, 'k');
  for (std::string_view kind :
       {std::string_view(""), std::string_view(long_kind), std::string_view("has space"),
        std::string_view("tab\tkind"), std::string_view("caf\xc3\xa9")}) {
    auto appended = store_->append_event(id, kind, "x");
    ASSERT_FALSE(appended.ok()) << kind;
    EXPECT_EQ(appended.error().code, Errc::kInvalidArgument) << kind;
  }
  auto huge = store_->append_event(id, "test.event", std::string(kMaxEventPayloadBytes + 1, 'p'));
  ASSERT_FALSE(huge.ok());
  EXPECT_EQ(huge.error().code, Errc::kLimitExceeded);
  auto negative = store_->events_after(id, -1, 10);
  ASSERT_FALSE(negative.ok());
  EXPECT_EQ(negative.error().code, Errc::kInvalidArgument);

  EXPECT_EQ(
      append(id, std::string(kMaxEventKindBytes, 'k'), std::string(kMaxEventPayloadBytes, 'p')), 1);
  auto events = all_events(*store_, id);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].payload.size(), kMaxEventPayloadBytes);
}

// ---- concurrency

// Writers race on one account while a reader checks, snapshot after snapshot, that what it sees
// is always 1..k with nothing missing — the property sync clients rely on.
TEST_P(StoreTest, ConcurrentAppendsToOneAccountHaveNoGapsOrDuplicates) {
  constexpr int kThreads = 4;
  constexpr int kPerThread = 25;
  AccountId id = account("olivia@example.org");
  std::vector<std::vector<Cursor>> returned(kThreads);
  std::atomic<int> writers_left{kThreads};
  std::atomic<int> failures{0};

  std::vector<std::thread> threads;
  for (int t = 0; t < kThreads; ++t) {
    threads.emplace_back([&, t] {
      for (int i = 0; i < kPerThread; ++i) {
        auto cursor =
            store_->append_event(id, "test.race", std::to_string(t) + ":" + std::to_string(i));
        if (cursor.ok()) {
          returned[t].push_back(*cursor);
        } else {
          ADD_FAILURE() << cursor.error().describe();
          ++failures;
        }
      }
      --writers_left;
    });
  }
  int snapshots = 0;
  std::thread reader([&] {
    // Check at least once more after the last writer is done.
    for (bool last = false; !last;) {
      last = writers_left.load() == 0;
      auto events = store_->events_after(id, 0, std::numeric_limits<size_t>::max());
      if (!events.ok()) {
        ADD_FAILURE() << events.error().describe();
        return;
      }
      for (size_t i = 0; i < events->size(); ++i) {
        if ((*events)[i].cursor != static_cast<Cursor>(i) + 1) {
          ADD_FAILURE() << "snapshot of " << events->size() << " events has cursor "
                        << (*events)[i].cursor << " at position " << i;
          return;
        }
      }
      ++snapshots;
    }
  });
  for (auto& thread : threads) thread.join();
  reader.join();
  ASSERT_EQ(failures.load(), 0);
  EXPECT_GE(snapshots, 1);

  std::vector<Cursor> all;
  for (const auto& cursors : returned) {
    EXPECT_TRUE(std::is_sorted(cursors.begin(), cursors.end()));  // one thread's appends in order
    all.insert(all.end(), cursors.begin(), cursors.end());
  }
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, one_to(kThreads * kPerThread));

  auto events = all_events(*store_, id);
  EXPECT_EQ(cursors_of(events), one_to(kThreads * kPerThread));
  std::set<std::string> payloads;
  for (const Event& e : events) payloads.insert(e.payload);
  EXPECT_EQ(payloads.size(), size_t{kThreads * kPerThread});
  EXPECT_EQ(store_->last_cursor(id).value_or(-1), kThreads * kPerThread);
}

// Two Store objects on one database stand in for two processes or server nodes.
TEST_P(StoreTest, TwoStoresOnOneDatabaseShareTheCursorSequence) {
  AccountId id = account("peggy@example.org");
  std::unique_ptr<Store> second = open();
  ASSERT_NE(second, nullptr);
  EXPECT_EQ(second->find_account("peggy@example.org").value_or({}), id);
  constexpr int kEach = 20;
  std::vector<Cursor> first_cursors, second_cursors;
  auto run = [&](Store* store, std::vector<Cursor>* out) {
    for (int i = 0; i < kEach; ++i) {
      auto cursor = store->append_event(id, "test.shared", "x");
      if (cursor.ok()) {
        out->push_back(*cursor);
      } else {
        ADD_FAILURE() << cursor.error().describe();
      }
    }
  };
  std::thread a(run, store_.get(), &first_cursors);
  std::thread b(run, second.get(), &second_cursors);
  a.join();
  b.join();
  std::vector<Cursor> all = first_cursors;
  all.insert(all.end(), second_cursors.begin(), second_cursors.end());
  std::sort(all.begin(), all.end());
  EXPECT_EQ(all, one_to(2 * kEach));
  EXPECT_EQ(cursors_of(all_events(*second, id)), one_to(2 * kEach));
}

// ---- versions

TEST_P(StoreTest, DatabaseFromANewerVersionIsRefused) {
  const int ours = store_->schema_version();
  ASSERT_GE(ours, 1);
  store_.reset();
  Status claimed = GetParam().claim_schema_version(where_, ours + 1);
  ASSERT_TRUE(claimed.ok()) << claimed.error().describe();

  auto reopened = open_store(where_.url, where_.data_dir);
  ASSERT_FALSE(reopened.ok());
  EXPECT_EQ(reopened.error().code, Errc::kUnsupported);
  EXPECT_NE(reopened.error().message.find(std::to_string(ours + 1)), std::string::npos)
      << reopened.error().message;
  EXPECT_NE(reopened.error().message.find(std::to_string(ours)), std::string::npos)
      << reopened.error().message;
}

INSTANTIATE_TEST_SUITE_P(Backends, StoreTest, ::testing::ValuesIn(testing::all_backends()),
                         [](const auto& info) { return info.param.name; });

// ---- open_store URLs (backend-independent)

TEST(OpenStoreTest, SqliteUrlsNameTheFile) {
  TempDir dir;
  TempDir elsewhere;
  const auto absolute = elsewhere.path() / "abs.db";
  struct Case {
    std::string url;
    std::filesystem::path file;
  };
  for (const Case& c :
       {Case{"", dir.path() / "sealmail.db"}, Case{"sqlite", dir.path() / "sealmail.db"},
        Case{"sqlite:other.db", dir.path() / "other.db"},
        Case{"sqlite:" + absolute.string(), absolute}}) {
    std::error_code ec;
    std::filesystem::remove(c.file, ec);
    auto store = open_store(c.url, dir.path());
    ASSERT_TRUE(store.ok()) << c.url << ": " << store.error().describe();
    EXPECT_TRUE(std::filesystem::exists(c.file)) << c.url;
    EXPECT_TRUE((*store)->create_account("url@example.org").ok()) << c.url;
  }
}

TEST(OpenStoreTest, UnknownOrUnsupportedUrlsAreRefused) {
  TempDir dir;
  for (const std::string url : {"postgresql://sealmail:s3cret@db.example/mail",
                                "postgres://sealmail:s3cret@db.example/mail"}) {
    auto store = open_store(url, dir.path());
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.error().code, Errc::kUnsupported) << url;
    EXPECT_EQ(store.error().message, "the PostgreSQL backend is not part of this build yet");
  }
  for (const std::string url :
       {"mysql://root:s3cret@localhost/mail", "sqlite:", "sqlite://host/x.db", "SQLITE", "sqlite3",
        "/var/lib/sealmail.db", "file:x.db"}) {
    auto store = open_store(url, dir.path());
    ASSERT_FALSE(store.ok()) << url;
    EXPECT_EQ(store.error().code, Errc::kInvalidArgument) << url;
    EXPECT_EQ(store.error().message.find("s3cret"), std::string::npos) << store.error().message;
    EXPECT_EQ(store.error().message.find('\n'), std::string::npos);
  }
  EXPECT_TRUE(std::filesystem::is_empty(dir.path()));  // nothing was created on the way
}

TEST(OpenStoreTest, MissingDataDirectoryIsAnIoError) {
  TempDir dir;
  auto store = open_store("", dir.path() / "missing");
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::kIo) << store.error().describe();
}

}  // namespace
}  // namespace sealmail::store
