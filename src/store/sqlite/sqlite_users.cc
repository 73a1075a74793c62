// SqliteStore: domains, users (accounts with credentials and keys) and addresses.
#include <string>
#include <utility>
#include <vector>

#include "base/ascii.h"
#include "store/internal/rules.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace sealmail::store::sqlite {
namespace {

constexpr char kSelectAccount[] =
    "SELECT account_id, address, plan, disabled, two_password_mode, srp, srp_salt, srp_verifier, "
    "kdf, recovery_srp, recovery_salt, recovery_verifier, recovery_kdf, account_key, "
    "created_at_ms FROM accounts ";

AccountRecord account_from_row(const Statement& row) {
  return AccountRecord{.id = AccountId{row.column_int64(0)},
                       .address = row.column_text(1),
                       .plan = row.column_text(2),
                       .disabled = row.column_int64(3) != 0,
                       .two_password_mode = row.column_int64(4) != 0,
                       .credentials = Credentials{.srp = row.column_text(5),
                                                  .srp_salt = row.column_blob(6),
                                                  .srp_verifier = row.column_blob(7),
                                                  .kdf = row.column_text(8)},
                       .recovery_credentials = Credentials{.srp = row.column_text(9),
                                                           .srp_salt = row.column_blob(10),
                                                           .srp_verifier = row.column_blob(11),
                                                           .kdf = row.column_text(12)},
                       .account_key = row.column_text(13),
                       .created_at_ms = row.column_int64(14)};
}

constexpr char kSelectAddress[] =
    "SELECT account_id, address, key_record, key_list, created_at_ms FROM addresses ";

AddressRecord address_from_row(const Statement& row) {
  return AddressRecord{.account = AccountId{row.column_int64(0)},
                       .address = row.column_text(1),
                       .key_record = row.column_text(2),
                       .key_list = row.column_text(3),
                       .created_at_ms = row.column_int64(4)};
}

Domain domain_from_row(const Statement& row) {
  return Domain{.name = row.column_text(0),
                .created_at_ms = row.column_int64(1),
                .catch_all = row.column_text(2)};
}

// The one message for a taken address, whichever constraint noticed it.
Error address_taken_or(Error error) {
  if (error.code != Errc::kAlreadyExists) return error;
  return make_error(Errc::kAlreadyExists, "the address is taken");
}

// Binds srp, salt, verifier and kdf to the parameters first … first + 3.
void bind_credentials(Statement& stmt, int first, const Credentials& credentials) {
  stmt.bind_text(first, credentials.srp).bind_blob(first + 1, credentials.srp_salt);
  stmt.bind_blob(first + 2, credentials.srp_verifier).bind_text(first + 3, credentials.kdf);
}

Result<AccountId> insert_account(Connection& db, const AccountRecord& account, int64_t now) {
  Statement insert = SEALMAIL_TRY(
      db.prepare("INSERT INTO accounts (address, address_key, created_at_ms, plan, disabled, "
                 "two_password_mode, srp, srp_salt, srp_verifier, kdf, recovery_srp, "
                 "recovery_salt, recovery_verifier, recovery_kdf, account_key) "
                 "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15) "
                 "RETURNING account_id"));
  insert.bind_text(1, account.address).bind_text(2, internal::address_key(account.address));
  insert.bind(3, now).bind_text(4, account.plan).bind(5, account.disabled ? 1 : 0);
  insert.bind(6, account.two_password_mode ? 1 : 0);
  bind_credentials(insert, 7, account.credentials);
  bind_credentials(insert, 11, account.recovery_credentials);
  insert.bind_text(15, account.account_key);
  Result<bool> row = insert.step();
  if (!row.ok()) return address_taken_or(std::move(row).error());
  SEALMAIL_CHECK(*row);  // RETURNING yields exactly one row for one inserted row
  AccountId id{insert.column_int64(0)};
  SEALMAIL_CHECK(!SEALMAIL_TRY(insert.step()));
  return id;
}

// Appends `address` to the account's addresses; the first one becomes position 1, the primary.
Status insert_address(Connection& db, AccountId account, const AddressRecord& address,
                      int64_t now) {
  Statement insert = SEALMAIL_TRY(db.prepare(
      "INSERT INTO addresses (account_id, position, address, address_key, key_record, key_list, "
      "created_at_ms) SELECT ?1, coalesce(max(position), 0) + 1, ?2, ?3, ?4, ?5, ?6 "
      "FROM addresses WHERE account_id = ?1"));
  insert.bind(1, account.value).bind_text(2, address.address);
  insert.bind_text(3, internal::address_key(address.address));
  insert.bind_text(4, address.key_record).bind_text(5, address.key_list).bind(6, now);
  Status inserted = insert.run();
  if (!inserted.ok()) return address_taken_or(std::move(inserted).error());
  return ok_status();
}

// Runs `sql`, whose only parameter ?1 is the account id.
Status run_for_account(Connection& db, std::string_view sql, AccountId account) {
  Statement stmt = SEALMAIL_TRY(db.prepare(sql));
  stmt.bind(1, account.value);
  return stmt.run();
}

// kNotFound unless the UPDATE just run found the account's row.
Status account_was_updated(Connection& db) {
  return db.changes() > 0 ? ok_status() : no_such_account();
}

Status revoke_sessions_except(Connection& db, AccountId account, std::string_view keep) {
  Statement remove =
      SEALMAIL_TRY(db.prepare("DELETE FROM sessions WHERE account_id = ?1 AND session_id <> ?2"));
  remove.bind(1, account.value).bind_text(2, keep);
  return remove.run();
}

Status check_new_credentials(const Credentials& credentials, std::string_view account_key) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_credentials(credentials));
  return internal::check_document(account_key);
}

