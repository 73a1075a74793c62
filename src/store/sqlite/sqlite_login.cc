// SqliteStore: login sessions, SRP challenges, the second factor, failed-login counters, invites
// and server secrets.
//
// Everything that must happen at most once (a refresh token, a challenge, a TOTP step, a
// recovery code, an invite, the first server secret) is one conditional UPDATE, DELETE or
// INSERT whose row count or RETURNING row says whether this call won. Writers of every process
// are serialized by BEGIN IMMEDIATE, so the condition and the change cannot be split by another
// writer.
#include <optional>
#include <string>
#include <utility>
#include <vector>

#include "store/internal/rules.h"
#include "store/sqlite/sqlite_store.h"
#include "store/sqlite/sqlite_store_impl.h"

namespace sealmail::store::sqlite {
namespace {

// ---- Sessions

// refresh_hash is NULL for a session without a refresh token; callers see "".
constexpr char kSessionColumns[] =
    "session_id, account_id, scope, access_hash, coalesce(refresh_hash, X''), created_at_ms, "
    "access_expires_ms, refresh_expires_ms, last_used_ms, client";

std::string select_sessions(std::string_view where) {
  return std::string("SELECT ") + kSessionColumns + " FROM sessions " + std::string(where);
}

SessionRecord session_from_row(const Statement& row) {
  return SessionRecord{.id = row.column_text(0),
                       .account = AccountId{row.column_int64(1)},
                       .scope = row.column_text(2),
                       .access_hash = row.column_blob(3),
                       .refresh_hash = row.column_blob(4),
                       .created_at_ms = row.column_int64(5),
                       .access_expires_ms = row.column_int64(6),
                       .refresh_expires_ms = row.column_int64(7),
                       .last_used_ms = row.column_int64(8),
                       .client = row.column_text(9)};
}

Error no_such_session() { return make_error(Errc::kNotFound, "no such session"); }

// Steps an UPDATE … RETURNING on sessions that matches at most one row (the hashes are unique).
Result<SessionRecord> updated_session(Statement& update) {
  if (!SEALMAIL_TRY(update.step())) return no_such_session();
  SessionRecord session = session_from_row(update);
  SEALMAIL_CHECK(!SEALMAIL_TRY(update.step()));
  return session;
}

// The new token hashes of rotate_session and upgrade_session.
Status check_next_tokens(const SessionRecord& next) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_token(next.access_hash, "access token hash"));
  return internal::check_bounded(next.refresh_hash, kMaxTokenBytes, "refresh token hash");
}

// ---- SRP challenges

SrpChallenge challenge_from_row(const Statement& row) {
  return SrpChallenge{.id = row.column_text(0),
                      .address_key = row.column_text(1),
                      .purpose = row.column_text(2),
                      .server_secret = row.column_blob(3),
                      .server_public = row.column_blob(4),
                      .expires_at_ms = row.column_int64(5)};
}

// ---- Second factor

Status replace_recovery_codes(Connection& db, AccountId account,
                              const std::vector<std::string>& code_hashes) {
  {
    Statement remove = SEALMAIL_TRY(db.prepare("DELETE FROM recovery_codes WHERE account_id = ?1"));
    remove.bind(1, account.value);
    SEALMAIL_RETURN_IF_ERROR(remove.run());
  }
  for (const std::string& hash : code_hashes) {
    Statement insert = SEALMAIL_TRY(
        db.prepare("INSERT INTO recovery_codes (account_id, code_hash) VALUES (?1, ?2)"));
    insert.bind(1, account.value).bind_blob(2, hash);
    SEALMAIL_RETURN_IF_ERROR(insert.run());
  }
  return ok_status();
}

// The answer of a conditional change that may have matched nothing: true when it changed a
// row; false when it did not and the account exists; kNotFound when there is no account.
Result<bool> changed_for_account(Connection& db, AccountId account) {
  if (db.changes() > 0) return true;
  SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
  return false;
}

