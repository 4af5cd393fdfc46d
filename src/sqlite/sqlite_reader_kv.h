// The lookup half shared by the SQLite shard readers (download and range): one read-only
// connection and one prepared `SELECT v FROM kv WHERE k = ?` with the key bound as BLOB
// (format.md §4.1), reused by every Get and MultiGet.
//
// Not thread-safe (the ShardReader contract: one thread at a time).  Close is idempotent;
// lookups after Close throw ReaderStateError.  SQLite failures throw whatever `on_error`
// throws (SqliteAdapterError naming the shard URL).
#pragma once

#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/sqlite_handle.h"
#include "reader/shard_reader.h"

namespace shardyfusion::sqlite {

class SqliteKvReader : public ShardReader {
 public:
  // Opens `uri` (a "file:" URI) read-only, runs `pragmas` (full statements) and prepares
  // the lookup.  `keepalive` is released only after the connection is closed (the range
  // reader's VFS registration lives there).
  SqliteKvReader(const std::string& uri, std::string db_url, SqliteErrorFactory on_error,
                 const std::vector<std::string>& pragmas,
                 std::shared_ptr<void> keepalive = nullptr);
  ~SqliteKvReader() override;

  std::optional<std::string> Get(std::string_view key) override;
  std::vector<std::optional<std::string>> MultiGet(std::span<const std::string> keys) override;
  void Close() override;

  const std::string& db_url() const { return db_url_; }

 protected:
  // The lookup itself (Get and MultiGet call it; subclasses add work around it).
  std::optional<std::string> Lookup(std::string_view key);
  const SqliteDb& db() const { return db_; }
  bool closed() const { return !lookup_; }

 private:
  std::shared_ptr<void> keepalive_;  // destroyed last
  std::string db_url_;
  SqliteDb db_;
  std::optional<SqliteStatement> lookup_;  // refers to db_
};

// "SQLite shard <db_url>: <message>" as SqliteAdapterError.
SqliteErrorFactory ShardReadErrors(const std::string& db_url);

}  // namespace shardyfusion::sqlite
