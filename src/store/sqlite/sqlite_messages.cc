// SqliteStore: aliases, catch-all addresses, storing messages and reading them (listings,
// counts, bulk summaries). Changing them is sqlite_mailbox.cc.
#include <algorithm>
#include <istream>
#include <limits>
#include <string>
#include <tuple>
#include <unordered_map>
#include <utility>
#include <vector>

#include <sqlite3.h>
#include <nlohmann/json.hpp>

#include "base/ascii.h"
#include "store/internal/rules.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace sealmail::store::sqlite {
namespace {

int64_t to_int64(size_t value) {
  return static_cast<int64_t>(std::min<uint64_t>(value, std::numeric_limits<int64_t>::max()));
}

Status check_message(const MessageRecord& message) {
  if (!internal::is_hex_id(message.id)) {
    return make_error(Errc::kInvalidArgument, "a message id is 16 lower-case hex digits");
  }
  SEALMAIL_RETURN_IF_ERROR(internal::check_address(message.address));
  SEALMAIL_RETURN_IF_ERROR(internal::check_folder_id(message.folder));
  if ((message.flags & ~kKnownFlags) != 0) {
    return make_error(Errc::kInvalidArgument, "unknown flag bits");
  }
  if (message.expires_at_ms < 0) {
    return make_error(Errc::kInvalidArgument, "negative expiry time");
  }
  if (message.labels.size() > kMaxLabels) {
    return make_error(Errc::kInvalidArgument, "too many labels");
  }
  for (const std::string& label : message.labels) {
    if (!internal::is_hex_id(label)) {
      return make_error(Errc::kInvalidArgument, "a label id is 16 lower-case hex digits");
    }
  }
  if (message.key_packets.empty() || message.summary.empty()) {
    return make_error(Errc::kInvalidArgument, "a message needs key packets, data and a summary");
  }
  return {};
}

// What a copy counts against its account: its own parts and the shared body in full.
int64_t stored_size(const MessageRecord& message, size_t body_bytes) {
  return static_cast<int64_t>(message.key_packets.size() + body_bytes + message.summary.size());
}

// Adds one copy, its labels and its event inside the caller's transaction; kLimitExceeded if
// the account's use would pass `quota` (0 = none), kNotFound if its user folder or a label is
// not the account's.
Status insert_copy(Connection& db, const MessageRecord& message, int64_t body_id, int64_t size,
                   int64_t quota, int64_t now) {
  Cursor cursor = 0;
  {
    // One statement raises the use, checks the quota and takes the event cursor, so two
    // writers can never both squeeze under the limit.
    Statement bump = SEALMAIL_TRY(db.prepare(
        "UPDATE accounts SET used_bytes = used_bytes + ?2, last_cursor = last_cursor + 1 "
        "WHERE account_id = ?1 AND (?3 = 0 OR used_bytes + ?2 <= ?3) RETURNING last_cursor"));
    bump.bind(1, message.account.value).bind(2, size).bind(3, quota);
    if (!SEALMAIL_TRY(bump.step())) {
      SEALMAIL_RETURN_IF_ERROR(require_account(db, message.account));
      return make_error(Errc::kLimitExceeded, "the mailbox is full");
    }
    cursor = bump.column_int64(0);
    SEALMAIL_CHECK(!SEALMAIL_TRY(bump.step()));
  }
  if (!is_system_folder(message.folder)) {
    SEALMAIL_RETURN_IF_ERROR(require_folder(db, message.account, message.folder));
  }
  {
    Statement insert = SEALMAIL_TRY(db.prepare(
        "INSERT INTO messages (account_id, message_id, address_key, folder, flags, size, "
        "received_at_ms, key_packets, body_id, summary, expires_at_ms) "
        "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)"));
    insert.bind(1, message.account.value).bind_text(2, message.id);
    insert.bind_text(3, internal::address_key(message.address)).bind_text(4, message.folder);
    insert.bind(5, message.flags).bind(6, size).bind(7, message.received_at_ms);
    insert.bind_blob(8, message.key_packets).bind(9, body_id);
    insert.bind_blob(10, message.summary).bind(11, message.expires_at_ms);
    SEALMAIL_RETURN_IF_ERROR(insert.run());
  }
  std::vector<std::string> labels = message.labels;
  std::sort(labels.begin(), labels.end());
  labels.erase(std::unique(labels.begin(), labels.end()), labels.end());
  for (const std::string& label : labels) {
    // The foreign key to labels makes another account's label kNotFound.
    Statement tag =
        SEALMAIL_TRY(db.prepare("INSERT INTO message_labels (account_id, message_id, label_id, "
                                "received_at_ms) VALUES (?1, ?2, ?3, ?4)"));
    tag.bind(1, message.account.value).bind_text(2, message.id).bind_text(3, label);
    tag.bind(4, message.received_at_ms);
    SEALMAIL_RETURN_IF_ERROR(tag.run());
  }
  Statement event = SEALMAIL_TRY(
      db.prepare("INSERT INTO events (account_id, cursor, kind, payload, created_at_ms) "
                 "VALUES (?1, ?2, 'message.created', ?3, ?4)"));
  std::string payload = nlohmann::json{{"id", message.id},
                                       {"folder", message.folder},
                                       {"flags", message.flags},
                                       {"labels", labels},
                                       {"expires_at_ms", message.expires_at_ms}}
                            .dump();
  event.bind(1, message.account.value).bind(2, cursor).bind_blob(3, payload).bind(4, now);
  return event.run();
}

// The body of `account`'s upload `id` and its size, taken over by `copies` new copies (which
// will point at it) as the upload is deleted; inside the caller's transaction. kNotFound.
Result<std::pair<int64_t, int64_t>> take_upload(Connection& db, AccountId account,
                                                std::string_view id, int64_t copies) {
  std::pair<int64_t, int64_t> body;
  {
    Statement find = SEALMAIL_TRY(
        db.prepare("SELECT body_id, size FROM uploads WHERE upload_id = ?1 AND account_id = ?2"));
    find.bind_text(1, id).bind(2, account.value);
    if (!SEALMAIL_TRY(find.step())) return make_error(Errc::kNotFound, "no such upload");
    body = {find.column_int64(0), find.column_int64(1)};
  }
  // The copies' references first: deleting the upload releases its own (a trigger), and the
  // body must never reach zero in between.
  Statement hold =
      SEALMAIL_TRY(db.prepare("UPDATE bodies SET refs = refs + ?2 WHERE body_id = ?1"));
  hold.bind(1, body.first).bind(2, copies);
  SEALMAIL_RETURN_IF_ERROR(hold.run());
  Statement used = SEALMAIL_TRY(db.prepare("DELETE FROM uploads WHERE upload_id = ?1"));
  used.bind_text(1, id);
  SEALMAIL_RETURN_IF_ERROR(used.run());
  return body;
}

// Stores every copy of one delivery or none, inside the caller's transaction.
Status insert_delivery(Connection& db, const Delivery& delivery, int64_t now) {
  if (delivery.copies.empty() || delivery.quota_bytes.size() != delivery.copies.size()) {
    return make_error(Errc::kInvalidArgument, "a delivery needs one quota per copy");
  }
  if (delivery.data_packet.empty() == delivery.body_upload.empty()) {
    return make_error(Errc::kInvalidArgument, "a message needs one body: data or an upload");
  }
  if (!delivery.body_upload.empty() && !internal::is_hex_id(delivery.body_upload)) {
    return make_error(Errc::kNotFound, "no such upload");
  }
  for (const MessageRecord& copy : delivery.copies) {
    SEALMAIL_RETURN_IF_ERROR(check_message(copy));
    if (stored_size(copy, delivery.data_packet.size()) > static_cast<int64_t>(kMaxMessageBytes)) {
      return make_error(Errc::kLimitExceeded, "the message is too big");
    }
  }
  SEALMAIL_RETURN_IF_ERROR(db.exec("SAVEPOINT delivery"));
  Status stored;
  if (!delivery.replaces_draft.empty()) {
    stored = delete_draft_in(db, delivery.copies.back().account, delivery.replaces_draft, now);
  }
  // One body row for all copies; the copies' rows count its references.
  int64_t body_id = 0;
  int64_t body_bytes = to_int64(delivery.data_packet.size());
  if (stored.ok() && !delivery.body_upload.empty()) {
    auto taken = take_upload(db, delivery.copies.back().account, delivery.body_upload,
                             to_int64(delivery.copies.size()));
    if (taken.ok()) {
      std::tie(body_id, body_bytes) = *taken;
    } else {
      stored = std::move(taken).error();
    }
  } else if (stored.ok()) {
    Statement body = SEALMAIL_TRY(
        db.prepare("INSERT INTO bodies (data_packet, refs) VALUES (?1, ?2) RETURNING body_id"));
    body.bind_blob(1, delivery.data_packet).bind(2, to_int64(delivery.copies.size()));
    auto row = body.step();
    if (row.ok()) {
      body_id = body.column_int64(0);
      SEALMAIL_CHECK(!SEALMAIL_TRY(body.step()));
    } else {
      stored = std::move(row).error();
    }
  }
  for (size_t i = 0; i < delivery.copies.size() && stored.ok(); ++i) {
    const MessageRecord& copy = delivery.copies[i];
    const int64_t size = to_int64(copy.key_packets.size() + copy.summary.size()) + body_bytes;
    if (size > static_cast<int64_t>(kMaxMessageBytes)) {
      stored = make_error(Errc::kLimitExceeded, "the message is too big");
      break;
    }
    stored = insert_copy(db, copy, body_id, size, delivery.quota_bytes[i], now);
  }
  for (size_t i = 0; i < delivery.outbound.size() && stored.ok(); ++i) {
    stored = insert_outbound(db, delivery.outbound[i]);
  }
  if (!stored.ok()) {
    SEALMAIL_RETURN_IF_ERROR(db.exec("ROLLBACK TO delivery"));
    SEALMAIL_RETURN_IF_ERROR(db.exec("RELEASE delivery"));
    return stored;
  }
  SEALMAIL_RETURN_IF_ERROR(db.exec("RELEASE delivery"));
  return {};
}

// The metadata columns 0–9 of `messages AS m`; get_message adds data_packet as column 10.
constexpr char kSelectMessage[] =
    "SELECT m.account_id, m.message_id, m.address_key, m.folder, m.flags, m.size, "
    "m.received_at_ms, m.key_packets, m.summary, m.expires_at_ms";

MessageRecord message_from_row(const Statement& row) {
  return MessageRecord{.account = AccountId{row.column_int64(0)},
                       .id = row.column_text(1),
                       .address = row.column_text(2),
                       .folder = row.column_text(3),
                       .flags = row.column_int64(4),
                       .size = row.column_int64(5),
                       .received_at_ms = row.column_int64(6),
                       .key_packets = row.column_blob(7),
                       .data_packet = {},
                       .summary = row.column_blob(8),
                       .expires_at_ms = row.column_int64(9),
                       .labels = {}};
}

// Fills in the labels of `messages` (all of `account`) with one query.
Status attach_labels(Connection& db, AccountId account, std::vector<MessageRecord>& messages) {
  if (messages.empty()) return {};
  std::unordered_map<std::string, size_t> index;
  std::vector<std::string> ids;
  ids.reserve(messages.size());
  for (size_t i = 0; i < messages.size(); ++i) {
    index.emplace(messages[i].id, i);
    ids.push_back(messages[i].id);
  }
  Statement select = SEALMAIL_TRY(
      db.prepare("SELECT message_id, label_id FROM message_labels WHERE account_id = ?1 AND "
                 "message_id IN (SELECT value FROM json_each(?2)) ORDER BY message_id, label_id"));
  select.bind(1, account.value).bind_text(2, json_array(ids));
  while (SEALMAIL_TRY(select.step())) {
    auto found = index.find(select.column_text(0));
    if (found != index.end()) messages[found->second].labels.push_back(select.column_text(1));
  }
  return {};
}

// Runs a listing query whose parameters are ?1 account, ?2 limit, ?3 offset and, unless `key`
// is empty, ?4 the folder or label.
Result<std::vector<MessageRecord>> run_listing(Connection& db, AccountId account,
                                               const std::string& sql, std::string_view key,
                                               size_t limit, size_t offset) {
  Statement select = SEALMAIL_TRY(db.prepare(sql));
  select.bind(1, account.value).bind(2, to_int64(limit)).bind(3, to_int64(offset));
  if (!key.empty()) select.bind_text(4, key);
  std::vector<MessageRecord> messages;
  while (SEALMAIL_TRY(select.step())) messages.push_back(message_from_row(select));
  SEALMAIL_RETURN_IF_ERROR(attach_labels(db, account, messages));
  return messages;
}

// Statuses that belong to one delivery rather than to the whole call.
bool is_per_delivery(Errc code) {
  return code == Errc::kLimitExceeded || code == Errc::kNotFound || code == Errc::kAlreadyExists ||
         code == Errc::kInvalidArgument;
}

}  // namespace