// ---- Abuse limits

Status check_failure_query(std::string_view key, int64_t window_ms) {
  if (key.empty()) return make_error(Errc::kInvalidArgument, "failure key is empty");
  SEALMAIL_RETURN_IF_ERROR(internal::check_bounded(key, kMaxLabelBytes, "failure key"));
  if (window_ms < 0) return make_error(Errc::kInvalidArgument, "negative failure window");
  return ok_status();
}

Status check_secret(std::string_view secret, std::string_view what) {
  if (secret.empty()) return make_error(Errc::kInvalidArgument, std::string(what) + " is empty");
  return internal::check_bounded(secret, kMaxSecretBytes, what);
}

}  // namespace

// ---- Login sessions

Status SqliteStore::create_session(const SessionRecord& session) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_session(session));
  return with_writer([&](Connection& db) -> Status {
    SEALMAIL_RETURN_IF_ERROR(require_account(db, session.account));
    Statement insert = SEALMAIL_TRY(db.prepare(
        "INSERT INTO sessions (session_id, account_id, scope, access_hash, refresh_hash, "
        "created_at_ms, access_expires_ms, refresh_expires_ms, last_used_ms, client) "
        "VALUES (?1, ?2, ?3, ?4, NULLIF(?5, X''), ?6, ?7, ?8, ?9, ?10)"));
    insert.bind_text(1, session.id).bind(2, session.account.value).bind_text(3, session.scope);
    insert.bind_blob(4, session.access_hash).bind_blob(5, session.refresh_hash);
    insert.bind(6, session.created_at_ms).bind(7, session.access_expires_ms);
    insert.bind(8, session.refresh_expires_ms).bind(9, session.last_used_ms);
    insert.bind_text(10, session.client);
    return insert.run();
  });
}

Result<SessionRecord> SqliteStore::find_session_by_access(std::string_view access_hash,
                                                          int64_t now_ms) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_token(access_hash, "access token hash"));
  SessionRecord found = SEALMAIL_TRY(with_reader([&](Connection& db) -> Result<SessionRecord> {
    Statement select = SEALMAIL_TRY(db.prepare(select_sessions("WHERE access_hash = ?1")));
    select.bind_blob(1, access_hash);
    if (!SEALMAIL_TRY(select.step())) return no_such_session();
    return session_from_row(select);
  }));
  if (now_ms - found.last_used_ms < kLastUsedResolutionMs) return found;
  // A durable write at most once a resolution per session, not on every request.
  return with_writer([&](Connection& db) -> Result<SessionRecord> {
    Statement update = SEALMAIL_TRY(
        db.prepare(std::string("UPDATE sessions SET last_used_ms = ?2 WHERE access_hash = ?1 "
                               "RETURNING ") +
                   kSessionColumns));
    update.bind_blob(1, access_hash).bind(2, now_ms);
    return updated_session(update);
  });
}

Result<SessionRecord> SqliteStore::rotate_session(std::string_view refresh_hash,
                                                  const SessionRecord& next, int64_t now_ms) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_token(refresh_hash, "refresh token hash"));
  SEALMAIL_RETURN_IF_ERROR(check_next_tokens(next));
  return with_writer([&](Connection& db) -> Result<SessionRecord> {
    Statement update = SEALMAIL_TRY(db.prepare(
        std::string("UPDATE sessions SET access_hash = ?2, refresh_hash = NULLIF(?3, X''), "
                    "access_expires_ms = ?4, refresh_expires_ms = ?5 "
                    "WHERE refresh_hash = ?1 AND refresh_expires_ms > ?6 RETURNING ") +
        kSessionColumns));
    update.bind_blob(1, refresh_hash).bind_blob(2, next.access_hash);
    update.bind_blob(3, next.refresh_hash).bind(4, next.access_expires_ms);
    update.bind(5, next.refresh_expires_ms).bind(6, now_ms);
    return updated_session(update);
  });
}

