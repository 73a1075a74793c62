// SqliteStore: the mailbox model — user folders, labels, and the bulk changes to messages
// (move, labels, flags, expiry, deletion), each one transaction with its events
// (store.h "Mailbox"). Reading messages is sqlite_messages.cc.
#include <algorithm>
#include <cstdint>
#include <functional>
#include <limits>
#include <map>
#include <string>
#include <unordered_map>
#include <utility>
#include <vector>

#include <nlohmann/json.hpp>

#include "base/random.h"
#include "store/internal/rules.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace sealmail::store::sqlite {
namespace {

// The rows of `messages` that ?2 (a JSON array of ids) names among account ?1's messages.
// Through the primary key by rowid: written as "account_id = ?1 AND message_id IN (…)" in a
// statement that also reads flags or folder, SQLite (without ANALYZE statistics) prefers
// scanning the account's entries of a covering index — all 100,000 of them.
constexpr char kOwnMessages[] =
    "rowid IN (SELECT rowid FROM messages WHERE account_id = ?1 AND message_id IN "
    "(SELECT value FROM json_each(?2)))";

Error no_such_folder() { return make_error(Errc::kNotFound, "no such folder"); }
Error no_such_label() { return make_error(Errc::kNotFound, "no such label"); }

int64_t to_int64(size_t value) {
  return static_cast<int64_t>(std::min<uint64_t>(value, std::numeric_limits<int64_t>::max()));
}

// Appends `kind` events naming `ids` (sorted here), at most kMaxIdsPerEvent per event, each
// payload being `change` plus "ids". Nothing when `ids` is empty.
Status append_id_events(Connection& db, AccountId account, std::string_view kind,
                        std::vector<std::string> ids, const nlohmann::json& change, int64_t now) {
  std::sort(ids.begin(), ids.end());
  for (size_t first = 0; first < ids.size(); first += kMaxIdsPerEvent) {
    const size_t last = std::min(ids.size(), first + kMaxIdsPerEvent);
    nlohmann::json payload = change;
    payload["ids"] = std::vector<std::string>(ids.begin() + static_cast<ptrdiff_t>(first),
                                              ids.begin() + static_cast<ptrdiff_t>(last));
    std::string bytes = payload.dump();
    SEALMAIL_CHECK(bytes.size() <= kMaxEventPayloadBytes);  // ~19 bytes per id
    SEALMAIL_RETURN_IF_ERROR(append_event_in(db, account, kind, bytes, now));
  }
  return {};
}

// Steps a statement whose rows start with a message id, collecting the ids.
Result<std::vector<std::string>> collect_ids(Statement& statement) {
  std::vector<std::string> ids;
  while (SEALMAIL_TRY(statement.step())) ids.push_back(statement.column_text(0));
  return ids;
}

// After deleting messages of `account` totalling `bytes`: lowers its use and announces them.
Status account_for_deleted(Connection& db, AccountId account, std::vector<std::string> ids,
                           int64_t bytes, int64_t now) {
  if (ids.empty()) return {};
  Statement lower = SEALMAIL_TRY(
      db.prepare("UPDATE accounts SET used_bytes = used_bytes - ?2 WHERE account_id = ?1"));
  lower.bind(1, account.value).bind(2, bytes);
  SEALMAIL_RETURN_IF_ERROR(lower.run());
  return append_id_events(db, account, "message.deleted", std::move(ids), nlohmann::json::object(),
                          now);
}

// Steps a DELETE … RETURNING message_id, size of one account's messages and accounts for them.
Result<int64_t> finish_delete(Connection& db, AccountId account, Statement& deleted, int64_t now) {
  std::vector<std::string> ids;
  int64_t bytes = 0;
  while (SEALMAIL_TRY(deleted.step())) {
    ids.push_back(deleted.column_text(0));
    bytes += deleted.column_int64(1);
  }
  const int64_t count = to_int64(ids.size());
  SEALMAIL_RETURN_IF_ERROR(account_for_deleted(db, account, std::move(ids), bytes, now));
  return count;
}

// ---- The folder tree of one account, read whole (at most kMaxFolders rows).

struct FolderRow {
  std::string id;
  std::string parent;
  std::string name;
  int64_t created_at_ms = 0;
};

class FolderTree {
 public:
  static Result<FolderTree> load(Connection& db, AccountId account) {
    Statement select =
        SEALMAIL_TRY(db.prepare("SELECT folder_id, parent_id, name, created_at_ms FROM folders "
                                "WHERE account_id = ?1 ORDER BY name, folder_id"));
    select.bind(1, account.value);
    FolderTree tree;
    while (SEALMAIL_TRY(select.step())) {
      tree.rows_.push_back(FolderRow{.id = select.column_text(0),
                                     .parent = select.column_text(1),
                                     .name = select.column_text(2),
                                     .created_at_ms = select.column_int64(3)});
    }
    for (size_t i = 0; i < tree.rows_.size(); ++i) {
      tree.by_id_.emplace(tree.rows_[i].id, i);
      tree.children_[tree.rows_[i].parent].push_back(i);  // by name: the rows are sorted
    }
    return tree;
  }

