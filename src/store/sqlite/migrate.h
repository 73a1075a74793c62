// migrate.h — versioned schema migrations for the SQLite backend. Internal to src/store; public
// only so tests can build a database at any old version.
//
// The migrations are the files migrations/NNNN_name.sql, compiled into the binary at build time
// (embed_migrations.cmake), so a server never reads SQL from disk and its code and schema
// cannot come from different versions. To change the schema, add the next file — never edit
// one that has shipped. Each migration runs in one transaction together with its row in
// schema_migrations, so a crash leaves the database at the old version or the new one. A
// migration therefore must not contain statements SQLite refuses inside a transaction
// (VACUUM, PRAGMA journal_mode, PRAGMA foreign_keys); table rebuilds follow SQLite's
// "12-step" ALTER TABLE recipe with foreign keys left on.
//
// SECURITY: reads schema_migrations from a database that may be damaged or not ours: gaps or
// foreign tables are refused, never "repaired".
// Thread-safety: functions operate on the Connection they are given (one thread at a time).
// Several processes may migrate the same file at once: the version is re-read after taking
// the write lock, so each migration is applied exactly once.
#pragma once

#include <span>
#include <string_view>

#include "base/result.h"
#include "store/sqlite/db.h"

namespace sealmail::store::sqlite {

struct Migration {
  int version;            // from the file name; 1, 2, 3, … without gaps
  std::string_view name;  // the file name without ".sql", e.g. "0001_initial"
  std::string_view sql;
};

// The migrations compiled into this binary, in version order (generated file).
std::span<const Migration> embedded_migrations();

// The newest schema version this binary knows.
int latest_schema_version();

// The version recorded in the database: 0 for an empty one. kInvalidArgument for an SQLite
// database that has tables but is not a sealmail store; kCorruption if the bookkeeping has
// gaps.
Result<int> read_schema_version(Connection& db);

// Applies, in order and each in its own transaction, the migrations of `migrations` above the
// database's version up to `target`; returns the version reached. kUnsupported if the database
// is newer than the newest migration given (the message names both versions);
// kInvalidArgument if `target` is below the database's version (no downgrades).
Result<int> migrate(Connection& db, int target,
                    std::span<const Migration> migrations = embedded_migrations());

}  // namespace sealmail::store::sqlite
