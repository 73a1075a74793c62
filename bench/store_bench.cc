// store_bench — what a durable event append costs through Store, next to raw SQLite doing the
// least it could (one INSERT per commit) and the same SQL the store runs, all with the store's
// settings (WAL, synchronous=FULL) on the same disk in the same run.
//
//   build/bench/store_bench [--benchmark_min_time=2]      (TMPDIR picks the disk)
//
// Times are wall-clock: a commit waits on fsync, which CPU time does not see.
#include <sqlite3.h>
#include <stdlib.h>

#include <benchmark/benchmark.h>

#include <chrono>
#include <filesystem>
#include <memory>
#include <string>
#include <system_error>

#include "base/testing/temp_dir.h"
#include "store/store.h"

namespace {

using sealmail::store::AccountId;
using sealmail::store::Store;

constexpr size_t kPayloadBytes = 256;  // a typical event: IDs, flags, a key packet reference
constexpr char kKind[] = "message.created";

using sealmail::testing::TempDir;

int64_t now_ms() {
  return std::chrono::duration_cast<std::chrono::milliseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

void BM_StoreAppendEvent(benchmark::State& state) {
  TempDir dir;
  auto store = sealmail::store::open_store("", dir.path());
  if (!store.ok()) return state.SkipWithError(store.error().describe().c_str());
  auto account = (*store)->create_account("bench@example.org");
  if (!account.ok()) return state.SkipWithError(account.error().describe().c_str());
  const std::string payload(kPayloadBytes, 'p');
  for (auto _ : state) {
    auto cursor = (*store)->append_event(*account, kKind, payload);
    if (!cursor.ok()) return state.SkipWithError(cursor.error().describe().c_str());
    benchmark::DoNotOptimize(*cursor);
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_StoreAppendEvent)->UseRealTime();

void BM_StoreEventsAfter100(benchmark::State& state) {
  TempDir dir;
  auto store = sealmail::store::open_store("", dir.path());
  if (!store.ok()) return state.SkipWithError(store.error().describe().c_str());
  auto account = (*store)->create_account("bench@example.org");
  if (!account.ok()) return state.SkipWithError(account.error().describe().c_str());
  const std::string payload(kPayloadBytes, 'p');
  for (int i = 0; i < 1000; ++i) {
    if (!(*store)->append_event(*account, kKind, payload).ok()) return state.SkipWithError("setup");
  }
  sealmail::store::Cursor after = 0;
  for (auto _ : state) {
    auto events = (*store)->events_after(*account, after, 100);
    if (!events.ok()) return state.SkipWithError(events.error().describe().c_str());
    after = (after + 100) % 900;
    benchmark::DoNotOptimize(events->data());
  }
  state.SetItemsProcessed(state.iterations() * 100);
}
BENCHMARK(BM_StoreEventsAfter100)->UseRealTime();

// ---- baselines: raw sqlite3, same pragmas, same table

struct RawDb {
  sqlite3* db = nullptr;
  ~RawDb() { sqlite3_close_v2(db); }
};

bool exec(sqlite3* db, const char* sql) {
  return sqlite3_exec(db, sql, nullptr, nullptr, nullptr) == SQLITE_OK;
}

bool open_raw(const std::filesystem::path& file, RawDb& raw) {
  if (sqlite3_open(file.c_str(), &raw.db) != SQLITE_OK) return false;
  return exec(raw.db,
              "PRAGMA journal_mode = WAL; PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON;"
              "CREATE TABLE accounts (account_id INTEGER PRIMARY KEY, "
              "  last_cursor INTEGER NOT NULL DEFAULT 0);"
              "CREATE TABLE events (account_id INTEGER NOT NULL REFERENCES accounts (account_id),"
              "  cursor INTEGER NOT NULL, kind TEXT NOT NULL, payload BLOB NOT NULL,"
              "  created_at_ms INTEGER NOT NULL, PRIMARY KEY (account_id, cursor)) WITHOUT ROWID;"
              "INSERT INTO accounts (account_id) VALUES (1);");
}

struct Stmt {
  sqlite3_stmt* stmt = nullptr;
  ~Stmt() { sqlite3_finalize(stmt); }
};

bool prepare(sqlite3* db, const char* sql, Stmt& out) {
  return sqlite3_prepare_v2(db, sql, -1, &out.stmt, nullptr) == SQLITE_OK;
}

bool run(sqlite3_stmt* stmt) {
  int rc = sqlite3_step(stmt);
  sqlite3_reset(stmt);
  return rc == SQLITE_DONE;
}

// The floor: one autocommitted INSERT per event, cursor counted in memory.
void BM_RawSqliteInsert(benchmark::State& state) {
  TempDir dir;
  RawDb raw;
  Stmt insert;
  if (!open_raw(dir.path() / "raw.db", raw) ||
      !prepare(raw.db, "INSERT INTO events VALUES (1, ?1, ?2, ?3, ?4)", insert)) {
    return state.SkipWithError(sqlite3_errmsg(raw.db));
  }
  const std::string payload(kPayloadBytes, 'p');
  int64_t cursor = 0;
  for (auto _ : state) {
    sqlite3_bind_int64(insert.stmt, 1, ++cursor);
    sqlite3_bind_text(insert.stmt, 2, kKind, -1, SQLITE_STATIC);
    sqlite3_bind_blob(insert.stmt, 3, payload.data(), static_cast<int>(payload.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int64(insert.stmt, 4, now_ms());
    if (!run(insert.stmt)) return state.SkipWithError(sqlite3_errmsg(raw.db));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawSqliteInsert)->UseRealTime();

// The store's SQL without the store: BEGIN IMMEDIATE, bump the account's counter, INSERT,
// COMMIT. The gap to BM_StoreAppendEvent is the cost of our layer.
void BM_RawSqliteStoreSql(benchmark::State& state) {
  TempDir dir;
  RawDb raw;
  Stmt begin, bump, insert, commit;
  if (!open_raw(dir.path() / "raw.db", raw) || !prepare(raw.db, "BEGIN IMMEDIATE", begin) ||
      !prepare(raw.db,
               "UPDATE accounts SET last_cursor = last_cursor + 1 WHERE account_id = 1 "
               "RETURNING last_cursor",
               bump) ||
      !prepare(raw.db, "INSERT INTO events VALUES (1, ?1, ?2, ?3, ?4)", insert) ||
      !prepare(raw.db, "COMMIT", commit)) {
    return state.SkipWithError(sqlite3_errmsg(raw.db));
  }
  const std::string payload(kPayloadBytes, 'p');
  for (auto _ : state) {
    if (!run(begin.stmt)) return state.SkipWithError(sqlite3_errmsg(raw.db));
    if (sqlite3_step(bump.stmt) != SQLITE_ROW) return state.SkipWithError(sqlite3_errmsg(raw.db));
    int64_t cursor = sqlite3_column_int64(bump.stmt, 0);
    sqlite3_reset(bump.stmt);
    sqlite3_bind_int64(insert.stmt, 1, cursor);
    sqlite3_bind_text(insert.stmt, 2, kKind, -1, SQLITE_STATIC);
    sqlite3_bind_blob(insert.stmt, 3, payload.data(), static_cast<int>(payload.size()),
                      SQLITE_STATIC);
    sqlite3_bind_int64(insert.stmt, 4, now_ms());
    if (!run(insert.stmt) || !run(commit.stmt)) return state.SkipWithError(sqlite3_errmsg(raw.db));
  }
  state.SetItemsProcessed(state.iterations());
}
BENCHMARK(BM_RawSqliteStoreSql)->UseRealTime();

}  // namespace

BENCHMARK_MAIN();