// ---- Aliases and catch-all

Status SqliteStore::add_alias(std::string_view alias, std::string_view target) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_address(alias));
  SEALMAIL_RETURN_IF_ERROR(internal::check_address(target));
  const std::string alias_key = internal::address_key(alias);
  const std::string target_key = internal::address_key(target);
  return with_writer([&](Connection& db) -> Status {
    Statement taken =
        SEALMAIL_TRY(db.prepare("SELECT 1 FROM addresses WHERE address_key = ?1 UNION ALL "
                                "SELECT 1 FROM aliases WHERE alias_key = ?1"));
    taken.bind_text(1, alias_key);
    if (SEALMAIL_TRY(taken.step())) return make_error(Errc::kAlreadyExists, "the address is taken");
    Statement exists = SEALMAIL_TRY(db.prepare("SELECT 1 FROM addresses WHERE address_key = ?1"));
    exists.bind_text(1, target_key);
    if (!SEALMAIL_TRY(exists.step())) return make_error(Errc::kNotFound, "no such address");
    Statement insert =
        SEALMAIL_TRY(db.prepare("INSERT INTO aliases (alias_key, alias, target_key, created_at_ms) "
                                "VALUES (?1, ?2, ?3, ?4)"));
    insert.bind_text(1, alias_key).bind_text(2, alias).bind_text(3, target_key);
    insert.bind(4, unix_time_ms());
    return insert.run();
  });
}