Status SqliteStore::upgrade_session(AccountId account, std::string_view id,
                                    const SessionRecord& next) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_token(id, "session id"));
  SEALMAIL_RETURN_IF_ERROR(internal::check_token(next.scope, "scope"));
  SEALMAIL_RETURN_IF_ERROR(check_next_tokens(next));
  return with_writer([&](Connection& db) -> Status {
    Statement update = SEALMAIL_TRY(
        db.prepare("UPDATE sessions SET scope = ?3, access_hash = ?4, "
                   "refresh_hash = NULLIF(?5, X''), access_expires_ms = ?6, "
                   "refresh_expires_ms = ?7 WHERE account_id = ?1 AND session_id = ?2"));
    update.bind(1, account.value).bind_text(2, id).bind_text(3, next.scope);
    update.bind_blob(4, next.access_hash).bind_blob(5, next.refresh_hash);
    update.bind(6, next.access_expires_ms).bind(7, next.refresh_expires_ms);
    SEALMAIL_RETURN_IF_ERROR(update.run());
    return db.changes() > 0 ? ok_status() : Status(no_such_session());
  });
}

Result<std::vector<SessionRecord>> SqliteStore::list_sessions(AccountId account) {
  return with_reader([&](Connection& db) -> Result<std::vector<SessionRecord>> {
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    std::vector<SessionRecord> sessions;
    {
      Statement select = SEALMAIL_TRY(db.prepare(
          select_sessions("WHERE account_id = ?1 ORDER BY created_at_ms DESC, session_id DESC")));
      select.bind(1, account.value);
      while (SEALMAIL_TRY(select.step())) sessions.push_back(session_from_row(select));
    }
    SEALMAIL_RETURN_IF_ERROR(txn.commit());
    return sessions;
  });
}

Status SqliteStore::revoke_session(AccountId account, std::string_view id) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_token(id, "session id"));
  return with_writer([&](Connection& db) -> Status {
    Statement remove =
        SEALMAIL_TRY(db.prepare("DELETE FROM sessions WHERE account_id = ?1 AND session_id = ?2"));
    remove.bind(1, account.value).bind_text(2, id);
    SEALMAIL_RETURN_IF_ERROR(remove.run());
    return db.changes() > 0 ? ok_status() : Status(no_such_session());
  });
}

// ---- SRP challenges

Status SqliteStore::put_challenge(const SrpChallenge& challenge) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_challenge(challenge));
  return with_writer([&](Connection& db) -> Status {
    Statement insert = SEALMAIL_TRY(
        db.prepare("INSERT INTO srp_challenges (challenge_id, address_key, purpose, server_secret, "
                   "server_public, expires_at_ms) VALUES (?1, ?2, ?3, ?4, ?5, ?6)"));
    insert.bind_text(1, challenge.id).bind_text(2, challenge.address_key);
    insert.bind_text(3, challenge.purpose).bind_blob(4, challenge.server_secret);
    insert.bind_blob(5, challenge.server_public).bind(6, challenge.expires_at_ms);
    return insert.run();
  });
}

Result<SrpChallenge> SqliteStore::take_challenge(std::string_view id, int64_t now_ms) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_token(id, "challenge id"));
  // The sweep of expired challenges commits even when this one is not found.
  auto taken = SEALMAIL_TRY(with_writer([&](Connection& db) -> Result<std::optional<SrpChallenge>> {
    std::optional<SrpChallenge> challenge;
    {
      Statement take = SEALMAIL_TRY(db.prepare(
          "DELETE FROM srp_challenges WHERE challenge_id = ?1 AND expires_at_ms > ?2 RETURNING "
          "challenge_id, address_key, purpose, server_secret, server_public, expires_at_ms"));
      take.bind_text(1, id).bind(2, now_ms);
      if (SEALMAIL_TRY(take.step())) challenge = challenge_from_row(take);
      SEALMAIL_CHECK(!SEALMAIL_TRY(take.step()));  // challenge_id is the primary key
    }
    Statement sweep =
        SEALMAIL_TRY(db.prepare("DELETE FROM srp_challenges WHERE expires_at_ms <= ?1"));
    sweep.bind(1, now_ms);
    SEALMAIL_RETURN_IF_ERROR(sweep.run());
    return challenge;
  }));
  if (!taken) return make_error(Errc::kNotFound, "no such challenge");
  return *std::move(taken);
}