  size_t size() const { return rows_.size(); }
  const FolderRow* find(std::string_view id) const {
    auto it = by_id_.find(std::string(id));
    return it == by_id_.end() ? nullptr : &rows_[it->second];
  }
  bool has_child_named(std::string_view parent, std::string_view name) const {
    auto it = children_.find(std::string(parent));
    if (it == children_.end()) return false;
    return std::any_of(it->second.begin(), it->second.end(),
                       [&](size_t i) { return rows_[i].name == name; });
  }

  // Levels from the top down to `id` ("" is 0, a top-level folder 1). kCorruption for a
  // parent chain that loops or breaks off.
  Result<size_t> depth(std::string_view id) const {
    size_t levels = 0;
    std::string at(id);
    while (!at.empty()) {
      const FolderRow* row = find(at);
      if (!row || ++levels > rows_.size()) {
        return make_error(Errc::kCorruption, "the folder tree is broken");
      }
      at = row->parent;
    }
    return levels;
  }

  // `id` is `ancestor` or below it.
  bool is_within(std::string_view id, std::string_view ancestor) const {
    std::string at(id);
    for (size_t steps = 0; !at.empty() && steps <= rows_.size(); ++steps) {
      if (at == ancestor) return true;
      const FolderRow* row = find(at);
      if (!row) return false;
      at = row->parent;
    }
    return false;
  }

  // The subtree of `id` with children before their parents, and its height (1 = no children).
  std::pair<std::vector<std::string>, size_t> subtree(std::string_view id) const {
    std::vector<std::string> order;
    size_t height = 0;
    std::function<void(const std::string&, size_t)> visit = [&](const std::string& at,
                                                                size_t level) {
      height = std::max(height, level);
      auto it = children_.find(at);
      if (it != children_.end() && level <= rows_.size()) {
        for (size_t i : it->second) visit(rows_[i].id, level + 1);
      }
      order.push_back(at);
    };
    visit(std::string(id), 1);
    return {std::move(order), height};
  }

  // Depth first from the top, siblings by name.
  std::vector<const FolderRow*> preorder() const {
    std::vector<const FolderRow*> out;
    std::function<void(const std::string&, size_t)> visit = [&](const std::string& parent,
                                                                size_t level) {
      auto it = children_.find(parent);
      if (it == children_.end() || level > rows_.size()) return;
      for (size_t i : it->second) {
        out.push_back(&rows_[i]);
        visit(rows_[i].id, level + 1);
      }
    };
    visit("", 0);
    return out;
  }