Status SqliteStore::remove_alias(std::string_view alias) {
  if (!internal::check_address(alias).ok()) return make_error(Errc::kNotFound, "no such alias");
  const std::string alias_key = internal::address_key(alias);
  return with_writer([&](Connection& db) -> Status {
    Statement remove = SEALMAIL_TRY(db.prepare("DELETE FROM aliases WHERE alias_key = ?1"));
    remove.bind_text(1, alias_key);
    SEALMAIL_RETURN_IF_ERROR(remove.run());
    if (db.changes() == 0) return make_error(Errc::kNotFound, "no such alias");
    return {};
  });
}

Result<std::vector<Alias>> SqliteStore::list_aliases() {
  return with_reader([&](Connection& db) -> Result<std::vector<Alias>> {
    Statement select = SEALMAIL_TRY(
        db.prepare("SELECT alias, target_key, created_at_ms FROM aliases ORDER BY alias_key"));
    std::vector<Alias> aliases;
    while (SEALMAIL_TRY(select.step())) {
      aliases.push_back(Alias{.alias = select.column_text(0),
                              .target = select.column_text(1),
                              .created_at_ms = select.column_int64(2)});
    }
    return aliases;
  });
}

Status SqliteStore::set_catch_all(std::string_view domain, std::string_view address) {
  std::string target;
  if (!address.empty()) {
    SEALMAIL_RETURN_IF_ERROR(internal::check_address(address));
    target = internal::address_key(address);
  }
  const std::string name = ascii_lowercase(domain);
  return with_writer([&](Connection& db) -> Status {
    if (!target.empty()) {
      Statement exists = SEALMAIL_TRY(db.prepare("SELECT 1 FROM addresses WHERE address_key = ?1"));
      exists.bind_text(1, target);
      if (!SEALMAIL_TRY(exists.step())) return make_error(Errc::kNotFound, "no such address");
    }
    Statement update =
        SEALMAIL_TRY(db.prepare("UPDATE domains SET catch_all = ?2 WHERE name = ?1"));
    update.bind_text(1, name).bind_text(2, target);
    SEALMAIL_RETURN_IF_ERROR(update.run());
    if (db.changes() == 0) return make_error(Errc::kNotFound, "no such domain");
    return {};
  });
}

