#include "store/sqlite/db.h"

#include <sqlite3.h>

#include <chrono>
#include <string>
#include <thread>
#include <utility>

namespace sealmail::store::sqlite {

Error sqlite_error(int rc, sqlite3* db, std::string_view context) {
  Errc code = Errc::kInternal;
  switch (rc & 0xff) {
    case SQLITE_BUSY:
    case SQLITE_LOCKED:
    case SQLITE_PROTOCOL:
      code = Errc::kUnavailable;
      break;
    case SQLITE_FULL:
    case SQLITE_IOERR:
    case SQLITE_CANTOPEN:
    case SQLITE_READONLY:
    case SQLITE_PERM:
    case SQLITE_NOLFS:
      code = Errc::kIo;
      break;
    case SQLITE_CORRUPT:
    case SQLITE_NOTADB:
    case SQLITE_FORMAT:
      code = Errc::kCorruption;
      break;
    case SQLITE_CONSTRAINT:
      if (rc == SQLITE_CONSTRAINT_UNIQUE || rc == SQLITE_CONSTRAINT_PRIMARYKEY) {
        code = Errc::kAlreadyExists;
      } else if (rc == SQLITE_CONSTRAINT_FOREIGNKEY) {
        code = Errc::kNotFound;
      } else {
        code = Errc::kInvalidArgument;
      }
      break;
    case SQLITE_TOOBIG:
      code = Errc::kLimitExceeded;
      break;
    default:
      break;
  }
  // The connection's message is more specific ("UNIQUE constraint failed: accounts.…"), but only
  // if it describes this code rather than some earlier call. It names columns, never values.
  const char* detail = (db != nullptr && sqlite3_extended_errcode(db) == rc) ? sqlite3_errmsg(db)
                                                                             : sqlite3_errstr(rc);
  std::string message(context);
  message += ": ";
  message += detail;
  message += " (sqlite ";
  message += std::to_string(rc);
  message += ")";
  return make_error(code, std::move(message));
}

// ---- Statement

Statement::Statement(Cached* cached, sqlite3* db) : cached_(cached), db_(db) {
  cached_->in_use = true;
}

Statement::Statement(Statement&& other) noexcept
    : cached_(std::exchange(other.cached_, nullptr)),
      db_(other.db_),
      bind_error_(std::move(other.bind_error_)) {}

Statement::~Statement() {
  if (cached_ == nullptr) return;
  sqlite3_reset(cached_->stmt);
  sqlite3_clear_bindings(cached_->stmt);
  cached_->in_use = false;
}

namespace {
// SQLite binds a null data pointer as SQL NULL, even with length 0; an empty string_view may
// carry one, and NOT NULL columns would then reject an empty value.
const char* non_null(std::string_view value) { return value.data() != nullptr ? value.data() : ""; }
}  // namespace

Statement& Statement::bind(int index, int64_t value) {
  int rc = sqlite3_bind_int64(cached_->stmt, index, value);
  if (rc != SQLITE_OK && !bind_error_) bind_error_ = sqlite_error(rc, db_, "bind");
  return *this;
}

Statement& Statement::bind_text(int index, std::string_view value) {
  int rc = sqlite3_bind_text64(cached_->stmt, index, non_null(value), value.size(),
                               SQLITE_TRANSIENT, SQLITE_UTF8);
  if (rc != SQLITE_OK && !bind_error_) bind_error_ = sqlite_error(rc, db_, "bind");
  return *this;
}

Statement& Statement::bind_blob(int index, std::string_view value) {
  int rc =
      sqlite3_bind_blob64(cached_->stmt, index, non_null(value), value.size(), SQLITE_TRANSIENT);
  if (rc != SQLITE_OK && !bind_error_) bind_error_ = sqlite_error(rc, db_, "bind");
  return *this;
}

Result<bool> Statement::step() {
  if (bind_error_) return *std::exchange(bind_error_, std::nullopt);
  int rc = sqlite3_step(cached_->stmt);
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  return sqlite_error(rc, db_, "step");
}

Status Statement::run() {
  bool row = SEALMAIL_TRY(step());
  SEALMAIL_CHECK(!row);  // run() is for statements without results; a row means misuse
  return ok_status();
}

int64_t Statement::column_int64(int index) const {
  return sqlite3_column_int64(cached_->stmt, index);
}

std::string Statement::column_text(int index) const {
  const unsigned char* text = sqlite3_column_text(cached_->stmt, index);
  int size = sqlite3_column_bytes(cached_->stmt, index);
  if (text == nullptr) return {};
  return std::string(reinterpret_cast<const char*>(text), static_cast<size_t>(size));
}

std::string Statement::column_blob(int index) const {
  const void* blob = sqlite3_column_blob(cached_->stmt, index);
  int size = sqlite3_column_bytes(cached_->stmt, index);
  if (blob == nullptr) return {};
  return std::string(static_cast<const char*>(blob), static_cast<size_t>(size));
}

// ---- Connection

Result<Connection> Connection::open(const std::filesystem::path& file,
                                    const ConnectionOptions& options) {
  int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_NOMUTEX;
  // Readers also open read-write: a WAL reader must be able to update the shared-memory index.
  // query_only below is what keeps them from writing.
  if (options.mode == OpenMode::kReadWrite) flags |= SQLITE_OPEN_CREATE;
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(file.c_str(), &raw, flags, nullptr);
  Connection db(raw);  // owns the handle even when opening failed
  if (rc != SQLITE_OK) return sqlite_error(rc, raw, "open " + file.string());
  sqlite3_extended_result_codes(raw, 1);
  sqlite3_busy_timeout(raw, static_cast<int>(options.busy_timeout.count()));

  // The file header is first read here, so a file that is not a database fails now.
  SEALMAIL_RETURN_IF_ERROR(db.exec("PRAGMA foreign_keys = ON; PRAGMA synchronous = FULL;"));
  if (options.mode == OpenMode::kReadWrite) {
    SEALMAIL_RETURN_IF_ERROR(db.enable_wal(file, options.busy_timeout));
  } else {
    SEALMAIL_RETURN_IF_ERROR(db.exec("PRAGMA query_only = ON;"));
  }
  return db;
}

Status Connection::enable_wal(const std::filesystem::path& file,
                              std::chrono::milliseconds busy_timeout) {
  // Switching to WAL takes an exclusive lock, and SQLite answers SQLITE_BUSY at once, without
  // the busy handler, while another connection holds any lock — as when two servers create the
  // store together. The mode is stored in the file, so retry, bounded, until it reads "wal".
  const auto deadline = std::chrono::steady_clock::now() + busy_timeout;
  for (;;) {
    Result<std::string> mode = query_text("PRAGMA journal_mode");
    if (mode.ok() && *mode == "wal") return ok_status();
    if (mode.ok()) mode = query_text("PRAGMA journal_mode = WAL");
    if (mode.ok() && *mode == "wal") return ok_status();
    bool busy = !mode.ok() && mode.error().code == Errc::kUnavailable;
    if (!busy || std::chrono::steady_clock::now() >= deadline) {
      if (!mode.ok()) return std::move(mode).error();
      return make_error(Errc::kUnsupported, "cannot put " + file.string() +
                                                " in WAL mode (journal_mode=" + *mode + ")");
    }
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
}

Connection::Connection(Connection&& other) noexcept
    : db_(std::exchange(other.db_, nullptr)), cache_(std::move(other.cache_)) {}

Connection& Connection::operator=(Connection&& other) noexcept {
  if (this != &other) {
    close();
    db_ = std::exchange(other.db_, nullptr);
    cache_ = std::move(other.cache_);
  }
  return *this;
}

Connection::~Connection() { close(); }

void Connection::close() {
  for (auto& [sql, cached] : cache_) {
    SEALMAIL_CHECK(!cached.in_use);  // a Statement outlived its Connection
    sqlite3_finalize(cached.stmt);
  }
  cache_.clear();
  if (db_ != nullptr) sqlite3_close_v2(std::exchange(db_, nullptr));
}

Result<Statement> Connection::prepare(std::string_view sql) {
  auto it = cache_.find(std::string(sql));
  if (it == cache_.end()) {
    sqlite3_stmt* stmt = nullptr;
    int rc = sqlite3_prepare_v3(db_, sql.data(), static_cast<int>(sql.size()),
                                SQLITE_PREPARE_PERSISTENT, &stmt, nullptr);
    if (rc != SQLITE_OK) return sqlite_error(rc, db_, "prepare");
    SEALMAIL_CHECK(stmt != nullptr);  // empty SQL is a bug in our code
    it = cache_.emplace(std::string(sql), Statement::Cached{stmt, false}).first;
  }
  SEALMAIL_CHECK(!it->second.in_use);  // nested use of one statement would reset it mid-use
  return Statement(&it->second, db_);
}

Status Connection::exec(std::string_view sql) {
  std::string text(sql);
  int rc = sqlite3_exec(db_, text.c_str(), nullptr, nullptr, nullptr);
  if (rc != SQLITE_OK) return sqlite_error(rc, db_, "exec");
  return ok_status();
}

Result<std::string> Connection::query_text(std::string_view sql) {
  Statement stmt = SEALMAIL_TRY(prepare(sql));
  bool row = SEALMAIL_TRY(stmt.step());
  if (!row) return std::string();
  return stmt.column_text(0);
}

int64_t Connection::changes() const { return sqlite3_changes64(db_); }

bool Connection::in_transaction() const { return db_ != nullptr && !sqlite3_get_autocommit(db_); }

// ---- Transaction

Result<Transaction> Transaction::begin(Connection& db, Kind kind) {
  Statement stmt = SEALMAIL_TRY(db.prepare(kind == Kind::kWrite ? "BEGIN IMMEDIATE" : "BEGIN"));
  SEALMAIL_RETURN_IF_ERROR(stmt.run());
  return Transaction(&db);
}

Transaction::Transaction(Transaction&& other) noexcept : db_(std::exchange(other.db_, nullptr)) {}

Transaction::~Transaction() {
  // SQLite rolls back by itself after some errors (disk full, I/O); only roll back what is open.
  if (db_ != nullptr && db_->in_transaction()) {
    if (auto stmt = db_->prepare("ROLLBACK"); stmt.ok()) (void)stmt->run();
  }
}

Status Transaction::commit() {
  SEALMAIL_CHECK(db_ != nullptr);
  Statement stmt = SEALMAIL_TRY(db_->prepare("COMMIT"));
  SEALMAIL_RETURN_IF_ERROR(stmt.run());
  db_ = nullptr;
  return ok_status();
}

}  // namespace sealmail::store::sqlite