 private:
  std::vector<FolderRow> rows_;
  std::unordered_map<std::string, size_t> by_id_;
  std::unordered_map<std::string, std::vector<size_t>> children_;
};

nlohmann::json folder_payload(std::string_view id, std::string_view parent, std::string_view name) {
  return {{"id", id}, {"parent", parent}, {"name", name}};
}

nlohmann::json label_payload(std::string_view id, std::string_view name, std::string_view color) {
  return {{"id", id}, {"name", name}, {"color", color}};
}

Status append_json_event(Connection& db, AccountId account, std::string_view kind,
                         const nlohmann::json& payload, int64_t now) {
  SEALMAIL_RETURN_IF_ERROR(append_event_in(db, account, kind, payload.dump(), now));
  return ok_status();
}

// A user folder id (what rename, move and delete take): a system folder is kInvalidArgument,
// anything else that is not a folder id kNotFound.
Status check_user_folder(std::string_view id) {
  if (is_system_folder(id)) {
    return make_error(Errc::kInvalidArgument, "system folders cannot be changed");
  }
  if (!internal::is_hex_id(id)) return no_such_folder();
  return ok_status();
}

// "" (top level) or a user folder id.
Status check_parent(std::string_view parent) {
  if (parent.empty() || internal::is_hex_id(parent)) return ok_status();
  return make_error(Errc::kInvalidArgument, "a parent is a user folder or none");
}

Status require_label(Connection& db, AccountId account, std::string_view label) {
  Statement exists =
      SEALMAIL_TRY(db.prepare("SELECT 1 FROM labels WHERE account_id = ?1 AND label_id = ?2"));
  exists.bind(1, account.value).bind_text(2, label);
  if (!SEALMAIL_TRY(exists.step())) return no_such_label();
  return ok_status();
}

}  // namespace

std::string json_array(const std::vector<std::string>& ids) { return nlohmann::json(ids).dump(); }

Status require_folder(Connection& db, AccountId account, std::string_view folder) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_folder_id(folder));
  if (is_system_folder(folder)) return ok_status();
  Statement exists =
      SEALMAIL_TRY(db.prepare("SELECT 1 FROM folders WHERE account_id = ?1 AND folder_id = ?2"));
  exists.bind(1, account.value).bind_text(2, folder);
  if (!SEALMAIL_TRY(exists.step())) return no_such_folder();
  return ok_status();
}

Result<int64_t> delete_expired_in(Connection& db, int64_t now_ms, size_t limit) {
  struct Deleted {
    std::vector<std::string> ids;
    int64_t bytes = 0;
  };
  std::map<int64_t, Deleted> by_account;
  int64_t count = 0;
  {
    // messages_by_expiry holds only the messages that expire, earliest first.
    Statement expired = SEALMAIL_TRY(db.prepare(
        "DELETE FROM messages WHERE rowid IN (SELECT rowid FROM messages "
        "WHERE expires_at_ms > 0 AND expires_at_ms <= ?1 ORDER BY expires_at_ms LIMIT ?2) "
        "RETURNING account_id, message_id, size"));
    expired.bind(1, now_ms).bind(2, to_int64(limit));
    while (SEALMAIL_TRY(expired.step())) {
      Deleted& deleted = by_account[expired.column_int64(0)];
      deleted.ids.push_back(expired.column_text(1));
      deleted.bytes += expired.column_int64(2);
      ++count;
    }
  }
  for (auto& [account, deleted] : by_account) {
    SEALMAIL_RETURN_IF_ERROR(
        account_for_deleted(db, AccountId{account}, std::move(deleted.ids), deleted.bytes, now_ms));
  }
  return count;
}

// ---- Folders

