// Thin RAII wrappers over the SQLite C API, used by the manifest codec and the shard
// backends.  Errors throw the exception type the caller names (ManifestParseError while
// parsing a manifest, SqliteAdapterError in shard adapters ...).
#pragma once

#include <sqlite3.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <string_view>

namespace shardyfusion {

// Throws an error built from `context` and SQLite's message.
using SqliteErrorFactory = std::function<void(const std::string& message)>;

class SqliteDb {
 public:
  SqliteDb() = default;
  // Opens `path` (":memory:" for an in-memory db) with sqlite3_open_v2 `flags`.  The first
  // one in the process turns off SQLite's memory statistics (SQLITE_CONFIG_MEMSTATUS, a
  // global mutex per allocation) and the page cache's bulk preallocation, unless SQLite was
  // already initialised: afterwards sqlite3_memory_used() reports 0 and SQLite's heap
  // limits do not apply.
  SqliteDb(const std::string& path, int flags, SqliteErrorFactory on_error);
  sqlite3* get() const { return db_.get(); }
  explicit operator bool() const { return db_ != nullptr; }
  void Exec(const std::string& sql) const;
  void Close() { db_.reset(); }
  [[noreturn]] void Fail(const std::string& context) const;
  const SqliteErrorFactory& on_error() const { return on_error_; }

 private:
  struct Closer {
    void operator()(sqlite3* db) const { sqlite3_close_v2(db); }
  };
  std::unique_ptr<sqlite3, Closer> db_;
  SqliteErrorFactory on_error_;
};

class SqliteStatement {
 public:
  SqliteStatement(const SqliteDb& db, std::string_view sql);
  // Returns true while a row is available.
  bool Step();
  void Reset();
  void BindBlob(int index, std::string_view bytes);  // 1-based; SQLITE_STATIC: caller keeps bytes alive until Step
  void BindText(int index, std::string_view text);
  void BindInt(int index, int64_t value);
  void BindNull(int index);
  int ColumnIndex(std::string_view name) const;  // -1 when absent
  int ColumnType(int col) const { return sqlite3_column_type(stmt_.get(), col); }
  int64_t ColumnInt(int col) const { return sqlite3_column_int64(stmt_.get(), col); }
  std::string_view ColumnBytes(int col) const;
  sqlite3_stmt* get() const { return stmt_.get(); }

 private:
  struct Finalizer {
    void operator()(sqlite3_stmt* s) const { sqlite3_finalize(s); }
  };
  const SqliteDb& db_;
  std::unique_ptr<sqlite3_stmt, Finalizer> stmt_;
};

}  // namespace shardyfusion