// ---- Second factor

Result<TotpState> SqliteStore::get_totp(AccountId account) {
  return with_reader([&](Connection& db) -> Result<TotpState> {
    Statement select = SEALMAIL_TRY(db.prepare(
        "SELECT totp_secret, totp_pending, totp_last_step FROM accounts WHERE account_id = ?1"));
    select.bind(1, account.value);
    if (!SEALMAIL_TRY(select.step())) return no_such_account();
    return TotpState{.secret = select.column_blob(0),
                     .pending_secret = select.column_blob(1),
                     .last_step = select.column_int64(2)};
  });
}

Status SqliteStore::set_totp_pending(AccountId account, std::string_view secret) {
  SEALMAIL_RETURN_IF_ERROR(check_secret(secret, "TOTP secret"));
  return with_writer([&](Connection& db) -> Status {
    Statement update =
        SEALMAIL_TRY(db.prepare("UPDATE accounts SET totp_pending = ?2 WHERE account_id = ?1"));
    update.bind(1, account.value).bind_blob(2, secret);
    SEALMAIL_RETURN_IF_ERROR(update.run());
    return db.changes() > 0 ? ok_status() : Status(no_such_account());
  });
}

Status SqliteStore::enable_totp(AccountId account, int64_t step,
                                const std::vector<std::string>& recovery_code_hashes) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_recovery_codes(recovery_code_hashes));
  return with_writer([&](Connection& db) -> Status {
    {
      Statement update = SEALMAIL_TRY(
          db.prepare("UPDATE accounts SET totp_secret = totp_pending, totp_pending = X'', "
                     "totp_last_step = max(totp_last_step, ?2) "
                     "WHERE account_id = ?1 AND length(totp_pending) > 0"));
      update.bind(1, account.value).bind(2, step);
      SEALMAIL_RETURN_IF_ERROR(update.run());
    }
    if (!SEALMAIL_TRY(changed_for_account(db, account))) {
      return make_error(Errc::kInvalidArgument, "no TOTP secret is pending");
    }
    return replace_recovery_codes(db, account, recovery_code_hashes);
  });
}

Status SqliteStore::disable_totp(AccountId account) {
  return with_writer([&](Connection& db) -> Status {
    {
      Statement update = SEALMAIL_TRY(db.prepare(
          "UPDATE accounts SET totp_secret = X'', totp_pending = X'' WHERE account_id = ?1"));
      update.bind(1, account.value);
      SEALMAIL_RETURN_IF_ERROR(update.run());
    }
    if (db.changes() == 0) return no_such_account();
    return replace_recovery_codes(db, account, {});
  });
}

Result<bool> SqliteStore::use_totp_step(AccountId account, int64_t step) {
  return with_writer([&](Connection& db) -> Result<bool> {
    {
      Statement update = SEALMAIL_TRY(db.prepare(
          "UPDATE accounts SET totp_last_step = ?2 WHERE account_id = ?1 AND totp_last_step < ?2"));
      update.bind(1, account.value).bind(2, step);
      SEALMAIL_RETURN_IF_ERROR(update.run());
    }
    return changed_for_account(db, account);
  });
}