Result<std::vector<FolderRecord>> SqliteStore::list_folders(AccountId account) {
  return with_reader([&](Connection& db) -> Result<std::vector<FolderRecord>> {
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    std::unordered_map<std::string, MessageCounts> counts;
    {
      // Kept by triggers (0006_counts.sql): one row per folder, not one per message.
      Statement count = SEALMAIL_TRY(
          db.prepare("SELECT folder, total, unread FROM folder_counts WHERE account_id = ?1"));
      count.bind(1, account.value);
      while (SEALMAIL_TRY(count.step())) {
        counts[count.column_text(0)] =
            MessageCounts{.total = count.column_int64(1), .unread = count.column_int64(2)};
      }
    }
    std::vector<FolderRecord> folders;
    for (std::string_view system : kSystemFolders) {
      folders.push_back(FolderRecord{.id = std::string(system),
                                     .parent = {},
                                     .name = {},
                                     .system = true,
                                     .created_at_ms = 0,
                                     .counts = counts[std::string(system)]});
    }
    FolderTree tree = SEALMAIL_TRY(FolderTree::load(db, account));
    for (const FolderRow* row : tree.preorder()) {
      folders.push_back(FolderRecord{.id = row->id,
                                     .parent = row->parent,
                                     .name = row->name,
                                     .system = false,
                                     .created_at_ms = row->created_at_ms,
                                     .counts = counts[row->id]});
    }
    return folders;
  });
}

Result<std::string> SqliteStore::create_folder(AccountId account, std::string_view parent,
                                               std::string_view name) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_name(name));
  SEALMAIL_RETURN_IF_ERROR(check_parent(parent));
  return with_writer([&](Connection& db) -> Result<std::string> {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    FolderTree tree = SEALMAIL_TRY(FolderTree::load(db, account));
    if (!parent.empty() && !tree.find(parent)) return no_such_folder();
    if (tree.has_child_named(parent, name)) {
      return make_error(Errc::kAlreadyExists, "a folder there has that name");
    }
    if (tree.size() >= kMaxFolders) return make_error(Errc::kLimitExceeded, "too many folders");
    if (SEALMAIL_TRY(tree.depth(parent)) + 1 > kMaxFolderDepth) {
      return make_error(Errc::kLimitExceeded, "folders nested too deep");
    }
    std::string id;
    do {
      id = random_token_hex(8);
    } while (tree.find(id));
    const int64_t now = unix_time_ms();
    Statement insert = SEALMAIL_TRY(
        db.prepare("INSERT INTO folders (account_id, folder_id, parent_id, name, created_at_ms) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)"));
    insert.bind(1, account.value).bind_text(2, id).bind_text(3, parent).bind_text(4, name);
    insert.bind(5, now);
    SEALMAIL_RETURN_IF_ERROR(insert.run());
    SEALMAIL_RETURN_IF_ERROR(
        append_json_event(db, account, "folder.created", folder_payload(id, parent, name), now));
    return id;
  });
}

Status SqliteStore::rename_folder(AccountId account, std::string_view id, std::string_view name) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_name(name));
  SEALMAIL_RETURN_IF_ERROR(check_user_folder(id));
  return with_writer([&](Connection& db) -> Status {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    FolderTree tree = SEALMAIL_TRY(FolderTree::load(db, account));
    const FolderRow* folder = tree.find(id);
    if (!folder) return no_such_folder();
    if (folder->name == name) return ok_status();
    if (tree.has_child_named(folder->parent, name)) {
      return make_error(Errc::kAlreadyExists, "a folder there has that name");
    }
    Statement update = SEALMAIL_TRY(
        db.prepare("UPDATE folders SET name = ?3 WHERE account_id = ?1 AND folder_id = ?2"));
    update.bind(1, account.value).bind_text(2, id).bind_text(3, name);
    SEALMAIL_RETURN_IF_ERROR(update.run());
    return append_json_event(db, account, "folder.updated",
                             folder_payload(id, folder->parent, name), unix_time_ms());
  });
}

