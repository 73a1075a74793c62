// sqlite_store.h — the SQLite backend of Store: one database file in WAL mode, written with
// synchronous=FULL so that a commit survives a power cut, not just a process crash.
// Internal to src/store; the rest of the program opens it through open_store().
//
// SECURITY: as store.h; this file adds no input of its own.
// Standards: none.
// Thread-safety: every method may be called from any thread at once.
//  - Writes go through one writer connection under writer_mutex_. SQLite admits one writer per
//    database anyway; other processes are kept in order by BEGIN IMMEDIATE and the busy
//    timeout, and nothing about the data is cached here, so they may write the same file.
//  - Reads borrow a read-only connection from a small pool (opening one when all are busy),
//    so readers never wait for the writer or each other: each reads a WAL snapshot.
#pragma once

#include <chrono>
#include <cstddef>
#include <filesystem>
#include <memory>
#include <mutex>
#include <vector>

#include "base/result.h"
#include "store/sqlite/db.h"
#include "store/store.h"

namespace sealmail::store::sqlite {

struct SqliteOptions {
  // How long a write waits for another connection or process before kUnavailable.
  std::chrono::milliseconds busy_timeout{5000};
  // Read connections kept open between calls; more are opened under load and closed after.
  size_t max_idle_readers = 8;
};

class SqliteStore final : public Store {
 public:
  // Opens or creates `file` (its directory must exist) and migrates it to the latest schema.
  static Result<std::unique_ptr<SqliteStore>> open(const std::filesystem::path& file,
                                                   const SqliteOptions& options = {});

  int schema_version() const override { return schema_version_; }
  Result<AccountId> create_account(std::string_view address) override;
  Result<AccountId> find_account(std::string_view address) override;
  Result<Cursor> append_event(AccountId account, std::string_view kind,
                              std::string_view payload) override;
  Result<std::vector<Event>> events_after(AccountId account, Cursor after, size_t limit) override;
  Result<Cursor> last_cursor(AccountId account) override;

 private:
  SqliteStore(std::filesystem::path file, const SqliteOptions& options, Connection writer,
              int schema_version);

  // Runs fn(Connection&) on a pooled read-only connection.
  template <typename Fn>
  auto with_reader(Fn&& fn) -> decltype(fn(std::declval<Connection&>()));

  // Constant after construction.
  const std::filesystem::path file_;
  const SqliteOptions options_;
  const int schema_version_;

  std::mutex writer_mutex_;
  Connection writer_;  // guarded by writer_mutex_

  std::mutex readers_mutex_;
  std::vector<Connection> idle_readers_;  // guarded by readers_mutex_
};

}  // namespace sealmail::store::sqlite
