#include "store/sqlite/migrate.h"

#include <string>

#include "base/clock.h"

namespace sealmail::store::sqlite {
namespace {

// The generator and the file names guarantee 1..N; a list that breaks it is a build bug.
void check_sequence(std::span<const Migration> migrations) {
  for (size_t i = 0; i < migrations.size(); ++i) {
    SEALMAIL_CHECK(migrations[i].version == static_cast<int>(i) + 1);
  }
}

Error newer_than_known(int found, int known) {
  return make_error(Errc::kUnsupported, "database schema version " + std::to_string(found) +
                                            " is newer than this build's " + std::to_string(known) +
                                            "; upgrade sealmail");
}

}  // namespace

int latest_schema_version() {
  std::span<const Migration> migrations = embedded_migrations();
  check_sequence(migrations);
  return static_cast<int>(migrations.size());
}

Result<int> read_schema_version(Connection& db) {
  // Both counts in one statement, so one snapshot: another process may commit migration 1
  // between two separate reads, which would look like tables without bookkeeping.
  Statement catalog = SEALMAIL_TRY(
      db.prepare("SELECT coalesce(sum(type = 'table' AND name = 'schema_migrations'), 0), "
                 "coalesce(sum(name NOT LIKE 'sqlite_%'), 0) FROM sqlite_master"));
  bool catalog_row = SEALMAIL_TRY(catalog.step());
  SEALMAIL_CHECK(catalog_row);  // an aggregate always returns a row
  int64_t bookkeeping = catalog.column_int64(0);
  int64_t objects = catalog.column_int64(1);
  if (bookkeeping == 0) {
    if (objects != 0) {
      return make_error(Errc::kInvalidArgument,
                        "the database has tables but no schema_migrations; not a sealmail store");
    }
    return 0;
  }
  Statement stmt = SEALMAIL_TRY(
      db.prepare("SELECT count(*), coalesce(min(version), 0), coalesce(max(version), 0) "
                 "FROM schema_migrations"));
  bool row = SEALMAIL_TRY(stmt.step());
  SEALMAIL_CHECK(row);
  int64_t count = stmt.column_int64(0);
  int64_t min = stmt.column_int64(1);
  int64_t max = stmt.column_int64(2);
  // Every migration records itself in the transaction that applies it, 0001 included, so an
  // empty table or a gap means the bookkeeping was tampered with or damaged.
  if (count == 0 || count != max || min != 1 || max > INT32_MAX) {
    return make_error(Errc::kCorruption, "schema_migrations is not the versions 1.." +
                                             std::to_string(max) + " (" + std::to_string(count) +
                                             " rows)");
  }
  return static_cast<int>(max);
}

Result<int> migrate(Connection& db, int target, std::span<const Migration> migrations) {
  check_sequence(migrations);
  const int latest = static_cast<int>(migrations.size());
  int current = SEALMAIL_TRY(read_schema_version(db));
  if (current > latest) return newer_than_known(current, latest);
  if (target > latest) {
    return make_error(Errc::kInvalidArgument,
                      "no migration to schema version " + std::to_string(target));
  }
  if (target < current) {
    return make_error(Errc::kInvalidArgument, "cannot migrate down from schema version " +
                                                  std::to_string(current) + " to " +
                                                  std::to_string(target));
  }
  while (current < target) {
    Transaction txn = SEALMAIL_TRY(Transaction::begin(db, Transaction::Kind::kWrite));
    // Another process may have migrated while we waited for the write lock.
    current = SEALMAIL_TRY(read_schema_version(db));
    if (current > latest) return newer_than_known(current, latest);
    if (current >= target) break;
    const Migration& migration = migrations[static_cast<size_t>(current)];
    if (Status applied = db.exec(migration.sql); !applied.ok()) {
      Error error = std::move(applied).error();
      error.message = "migration " + std::string(migration.name) + ": " + error.message;
      return error;
    }
    Statement record = SEALMAIL_TRY(db.prepare(
        "INSERT INTO schema_migrations (version, name, applied_at_ms) VALUES (?1, ?2, ?3)"));
    record.bind(1, migration.version).bind_text(2, migration.name).bind(3, unix_time_ms());
    SEALMAIL_RETURN_IF_ERROR(record.run());
    SEALMAIL_RETURN_IF_ERROR(txn.commit());
    current = migration.version;
  }
  return current;
}

}  // namespace sealmail::store::sqlite