// ---- Messages

Result<std::vector<Status>> SqliteStore::deliver(const std::vector<Delivery>& deliveries) {
  return with_writer([&](Connection& db) -> Result<std::vector<Status>> {
    const int64_t now = unix_time_ms();
    std::vector<Status> statuses;
    statuses.reserve(deliveries.size());
    for (const Delivery& delivery : deliveries) {
      Status stored = insert_delivery(db, delivery, now);
      if (!stored.ok() && !is_per_delivery(stored.error().code)) return std::move(stored).error();
      statuses.push_back(std::move(stored));
    }
    return statuses;
  });
}

Status SqliteStore::add_upload(AccountId account, std::string_view id, std::istream& data,
                               int64_t size, int64_t now_ms) {
  if (!internal::is_hex_id(id)) {
    return make_error(Errc::kInvalidArgument, "an upload id is 16 lower-case hex digits");
  }
  if (size <= 0 || size > static_cast<int64_t>(kMaxMessageBytes)) {
    return make_error(Errc::kInvalidArgument, "an upload is 1 byte to 256 MiB");
  }
  return with_writer([&](Connection& db) -> Status {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    {
      Statement pending =
          SEALMAIL_TRY(db.prepare("SELECT count(*) FROM uploads WHERE account_id = ?1"));
      pending.bind(1, account.value);
      SEALMAIL_CHECK(SEALMAIL_TRY(pending.step()));
      if (pending.column_int64(0) >= static_cast<int64_t>(kMaxPendingUploads)) {
        return make_error(Errc::kLimitExceeded, "too many unused uploads");
      }
    }
    int64_t body_id = 0;
    {
      Statement body = SEALMAIL_TRY(db.prepare(
          "INSERT INTO bodies (data_packet, refs) VALUES (zeroblob(?1), 1) RETURNING body_id"));
      body.bind(1, size);
      SEALMAIL_CHECK(SEALMAIL_TRY(body.step()));
      body_id = body.column_int64(0);
      SEALMAIL_CHECK(!SEALMAIL_TRY(body.step()));
    }
    // Written in place, a piece at a time (SQLite's incremental blob I/O): the upload is never
    // in memory whole.
    sqlite3_blob* blob = nullptr;
    if (sqlite3_blob_open(db.handle(), "main", "bodies", "data_packet", body_id, 1, &blob) !=
        SQLITE_OK) {
      sqlite3_blob_close(blob);
      return make_error(Errc::kIo, std::string("upload: ") + sqlite3_errmsg(db.handle()));
    }
    std::string piece(size_t{1} << 20, '\0');
    int64_t written = 0;
    Status copied;
    while (written < size) {
      const int64_t want = std::min<int64_t>(to_int64(piece.size()), size - written);
      data.read(piece.data(), want);
      if (data.gcount() != want) {
        copied = make_error(Errc::kIo, "upload: the data ended early");
        break;
      }
      if (sqlite3_blob_write(blob, piece.data(), static_cast<int>(want),
                             static_cast<int>(written)) != SQLITE_OK) {
        copied = make_error(Errc::kIo, std::string("upload: ") + sqlite3_errmsg(db.handle()));
        break;
      }
      written += want;
    }
    if (sqlite3_blob_close(blob) != SQLITE_OK && copied.ok()) {
      copied = make_error(Errc::kIo, std::string("upload: ") + sqlite3_errmsg(db.handle()));
    }
    SEALMAIL_RETURN_IF_ERROR(copied);
    Statement upload = SEALMAIL_TRY(
        db.prepare("INSERT INTO uploads (upload_id, account_id, body_id, size, created_at_ms) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)"));
    upload.bind_text(1, id).bind(2, account.value).bind(3, body_id).bind(4, size);
    upload.bind(5, now_ms);
    return upload.run();
  });
}

