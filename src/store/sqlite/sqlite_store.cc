#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstdint>
#include <cstring>
#include <limits>
#include <string>
#include <system_error>
#include <utility>

#include "store/internal/rules.h"
#include "store/sqlite/migrate.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace sealmail::store::sqlite {
namespace {

// A new file's directory entry is not durable until its directory is synced; without this a
// power cut right after creating the store could lose the whole file, commits and all.
Status sync_directory(const std::filesystem::path& dir) {
  std::string name = dir.empty() ? std::string(".") : dir.string();
  int fd = ::open(name.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
  if (fd < 0) return make_error(Errc::kIo, "open " + name + ": " + std::strerror(errno));
  int rc = ::fsync(fd);
  int fsync_errno = errno;
  ::close(fd);
  if (rc != 0) return make_error(Errc::kIo, "fsync " + name + ": " + std::strerror(fsync_errno));
  return ok_status();
}

}  // namespace

Status require_account(Connection& db, AccountId account) {
  Statement exists = SEALMAIL_TRY(db.prepare("SELECT 1 FROM accounts WHERE account_id = ?1"));
  exists.bind(1, account.value);
  if (!SEALMAIL_TRY(exists.step())) return no_such_account();
  return ok_status();
}

Result<std::unique_ptr<SqliteStore>> SqliteStore::open(const std::filesystem::path& file,
                                                       const SqliteOptions& options) {
  std::error_code ec;
  bool existed = std::filesystem::exists(file, ec);
  Connection writer = SEALMAIL_TRY(Connection::open(
      file, ConnectionOptions{.mode = OpenMode::kReadWrite, .busy_timeout = options.busy_timeout}));
  int version = SEALMAIL_TRY(migrate(writer, latest_schema_version()));
  if (!existed) SEALMAIL_RETURN_IF_ERROR(sync_directory(file.parent_path()));
  return std::unique_ptr<SqliteStore>(new SqliteStore(file, options, std::move(writer), version));
}

SqliteStore::SqliteStore(std::filesystem::path file, const SqliteOptions& options,
                         Connection writer, int schema_version)
    : file_(std::move(file)),
      options_(options),
      schema_version_(schema_version),
      writer_(std::move(writer)) {}

// Accounts made here have no credentials or keys yet; their address still goes into
// `addresses`, which is what keeps every address unique and what find_account searches.
Result<AccountId> SqliteStore::create_account(std::string_view address) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_address(address));
  AccountRecord account;
  account.address = address;
  AddressRecord primary;
  primary.address = address;
  return create_user(account, primary);
}

Result<AccountId> SqliteStore::find_account(std::string_view address) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_address(address));
  std::string key = internal::address_key(address);
  return with_reader([&](Connection& db) -> Result<AccountId> {
    Statement select =
        SEALMAIL_TRY(db.prepare("SELECT account_id FROM addresses WHERE address_key = ?1"));
    select.bind_text(1, key);
    if (!SEALMAIL_TRY(select.step())) return make_error(Errc::kNotFound, "no such account");
    return AccountId{select.column_int64(0)};
  });
}

Result<Cursor> SqliteStore::append_event(AccountId account, std::string_view kind,
                                         std::string_view payload) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_event(kind, payload));
  return with_writer([&](Connection& db) -> Result<Cursor> {
    return append_event_in(db, account, kind, payload, unix_time_ms());
  });
}

Result<Cursor> append_event_in(Connection& db, AccountId account, std::string_view kind,
                               std::string_view payload, int64_t now_ms) {
  // The counter lives on the account row and is bumped in this transaction: the cursor is taken
  // under the same lock that orders the commits, so no reader can see N before N-1 exists.
  Cursor cursor = 0;
  {
    Statement bump = SEALMAIL_TRY(
        db.prepare("UPDATE accounts SET last_cursor = last_cursor + 1 WHERE account_id = ?1 "
                   "RETURNING last_cursor"));
    bump.bind(1, account.value);
    if (!SEALMAIL_TRY(bump.step())) return no_such_account();
    cursor = bump.column_int64(0);
    SEALMAIL_CHECK(!SEALMAIL_TRY(bump.step()));
  }
  Statement insert =
      SEALMAIL_TRY(db.prepare("INSERT INTO events (account_id, cursor, kind, payload, "
                              "created_at_ms) VALUES (?1, ?2, ?3, ?4, ?5)"));
  insert.bind(1, account.value).bind(2, cursor).bind_text(3, kind).bind_blob(4, payload);
  insert.bind(5, now_ms);
  SEALMAIL_RETURN_IF_ERROR(insert.run());
  return cursor;
}

Result<std::vector<Event>> SqliteStore::events_after(AccountId account, Cursor after,
                                                     size_t limit) {
  if (after < 0) return make_error(Errc::kInvalidArgument, "negative cursor");
  const int64_t max_rows =
      static_cast<int64_t>(std::min<uint64_t>(limit, std::numeric_limits<int64_t>::max()));
  return with_reader([&](Connection& db) -> Result<std::vector<Event>> {
    // One snapshot for both queries, so "no such account" and the rows agree.
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    {
      Statement exists = SEALMAIL_TRY(db.prepare("SELECT 1 FROM accounts WHERE account_id = ?1"));
      exists.bind(1, account.value);
      if (!SEALMAIL_TRY(exists.step())) return no_such_account();
    }
    std::vector<Event> events;
    events.reserve(static_cast<size_t>(std::min<int64_t>(max_rows, 1024)));
    {
      Statement select = SEALMAIL_TRY(
          db.prepare("SELECT cursor, kind, payload, created_at_ms FROM events "
                     "WHERE account_id = ?1 AND cursor > ?2 ORDER BY cursor LIMIT ?3"));
      select.bind(1, account.value).bind(2, after).bind(3, max_rows);
      while (SEALMAIL_TRY(select.step())) {
        events.push_back(Event{.account = account,
                               .cursor = select.column_int64(0),
                               .kind = select.column_text(1),
                               .payload = select.column_blob(2),
                               .created_at_ms = select.column_int64(3)});
      }
    }
    SEALMAIL_RETURN_IF_ERROR(txn.commit());
    return events;
  });
}

Result<Cursor> SqliteStore::last_cursor(AccountId account) {
  return with_reader([&](Connection& db) -> Result<Cursor> {
    Statement select =
        SEALMAIL_TRY(db.prepare("SELECT last_cursor FROM accounts WHERE account_id = ?1"));
    select.bind(1, account.value);
    if (!SEALMAIL_TRY(select.step())) return no_such_account();
    return select.column_int64(0);
  });
}

}  // namespace sealmail::store::sqlite
