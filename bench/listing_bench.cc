// listing_bench — what a client's mailbox reads cost through Store at 10,000 and 100,000
// messages: a page of 100 of the Inbox with its counts, a page deep in the folder (offset
// 5,000: does OFFSET paging stay flat?), and 10,000 summaries fetched by id. Beside each, raw
// SQLite reading the same rows from the same database file with the same SQL (or, for the
// summaries, the classic IN (?, ?, …) in chunks), so the gap is our layer, not SQLite.
//
//   build/bench/listing_bench [--benchmark_repetitions=3 --benchmark_report_aggregates_only=true]
//                                                       (TMPDIR picks the disk)
//
// Each mailbox is filled once per size, through Store::deliver in batches of 1,000 deliveries
// (~10 s for 100,000 messages on a 2-core VM), and shared by every benchmark of that size.
// Reads only: the file's pages are in the OS cache after the fill, as on a server with memory
// to spare.
#include <sqlite3.h>
#include <stdlib.h>

#include <benchmark/benchmark.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <map>
#include <memory>
#include <random>
#include <string>
#include <system_error>
#include <unordered_set>
#include <vector>

#include "base/testing/temp_dir.h"
#include "store/store.h"

namespace {

using sealmail::store::AccountId;
using sealmail::store::Delivery;
using sealmail::store::MessageRecord;
using sealmail::store::Store;

constexpr uint64_t kSeed = 20261126;  // printed in the run's context
constexpr size_t kPage = 100;
constexpr size_t kDeepOffset = 5'000;
constexpr size_t kSummaries = 10'000;  // = kMaxBulkIds, the most one call may ask
constexpr size_t kDeliverBatch = 1'000;
constexpr size_t kIdsPerChunk = 1'000;  // the raw IN (…) baseline: 10 statements of 1,000 ids

// The store's listing and count SQL (sqlite_messages.cc), verbatim, for the raw baseline.
constexpr char kColumns[] =
    "SELECT m.account_id, m.message_id, m.address_key, m.folder, m.flags, m.size, "
    "m.received_at_ms, m.key_packets, m.summary, m.expires_at_ms";
constexpr char kListFolderFrom[] =
    " FROM messages AS m WHERE m.account_id = ?1 AND m.folder = ?4 "
    "ORDER BY m.received_at_ms DESC, m.message_id DESC LIMIT ?2 OFFSET ?3";
constexpr char kCountFolder[] =
    "SELECT count(*), coalesce(sum((flags & 1) = 0), 0) FROM messages "
    "WHERE account_id = ?1 AND folder = ?2";
constexpr char kSummariesJsonFrom[] =
    " FROM messages AS m WHERE m.account_id = ?1 AND m.message_id IN "
    "(SELECT value FROM json_each(?2))";

using sealmail::testing::TempDir;

struct RawDb {
  sqlite3* db = nullptr;
  ~RawDb() { sqlite3_close_v2(db); }
};

struct Stmt {
  sqlite3_stmt* stmt = nullptr;
  ~Stmt() { sqlite3_finalize(stmt); }
};

bool prepare(sqlite3* db, const std::string& sql, Stmt& out) {
  return sqlite3_prepare_v3(db, sql.c_str(), -1, SQLITE_PREPARE_PERSISTENT, &out.stmt, nullptr) ==
         SQLITE_OK;
}

std::string random_bytes(std::mt19937_64& rng, size_t n) {
  std::string out(n, '\0');
  for (size_t i = 0; i < n; i += 8) {
    uint64_t word = rng();
    for (size_t j = 0; j < 8 && i + j < n; ++j) out[i + j] = static_cast<char>(word >> (8 * j));
  }
  return out;
}

std::string random_hex_id(std::mt19937_64& rng) {
  char text[17];
  std::snprintf(text, sizeof text, "%016llx", static_cast<unsigned long long>(rng()));
  return text;
}

size_t between(std::mt19937_64& rng, size_t low, size_t high) {
  return low + rng() % (high - low + 1);
}

// One account's mailbox of `size` messages in its own database, the Store that wrote it, and a
// raw connection with the baseline's statements prepared. Members are destroyed bottom-up:
// statements, raw connection, store, then the directory.
struct Mailbox {
  TempDir dir;
  std::unique_ptr<Store> store;
  AccountId account;
  std::vector<std::string> summary_ids;  // kSummaries ids spread evenly over the mailbox
  RawDb raw;
  Stmt list, count, summaries_json, summaries_chunk;
};

// Fills a mailbox: 97 % Inbox, 1 % each Archive, Sent and Trash; 70 % read; one message in
// 20 labelled; one a minute. Key packets ~100 bytes, summary ~600, data packet ~2 KB, random.
std::string fill(Mailbox& box, size_t size) {
  auto store = sealmail::store::open_store("", box.dir.path());
  if (!store.ok()) return store.error().describe();
  box.store = std::move(*store);
  auto account = box.store->create_account("bench@example.org");
  if (!account.ok()) return account.error().describe();
  box.account = *account;
  auto label = box.store->create_label(box.account, "Work", "#8080ff");
  if (!label.ok()) return label.error().describe();

  std::mt19937_64 rng(kSeed ^ size);
  std::unordered_set<std::string> used;
  const size_t stride = size / kSummaries;
  const int64_t first_ms = 1'764'000'000'000;
  std::vector<Delivery> batch;
  for (size_t i = 0; i < size; ++i) {
    std::string id;
    do id = random_hex_id(rng);
    while (!used.insert(id).second);
    if (i % stride == 0 && box.summary_ids.size() < kSummaries) box.summary_ids.push_back(id);
    const char* folder = "inbox";
    if (i % 100 == 1) folder = "archive";
    if (i % 100 == 2) folder = "sent";
    if (i % 100 == 3) folder = "trash";
    MessageRecord copy{.account = box.account,
                       .id = std::move(id),
                       .address = "bench@example.org",
                       .folder = folder,
                       .flags = rng() % 10 < 7 ? sealmail::store::kFlagSeen : 0,
                       .size = 0,  // deliver sets it
                       .received_at_ms = first_ms + static_cast<int64_t>(i) * 60'000,
                       .key_packets = random_bytes(rng, between(rng, 90, 110)),
                       .data_packet = {},  // the Delivery's
                       .summary = random_bytes(rng, between(rng, 500, 700)),
                       .expires_at_ms = 0,
                       .labels = {}};
    if (i % 20 == 5) copy.labels.push_back(*label);
    Delivery delivery;
    delivery.copies.push_back(std::move(copy));
    delivery.quota_bytes.push_back(0);
    delivery.data_packet = random_bytes(rng, between(rng, 1'500, 2'500));
    batch.push_back(std::move(delivery));
    if (batch.size() == kDeliverBatch || i + 1 == size) {
      auto statuses = box.store->deliver(batch);
      if (!statuses.ok()) return statuses.error().describe();
      for (const auto& status : *statuses) {
        if (!status.ok()) return status.error().describe();
      }
      batch.clear();
    }
  }

  // The raw side: a connection set up as the store's readers are (db.cc), on the same file.
  const std::filesystem::path file = box.dir.path() / "sealmail.db";
  if (sqlite3_open_v2(file.c_str(), &box.raw.db, SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX,
                      nullptr) != SQLITE_OK ||
      sqlite3_exec(box.raw.db,
                   "PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL; PRAGMA query_only = ON;",
                   nullptr, nullptr, nullptr) != SQLITE_OK) {
    return "raw open: " + std::string(sqlite3_errmsg(box.raw.db));
  }
  std::string chunk_sql =
      std::string(kColumns) + " FROM messages AS m WHERE m.account_id = ?1 AND m.message_id IN (?2";
  for (size_t i = 1; i < kIdsPerChunk; ++i) chunk_sql += ", ?" + std::to_string(i + 2);
  chunk_sql += ")";
  if (!prepare(box.raw.db, std::string(kColumns) + kListFolderFrom, box.list) ||
      !prepare(box.raw.db, kCountFolder, box.count) ||
      !prepare(box.raw.db, std::string(kColumns) + kSummariesJsonFrom, box.summaries_json) ||
      !prepare(box.raw.db, chunk_sql, box.summaries_chunk)) {
    return "raw prepare: " + std::string(sqlite3_errmsg(box.raw.db));
  }
  return "";
}

// The mailbox of `size` messages, filled on first use; nullptr after SkipWithError.
Mailbox* mailbox(benchmark::State& state) {
  static std::map<int64_t, std::unique_ptr<Mailbox>> cache;
  static std::map<int64_t, std::string> failed;
  const int64_t size = state.range(0);
  if (auto it = failed.find(size); it != failed.end()) {
    state.SkipWithError(it->second.c_str());
    return nullptr;
  }
  auto it = cache.find(size);
  if (it == cache.end()) {
    auto box = std::make_unique<Mailbox>();
    const auto start = std::chrono::steady_clock::now();
    std::string error = fill(*box, static_cast<size_t>(size));
    if (!error.empty()) {
      state.SkipWithError(failed.emplace(size, error).first->second.c_str());
      return nullptr;
    }
    std::error_code ec;
    const auto bytes = std::filesystem::file_size(box->dir.path() / "sealmail.db", ec);
    std::fprintf(stderr, "listing_bench: mailbox of %lld messages filled in %.1f s, %.0f MB\n",
                 static_cast<long long>(size),
                 std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count(),
                 static_cast<double>(bytes) / 1e6);
    it = cache.emplace(size, std::move(box)).first;
  }
  return it->second.get();
}

// Steps through a result, reading every column's value as a caller would, copying nothing.
// Returns the number of rows, or -1 on error.
int64_t read_rows(sqlite3_stmt* stmt, int64_t& checksum) {
  int64_t rows = 0;
  int rc;
  while ((rc = sqlite3_step(stmt)) == SQLITE_ROW) {
    ++rows;
    const int columns = sqlite3_column_count(stmt);
    for (int i = 0; i < columns; ++i) {
      switch (sqlite3_column_type(stmt, i)) {
        case SQLITE_INTEGER:
          checksum += sqlite3_column_int64(stmt, i);
          break;
        default: {
          const auto* bytes = static_cast<const unsigned char*>(sqlite3_column_blob(stmt, i));
          const int n = sqlite3_column_bytes(stmt, i);
          checksum += n + (n > 0 ? bytes[0] : 0);
        }
      }
    }
  }
  sqlite3_reset(stmt);
  return rc == SQLITE_DONE ? rows : -1;
}

// ---- 1 and 3: a page of the Inbox (with its counts), at the top and deep in the folder

void BM_StoreInboxPageAndCount(benchmark::State& state) {
  Mailbox* box = mailbox(state);
  if (box == nullptr) return;
  for (auto _ : state) {
    auto page = box->store->list_messages(box->account, "inbox", kPage, 0);
    if (!page.ok()) return state.SkipWithError(page.error().describe().c_str());
    if (page->size() != kPage) return state.SkipWithError("short page");
    auto counts = box->store->count_messages(box->account, "inbox");
    if (!counts.ok()) return state.SkipWithError(counts.error().describe().c_str());
    benchmark::DoNotOptimize(page->data());
    benchmark::DoNotOptimize(counts->total);
  }
  state.SetItemsProcessed(state.iterations() * kPage);
}

void BM_RawSqliteInboxPageAndCount(benchmark::State& state) {
  Mailbox* box = mailbox(state);
  if (box == nullptr) return;
  int64_t checksum = 0;
  for (auto _ : state) {
    sqlite3_bind_int64(box->list.stmt, 1, box->account.value);
    sqlite3_bind_int64(box->list.stmt, 2, kPage);
    sqlite3_bind_int64(box->list.stmt, 3, 0);
    sqlite3_bind_text(box->list.stmt, 4, "inbox", -1, SQLITE_STATIC);
    if (read_rows(box->list.stmt, checksum) != static_cast<int64_t>(kPage)) {
      return state.SkipWithError("raw list");
    }
    sqlite3_bind_int64(box->count.stmt, 1, box->account.value);
    sqlite3_bind_text(box->count.stmt, 2, "inbox", -1, SQLITE_STATIC);
    if (read_rows(box->count.stmt, checksum) != 1) return state.SkipWithError("raw count");
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(state.iterations() * kPage);
}

// The page alone, at offset range(1).
void BM_StoreInboxPage(benchmark::State& state) {
  Mailbox* box = mailbox(state);
  if (box == nullptr) return;
  const auto offset = static_cast<size_t>(state.range(1));
  for (auto _ : state) {
    auto page = box->store->list_messages(box->account, "inbox", kPage, offset);
    if (!page.ok()) return state.SkipWithError(page.error().describe().c_str());
    if (page->size() != kPage) return state.SkipWithError("short page");
    benchmark::DoNotOptimize(page->data());
  }
  state.SetItemsProcessed(state.iterations() * kPage);
}

void BM_RawSqliteInboxPage(benchmark::State& state) {
  Mailbox* box = mailbox(state);
  if (box == nullptr) return;
  int64_t checksum = 0;
  for (auto _ : state) {
    sqlite3_bind_int64(box->list.stmt, 1, box->account.value);
    sqlite3_bind_int64(box->list.stmt, 2, kPage);
    sqlite3_bind_int64(box->list.stmt, 3, state.range(1));
    sqlite3_bind_text(box->list.stmt, 4, "inbox", -1, SQLITE_STATIC);
    if (read_rows(box->list.stmt, checksum) != static_cast<int64_t>(kPage)) {
      return state.SkipWithError("raw list");
    }
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(state.iterations() * kPage);
}

// The counts alone: the part of (1) that reads the whole folder.
void BM_StoreCountInbox(benchmark::State& state) {
  Mailbox* box = mailbox(state);
  if (box == nullptr) return;
  for (auto _ : state) {
    auto counts = box->store->count_messages(box->account, "inbox");
    if (!counts.ok()) return state.SkipWithError(counts.error().describe().c_str());
    benchmark::DoNotOptimize(counts->total);
  }
}

void BM_RawSqliteCountInbox(benchmark::State& state) {
  Mailbox* box = mailbox(state);
  if (box == nullptr) return;
  int64_t checksum = 0;
  for (auto _ : state) {
    sqlite3_bind_int64(box->count.stmt, 1, box->account.value);
    sqlite3_bind_text(box->count.stmt, 2, "inbox", -1, SQLITE_STATIC);
    if (read_rows(box->count.stmt, checksum) != 1) return state.SkipWithError("raw count");
  }
  benchmark::DoNotOptimize(checksum);
}

// ---- 2: 10,000 summaries by id

void BM_StoreSummaries10k(benchmark::State& state) {
  Mailbox* box = mailbox(state);
  if (box == nullptr) return;
  for (auto _ : state) {
    auto summaries = box->store->get_summaries(box->account, box->summary_ids);
    if (!summaries.ok()) return state.SkipWithError(summaries.error().describe().c_str());
    if (summaries->size() != kSummaries) return state.SkipWithError("missing summaries");
    benchmark::DoNotOptimize(summaries->data());
  }
  state.SetItemsProcessed(state.iterations() * kSummaries);
}

// The store's SQL without the store: one statement, the ids as a JSON array.
void BM_RawSqliteSummariesJsonEach(benchmark::State& state) {
  Mailbox* box = mailbox(state);
  if (box == nullptr) return;
  int64_t checksum = 0;
  for (auto _ : state) {
    std::string json = "[";
    for (const std::string& id : box->summary_ids) {
      if (json.size() > 1) json += ',';
      json += '"';
      json += id;
      json += '"';
    }
    json += ']';
    sqlite3_bind_int64(box->summaries_json.stmt, 1, box->account.value);
    sqlite3_bind_text(box->summaries_json.stmt, 2, json.data(), static_cast<int>(json.size()),
                      SQLITE_STATIC);
    if (read_rows(box->summaries_json.stmt, checksum) != static_cast<int64_t>(kSummaries)) {
      return state.SkipWithError("raw summaries");
    }
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(state.iterations() * kSummaries);
}

// The classic way: IN (?2, …, ?1001), ten statements of 1,000 bound ids.
void BM_RawSqliteSummariesInChunks(benchmark::State& state) {
  Mailbox* box = mailbox(state);
  if (box == nullptr) return;
  sqlite3_stmt* stmt = box->summaries_chunk.stmt;
  int64_t checksum = 0;
  for (auto _ : state) {
    int64_t rows = 0;
    for (size_t first = 0; first < box->summary_ids.size(); first += kIdsPerChunk) {
      sqlite3_bind_int64(stmt, 1, box->account.value);
      for (size_t i = 0; i < kIdsPerChunk; ++i) {
        const int slot = static_cast<int>(i) + 2;
        if (first + i < box->summary_ids.size()) {
          const std::string& id = box->summary_ids[first + i];
          sqlite3_bind_text(stmt, slot, id.data(), static_cast<int>(id.size()), SQLITE_STATIC);
        } else {
          sqlite3_bind_null(stmt, slot);
        }
      }
      const int64_t n = read_rows(stmt, checksum);
      if (n < 0) return state.SkipWithError("raw summaries");
      rows += n;
    }
    if (rows != static_cast<int64_t>(kSummaries)) return state.SkipWithError("raw summaries");
  }
  benchmark::DoNotOptimize(checksum);
  state.SetItemsProcessed(state.iterations() * kSummaries);
}

// Each benchmark at both mailbox sizes: rows …/10000 and …/100000.
void Sizes(benchmark::internal::Benchmark* b) {
  b->ArgName("messages")->Arg(10'000)->Arg(100'000)->Unit(benchmark::kMicrosecond);
}
void SizesAndOffsets(benchmark::internal::Benchmark* b) {
  b->ArgNames({"messages", "offset"})
      ->ArgsProduct({{10'000, 100'000}, {0, static_cast<int64_t>(kDeepOffset)}})
      ->Unit(benchmark::kMicrosecond);
}

BENCHMARK(BM_StoreInboxPageAndCount)->Apply(Sizes);
BENCHMARK(BM_RawSqliteInboxPageAndCount)->Apply(Sizes);
BENCHMARK(BM_StoreInboxPage)->Apply(SizesAndOffsets);
BENCHMARK(BM_RawSqliteInboxPage)->Apply(SizesAndOffsets);
BENCHMARK(BM_StoreCountInbox)->Apply(Sizes);
BENCHMARK(BM_RawSqliteCountInbox)->Apply(Sizes);
BENCHMARK(BM_StoreSummaries10k)->Apply(Sizes);
BENCHMARK(BM_RawSqliteSummariesJsonEach)->Apply(Sizes);
BENCHMARK(BM_RawSqliteSummariesInChunks)->Apply(Sizes);

}  // namespace

int main(int argc, char** argv) {
  benchmark::Initialize(&argc, argv);
  if (benchmark::ReportUnrecognizedArguments(argc, argv)) return 1;
  benchmark::AddCustomContext("seed", std::to_string(kSeed));
  benchmark::AddCustomContext("sqlite", sqlite3_libversion());
  benchmark::RunSpecifiedBenchmarks();
  benchmark::Shutdown();
  return 0;
}