Status SqliteStore::move_folder(AccountId account, std::string_view id, std::string_view parent) {
  SEALMAIL_RETURN_IF_ERROR(check_user_folder(id));
  SEALMAIL_RETURN_IF_ERROR(check_parent(parent));
  return with_writer([&](Connection& db) -> Status {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    FolderTree tree = SEALMAIL_TRY(FolderTree::load(db, account));
    const FolderRow* folder = tree.find(id);
    if (!folder) return no_such_folder();
    if (!parent.empty() && !tree.find(parent)) return no_such_folder();
    if (folder->parent == parent) return ok_status();
    if (!parent.empty() && tree.is_within(parent, id)) {
      return make_error(Errc::kInvalidArgument, "a folder cannot move into itself");
    }
    if (tree.has_child_named(parent, folder->name)) {
      return make_error(Errc::kAlreadyExists, "a folder there has that name");
    }
    const size_t height = tree.subtree(id).second;
    if (SEALMAIL_TRY(tree.depth(parent)) + height > kMaxFolderDepth) {
      return make_error(Errc::kLimitExceeded, "folders nested too deep");
    }
    Statement update = SEALMAIL_TRY(
        db.prepare("UPDATE folders SET parent_id = ?3 WHERE account_id = ?1 AND folder_id = ?2"));
    update.bind(1, account.value).bind_text(2, id).bind_text(3, parent);
    SEALMAIL_RETURN_IF_ERROR(update.run());
    return append_json_event(db, account, "folder.updated",
                             folder_payload(id, parent, folder->name), unix_time_ms());
  });
}

Result<int64_t> SqliteStore::delete_folder(AccountId account, std::string_view id) {
  SEALMAIL_RETURN_IF_ERROR(check_user_folder(id));
  return with_writer([&](Connection& db) -> Result<int64_t> {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    FolderTree tree = SEALMAIL_TRY(FolderTree::load(db, account));
    if (!tree.find(id)) return no_such_folder();
    const std::vector<std::string> doomed = tree.subtree(id).first;
    const std::string doomed_json = json_array(doomed);
    const int64_t now = unix_time_ms();
    // Their mail stays in All Mail: it moves to the archive, as Proton keeps it.
    Statement rescue = SEALMAIL_TRY(
        db.prepare("UPDATE messages SET folder = 'archive' WHERE account_id = ?1 AND folder IN "
                   "(SELECT value FROM json_each(?2)) RETURNING message_id"));
    rescue.bind(1, account.value).bind_text(2, doomed_json);
    std::vector<std::string> moved = SEALMAIL_TRY(collect_ids(rescue));
    const int64_t count = to_int64(moved.size());
    SEALMAIL_RETURN_IF_ERROR(append_id_events(db, account, "message.updated", std::move(moved),
                                              {{"folder", kArchive}}, now));
    Statement remove =
        SEALMAIL_TRY(db.prepare("DELETE FROM folders WHERE account_id = ?1 AND folder_id IN "
                                "(SELECT value FROM json_each(?2))"));
    remove.bind(1, account.value).bind_text(2, doomed_json);
    SEALMAIL_RETURN_IF_ERROR(remove.run());
    for (const std::string& gone : doomed) {  // children before their parents
      SEALMAIL_RETURN_IF_ERROR(
          append_json_event(db, account, "folder.deleted", {{"id", gone}}, now));
    }
    return count;
  });
}

// ---- Labels

Result<std::vector<LabelRecord>> SqliteStore::list_labels(AccountId account) {
  return with_reader([&](Connection& db) -> Result<std::vector<LabelRecord>> {
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    // Counts kept by triggers (0006_counts.sql); a label without a row has none.
    Statement select = SEALMAIL_TRY(
        db.prepare("SELECT l.label_id, l.name, l.color, l.created_at_ms, coalesce(c.total, 0), "
                   "coalesce(c.unread, 0) FROM labels AS l LEFT JOIN label_counts AS c "
                   "ON c.account_id = l.account_id AND c.label_id = l.label_id "
                   "WHERE l.account_id = ?1 ORDER BY l.name"));
    select.bind(1, account.value);
    std::vector<LabelRecord> labels;
    while (SEALMAIL_TRY(select.step())) {
      labels.push_back(LabelRecord{
          .id = select.column_text(0),
          .name = select.column_text(1),
          .color = select.column_text(2),
          .created_at_ms = select.column_int64(3),
          .counts = {.total = select.column_int64(4), .unread = select.column_int64(5)}});
    }
    return labels;
  });
}

