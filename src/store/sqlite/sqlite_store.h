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
#include <string>
#include <string_view>
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

  // sqlite_users.cc: domains, users and addresses
  Status add_domain(std::string_view name) override;
  Result<std::vector<Domain>> list_domains() override;
  Result<Domain> find_domain(std::string_view name) override;
  Result<AccountId> create_user(const AccountRecord& account,
                                const AddressRecord& primary) override;
  Result<AccountRecord> get_account(AccountId account) override;
  Result<std::vector<AccountRecord>> list_accounts() override;
  Status update_credentials(AccountId account, const Credentials& credentials,
                            std::string_view account_key, bool two_password_mode,
                            std::string_view keep_session) override;
  Status set_recovery(AccountId account, const Credentials& recovery,
                      std::string_view account_key) override;
  Status set_disabled(AccountId account, bool disabled) override;
  Status set_plan(AccountId account, std::string_view plan) override;
  Status reset_account(AccountId account, const Credentials& credentials,
                       const Credentials& recovery, std::string_view account_key,
                       const AddressRecord& primary) override;
  Result<std::vector<AddressRecord>> list_addresses(AccountId account) override;
  Status add_address(const AddressRecord& address) override;
  Result<AddressRecord> find_address(std::string_view address) override;
  Result<AddressRecord> find_recipient(std::string_view address) override;

  // sqlite_messages.cc: aliases, catch-all and stored messages
  Status add_alias(std::string_view alias, std::string_view target) override;
  Status remove_alias(std::string_view alias) override;
  Result<std::vector<Alias>> list_aliases() override;
  Status set_catch_all(std::string_view domain, std::string_view address) override;
  Result<std::vector<Status>> deliver(const std::vector<Delivery>& deliveries) override;
  Result<BodyRange> read_body(AccountId account, std::string_view id, int64_t offset,
                              int64_t length) override;
  Status add_upload(AccountId account, std::string_view id, std::istream& data, int64_t size,
                    int64_t now_ms) override;
  Result<std::vector<MessageRecord>> list_messages(AccountId account, std::string_view folder,
                                                   size_t limit, size_t offset) override;
  Result<MessageRecord> get_message(AccountId account, std::string_view id) override;
  Result<int64_t> storage_used(AccountId account) override;
  Result<std::vector<MessageRecord>> list_messages_by_label(AccountId account,
                                                            std::string_view label, size_t limit,
                                                            size_t offset) override;
  Result<MessageCounts> count_messages(AccountId account, std::string_view folder) override;
  Result<std::vector<OutboundRecord>> list_outbound(size_t limit, size_t offset) override;
  Result<OutboundRecord> get_outbound(std::string_view id) override;
  Result<std::vector<OutboundRecord>> claim_outbound(std::string_view worker, int64_t now_ms,
                                                     int64_t lease_ms, size_t limit) override;
  Status finish_outbound(std::string_view id, std::string_view worker) override;
  Status defer_outbound(std::string_view id, std::string_view worker,
                        const std::vector<std::string>& remaining, int64_t next_attempt_ms,
                        std::string_view error) override;
  Status retry_outbound(std::string_view id, int64_t now_ms) override;
  Status delete_outbound(std::string_view id) override;
  Result<std::vector<MessageRecord>> get_summaries(AccountId account,
                                                   const std::vector<std::string>& ids) override;

  // sqlite_mailbox.cc: folders, labels, bulk changes and expiry
  Result<std::vector<FolderRecord>> list_folders(AccountId account) override;
  Result<std::string> create_folder(AccountId account, std::string_view parent,
                                    std::string_view name) override;
  Status rename_folder(AccountId account, std::string_view id, std::string_view name) override;
  Status move_folder(AccountId account, std::string_view id, std::string_view parent) override;
  Result<int64_t> delete_folder(AccountId account, std::string_view id) override;
  Result<std::vector<LabelRecord>> list_labels(AccountId account) override;
  Result<std::string> create_label(AccountId account, std::string_view name,
                                   std::string_view color) override;
  Status update_label(AccountId account, std::string_view id, std::string_view name,
                      std::string_view color) override;
  Status delete_label(AccountId account, std::string_view id) override;
  Result<int64_t> move_messages(AccountId account, const std::vector<std::string>& ids,
                                std::string_view folder) override;
  Result<int64_t> add_label(AccountId account, const std::vector<std::string>& ids,
                            std::string_view label) override;
  Result<int64_t> remove_label(AccountId account, const std::vector<std::string>& ids,
                               std::string_view label) override;
  Result<int64_t> set_flags(AccountId account, const std::vector<std::string>& ids,
                            int64_t set_mask, int64_t clear_mask) override;
  Result<int64_t> set_expiry(AccountId account, const std::vector<std::string>& ids,
                             int64_t expires_at_ms) override;
  Result<int64_t> delete_messages(AccountId account, const std::vector<std::string>& ids) override;
  Result<int64_t> empty_folder(AccountId account, std::string_view folder) override;
  Result<int64_t> delete_expired(int64_t now_ms, size_t limit) override;

  // sqlite_login.cc: sessions, SRP challenges, second factor, abuse limits, invites, secrets
  Status create_session(const SessionRecord& session) override;
  Result<SessionRecord> find_session_by_access(std::string_view access_hash,
                                               int64_t now_ms) override;
  Result<SessionRecord> rotate_session(std::string_view refresh_hash, const SessionRecord& next,
                                       int64_t now_ms) override;
  Status upgrade_session(AccountId account, std::string_view id,
                         const SessionRecord& next) override;
  Result<std::vector<SessionRecord>> list_sessions(AccountId account) override;
  Status revoke_session(AccountId account, std::string_view id) override;
  Status put_challenge(const SrpChallenge& challenge) override;
  Result<SrpChallenge> take_challenge(std::string_view id, int64_t now_ms) override;

  Result<TotpState> get_totp(AccountId account) override;
  Status set_totp_pending(AccountId account, std::string_view secret) override;
  Status enable_totp(AccountId account, int64_t step,
                     const std::vector<std::string>& recovery_code_hashes) override;
  Status disable_totp(AccountId account) override;
  Result<bool> use_totp_step(AccountId account, int64_t step) override;
  Result<bool> use_recovery_code(AccountId account, std::string_view code_hash) override;
  Result<int64_t> recovery_codes_left(AccountId account) override;
  Result<FailureCount> record_failure(std::string_view key, int64_t now_ms,
                                      int64_t window_ms) override;
  Result<FailureCount> failures(std::string_view key, int64_t now_ms, int64_t window_ms) override;
  Status clear_failures(std::string_view key) override;
  Status create_invite(const Invite& invite) override;
  Status take_invite(std::string_view code_hash, std::string_view address, int64_t now_ms) override;
  Result<std::string> server_secret(std::string_view name, std::string_view candidate) override;
  Result<Pruned> prune(int64_t now_ms, int64_t failure_window_ms) override;

 private:
  SqliteStore(std::filesystem::path file, const SqliteOptions& options, Connection writer,
              int schema_version);

  // Runs fn(Connection&) on a pooled read-only connection (sqlite_store_impl.h).
  template <typename Fn>
  auto with_reader(Fn&& fn) -> decltype(fn(std::declval<Connection&>()));
  // Runs fn(Connection&) on the writer inside one BEGIN IMMEDIATE transaction, committed when
  // fn succeeds and rolled back otherwise (sqlite_store_impl.h).
  template <typename Fn>
  auto with_writer(Fn&& fn) -> decltype(fn(std::declval<Connection&>()));

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