Result<std::vector<MessageRecord>> SqliteStore::list_messages(AccountId account,
                                                              std::string_view folder, size_t limit,
                                                              size_t offset) {
  if (folder != kAllMail) SEALMAIL_RETURN_IF_ERROR(internal::check_folder_id(folder));
  return with_reader([&](Connection& db) -> Result<std::vector<MessageRecord>> {
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    // Both orders are those of an index (messages_by_time, messages_by_folder), read
    // backwards: no sort, however large the folder.
    if (folder == kAllMail) {
      return run_listing(db, account,
                         std::string(kSelectMessage) +
                             " FROM messages AS m WHERE m.account_id = ?1 AND "
                             "m.folder NOT IN ('trash', 'spam') "
                             "ORDER BY m.received_at_ms DESC, m.message_id DESC "
                             "LIMIT ?2 OFFSET ?3",
                         "", limit, offset);
    }
    SEALMAIL_RETURN_IF_ERROR(require_folder(db, account, folder));
    return run_listing(db, account,
                       std::string(kSelectMessage) +
                           " FROM messages AS m WHERE m.account_id = ?1 AND m.folder = ?4 "
                           "ORDER BY m.received_at_ms DESC, m.message_id DESC LIMIT ?2 OFFSET ?3",
                       folder, limit, offset);
  });
}