Result<std::string> SqliteStore::create_label(AccountId account, std::string_view name,
                                              std::string_view color) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_name(name));
  SEALMAIL_RETURN_IF_ERROR(internal::check_color(color));
  return with_writer([&](Connection& db) -> Result<std::string> {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    {
      Statement taken =
          SEALMAIL_TRY(db.prepare("SELECT 1 FROM labels WHERE account_id = ?1 AND name = ?2"));
      taken.bind(1, account.value).bind_text(2, name);
      if (SEALMAIL_TRY(taken.step())) {
        return make_error(Errc::kAlreadyExists, "a label has that name");
      }
    }
    {
      Statement count =
          SEALMAIL_TRY(db.prepare("SELECT count(*) FROM labels WHERE account_id = ?1"));
      count.bind(1, account.value);
      SEALMAIL_CHECK(SEALMAIL_TRY(count.step()));
      if (count.column_int64(0) >= to_int64(kMaxLabels)) {
        return make_error(Errc::kLimitExceeded, "too many labels");
      }
    }
    std::string id;
    while (true) {
      id = random_token_hex(8);
      if (!require_label(db, account, id).ok()) break;  // unused (or unreadable: insert says)
    }
    const int64_t now = unix_time_ms();
    Statement insert = SEALMAIL_TRY(
        db.prepare("INSERT INTO labels (account_id, label_id, name, color, created_at_ms) "
                   "VALUES (?1, ?2, ?3, ?4, ?5)"));
    insert.bind(1, account.value).bind_text(2, id).bind_text(3, name).bind_text(4, color);
    insert.bind(5, now);
    SEALMAIL_RETURN_IF_ERROR(insert.run());
    SEALMAIL_RETURN_IF_ERROR(
        append_json_event(db, account, "label.created", label_payload(id, name, color), now));
    return id;
  });
}

Status SqliteStore::update_label(AccountId account, std::string_view id, std::string_view name,
                                 std::string_view color) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_name(name));
  SEALMAIL_RETURN_IF_ERROR(internal::check_color(color));
  if (!internal::is_hex_id(id)) return no_such_label();
  return with_writer([&](Connection& db) -> Status {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    SEALMAIL_RETURN_IF_ERROR(require_label(db, account, id));
    {
      Statement taken = SEALMAIL_TRY(db.prepare(
          "SELECT 1 FROM labels WHERE account_id = ?1 AND name = ?2 AND label_id != ?3"));
      taken.bind(1, account.value).bind_text(2, name).bind_text(3, id);
      if (SEALMAIL_TRY(taken.step())) {
        return make_error(Errc::kAlreadyExists, "a label has that name");
      }
    }
    Statement update =
        SEALMAIL_TRY(db.prepare("UPDATE labels SET name = ?3, color = ?4 WHERE account_id = ?1 AND "
                                "label_id = ?2 AND (name != ?3 OR color != ?4)"));
    update.bind(1, account.value).bind_text(2, id).bind_text(3, name).bind_text(4, color);
    SEALMAIL_RETURN_IF_ERROR(update.run());
    if (db.changes() == 0) return ok_status();  // nothing changed: no event
    return append_json_event(db, account, "label.updated", label_payload(id, name, color),
                             unix_time_ms());
  });
}

Status SqliteStore::delete_label(AccountId account, std::string_view id) {
  if (!internal::is_hex_id(id)) return no_such_label();
  return with_writer([&](Connection& db) -> Status {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    // ON DELETE CASCADE takes the label off its messages.
    Statement remove =
        SEALMAIL_TRY(db.prepare("DELETE FROM labels WHERE account_id = ?1 AND label_id = ?2"));
    remove.bind(1, account.value).bind_text(2, id);
    SEALMAIL_RETURN_IF_ERROR(remove.run());
    if (db.changes() == 0) return no_such_label();
    return append_json_event(db, account, "label.deleted", {{"id", id}}, unix_time_ms());
  });
}

