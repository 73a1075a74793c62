// store.h — the Store interface: accounts and the per-account event log, behind one API that
// both storage backends implement (SQLite today, PostgreSQL next; design.md §5).
//
// The interface is written for the most demanding backend, not the simplest: every row a user
// owns is keyed by account_id (so a distributed PostgreSQL can shard by it), nothing is cached
// in the process that another process could change (several server nodes share one database),
// and no call exposes backend types, SQL or file layout.
//
// Event log semantics. Each account has its own cursor sequence 1, 2, 3, … An event's cursor is
// assigned inside the transaction that writes it, from a counter on the account's row, so
// cursors follow commit order and have no gaps that are filled later: a reader that has seen
// cursor N will never later find a new event with a cursor ≤ N. Clients and the bridge sync by
// remembering the last cursor they processed and asking for events_after(it).
//
// SECURITY: addresses, event kinds and payloads come from callers that may be relaying network
// input. They are length-checked here and always bound as query parameters, never spliced into
// SQL. Payloads are opaque bytes that the server cannot read: encrypted blobs and IDs, never
// plaintext mail (design.md §2 — no plaintext body, subject or attachment in the store).
// The database itself is trusted to be ours but may be damaged: corruption is reported as
// kCorruption, never a crash.
//
// Standards: RFC 5321 §4.5.3.1 (address length). Whole addresses are compared with ASCII case
// folded: RFC 5321 lets a server treat local parts as case-sensitive, but users expect Alice and
// alice to be one person, and one rule must hold on every backend.
//
// Thread-safety: a Store is safe to call from several threads at once; each backend documents
// how (sqlite/sqlite_store.h). Several Store objects — in one process or many — may open the
// same database; correctness never depends on being the only one.
//
// Errors common to every call: kUnavailable (the database is locked or unreachable beyond the
// backend's timeout; retry later), kIo (disk full, I/O error), kCorruption (damaged database).
#pragma once

#include <compare>
#include <cstddef>
#include <cstdint>
#include <filesystem>
#include <iosfwd>
#include <memory>
#include <string>
#include <string_view>
#include <vector>

#include "base/result.h"

namespace sealmail::store {

// A distinct type so that an account id and a cursor, both integers, cannot be swapped.
struct AccountId {
  int64_t value = 0;
  friend auto operator<=>(const AccountId&, const AccountId&) = default;
};
std::ostream& operator<<(std::ostream& os, AccountId id);

// Position in one account's event log. 0 means "before the first event".
using Cursor = int64_t;

struct Event {
  AccountId account;
  Cursor cursor = 0;
  std::string kind;           // what happened, e.g. "message.created"; see kMaxEventKindBytes
  std::string payload;        // opaque bytes, never plaintext mail
  int64_t created_at_ms = 0;  // Unix time in milliseconds, from the writer's clock
};

// Limits enforced identically by every backend, so behaviour does not depend on the database.
inline constexpr size_t kMaxAddressBytes = 320;  // RFC 5321: 64 local-part + @ + 255 domain
inline constexpr size_t kMaxEventKindBytes = 64;
inline constexpr size_t kMaxEventPayloadBytes = size_t{1} << 20;  // events carry metadata only

class Store {
 public:
  virtual ~Store() = default;

  // The schema version of the open database. open_store has migrated it to the newest version
  // this build knows, so this equals the backend's latest version.
  virtual int schema_version() const = 0;

  // Accounts. The address is stored as given; uniqueness and lookup fold ASCII case, so
  // "Alice@Example.org" and "alice@example.org" are the same account. Non-ASCII bytes are
  // compared exactly (SMTPUTF8 local parts have no portable case rule).
  // create_account: kInvalidArgument (empty, too long, control characters or no '@'),
  // kAlreadyExists. find_account: kNotFound.
  virtual Result<AccountId> create_account(std::string_view address) = 0;
  virtual Result<AccountId> find_account(std::string_view address) = 0;

  // Appends one event to `account`'s log in its own durable transaction and returns its cursor:
  // when this returns ok, the event survives a process crash or power cut.
  // kNotFound (no such account), kInvalidArgument (kind empty, too long or not printable
  // ASCII), kLimitExceeded (payload larger than kMaxEventPayloadBytes).
  virtual Result<Cursor> append_event(AccountId account, std::string_view kind,
                                      std::string_view payload) = 0;

  // Up to `limit` events with cursor > `after`, in cursor order, from one consistent snapshot.
  // Fewer than `limit` means the reader has caught up (for now). kNotFound (no such account),
  // kInvalidArgument (after < 0).
  virtual Result<std::vector<Event>> events_after(AccountId account, Cursor after,
                                                  size_t limit) = 0;

  // The cursor of the account's newest event, 0 if it has none. kNotFound (no such account).
  virtual Result<Cursor> last_cursor(AccountId account) = 0;
};

// Opens (creating if needed) and migrates the store named by `url`:
//   "" or "sqlite"            → SQLite at data_dir/sealmail.db
//   "sqlite:/abs/path.db"     → SQLite at that absolute path
//   "sqlite:relative.db"      → SQLite at data_dir/relative.db
//   "postgresql://…", "postgres://…" → kUnsupported (not in this build yet)
// Anything else is kInvalidArgument. A database written by a newer sealmail (schema version
// above this build's) is refused with kUnsupported naming both versions. The data directory
// must exist.
Result<std::unique_ptr<Store>> open_store(const std::string& url,
                                          const std::filesystem::path& data_dir);

}  // namespace sealmail::store