// Replaces credentials, account key and password mode; kNotFound when there is no account.
Status store_credentials(Connection& db, AccountId account, const Credentials& credentials,
                         std::string_view account_key, bool two_password_mode) {
  Statement update = SEALMAIL_TRY(
      db.prepare("UPDATE accounts SET srp = ?2, srp_salt = ?3, srp_verifier = ?4, kdf = ?5, "
                 "account_key = ?6, two_password_mode = ?7 WHERE account_id = ?1"));
  update.bind(1, account.value);
  bind_credentials(update, 2, credentials);
  update.bind_text(6, account_key).bind(7, two_password_mode ? 1 : 0);
  SEALMAIL_RETURN_IF_ERROR(update.run());
  return account_was_updated(db);
}

// Replaces the recovery credentials and the account key; kNotFound when there is no account.
Status store_recovery(Connection& db, AccountId account, const Credentials& recovery,
                      std::string_view account_key) {
  Statement update = SEALMAIL_TRY(db.prepare(
      "UPDATE accounts SET recovery_srp = ?2, recovery_salt = ?3, recovery_verifier = ?4, "
      "recovery_kdf = ?5, account_key = ?6 WHERE account_id = ?1"));
  update.bind(1, account.value);
  bind_credentials(update, 2, recovery);
  update.bind_text(6, account_key);
  SEALMAIL_RETURN_IF_ERROR(update.run());
  return account_was_updated(db);
}

// kInvalidArgument unless `address` names the account's primary address (ASCII case folded).
Status require_primary(Connection& db, AccountId account, std::string_view address) {
  Statement select =
      SEALMAIL_TRY(db.prepare("SELECT address_key FROM accounts WHERE account_id = ?1"));
  select.bind(1, account.value);
  if (!SEALMAIL_TRY(select.step())) return no_such_account();
  if (select.column_text(0) != internal::address_key(address)) {
    return make_error(Errc::kInvalidArgument, "not the account's primary address");
  }
  return ok_status();
}

}  // namespace

// ---- Domains

Status SqliteStore::add_domain(std::string_view name) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_domain_name(name));
  return with_writer([&](Connection& db) -> Status {
    Statement insert =
        SEALMAIL_TRY(db.prepare("INSERT INTO domains (name, created_at_ms) VALUES (?1, ?2)"));
    insert.bind_text(1, name).bind(2, unix_time_ms());
    return insert.run();
  });
}

Result<std::vector<Domain>> SqliteStore::list_domains() {
  return with_reader([&](Connection& db) -> Result<std::vector<Domain>> {
    Statement select =
        SEALMAIL_TRY(db.prepare("SELECT name, created_at_ms, catch_all FROM domains ORDER BY name"));
    std::vector<Domain> domains;
    while (SEALMAIL_TRY(select.step())) domains.push_back(domain_from_row(select));
    return domains;
  });
}