Result<std::vector<MessageRecord>> SqliteStore::list_messages_by_label(AccountId account,
                                                                       std::string_view label,
                                                                       size_t limit,
                                                                       size_t offset) {
  if (!internal::is_hex_id(label)) return make_error(Errc::kNotFound, "no such label");
  return with_reader([&](Connection& db) -> Result<std::vector<MessageRecord>> {
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    Statement exists =
        SEALMAIL_TRY(db.prepare("SELECT 1 FROM labels WHERE account_id = ?1 AND label_id = ?2"));
    exists.bind(1, account.value).bind_text(2, label);
    if (!SEALMAIL_TRY(exists.step())) return make_error(Errc::kNotFound, "no such label");
    // Ordered by message_labels_by_label, which carries received_at_ms for this.
    return run_listing(db, account,
                       std::string(kSelectMessage) +
                           " FROM message_labels AS l JOIN messages AS m "
                           "ON m.account_id = l.account_id AND m.message_id = l.message_id "
                           "WHERE l.account_id = ?1 AND l.label_id = ?4 "
                           "ORDER BY l.received_at_ms DESC, l.message_id DESC LIMIT ?2 OFFSET ?3",
                       label, limit, offset);
  });
}

Result<MessageCounts> SqliteStore::count_messages(AccountId account, std::string_view folder) {
  if (folder != kAllMail) SEALMAIL_RETURN_IF_ERROR(internal::check_folder_id(folder));
  return with_reader([&](Connection& db) -> Result<MessageCounts> {
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    if (folder != kAllMail) SEALMAIL_RETURN_IF_ERROR(require_folder(db, account, folder));
    // Kept by triggers (0006_counts.sql): a row per folder, not one per message.
    Statement count = SEALMAIL_TRY(db.prepare(
        folder == kAllMail ? "SELECT coalesce(sum(total), 0), coalesce(sum(unread), 0) "
                             "FROM folder_counts "
                             "WHERE account_id = ?1 AND folder NOT IN ('trash', 'spam')"
                           : "SELECT coalesce(sum(total), 0), coalesce(sum(unread), 0) "
                             "FROM folder_counts WHERE account_id = ?1 AND folder = ?2"));
    count.bind(1, account.value);
    if (folder != kAllMail) count.bind_text(2, folder);
    SEALMAIL_CHECK(SEALMAIL_TRY(count.step()));  // an aggregate always returns a row
    return MessageCounts{.total = count.column_int64(0), .unread = count.column_int64(1)};
  });
}