Result<bool> SqliteStore::use_recovery_code(AccountId account, std::string_view code_hash) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_token(code_hash, "recovery code hash"));
  return with_writer([&](Connection& db) -> Result<bool> {
    {
      Statement remove = SEALMAIL_TRY(
          db.prepare("DELETE FROM recovery_codes WHERE account_id = ?1 AND code_hash = ?2"));
      remove.bind(1, account.value).bind_blob(2, code_hash);
      SEALMAIL_RETURN_IF_ERROR(remove.run());
    }
    return changed_for_account(db, account);
  });
}

Result<int64_t> SqliteStore::recovery_codes_left(AccountId account) {
  return with_reader([&](Connection& db) -> Result<int64_t> {
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kRead));
    SEALMAIL_RETURN_IF_ERROR(require_account(db, account));
    int64_t left = 0;
    {
      Statement count =
          SEALMAIL_TRY(db.prepare("SELECT count(*) FROM recovery_codes WHERE account_id = ?1"));
      count.bind(1, account.value);
      SEALMAIL_CHECK(SEALMAIL_TRY(count.step()));  // an aggregate always returns a row
      left = count.column_int64(0);
    }
    SEALMAIL_RETURN_IF_ERROR(txn.commit());
    return left;
  });
}

// ---- Abuse limits

Result<FailureCount> SqliteStore::record_failure(std::string_view key, int64_t now_ms,
                                                 int64_t window_ms) {
  SEALMAIL_RETURN_IF_ERROR(check_failure_query(key, window_ms));
  return with_writer([&](Connection& db) -> Result<FailureCount> {
    // last_failure_ms never goes back, so a server with a slow clock cannot reopen a window.
    Statement upsert = SEALMAIL_TRY(
        db.prepare("INSERT INTO failures (key, count, last_failure_ms) VALUES (?1, 1, ?2) "
                   "ON CONFLICT (key) DO UPDATE SET "
                   "count = CASE WHEN ?2 - last_failure_ms > ?3 THEN 1 ELSE count + 1 END, "
                   "last_failure_ms = max(last_failure_ms, ?2) "
                   "RETURNING count, last_failure_ms"));
    upsert.bind_text(1, key).bind(2, now_ms).bind(3, window_ms);
    SEALMAIL_CHECK(SEALMAIL_TRY(upsert.step()));  // an upsert always returns its row
    FailureCount result{.count = upsert.column_int64(0), .last_failure_ms = upsert.column_int64(1)};
    SEALMAIL_CHECK(!SEALMAIL_TRY(upsert.step()));
    return result;
  });
}

Result<FailureCount> SqliteStore::failures(std::string_view key, int64_t now_ms,
                                           int64_t window_ms) {
  SEALMAIL_RETURN_IF_ERROR(check_failure_query(key, window_ms));
  return with_reader([&](Connection& db) -> Result<FailureCount> {
    Statement select =
        SEALMAIL_TRY(db.prepare("SELECT count, last_failure_ms FROM failures WHERE key = ?1"));
    select.bind_text(1, key);
    if (!SEALMAIL_TRY(select.step())) return FailureCount{};
    FailureCount found{.count = select.column_int64(0), .last_failure_ms = select.column_int64(1)};
    if (now_ms - found.last_failure_ms > window_ms) return FailureCount{};
    return found;
  });
}

Status SqliteStore::clear_failures(std::string_view key) {
  SEALMAIL_RETURN_IF_ERROR(check_failure_query(key, 0));
  return with_writer([&](Connection& db) -> Status {
    Statement remove = SEALMAIL_TRY(db.prepare("DELETE FROM failures WHERE key = ?1"));
    remove.bind_text(1, key);
    return remove.run();
  });
}

// ---- Housekeeping