// ---- Bulk changes to messages

Result<int64_t> SqliteStore::move_messages(AccountId account, const std::vector<std::string>& ids,
                                           std::string_view folder) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_message_ids(ids));
  SEALMAIL_RETURN_IF_ERROR(internal::check_folder_id(folder));
  return with_writer([&](Connection& db) -> Result<int64_t> {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    SEALMAIL_RETURN_IF_ERROR(require_folder(db, account, folder));
    Statement move =
        SEALMAIL_TRY(db.prepare(std::string("UPDATE messages SET folder = ?3 WHERE ") +
                                kOwnMessages + " AND folder != ?3 RETURNING message_id"));
    move.bind(1, account.value).bind_text(2, json_array(ids)).bind_text(3, folder);
    std::vector<std::string> moved = SEALMAIL_TRY(collect_ids(move));
    const int64_t count = to_int64(moved.size());
    SEALMAIL_RETURN_IF_ERROR(append_id_events(db, account, "message.updated", std::move(moved),
                                              {{"folder", folder}}, unix_time_ms()));
    return count;
  });
}

Result<int64_t> SqliteStore::add_label(AccountId account, const std::vector<std::string>& ids,
                                       std::string_view label) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_message_ids(ids));
  if (!internal::is_hex_id(label)) return no_such_label();
  return with_writer([&](Connection& db) -> Result<int64_t> {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    SEALMAIL_RETURN_IF_ERROR(require_label(db, account, label));
    // RETURNING names only the rows inserted, not those that had the label already.
    Statement tag = SEALMAIL_TRY(
        db.prepare("INSERT INTO message_labels (account_id, message_id, label_id, received_at_ms) "
                   "SELECT account_id, message_id, ?3, received_at_ms FROM messages "
                   "WHERE " +
                   std::string(kOwnMessages) + " ON CONFLICT DO NOTHING RETURNING message_id"));
    tag.bind(1, account.value).bind_text(2, json_array(ids)).bind_text(3, label);
    std::vector<std::string> tagged = SEALMAIL_TRY(collect_ids(tag));
    const int64_t count = to_int64(tagged.size());
    SEALMAIL_RETURN_IF_ERROR(append_id_events(db, account, "message.updated", std::move(tagged),
                                              {{"labels_added", nlohmann::json::array({label})}},
                                              unix_time_ms()));
    return count;
  });
}

Result<int64_t> SqliteStore::remove_label(AccountId account, const std::vector<std::string>& ids,
                                          std::string_view label) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_message_ids(ids));
  if (!internal::is_hex_id(label)) return no_such_label();
  return with_writer([&](Connection& db) -> Result<int64_t> {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    SEALMAIL_RETURN_IF_ERROR(require_label(db, account, label));
    Statement untag = SEALMAIL_TRY(
        db.prepare("DELETE FROM message_labels WHERE account_id = ?1 AND label_id = ?3 AND "
                   "message_id IN (SELECT value FROM json_each(?2)) RETURNING message_id"));
    untag.bind(1, account.value).bind_text(2, json_array(ids)).bind_text(3, label);
    std::vector<std::string> untagged = SEALMAIL_TRY(collect_ids(untag));
    const int64_t count = to_int64(untagged.size());
    SEALMAIL_RETURN_IF_ERROR(append_id_events(db, account, "message.updated", std::move(untagged),
                                              {{"labels_removed", nlohmann::json::array({label})}},
                                              unix_time_ms()));
    return count;
  });
}