Result<Domain> SqliteStore::find_domain(std::string_view name) {
  if (name.size() > kMaxAddressBytes) return make_error(Errc::kNotFound, "no such domain");
  std::string folded = ascii_lowercase(name);
  return with_reader([&](Connection& db) -> Result<Domain> {
    Statement select =
        SEALMAIL_TRY(db.prepare("SELECT name, created_at_ms, catch_all FROM domains WHERE name = ?1"));
    select.bind_text(1, folded);
    if (!SEALMAIL_TRY(select.step())) return make_error(Errc::kNotFound, "no such domain");
    return domain_from_row(select);
  });
}

// ---- Users

Result<AccountId> SqliteStore::create_user(const AccountRecord& account,
                                           const AddressRecord& primary) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_account(account));
  SEALMAIL_RETURN_IF_ERROR(internal::check_address_record(primary));
  if (primary.address != account.address) {
    return make_error(Errc::kInvalidArgument, "the primary address is not the account's");
  }
  return with_writer([&](Connection& db) -> Result<AccountId> {
    const int64_t now = unix_time_ms();
    AccountId id = SEALMAIL_TRY(insert_account(db, account, now));
    SEALMAIL_RETURN_IF_ERROR(insert_address(db, id, primary, now));
    return id;
  });
}

Result<AccountRecord> SqliteStore::get_account(AccountId account) {
  return with_reader([&](Connection& db) -> Result<AccountRecord> {
    Statement select =
        SEALMAIL_TRY(db.prepare(std::string(kSelectAccount) + "WHERE account_id = ?1"));
    select.bind(1, account.value);
    if (!SEALMAIL_TRY(select.step())) return no_such_account();
    return account_from_row(select);
  });
}

Result<std::vector<AccountRecord>> SqliteStore::list_accounts() {
  return with_reader([&](Connection& db) -> Result<std::vector<AccountRecord>> {
    Statement select =
        SEALMAIL_TRY(db.prepare(std::string(kSelectAccount) + "ORDER BY account_id"));
    std::vector<AccountRecord> accounts;
    while (SEALMAIL_TRY(select.step())) accounts.push_back(account_from_row(select));
    return accounts;
  });
}

Status SqliteStore::update_credentials(AccountId account, const Credentials& credentials,
                                       std::string_view account_key, bool two_password_mode,
                                       std::string_view keep_session) {
  SEALMAIL_RETURN_IF_ERROR(check_new_credentials(credentials, account_key));
  SEALMAIL_RETURN_IF_ERROR(internal::check_bounded(keep_session, kMaxTokenBytes, "session id"));
  return with_writer([&](Connection& db) -> Status {
    SEALMAIL_RETURN_IF_ERROR(
        store_credentials(db, account, credentials, account_key, two_password_mode));
    return revoke_sessions_except(db, account, keep_session);
  });
}

Status SqliteStore::set_recovery(AccountId account, const Credentials& recovery,
                                 std::string_view account_key) {
  SEALMAIL_RETURN_IF_ERROR(check_new_credentials(recovery, account_key));
  return with_writer([&](Connection& db) -> Status {
    return store_recovery(db, account, recovery, account_key);
  });
}

Status SqliteStore::set_disabled(AccountId account, bool disabled) {
  return with_writer([&](Connection& db) -> Status {
    Statement update =
        SEALMAIL_TRY(db.prepare("UPDATE accounts SET disabled = ?2 WHERE account_id = ?1"));
    update.bind(1, account.value).bind(2, disabled ? 1 : 0);
    SEALMAIL_RETURN_IF_ERROR(update.run());
    SEALMAIL_RETURN_IF_ERROR(account_was_updated(db));
    if (!disabled) return ok_status();
    return run_for_account(db, "DELETE FROM sessions WHERE account_id = ?1", account);
  });
}

Status SqliteStore::set_plan(AccountId account, std::string_view plan) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_token(plan, "plan"));
  return with_writer([&](Connection& db) -> Status {
    Statement update =
        SEALMAIL_TRY(db.prepare("UPDATE accounts SET plan = ?2 WHERE account_id = ?1"));
    update.bind(1, account.value).bind_text(2, plan);
    SEALMAIL_RETURN_IF_ERROR(update.run());
    return account_was_updated(db);
  });
}