Result<Pruned> SqliteStore::prune(int64_t now_ms, int64_t failure_window_ms) {
  if (failure_window_ms < 0) {
    return make_error(Errc::kInvalidArgument, "negative failure window");
  }
  return with_writer([&](Connection& db) -> Result<Pruned> {
    auto remove = [&](const char* sql, int64_t bound) -> Result<int64_t> {
      Statement stmt = SEALMAIL_TRY(db.prepare(sql));
      stmt.bind(1, bound);
      SEALMAIL_RETURN_IF_ERROR(stmt.run());
      return db.changes();
    };
    Pruned out;
    out.challenges =
        SEALMAIL_TRY(remove("DELETE FROM srp_challenges WHERE expires_at_ms <= ?1", now_ms));
    out.sessions = SEALMAIL_TRY(remove(
        "DELETE FROM sessions WHERE access_expires_ms <= ?1 AND refresh_expires_ms <= ?1", now_ms));
    out.failures = SEALMAIL_TRY(
        remove("DELETE FROM failures WHERE last_failure_ms < ?1", now_ms - failure_window_ms));
    out.invites = SEALMAIL_TRY(remove("DELETE FROM invites WHERE expires_at_ms <= ?1", now_ms));
    out.messages = SEALMAIL_TRY(delete_expired_in(db, now_ms, kPruneMessages));
    out.uploads = SEALMAIL_TRY(
        remove("DELETE FROM uploads WHERE created_at_ms <= ?1", now_ms - kUploadLifetimeMs));
    return out;
  });
}

// ---- Invites

Status SqliteStore::create_invite(const Invite& invite) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_invite(invite));
  const std::string key = invite.address.empty() ? "" : internal::address_key(invite.address);
  return with_writer([&](Connection& db) -> Status {
    Statement insert = SEALMAIL_TRY(
        db.prepare("INSERT INTO invites (code_hash, address, address_key, expires_at_ms) "
                   "VALUES (?1, ?2, ?3, ?4)"));
    insert.bind_blob(1, invite.code_hash).bind_text(2, invite.address).bind_text(3, key);
    insert.bind(4, invite.expires_at_ms);
    return insert.run();
  });
}

Status SqliteStore::take_invite(std::string_view code_hash, std::string_view address,
                                int64_t now_ms) {
  const Error refused = make_error(Errc::kNotFound, "no such invite");
  if (!internal::check_token(code_hash, "invite").ok() || !internal::check_address(address).ok()) {
    return refused;
  }
  const std::string key = internal::address_key(address);
  bool taken = SEALMAIL_TRY(with_writer([&](Connection& db) -> Result<bool> {
    Statement take =
        SEALMAIL_TRY(db.prepare("DELETE FROM invites WHERE code_hash = ?1 AND expires_at_ms > ?2 "
                                "AND address_key IN ('', ?3)"));
    take.bind_blob(1, code_hash).bind(2, now_ms).bind_text(3, key);
    SEALMAIL_RETURN_IF_ERROR(take.run());
    return db.changes() > 0;
  }));
  if (!taken) return refused;
  return ok_status();
}

// ---- Server secrets

Result<std::string> SqliteStore::server_secret(std::string_view name, std::string_view candidate) {
  SEALMAIL_RETURN_IF_ERROR(internal::check_token(name, "secret name"));
  SEALMAIL_RETURN_IF_ERROR(check_secret(candidate, "server secret"));
  return with_writer([&](Connection& db) -> Result<std::string> {
    {
      Statement insert =
          SEALMAIL_TRY(db.prepare("INSERT INTO server_secrets (name, value, created_at_ms) "
                                  "VALUES (?1, ?2, ?3) ON CONFLICT (name) DO NOTHING"));
      insert.bind_text(1, name).bind_blob(2, candidate).bind(3, unix_time_ms());
      SEALMAIL_RETURN_IF_ERROR(insert.run());
    }
    Statement select = SEALMAIL_TRY(db.prepare("SELECT value FROM server_secrets WHERE name = ?1"));
    select.bind_text(1, name);
    SEALMAIL_CHECK(SEALMAIL_TRY(select.step()));  // inserted above or by an earlier call
    return select.column_blob(0);
  });
}

}  // namespace sealmail::store::sqlite