Result<int64_t> SqliteStore::set_flags(AccountId account, const std::vector<std::string>& ids,
                                       int64_t set_mask, int64_t clear_mask) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_message_ids(ids));
  SEALMAIL_RETURN_IF_ERROR(internal::check_flag_masks(set_mask, clear_mask));
  return with_writer([&](Connection& db) -> Result<int64_t> {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    Statement update = SEALMAIL_TRY(db.prepare(
        std::string("UPDATE messages SET flags = (flags | ?3) & ~?4 WHERE ") + kOwnMessages +
        " AND flags != ((flags | ?3) & ~?4) RETURNING message_id, flags"));
    update.bind(1, account.value).bind_text(2, json_array(ids));
    update.bind(3, set_mask).bind(4, clear_mask);
    // The new value, not the masks, goes into the events: applying one twice is harmless.
    std::map<int64_t, std::vector<std::string>> by_flags;
    int64_t count = 0;
    while (SEALMAIL_TRY(update.step())) {
      by_flags[update.column_int64(1)].push_back(update.column_text(0));
      ++count;
    }
    const int64_t now = unix_time_ms();
    for (auto& [flags, changed] : by_flags) {
      SEALMAIL_RETURN_IF_ERROR(append_id_events(db, account, "message.updated", std::move(changed),
                                                {{"flags", flags}}, now));
    }
    return count;
  });
}

Result<int64_t> SqliteStore::set_expiry(AccountId account, const std::vector<std::string>& ids,
                                        int64_t expires_at_ms) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_message_ids(ids));
  if (expires_at_ms < 0) return make_error(Errc::kInvalidArgument, "negative expiry time");
  return with_writer([&](Connection& db) -> Result<int64_t> {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    Statement update =
        SEALMAIL_TRY(db.prepare(std::string("UPDATE messages SET expires_at_ms = ?3 WHERE ") +
                                kOwnMessages + " AND expires_at_ms != ?3 RETURNING message_id"));
    update.bind(1, account.value).bind_text(2, json_array(ids)).bind(3, expires_at_ms);
    std::vector<std::string> changed = SEALMAIL_TRY(collect_ids(update));
    const int64_t count = to_int64(changed.size());
    SEALMAIL_RETURN_IF_ERROR(append_id_events(db, account, "message.updated", std::move(changed),
                                              {{"expires_at_ms", expires_at_ms}}, unix_time_ms()));
    return count;
  });
}

Status delete_draft_in(Connection& db, AccountId account, std::string_view id, int64_t now) {
  Statement remove = SEALMAIL_TRY(db.prepare(
      "DELETE FROM messages WHERE account_id = ?1 AND message_id = ?2 AND folder = 'drafts' "
      "RETURNING message_id, size"));
  remove.bind(1, account.value).bind_text(2, id);
  if (SEALMAIL_TRY(finish_delete(db, account, remove, now)) == 0) {
    return make_error(Errc::kNotFound, "no such draft");
  }
  return {};
}

Result<int64_t> SqliteStore::delete_messages(AccountId account,
                                             const std::vector<std::string>& ids) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_message_ids(ids));
  return with_writer([&](Connection& db) -> Result<int64_t> {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    Statement remove = SEALMAIL_TRY(db.prepare(std::string("DELETE FROM messages WHERE ") +
                                               kOwnMessages + " RETURNING message_id, size"));
    remove.bind(1, account.value).bind_text(2, json_array(ids));
    return finish_delete(db, account, remove, unix_time_ms());
  });
}

Result<int64_t> SqliteStore::empty_folder(AccountId account, std::string_view folder) {
  if (folder != kTrash && folder != kSpam) {
    return make_error(Errc::kInvalidArgument, "only trash and spam can be emptied");
  }
  return with_writer([&](Connection& db) -> Result<int64_t> {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    Statement remove =
        SEALMAIL_TRY(db.prepare("DELETE FROM messages WHERE account_id = ?1 AND folder = ?2 "
                                "RETURNING message_id, size"));
    remove.bind(1, account.value).bind_text(2, folder);
    return finish_delete(db, account, remove, unix_time_ms());
  });
}

Result<int64_t> SqliteStore::delete_expired(int64_t now_ms, size_t limit) {
  return with_writer(
      [&](Connection& db) -> Result<int64_t> { return delete_expired_in(db, now_ms, limit); });
}

}  // namespace sealmail::store::sqlite