Status SqliteStore::reset_account(AccountId account, const Credentials& credentials,
                                  const Credentials& recovery, std::string_view account_key,
                                  const AddressRecord& primary) {
  SEALMAIL_RETURN_IF_ERROR(check_new_credentials(credentials, account_key));
  SEALMAIL_RETURN_IF_ERROR(internal::check_credentials(recovery));
  SEALMAIL_RETURN_IF_ERROR(internal::check_address_record(primary));
  return with_writer([&](Connection& db) -> Status {
    SEALMAIL_RETURN_IF_ERROR(require_primary(db, account, primary.address));
    // The cursor counter on the account row stays: a cursor is never reused.
    for (const char* sql :
         {"DELETE FROM events WHERE account_id = ?1", "DELETE FROM sessions WHERE account_id = ?1",
          "DELETE FROM recovery_codes WHERE account_id = ?1",
          "DELETE FROM addresses WHERE account_id = ?1 AND position > 1",
          "UPDATE accounts SET totp_secret = X'', totp_pending = X'', "
          "totp_last_step = 0 WHERE account_id = ?1"}) {
      SEALMAIL_RETURN_IF_ERROR(run_for_account(db, sql, account));
    }
    Statement keys =
        SEALMAIL_TRY(db.prepare("UPDATE addresses SET key_record = ?2, key_list = ?3 "
                                "WHERE account_id = ?1 AND position = 1"));
    keys.bind(1, account.value).bind_text(2, primary.key_record).bind_text(3, primary.key_list);
    SEALMAIL_RETURN_IF_ERROR(keys.run());
    SEALMAIL_RETURN_IF_ERROR(store_recovery(db, account, recovery, account_key));
    return store_credentials(db, account, credentials, account_key, /*two_password_mode=*/false);
  });
}

// ---- Addresses

Result<std::vector<AddressRecord>> SqliteStore::list_addresses(AccountId account) {
  return with_reader([&](Connection& db) -> Result<std::vector<AddressRecord>> {
    // One snapshot for both queries, so "no such account" and the rows agree.
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    std::vector<AddressRecord> addresses;
    {
      Statement select = SEALMAIL_TRY(
          db.prepare(std::string(kSelectAddress) + "WHERE account_id = ?1 ORDER BY position"));
      select.bind(1, account.value);
      while (SEALMAIL_TRY(select.step())) addresses.push_back(address_from_row(select));
    }
    SEALMAIL_RETURN_IF_ERROR(txn.commit());
    return addresses;
  });
}

Status SqliteStore::add_address(const AddressRecord& address) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_address_record(address));
  return with_writer([&](Connection& db) -> Status {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, address.account));
    return insert_address(db, address.account, address, unix_time_ms());
  });
}

Result<AddressRecord> SqliteStore::find_recipient(std::string_view address) {
  if (!internal::check_address(address).ok()) return make_error(Errc::kNotFound, "no such address");
  std::string key = internal::address_key(address);
  std::string domain = key.substr(key.rfind('@') + 1);
  return with_reader([&](Connection& db) -> Result<AddressRecord> {
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    // The address, its alias's target, or the domain's catch-all — the first that exists.
    Statement select = SEALMAIL_TRY(db.prepare(
        std::string(kSelectAddress) +
        "WHERE address_key = ?1 "
        "OR address_key = (SELECT target_key FROM aliases WHERE alias_key = ?1) "
        "OR address_key = (SELECT catch_all FROM domains WHERE name = ?2) "
        "ORDER BY CASE WHEN address_key = ?1 THEN 0 "
        "WHEN address_key = (SELECT target_key FROM aliases WHERE alias_key = ?1) THEN 1 "
        "ELSE 2 END LIMIT 1"));
    select.bind_text(1, key).bind_text(2, domain);
    if (!SEALMAIL_TRY(select.step())) return make_error(Errc::kNotFound, "no such address");
    return address_from_row(select);
  });
}

Result<AddressRecord> SqliteStore::find_address(std::string_view address) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_address(address));
  std::string key = internal::address_key(address);
  return with_reader([&](Connection& db) -> Result<AddressRecord> {
    Statement select =
        SEALMAIL_TRY(db.prepare(std::string(kSelectAddress) + "WHERE address_key = ?1"));
    select.bind_text(1, key);
    if (!SEALMAIL_TRY(select.step())) return make_error(Errc::kNotFound, "no such address");
    return address_from_row(select);
  });
}

}  // namespace sealmail::store::sqlite
