// sqlite_store_impl.h — what the files implementing SqliteStore share: the reader pool and writer
// transaction templates, the clock and the account check.
// Included only by the sqlite_*.cc files that implement SqliteStore.
//
// SECURITY: as store.h.
// Thread-safety: as sqlite_store.h; with_writer holds writer_mutex_ for the whole transaction.
#pragma once

#include <cstdint>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "base/clock.h"
#include "store/sqlite/sqlite_store.h"

namespace sealmail::store::sqlite {

inline Error no_such_account() { return make_error(Errc::kNotFound, "no such account"); }

// kNotFound unless `account` has a row (read through `db`, inside the caller's transaction).
Status require_account(Connection& db, AccountId account);

// Appends one event inside the caller's write transaction, taking the next cursor from the
// account's counter (sqlite_store.cc). kNotFound (no such account).
Result<Cursor> append_event_in(Connection& db, AccountId account, std::string_view kind,
                               std::string_view payload, int64_t now_ms);

// kInvalidArgument unless `folder` is a folder id; kNotFound unless it is a system folder or
// a user folder of `account` (sqlite_mailbox.cc).
Status require_folder(Connection& db, AccountId account, std::string_view folder);

// `ids` as a JSON array of strings, for "IN (SELECT value FROM json_each(?))": one bound
// parameter however many ids (sqlite_mailbox.cc).
std::string json_array(const std::vector<std::string>& ids);

// Queues one outbound message inside the caller's write transaction (sqlite_outbound.cc).
// kInvalidArgument (bad id, no or too many recipients, empty message), kAlreadyExists.
Status insert_outbound(Connection& db, const OutboundRecord& job);
// Deletes `id` from `account`'s Drafts inside the caller's write transaction, with its
// "message.deleted" event (sqlite_mailbox.cc). kNotFound when it is not there.
Status delete_draft_in(Connection& db, AccountId account, std::string_view id, int64_t now);
// Store::delete_expired inside the caller's write transaction (sqlite_mailbox.cc).
Result<int64_t> delete_expired_in(Connection& db, int64_t now_ms, size_t limit);

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
