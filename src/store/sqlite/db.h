// db.h — the SQLite adapter: connections with our pragmas, cached statements, transactions, and
// sqlite_error(), the one place that turns SQLite result codes into our Errors.
// Internal to src/store; the rest of the program sees only store.h.
//
// SECURITY: reads a database file that may be damaged (a bad disk, a half-restored backup).
// Every result code is checked and mapped; a damaged file is kCorruption, never a crash.
// Values are always bound as parameters, never spliced into SQL text.
// Standards: none.
// Thread-safety: a Connection (and the Statements and Transactions made from it) is used by one
// thread at a time; its owner serializes access. Connections are opened with
// SQLITE_OPEN_NOMUTEX because that owner already does.
#pragma once

#include <chrono>
#include <cstdint>
#include <filesystem>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>

#include "base/result.h"

// Declared here so that only db.cc and the other files of this folder include <sqlite3.h>.
struct sqlite3;
struct sqlite3_stmt;

namespace sealmail::store::sqlite {

// Maps an SQLite (extended) result code to our category: busy/locked → kUnavailable, disk
// full/I/O/cannot open → kIo, corrupt/not a database → kCorruption, unique/primary key →
// kAlreadyExists, foreign key → kNotFound, other constraints → kInvalidArgument, too big →
// kLimitExceeded, anything else → kInternal. `db` (may be null) supplies SQLite's message;
// `context` says what we were doing.
Error sqlite_error(int rc, sqlite3* db, std::string_view context);

enum class OpenMode {
  kReadWrite,  // creates the file if missing, switches it to WAL
  kReadOnly,   // PRAGMA query_only: a reader can never write, whatever SQL it is given
};

struct ConnectionOptions {
  OpenMode mode = OpenMode::kReadWrite;
  // How long a statement waits for another connection's lock before kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
};

class Connection;

// A cached prepared statement borrowed from its Connection for one use. Destruction resets it
// and clears its bindings, so an abandoned SELECT never pins a read snapshot (which would stop
// WAL checkpoints). One SQL text cannot be borrowed twice at the same time.
class Statement {
 public:
  Statement(Statement&& other) noexcept;
  Statement& operator=(Statement&&) = delete;
  ~Statement();

  // Parameters are 1-based. A failed bind is reported by the next step().
  Statement& bind(int index, int64_t value);
  Statement& bind_text(int index, std::string_view value);
  Statement& bind_blob(int index, std::string_view value);

  // true: a row is ready to read; false: the statement is done.
  Result<bool> step();
  // Steps a statement that returns no rows to completion.
  Status run();

  int64_t column_int64(int index) const;
  std::string column_text(int index) const;
  std::string column_blob(int index) const;

 private:
  friend class Connection;
  struct Cached {
    sqlite3_stmt* stmt = nullptr;
    bool in_use = false;
  };
  Statement(Cached* cached, sqlite3* db);

  Cached* cached_;
  sqlite3* db_;
  std::optional<Error> bind_error_;
};

class Connection {
 public:
  // Opens `file` with our settings: extended result codes, busy timeout, foreign keys on,
  // synchronous=FULL (a commit is on disk before it returns — WAL's default NORMAL survives a
  // process crash but can lose the last commits on a power cut); read-write also makes sure
  // the database is in WAL mode.
  static Result<Connection> open(const std::filesystem::path& file,
                                 const ConnectionOptions& options);

  Connection(Connection&& other) noexcept;
  Connection& operator=(Connection&& other) noexcept;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection();

  // Prepares `sql` once per connection and lends it out.
  Result<Statement> prepare(std::string_view sql);
  // Runs one or more parameterless statements (migrations, pragmas), discarding any rows.
  Status exec(std::string_view sql);
  // For a single-value query such as "PRAGMA journal_mode".
  Result<std::string> query_text(std::string_view sql);

  // Rows inserted, updated or deleted by the most recent such statement on this connection:
  // how a conditional UPDATE or DELETE tells whether its condition held.
  int64_t changes() const;

  bool in_transaction() const;
  sqlite3* handle() const { return db_; }

 private:
  explicit Connection(sqlite3* db) : db_(db) {}
  void close();
  Status enable_wal(const std::filesystem::path& file, std::chrono::milliseconds busy_timeout);

  sqlite3* db_ = nullptr;
  // unordered_map nodes do not move on rehash, so Statements can point into them.
  std::unordered_map<std::string, Statement::Cached> cache_;
};

// A transaction that rolls back unless commit() succeeded.
class Transaction {
 public:
  enum class Kind {
    kRead,   // BEGIN: the snapshot is taken at the first read
    kWrite,  // BEGIN IMMEDIATE: takes the write lock now, so the transaction never fails
             // halfway with SQLITE_BUSY when it first writes
  };
  static Result<Transaction> begin(Connection& db, Kind kind);

  Transaction(Transaction&& other) noexcept;
  Transaction& operator=(Transaction&&) = delete;
  ~Transaction();

  Status commit();

 private:
  explicit Transaction(Connection* db) : db_(db) {}
  Connection* db_;  // null once committed or moved from
};

}  // namespace sealmail::store::sqlite