Result<std::vector<MessageRecord>> SqliteStore::get_summaries(AccountId account,
                                                              const std::vector<std::string>& ids) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_message_ids(ids));
  return with_reader([&](Connection& db) -> Result<std::vector<MessageRecord>> {
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    Statement select =
        SEALMAIL_TRY(db.prepare(std::string(kSelectMessage) +
                                " FROM messages AS m WHERE m.account_id = ?1 AND m.message_id IN "
                                "(SELECT value FROM json_each(?2))"));
    select.bind(1, account.value).bind_text(2, json_array(ids));
    std::unordered_map<std::string, MessageRecord> found;
    while (SEALMAIL_TRY(select.step())) {
      MessageRecord message = message_from_row(select);
      std::string id = message.id;
      found.emplace(std::move(id), std::move(message));
    }
    std::vector<MessageRecord> messages;
    messages.reserve(found.size());
    for (const std::string& id : ids) {
      auto it = found.find(id);
      if (it == found.end()) continue;
      messages.push_back(std::move(it->second));
      found.erase(it);  // a repeated id is answered once
    }
    SEALMAIL_RETURN_IF_ERROR(attach_labels(db, account, messages));
    return messages;
  });
}

Result<MessageRecord> SqliteStore::get_message(AccountId account, std::string_view id) {
  return with_reader([&](Connection& db) -> Result<MessageRecord> {
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    Statement select = SEALMAIL_TRY(
        db.prepare(std::string(kSelectMessage) +
                   ", b.data_packet FROM messages AS m JOIN bodies AS b ON b.body_id = m.body_id "
                   "WHERE m.account_id = ?1 AND m.message_id = ?2"));
    select.bind(1, account.value).bind_text(2, id);
    if (!SEALMAIL_TRY(select.step())) return make_error(Errc::kNotFound, "no such message");
    std::vector<MessageRecord> one;
    one.push_back(message_from_row(select));
    one[0].data_packet = select.column_blob(10);
    SEALMAIL_RETURN_IF_ERROR(attach_labels(db, account, one));
    return std::move(one[0]);
  });
}

Result<BodyRange> SqliteStore::read_body(AccountId account, std::string_view id, int64_t offset,
                                         int64_t length) {
  if (offset < 0 || length <= 0 || length > kMaxBodyRead) {
    return make_error(Errc::kInvalidArgument, "a body is read 1 byte to 16 MiB at a time");
  }
  if (!internal::is_hex_id(id)) return make_error(Errc::kNotFound, "no such message");
  return with_reader([&](Connection& db) -> Result<BodyRange> {
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    Statement select = SEALMAIL_TRY(
        db.prepare("SELECT body_id FROM messages WHERE account_id = ?1 AND message_id = ?2"));
    select.bind(1, account.value).bind_text(2, id);
    if (!SEALMAIL_TRY(select.step())) return make_error(Errc::kNotFound, "no such message");
    const int64_t body_id = select.column_int64(0);
    sqlite3_blob* blob = nullptr;
    if (sqlite3_blob_open(db.handle(), "main", "bodies", "data_packet", body_id, 0, &blob) !=
        SQLITE_OK) {
      sqlite3_blob_close(blob);
      return make_error(Errc::kIo, std::string("read_body: ") + sqlite3_errmsg(db.handle()));
    }
    BodyRange range;
    range.total = sqlite3_blob_bytes(blob);
    Status read;
    if (offset >= range.total) {
      read = make_error(Errc::kInvalidArgument, "past the end of the body");
    } else {
      range.bytes.resize(static_cast<size_t>(std::min(length, range.total - offset)));
      if (sqlite3_blob_read(blob, range.bytes.data(), static_cast<int>(range.bytes.size()),
                            static_cast<int>(offset)) != SQLITE_OK) {
        read = make_error(Errc::kIo, std::string("read_body: ") + sqlite3_errmsg(db.handle()));
      }
    }
    sqlite3_blob_close(blob);
    SEALMAIL_RETURN_IF_ERROR(read);
    return range;
  });
}

Result<int64_t> SqliteStore::storage_used(AccountId account) {
  return with_reader([&](Connection& db) -> Result<int64_t> {
    Statement select =
        SEALMAIL_TRY(db.prepare("SELECT used_bytes FROM accounts WHERE account_id = ?1"));
    select.bind(1, account.value);
    if (!SEALMAIL_TRY(select.step())) return no_such_account();
    return select.column_int64(0);
  });
}

}  // namespace sealmail::store::sqlite
