#include "core/sqlite_handle.h"

#include "core/fd_limit.h"

namespace shardyfusion {
namespace {

// Process-wide SQLite settings, made once before SQLite initialises.  If the process
// initialised SQLite before our first connection, sqlite3_config refuses (SQLITE_MISUSE)
// and nothing changes: lookups stay correct, only slower or bigger.
//  * Memory statistics (on by default) take one process-wide mutex around every allocation
//    SQLite makes, several per lookup, so lookups on different threads contend on it.
//  * The page cache's initial bulk allocation (20 pages, ~76 KiB per connection here) is
//    most of a connection's memory; a reader holding 1,000 shards open paid ~100 MiB for
//    it.  Without it pages are allocated as they are first read.
void ConfigureSqliteOnce() {
  [[maybe_unused]] static const bool done = [] {
    sqlite3_config(SQLITE_CONFIG_MEMSTATUS, 0);
    sqlite3_config(SQLITE_CONFIG_PAGECACHE, nullptr, 0, 0);
    return true;
  }();
}

}  // namespace

SqliteDb::SqliteDb(const std::string& path, int flags, SqliteErrorFactory on_error)
    : on_error_(std::move(on_error)) {
  ConfigureSqliteOnce();
  sqlite3* raw = nullptr;
  int rc = sqlite3_open_v2(path.c_str(), &raw, flags, nullptr);
  db_.reset(raw);
  if (rc != SQLITE_OK) Fail("cannot open SQLite database '" + path + "'");
}

void SqliteDb::Fail(const std::string& context) const {
  std::string msg = context;
  if (db_) msg += ": " + std::string(sqlite3_errmsg(db_.get())) + fd_limit::TooManyFilesHint(sqlite3_system_errno(db_.get()));
  on_error_(msg);
  throw std::logic_error(msg);  // on_error must throw; this keeps [[noreturn]] honest
}

void SqliteDb::Exec(const std::string& sql) const {
  char* err = nullptr;
  if (sqlite3_exec(db_.get(), sql.c_str(), nullptr, nullptr, &err) != SQLITE_OK) {
    std::string msg = err ? err : "unknown error";
    sqlite3_free(err);
    on_error_("SQLite statement failed (" + sql.substr(0, 60) + "): " + msg);
    throw std::logic_error(msg);
  }
}

SqliteStatement::SqliteStatement(const SqliteDb& db, std::string_view sql) : db_(db) {
  sqlite3_stmt* raw = nullptr;
  if (sqlite3_prepare_v2(db.get(), sql.data(), static_cast<int>(sql.size()), &raw, nullptr) !=
      SQLITE_OK)
    db.Fail("cannot prepare '" + std::string(sql.substr(0, 60)) + "'");
  stmt_.reset(raw);
}

bool SqliteStatement::Step() {
  int rc = sqlite3_step(stmt_.get());
  if (rc == SQLITE_ROW) return true;
  if (rc == SQLITE_DONE) return false;
  db_.Fail("SQLite step failed");
}

void SqliteStatement::Reset() {
  sqlite3_reset(stmt_.get());
  sqlite3_clear_bindings(stmt_.get());
}

void SqliteStatement::BindBlob(int i, std::string_view b) {
  // A zero-length blob must still be a BLOB (not NULL): pass a non-null pointer.
  static const char kEmpty = 0;
  sqlite3_bind_blob64(stmt_.get(), i, b.empty() ? &kEmpty : b.data(), b.size(), SQLITE_STATIC);
}

void SqliteStatement::BindText(int i, std::string_view t) {
  sqlite3_bind_text64(stmt_.get(), i, t.data(), t.size(), SQLITE_TRANSIENT, SQLITE_UTF8);
}

void SqliteStatement::BindInt(int i, int64_t v) { sqlite3_bind_int64(stmt_.get(), i, v); }
void SqliteStatement::BindNull(int i) { sqlite3_bind_null(stmt_.get(), i); }

int SqliteStatement::ColumnIndex(std::string_view name) const {
  int n = sqlite3_column_count(stmt_.get());
  for (int i = 0; i < n; ++i)
    if (name == sqlite3_column_name(stmt_.get(), i)) return i;
  return -1;
}

std::string_view SqliteStatement::ColumnBytes(int col) const {
  const void* p = sqlite3_column_blob(stmt_.get(), col);
  int n = sqlite3_column_bytes(stmt_.get(), col);
  return p ? std::string_view(static_cast<const char*>(p), n) : std::string_view();
}

}  // namespace shardyfusion
