// sqlite_store_impl.h — what the files implementing SqliteStore share: the reader pool and writer
// transaction templates, the clock and the account check.
// Included only by sqlite_store.cc, sqlite_users.cc and sqlite_login.cc.
//
// SECURITY: as store.h.
// Thread-safety: as sqlite_store.h; with_writer holds writer_mutex_ for the whole transaction.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <utility>

#include "base/clock.h"
#include "store/sqlite/sqlite_store.h"

namespace sealmail::store::sqlite {

inline Error no_such_account() { return make_error(Errc::kNotFound, "no such account"); }

// kNotFound unless `account` has a row (read through `db`, inside the caller's transaction).
Status require_account(Connection& db, AccountId account);

template <typename Fn>
auto SqliteStore::with_reader(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
  std::optional<Connection> reader;
  {
    std::lock_guard lock(readers_mutex_);
    if (!idle_readers_.empty()) {
      reader.emplace(std::move(idle_readers_.back()));
      idle_readers_.pop_back();
    }
  }
  if (!reader) {
    auto opened = Connection::open(file_, ConnectionOptions{.mode = OpenMode::kReadOnly,
                                                            .busy_timeout = options_.busy_timeout});
    if (!opened.ok()) return std::move(opened).error();
    reader.emplace(std::move(opened).value());
  }
  auto result = fn(*reader);
  // A connection that hit an I/O error or corruption may be in a bad state: drop it. Ordinary
  // outcomes such as kNotFound keep it.
  const bool suspect = !result.ok() && (result.error().code == Errc::kIo ||
                                        result.error().code == Errc::kCorruption ||
                                        result.error().code == Errc::kInternal);
  if (!suspect && !reader->in_transaction()) {
    std::lock_guard lock(readers_mutex_);
    if (idle_readers_.size() < options_.max_idle_readers) {
      idle_readers_.push_back(std::move(*reader));
    }
  }
  return result;
}

template <typename Fn>
auto SqliteStore::with_writer(Fn&& fn) -> decltype(fn(std::declval<Connection&>())) {
  std::lock_guard lock(writer_mutex_);
  Transaction txn = SEALMAIL_TRY(Transaction::begin(writer_, Transaction::Kind::kWrite));
  auto result = fn(writer_);
  if (result.ok()) SEALMAIL_RETURN_IF_ERROR(txn.commit());
  return result;
}

}  // namespace sealmail::store::sqlite
