// The SQLite adapter: error mapping, the settings every connection gets, and how the SQLite
// store reports a locked, foreign or damaged database.
#include "store/sqlite/db.h"

#include <sqlite3.h>

#include <gtest/gtest.h>

#include <fstream>
#include <limits>
#include <string>

#include "store/sqlite/sqlite_store.h"
#include "store/store_test_backends.h"

namespace sealmail::store::sqlite {
namespace {

using testing::TempDir;

TEST(SqliteErrorTest, MapsResultCodesToCategories) {
  struct Case {
    int rc;
    Errc expected;
  };
  for (const Case& c : {Case{SQLITE_BUSY, Errc::kUnavailable},
                        Case{SQLITE_BUSY_SNAPSHOT, Errc::kUnavailable},
                        Case{SQLITE_LOCKED, Errc::kUnavailable},
                        Case{SQLITE_FULL, Errc::kIo},
                        Case{SQLITE_IOERR, Errc::kIo},
                        Case{SQLITE_IOERR_FSYNC, Errc::kIo},
                        Case{SQLITE_IOERR_WRITE, Errc::kIo},
                        Case{SQLITE_CANTOPEN, Errc::kIo},
                        Case{SQLITE_READONLY, Errc::kIo},
                        Case{SQLITE_CORRUPT, Errc::kCorruption},
                        Case{SQLITE_CORRUPT_INDEX, Errc::kCorruption},
                        Case{SQLITE_NOTADB, Errc::kCorruption},
                        Case{SQLITE_CONSTRAINT_UNIQUE, Errc::kAlreadyExists},
                        Case{SQLITE_CONSTRAINT_PRIMARYKEY, Errc::kAlreadyExists},
                        Case{SQLITE_CONSTRAINT_FOREIGNKEY, Errc::kNotFound},
                        Case{SQLITE_CONSTRAINT_CHECK, Errc::kInvalidArgument},
                        Case{SQLITE_CONSTRAINT_NOTNULL, Errc::kInvalidArgument},
                        Case{SQLITE_TOOBIG, Errc::kLimitExceeded},
                        Case{SQLITE_NOMEM, Errc::kInternal},
                        Case{SQLITE_MISUSE, Errc::kInternal},
                        Case{SQLITE_ERROR, Errc::kInternal}}) {
    Error error = sqlite_error(c.rc, nullptr, "doing things");
    EXPECT_EQ(error.code, c.expected) << "rc " << c.rc << ": " << error.describe();
    EXPECT_EQ(error.message.rfind("doing things: ", 0), 0u) << error.message;
    EXPECT_NE(error.message.find(sqlite3_errstr(c.rc)), std::string::npos) << error.message;
  }
}

std::string pragma(Connection& db, const char* name) {
  auto value = db.query_text(std::string("PRAGMA ") + name);
  EXPECT_TRUE(value.ok()) << name << ": " << value.error().describe();
  return value.value_or("");
}

TEST(ConnectionTest, WriterAndReaderSettings) {
  TempDir dir;
  auto writer = Connection::open(dir.path() / "x.db", {});
  ASSERT_TRUE(writer.ok()) << writer.error().describe();
  EXPECT_EQ(pragma(*writer, "journal_mode"), "wal");
  EXPECT_EQ(pragma(*writer, "synchronous"), "2");  // FULL: a commit survives a power cut
  EXPECT_EQ(pragma(*writer, "foreign_keys"), "1");
  EXPECT_EQ(pragma(*writer, "busy_timeout"), "5000");
  ASSERT_TRUE(writer->exec("CREATE TABLE t (x INTEGER)").ok());

  auto reader =
      Connection::open(dir.path() / "x.db",
                       {.mode = OpenMode::kReadOnly, .busy_timeout = std::chrono::milliseconds(7)});
  ASSERT_TRUE(reader.ok()) << reader.error().describe();
  EXPECT_EQ(pragma(*reader, "journal_mode"), "wal");
  EXPECT_EQ(pragma(*reader, "synchronous"), "2");  // a reader may run the last checkpoint
  EXPECT_EQ(pragma(*reader, "query_only"), "1");
  EXPECT_EQ(pragma(*reader, "busy_timeout"), "7");
  Status write = reader->exec("INSERT INTO t VALUES (1)");
  ASSERT_FALSE(write.ok());
  EXPECT_EQ(write.error().code, Errc::kIo) << write.error().describe();  // SQLITE_READONLY
}

TEST(ConnectionTest, ReaderDoesNotCreateAMissingFile) {
  TempDir dir;
  auto reader = Connection::open(dir.path() / "absent.db", {.mode = OpenMode::kReadOnly});
  ASSERT_FALSE(reader.ok());
  EXPECT_EQ(reader.error().code, Errc::kIo);
  EXPECT_FALSE(std::filesystem::exists(dir.path() / "absent.db"));
}

TEST(ConnectionTest, UncommittedTransactionRollsBack) {
  TempDir dir;
  auto db = Connection::open(dir.path() / "x.db", {});
  ASSERT_TRUE(db.ok());
  ASSERT_TRUE(db->exec("CREATE TABLE t (x INTEGER)").ok());
  {
    auto txn = Transaction::begin(*db, Transaction::Kind::kWrite);
    ASSERT_TRUE(txn.ok());
    ASSERT_TRUE(db->exec("INSERT INTO t VALUES (1)").ok());
    EXPECT_TRUE(db->in_transaction());
  }
  EXPECT_FALSE(db->in_transaction());
  EXPECT_EQ(db->query_text("SELECT count(*) FROM t").value_or("?"), "0");
}

// A write lock held past the busy timeout — by another process, say — is kUnavailable, while
// reads keep working on their WAL snapshot.
TEST(SqliteStoreTest, LockedDatabaseIsUnavailableForWritesOnly) {
  TempDir dir;
  const auto file = dir.path() / "sealmail.db";
  auto store = SqliteStore::open(file, {.busy_timeout = std::chrono::milliseconds(50)});
  ASSERT_TRUE(store.ok()) << store.error().describe();
  auto id = (*store)->create_account("lock@example.org");
  ASSERT_TRUE(id.ok());
  ASSERT_TRUE((*store)->append_event(*id, "test.event", "x").ok());

  auto other = Connection::open(file, {});
  ASSERT_TRUE(other.ok());
  {
    auto held = Transaction::begin(*other, Transaction::Kind::kWrite);
    ASSERT_TRUE(held.ok());
    auto appended = (*store)->append_event(*id, "test.event", "y");
    ASSERT_FALSE(appended.ok());
    EXPECT_EQ(appended.error().code, Errc::kUnavailable) << appended.error().describe();
    auto created = (*store)->create_account("lock2@example.org");
    ASSERT_FALSE(created.ok());
    EXPECT_EQ(created.error().code, Errc::kUnavailable);
    EXPECT_EQ((*store)->last_cursor(*id).value_or(-1), 1);
    EXPECT_TRUE((*store)->find_account("lock@example.org").ok());
  }
  EXPECT_EQ((*store)->append_event(*id, "test.event", "z").value_or(-1), 2);
}

TEST(SqliteStoreTest, FileThatIsNotADatabaseIsCorruption) {
  TempDir dir;
  std::ofstream(dir.path() / "sealmail.db") << std::string(8192, 'g');
  auto store = open_store("", dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::kCorruption) << store.error().describe();
}

TEST(SqliteStoreTest, DamagedSchemaPageIsCorruption) {
  TempDir dir;
  {
    auto store = open_store("", dir.path());
    ASSERT_TRUE(store.ok());
    ASSERT_TRUE((*store)->create_account("damage@example.org").ok());
  }  // the last connection to close checkpoints the WAL into the main file
  ASSERT_FALSE(std::filesystem::exists(dir.path() / "sealmail.db-wal"));
  {
    // Page 1 holds the schema after the 100-byte file header.
    std::fstream file(dir.path() / "sealmail.db", std::ios::in | std::ios::out | std::ios::binary);
    file.seekp(100);
    file << std::string(3000, '\xa5');
  }
  auto store = open_store("", dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::kCorruption) << store.error().describe();
}

TEST(SqliteStoreTest, ForeignSqliteDatabaseIsLeftAlone) {
  TempDir dir;
  {
    auto db = Connection::open(dir.path() / "sealmail.db", {});
    ASSERT_TRUE(db.ok());
    ASSERT_TRUE(db->exec("CREATE TABLE accounts (name TEXT)").ok());
  }
  auto store = open_store("", dir.path());
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.error().code, Errc::kInvalidArgument) << store.error().describe();
}

}  // namespace
}  // namespace sealmail::store::sqlite
