// Migrations: a database left at any older version — with rows in it — opens with the current
// code, reaches the latest version with its data intact, and ends with exactly the schema of a
// fresh install. Adding migrations/NNNN_*.sql extends these tests by itself; when a migration
// adds or reshapes tables, add a Seed for the version it creates so later migrations are
// tested against rows of that shape too.
#include "store/sqlite/migrate.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <functional>
#include <limits>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "store/store.h"
#include "store/store_test_backends.h"

namespace sealmail::store::sqlite {
namespace {

using testing::TempDir;

// Representative rows written in the schema of `version`, and how to recognise them through the
// Store interface (which does not change when the schema does) after upgrading.
struct Seed {
  int version;
  const char* sql;
  std::function<void(Store&)> verify;
};

const std::vector<Seed>& seeds() {
  static const std::vector<Seed> kSeeds = {
      {1,
       "INSERT INTO accounts (account_id, address, address_key, created_at_ms, last_cursor) "
       "VALUES (7, 'Seed.One@Example.org', 'seed.one@example.org', 1700000000000, 2), "
       "       (8, 'seed.two@example.org', 'seed.two@example.org', 1700000000001, 0);"
       "INSERT INTO events (account_id, cursor, kind, payload, created_at_ms) "
       "VALUES (7, 1, 'seed.first', X'00FF0A', 1700000000002), "
       "       (7, 2, 'seed.second', X'', 1700000000003);",
       [](Store& store) {
         auto one = store.find_account("SEED.ONE@example.org");
         ASSERT_TRUE(one.ok()) << one.error().describe();
         EXPECT_EQ(one->value, 7);
         EXPECT_EQ(store.find_account("seed.two@example.org").value_or({}).value, 8);
         EXPECT_EQ(store.create_account("seed.one@EXAMPLE.org").error().code, Errc::kAlreadyExists);
         auto events = store.events_after(*one, 0, 100);
         ASSERT_TRUE(events.ok()) << events.error().describe();
         ASSERT_EQ(events->size(), 2u);
         EXPECT_EQ((*events)[0].kind, "seed.first");
         EXPECT_EQ((*events)[0].payload, std::string("\x00\xff\n", 3));
         EXPECT_EQ((*events)[0].created_at_ms, 1700000000002);
         EXPECT_EQ((*events)[1].cursor, 2);
         EXPECT_EQ((*events)[1].payload, "");
         EXPECT_EQ(store.last_cursor(*one).value_or(-1), 2);
         // The counter survived: the next event continues the sequence.
         EXPECT_EQ(store.append_event(*one, "seed.third", "x").value_or(-1), 3);
         EXPECT_EQ(store.last_cursor(AccountId{8}).value_or(-1), 0);
         // Version 2 made each account's address its primary address, without key documents.
         auto addresses = store.list_addresses(*one);
         ASSERT_TRUE(addresses.ok()) << addresses.error().describe();
         ASSERT_EQ(addresses->size(), 1u);
         EXPECT_EQ((*addresses)[0].address, "Seed.One@Example.org");
         EXPECT_EQ((*addresses)[0].key_record, "");
         EXPECT_EQ((*addresses)[0].created_at_ms, 1700000000000);
         auto account = store.get_account(*one);
         ASSERT_TRUE(account.ok()) << account.error().describe();
         EXPECT_EQ(account->plan, "default");
         EXPECT_FALSE(account->disabled);
         EXPECT_EQ(account->credentials.srp_verifier, "");
         EXPECT_EQ(store.get_totp(*one).value_or({}).last_step, 0);
         EXPECT_EQ(store
                       .add_address(AddressRecord{.account = AccountId{8},
                                                  .address = "SEED.ONE@example.org",
                                                  .key_record = "",
                                                  .key_list = "",
                                                  .created_at_ms = 0})
                       .error()
                       .code,
                   Errc::kAlreadyExists);
       }},
      {2,
       "INSERT INTO domains (name, created_at_ms) VALUES ('seed.example', 1700000000010);"
       "INSERT INTO accounts (account_id, address, address_key, created_at_ms, last_cursor, plan, "
       "  disabled, two_password_mode, srp, srp_salt, srp_verifier, kdf, recovery_srp, "
       "  recovery_salt, recovery_verifier, recovery_kdf, account_key, totp_secret, "
       "  totp_pending, totp_last_step) "
       "VALUES (20, 'User@Seed.example', 'user@seed.example', 1700000000011, 0, 'pro', 0, 1, "
       "  'rfc5054-3072-sha256', X'0102', X'0304', 'm=1', 'rfc5054-4096-sha256', X'06', X'07', "
       "  'm=2', '{\"k\":1}', X'05', X'', 33);"
       "INSERT INTO addresses (account_id, position, address, address_key, key_record, key_list, "
       "  created_at_ms) "
       "VALUES (20, 1, 'User@Seed.example', 'user@seed.example', '{\"r\":1}', '{}', 1), "
       "       (20, 2, 'alias@seed.example', 'alias@seed.example', '{}', '{}', 2);"
       "INSERT INTO sessions (account_id, session_id, scope, access_hash, refresh_hash, "
       "  created_at_ms, access_expires_ms, refresh_expires_ms, last_used_ms, client) "
       "VALUES (20, 'seed-session', 'full', X'AA', X'BB', 1, 2, 3, 4, 'seed');"
       "INSERT INTO recovery_codes (account_id, code_hash) VALUES (20, X'CC');"
       "INSERT INTO server_secrets (name, value, created_at_ms) VALUES ('seed', X'DD', 1);",
       [](Store& store) {
         EXPECT_EQ(store.find_domain("seed.example").value_or({}).created_at_ms, 1700000000010);
         auto user = store.find_account("ALIAS@seed.example");
         ASSERT_TRUE(user.ok()) << user.error().describe();
         EXPECT_EQ(user->value, 20);
         auto account = store.get_account(*user);
         ASSERT_TRUE(account.ok()) << account.error().describe();
         EXPECT_TRUE(account->two_password_mode);
         EXPECT_EQ(account->credentials.srp_verifier, "\x03\x04");
         EXPECT_EQ(account->credentials.srp, "rfc5054-3072-sha256");
         EXPECT_EQ(account->recovery_credentials.srp, "rfc5054-4096-sha256");
         EXPECT_EQ(account->recovery_credentials.srp_verifier, "\x07");
         EXPECT_EQ(account->recovery_credentials.kdf, "m=2");
         EXPECT_EQ(account->account_key, "{\"k\":1}");
         EXPECT_EQ(store.get_totp(*user).value_or({}).last_step, 33);
         EXPECT_EQ(store.recovery_codes_left(*user).value_or(-1), 1);
         auto session = store.find_session_by_access("\xaa", 5);
         ASSERT_TRUE(session.ok()) << session.error().describe();
         EXPECT_EQ(session->refresh_hash, "\xbb");
         EXPECT_EQ(store.server_secret("seed", "other").value_or(""), "\xdd");
       }},
      {3,
       "INSERT INTO accounts (account_id, address, address_key, created_at_ms, last_cursor, "
       "  used_bytes) VALUES (30, 'mail@seed.example', 'mail@seed.example', 1, 2, 18);"
       "INSERT INTO addresses (account_id, position, address, address_key, key_record, key_list, "
       "  created_at_ms) VALUES (30, 1, 'mail@seed.example', 'mail@seed.example', '', '', 1);"
       "INSERT INTO messages (account_id, message_id, address_key, folder, flags, size, "
       "  received_at_ms, key_packets, data_packet, summary) "
       "VALUES (30, '00000000000000c1', 'mail@seed.example', 'inbox', 0, 9, 1700000000100, "
       "        X'0102', X'030405', X'06070809'), "
       "       (30, '00000000000000c2', 'mail@seed.example', 'spam', 0, 9, 1700000000200, "
       "        X'0102', X'030405', X'06070809');"
       "INSERT INTO events (account_id, cursor, kind, payload, created_at_ms) "
       "VALUES (30, 1, 'message.created', '{}', 1), (30, 2, 'message.created', '{}', 2);"
       "INSERT INTO aliases (alias_key, alias, target_key, created_at_ms) "
       "VALUES ('old-alias@seed.example', 'Old-Alias@seed.example', 'mail@seed.example', 1);",
       [](Store& store) {
         const AccountId account{30};
         EXPECT_EQ(store.find_recipient("old-alias@seed.example").value_or({}).account, account);
         auto inbox = store.list_messages(account, kInbox, 10, 0);
         ASSERT_TRUE(inbox.ok()) << inbox.error().describe();
         ASSERT_EQ(inbox->size(), 1u);
         EXPECT_EQ((*inbox)[0].id, "00000000000000c1");
         EXPECT_EQ((*inbox)[0].summary, "\x06\x07\x08\x09");
         EXPECT_EQ((*inbox)[0].expires_at_ms, 0);  // version 4's default: never
         EXPECT_TRUE((*inbox)[0].labels.empty());
         EXPECT_EQ(store.count_messages(account, kInbox).value_or({}).unread, 1);
         EXPECT_EQ(store.count_messages(account, kAllMail).value_or({}).total, 1);
         EXPECT_EQ(store.get_message(account, "00000000000000c2").value_or({}).data_packet,
                   "\x03\x04\x05");
         EXPECT_EQ(store.storage_used(account).value_or(-1), 18);
         // The old rows take part in the mailbox model.
         auto folders = store.list_folders(account);
         ASSERT_TRUE(folders.ok()) << folders.error().describe();
         ASSERT_EQ(folders->size(), 6u);
         EXPECT_EQ((*folders)[4].counts.total, 1);  // spam
         auto label = store.create_label(account, "Seeded", "#123456");
         ASSERT_TRUE(label.ok()) << label.error().describe();
         EXPECT_EQ(store.add_label(account, {"00000000000000c1"}, *label).value_or(-1), 1);
         EXPECT_EQ(store.list_messages_by_label(account, *label, 10, 0).value_or({}).size(), 1u);
         EXPECT_EQ(store.set_flags(account, {"00000000000000c1"}, kFlagSeen, 0).value_or(-1), 1);
         EXPECT_EQ(store.move_messages(account, {"00000000000000c2"}, kArchive).value_or(-1), 1);
         EXPECT_EQ(store.delete_messages(account, {"00000000000000c1"}).value_or(-1), 1);
         EXPECT_EQ(store.storage_used(account).value_or(-1), 9);
         // label.created and four changes: the cursor continues from the seeded events.
         EXPECT_EQ(store.last_cursor(account).value_or(-1), 7);
       }},
  };
  return kSeeds;
}

// sqlite_master with whitespace runs collapsed: the schema as SQLite will use it.
std::vector<std::string> normalized_schema(Connection& db) {
  std::vector<std::string> rows;
  auto stmt = db.prepare(
      "SELECT type, name, tbl_name, coalesce(sql, '') FROM sqlite_master "
      "ORDER BY type, name");
  EXPECT_TRUE(stmt.ok());
  if (!stmt.ok()) return rows;
  static const std::regex kSpace("\\s+");
  while (true) {
    auto row = stmt->step();
    EXPECT_TRUE(row.ok());
    if (!row.ok() || !*row) break;
    rows.push_back(stmt->column_text(0) + " " + stmt->column_text(1) + " on " +
                   stmt->column_text(2) + ": " +
                   std::regex_replace(stmt->column_text(3), kSpace, " "));
  }
  return rows;
}

int64_t count(Connection& db, const std::string& sql) {
  auto text = db.query_text(sql);
  EXPECT_TRUE(text.ok()) << sql << ": " << text.error().describe();
  return text.ok() ? std::stoll(*text) : -1;
}

TEST(MigrationsTest, EmbeddedMigrationsAreNumberedFromOneWithoutGaps) {
  auto migrations = embedded_migrations();
  ASSERT_FALSE(migrations.empty());
  EXPECT_EQ(latest_schema_version(), static_cast<int>(migrations.size()));
  for (size_t i = 0; i < migrations.size(); ++i) {
    char prefix[32];
    std::snprintf(prefix, sizeof prefix, "%04zu_", i + 1);
    EXPECT_EQ(migrations[i].version, static_cast<int>(i) + 1);
    EXPECT_EQ(migrations[i].name.substr(0, 5), prefix);
    // Each one changes the schema.
    EXPECT_TRUE(migrations[i].sql.find("CREATE") != std::string_view::npos ||
                migrations[i].sql.find("ALTER TABLE") != std::string_view::npos)
        << migrations[i].name;
  }
  EXPECT_EQ(migrations[0].name, "0001_initial");
}

TEST(MigrationsTest, EveryOlderVersionUpgradesToAFreshInstallsSchema) {
  TempDir fresh_dir;
  ASSERT_TRUE(open_store("", fresh_dir.path()).ok());
  auto fresh = Connection::open(fresh_dir.path() / "sealmail.db", {});
  ASSERT_TRUE(fresh.ok());
  const std::vector<std::string> fresh_schema = normalized_schema(*fresh);
  ASSERT_FALSE(fresh_schema.empty());
  const int latest = latest_schema_version();

  // k == latest is a plain reopen; it keeps the seeds exercised while there is one migration.
  for (int k = 0; k <= latest; ++k) {
    SCOPED_TRACE("from version " + std::to_string(k));
    TempDir dir;
    const auto file = dir.path() / "sealmail.db";
    std::vector<const Seed*> planted;
    {
      // Build the old database the way an old release would have: migrate step by step and
      // write each version's rows in that version's schema.
      auto old = Connection::open(file, {});
      ASSERT_TRUE(old.ok()) << old.error().describe();
      for (int v = 1; v <= k; ++v) {
        auto reached = migrate(*old, v);
        ASSERT_TRUE(reached.ok()) << reached.error().describe();
        ASSERT_EQ(*reached, v);
        for (const Seed& seed : seeds()) {
          if (seed.version != v) continue;
          Status seeded = old->exec(seed.sql);
          ASSERT_TRUE(seeded.ok()) << seeded.error().describe();
          planted.push_back(&seed);
        }
      }
      EXPECT_EQ(read_schema_version(*old).value_or(-1), k);
    }

    auto store = open_store("", dir.path());
    ASSERT_TRUE(store.ok()) << store.error().describe();
    EXPECT_EQ((*store)->schema_version(), latest);
    for (const Seed* seed : planted) seed->verify(**store);

    auto upgraded = Connection::open(file, {});
    ASSERT_TRUE(upgraded.ok());
    EXPECT_EQ(normalized_schema(*upgraded), fresh_schema);
    EXPECT_EQ(count(*upgraded, "SELECT count(*) FROM schema_migrations"), latest);
  }
}

TEST(MigrationsTest, FailedMigrationLeavesThePreviousVersion) {
  TempDir dir;
  auto db = Connection::open(dir.path() / "x.db", {});
  ASSERT_TRUE(db.ok());
  std::vector<Migration> migrations(embedded_migrations().begin(), embedded_migrations().end());
  const int good = static_cast<int>(migrations.size());
  migrations.push_back(
      {good + 1, "9999_broken", "CREATE TABLE half_done (x INTEGER); THIS IS NOT SQL;"});

  auto reached = migrate(*db, good + 1, migrations);
  ASSERT_FALSE(reached.ok());
  EXPECT_NE(reached.error().message.find("9999_broken"), std::string::npos)
      << reached.error().message;
  EXPECT_EQ(read_schema_version(*db).value_or(-1), good);
  EXPECT_EQ(count(*db, "SELECT count(*) FROM sqlite_master WHERE name = 'half_done'"), 0);
  EXPECT_FALSE(db->in_transaction());
}

TEST(MigrationsTest, NewerDatabaseIsRefusedNamingBothVersions) {
  TempDir dir;
  auto db = Connection::open(dir.path() / "x.db", {});
  ASSERT_TRUE(db.ok());
  const int latest = latest_schema_version();
  ASSERT_TRUE(migrate(*db, latest).ok());
  ASSERT_TRUE(db->exec("INSERT INTO schema_migrations VALUES (" + std::to_string(latest + 1) +
                       ", '9999_future', 0)")
                  .ok());
  auto reached = migrate(*db, latest);
  ASSERT_FALSE(reached.ok());
  EXPECT_EQ(reached.error().code, Errc::kUnsupported);
  EXPECT_NE(reached.error().message.find("version " + std::to_string(latest + 1)),
            std::string::npos)
      << reached.error().message;
  EXPECT_NE(reached.error().message.find("build's " + std::to_string(latest)), std::string::npos)
      << reached.error().message;
}

TEST(MigrationsTest, BrokenBookkeepingIsCorruption) {
  TempDir dir;
  auto db = Connection::open(dir.path() / "x.db", {});
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(migrate(*db, latest_schema_version()).ok());
  ASSERT_TRUE(db->exec("INSERT INTO schema_migrations VALUES (1000, 'gap', 0)").ok());
  EXPECT_EQ(read_schema_version(*db).error().code, Errc::kCorruption);
  ASSERT_TRUE(db->exec("DELETE FROM schema_migrations").ok());
  EXPECT_EQ(read_schema_version(*db).error().code, Errc::kCorruption);
}

TEST(MigrationsTest, DowngradeAndUnknownTargetAreRefused) {
  TempDir dir;
  auto db = Connection::open(dir.path() / "x.db", {});
  ASSERT_TRUE(db.ok());
  const int latest = latest_schema_version();
  ASSERT_TRUE(migrate(*db, latest).ok());
  EXPECT_EQ(migrate(*db, latest - 1).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(migrate(*db, latest + 1).error().code, Errc::kInvalidArgument);
  EXPECT_EQ(migrate(*db, latest).value_or(-1), latest);  // already there: nothing to do
}

// Two servers starting at once on a new database: each migration is applied once.
TEST(MigrationsTest, ConcurrentOpenersMigrateOnce) {
  TempDir dir;
  constexpr int kOpeners = 4;
  std::vector<Status> results(kOpeners);
  std::vector<std::thread> threads;
  for (int i = 0; i < kOpeners; ++i) {
    threads.emplace_back([&, i] {
      auto store = open_store("", dir.path());
      results[i] = store.ok() ? ok_status() : Status(store.error());
    });
  }
  for (auto& thread : threads) thread.join();
  for (const Status& result : results) {
    EXPECT_TRUE(result.ok()) << result.error().describe();
  }
  auto db = Connection::open(dir.path() / "sealmail.db", {});
  ASSERT_TRUE(db.ok());
  EXPECT_EQ(count(*db, "SELECT count(*) FROM schema_migrations"), latest_schema_version());
}

}  // namespace
}  // namespace sealmail::store::sqlite
